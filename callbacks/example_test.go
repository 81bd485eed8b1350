package callbacks_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/callbacks"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/tensor"
)

// line fits y = 2x with one Dense unit; its loss falls, then levels off.
func line() (*models.Sequential, *tensor.Tensor, *tensor.Tensor) {
	x, y := tensor.Zeros(64, 1), tensor.Zeros(64, 1)
	for i := range 64 {
		x.Data()[i] = float32(i)/32 - 1
		y.Data()[i] = 2 * x.Data()[i]
	}
	m := models.NewSequential(&layers.Dense{Units: 1, InputShape: []int{1}})
	if err := m.Compile(models.CompileConfig{Optimizer: optimizers.NewSGD(), Loss: losses.MeanSquaredError{}}); err != nil {
		panic(err)
	}
	return m, x, y
}

// ReduceLROnPlateau, a LearningRateScheduler, a CSVLogger and a
// LambdaCallback in one run, as Keras's callbacks=[…].
func Example() {
	model, x, y := line()
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	batches := 0
	cbs := []callbacks.Callback{
		// Halve the rate at the second epoch (epochs count from 0).
		&callbacks.LearningRateScheduler{Schedule: func(epoch int, lr float64) (float64, error) {
			if epoch == 1 {
				return lr / 2, nil
			}
			return lr, nil
		}},
		// MinDelta 10: no epoch counts as an improvement, so the rate is
		// divided by 10 after every second epoch.
		&callbacks.ReduceLROnPlateau{Monitor: "loss", Patience: 2, MinDelta: 10, Verbose: 1, Log: os.Stdout},
		&callbacks.CSVLogger{Filename: filepath.Join(dir, "log.csv")},
		&callbacks.LambdaCallback{BatchBegin: func(int) error { batches++; return nil }},
	}
	if _, err := model.Fit(x, y, models.FitConfig{Epochs: 4, BatchSize: 16, Verbose: models.Silent, Callbacks: cbs}); err != nil {
		fmt.Println(err)
	}
	fmt.Printf("%d batches, rate %.6g\n", batches, model.LearningRate())
	csv, _ := os.ReadFile(filepath.Join(dir, "log.csv"))
	fmt.Printf("%.40q\n", csv)
	// Output:
	// Epoch 3: ReduceLROnPlateau reducing learning rate to 0.0004999999888241291.
	// 16 batches, rate 0.0005
	// "epoch,learning_rate,loss,val_learning_ra"
}

// TestFitCallsBatchBegin checks the order of the events in Fit, and that
// ErrStopTraining from OnBatchBegin stops after that step, as Keras
// checks stop_training after the batch ends.
func TestFitCallsBatchBegin(t *testing.T) {
	model, x, y := line()
	var events []string
	l := &callbacks.LambdaCallback{
		BatchBegin: func(s int) error {
			events = append(events, fmt.Sprint("b", s))
			if s == 2 {
				return callbacks.ErrStopTraining
			}
			return nil
		},
		BatchEnd: func(s int, _ callbacks.Logs) error { events = append(events, fmt.Sprint("e", s)); return nil },
		EpochEnd: func(int, callbacks.Logs) error { events = append(events, "epoch"); return nil },
	}
	if _, err := model.Fit(x, y, models.FitConfig{Epochs: 3, BatchSize: 16, Verbose: models.Silent, Callbacks: []callbacks.Callback{l}}); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(events); got != "[b0 e0 b1 e1 b2 e2 epoch]" {
		t.Errorf("events %s", got)
	}
}

// Logs for TensorBoard, as Keras's TensorBoard(log_dir="logs",
// histogram_freq=1): logs/train and logs/validation get an event file
// each; "tensorboard --logdir logs" shows the curves and histograms.
func ExampleTensorBoard() {
	dir, err := os.MkdirTemp("", "logs")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	x, y := tensor.Zeros(64, 4), tensor.Zeros(64, 1)
	for i := range 64 {
		x.Data()[i*4+i%4] = 1
		y.Data()[i] = float32(i % 2)
	}
	model := models.NewSequential(&layers.Dense{Units: 1, Activation: activations.Sigmoid, InputShape: []int{4}})
	if err := model.Compile(models.CompileConfig{Loss: losses.BinaryCrossentropy{}}); err != nil {
		panic(err)
	}
	tb := &callbacks.TensorBoard{LogDir: dir, HistogramFreq: 1}
	if _, err := model.Fit(x, y, models.FitConfig{Epochs: 2, ValidationSplit: 0.25, Verbose: models.Silent, Callbacks: []callbacks.Callback{tb}}); err != nil {
		panic(err)
	}
	for _, sub := range []string{"train", "validation"} {
		files, _ := filepath.Glob(filepath.Join(dir, sub, "events.out.tfevents.*.v2"))
		fmt.Println(sub, len(files), "event file")
	}
	// Output:
	// train 1 event file
	// validation 1 event file
}
