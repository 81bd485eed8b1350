package layers

import (
	"encoding/json"
	"fmt"

	"github.com/neuron-go/neuron/constraints"
	"github.com/neuron-go/neuron/internal/strictjson"
)

// Constrained is implemented by layers whose weights carry constraints
// (Dense's and Conv2D's KernelConstraint and BiasConstraint, PReLU's
// AlphaConstraint). Fit calls ApplyConstraints after each optimizer update,
// as Keras applies a variable's constraint after its update.
type Constrained interface {
	ApplyConstraints()
}

// applyConstraint applies c, if any, to w in place.
func applyConstraint(c constraints.Constraint, w *Weight) {
	if c != nil && w != nil {
		c.Apply(w.Value.Data(), w.Value.Shape())
	}
}

// checkConstraint returns an error naming the layer and the field if c
// does not fit a weight of shape.
func checkConstraint(layer, field string, c constraints.Constraint, shape []int) error {
	if c == nil {
		return nil
	}
	if err := c.Check(shape); err != nil {
		return fmt.Errorf("layers: %s: %s: %w", layer, field, err)
	}
	return nil
}

// Constraint configs, with Keras's keys; axis is an integer or a list of
// them (Conv2D's [0, 1, 2]).
type (
	maxNormConfig struct {
		MaxValue float64  `json:"max_value"`
		Axis     axisList `json:"axis"`
	}
	unitNormConfig struct {
		Axis axisList `json:"axis"`
	}
	minMaxNormConfig struct {
		MinValue float64  `json:"min_value"`
		MaxValue float64  `json:"max_value"`
		Rate     float64  `json:"rate"`
		Axis     axisList `json:"axis"`
	}
)

func axisOrZero(a []int) axisList {
	if a == nil {
		return axisList{0}
	}
	return a
}

// encodeConstraint returns the saved form of a constraint, nil for none.
func encodeConstraint(key string, c constraints.Constraint) (*object, error) {
	var cfg any
	switch v := c.(type) {
	case nil:
		return nil, nil
	case constraints.MaxNorm:
		m := v.MaxValue
		if m == 0 {
			m = 2
		}
		cfg = maxNormConfig{m, axisOrZero(v.Axis)}
	case constraints.UnitNorm:
		cfg = unitNormConfig{axisOrZero(v.Axis)}
	case constraints.MinMaxNorm:
		lo, hi, rate := v.Settings()
		cfg = minMaxNormConfig{lo, hi, rate, axisOrZero(v.Axis)}
	case constraints.NonNeg:
		cfg = emptyConfig{}
	default:
		return nil, fmt.Errorf("%s: constraint %T cannot be saved (only the constraints package's can)", key, c)
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	return &object{ClassName: c.ClassName(), Config: b}, nil
}

// decodeConstraint builds a constraint from its saved form (Keras's class
// names, or their snake_case aliases); nil gives nil.
func decodeConstraint(key string, o *object) (constraints.Constraint, error) {
	if o == nil {
		return nil, nil
	}
	cfg := o.Config
	if cfg == nil {
		cfg = []byte("{}")
	}
	var c constraints.Constraint
	var err error
	switch o.ClassName {
	case "MaxNorm", "max_norm":
		v := maxNormConfig{MaxValue: 2, Axis: axisList{0}}
		err = strictjson.Decode(cfg, &v)
		if err == nil && !(v.MaxValue > 0) {
			err = fmt.Errorf("max_value must be positive, got %v", v.MaxValue)
		}
		c = constraints.MaxNorm{MaxValue: v.MaxValue, Axis: v.Axis}
	case "UnitNorm", "unit_norm":
		v := unitNormConfig{Axis: axisList{0}}
		err = strictjson.Decode(cfg, &v)
		c = constraints.UnitNorm{Axis: v.Axis}
	case "MinMaxNorm", "min_max_norm":
		v := minMaxNormConfig{MinValue: 0, MaxValue: 1, Rate: 1, Axis: axisList{0}}
		err = strictjson.Decode(cfg, &v)
		if err == nil && (v.MaxValue == 0 || v.Rate == 0) {
			err = fmt.Errorf("max_value and rate must not be 0, got max_value %v, rate %v", v.MaxValue, v.Rate)
		}
		c = constraints.MinMaxNorm{MinValue: v.MinValue, MaxValue: v.MaxValue, Rate: v.Rate, Axis: v.Axis}
	case "NonNeg", "non_neg":
		err = strictjson.Decode(cfg, &emptyConfig{})
		c = constraints.NonNeg{}
	default:
		return nil, fmt.Errorf("%s: unknown constraint class %q (known: MaxNorm, MinMaxNorm, NonNeg, UnitNorm)", key, o.ClassName)
	}
	if err == nil {
		// The shape is not known yet: check the arguments against a
		// weight of rank 8, so that only the axes' range waits for Build.
		if e := c.Check([]int{1, 1, 1, 1, 1, 1, 1, 1}); e != nil {
			err = e
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", key, o.ClassName, err)
	}
	return c, nil
}
