package models

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/neuron-go/neuron/callbacks"
	"github.com/neuron-go/neuron/data"
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
	// Inputs and Targets replace X and Y for a model with several inputs
	// or outputs: one array per input and per output, in the model's
	// order.
	Inputs, Targets []Array
	// Dataset replaces the arrays for FitDataset: a data.Dataset of
	// batches, read from its start after each epoch.
	Dataset *data.Dataset
	// SampleWeight weights each example's loss in validation, as the third
	// array of Keras's validation_data=(x, y, sample_weight): shape (n) or
	// (n, 1), finite and >= 0.
	SampleWeight Array
}

// arrays returns the data as one array per input and per output of a model
// with nIn inputs and nOut outputs.
func (d *Data) arrays(nIn, nOut int) (x, y []Array, err error) {
	if d.Inputs == nil && d.Targets == nil {
		if nIn != 1 || nOut != 1 {
			return nil, nil, fmt.Errorf("models: fit: ValidationData has X and Y; the model has %d inputs and %d outputs, so set ValidationData.Inputs and Targets", nIn, nOut)
		}
		return []Array{d.X}, []Array{d.Y}, nil
	}
	if d.X != nil || d.Y != nil {
		return nil, nil, fmt.Errorf("models: fit: ValidationData sets both X/Y and Inputs/Targets; use one pair")
	}
	if len(d.Inputs) != nIn {
		return nil, nil, fmt.Errorf("models: fit: ValidationData.Inputs has %d arrays, the model has %d inputs", len(d.Inputs), nIn)
	}
	if len(d.Targets) != nOut {
		return nil, nil, fmt.Errorf("models: fit: ValidationData.Targets has %d arrays, the model has %d outputs", len(d.Targets), nOut)
	}
	return d.Inputs, d.Targets, nil
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
	// StepsPerEpoch is, for FitDataset, the number of batches of an
	// epoch (Keras steps_per_epoch); 0 makes each epoch a pass over the
	// dataset.
	StepsPerEpoch int
	// ValidationSteps bounds the batches of a validation Dataset read
	// after each epoch (Keras validation_steps); 0 reads all of it.
	ValidationSteps int
	// NoShuffle keeps the training rows in order (Keras shuffle=False).
	NoShuffle bool
	// Callbacks receive training events.
	Callbacks []callbacks.Callback
	// SampleWeight weights each training example's loss, as Keras's
	// sample_weight: an Array of shape (n) or (n, 1), one finite weight >= 0
	// per row of x, applied to every output's loss before its reduction
	// (losses.Weighted), and given to the WeightedMetrics. With
	// ValidationSplit the last rows' weights weight the validation loss, as
	// in Keras.
	SampleWeight Array
	// ClassWeight weights each training example's loss by the weight of
	// its class, as Keras's class_weight: the class is the label of integer
	// targets (rounded) or the argmax of one-hot ones. Every class that
	// occurs in y needs a weight; only for a model with one output, and not
	// with SampleWeight. Validation is not weighted.
	ClassWeight map[int]float64
	// ContinueOnNaN trains on when a step's loss is NaN or infinite, as
	// Keras does. By default Fit stops there with a *NonFiniteError that
	// names the epoch and the step.
	ContinueOnNaN bool
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
func (m *Sequential) Fit(x, y Array, cfg FitConfig) (*History, error) {
	m.bind()
	return m.fit([]Array{x}, []Array{y}, cfg)
}

// FitDataset trains the model on a data.Dataset of batches of inputs and
// targets, as Keras's model.fit(dataset): see FitConfig.StepsPerEpoch and
// ValidationSteps, and the notes in dataset.go on how an exhausted
// dataset ends an epoch and how a resumed run finds its place. BatchSize,
// NoShuffle and ValidationSplit are for arrays: the dataset does its own
// batching and shuffling.
func (m *Sequential) FitDataset(ds *data.Dataset, cfg FitConfig) (*History, error) {
	m.bind()
	return m.fitDataset(ds, cfg)
}

// FitDataset trains a model of one input and one output on a Dataset, as
// Sequential's does.
func (m *Model) FitDataset(ds *data.Dataset, cfg FitConfig) (*History, error) {
	m.bind()
	return m.fitDataset(ds, cfg)
}

// EvaluateDataset returns the loss and metrics of the model on a Dataset
// of batches, at most cfg.Steps of them (0: all), as Keras's
// evaluate(dataset).
func (m *Sequential) EvaluateDataset(ds *data.Dataset, cfg EvaluateConfig) (map[string]float64, error) {
	m.bind()
	return m.evaluateDataset(ds, cfg)
}

// EvaluateDataset evaluates a model of one input and one output on a
// Dataset, as Sequential's does.
func (m *Model) EvaluateDataset(ds *data.Dataset, cfg EvaluateConfig) (map[string]float64, error) {
	m.bind()
	return m.evaluateDataset(ds, cfg)
}

// PredictDataset returns the model's outputs for the inputs of a Dataset
// of batches (their targets, if any, are not read), at most cfg.Steps
// batches (0: all).
func (m *Sequential) PredictDataset(ds *data.Dataset, cfg PredictConfig) (*tensor.Tensor, error) {
	m.bind()
	outs, err := m.predictDataset(ds, cfg)
	if err != nil {
		return nil, err
	}
	return outs[0], nil
}

// PredictDataset returns the outputs of a model of one input for a
// Dataset, one tensor per output.
func (m *Model) PredictDataset(ds *data.Dataset, cfg PredictConfig) ([]*tensor.Tensor, error) {
	m.bind()
	return m.predictDataset(ds, cfg)
}

func stopOrErr(err error) error {
	if errors.Is(err, callbacks.ErrStopTraining) {
		return nil
	}
	return err
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
