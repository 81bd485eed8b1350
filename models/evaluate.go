package models

import (
	"github.com/neuron-go/neuron/tensor"
)

// EvaluateConfig holds Evaluate's options; zero values are Keras's defaults.
type EvaluateConfig struct {
	// BatchSize defaults to 32.
	BatchSize int
	// Steps bounds the batches EvaluateDataset reads (0: all).
	Steps int
	// Verbose selects the progress output (default: a progress bar).
	Verbose Verbosity
	// SampleWeight weights each example's loss and its WeightedMetrics, as
	// Keras's sample_weight: shape (n) or (n, 1), finite and >= 0.
	SampleWeight Array
}

// Evaluate returns the loss and metrics of the model on x and y, keyed as in
// Keras's evaluate(return_dict=True): "loss", "accuracy", …. x and y are
// tensors or other Arrays, read a batch at a time as Fit reads them.
func (m *Sequential) Evaluate(x, y Array, cfg EvaluateConfig) (map[string]float64, error) {
	m.bind()
	return m.evaluateChecked([]Array{x}, []Array{y}, cfg)
}

// PredictConfig holds Predict's options; zero values are Keras's defaults.
type PredictConfig struct {
	// BatchSize defaults to 32. Larger batches are faster and give the same
	// values.
	BatchSize int
	// Steps bounds the batches PredictDataset reads (0: all).
	Steps int
	// Verbose selects the progress output (default: a progress bar, as in
	// Keras; use Silent when predicting in a loop).
	Verbose Verbosity
}

// Predict returns the model's outputs for x, one row per example, computed
// in batches without recording gradients (Dropout is off). x is a tensor or
// another Array, read a batch at a time as Fit reads it.
func (m *Sequential) Predict(x Array, cfg PredictConfig) (*tensor.Tensor, error) {
	m.bind()
	outs, err := m.predict([]Array{x}, cfg)
	if err != nil {
		return nil, err
	}
	return outs[0], nil
}
