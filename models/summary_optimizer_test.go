package models_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
)

// TestSummaryOptimizerParams: as in Keras, the summary counts the
// optimizer's variables once the optimizer is built by a training step
// (the iteration count, the learning rate, Adam's momentum and velocity
// for each of the 7,850 weights of Dense(10) on 784 inputs: 15,702), and
// not before.
func TestSummaryOptimizerParams(t *testing.T) {
	x, y := images(4, 8, false)
	d := models.NewSequential(&layers.Flatten{InputShape: []int{28, 28}}, &layers.Dense{Units: 10, Activation: activations.Softmax})
	d.Out = &bytes.Buffer{}
	compileAdam(t, d, optimizers.NewAdam())
	var before bytes.Buffer
	if err := d.SummaryTo(&before, 0); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(before.String(), "Optimizer params") {
		t.Errorf("an optimizer that has not stepped is counted:\n%s", before.String())
	}
	if _, err := d.Fit(x, y, models.FitConfig{Epochs: 1, BatchSize: 8, Verbose: models.Silent}); err != nil {
		t.Fatal(err)
	}
	var after bytes.Buffer
	if err := d.SummaryTo(&after, 0); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Total params: 23,552 ", "Trainable params: 7,850 ", "Optimizer params: 15,702 "} {
		if !strings.Contains(after.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, after.String())
		}
	}
}
