package layers_test

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/callbacks"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/saving"
	"github.com/neuron-go/neuron/tensor"
	tt "github.com/neuron-go/neuron/tensor/tensortest"
)

func augmentedCNN(t *testing.T) *models.Sequential {
	m := models.NewSequential(
		&layers.Input{Shape: []int{10, 10, 1}},
		&layers.RandomFlip{Mode: "horizontal"},
		&layers.RandomTranslation{HeightFactor: layers.Factor{0.1}, WidthFactor: layers.Factor{0.1}},
		&layers.RandomRotation{Factor: layers.Factor{0.05}},
		&layers.RandomZoom{HeightFactor: layers.Factor{0.1}},
		&layers.RandomContrast{Factor: layers.Factor{0.2}, ValueRange: [2]float32{0, 1}},
		&layers.Conv2D{Filters: 4, KernelSize: [2]int{3, 3}, Activation: activations.ReLU},
		&layers.GroupNormalization{Groups: 2},
		&layers.Flatten{},
		&layers.Dense{Units: 3, Activation: activations.Softmax},
	)
	m.Out = &bytes.Buffer{}
	m.SetSeed(7)
	if err := m.Compile(models.CompileConfig{Optimizer: optimizers.NewAdam(), Loss: losses.SparseCategoricalCrossentropy{}}); err != nil {
		t.Fatal(err)
	}
	return m
}

type stopAfter struct {
	callbacks.Base
	after, steps int
}

var errStopped = errors.New("stopped")

func (c *stopAfter) OnBatchEnd(int, callbacks.Logs) error {
	if c.steps++; c.steps == c.after {
		return errStopped
	}
	return nil
}

// TestAugmentationResumesExactly trains a CNN with every augmentation
// layer, interrupts it mid-epoch, resumes from the backup and checks that
// the weights equal those of an uninterrupted run: the layers' random
// streams are part of the checkpoint. Prediction does not augment.
func TestAugmentationResumesExactly(t *testing.T) {
	x := tt.Rand(4, 0, 1, 40, 10, 10, 1)
	y := tensor.Zeros(40)
	for i := range 40 {
		y.Data()[i] = float32(i % 3)
	}
	fit := func(cbs ...callbacks.Callback) models.FitConfig {
		return models.FitConfig{Epochs: 2, BatchSize: 8, Verbose: models.Silent, Callbacks: cbs}
	}
	ref := augmentedCNN(t)
	if _, err := ref.Fit(x, y, fit()); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	m := augmentedCNN(t)
	if _, err := m.Fit(x, y, fit(&saving.BackupAndRestore{Dir: dir, SaveEvery: 1}, &stopAfter{after: 7})); !errors.Is(err, errStopped) {
		t.Fatalf("interrupted run: %v", err)
	}
	m = augmentedCNN(t)
	if _, err := m.Fit(x, y, fit(&saving.BackupAndRestore{Dir: dir, SaveEvery: 1})); err != nil {
		t.Fatal(err)
	}
	for i, l := range ref.Layers() {
		for j, w := range l.Weights() {
			if got := m.Layers()[i].Weights()[j].Value.Data(); !reflect.DeepEqual(got, w.Value.Data()) {
				t.Errorf("%s %s differs from the uninterrupted run", l.ClassName(), w.Name)
			}
		}
	}
	p1, err := ref.Predict(x, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	p2, err := ref.Predict(x, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p1.Data(), p2.Data()) {
		t.Error("Predict is not deterministic: augmentation ran outside training")
	}
}
