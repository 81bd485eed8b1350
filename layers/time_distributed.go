package layers

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/neuron-go/neuron/tensor"
)

// TimeDistributed applies a layer to every time step of a sequence, as
// Keras's TimeDistributed: examples of shape (steps, …) become steps
// examples of shape (…) for the wrapped layer, with one set of weights
// for all steps, and its outputs are put back as (steps, …out).
type TimeDistributed struct {
	// Layer is applied to each step; it is built for the shape of one
	// step and its weights are the wrapper's.
	Layer Layer

	in, out  []int
	inShape  []int // [N·steps, …], reused by Call
	outShape []int // [N, steps, …out]
}

// ClassName implements Layer.
func (*TimeDistributed) ClassName() string { return "TimeDistributed" }

// Plan implements Planner.
func (l *TimeDistributed) Plan(in []int) ([]int, []WeightShape, error) {
	if isNilLayer(l.Layer) {
		return nil, nil, fmt.Errorf("layers: TimeDistributed: Layer is nil")
	}
	if len(in) < 2 {
		return nil, nil, fmt.Errorf("layers: TimeDistributed: want examples of rank >= 2 (steps, …), got shape %v", in)
	}
	p, ok := l.Layer.(Planner)
	if !ok {
		return nil, nil, fmt.Errorf("layers: TimeDistributed: the wrapped %s must implement Planner", l.Layer.ClassName())
	}
	out, ws, err := p.Plan(in[1:])
	if err != nil {
		return nil, nil, fmt.Errorf("layers: TimeDistributed: %w", err)
	}
	return append([]int{in[0]}, out...), ws, nil
}

// Build implements Layer.
func (l *TimeDistributed) Build(in []int, rng *rand.Rand) ([]int, error) {
	out, _, err := l.Plan(in)
	if err != nil {
		return nil, err
	}
	if _, err := l.Layer.Build(in[1:], rng); err != nil {
		return nil, fmt.Errorf("layers: TimeDistributed: %w", err)
	}
	l.in, l.out = slices.Clone(in), out
	l.inShape = append([]int{0}, in[1:]...)
	l.outShape = append([]int{0}, out...)
	return slices.Clone(out), nil
}

// Call implements Layer.
func (l *TimeDistributed) Call(x *tensor.Tensor, training bool) *tensor.Tensor {
	checkBatch("TimeDistributed", x, l.in)
	n := x.Dim(0)
	l.inShape[0] = n * l.in[0]
	y := l.Layer.Call(x.Reshape(l.inShape...), training)
	l.outShape[0] = n
	return y.Reshape(l.outShape...)
}

// Weights implements Layer: the wrapped layer's.
func (l *TimeDistributed) Weights() []*Weight { return l.Layer.Weights() }

// SeedFrom implements Seeder for a wrapped layer that draws random
// numbers (Dropout).
func (l *TimeDistributed) SeedFrom(rng *rand.Rand) {
	if s, ok := l.Layer.(Seeder); ok {
		s.SeedFrom(rng)
	}
}

// RandomState implements RandomStater.
func (l *TimeDistributed) RandomState() ([]byte, error) {
	if s, ok := l.Layer.(RandomStater); ok {
		return s.RandomState()
	}
	return nil, nil
}

// SetRandomState implements RandomStater.
func (l *TimeDistributed) SetRandomState(state []byte) error {
	if s, ok := l.Layer.(RandomStater); ok {
		return s.SetRandomState(state)
	}
	if len(state) != 0 {
		return fmt.Errorf("layers: TimeDistributed: the wrapped %s has no random state", l.Layer.ClassName())
	}
	return nil
}

// RegularizationLoss implements Regularized.
func (l *TimeDistributed) RegularizationLoss() *tensor.Tensor {
	if r, ok := l.Layer.(Regularized); ok {
		return r.RegularizationLoss()
	}
	return nil
}

// ApplyConstraints implements Constrained.
func (l *TimeDistributed) ApplyConstraints() {
	if c, ok := l.Layer.(Constrained); ok {
		c.ApplyConstraints()
	}
}

// The layer's Keras config (get_config and from_config), registered as a
// custom layer would be.
func init() { Register("TimeDistributed", decodeTimeDistributed) }

type timeDistributedConfig struct {
	Layer json.RawMessage `json:"layer"`
}

// Config implements Configurable: Keras's layer key, the wrapped layer's
// config.
func (l *TimeDistributed) Config() (any, error) {
	if isNilLayer(l.Layer) {
		return nil, fmt.Errorf("Layer is nil")
	}
	b, err := MarshalLayer(l.Layer, DefaultName(l.Layer.ClassName()))
	if err != nil {
		return nil, err
	}
	return timeDistributedConfig{Layer: b}, nil
}

func decodeTimeDistributed(b []byte) (Layer, error) {
	var c timeDistributedConfig
	if err := DecodeConfig(b, &c); err != nil {
		return nil, err
	}
	if len(c.Layer) == 0 || string(c.Layer) == "null" {
		return nil, fmt.Errorf("layer is missing")
	}
	inner, _, err := UnmarshalLayer(c.Layer)
	if err != nil {
		return nil, fmt.Errorf("layer: %w", err)
	}
	return &TimeDistributed{Layer: inner}, nil
}
