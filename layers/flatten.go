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

// The layer's Keras config (get_config and from_config), registered as a
// custom layer would be.
func init() { Register("Flatten", decodeFlatten) }

type flattenConfig struct {
	BatchInputShape batchShape `json:"batch_input_shape,omitempty"`
	DataFormat      string     `json:"data_format"`
}

// Config implements Configurable.
func (l *Flatten) Config() (any, error) {
	return flattenConfig{toBatchShape(l.InputShape), "channels_last"}, nil
}

func decodeFlatten(b []byte) (Layer, error) {
	c := flattenConfig{DataFormat: "channels_last"}
	if err := DecodeConfig(b, &c); err != nil {
		return nil, err
	}
	if err := checkDataFormat(c.DataFormat); err != nil {
		return nil, err
	}
	in, err := c.BatchInputShape.perExample("batch_input_shape")
	if err != nil {
		return nil, err
	}
	return &Flatten{InputShape: in}, nil
}

// Plan implements Planner.
func (l *Flatten) Plan(in []int) ([]int, []WeightShape, error) {
	out, err := l.Build(in, nil)
	return out, nil, err
}
