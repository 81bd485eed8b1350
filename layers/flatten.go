package layers

import (
	"math/rand/v2"

	"github.com/neuron-go/neuron/tensor"
)

// Flatten reshapes each example to a vector, e.g. (28, 28) → (784).
//
// Shapes: (batch, d1, d2, …) → (batch, d1·d2·…).
type Flatten struct {
	// InputShape optionally declares the model's per-example input shape,
	// like Keras's Flatten(input_shape=(28, 28)).
	InputShape []int
}

// ClassName implements Layer.
func (*Flatten) ClassName() string { return "Flatten" }

// ModelInputShape implements InputShaper.
func (l *Flatten) ModelInputShape() []int { return l.InputShape }

// Build implements Layer.
func (l *Flatten) Build(in []int, _ *rand.Rand) ([]int, error) {
	if err := checkOutput("Flatten", "input", in); err != nil {
		return nil, err
	}
	return []int{prod(in)}, nil
}

// Call implements Layer.
func (l *Flatten) Call(x *tensor.Tensor, _ bool) *tensor.Tensor {
	return x.Reshape(x.Dim(0), -1)
}

// Weights implements Layer.
func (*Flatten) Weights() []*Weight { return nil }
