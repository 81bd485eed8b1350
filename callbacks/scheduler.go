package callbacks

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
)

// LearningRateScheduler sets the learning rate at the start of every
// epoch to what Schedule returns for the epoch (from 0) and the current
// rate, as Keras's LearningRateScheduler(schedule, verbose). Like Keras it
// puts the rate into the epoch's logs as "learning_rate". A rate that is
// negative, NaN or infinite, or an error from Schedule, ends Fit with an
// error naming the epoch.
//
// It keeps no state of its own: a resumed run gets its rate back from the
// backup, and the schedule sets it again at the next epoch.
type LearningRateScheduler struct {
	Base
	// Schedule maps the epoch (from 0) and the current rate (the
	// optimizer's rate read as float32, as Keras reads its variable) to
	// the epoch's rate. It is required.
	Schedule func(epoch int, lr float64) (float64, error)
	// Verbose 1 prints Keras's message at every epoch.
	Verbose int
	// Log receives the messages when Verbose is 1; the default is
	// os.Stdout.
	Log io.Writer

	model Model
}

// OnTrainBegin implements Callback.
func (s *LearningRateScheduler) OnTrainBegin(m Model) error {
	if s.Schedule == nil {
		return errors.New("callbacks: LearningRateScheduler: Schedule is nil")
	}
	s.model = m
	return nil
}

// OnEpochBegin implements Callback.
func (s *LearningRateScheduler) OnEpochBegin(epoch int) error {
	lr, err := s.Schedule(epoch, float64(float32(s.model.LearningRate())))
	if err != nil {
		return fmt.Errorf("callbacks: LearningRateScheduler: epoch %d: %w", epoch, err)
	}
	if !(lr >= 0) || math.IsInf(lr, 1) {
		return fmt.Errorf("callbacks: LearningRateScheduler: epoch %d: the schedule returned the learning rate %v; want a finite value >= 0", epoch, lr)
	}
	s.model.SetLearningRate(lr)
	if s.Verbose > 0 {
		w := s.Log
		if w == nil {
			w = os.Stdout
		}
		fmt.Fprintf(w, "\nEpoch %d: LearningRateScheduler setting learning rate to %s.\n", epoch+1, PyRepr(lr))
	}
	return nil
}

// OnEpochEnd implements Callback.
func (s *LearningRateScheduler) OnEpochEnd(_ int, logs Logs) error {
	if logs != nil {
		logs["learning_rate"] = float64(float32(s.model.LearningRate()))
	}
	return nil
}

// TerminateOnNaN stops training at the first step whose loss is NaN or
// infinite, as Keras's TerminateOnNaN. Fit already stops there by
// default, with a *models.NonFiniteError; this callback is for a run with
// FitConfig.ContinueOnNaN that should still stop cleanly, as Keras's does.
type TerminateOnNaN struct {
	Base
	// RaiseError makes Fit return an error instead of stopping cleanly
	// (Keras's raise_error).
	RaiseError bool
	// Log receives Keras's message; the default is os.Stdout.
	Log io.Writer
}

// OnBatchEnd implements Callback.
func (t *TerminateOnNaN) OnBatchEnd(step int, logs Logs) error {
	loss, ok := logs["loss"]
	if !ok || !(math.IsNaN(loss) || math.IsInf(loss, 0)) {
		return nil
	}
	if t.RaiseError {
		return fmt.Errorf("callbacks: TerminateOnNaN: NaN or Inf loss encountered at batch %d. Loss value: %s. Terminating training immediately", step, PyRepr(loss))
	}
	w := t.Log
	if w == nil {
		w = os.Stdout
	}
	fmt.Fprintf(w, "Batch %d: Invalid loss, terminating training\n", step)
	return ErrStopTraining
}

// LambdaCallback builds a callback from functions, as Keras's
// LambdaCallback(on_epoch_begin=…, …). Each field is called at the
// matching event when it is not nil; an error it returns acts as one a
// callback method returns (ErrStopTraining stops cleanly).
type LambdaCallback struct {
	// TrainBegin is Keras's on_train_begin.
	TrainBegin func(m Model) error
	// EpochBegin is Keras's on_epoch_begin.
	EpochBegin func(epoch int) error
	// BatchBegin is Keras's on_train_batch_begin.
	BatchBegin func(step int) error
	// BatchEnd is Keras's on_train_batch_end.
	BatchEnd func(step int, logs Logs) error
	// EpochEnd is Keras's on_epoch_end.
	EpochEnd func(epoch int, logs Logs) error
	// TrainEnd is Keras's on_train_end.
	TrainEnd func(logs Logs) error
}

// OnTrainBegin implements Callback.
func (l *LambdaCallback) OnTrainBegin(m Model) error {
	if l.TrainBegin == nil {
		return nil
	}
	return l.TrainBegin(m)
}

// OnEpochBegin implements Callback.
func (l *LambdaCallback) OnEpochBegin(epoch int) error {
	if l.EpochBegin == nil {
		return nil
	}
	return l.EpochBegin(epoch)
}

// OnBatchBegin implements BatchBeginner.
func (l *LambdaCallback) OnBatchBegin(step int) error {
	if l.BatchBegin == nil {
		return nil
	}
	return l.BatchBegin(step)
}

// OnBatchEnd implements Callback.
func (l *LambdaCallback) OnBatchEnd(step int, logs Logs) error {
	if l.BatchEnd == nil {
		return nil
	}
	return l.BatchEnd(step, logs)
}

// OnEpochEnd implements Callback.
func (l *LambdaCallback) OnEpochEnd(epoch int, logs Logs) error {
	if l.EpochEnd == nil {
		return nil
	}
	return l.EpochEnd(epoch, logs)
}

// OnTrainEnd implements Callback.
func (l *LambdaCallback) OnTrainEnd(logs Logs) error {
	if l.TrainEnd == nil {
		return nil
	}
	return l.TrainEnd(logs)
}

var (
	_ Callback      = (*LambdaCallback)(nil)
	_ BatchBeginner = (*LambdaCallback)(nil)
)
