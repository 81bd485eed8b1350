package layers_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/tensor"
)

// TestReLUDenseShowsNaNWeight checks that one NaN weight of a ReLU layer
// makes the outputs that use it NaN, instead of an inactive 0 that would
// give finite predictions downstream.
func TestReLUDenseShowsNaNWeight(t *testing.T) {
	d := &layers.Dense{Units: 3, Activation: activations.ReLU}
	if _, err := d.Build([]int{2}, rand.New(rand.NewPCG(1, 1))); err != nil {
		t.Fatal(err)
	}
	// kernel (2, 3): weight [0][1] is NaN.
	copy(d.Weights()[0].Value.Data(), []float32{1, float32(math.NaN()), -1, 1, 1, 1})
	y := d.Call(tensor.FromSlice([]float32{1, 2, -3, 0.5}, 2, 2), false).Data()
	for i, v := range y {
		if nan := i%3 == 1; nan != (v != v) {
			t.Errorf("output %d (row %d, unit %d) = %v; want NaN exactly for unit 1", i, i/3, i%3, v)
		}
	}
}
