package models

import (
	"encoding"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/neuron-go/neuron/callbacks"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/tensor"
)

// TrainingState is everything a model's training depends on besides its
// architecture, its compile settings and the data: the seam between the
// training loop, which owns it, and the file formats of package saving,
// which write and read it. A model file holds a TrainingState without Run
// (the model goes on training exactly as it would have, with Fit's
// InitialEpoch), a backup holds one with Run (a killed Fit resumes at the
// very step it reached).
//
// TrainingState and RunState capture one; SetTrainingState puts one back.
type TrainingState struct {
	// Weights holds every weight of every layer, trainable or not, in
	// layer order, named "<layer>/<weight>" (see NamedWeights). A captured
	// state shares the tensors with the model: write them out before
	// training goes on.
	Weights []*layers.Weight
	// Optimizer is the optimizer's state (its update count and its slots,
	// each with one value per trainable weight, in the order of the
	// model's WeightNames), or nil for a model that is not compiled. A
	// captured state shares the slots with the optimizer.
	Optimizer *optimizers.State
	// LearningRate is the optimizer's rate (a schedule's current value);
	// 0 leaves the rate as it is.
	LearningRate float64
	// RandomStates holds the state of the random generator of each layer
	// that has one (layers.RandomStater, such as Dropout), by layer name.
	// Nil leaves the generators as they are.
	RandomStates map[string][]byte
	// Run is where a Fit call is, for a state captured by RunState during
	// Fit; nil otherwise.
	Run *RunState
}

// RunState is the position of a Fit call within its epochs and steps, with
// what the rest of the call depends on.
type RunState struct {
	// Epoch and Step say what runs next: step Step of epoch Epoch (both
	// from 0); the steps before it are done.
	Epoch, Step int
	// StepsPerEpoch is the number of steps of each epoch.
	StepsPerEpoch int
	// LossSum and LossCount are the running loss of the epoch's steps done
	// (the sum of batch losses weighted by batch size, and the rows).
	LossSum, LossCount float64
	// Metrics holds, when Step > 0, the running state of each compiled
	// metric (encoding.BinaryMarshaler's bytes), by log key.
	Metrics map[string][]byte
	// OutputLosses holds, when Step > 0 and the model has several losses,
	// the running sum and count of each output's loss, by log key
	// ("dense_1_loss").
	OutputLosses map[string][2]float64
	// History holds the epochs done.
	History History
	// Fingerprint describes the run, so that a state is not resumed by a
	// different one.
	Fingerprint RunFingerprint
	// Dataset is the position in the dataset of a FitDataset call, nil
	// for arrays.
	Dataset *DatasetPosition
	// Callbacks holds the state of each callback of the Fit call that
	// implements callbacks.Stateful (EarlyStopping), in the order of
	// FitConfig.Callbacks.
	Callbacks []CallbackState
}

// CallbackState is the state of one callback of a Fit call.
type CallbackState struct {
	// Index is the callback's position in FitConfig.Callbacks.
	Index int
	// Type is its Go type ("*callbacks.EarlyStopping"), so that a state is
	// not given to another kind of callback.
	Type string
	// State is what its CallbackState returned.
	State []byte
}

// namedWeights returns every weight of the network's layers, named
// "<layer>/<weight>".
func (e *engine) namedWeights() []*layers.Weight {
	var ws []*layers.Weight
	if e.net == nil {
		return nil
	}
	for _, nl := range e.net.layers {
		for _, w := range nl.layer.Weights() {
			ws = append(ws, &layers.Weight{Name: nl.name + "/" + w.Name, Value: w.Value, Trainable: w.Trainable})
		}
	}
	return ws
}

// trainingState captures the model's state without a position.
func (e *engine) trainingState() (*TrainingState, error) {
	st := &TrainingState{Weights: e.namedWeights(), RandomStates: map[string][]byte{}}
	for i, nl := range e.net.layers {
		if r, ok := nl.layer.(layers.RandomStater); ok {
			b, err := r.RandomState()
			if err != nil {
				return nil, fmt.Errorf("models: training state: layer %d (%s): %w", i, nl.name, err)
			}
			if b == nil {
				b = []byte{}
			}
			st.RandomStates[nl.name] = b
		}
	}
	if !e.compiled {
		return st, nil
	}
	so, ok := e.optimizer.(optimizers.Stateful)
	if !ok {
		return nil, fmt.Errorf("models: training state: optimizer %T does not implement optimizers.Stateful", e.optimizer)
	}
	state, err := so.State()
	if err != nil {
		return nil, fmt.Errorf("models: training state: %w", err)
	}
	if !slotsFit(state, e.weights) {
		// Not built for these weights yet: no update has been made with
		// them, and Apply would start from this fresh state.
		e.optimizer.Build(e.weights)
		if state, err = so.State(); err != nil {
			return nil, fmt.Errorf("models: training state: %w", err)
		}
	}
	st.Optimizer = &state
	st.LearningRate = e.optimizer.LR()
	return st, nil
}

// runState captures the model's state with the position of the running
// Fit call.
func (e *engine) runState() (*TrainingState, error) {
	r := e.run
	if r == nil || r.done {
		return nil, errors.New("models: RunState: the model is not training; call RunState from a callback of Fit")
	}
	if err := e.eachMetric(func(key string, mt metrics.Metric) error {
		_, ok1 := mt.(encoding.BinaryMarshaler)
		_, ok2 := mt.(encoding.BinaryUnmarshaler)
		if !ok1 || !ok2 {
			return fmt.Errorf("models: RunState: metric %q (%T) does not implement encoding.BinaryMarshaler and BinaryUnmarshaler, so its running value cannot be saved", key, mt)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	st, err := e.trainingState()
	if err != nil {
		return nil, err
	}
	rs := &RunState{
		Epoch: r.epoch, Step: r.step, StepsPerEpoch: r.steps,
		LossSum: r.loss.sum, LossCount: r.loss.count,
		Metrics: map[string][]byte{}, History: cloneHistory(r.h), Fingerprint: r.fingerprint(),
	}
	if r.step > 0 {
		if err := e.eachMetric(func(key string, mt metrics.Metric) error {
			b, err := mt.(encoding.BinaryMarshaler).MarshalBinary()
			if err != nil {
				return fmt.Errorf("models: RunState: metric %q: %w", key, err)
			}
			rs.Metrics[key] = b
			return nil
		}); err != nil {
			return nil, err
		}
		for i := range e.heads {
			if h := &e.heads[i]; h.lossKey != "" {
				if rs.OutputLosses == nil {
					rs.OutputLosses = map[string][2]float64{}
				}
				rs.OutputLosses[h.lossKey] = [2]float64{h.tracker.sum, h.tracker.count}
			}
		}
	}
	if r.ds != nil {
		rs.Dataset = &DatasetPosition{Pass: r.ds.pass, Batch: r.ds.batch, Ended: r.ds.ended}
		if r.val != nil && r.val.ds != nil {
			rs.Dataset.ValidationPasses = r.val.ds.pass
		}
	}
	for i, cb := range r.cfg.Callbacks {
		s, ok := cb.(callbacks.Stateful)
		if !ok {
			continue
		}
		if (r.hook == "OnBatchEnd" || r.hook == "OnEpochEnd") && i > r.cb {
			return nil, fmt.Errorf("models: RunState: called from callback %d (%T) in %s, before callback %d (%T) has seen the event; put the callback that saves the state after the callbacks whose state it saves in FitConfig.Callbacks", r.cb, r.cfg.Callbacks[r.cb], r.hook, i, cb)
		}
		b, err := s.CallbackState()
		if err != nil {
			return nil, fmt.Errorf("models: RunState: callback %d (%T): %w", i, cb, err)
		}
		rs.Callbacks = append(rs.Callbacks, CallbackState{Index: i, Type: fmt.Sprintf("%T", cb), State: b})
	}
	st.Run = rs
	return st, nil
}

// setTrainingState checks st against the model and, if it fits, puts it
// back. Everything that can be checked is checked before anything
// changes.
func (e *engine) setTrainingState(st *TrainingState) error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("models: SetTrainingState: "+format, args...)
	}
	if st == nil {
		return fail("the state is nil")
	}
	own := e.namedWeights()
	if len(st.Weights) != len(own) {
		return fail("the state has %d weights, the model %d", len(st.Weights), len(own))
	}
	for i, w := range st.Weights {
		if w == nil || w.Value == nil {
			return fail("weight %d is nil", i)
		}
		if w.Name != own[i].Name || !equalShape(w.Value.Shape(), own[i].Value.Shape()) {
			return fail("weight %d is %q of shape %v; the model's is %q of shape %v", i, w.Name, w.Value.Shape(), own[i].Name, own[i].Value.Shape())
		}
	}
	var so optimizers.Stateful
	if st.Optimizer != nil {
		if !e.compiled {
			return fail("the state holds an optimizer's state; compile the model first")
		}
		var ok bool
		if so, ok = e.optimizer.(optimizers.Stateful); !ok {
			return fail("optimizer %T does not implement optimizers.Stateful", e.optimizer)
		}
		cur, err := so.State()
		if err != nil {
			return fail("%v", err)
		}
		if !slotsFit(cur, e.weights) {
			e.optimizer.Build(e.weights)
			if cur, err = so.State(); err != nil {
				return fail("%v", err)
			}
		}
		names := make([]string, len(st.Optimizer.Slots))
		for i, s := range st.Optimizer.Slots {
			names[i] = s.Name
		}
		if len(cur.Slots) != len(names) {
			return fail("slots %q do not fit the %s optimizer", names, e.optimizer.Name())
		}
		for i, s := range st.Optimizer.Slots {
			if cur.Slots[i].Name != s.Name || len(s.Values) != len(e.weights) {
				return fail("slots %q do not fit the %s optimizer", names, e.optimizer.Name())
			}
			for j, v := range s.Values {
				if len(v) != e.weights[j].Size() {
					return fail("slot %q of weight %s has %d values, the weight %d", s.Name, e.weightNames[j], len(v), e.weights[j].Size())
				}
			}
		}
		if st.Optimizer.Iterations < 0 {
			return fail("iterations must be >= 0, got %d", st.Optimizer.Iterations)
		}
	}
	if lr := st.LearningRate; math.IsNaN(lr) || math.IsInf(lr, 0) || lr < 0 {
		return fail("learning rate must be a number >= 0, got %v", lr)
	}
	if st.RandomStates != nil {
		if err := e.checkRandom(st.RandomStates); err != nil {
			return fail("%v", err)
		}
	}
	var rp *resumePoint
	if st.Run != nil {
		var err error
		if rp, err = e.checkRun(st.Run); err != nil {
			return fail("%v", err)
		}
	}
	// Apply.
	if st.Optimizer != nil {
		if err := so.SetState(*st.Optimizer); err != nil {
			return fail("%v", err)
		}
		e.optBuilt = true
	}
	if st.RandomStates != nil {
		if err := e.restoreRandom(st.RandomStates); err != nil {
			return fail("%v", err)
		}
	}
	for i, w := range st.Weights {
		if w.Value != own[i].Value {
			copy(own[i].Value.Data(), w.Value.Data())
		}
	}
	if lr := st.LearningRate; lr > 0 && e.optimizer != nil {
		e.optimizer.SetLR(lr)
	}
	if rp != nil {
		e.run.resume = rp
	}
	return nil
}

// checkRun checks a run state against the running Fit call and returns
// its resume point; the running metrics get their states here.
func (e *engine) checkRun(rs *RunState) (*resumePoint, error) {
	r := e.run
	if r == nil || r.done || r.hook != "OnTrainBegin" {
		return nil, errors.New("a state with a Run is given back in a callback's OnTrainBegin, when Fit can still resume from it")
	}
	if d := rs.Fingerprint.Diff(r.fingerprint()); d != "" {
		return nil, fmt.Errorf("the state was made by a different run: %s", d)
	}
	if (rs.Dataset != nil) != (r.ds != nil) {
		return nil, errors.New("the state was made by a run on arrays and this run is on a dataset, or the other way round")
	}
	if r.ds != nil && r.steps == 0 && rs.StepsPerEpoch >= 0 {
		// The steps of a pass, learned by the saved run.
		r.steps, r.ds.learned = rs.StepsPerEpoch, rs.StepsPerEpoch
	}
	if rs.StepsPerEpoch != r.steps || rs.Step < 0 || (rs.Step > rs.StepsPerEpoch && rs.StepsPerEpoch > 0) || rs.Epoch < 0 || rs.Epoch > r.cfg.Epochs {
		return nil, fmt.Errorf("position epoch %d, step %d of %d does not fit this run's %d epochs of %d steps", rs.Epoch, rs.Step, rs.StepsPerEpoch, r.cfg.Epochs, r.steps)
	}
	if !(rs.LossCount >= 0) || math.IsInf(rs.LossCount, 0) || math.IsNaN(rs.LossSum) || math.IsInf(rs.LossSum, 0) {
		return nil, fmt.Errorf("the running loss %v over %v rows is not a number", rs.LossSum, rs.LossCount)
	}
	if err := e.eachMetric(func(key string, mt metrics.Metric) error {
		b, ok := rs.Metrics[key]
		if !ok && rs.Step > 0 {
			return fmt.Errorf("no state for metric %q", key)
		}
		if ok {
			u, isU := mt.(encoding.BinaryUnmarshaler)
			if !isU {
				return fmt.Errorf("metric %q (%T) does not implement encoding.BinaryUnmarshaler", key, mt)
			}
			if err := u.UnmarshalBinary(b); err != nil {
				return fmt.Errorf("metric %q: %w", key, err)
			}
		}
		return nil
	}); err != nil {
		return nil, err
	}
	for i := range e.heads {
		if h := &e.heads[i]; h.lossKey != "" && rs.Step > 0 {
			v, ok := rs.OutputLosses[h.lossKey]
			if !ok {
				return nil, fmt.Errorf("no running value for %q", h.lossKey)
			}
			h.resume = lossTracker{sum: v[0], count: v[1]}
		}
	}
	k := 0
	for i, cb := range r.cfg.Callbacks {
		if _, ok := cb.(callbacks.Stateful); !ok {
			continue
		}
		typ := fmt.Sprintf("%T", cb)
		if k >= len(rs.Callbacks) || rs.Callbacks[k].Index != i || rs.Callbacks[k].Type != typ {
			return nil, fmt.Errorf("callback %d (%s) has no state in it: the callbacks of the run differ", i, typ)
		}
		k++
	}
	if k != len(rs.Callbacks) {
		c := rs.Callbacks[k]
		return nil, fmt.Errorf("it holds the state of callback %d (%s), which this run does not have: the callbacks of the run differ", c.Index, c.Type)
	}
	rp := &resumePoint{
		epoch: rs.Epoch, step: rs.Step,
		loss:    lossTracker{sum: rs.LossSum, count: rs.LossCount},
		metrics: rs.Metrics, history: cloneHistory(&rs.History), callbacks: rs.Callbacks,
		dataset: rs.Dataset,
	}
	if rp.dataset != nil && (rp.dataset.Pass < 1 || rp.dataset.Batch < 0 || rp.dataset.ValidationPasses < 0) {
		return nil, fmt.Errorf("dataset position %+v is not one a run reaches", *rp.dataset)
	}
	return rp, nil
}

// slotsFit reports whether every slot has one slice per weight, of the
// weight's size.
func slotsFit(s optimizers.State, weights []*tensor.Tensor) bool {
	for _, sl := range s.Slots {
		if len(sl.Values) != len(weights) {
			return false
		}
		for j, w := range weights {
			if len(sl.Values[j]) != w.Size() {
				return false
			}
		}
	}
	return true
}

// checkRandom checks saved random states against the model's layers
// without changing them.
func (e *engine) checkRandom(states map[string][]byte) error {
	names := e.layerNames()
	seen := 0
	for i, nl := range e.net.layers {
		l := nl.layer
		if _, ok := l.(layers.RandomStater); !ok {
			continue
		}
		b, ok := states[names[i]]
		if !ok {
			return fmt.Errorf("random_states has no entry for layer %q", names[i])
		}
		if _, isDropout := l.(*layers.Dropout); isDropout && len(b) > 0 {
			var probe rand.PCG
			if err := probe.UnmarshalBinary(b); err != nil {
				return fmt.Errorf("random_states[%q]: %v", names[i], err)
			}
		}
		seen++
	}
	if seen != len(states) {
		for name := range states {
			if !slices.Contains(names, name) {
				return fmt.Errorf("random_states names layer %q, which the model does not have", name)
			}
		}
		return errors.New("random_states has entries for layers without a random generator")
	}
	return nil
}

// restoreRandom puts back the random states of the layers that have one.
func (e *engine) restoreRandom(states map[string][]byte) error {
	names := e.layerNames()
	for i, nl := range e.net.layers {
		r, ok := nl.layer.(layers.RandomStater)
		if !ok {
			continue
		}
		if err := r.SetRandomState(states[names[i]]); err != nil {
			return fmt.Errorf("random_states[%q]: %v", names[i], err)
		}
	}
	return nil
}

// TrainingState returns the model's state (see TrainingState), building
// the model first if needed. Its tensors are the model's own.
func (m *Sequential) TrainingState() (*TrainingState, error) {
	if err := m.ensureBuilt(); err != nil {
		return nil, fmt.Errorf("models: training state: %w", err)
	}
	return m.eng().trainingState()
}

// RunState returns the model's state with the position of the Fit call
// it is in (TrainingState.Run). It is for callbacks, such as
// saving.BackupAndRestore: called from any other place it returns an
// error. A callback that saves the state must come after the callbacks
// whose state it saves in FitConfig.Callbacks, as callbacks see each
// event in that order.
func (m *Sequential) RunState() (*TrainingState, error) { return m.eng().runState() }

// SetTrainingState puts a state back into the model: the weights (which
// must have the model's names and shapes), the optimizer's state (the
// model must be compiled with the optimizer the state comes from), the
// learning rate and the layers' random states. A state with a Run must be
// given from a callback's OnTrainBegin: Fit then resumes from the Run's
// position, after checking that it is the same run (its fingerprint). The
// state is checked whole first: on error the model is unchanged.
func (m *Sequential) SetTrainingState(st *TrainingState) error {
	if err := m.ensureBuilt(); err != nil {
		return fmt.Errorf("models: SetTrainingState: %w", err)
	}
	return m.eng().setTrainingState(st)
}

// TrainingState returns the model's state, as Sequential's does.
func (m *Model) TrainingState() (*TrainingState, error) { return m.eng().trainingState() }

// RunState returns the model's state during Fit, as Sequential's does.
func (m *Model) RunState() (*TrainingState, error) { return m.eng().runState() }

// SetTrainingState puts a state back into the model, as Sequential's
// does.
func (m *Model) SetTrainingState(st *TrainingState) error { return m.eng().setTrainingState(st) }

// NamedWeights returns every weight of every layer, trainable or not, in
// layer order, named "<layer>/<weight>" ("dense/kernel",
// "batch_normalization/moving_mean"), as Keras's model.weights; nil
// before the model is built. The tensors are the model's own.
func (m *Sequential) NamedWeights() []*layers.Weight {
	if !m.built {
		return nil
	}
	return m.eng().namedWeights()
}

// NamedWeights returns every weight of every layer, as Sequential's does.
func (m *Model) NamedWeights() []*layers.Weight { return m.eng().namedWeights() }

// FitError returns the error the last Fit call ended with (nil if it
// completed, or a callback stopped it), from the moment it ends: a
// callback's OnTrainEnd can tell a finished run from a failed one.
func (m *Sequential) FitError() error { return m.engine.fitError() }

// FitError returns the error the last Fit call ended with, as
// Sequential's does.
func (m *Model) FitError() error { return m.engine.fitError() }

func (e *engine) fitError() error {
	if e.run != nil && e.run.done {
		return e.run.err
	}
	return nil
}

// optimizerParams counts the optimizer's variables as Keras's summary
// does once the optimizer is built (by a training step, or by loading a
// model with its optimizer's state): the iteration count, the learning
// rate and every slot value. It is 0 while the optimizer holds no slots
// for the model's weights, when Keras prints no "Optimizer params" line.
func (e *engine) optimizerParams() int {
	if e == nil || !e.compiled {
		return 0
	}
	so, ok := e.optimizer.(optimizers.Stateful)
	if !ok {
		return 0
	}
	s, err := so.State()
	if !e.optBuilt || err != nil || len(s.Slots) == 0 || !slotsFit(s, e.weights) {
		return 0
	}
	n := 2
	for _, sl := range s.Slots {
		for _, v := range sl.Values {
			n += len(v)
		}
	}
	return n
}
