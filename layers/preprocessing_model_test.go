package layers_test

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/saving"
	"github.com/neuron-go/neuron/tensor"
	tt "github.com/neuron-go/neuron/tensor/tensortest"
)

// TestPreprocessingInModel trains a tabular model that starts with an
// adapted Normalization and uses LayerNormalization: the summary counts
// Normalization's mean, variance and count as non-trainable as Keras
// does, Fit leaves them alone, and a saved model loads back to the same
// predictions.
func TestPreprocessingInModel(t *testing.T) {
	x := tt.Rand(3, -50, 150, 64, 3)
	y := tensor.Zeros(64)
	for i := range 64 {
		if x.At(i, 0)+x.At(i, 2) > 100 {
			y.Data()[i] = 1
		}
	}
	norm := &layers.Normalization{}
	if err := norm.Adapt(x); err != nil {
		t.Fatal(err)
	}
	mean := append([]float32(nil), norm.Weights()[0].Value.Data()...)
	m := models.NewSequential(
		&layers.Input{Shape: []int{3}},
		norm,
		&layers.Dense{Units: 8, Activation: activations.ReLU},
		&layers.LayerNormalization{},
		&layers.Rescaling{Scale: 0.5},
		&layers.Dense{Units: 2, Activation: activations.Softmax},
	)
	m.Out = &bytes.Buffer{}
	m.SetSeed(2)
	if err := m.Compile(models.CompileConfig{Optimizer: optimizers.NewAdam(), Loss: losses.SparseCategoricalCrossentropy{}}); err != nil {
		t.Fatal(err)
	}
	var sum bytes.Buffer
	if err := m.SummaryTo(&sum, 0); err != nil {
		t.Fatal(err)
	}
	// Normalization 3+3+1 = 7 (non-trainable), Dense 32, LayerNormalization
	// 16, Dense 18.
	for _, want := range []string{"(Normalization)", "(LayerNormalization)", "(Rescaling)", "Total params: 73", "Trainable params: 66", "Non-trainable params: 7"} {
		if !strings.Contains(sum.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, sum.String())
		}
	}
	if _, err := m.Fit(x, y, models.FitConfig{Epochs: 2, BatchSize: 16, Verbose: models.Silent}); err != nil {
		t.Fatal(err)
	}
	if err := tt.AllClose(m.Layers()[0].Weights()[0].Value.Data(), mean, 0, 0); err != nil {
		t.Errorf("Fit changed the adapted mean: %v", err)
	}
	path := filepath.Join(t.TempDir(), "tab.safetensors")
	if err := saving.Save(m, path); err != nil {
		t.Fatal(err)
	}
	got, err := saving.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	got.Out = &bytes.Buffer{}
	p1, err := m.Predict(x, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	p2, err := got.Predict(x, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	if err := tt.AllClose(p2.Data(), p1.Data(), 0, 0); err != nil {
		t.Errorf("loaded model predicts differently: %v", err)
	}
}
