package models

import (
	"fmt"
	"iter"
	"math"
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

	xs []*tensor.Tensor // the batch's inputs, as views in the arena
	cw map[int]float64  // FitConfig.ClassWeight, or nil
}

func newDatasetSource(e *engine, op, arg string, ds *data.Dataset, spe int) *datasetSource {
	return &datasetSource{e: e, op: op, arg: arg, ds: ds, spe: spe}
}

func (s *datasetSource) open() {
	s.close()
	// A step is done with a batch before it reads the next.
	s.pull, s.stop = iter.Pull2(s.ds.AllShared())
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
	in := el.Inputs()
	if len(in) == 0 || in[0] == nil || in[0].Rank() < 1 {
		return fmt.Errorf("models: %s: %s: batch 1 has %s; it needs inputs with a batch axis (use Batch)", s.op, s.arg, el.Describe())
	}
	if s.e.lazyBuild != nil && len(in) == 1 {
		if err := s.e.lazyBuild(s.op, in[0].Shape()[1:]); err != nil {
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
	xs, rows = s.inputs(el, s.arena)
	sw = el.W
	if s.cw != nil {
		w, err := classWeightsToSample(s.op, s.cw, el.Targets()[0], s.e.outNames[0])
		if err != nil {
			return nil, nil, nil, 0, false, fmt.Errorf("models: %s: %s: batch %d of pass %d: %w", s.op, s.arg, s.batch, s.pass, err)
		}
		sw = tensor.FromSlice(w, len(w))
	}
	return xs, el.Targets(), sw, rows, true, nil
}

// inputs returns views of the element's inputs bound to the arena (the
// element itself stays as it was) and its number of rows.
func (s *datasetSource) inputs(el data.Element, arena *tensor.Arena) ([]*tensor.Tensor, int) {
	in := el.Inputs()
	s.xs = s.xs[:0]
	for _, x := range in {
		s.xs = append(s.xs, tensor.FromSlice(x.Data(), x.Shape()...).InArena(arena))
	}
	return s.xs, in[0].Dim(0)
}

// check refuses a batch that does not fit the model: one input per model
// input and, with targets, one target per output and at most one weight
// per row, each of the model's per-example shape and finite.
func (s *datasetSource) check(el data.Element, targets bool) error {
	e := s.e
	where := fmt.Sprintf("models: %s: %s: batch %d of pass %d", s.op, s.arg, s.batch, s.pass)
	in := el.Inputs()
	if len(in) != len(e.net.inShapes) {
		return fmt.Errorf("%s has %d inputs (%s); the model takes %d", where, len(in), el.Describe(), len(e.net.inShapes))
	}
	rows := -1
	for i, x := range in {
		name := e.inNames[i]
		if x == nil || x.Rank() < 1 || x.Dim(0) == 0 {
			return fmt.Errorf("%s has %s of shape %v; it needs a batch axis with rows (use Batch)", where, name, shapeOf2(x))
		}
		if rows >= 0 && x.Dim(0) != rows {
			return fmt.Errorf("%s has %s of %d rows, the first input %d", where, name, x.Dim(0), rows)
		}
		rows = x.Dim(0)
		if want := e.net.inShapes[i]; !equalShape(x.Shape()[1:], want) {
			return fmt.Errorf("%s has %s of per-example shape %v, model expects %v", where, name, x.Shape()[1:], want)
		}
		if j := firstNonFinite(x.Data()); j >= 0 {
			return fmt.Errorf("%s: %s holds %v at flat index %d; inputs must be finite", where, name, x.Data()[j], j)
		}
	}
	if !targets {
		return nil
	}
	ys := el.Targets()
	if len(ys) == 0 {
		return fmt.Errorf("%s has no targets (Y); Fit and Evaluate need them", where)
	}
	if len(ys) != len(e.net.outShapes) {
		return fmt.Errorf("%s has %d targets (%s); the model has %d outputs", where, len(ys), el.Describe(), len(e.net.outShapes))
	}
	for i, y := range ys {
		name := e.outNames[i]
		if y == nil || y.Rank() < 1 || y.Dim(0) != rows {
			return fmt.Errorf("%s has %s of shape %v for %d rows of inputs", where, name, shapeOf2(y), rows)
		}
		if j := firstNonFinite(y.Data()); j >= 0 {
			return fmt.Errorf("%s: %s holds %v at flat index %d; targets must be finite", where, name, y.Data()[j], j)
		}
		out := e.net.outShapes[i]
		if lc, ok := e.heads[i].loss.(losses.LabelChecker); ok {
			if err := losses.SparseLabelShape(y.Shape()[1:], out); err != nil {
				return fmt.Errorf("%s: %s: %w", where, name, err)
			}
			if err := lc.CheckLabels(y, out[len(out)-1]); err != nil {
				return fmt.Errorf("%s: %s: %w", where, name, err)
			}
		} else if s := y.Shape(); !equalShape(s[1:], out) && prodShape(s[1:]) != prodShape(out) {
			return fmt.Errorf("%s has %s of per-example shape %v, model outputs %v", where, name, s[1:], out)
		}
	}
	if w := el.W; w != nil {
		if ws := w.Shape(); len(ws) == 0 || len(ws) > 2 || ws[0] != rows || (len(ws) == 2 && ws[1] != 1) {
			return fmt.Errorf("%s has sample weights of shape %v for %d rows; give one weight per row", where, ws, rows)
		}
		for j, v := range w.Data() {
			if !(v >= 0) || math.IsInf(float64(v), 0) {
				return fmt.Errorf("%s: sample weight %d is %v; sample weights must be finite and >= 0", where, j, v)
			}
		}
		if s.cw != nil {
			return fmt.Errorf("%s has sample weights and FitConfig.ClassWeight is set; as in Keras, give one", where)
		}
		if err := e.checkWeightedLosses(s.op); err != nil {
			return err
		}
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

// fitDataset is FitDataset.
func (e *engine) fitDataset(ds *data.Dataset, cfg FitConfig) (h *History, err error) {
	defer tensor.RecoverShapeError(&err)
	if !e.compiled {
		return nil, fmt.Errorf("models: fit: %w", ErrNotCompiled)
	}
	if ds == nil {
		return nil, fmt.Errorf("models: fit: the dataset is nil")
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
	case cfg.SampleWeight != nil:
		return nil, fmt.Errorf("models: fit: SampleWeight is for arrays; a dataset carries its sample weights in its elements (data.Element.W, data.FromArraysMulti)")
	case cfg.ClassWeight != nil && len(e.outNames) != 1:
		return nil, fmt.Errorf("models: fit: ClassWeight is for a model with one output, as in Keras; this one has %d (give sample weights instead)", len(e.outNames))
	case cfg.ClassWeight != nil && len(cfg.ClassWeight) == 0:
		return nil, fmt.Errorf("models: fit: ClassWeight is empty; give a weight to every class, or leave it nil")
	}
	if cfg.ClassWeight != nil {
		if err := e.checkWeightedLosses("fit"); err != nil {
			return nil, err
		}
	}
	if err := checkVerbose("fit", cfg.Verbose); err != nil {
		return nil, err
	}
	src := newDatasetSource(e, "fit", "the dataset", ds, cfg.StepsPerEpoch)
	src.cw = cfg.ClassWeight
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
		xs, rows := src.inputs(el, arena)
		ys := el.Targets()
		preds := e.forward(xs, false)
		var total float64
		for i := range e.heads {
			h := &e.heads[i]
			if h.loss == nil {
				continue
			}
			v := h.lossOn(ys[i], preds[i], el.W, e.outMask(i)).Item()
			if multi {
				h.tracker.add(float64(v), rows)
			}
			if h.weight != 1 {
				v *= float32(h.weight)
			}
			total += float64(v)
		}
		loss.add(total, rows)
		for i := range e.heads {
			e.heads[i].updateMetrics(ys[i], preds[i], el.W, e.outMask(i))
		}
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

// evaluateDataset is EvaluateDataset.
func (e *engine) evaluateDataset(ds *data.Dataset, cfg EvaluateConfig) (logs map[string]float64, err error) {
	defer tensor.RecoverShapeError(&err)
	if !e.compiled {
		return nil, fmt.Errorf("models: evaluate: %w", ErrNotCompiled)
	}
	if err := e.datasetArgs("evaluate", ds, cfg.BatchSize, cfg.Steps, cfg.Verbose); err != nil {
		return nil, err
	}
	if cfg.SampleWeight != nil {
		return nil, fmt.Errorf("models: evaluate: SampleWeight is for arrays; a dataset carries its sample weights in its elements (data.Element.W, data.FromArraysMulti)")
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
	case bs != 0:
		return fmt.Errorf("models: %s: BatchSize %d is for arrays; a dataset is batched by its Batch", op, bs)
	case steps < 0:
		return fmt.Errorf("models: %s: Steps must be >= 0, got %d", op, steps)
	}
	return checkVerbose(op, v)
}

// predictDataset is PredictDataset.
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
		xs, rows := src.inputs(el, arena)
		preds := e.forward(xs, false)
		for i, p := range preds {
			bufs[i] = append(bufs[i], p.Data()...)
		}
		n += rows
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
