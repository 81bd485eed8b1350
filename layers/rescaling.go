package layers

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/neuron-go/neuron/tensor"
)

// Rescaling multiplies its input by Scale and adds Offset, as Keras's
// Rescaling does: y = x·Scale + Offset. Rescaling{Scale: 1.0 / 255} maps
// pixels to [0, 1]; Rescaling{Scale: 1.0 / 127.5, Offset: -1} to [-1, 1].
// It works the same in training and inference, and has no weights.
type Rescaling struct {
	// Scale multiplies the input. Keras's scale has no default: it must be
	// set (and finite).
	Scale float32
	// Offset is added after scaling; the zero value is Keras's 0.
	Offset float32
}

// ClassName implements Layer.
func (*Rescaling) ClassName() string { return "Rescaling" }

func (l *Rescaling) check() error {
	if l.Scale == 0 {
		return fmt.Errorf("layers: Rescaling: Scale is 0; it has no default and must be set (e.g. 1.0/255)")
	}
	if math.IsNaN(float64(l.Scale)) || math.IsInf(float64(l.Scale), 0) {
		return fmt.Errorf("layers: Rescaling: Scale must be finite, got %v", l.Scale)
	}
	if math.IsNaN(float64(l.Offset)) || math.IsInf(float64(l.Offset), 0) {
		return fmt.Errorf("layers: Rescaling: Offset must be finite, got %v", l.Offset)
	}
	return nil
}

// Plan implements Planner.
func (l *Rescaling) Plan(in []int) ([]int, []WeightShape, error) {
	if err := l.check(); err != nil {
		return nil, nil, err
	}
	if err := checkOutput("Rescaling", "input", in); err != nil {
		return nil, nil, err
	}
	return append([]int(nil), in...), nil, nil
}

// Build implements Layer.
func (l *Rescaling) Build(in []int, _ *rand.Rand) ([]int, error) {
	out, _, err := l.Plan(in)
	return out, err
}

// Call implements Layer. The gradient flows through to x.
func (l *Rescaling) Call(x *tensor.Tensor, _ bool) *tensor.Tensor {
	return tensor.ScaleShift(x, l.Scale, l.Offset)
}

// Weights implements Layer.
func (*Rescaling) Weights() []*Weight { return nil }

// The layer's Keras config (get_config and from_config), registered as a
// custom layer would be.
func init() { Register("Rescaling", decodeRescaling) }

type rescalingConfig struct {
	Scale  *float32 `json:"scale"`
	Offset float32  `json:"offset"`
}

// Config implements Configurable.
func (l *Rescaling) Config() (any, error) {
	if err := l.check(); err != nil {
		return nil, err
	}
	s := l.Scale
	return rescalingConfig{&s, l.Offset}, nil
}

func decodeRescaling(b []byte) (Layer, error) {
	var c rescalingConfig
	if err := DecodeConfig(b, &c); err != nil {
		return nil, fmt.Errorf("%w (only a number is supported for scale and offset, not a list per channel)", err)
	}
	if c.Scale == nil {
		return nil, fmt.Errorf("scale is missing")
	}
	finite := func(v float32) bool { return !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0) }
	switch {
	case *c.Scale == 0 || !finite(*c.Scale):
		return nil, fmt.Errorf("scale must be finite and not 0, got %v", *c.Scale)
	case !finite(c.Offset):
		return nil, fmt.Errorf("offset must be finite, got %v", c.Offset)
	}
	return &Rescaling{Scale: *c.Scale, Offset: c.Offset}, nil
}
