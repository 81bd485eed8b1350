package layers

import (
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/neuron-go/neuron/tensor"
)

// Reshape gives each example a new shape with the same number of values,
// e.g. (28, 28) → (28, 28, 1) to feed grayscale images to a Conv2D layer.
// One dimension of TargetShape may be -1: it is then inferred from the
// others. The batch axis is not part of TargetShape.
//
// Shapes: (batch, d1, d2, …) → (batch, TargetShape…).
type Reshape struct {
	// TargetShape is the per-example output shape; its dimensions must be
	// positive, except one that may be -1.
	TargetShape []int
	// InputShape optionally declares the model's per-example input shape.
	InputShape []int

	out []int // TargetShape with the -1 resolved
}

// ClassName implements Layer.
func (*Reshape) ClassName() string { return "Reshape" }

// ModelInputShape implements InputShaper.
func (l *Reshape) ModelInputShape() []int { return l.InputShape }

// Build implements Layer.
func (l *Reshape) Build(in []int, _ *rand.Rand) ([]int, error) {
	if len(l.TargetShape) == 0 {
		return nil, fmt.Errorf("layers: Reshape: TargetShape is empty")
	}
	out := append([]int(nil), l.TargetShape...)
	infer, known := -1, 1
	for i, d := range out {
		switch {
		case d == -1 && infer < 0:
			infer = i
		case d == -1:
			return nil, fmt.Errorf("layers: Reshape: TargetShape %v has more than one -1", l.TargetShape)
		case d <= 0:
			return nil, fmt.Errorf("layers: Reshape: TargetShape %v must have positive dimensions (or one -1)", l.TargetShape)
		case known > MaxElements/d:
			// The product would overflow; no input has that many values.
			return nil, fmt.Errorf("layers: Reshape: TargetShape %v holds more than the %d values an example may hold", l.TargetShape, MaxElements)
		default:
			known *= d
		}
	}
	if err := checkOutput("Reshape", "input", in); err != nil {
		return nil, err
	}
	total := prod(in)
	if infer >= 0 {
		if total%known != 0 {
			return nil, fmt.Errorf("layers: Reshape: cannot reshape examples of shape %v (%d values) to %v: %d is not a multiple of %d", in, total, l.TargetShape, total, known)
		}
		out[infer] = total / known
	} else if known != total {
		return nil, fmt.Errorf("layers: Reshape: cannot reshape examples of shape %v (%d values) to %v (%d values)", in, total, l.TargetShape, known)
	}
	l.out = out
	return append([]int(nil), out...), nil
}

// Call implements Layer. The result shares x's storage.
func (l *Reshape) Call(x *tensor.Tensor, _ bool) *tensor.Tensor {
	return x.Reshape(append([]int{x.Dim(0)}, l.out...)...)
}

// Weights implements Layer.
func (*Reshape) Weights() []*Weight { return nil }

// The layer's Keras config (get_config and from_config), registered as a
// custom layer would be.
func init() { Register("Reshape", decodeReshape) }

type reshapeConfig struct {
	BatchInputShape batchShape `json:"batch_input_shape,omitempty"`
	TargetShape     []int      `json:"target_shape"`
}

// Config implements Configurable.
func (l *Reshape) Config() (any, error) {
	return reshapeConfig{toBatchShape(l.InputShape), l.TargetShape}, nil
}

func decodeReshape(b []byte) (Layer, error) {
	var c reshapeConfig
	if err := DecodeConfig(b, &c); err != nil {
		return nil, err
	}
	if len(c.TargetShape) == 0 {
		return nil, errors.New("target_shape is missing or empty")
	}
	in, err := c.BatchInputShape.perExample("batch_input_shape")
	if err != nil {
		return nil, err
	}
	return &Reshape{TargetShape: c.TargetShape, InputShape: in}, nil
}

// Plan implements Planner.
func (l *Reshape) Plan(in []int) ([]int, []WeightShape, error) {
	c := *l
	out, err := c.Build(in, nil)
	return out, nil, err
}
