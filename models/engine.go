package models

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"sync/atomic"

	"github.com/neuron-go/neuron/callbacks"
	"github.com/neuron-go/neuron/internal/progbar"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/tensor"
)

// The engine is the one training loop, evaluation and prediction of every
// model: Sequential and Model embed it and differ only in how they make
// their network (a chain of layers, or a graph of them) and in the shape of
// their public methods. It runs a network of any number of inputs and
// outputs; a Sequential is the case of one of each.

// engine holds what a compiled model trains with.
type engine struct {
	seed uint64

	optimizer optimizers.Optimizer
	loss      losses.Loss      // the loss of a one-output model (Sequential's)
	metrics   []metrics.Metric // every compiled metric, in log order
	heads     []head           // per output: its loss, weight and metrics
	compiled  bool
	// optBuilt is set once the optimizer holds state as a built Keras
	// optimizer does: after a training step, or once a state is
	// restored; the summary then counts its variables.
	optBuilt bool
	weights  []*tensor.Tensor // trainable, in layer order
	// weightNames are "layer/weight" names matching weights.
	weightNames []string

	net *network // nil until the model is built
	// feed is the network a call runs when some inputs hold texts: net
	// without the layers that vectorize them (strings.go).
	feed *network

	// arena holds the storage of the intermediate tensors of a step. It
	// lives as long as the model, so that repeated Fit, Evaluate and
	// Predict calls reuse memory the process has already touched.
	arena *tensor.Arena

	run *fitRun // the current or last Fit call, for RunState

	// slabs runs the slabs of large prediction batches (predict_slab.go).
	slabs *slabRunner

	// frozen is set while Predictors may run the model: its weights track
	// no gradients. gen counts the changes of the weights that Predictors
	// made before them must not miss (training, new initial weights).
	frozen bool
	gen    atomic.Uint64

	// Set by the embedding model before each use (bind).
	owner     callbacks.Model
	writer    io.Writer
	inNames   []string // argument names of the inputs: "x", or "x[0] (img)"
	outNames  []string // and of the targets
	lazyBuild func(op string, perExample []int) error
}

// layerNames returns the names of the network's layers.
func (e *engine) layerNames() []string {
	var names []string
	if e.net != nil {
		for _, l := range e.net.layers {
			names = append(names, l.name)
		}
	}
	return names
}

// eachMetric calls f with every compiled metric and its log key.
func (e *engine) eachMetric(f func(key string, mt metrics.Metric) error) error {
	for i := range e.heads {
		for j, mt := range e.heads[i].metrics {
			if err := f(e.heads[i].keys[j], mt); err != nil {
				return err
			}
		}
	}
	return nil
}

// head is one output of a compiled model.
type head struct {
	loss    losses.Loss // nil: the output is not trained
	weight  float64
	metrics []metrics.Metric
	keys    []string // the metrics' log keys
	// weighted marks the metrics of WeightedMetrics, which get the sample
	// weights (metrics.WeightedMetric).
	weighted []bool
	lossKey  string // "<name>_loss" when the model has several losses
	tracker  lossTracker
	resume   lossTracker // the tracker's value where a resumed epoch starts
}

// Random streams derived from the seed, one per purpose, so that adding a
// use of randomness in one place does not shift the others.
const (
	streamInit = iota + 1
	streamShuffle
	streamLayers
	streamSplit
)

func (e *engine) rng(stream, index uint64) *rand.Rand {
	return rand.New(rand.NewPCG(e.seed, stream<<32|index))
}

// scratch returns the model's arena, emptied.
func (e *engine) scratch() *tensor.Arena {
	if e.arena == nil {
		e.arena = tensor.NewArena()
	}
	e.arena.Reset()
	return e.arena
}

// out returns the writer for summaries and progress.
func (e *engine) out() io.Writer {
	if e.writer == nil {
		return os.Stdout
	}
	return e.writer
}

// trainStep runs one forward and backward pass and one optimizer update,
// and returns the batch loss (regularization included, as in Keras). With
// several outputs the loss is Keras's Σ weight·loss over the outputs, and
// each output's own (unweighted) loss goes to its tracker.
//
// sw holds the batch's sample weights, or is nil.
func (e *engine) trainStep(xb, yb []*tensor.Tensor, sw *tensor.Tensor) float64 {
	preds := e.forward(xb, true)
	var loss *tensor.Tensor
	multi := len(e.heads) > 1
	for i := range e.heads {
		h := &e.heads[i]
		if h.loss == nil {
			continue
		}
		l := h.lossOn(yb[i], preds[i], sw, e.outMask(i))
		if multi {
			h.tracker.add(float64(l.Item()), yb[i].Dim(0))
		}
		if h.weight != 1 {
			l = l.MulScalar(float32(h.weight))
		}
		if loss == nil {
			loss = l
		} else {
			loss = loss.Add(l)
		}
	}
	for _, l := range e.net.layers {
		if r, ok := l.layer.(interface{ RegularizationLoss() *tensor.Tensor }); ok {
			if p := r.RegularizationLoss(); p != nil {
				loss = loss.Add(p)
			}
		}
	}
	tensor.Backward(loss)
	e.optimizer.Apply(e.weights)
	e.optBuilt = true
	for _, l := range e.net.layers {
		if c, ok := l.layer.(interface{ ApplyConstraints() }); ok {
			c.ApplyConstraints() // after the update, as Keras does
		}
	}
	for _, w := range e.weights {
		w.ZeroGrad()
	}
	for i := range e.heads {
		if len(e.heads[i].metrics) == 0 {
			continue
		}
		e.heads[i].updateMetrics(yb[i], preds[i].Detach(), sw, e.outMask(i))
	}
	return float64(loss.Item())
}

// resetMetrics resets the compiled metrics and the per-output losses.
func (e *engine) resetMetrics() {
	for i := range e.heads {
		e.heads[i].tracker.reset()
		for _, mt := range e.heads[i].metrics {
			mt.Reset()
		}
	}
}

// currentLogs returns the loss and every metric's running value.
func (e *engine) currentLogs(loss float64) callbacks.Logs { return e.fillLogs(nil, loss) }

// fillLogs sets the loss, the per-output losses and every metric's running
// value in logs (a new map if nil) and returns it.
func (e *engine) fillLogs(logs callbacks.Logs, loss float64) callbacks.Logs {
	if logs == nil {
		logs = make(callbacks.Logs, 1+len(e.metrics)+len(e.heads))
	}
	logs["loss"] = loss
	for i := range e.heads {
		h := &e.heads[i]
		if h.lossKey != "" {
			logs[h.lossKey] = h.tracker.result()
		}
		for j, mt := range h.metrics {
			logs[h.keys[j]] = mt.Result()
		}
	}
	return logs
}

// fit is the training loop behind every model's Fit: x holds one array per
// input, y one per output.
func (e *engine) fit(x, y []Array, cfg FitConfig) (h *History, err error) {
	defer tensor.RecoverShapeError(&err)
	if !e.compiled {
		return nil, fmt.Errorf("models: fit: %w", ErrNotCompiled)
	}
	if err := e.checkX("fit", e.inNames, x); err != nil {
		return nil, err
	}
	if err := e.checkY("fit", e.outNames, x, y); err != nil {
		return nil, err
	}
	x, feed, textMask, err := e.textInputs("fit", e.inNames, x)
	if err != nil {
		return nil, err
	}
	defer e.useFeed(feed)()
	if cfg.Epochs == 0 {
		cfg.Epochs = 1
	}
	if cfg.BatchSize == 0 {
		cfg.BatchSize = 32
	}
	switch {
	case cfg.Epochs < 0:
		return nil, fmt.Errorf("models: fit: Epochs must be positive, got %d", cfg.Epochs)
	case cfg.BatchSize < 0:
		return nil, fmt.Errorf("models: fit: BatchSize must be positive, got %d", cfg.BatchSize)
	case cfg.InitialEpoch < 0 || cfg.InitialEpoch > cfg.Epochs:
		return nil, fmt.Errorf("models: fit: InitialEpoch must be in [0, Epochs=%d], got %d", cfg.Epochs, cfg.InitialEpoch)
	case math.IsNaN(cfg.ValidationSplit) || cfg.ValidationSplit < 0 || cfg.ValidationSplit >= 1:
		return nil, fmt.Errorf("models: fit: ValidationSplit must be in [0, 1), got %v", cfg.ValidationSplit)
	}
	if err := checkVerbose("fit", cfg.Verbose); err != nil {
		return nil, err
	}
	// A learning rate set since Compile (SetLR) is checked again.
	if err := optimizers.Validate(e.optimizer); err != nil {
		return nil, fmt.Errorf("models: fit: %w", err)
	}

	sw, err := e.fitWeights(cfg, y)
	if err != nil {
		return nil, err
	}

	// Validation data: given, or the last rows of every array before
	// shuffling (Keras's train_validation_split: split_at =
	// floor(n·(1−split))).
	var val *valData
	switch {
	case cfg.ValidationData != nil:
		vx, vy, err := cfg.ValidationData.arrays(len(x), len(y))
		if err != nil {
			return nil, err
		}
		if err := e.checkX("fit", prefixed("ValidationData.", e.inNames, "X"), vx); err != nil {
			return nil, err
		}
		if err := e.checkY("fit", prefixed("ValidationData.", e.outNames, "Y"), vx, vy); err != nil {
			return nil, err
		}
		vx, _, vmask, err := e.textInputs("fit", prefixed("ValidationData.", e.inNames, "X"), vx)
		if err != nil {
			return nil, err
		}
		if !slices.Equal(vmask, textMask) {
			return nil, fmt.Errorf("models: fit: ValidationData.X must hold texts (data.Strings) for the same inputs as x")
		}
		val = &valData{x: vx, y: vy}
		if cfg.ValidationData.SampleWeight != nil {
			if err := e.checkWeightedLosses("fit"); err != nil {
				return nil, err
			}
			if val.sw, err = readSampleWeights("fit", "ValidationData.SampleWeight", cfg.ValidationData.SampleWeight, shapeOf(vy[0])[0]); err != nil {
				return nil, err
			}
		}
	case cfg.ValidationSplit > 0:
		n := x[0].Dim(0)
		splitAt := int(math.Floor(float64(n) * (1 - cfg.ValidationSplit)))
		if splitAt == 0 || splitAt == n {
			return nil, fmt.Errorf("models: fit: ValidationSplit %v of %d rows leaves an empty training or validation set", cfg.ValidationSplit, n)
		}
		val = &valData{}
		tx, ty := make([]Array, len(x)), make([]Array, len(y))
		for i, a := range x {
			val.x = append(val.x, rowsRange(a, splitAt, n))
			tx[i] = rowsRange(a, 0, splitAt)
		}
		for i, a := range y {
			val.y = append(val.y, rowsRange(a, splitAt, n))
			ty[i] = rowsRange(a, 0, splitAt)
		}
		x, y = tx, ty
		if cfg.SampleWeight != nil {
			// Keras splits the sample weights with the data; class weights
			// weight only the training loss.
			val.sw = sw[splitAt:]
		}
		if sw != nil {
			sw = sw[:splitAt]
		}
	}

	n := x[0].Dim(0)
	bs := min(cfg.BatchSize, n)
	src := newArraySource(e, x, y, sw, bs, !cfg.NoShuffle, e.scratch())
	run := e.beginRun(cfg, x, y, val, nil, src.steps()) // for RunState (resume.go)
	run.sw = sw
	return e.fitLoop(cfg, src, val, run, bs)
}

// fitLoop runs the epochs of a Fit call, its batches taken from src; bs
// is the batch size of array validation data.
func (e *engine) fitLoop(cfg FitConfig, src batchSource, val *valData, run *fitRun, bs int) (h *History, err error) {
	defer tensor.RecoverShapeError(&err)
	e.thaw()
	steps := src.steps()
	h = &History{History: map[string][]float64{}, Params: map[string]int{"verbose": cfg.Verbose.keras(), "epochs": cfg.Epochs}}
	if steps > 0 {
		h.Params["steps"] = steps
	}
	run.h = h
	for _, cb := range cfg.Callbacks {
		if ps, ok := cb.(callbacks.ParamsSetter); ok {
			ps.SetParams(maps.Clone(h.Params))
		}
	}
	for i, cb := range cfg.Callbacks {
		run.at("OnTrainBegin", i)
		if err := cb.OnTrainBegin(e.owner); err != nil {
			return h, e.endTraining(cfg, nil, stopOrErr(err))
		}
	}
	// The callbacks that want OnBatchBegin, found once rather than every step.
	var beginners []callbacks.BatchBeginner
	var beginnerIdx []int
	for i, cb := range cfg.Callbacks {
		if b, ok := cb.(callbacks.BatchBeginner); ok {
			beginners, beginnerIdx = append(beginners, b), append(beginnerIdx, i)
		}
	}
	var lastLogs callbacks.Logs
	arena := e.arena
	out := e.out()
	dynamic := false
	if f, ok := out.(*os.File); ok {
		dynamic = progbar.IsTerminal(f)
	}
	var loss lossTracker
	var stepLogs callbacks.Logs // the logs of every step when no callback keeps them
	var values []progbar.Value  // the progress line's values

	first, err := run.start(cfg.InitialEpoch, src)
	if err != nil {
		return h, e.endTraining(cfg, nil, err)
	}
	for epoch := first; epoch < cfg.Epochs; epoch++ {
		for i, cb := range cfg.Callbacks {
			run.at("OnEpochBegin", i)
			if err := cb.OnEpochBegin(epoch); err != nil {
				return h, e.endTraining(cfg, lastLogs, stopOrErr(err))
			}
		}
		if err := src.beginEpoch(epoch); err != nil {
			return h, e.endTraining(cfg, lastLogs, err)
		}
		steps = src.steps()
		if cfg.Verbose != Silent {
			progbar.EpochHeader(out, epoch+1, cfg.Epochs)
		}
		bar := progbar.New(out, steps, cfg.Verbose.keras(), dynamic)
		loss.reset()
		e.resetMetrics()
		stop := false
		step := run.firstStep(e, epoch, &loss)
		for ; steps <= 0 || step < steps; step++ {
			for i, cb := range beginners {
				run.at("OnBatchBegin", beginnerIdx[i])
				if err := cb.OnBatchBegin(step); err != nil {
					if !errors.Is(err, callbacks.ErrStopTraining) {
						return h, e.endTraining(cfg, lastLogs, err)
					}
					stop = true // as Keras, after this step
				}
			}
			xs, ys, sws, rows, ok, err := src.next(step)
			if err != nil {
				return h, e.endTraining(cfg, lastLogs, err)
			}
			if !ok {
				break
			}
			lv := e.trainStep(xs, ys, sws)
			arena.Reset()
			if (math.IsNaN(lv) || math.IsInf(lv, 0)) && !cfg.ContinueOnNaN {
				return h, e.endTraining(cfg, lastLogs, &NonFiniteError{Op: "fit", Epoch: epoch + 1, Epochs: cfg.Epochs, Step: step + 1, Steps: max(steps, step+1), Loss: lv})
			}
			loss.add(lv, rows)
			run.stepDone(epoch, step, loss)
			if cfg.Verbose == Silent && len(cfg.Callbacks) == 0 {
				continue
			}
			var logs callbacks.Logs
			if len(cfg.Callbacks) == 0 {
				// Only the bar reads the logs, and it copies them: one
				// map and one slice serve every step.
				stepLogs = e.fillLogs(stepLogs, loss.result())
				logs = stepLogs
			} else {
				logs = e.currentLogs(loss.result())
			}
			values = appendBarValues(values[:0], logs)
			// With validation, the epoch's final line waits for val_ values.
			bar.Update(step+1, values, step+1 == steps && val == nil)
			for i, cb := range cfg.Callbacks {
				run.at("OnBatchEnd", i)
				if err := cb.OnBatchEnd(step, logs); err != nil {
					if !errors.Is(err, callbacks.ErrStopTraining) {
						return h, e.endTraining(cfg, logs, err)
					}
					stop = true
				}
			}
			if stop {
				break
			}
		}
		if step == 0 && !stop {
			return h, e.endTraining(cfg, lastLogs, fmt.Errorf("models: fit: the dataset yielded no batch in epoch %d", epoch+1))
		}
		if s := src.steps(); s > 0 && steps <= 0 {
			steps = s // learned at the end of the first pass
			h.Params["steps"] = s
			run.steps = s
		}
		if !stop && step < steps {
			// The data ran out: the epoch ends early (Keras warns).
			fmt.Fprintf(os.Stderr, "models: fit: your input ran out of data in epoch %d after %d of %d steps; interrupting the epoch. Make sure that your dataset can generate at least StepsPerEpoch batches (Repeat).\n", epoch+1, step, steps)
		}
		logs := e.currentLogs(loss.result())
		if val != nil {
			vl, err := e.validate(val, bs)
			if err != nil {
				return h, e.endTraining(cfg, lastLogs, err)
			}
			for k, v := range vl {
				logs["val_"+k] = v
			}
		}
		switch {
		case stop:
			bar.Update(steps, barValues(logs), true)
		case val != nil || step < steps:
			bar.Update(step, barValues(logs), true)
		}
		for k, v := range logs {
			h.History[k] = append(h.History[k], v)
		}
		h.Epoch = append(h.Epoch, epoch)
		run.epochDone(epoch)
		lastLogs = logs
		for i, cb := range cfg.Callbacks {
			run.at("OnEpochEnd", i)
			if err := cb.OnEpochEnd(epoch, logs); err != nil {
				if !errors.Is(err, callbacks.ErrStopTraining) {
					return h, e.endTraining(cfg, logs, err)
				}
				stop = true
			}
		}
		if stop {
			break
		}
	}
	// Keras's fit ends with finalize_variable_values (an optimizer's EMA
	// becomes the weights) whenever it trained, stopped early or not.
	if f, ok := e.optimizer.(optimizers.Finalizer); ok && cfg.Epochs > 0 {
		f.FinalizeVariableValues(e.weights)
	}
	// The last step's update shows in no loss: look at the weights.
	var werr error
	if !cfg.ContinueOnNaN {
		werr = e.checkWeights("fit")
	}
	return h, e.endTraining(cfg, lastLogs, werr)
}

// valData is the validation data of a Fit call, one array per input and
// per output, or a dataset read for at most steps batches (0: all).
type valData struct {
	x, y  []Array
	ds    *datasetSource
	steps int
	sw    []float32 // sample weights, or nil
}

// validate evaluates the validation data.
func (e *engine) validate(val *valData, bs int) (map[string]float64, error) {
	if val.ds != nil {
		return e.evaluateSource(val.ds, val.steps, Silent)
	}
	return e.evaluate(val.x, val.y, val.sw, bs, Silent)
}

// endTraining runs OnTrainEnd and returns the first real error.
func (e *engine) endTraining(cfg FitConfig, logs callbacks.Logs, err error) error {
	e.run.end(err)
	for _, cb := range cfg.Callbacks {
		if e := cb.OnTrainEnd(logs); e != nil && err == nil && !errors.Is(e, callbacks.ErrStopTraining) {
			err = e
		}
	}
	return err
}

// evaluateChecked is Evaluate after the model-specific checks.
func (e *engine) evaluateChecked(x, y []Array, cfg EvaluateConfig) (logs map[string]float64, err error) {
	defer tensor.RecoverShapeError(&err)
	if !e.compiled {
		return nil, fmt.Errorf("models: evaluate: %w", ErrNotCompiled)
	}
	if err := e.checkX("evaluate", e.inNames, x); err != nil {
		return nil, err
	}
	if err := e.checkY("evaluate", e.outNames, x, y); err != nil {
		return nil, err
	}
	if cfg.BatchSize < 0 {
		return nil, fmt.Errorf("models: evaluate: BatchSize must be positive, got %d", cfg.BatchSize)
	}
	if err := checkVerbose("evaluate", cfg.Verbose); err != nil {
		return nil, err
	}
	if err := e.checkWeights("evaluate"); err != nil {
		return nil, err
	}
	if cfg.BatchSize == 0 {
		cfg.BatchSize = 32
	}
	sw, err := readSampleWeights("evaluate", "SampleWeight", cfg.SampleWeight, shapeOf(y[0])[0])
	if err != nil {
		return nil, err
	}
	if sw != nil {
		if err := e.checkWeightedLosses("evaluate"); err != nil {
			return nil, err
		}
	}
	x, feed, _, err := e.textInputs("evaluate", e.inNames, x)
	if err != nil {
		return nil, err
	}
	defer e.useFeed(feed)()
	return e.evaluate(x, y, sw, cfg.BatchSize, cfg.Verbose)
}

// evaluate runs the loss and metrics over batches without recording
// gradients, with sample weights sw (one per row) or none. The metrics are
// reset first.
func (e *engine) evaluate(x, y []Array, sw []float32, bs int, verbose Verbosity) (map[string]float64, error) {
	restore := e.noGrad()
	defer restore()
	e.net.resetInference()
	n := x[0].Dim(0)
	bs = min(bs, n)
	steps := (n + bs - 1) / bs
	bar := e.bar(steps, verbose)
	var loss lossTracker
	e.resetMetrics()
	arena := e.scratch()
	xr, yr := make([]*batchReader, len(x)), make([]*batchReader, len(y))
	for i, a := range x {
		xr[i] = newBatchReader(a, bs)
	}
	for i, a := range y {
		yr[i] = newBatchReader(a, bs)
	}
	xb, yb := make([]*tensor.Tensor, len(x)), make([]*tensor.Tensor, len(y))
	multi := len(e.heads) > 1
	for step := 0; step < steps; step++ {
		lo, hi := step*bs, min((step+1)*bs, n)
		var swb *tensor.Tensor
		if sw != nil {
			swb = tensor.FromSlice(sw[lo:hi], hi-lo)
		}
		for i, r := range xr {
			xb[i] = r.rows(lo, hi).InArena(arena)
		}
		for i, r := range yr {
			yb[i] = r.rows(lo, hi)
		}
		preds := e.forward(xb, false)
		var total float64
		for i := range e.heads {
			h := &e.heads[i]
			if h.loss == nil {
				continue
			}
			v := h.lossOn(yb[i], preds[i], swb, e.outMask(i)).Item()
			if multi {
				h.tracker.add(float64(v), hi-lo)
			}
			if h.weight != 1 {
				v *= float32(h.weight)
			}
			total += float64(v)
		}
		loss.add(total, hi-lo)
		for i := range e.heads {
			e.heads[i].updateMetrics(yb[i], preds[i], swb, e.outMask(i))
		}
		arena.Reset()
		if bar != nil {
			bar.Update(step+1, barValues(e.currentLogs(loss.result())), step+1 == steps)
		}
	}
	return e.currentLogs(loss.result()), nil
}

// noGrad turns gradient tracking off on the weights, so that inference
// records no graph, and returns a function that turns it back on.
func (e *engine) noGrad() func() {
	for _, w := range e.weights {
		w.SetRequiresGrad(false)
	}
	return func() {
		if e.frozen {
			return // a Predictor runs without gradients
		}
		for _, w := range e.weights {
			w.SetRequiresGrad(true)
		}
	}
}

// freeze turns gradient tracking off on the weights for Predictors.
func (e *engine) freeze() {
	for _, w := range e.weights {
		w.SetRequiresGrad(false)
	}
	e.frozen = true
}

// thaw is called before the weights change: it turns gradient tracking
// back on if a Predictor froze it, and tells Predictors made before that
// the weights are no longer theirs.
func (e *engine) thaw() {
	e.gen.Add(1)
	if !e.frozen {
		return
	}
	e.frozen = false
	for _, w := range e.weights {
		w.SetRequiresGrad(true)
	}
}

// bar returns a progress bar for evaluation or prediction, or nil if silent.
func (e *engine) bar(steps int, verbose Verbosity) *progbar.Bar {
	if verbose == Silent {
		return nil
	}
	out := e.out()
	dynamic := false
	if f, ok := out.(*os.File); ok {
		dynamic = progbar.IsTerminal(f)
	}
	return progbar.New(out, steps, verbose.keras(), dynamic)
}

// predict is Predict after the model-specific checks: one tensor per
// output, one row per example.
func (e *engine) predict(x []Array, cfg PredictConfig) (outs []*tensor.Tensor, err error) {
	defer tensor.RecoverShapeError(&err)
	if err := e.checkXShapes("predict", e.inNames, x); err != nil {
		return nil, err
	}
	// Batches that go through in slabs check that their tensors' values
	// are finite a slab at a time, on the slab's core, just before the slab
	// is computed from the cache that the check filled.
	inX, slabbed := x, e.slabbedPredict(x, cfg.BatchSize)
	if err := checkXFinite("predict", e.inNames, x, func(i int) bool { return slabbed && isTensor(x[i]) }); err != nil {
		return nil, err
	}
	if cfg.BatchSize < 0 {
		return nil, fmt.Errorf("models: predict: BatchSize must be positive, got %d", cfg.BatchSize)
	}
	if err := checkVerbose("predict", cfg.Verbose); err != nil {
		return nil, err
	}
	if cfg.BatchSize == 0 {
		cfg.BatchSize = 32
	}
	x, feed, _, err := e.textInputs("predict", e.inNames, x)
	if err != nil {
		return nil, err
	}
	defer e.useFeed(feed)()
	restore := e.noGrad()
	defer restore()
	e.net.resetInference()
	n := x[0].Dim(0)
	bs := min(cfg.BatchSize, n)
	steps := (n + bs - 1) / bs
	bar := e.bar(steps, cfg.Verbose)
	outs = make([]*tensor.Tensor, len(e.net.outShapes))
	per := make([]int, len(outs))
	for i, s := range e.net.outShapes {
		outs[i] = tensor.Zeros(append([]int{n}, s...)...)
		per[i] = outs[i].Size() / n
	}
	arena := e.scratch()
	xr := make([]*batchReader, len(x))
	for i, a := range x {
		xr[i] = newBatchReader(a, bs)
	}
	xb := make([]*tensor.Tensor, len(x))
	var sr *slabRunner
	var od [][]float32
	if slabbed {
		sr = e.slabRunner(e.net)
		od = make([][]float32, len(outs))
		sr.check = make([]bool, len(x))
		for i := range x {
			sr.check[i] = isTensor(inX[i])
		}
	}
	for step := 0; step < steps; step++ {
		lo, hi := step*bs, min((step+1)*bs, n)
		if sr != nil && hi-lo > slabRows {
			for i, r := range xr {
				xb[i] = r.rows(lo, hi)
			}
			for i, o := range outs {
				od[i] = o.Data()[lo*per[i] : hi*per[i]]
			}
			if !sr.run(xb, od, per, sr.warm && step == 0) {
				// A value is not finite: find the first, as checkX does.
				if err := checkXFinite("predict", e.inNames, inX, nil); err != nil {
					return nil, err
				}
				return nil, fmt.Errorf("models: predict: an input value is not finite")
			}
			if bar != nil {
				bar.Update(step+1, nil, step+1 == steps)
			}
			continue
		}
		for i, r := range xr {
			xb[i] = r.rows(lo, hi).InArena(arena)
		}
		preds := e.forward(xb, false)
		for i, p := range preds {
			copy(outs[i].Data()[lo*per[i]:hi*per[i]], p.Data())
		}
		arena.Reset()
		if bar != nil {
			bar.Update(step+1, nil, step+1 == steps)
		}
	}
	if err := e.checkOutputs("predict", outs); err != nil {
		return nil, err
	}
	return outs, nil
}

// prefixed returns the argument names of validation arrays: "ValidationData.X"
// for one array, "ValidationData.Inputs[1] (meta)" for several.
func prefixed(prefix string, names []string, single string) []string {
	if len(names) == 1 {
		return []string{prefix + single}
	}
	out := make([]string, len(names))
	for i, n := range names {
		// names are "x[1] (meta)"; keep the index and the name.
		rest := n[1:]
		if single == "X" {
			out[i] = prefix + "Inputs" + rest
		} else {
			out[i] = prefix + "Targets" + rest
		}
	}
	return out
}

// checkVerbose refuses a Verbosity that is none of the three, with the
// same words for Fit, Evaluate and Predict.
func checkVerbose(op string, v Verbosity) error {
	if v < Silent || v > OneLine {
		return fmt.Errorf("models: %s: Verbose must be Silent, ProgressBar or OneLine, got %d", op, v)
	}
	return nil
}

// checkLineLength refuses a negative summary width; widths below the
// narrowest table (24 columns) are widened to it.
func checkLineLength(n int) error {
	if n < 0 {
		return fmt.Errorf("models: summary: lineLength must be >= 0 (0: Keras's default width), got %d", n)
	}
	return nil
}
