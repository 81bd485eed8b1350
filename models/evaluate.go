package models

import (
	"fmt"
	"os"

	"github.com/neuron-go/neuron/internal/progbar"
	"github.com/neuron-go/neuron/tensor"
)

// EvaluateConfig holds Evaluate's options; zero values are Keras's defaults.
type EvaluateConfig struct {
	// BatchSize defaults to 32.
	BatchSize int
	// Verbose selects the progress output (default: a progress bar).
	Verbose Verbosity
}

// Evaluate returns the loss and metrics of the model on x and y, keyed as in
// Keras's evaluate(return_dict=True): "loss", "accuracy", …. x and y are
// tensors or other Arrays, read a batch at a time as Fit reads them.
func (m *Sequential) Evaluate(x, y Array, cfg EvaluateConfig) (logs map[string]float64, err error) {
	defer tensor.RecoverShapeError(&err)
	if !m.compiled {
		return nil, fmt.Errorf("models: evaluate: %w", ErrNotCompiled)
	}
	if err := m.checkX("evaluate", "x", x); err != nil {
		return nil, err
	}
	if err := m.checkY("evaluate", "y", x, y); err != nil {
		return nil, err
	}
	if cfg.BatchSize < 0 {
		return nil, fmt.Errorf("models: evaluate: BatchSize must be positive, got %d", cfg.BatchSize)
	}
	if cfg.BatchSize == 0 {
		cfg.BatchSize = 32
	}
	return m.evaluate(x, y, cfg.BatchSize, cfg.Verbose)
}

// evaluate runs the loss and metrics over batches without recording
// gradients. The metrics are reset first.
func (m *Sequential) evaluate(x, y Array, bs int, verbose Verbosity) (map[string]float64, error) {
	restore := m.noGrad()
	defer restore()
	n := x.Dim(0)
	bs = min(bs, n)
	steps := (n + bs - 1) / bs
	bar := m.bar(steps, verbose)
	var loss lossTracker
	for _, mt := range m.metrics {
		mt.Reset()
	}
	arena := m.scratch()
	xr, yr := newBatchReader(x, bs), newBatchReader(y, bs)
	for step := 0; step < steps; step++ {
		lo, hi := step*bs, min((step+1)*bs, n)
		xb, yb := xr.rows(lo, hi).InArena(arena), yr.rows(lo, hi)
		pred := m.Call(xb, false)
		loss.add(float64(m.loss.Call(yb, pred).Item()), hi-lo)
		for _, mt := range m.metrics {
			mt.Update(yb, pred)
		}
		arena.Reset()
		if bar != nil {
			bar.Update(step+1, barValues(m.currentLogs(loss.result())), step+1 == steps)
		}
	}
	return m.currentLogs(loss.result()), nil
}

// noGrad turns gradient tracking off on the weights, so that inference
// records no graph, and returns a function that turns it back on.
func (m *Sequential) noGrad() func() {
	for _, w := range m.weights {
		w.SetRequiresGrad(false)
	}
	return func() {
		for _, w := range m.weights {
			w.SetRequiresGrad(true)
		}
	}
}

// bar returns a progress bar for evaluation or prediction, or nil if silent.
func (m *Sequential) bar(steps int, verbose Verbosity) *progbar.Bar {
	if verbose == Silent {
		return nil
	}
	out := m.out()
	dynamic := false
	if f, ok := out.(*os.File); ok {
		dynamic = progbar.IsTerminal(f)
	}
	return progbar.New(out, steps, verbose.keras(), dynamic)
}

// PredictConfig holds Predict's options; zero values are Keras's defaults.
type PredictConfig struct {
	// BatchSize defaults to 32. Larger batches are faster and give the same
	// values.
	BatchSize int
	// Verbose selects the progress output (default: a progress bar, as in
	// Keras; use Silent when predicting in a loop).
	Verbose Verbosity
}

// Predict returns the model's outputs for x, one row per example, computed
// in batches without recording gradients (Dropout is off). x is a tensor or
// another Array, read a batch at a time as Fit reads it.
func (m *Sequential) Predict(x Array, cfg PredictConfig) (out *tensor.Tensor, err error) {
	defer tensor.RecoverShapeError(&err)
	if err := m.checkX("predict", "x", x); err != nil {
		return nil, err
	}
	if cfg.BatchSize < 0 {
		return nil, fmt.Errorf("models: predict: BatchSize must be positive, got %d", cfg.BatchSize)
	}
	if cfg.BatchSize == 0 {
		cfg.BatchSize = 32
	}
	restore := m.noGrad()
	defer restore()
	n := x.Dim(0)
	bs := min(cfg.BatchSize, n)
	steps := (n + bs - 1) / bs
	bar := m.bar(steps, cfg.Verbose)
	out = tensor.Zeros(append([]int{n}, m.OutputShape()...)...)
	per := out.Size() / n
	arena := m.scratch()
	xr := newBatchReader(x, bs)
	for step := 0; step < steps; step++ {
		lo, hi := step*bs, min((step+1)*bs, n)
		pred := m.Call(xr.rows(lo, hi).InArena(arena), false)
		copy(out.Data()[lo*per:hi*per], pred.Data())
		arena.Reset()
		if bar != nil {
			bar.Update(step+1, nil, step+1 == steps)
		}
	}
	return out, nil
}
