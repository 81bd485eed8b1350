package layers_test

import (
	"fmt"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/tensor"
)

// The activation layers keep the shape; ReLU takes Keras's max_value,
// negative_slope and threshold.
func ExampleReLU() {
	x := tensor.FromSlice([]float32{-2, 0.5, 1, 8}, 1, 4)
	for _, l := range []layers.Layer{
		&layers.ReLU{MaxValue: 6},
		&layers.ReLU{NegativeSlope: 0.5, Threshold: 1},
		&layers.LeakyReLU{}, // negative_slope 0.3
		&layers.Softmax{},
	} {
		l.Build([]int{4}, nil)
		fmt.Printf("%-9s %.3f\n", l.ClassName(), l.Call(x, false).Data())
	}
	// Output:
	// ReLU      [0.000 0.500 1.000 6.000]
	// ReLU      [-1.500 -0.250 0.000 8.000]
	// LeakyReLU [-0.600 0.500 1.000 8.000]
	// Softmax   [0.000 0.001 0.001 0.998]
}
