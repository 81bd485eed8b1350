package layers_test

import (
	"fmt"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/tensor"
)

// LayerNormalization normalizes each example over its features;
// GroupNormalization each group of channels of an image; UnitNormalization
// scales each example to norm 1.
func ExampleLayerNormalization() {
	x := tensor.FromSlice([]float32{1, 2, 3, 4, 3, 4}, 1, 1, 2, 3)
	for _, l := range []layers.Layer{
		&layers.LayerNormalization{},
		&layers.GroupNormalization{Groups: 1},
		&layers.UnitNormalization{},
	} {
		l.Build([]int{1, 2, 3}, nil)
		fmt.Printf("%s %.3f\n", l.ClassName(), l.Call(x, false).Data())
	}
	// Output:
	// LayerNormalization [-1.224 0.000 1.224 0.706 -1.411 0.706]
	// GroupNormalization [-1.717 -0.781 0.156 1.093 0.156 1.093]
	// UnitNormalization [0.267 0.535 0.802 0.625 0.469 0.625]
}

// Normalization learns each feature's mean and variance from data with
// Adapt; Rescaling maps pixels from [0, 255] to [0, 1].
func ExampleNormalization() {
	norm := &layers.Normalization{}
	norm.Adapt(tensor.FromSlice([]float32{1, 10, 3, 30}, 2, 2))
	norm.Build([]int{2}, nil)
	fmt.Println(norm.Call(tensor.FromSlice([]float32{2, 20, 4, 40}, 2, 2), false).Data())
	for _, w := range norm.Weights() {
		fmt.Println(w.Name, w.Value.Data())
	}
	r := &layers.Rescaling{Scale: 1.0 / 255}
	r.Build([]int{2}, nil)
	fmt.Println(r.Call(tensor.FromSlice([]float32{0, 255}, 1, 2), false).Data())
	// Output:
	// [0 0 2 2]
	// mean [2 20]
	// variance [1 100]
	// count [0]
	// [0 1]
}

// CategoryEncoding turns ids into vectors; Discretization buckets values.
func ExampleCategoryEncoding() {
	c := &layers.CategoryEncoding{NumTokens: 4, OutputMode: "one_hot"}
	c.Build([]int{1}, nil)
	fmt.Println(c.Call(tensor.FromSlice([]float32{3, 0}, 2, 1), false).Data())
	d := &layers.Discretization{BinBoundaries: []float32{0, 1, 2}}
	d.Build([]int{4}, nil)
	fmt.Println(d.Call(tensor.FromSlice([]float32{-1.5, 0, 1.5, 9}, 1, 4), false).Data())
	// Output:
	// [0 0 0 1 1 0 0 0]
	// [0 1 2 3]
}

// The augmentation layers change images only in training, with draws from
// the layer's seed (or, in a model, the model's). A range of one value
// makes the draw known: this rotation is a quarter turn counter-clockwise.
func ExampleRandomRotation() {
	l := &layers.RandomRotation{Factor: layers.Factor{0.25, 0.25}, Seed: 1}
	l.Build([]int{2, 2, 1}, nil)
	x := tensor.FromSlice([]float32{1, 2, 3, 4}, 1, 2, 2, 1)
	fmt.Printf("%.0f\n", l.Call(x, true).Data())
	fmt.Println(l.Call(x, false).Data())
	// Output:
	// [2 4 1 3]
	// [1 2 3 4]
}
