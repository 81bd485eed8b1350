package models_test

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/constraints"
	"github.com/neuron-go/neuron/initializers"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/saving"
)

// TestActivationLayersSummary checks the activation layers' default names,
// which Keras 3 derives with utils.naming.to_snake_case ("ReLU" →
// "re_lu", "PReLU" → "p_re_lu"), and PReLU's parameter count.
func TestActivationLayersSummary(t *testing.T) {
	m := models.NewSequential(
		&layers.Input{Shape: []int{4, 3}},
		&layers.Activation{Activation: activations.GELU},
		&layers.ReLU{},
		&layers.LeakyReLU{},
		&layers.PReLU{SharedAxes: []int{1}},
		&layers.ELU{},
		&layers.Softmax{},
		&layers.ReLU{},
	)
	var buf bytes.Buffer
	if err := m.SummaryTo(&buf, 0); err != nil {
		t.Fatal(err)
	}
	s := buf.String()
	for _, want := range []string{"activation (Activation)", "re_lu (ReLU)", "leaky_re_lu (LeakyReLU)",
		"p_re_lu (PReLU)", "elu (ELU)", "softmax (Softmax)", "re_lu_1 (ReLU)", "Total params: 3 "} {
		if !strings.Contains(s, want) {
			t.Errorf("summary lacks %q:\n%s", want, s)
		}
	}
}

// TestActivationLayersSaveLoad fits a model with every activation layer,
// PReLU's alpha constrained to be non-negative and the kernels with the
// new initializers, saves it and checks the loaded model predicts the same
// bits.
func TestActivationLayersSaveLoad(t *testing.T) {
	m := models.NewSequential(
		&layers.Input{Shape: []int{28, 28}},
		&layers.Flatten{},
		&layers.Dense{Units: 16, KernelInitializer: initializers.Orthogonal{Gain: 1.5}, KernelConstraint: constraints.MaxNorm{}},
		&layers.PReLU{AlphaInitializer: initializers.Constant{Value: 0.25}, AlphaConstraint: constraints.NonNeg{}},
		&layers.Dense{Units: 16, KernelInitializer: initializers.VarianceScaling{Scale: 2, Mode: "fan_avg", Distribution: "uniform"}},
		&layers.ReLU{MaxValue: 6, NegativeSlope: 0.1, Threshold: 0.5},
		&layers.Dense{Units: 16, KernelInitializer: initializers.LecunNormal{}},
		&layers.LeakyReLU{},
		&layers.Dense{Units: 16, KernelInitializer: initializers.TruncatedNormal{Stddev: 0.1}},
		&layers.ELU{Alpha: 0.5},
		&layers.Activation{Activation: activations.Mish},
		&layers.Dense{Units: 10},
		&layers.Softmax{},
	)
	compileAdam(t, m, optimizers.NewAdam())
	x, y := images(5, 64, false)
	if _, err := m.Fit(x, y, models.FitConfig{Epochs: 2, BatchSize: 16, Verbose: models.Silent}); err != nil {
		t.Fatal(err)
	}
	for _, a := range m.Layers()[2].Weights()[0].Value.Data() {
		if a < 0 {
			t.Fatalf("PReLU alpha %v < 0 under NonNeg", a)
		}
	}
	path := filepath.Join(t.TempDir(), "act.safetensors")
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
	if i := sameBits(p1.Data(), p2.Data()); i >= 0 {
		t.Errorf("loaded model: prediction %d differs", i)
	}
	if c := got.Layers()[2].(*layers.PReLU).AlphaConstraint; c == nil {
		t.Error("PReLU's alpha_constraint was not loaded")
	}
}
