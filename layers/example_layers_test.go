package layers_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/tensor"
)

// A pooling layer on one 2×2 image with one channel.
func ExampleGlobalAveragePooling2D() {
	l := &layers.GlobalAveragePooling2D{}
	out, _ := l.Build([]int{2, 2, 1}, nil)
	y := l.Call(tensor.FromSlice([]float32{1, 2, 3, 6}, 1, 2, 2, 1), false)
	fmt.Println(out, y.Data())
	// Output: [1] [3]
}

// Outside training BatchNormalization uses its moving statistics, which
// start at mean 0 and variance 1: y = x / √(1 + 0.001).
func ExampleBatchNormalization() {
	l := &layers.BatchNormalization{}
	l.Build([]int{2}, nil)
	y := l.Call(tensor.FromSlice([]float32{1, -2}, 1, 2), false)
	fmt.Printf("%.4f\n", y.Data())
	for _, w := range l.Weights() {
		fmt.Println(w.Name, w.Trainable)
	}
	// Output:
	// [0.9995 -1.9990]
	// gamma true
	// beta true
	// moving_mean false
	// moving_variance false
}

// Reshaping layers change the shape of each example.
func ExampleUpSampling2D() {
	for _, l := range []layers.Layer{
		&layers.ZeroPadding2D{},
		&layers.Cropping2D{Cropping: [2][2]int{{1, 1}, {0, 0}}},
		&layers.UpSampling2D{},
		&layers.Permute{Dims: []int{3, 1, 2}},
	} {
		out, _ := l.Build([]int{4, 6, 3}, nil)
		fmt.Println(l.ClassName(), out)
	}
	// Output:
	// ZeroPadding2D [6 8 3]
	// Cropping2D [2 6 3]
	// UpSampling2D [8 12 3]
	// Permute [3 4 6]
}

// A bidirectional LSTM reads the sequence both ways; with ReturnSequences
// each step's output holds the forward and backward states side by side
// (merge_mode "concat"), and TimeDistributed applies one Dense to every
// step.
func ExampleBidirectional() {
	bi := &layers.Bidirectional{Layer: &layers.LSTM{Units: 8, ReturnSequences: true}}
	out, _ := bi.Build([]int{20, 16}, rand.New(rand.NewPCG(1, 1)))
	td := &layers.TimeDistributed{Layer: &layers.Dense{Units: 4}}
	out2, _ := td.Build(out, rand.New(rand.NewPCG(1, 1)))
	fmt.Println(out, out2, len(bi.Weights()), bi.Weights()[0].Name)
	// Output: [20 16] [20 4] 6 forward_lstm/kernel
}
