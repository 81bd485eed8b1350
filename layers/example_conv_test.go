package layers_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/neuron-go/neuron/initializers"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/tensor"
)

// A causal Conv1D sees no step after the one it computes: with a kernel
// of ones of 2 taps, output t is x[t−1] + x[t], and with DilationRate 2 it
// is x[t−2] + x[t] (zeros before the sequence).
func ExampleConv1D() {
	x := tensor.FromSlice([]float32{1, 2, 3, 4, 5}, 1, 5, 1)
	for _, d := range []int{1, 2} {
		l := &layers.Conv1D{Filters: 1, KernelSize: 2, Padding: "causal", DilationRate: d,
			KernelInitializer: initializers.Ones{}}
		out, _ := l.Build([]int{5, 1}, nil)
		fmt.Println(out, l.Call(x, false).Data())
	}
	// Output:
	// [5 1] [1 3 5 7 9]
	// [5 1] [1 2 4 6 8]
}

// Groups splits the channels: each of the 4 groups of filters sees 2 of the
// 8 input channels, so the kernel is a quarter of a plain Conv2D's. A
// dilated kernel spans more of the image with the same weights.
func ExampleConv2D_groups() {
	rng := rand.New(rand.NewPCG(1, 1))
	grouped := &layers.Conv2D{Filters: 16, KernelSize: [2]int{3, 3}, Groups: 4, Padding: "same"}
	out, _ := grouped.Build([]int{10, 10, 8}, rng)
	fmt.Println(out, grouped.Weights()[0].Value.Shape())
	dilated := &layers.Conv2D{Filters: 16, KernelSize: [2]int{3, 3}, DilationRate: [2]int{2, 2}}
	out, _ = dilated.Build([]int{10, 10, 8}, rng)
	fmt.Println(out, dilated.Weights()[0].Value.Shape())
	// Output:
	// [10 10 16] [3 3 2 16]
	// [6 6 16] [3 3 8 16]
}

// DepthwiseConv2D filters each channel on its own; SeparableConv2D follows
// that with a 1×1 convolution mixing the channels, with far fewer weights
// than a Conv2D.
func ExampleSeparableConv2D() {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, l := range []layers.Layer{
		&layers.DepthwiseConv2D{KernelSize: [2]int{3, 3}, DepthMultiplier: 2},
		&layers.SeparableConv2D{Filters: 32, KernelSize: [2]int{3, 3}},
		&layers.Conv2D{Filters: 32, KernelSize: [2]int{3, 3}},
	} {
		out, _ := l.Build([]int{12, 12, 16}, rng)
		fmt.Print(l.ClassName(), " ", out)
		for _, w := range l.Weights() {
			fmt.Print(" ", w.Name, w.Value.Shape())
		}
		fmt.Println()
	}
	// Output:
	// DepthwiseConv2D [10 10 32] kernel[3 3 16 2] bias[32]
	// SeparableConv2D [10 10 32] depthwise_kernel[3 3 16 1] pointwise_kernel[1 1 16 32] bias[32]
	// Conv2D [10 10 32] kernel[3 3 16 32] bias[32]
}

// Conv2DTranspose upsamples: with strides 2 and a 2×2 kernel of ones, each
// input pixel becomes a 2×2 block of the output.
func ExampleConv2DTranspose() {
	l := &layers.Conv2DTranspose{Filters: 1, KernelSize: [2]int{2, 2}, Strides: [2]int{2, 2},
		KernelInitializer: initializers.Ones{}}
	out, _ := l.Build([]int{2, 2, 1}, nil)
	y := l.Call(tensor.FromSlice([]float32{1, 2, 3, 4}, 1, 2, 2, 1), false)
	fmt.Println(out)
	for i := range 4 {
		fmt.Println(y.Data()[i*4 : i*4+4])
	}
	// Output:
	// [4 4 1]
	// [1 1 2 2]
	// [1 1 2 2]
	// [3 3 4 4]
	// [3 3 4 4]
}
