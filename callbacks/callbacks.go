// Package callbacks lets code run at points of a model's training loop, as
// Keras's callbacks do: to stop early, adjust the learning rate, or record
// progress. A callback implements the methods it needs and embeds Base for
// the rest.
package callbacks

import (
	"errors"

	"github.com/neuron-go/neuron/tensor"
)

// Logs maps metric names to values, with Keras's keys: "loss", "accuracy",
// "val_loss", "val_accuracy", ….
type Logs map[string]float64

// Model is the view of a model that callbacks may use.
type Model interface {
	// Weights returns every trainable weight, in a fixed order.
	Weights() []*tensor.Tensor
	// LearningRate and SetLearningRate access the optimizer's rate.
	LearningRate() float64
	SetLearningRate(lr float64)
}

// Callback receives events from Fit. A method that returns ErrStopTraining
// ends training after the current epoch (or step) without an error; any
// other error ends Fit and is returned from it.
type Callback interface {
	// OnTrainBegin is called once before the first epoch.
	OnTrainBegin(m Model) error
	// OnEpochBegin is called before each epoch (epoch counts from 0).
	OnEpochBegin(epoch int) error
	// OnBatchEnd is called after each training step with the running means.
	OnBatchEnd(step int, logs Logs) error
	// OnEpochEnd is called after each epoch, validation included.
	OnEpochEnd(epoch int, logs Logs) error
	// OnTrainEnd is called once when training ends, however it ends.
	OnTrainEnd(logs Logs) error
}

// ErrStopTraining, returned by a callback, stops training cleanly: Fit
// returns the History so far and a nil error (Keras's
// model.stop_training = True).
var ErrStopTraining = errors.New("callbacks: stop training")

// Stateful is a callback whose state a backup keeps (the saving
// package's BackupAndRestore): CallbackState returns it as bytes, and a
// Fit resumed from the backup gives them back with SetCallbackState after
// every callback's OnTrainBegin (which resets the state), so that the
// callback goes on as if training had never stopped. EarlyStopping
// implements it.
type Stateful interface {
	Callback
	// CallbackState returns the state as bytes.
	CallbackState() ([]byte, error)
	// SetCallbackState restores a state CallbackState returned. It must
	// check the bytes, which come from a file, and return an error rather
	// than panic on bytes it did not write.
	SetCallbackState(state []byte) error
}

// BatchBeginner is a callback that also wants Keras's on_train_batch_begin:
// Fit calls OnBatchBegin before each training step (step counts from 0
// within the epoch). It is a separate interface so that callbacks written
// before it still implement Callback.
type BatchBeginner interface {
	// OnBatchBegin is called before each training step.
	OnBatchBegin(step int) error
}

// ParamsSetter is a callback that wants Keras's callback.set_params: Fit
// calls SetParams before OnTrainBegin with the History's params, "verbose",
// "epochs" and, when the number of steps per epoch is known, "steps". A
// callback such as a progress display uses them to tell how far training
// has gone.
type ParamsSetter interface {
	// SetParams receives Fit's params; the map is the callback's to keep.
	SetParams(params map[string]int)
}

// Base implements every Callback method as a no-op; embed it in a callback
// and override the methods you need.
type Base struct{}

// OnTrainBegin implements Callback.
func (Base) OnTrainBegin(Model) error { return nil }

// OnEpochBegin implements Callback.
func (Base) OnEpochBegin(int) error { return nil }

// OnBatchBegin implements BatchBeginner.
func (Base) OnBatchBegin(int) error { return nil }

// OnBatchEnd implements Callback.
func (Base) OnBatchEnd(int, Logs) error { return nil }

// OnEpochEnd implements Callback.
func (Base) OnEpochEnd(int, Logs) error { return nil }

// OnTrainEnd implements Callback.
func (Base) OnTrainEnd(Logs) error { return nil }
