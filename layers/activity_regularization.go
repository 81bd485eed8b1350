package layers

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/neuron-go/neuron/tensor"
)

// ActivityRegularization passes its input through and, while training,
// adds L1·Σ|x| + L2·Σx² over the batch, divided by the batch size, to the
// training loss, as Keras 3 adds a layer's activity regularization loss.
// It has no weights.
type ActivityRegularization struct {
	// L1 and L2 are the factors, >= 0 (Keras's defaults are 0).
	L1, L2 float32

	penalty *tensor.Tensor // this step's loss, until the model takes it
}

// ClassName implements Layer.
func (*ActivityRegularization) ClassName() string { return "ActivityRegularization" }

func (l *ActivityRegularization) check() error {
	for _, f := range []float32{l.L1, l.L2} {
		if !(f >= 0) || math.IsInf(float64(f), 1) {
			return fmt.Errorf("layers: ActivityRegularization: L1 and L2 must be >= 0 and finite, got %v and %v", l.L1, l.L2)
		}
	}
	return nil
}

// Build implements Layer.
func (l *ActivityRegularization) Build(in []int, _ *rand.Rand) ([]int, error) {
	if err := l.check(); err != nil {
		return nil, err
	}
	l.penalty = nil
	return append([]int(nil), in...), nil
}

// Call implements Layer. In training it records the penalty of x, which
// the model adds to the loss through RegularizationLoss.
func (l *ActivityRegularization) Call(x *tensor.Tensor, training bool) *tensor.Tensor {
	if !training || (l.L1 == 0 && l.L2 == 0) {
		return x
	}
	p := L1L2{L1: l.L1, L2: l.L2}.Penalty(x)
	if n := x.Dim(0); n > 0 {
		p = p.DivScalar(float32(n))
	}
	if l.penalty == nil {
		l.penalty = p
	} else {
		l.penalty = l.penalty.Add(p) // applied more than once in a graph
	}
	return x
}

// RegularizationLoss implements Regularized: the penalties recorded since
// the last call, which it forgets.
func (l *ActivityRegularization) RegularizationLoss() *tensor.Tensor {
	p := l.penalty
	l.penalty = nil
	return p
}

// Weights implements Layer.
func (*ActivityRegularization) Weights() []*Weight { return nil }

// Plan implements Planner.
func (l *ActivityRegularization) Plan(in []int) ([]int, []WeightShape, error) {
	c := *l
	out, err := c.Build(in, nil)
	return out, nil, err
}

// The layer's Keras config (get_config and from_config), registered as a
// custom layer would be.
func init() {
	Register("ActivityRegularization", func(b []byte) (Layer, error) {
		var c activityRegularizationConfig
		if err := DecodeConfig(b, &c); err != nil {
			return nil, err
		}
		l := &ActivityRegularization{L1: c.L1, L2: c.L2}
		if err := l.check(); err != nil {
			return nil, fmt.Errorf("l1, l2: must be >= 0 and finite, got %v and %v", c.L1, c.L2)
		}
		return l, nil
	})
}

type activityRegularizationConfig struct {
	L1 float32 `json:"l1"`
	L2 float32 `json:"l2"`
}

// Config implements Configurable.
func (l *ActivityRegularization) Config() (any, error) {
	if err := l.check(); err != nil {
		return nil, err
	}
	return activityRegularizationConfig{l.L1, l.L2}, nil
}
