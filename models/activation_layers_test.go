package models_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/models"
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
