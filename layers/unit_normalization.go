package layers

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/neuron-go/neuron/tensor"
)

// UnitNormalization scales each example to unit Euclidean norm along Axis
// (the last by default), as Keras's UnitNormalization does with
// keras.ops.normalize:
//
//	y = x / √max(Σ x², 1e-24)
//
// so that a zero vector stays zero. It has no weights.
type UnitNormalization struct {
	// Axis lists the axes of the norm, counting the batch axis as Keras
	// does; nil means {-1}. They must be the last axes of the input.
	Axis []int

	in []int
	k  int
}

// unitNormEpsilon is keras.ops.normalize's epsilon in UnitNormalization.
const unitNormEpsilon = 1e-12

// ClassName implements Layer.
func (*UnitNormalization) ClassName() string { return "UnitNormalization" }

// Plan implements Planner.
func (l *UnitNormalization) Plan(in []int) ([]int, []WeightShape, error) {
	if err := checkOutput("UnitNormalization", "input", in); err != nil {
		return nil, nil, err
	}
	if _, err := trailingAxes("UnitNormalization", l.Axis, in); err != nil {
		return nil, nil, err
	}
	return append([]int(nil), in...), nil, nil
}

// Build implements Layer.
func (l *UnitNormalization) Build(in []int, _ *rand.Rand) ([]int, error) {
	out, _, err := l.Plan(in)
	if err != nil {
		return nil, err
	}
	n, _ := trailingAxes("UnitNormalization", l.Axis, in)
	l.in, l.k = append([]int(nil), in...), prod(in[len(in)-n:])
	return out, nil
}

// Call implements Layer.
func (l *UnitNormalization) Call(x *tensor.Tensor, _ bool) *tensor.Tensor {
	checkBatch("UnitNormalization", x, l.in)
	return tensor.L2Normalize(x, l.k, unitNormEpsilon)
}

// Weights implements Layer.
func (*UnitNormalization) Weights() []*Weight { return nil }

// The layer's Keras config (get_config and from_config), registered as a
// custom layer would be.
func init() { Register("UnitNormalization", decodeUnitNormalization) }

type unitNormalizationConfig struct {
	Axis axisList `json:"axis"`
}

// Config implements Configurable.
func (l *UnitNormalization) Config() (any, error) {
	if err := axisList(l.Axis).check(); err != nil {
		return nil, fmt.Errorf("layers: UnitNormalization: %w", err)
	}
	return unitNormalizationConfig{axisList(slices.Clone(l.Axis))}, nil
}

func decodeUnitNormalization(b []byte) (Layer, error) {
	c := unitNormalizationConfig{Axis: axisList{-1}}
	if err := DecodeConfig(b, &c); err != nil {
		return nil, err
	}
	if err := c.Axis.check(); err != nil {
		return nil, err
	}
	var axis []int
	if !slices.Equal(c.Axis, axisList{-1}) {
		axis = c.Axis
	}
	return &UnitNormalization{Axis: axis}, nil
}
