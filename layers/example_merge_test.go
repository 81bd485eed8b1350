package layers_test

import (
	"fmt"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/tensor"
)

// Concatenate joins a batch of one example of 2 values and one of 1 value
// along the last axis. In a model, models.Apply(l, a, b) does the same on
// two nodes.
func ExampleConcatenate() {
	l := &layers.Concatenate{}
	shapes, _ := l.BuildMulti([][]int{{2}, {1}}, nil)
	outs := make([]*tensor.Tensor, len(shapes))
	l.CallMulti([]*tensor.Tensor{tensor.FromSlice([]float32{1, 2}, 1, 2), tensor.FromSlice([]float32{3}, 1, 1)}, false, outs)
	fmt.Println(shapes, outs[0].Data())
	// Output: [[3]] [1 2 3]
}

// Add sums its inputs; one of a lower rank is broadcast as in Keras.
func ExampleAdd() {
	l := &layers.Add{}
	shapes, _ := l.BuildMulti([][]int{{2, 2}, {2}}, nil)
	outs := make([]*tensor.Tensor, 1)
	l.CallMulti([]*tensor.Tensor{tensor.FromSlice([]float32{1, 2, 3, 4}, 1, 2, 2), tensor.FromSlice([]float32{10, 20}, 1, 2)}, false, outs)
	fmt.Println(shapes, outs[0].Data())
	// Output: [[2 2]] [11 22 13 24]
}
