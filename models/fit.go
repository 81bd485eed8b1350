package models

import (
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/neuron-go/neuron/callbacks"
	"github.com/neuron-go/neuron/internal/progbar"
	"github.com/neuron-go/neuron/tensor"
)

// Verbosity selects what Fit, Evaluate and Predict print.
type Verbosity int

// The verbosity levels. The zero value is Auto, which is ProgressBar, as
// Keras's verbose="auto".
const (
	Auto        Verbosity = 0  // the default: ProgressBar
	Silent      Verbosity = -1 // nothing (Keras verbose=0)
	ProgressBar Verbosity = 1  // a progress bar (Keras verbose=1)
	OneLine     Verbosity = 2  // one line per epoch (Keras verbose=2)
)

// VerbosityFromKeras converts Keras's verbose argument (0, 1 or 2).
func VerbosityFromKeras(v int) (Verbosity, error) {
	switch v {
	case 0:
		return Silent, nil
	case 1:
		return ProgressBar, nil
	case 2:
		return OneLine, nil
	}
	return 0, fmt.Errorf("models: verbose must be 0, 1 or 2, got %d", v)
}

func (v Verbosity) keras() int {
	switch v {
	case Silent:
		return 0
	case OneLine:
		return 2
	}
	return 1
}

// Data is a pair of inputs and targets, e.g. validation data. Either may be
// a *tensor.Tensor or another Array, such as the uint8 arrays of package
// datasets.
type Data struct {
	X, Y Array
}

// FitConfig holds Fit's options; the zero value of each field is Keras's
// default.
type FitConfig struct {
	// Epochs is the number of passes over the data (default 1). With
	// InitialEpoch, training runs epochs InitialEpoch+1 … Epochs, as in Keras.
	Epochs int
	// InitialEpoch is the epoch to resume from (default 0).
	InitialEpoch int
	// BatchSize is the number of examples per step (default 32). The last
	// batch of an epoch holds what is left.
	BatchSize int
	// Verbose selects the progress output (default: a progress bar).
	Verbose Verbosity
	// ValidationSplit is the fraction of the data, taken from the end before
	// any shuffling, held out for validation, as in Keras.
	ValidationSplit float64
	// ValidationData is evaluated after each epoch; it overrides
	// ValidationSplit.
	ValidationData *Data
	// NoShuffle keeps the training rows in order (Keras shuffle=False).
	NoShuffle bool
	// Callbacks receive training events.
	Callbacks []callbacks.Callback
}

// History records the metrics of each epoch, as Keras's History callback.
type History struct {
	// History maps each key ("loss", "accuracy", "val_loss", …) to one value
	// per epoch, like Keras's history.history.
	History map[string][]float64
	// Epoch lists the epoch indices run (from 0).
	Epoch []int
	// Params holds Keras's history.params: verbose, epochs and steps.
	Params map[string]int
}

// Keys returns the history's keys sorted as Keras 3 sorts them.
func (h *History) Keys() []string {
	keys := make([]string, 0, len(h.History))
	for k := range h.History {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Fit trains the model on inputs x and targets y for cfg.Epochs epochs and
// returns the per-epoch history. Each step takes a batch (in a new random
// order every epoch unless NoShuffle), computes the loss and its gradient,
// and lets the optimizer update the weights.
//
// x and y are tensors or other Arrays. The uint8 arrays the loaders of
// package datasets return can be passed as they are, as Keras's
// model.fit(X_train, y_train) takes NumPy's: each batch is converted to
// float32 as it is assembled, with the same numbers as a tensor converted
// beforehand but without its memory.
func (m *Sequential) Fit(x, y Array, cfg FitConfig) (h *History, err error) {
	defer tensor.RecoverShapeError(&err)
	if !m.compiled {
		return nil, fmt.Errorf("models: fit: %w", ErrNotCompiled)
	}
	if err := m.checkX("fit", "x", x); err != nil {
		return nil, err
	}
	if err := m.checkY("fit", "y", x, y); err != nil {
		return nil, err
	}
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
	if cfg.Verbose < Silent || cfg.Verbose > OneLine {
		return nil, fmt.Errorf("models: fit: Verbose must be Silent, ProgressBar or OneLine, got %d", cfg.Verbose)
	}

	// Validation data: given, or the last rows before shuffling (Keras's
	// train_validation_split: split_at = floor(n·(1−split))).
	var val *Data
	switch {
	case cfg.ValidationData != nil:
		val = cfg.ValidationData
		if err := m.checkX("fit", "ValidationData.X", val.X); err != nil {
			return nil, err
		}
		if err := m.checkY("fit", "ValidationData.Y", val.X, val.Y); err != nil {
			return nil, err
		}
	case cfg.ValidationSplit > 0:
		n := x.Dim(0)
		splitAt := int(math.Floor(float64(n) * (1 - cfg.ValidationSplit)))
		if splitAt == 0 || splitAt == n {
			return nil, fmt.Errorf("models: fit: ValidationSplit %v of %d rows leaves an empty training or validation set", cfg.ValidationSplit, n)
		}
		val = &Data{X: rowsRange(x, splitAt, n), Y: rowsRange(y, splitAt, n)}
		x, y = rowsRange(x, 0, splitAt), rowsRange(y, 0, splitAt)
	}

	n := x.Dim(0)
	bs := min(cfg.BatchSize, n)
	steps := (n + bs - 1) / bs
	h = &History{History: map[string][]float64{}, Params: map[string]int{"verbose": cfg.Verbose.keras(), "epochs": cfg.Epochs, "steps": steps}}
	run := m.beginRun(cfg, x, y, val, h, steps) // for checkpoints (resume.go)

	for _, cb := range cfg.Callbacks {
		if err := cb.OnTrainBegin(m); err != nil {
			return h, m.endTraining(cfg, nil, stopOrErr(err))
		}
	}
	var lastLogs callbacks.Logs
	arena := m.scratch()
	xShape, yShape := shapeOf(x), shapeOf(y)
	xb := tensor.Zeros(batchShape(xShape, bs)...).InArena(arena)
	yb := tensor.Zeros(batchShape(yShape, bs)...)
	idx := make([]int, n)
	out := m.out()
	dynamic := false
	if f, ok := out.(*os.File); ok {
		dynamic = progbar.IsTerminal(f)
	}
	var loss lossTracker
	var stepLogs callbacks.Logs // the logs of every step when no callback keeps them
	var values []progbar.Value  // the progress line's values

	for epoch := run.start(cfg.InitialEpoch); epoch < cfg.Epochs; epoch++ {
		for _, cb := range cfg.Callbacks {
			if err := cb.OnEpochBegin(epoch); err != nil {
				return h, m.endTraining(cfg, lastLogs, stopOrErr(err))
			}
		}
		for i := range idx {
			idx[i] = i
		}
		if !cfg.NoShuffle {
			rng := m.rng(streamShuffle, uint64(epoch))
			rng.Shuffle(n, func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		}
		if cfg.Verbose != Silent {
			progbar.EpochHeader(out, epoch+1, cfg.Epochs)
		}
		bar := progbar.New(out, steps, cfg.Verbose.keras(), dynamic)
		loss.reset()
		for _, mt := range m.metrics {
			mt.Reset()
		}
		stop := false
		for step := run.firstStep(m, epoch, &loss); step < steps; step++ {
			lo, hi := step*bs, min((step+1)*bs, n)
			xs, ys := xb, yb
			if hi-lo != bs {
				xs = tensor.Zeros(batchShape(xShape, hi-lo)...).InArena(arena)
				ys = tensor.Zeros(batchShape(yShape, hi-lo)...)
			}
			x.TakeRowsInto(xs, idx[lo:hi])
			y.TakeRowsInto(ys, idx[lo:hi])
			lv := m.trainStep(xs, ys)
			arena.Reset()
			loss.add(lv, hi-lo)
			run.stepDone(epoch, step, loss)
			if cfg.Verbose == Silent && len(cfg.Callbacks) == 0 {
				continue
			}
			var logs callbacks.Logs
			if len(cfg.Callbacks) == 0 {
				// Only the bar reads the logs, and it copies them: one
				// map and one slice serve every step.
				stepLogs = m.fillLogs(stepLogs, loss.result())
				logs = stepLogs
			} else {
				logs = m.currentLogs(loss.result())
			}
			values = appendBarValues(values[:0], logs)
			// With validation, the epoch's final line waits for val_ values.
			bar.Update(step+1, values, step+1 == steps && val == nil)
			for _, cb := range cfg.Callbacks {
				if err := cb.OnBatchEnd(step, logs); err != nil {
					if !errors.Is(err, callbacks.ErrStopTraining) {
						return h, m.endTraining(cfg, logs, err)
					}
					stop = true
				}
			}
			if stop {
				break
			}
		}
		logs := m.currentLogs(loss.result())
		if val != nil {
			vl, err := m.evaluate(val.X, val.Y, bs, Silent)
			if err != nil {
				return h, err
			}
			for k, v := range vl {
				logs["val_"+k] = v
			}
		}
		if val != nil || stop {
			bar.Update(steps, barValues(logs), true)
		}
		for k, v := range logs {
			h.History[k] = append(h.History[k], v)
		}
		h.Epoch = append(h.Epoch, epoch)
		lastLogs = logs
		for _, cb := range cfg.Callbacks {
			if err := cb.OnEpochEnd(epoch, logs); err != nil {
				if !errors.Is(err, callbacks.ErrStopTraining) {
					return h, m.endTraining(cfg, logs, err)
				}
				stop = true
			}
		}
		if stop {
			break
		}
	}
	return h, m.endTraining(cfg, lastLogs, nil)
}

// endTraining runs OnTrainEnd and returns the first real error.
func (m *Sequential) endTraining(cfg FitConfig, logs callbacks.Logs, err error) error {
	m.run.end(err)
	for _, cb := range cfg.Callbacks {
		if e := cb.OnTrainEnd(logs); e != nil && err == nil && !errors.Is(e, callbacks.ErrStopTraining) {
			err = e
		}
	}
	return err
}

func stopOrErr(err error) error {
	if errors.Is(err, callbacks.ErrStopTraining) {
		return nil
	}
	return err
}

// trainStep runs one forward and backward pass and one optimizer update,
// and returns the batch loss (regularization included, as in Keras).
func (m *Sequential) trainStep(xb, yb *tensor.Tensor) float64 {
	yPred := m.Call(xb, true)
	loss := m.loss.Call(yb, yPred)
	for _, l := range m.layers {
		if r, ok := l.(interface{ RegularizationLoss() *tensor.Tensor }); ok {
			if p := r.RegularizationLoss(); p != nil {
				loss = loss.Add(p)
			}
		}
	}
	tensor.Backward(loss)
	m.optimizer.Apply(m.weights)
	for _, w := range m.weights {
		w.ZeroGrad()
	}
	pred := yPred.Detach()
	for _, mt := range m.metrics {
		mt.Update(yb, pred)
	}
	return float64(loss.Item())
}

// currentLogs returns the loss and every metric's running value.
func (m *Sequential) currentLogs(loss float64) callbacks.Logs { return m.fillLogs(nil, loss) }

// fillLogs sets the loss and every metric's running value in logs (a new
// map if nil) and returns it.
func (m *Sequential) fillLogs(logs callbacks.Logs, loss float64) callbacks.Logs {
	if logs == nil {
		logs = make(callbacks.Logs, 1+len(m.metrics))
	}
	logs["loss"] = loss
	for _, mt := range m.metrics {
		logs[mt.Name()] = mt.Result()
	}
	return logs
}

// barValues orders logs for the progress line (sorted, as Keras 3 does).
func barValues(logs callbacks.Logs) []progbar.Value { return appendBarValues(nil, logs) }

// appendBarValues appends the logs to v in the order of the progress line.
func appendBarValues(v []progbar.Value, logs callbacks.Logs) []progbar.Value {
	for k, x := range logs {
		v = append(v, progbar.Value{Name: k, Value: x})
	}
	slices.SortFunc(v, func(a, b progbar.Value) int { return strings.Compare(a.Name, b.Name) })
	return v
}

// lossTracker is the running mean of batch losses weighted by batch size.
type lossTracker struct{ sum, count float64 }

func (l *lossTracker) add(v float64, n int) { l.sum += v * float64(n); l.count += float64(n) }
func (l *lossTracker) reset()               { *l = lossTracker{} }
func (l *lossTracker) result() float64 {
	if l.count == 0 {
		return 0
	}
	return l.sum / l.count
}
