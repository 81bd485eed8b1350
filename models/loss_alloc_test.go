package models_test

import (
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/tensor"
)

// TestLossTrainStepDoesNotAllocate checks every built-in loss, by its Keras
// name, in a steady-state training step of a small model: the loss's
// operations and their backward passes allocate nothing either. Losses of
// one output unit train on targets of shape (32, 1), the others on one-hot
// rows of three classes.
func TestLossTrainStepDoesNotAllocate(t *testing.T) {
	for _, tc := range []struct {
		names []string
		units int
		act   activations.Activation
	}{
		{[]string{"mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
			"mean_squared_logarithmic_error", "huber", "log_cosh", "poisson", "hinge",
			"squared_hinge", "binary_crossentropy", "binary_focal_crossentropy"}, 1, activations.Sigmoid},
		{[]string{"categorical_crossentropy", "categorical_focal_crossentropy", "categorical_hinge",
			"kl_divergence", "cosine_similarity"}, 3, activations.Softmax},
	} {
		for _, name := range tc.names {
			t.Run(name, func(t *testing.T) {
				loss, err := losses.Get(name)
				if err != nil {
					t.Fatal(err)
				}
				m := models.NewSequential(
					&layers.Flatten{InputShape: []int{4}},
					&layers.Dense{Units: 8, Activation: activations.ReLU},
					&layers.Dense{Units: tc.units, Activation: tc.act},
				)
				if err := m.Compile(models.CompileConfig{Optimizer: optimizers.NewAdam(), Loss: loss}); err != nil {
					t.Fatal(err)
				}
				arena := tensor.NewArena()
				x := tensor.Zeros(32, 4).InArena(arena)
				y := tensor.Zeros(32, tc.units).InArena(arena)
				for i := range x.Data() {
					x.Data()[i] = float32(i%7) / 7
				}
				for i := range 32 {
					y.Data()[i*tc.units+i%tc.units] = 1
				}
				step := func() { m.TrainStep(x, y); arena.Reset() }
				step()
				if allocs := testing.AllocsPerRun(20, step); allocs != 0 {
					t.Errorf("a training step with %s allocates %v times, want 0", name, allocs)
				}
			})
		}
	}
}
