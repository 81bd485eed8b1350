package models

import (
	"fmt"
	"iter"
	"os"

	"github.com/neuron-go/neuron/data"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/tensor"
)

// Training on a data.Dataset
//
// FitDataset, EvaluateDataset and PredictDataset read a dataset of
// batches (data.Dataset.Batch) as Keras's fit(dataset) does: without
// StepsPerEpoch each epoch is one pass over the dataset, from its start,
// and the number of steps is learned at the end of the first; with it,
// the epochs read on from where the last one stopped, and a dataset that
// runs out ends the epoch early with a warning (the next epoch starts the
// dataset again), as Keras 3 does.
//
// Resuming: the position of a dataset is the number of passes begun and
// the batches read of the current one (DatasetPosition in RunState). A
// resumed Fit reads the dataset again up to that position, without
// training on what it reads, so it continues bit for bit whenever the
// dataset yields the same batches each time the program builds it (a
// Shuffle with a seed reshuffles each pass from the seed and the pass
// number). The validation dataset is read again the same way, for the
// passes it had.

// DatasetPosition is where a Fit call on a data.Dataset is in it.
type DatasetPosition struct {
	// Pass is the number of passes over the training dataset begun
	// (from 1 once training has started) and Batch the batches read of
	// the last one.
	Pass, Batch int
	// Ended says that the last pass has been read to its end.
	Ended bool
	// ValidationPasses is the number of passes over the validation
	// dataset.
	ValidationPasses int
}

// datasetSource is the batches of a data.Dataset, checked against the
// model as they come.
type datasetSource struct {
	e       *engine
	op, arg string
	ds      *data.Dataset
	spe     int // StepsPerEpoch, 0 for a pass per epoch
	arena   *tensor.Arena
	learned int // the batches of one pass, once a pass has ended

	pull  func() (data.Element, error, bool)
	stop  func()
	pass  int // passes begun
	batch int // batches read of the current pass
	peek  *data.Element
	ended bool // the last pass was read to its end
	keep  bool // resumed mid-epoch: the next epoch goes on in the pass

	xs, ys [1]*tensor.Tensor
}

func newDatasetSource(e *engine, op, arg string, ds *data.Dataset, spe int) *datasetSource {
	return &datasetSource{e: e, op: op, arg: arg, ds: ds, spe: spe}
}

func (s *datasetSource) open() {
	s.close()
	s.pull, s.stop = iter.Pull2(s.ds.All())
	s.pass++
	s.batch = 0
	s.ended = false
}

func (s *datasetSource) close() {
	if s.stop != nil {
		s.stop()
		s.pull, s.stop = nil, nil
	}
	s.peek = nil
}

// first opens the first pass and reads its first batch, which builds a
// model that has no input shape yet, and keeps it for the first step.
func (s *datasetSource) first() error {
	s.open()
	el, err, ok := s.pull()
	if err != nil {
		return fmt.Errorf("models: %s: %s: batch 1: %w", s.op, s.arg, err)
	}
	if !ok {
		return fmt.Errorf("models: %s: %s yields no batch", s.op, s.arg)
	}
	if el.X == nil || el.X.Rank() < 1 {
		return fmt.Errorf("models: %s: %s: batch 1 has x of shape %v; it needs a batch axis (use Batch)", s.op, s.arg, shapeOf2(el.X))
	}
	if s.e.lazyBuild != nil {
		if err := s.e.lazyBuild(s.op, el.X.Shape()[1:]); err != nil {
			return err
		}
	}
	s.peek = &el
	return nil
}

func (s *datasetSource) steps() int {
	if s.spe > 0 {
		return s.spe
	}
	return s.learned
}

func (s *datasetSource) beginEpoch(int) error {
	if s.keep {
		s.keep = false
		return nil
	}
	if s.pull == nil || (s.spe == 0 && (s.batch > 0 || s.peek == nil)) {
		s.open()
	}
	return nil
}

// read returns the next batch of the current pass; ok is false at its
// end, which closes it.
func (s *datasetSource) read() (el data.Element, ok bool, err error) {
	if s.pull == nil {
		s.open()
	}
	if s.peek != nil {
		el, s.peek = *s.peek, nil
		s.batch++
		return el, true, nil
	}
	el, err, ok = s.pull()
	if err != nil {
		return el, false, fmt.Errorf("models: %s: %s: batch %d of pass %d: %w", s.op, s.arg, s.batch+1, s.pass, err)
	}
	if !ok {
		if s.learned == 0 {
			s.learned = s.batch
		}
		s.close()
		s.ended = true
		return el, false, nil
	}
	s.batch++
	return el, true, nil
}

func (s *datasetSource) next(step int) (xs, ys []*tensor.Tensor, sw *tensor.Tensor, rows int, ok bool, err error) {
	el, ok, err := s.read()
	if err == nil && !ok && step == 0 && s.spe > 0 && s.learned > 0 {
		// The pass ended with the last epoch: this one starts the next,
		// as Keras does for a dataset whose length it knows.
		el, ok, err = s.read()
	}
	if !ok || err != nil {
		return nil, nil, nil, 0, ok, err
	}
	if err := s.check(el, true); err != nil {
		return nil, nil, nil, 0, false, err
	}
	// A view bound to the arena: the element itself stays as it was.
	s.xs[0] = tensor.FromSlice(el.X.Data(), el.X.Shape()...).InArena(s.arena)
	s.ys[0] = el.Y
	return s.xs[:], s.ys[:], nil, el.X.Dim(0), true, nil
}

// check refuses a batch that does not fit the model.
func (s *datasetSource) check(el data.Element, targets bool) error {
	e := s.e
	where := fmt.Sprintf("models: %s: %s: batch %d of pass %d", s.op, s.arg, s.batch, s.pass)
	if el.X == nil || el.X.Rank() < 1 || el.X.Dim(0) == 0 {
		return fmt.Errorf("%s has x of shape %v; it needs a batch axis with rows (use Batch)", where, shapeOf2(el.X))
	}
	if want := e.net.inShapes[0]; !equalShape(el.X.Shape()[1:], want) {
		return fmt.Errorf("%s has x of per-example shape %v, model expects %v", where, el.X.Shape()[1:], want)
	}
	if i := firstNonFinite(el.X.Data()); i >= 0 {
		return fmt.Errorf("%s: x holds %v at flat index %d; inputs must be finite", where, el.X.Data()[i], i)
	}
	if !targets {
		return nil
	}
	if el.Y == nil {
		return fmt.Errorf("%s has no targets (Y); Fit and Evaluate need them", where)
	}
	if el.Y.Rank() < 1 || el.Y.Dim(0) != el.X.Dim(0) {
		return fmt.Errorf("%s has y of shape %v for x of shape %v", where, el.Y.Shape(), el.X.Shape())
	}
	if i := firstNonFinite(el.Y.Data()); i >= 0 {
		return fmt.Errorf("%s: y holds %v at flat index %d; targets must be finite", where, el.Y.Data()[i], i)
	}
	out := e.net.outShapes[0]
	if lc, ok := e.heads[0].loss.(losses.LabelChecker); ok {
		if err := lc.CheckLabels(el.Y, out[len(out)-1]); err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
	} else if ys := el.Y.Shape(); !equalShape(ys[1:], out) && prodShape(ys[1:]) != prodShape(out) {
		return fmt.Errorf("%s has y of per-example shape %v, model outputs %v", where, ys[1:], out)
	}
	return nil
}

// seek reads the dataset up to pass passes begun and batch batches of the
// last, for a resumed run.
func (s *datasetSource) seek(pass, batch int, ended, midEpoch bool) error {
	if err := s.seekTo(pass, batch); err != nil {
		return err
	}
	if ended {
		if _, ok, err := s.read(); err != nil || ok {
			return fmt.Errorf("models: fit: resuming: %s has more than the %d batches of pass %d the backup saw (%v)", s.arg, batch, pass, err)
		}
	}
	s.keep = midEpoch
	return nil
}

func (s *datasetSource) seekTo(pass, batch int) error {
	for s.pass < pass || (s.pass == pass && s.batch < batch) {
		if s.pass < pass && s.pull == nil {
			s.open()
			continue
		}
		_, ok, err := s.read()
		if err != nil {
			return err
		}
		if !ok && s.pass == pass {
			return fmt.Errorf("models: fit: resuming: %s ran out after %d batches of pass %d, the backup was made after %d", s.arg, s.batch, pass, batch)
		}
	}
	return nil
}

func shapeOf2(t *tensor.Tensor) []int {
	if t == nil {
		return nil
	}
	return t.Shape()
}

// fitDataset is FitDataset for a model of one input and one output.
func (e *engine) fitDataset(ds *data.Dataset, cfg FitConfig) (h *History, err error) {
	defer tensor.RecoverShapeError(&err)
	if !e.compiled {
		return nil, fmt.Errorf("models: fit: %w", ErrNotCompiled)
	}
	if ds == nil {
		return nil, fmt.Errorf("models: fit: the dataset is nil")
	}
	if len(e.inNames) != 1 || len(e.outNames) != 1 {
		return nil, fmt.Errorf("models: fit: a Dataset feeds a model of one input and one output; this one has %d and %d", len(e.inNames), len(e.outNames))
	}
	if cfg.Epochs == 0 {
		cfg.Epochs = 1
	}
	switch {
	case cfg.Epochs < 0:
		return nil, fmt.Errorf("models: fit: Epochs must be positive, got %d", cfg.Epochs)
	case cfg.InitialEpoch < 0 || cfg.InitialEpoch > cfg.Epochs:
		return nil, fmt.Errorf("models: fit: InitialEpoch must be in [0, Epochs=%d], got %d", cfg.Epochs, cfg.InitialEpoch)
	case cfg.StepsPerEpoch < 0:
		return nil, fmt.Errorf("models: fit: StepsPerEpoch must be >= 0, got %d", cfg.StepsPerEpoch)
	case cfg.ValidationSteps < 0:
		return nil, fmt.Errorf("models: fit: ValidationSteps must be >= 0, got %d", cfg.ValidationSteps)
	case cfg.ValidationSplit != 0:
		// Keras: "validation_split is only supported for Tensors or NumPy arrays".
		return nil, fmt.Errorf("models: fit: ValidationSplit %v is for arrays; split the dataset (Take, Skip) and pass ValidationData", cfg.ValidationSplit)
	case cfg.BatchSize != 0:
		return nil, fmt.Errorf("models: fit: BatchSize %d is for arrays; a dataset is batched by its Batch", cfg.BatchSize)
	case cfg.SampleWeight != nil || cfg.ClassWeight != nil:
		return nil, fmt.Errorf("models: fit: SampleWeight and ClassWeight are for arrays; FitDataset does not weight examples yet")
	}
	if err := checkVerbose("fit", cfg.Verbose); err != nil {
		return nil, err
	}
	src := newDatasetSource(e, "fit", "the dataset", ds, cfg.StepsPerEpoch)
	if err := src.first(); err != nil {
		src.close()
		return nil, err
	}
	defer src.close()
	var val *valData
	if v := cfg.ValidationData; v != nil {
		if v.Dataset == nil {
			src.close()
			return nil, fmt.Errorf("models: fit: with a training Dataset, ValidationData must hold a Dataset too")
		}
		val = &valData{ds: newDatasetSource(e, "fit", "ValidationData.Dataset", v.Dataset, 0), steps: cfg.ValidationSteps}
		defer val.ds.close()
	}
	src.arena = e.scratch()
	run := e.beginRun(cfg, nil, nil, val, nil, src.steps())
	run.ds = src
	return e.fitLoop(cfg, src, val, run, 0)
}

// evaluateSource runs the loss and metrics over at most steps batches of
// a pass of src (0: the whole pass), starting a new pass.
func (e *engine) evaluateSource(src *datasetSource, steps int, verbose Verbosity) (map[string]float64, error) {
	restore := e.noGrad()
	defer restore()
	e.net.resetInference()
	src.open()
	defer src.close()
	bar := e.bar(steps, verbose)
	var loss lossTracker
	e.resetMetrics()
	arena := e.scratch()
	multi := len(e.heads) > 1
	step := 0
	for ; steps <= 0 || step < steps; step++ {
		el, ok, err := src.read()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		if err := src.check(el, true); err != nil {
			return nil, err
		}
		rows := el.X.Dim(0)
		preds := e.forward([]*tensor.Tensor{tensor.FromSlice(el.X.Data(), el.X.Shape()...).InArena(arena)}, false)
		var total float64
		for i := range e.heads {
			h := &e.heads[i]
			if h.loss == nil {
				continue
			}
			v := h.lossOn(el.Y, preds[i], nil).Item()
			if multi {
				h.tracker.add(float64(v), rows)
			}
			if h.weight != 1 {
				v *= float32(h.weight)
			}
			total += float64(v)
		}
		loss.add(total, rows)
		e.heads[0].updateMetrics(el.Y, preds[0], nil)
		arena.Reset()
		if bar != nil {
			bar.Update(step+1, barValues(e.currentLogs(loss.result())), false)
		}
	}
	if step == 0 {
		return nil, fmt.Errorf("models: %s: %s yields no batch", src.op, src.arg)
	}
	if steps > 0 && step < steps {
		fmt.Fprintf(os.Stderr, "models: %s: your input ran out of data after %d of %d steps\n", src.op, step, steps)
	}
	logs := e.currentLogs(loss.result())
	if bar != nil {
		bar.Update(step, barValues(logs), true)
	}
	return logs, nil
}

// evaluateDataset is EvaluateDataset for a model of one input and one
// output.
func (e *engine) evaluateDataset(ds *data.Dataset, cfg EvaluateConfig) (logs map[string]float64, err error) {
	defer tensor.RecoverShapeError(&err)
	if !e.compiled {
		return nil, fmt.Errorf("models: evaluate: %w", ErrNotCompiled)
	}
	if err := e.datasetArgs("evaluate", ds, cfg.BatchSize, cfg.Steps, cfg.Verbose); err != nil {
		return nil, err
	}
	if cfg.SampleWeight != nil {
		return nil, fmt.Errorf("models: evaluate: SampleWeight is for arrays; EvaluateDataset does not weight examples yet")
	}
	src := newDatasetSource(e, "evaluate", "the dataset", ds, 0)
	if e.net == nil {
		if err := src.first(); err != nil {
			src.close()
			return nil, err
		}
		src.close()
	}
	if err := e.checkWeights("evaluate"); err != nil {
		return nil, err
	}
	return e.evaluateSource(src, cfg.Steps, cfg.Verbose)
}

// datasetArgs checks the arguments of EvaluateDataset and PredictDataset.
func (e *engine) datasetArgs(op string, ds *data.Dataset, bs, steps int, v Verbosity) error {
	switch {
	case ds == nil:
		return fmt.Errorf("models: %s: the dataset is nil", op)
	case len(e.inNames) != 1 || (op != "predict" && len(e.outNames) != 1):
		return fmt.Errorf("models: %s: a Dataset feeds a model of one input and one output; this one has %d and %d", op, len(e.inNames), len(e.outNames))
	case bs != 0:
		return fmt.Errorf("models: %s: BatchSize %d is for arrays; a dataset is batched by its Batch", op, bs)
	case steps < 0:
		return fmt.Errorf("models: %s: Steps must be >= 0, got %d", op, steps)
	}
	return checkVerbose(op, v)
}

// predictDataset is PredictDataset for a model of one input.
func (e *engine) predictDataset(ds *data.Dataset, cfg PredictConfig) (outs []*tensor.Tensor, err error) {
	defer tensor.RecoverShapeError(&err)
	if err := e.datasetArgs("predict", ds, cfg.BatchSize, cfg.Steps, cfg.Verbose); err != nil {
		return nil, err
	}
	src := newDatasetSource(e, "predict", "the dataset", ds, 0)
	if e.net == nil {
		if err := src.first(); err != nil {
			src.close()
			return nil, err
		}
		src.close()
	}
	restore := e.noGrad()
	defer restore()
	e.net.resetInference()
	bar := e.bar(cfg.Steps, cfg.Verbose)
	arena := e.scratch()
	bufs := make([][]float32, len(e.net.outShapes))
	src.open()
	defer src.close()
	n, step := 0, 0
	for ; cfg.Steps <= 0 || step < cfg.Steps; step++ {
		el, ok, err := src.read()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		if err := src.check(el, false); err != nil {
			return nil, err
		}
		preds := e.forward([]*tensor.Tensor{tensor.FromSlice(el.X.Data(), el.X.Shape()...).InArena(arena)}, false)
		for i, p := range preds {
			bufs[i] = append(bufs[i], p.Data()...)
		}
		n += el.X.Dim(0)
		arena.Reset()
		if bar != nil {
			bar.Update(step+1, nil, false)
		}
	}
	if bar != nil {
		bar.Update(step, nil, true)
	}
	outs = make([]*tensor.Tensor, len(bufs))
	for i, s := range e.net.outShapes {
		outs[i] = tensor.FromSlice(bufs[i], append([]int{n}, s...)...)
	}
	if err := e.checkOutputs("predict", outs); err != nil {
		return nil, err
	}
	return outs, nil
}
