package layers

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/constraints"
	"github.com/neuron-go/neuron/initializers"
	"github.com/neuron-go/neuron/tensor"
)

// The activation layers of Keras 3 (keras/src/layers/activations): each
// applies a function elementwise (Softmax along an axis) and keeps the
// shape. Only PReLU has a weight.

// Activation applies an activation function, like keras.layers.Activation.
//
// Shapes: any → the same.
type Activation struct {
	// Activation is the function; the zero value is linear.
	Activation activations.Activation
}

// ClassName implements Layer.
func (*Activation) ClassName() string { return "Activation" }

// Build implements Layer.
func (l *Activation) Build(in []int, _ *rand.Rand) ([]int, error) {
	out, _, err := l.Plan(in)
	return out, err
}

// Plan implements Planner.
func (l *Activation) Plan(in []int) ([]int, []WeightShape, error) {
	return sameShape(in), nil, nil
}

// Call implements Layer.
func (l *Activation) Call(x *tensor.Tensor, _ bool) *tensor.Tensor { return l.Activation.Apply(x) }

// Weights implements Layer.
func (*Activation) Weights() []*Weight { return nil }

// ReLU is Keras's ReLU layer:
//
//	f(x) = MaxValue           for x ≥ MaxValue (when set)
//	f(x) = x                  for Threshold < x < MaxValue
//	f(x) = NegativeSlope·(x − Threshold) otherwise
//
// Shapes: any → the same.
type ReLU struct {
	// MaxValue caps the output; the zero value means none (Keras's
	// max_value=None). It must be ≥ 0; Keras's max_value=0, an output that
	// is always 0, cannot be written as the zero value and is refused.
	MaxValue float32
	// NegativeSlope multiplies the part below Threshold; it must be ≥ 0
	// (default 0).
	NegativeSlope float32
	// Threshold is where the output starts to follow x; it must be ≥ 0
	// (default 0).
	Threshold float32
}

// ClassName implements Layer.
func (*ReLU) ClassName() string { return "ReLU" }

// Plan implements Planner.
func (l *ReLU) Plan(in []int) ([]int, []WeightShape, error) {
	if err := checkReLUArgs(float64(l.MaxValue), float64(l.NegativeSlope), float64(l.Threshold)); err != nil {
		return nil, nil, fmt.Errorf("layers: ReLU: %w", err)
	}
	return sameShape(in), nil, nil
}

// checkReLUArgs rejects what Keras's ReLU rejects, and NaN, in Keras's
// argument names.
func checkReLUArgs(maxValue, slope, threshold float64) error {
	for _, a := range []struct {
		name string
		v    float64
	}{{"max_value", maxValue}, {"negative_slope", slope}, {"threshold", threshold}} {
		if !(a.v >= 0) || math.IsInf(a.v, 0) {
			return fmt.Errorf("%s must be a finite number >= 0, got %v", a.name, a.v)
		}
	}
	return nil
}

// Build implements Layer.
func (l *ReLU) Build(in []int, _ *rand.Rand) ([]int, error) {
	out, _, err := l.Plan(in)
	return out, err
}

// Call implements Layer.
func (l *ReLU) Call(x *tensor.Tensor, _ bool) *tensor.Tensor {
	if l.MaxValue == 0 && l.NegativeSlope == 0 && l.Threshold == 0 {
		return x.ReLU()
	}
	return x.ReLUWith(tensor.ReLUOptions{
		NegativeSlope: l.NegativeSlope, MaxValue: l.MaxValue, HasMaxValue: l.MaxValue != 0, Threshold: l.Threshold,
	})
}

// Weights implements Layer.
func (*ReLU) Weights() []*Weight { return nil }

// LeakyReLU is x for x ≥ 0 and NegativeSlope·x below, Keras's LeakyReLU
// layer.
//
// Shapes: any → the same.
type LeakyReLU struct {
	// NegativeSlope is the slope below 0; the zero value means the layer's
	// Keras default 0.3 (the leaky_relu function's is 0.2). It must be
	// > 0: a slope of 0 is ReLU.
	NegativeSlope float32
}

// ClassName implements Layer.
func (*LeakyReLU) ClassName() string { return "LeakyReLU" }

func (l *LeakyReLU) slope() float32 {
	if l.NegativeSlope == 0 {
		return 0.3
	}
	return l.NegativeSlope
}

// Plan implements Planner.
func (l *LeakyReLU) Plan(in []int) ([]int, []WeightShape, error) {
	if s := l.NegativeSlope; !(s >= 0) || math.IsInf(float64(s), 0) {
		return nil, nil, fmt.Errorf("layers: LeakyReLU: NegativeSlope must be a finite number >= 0, got %v", s)
	}
	return sameShape(in), nil, nil
}

// Build implements Layer.
func (l *LeakyReLU) Build(in []int, _ *rand.Rand) ([]int, error) {
	out, _, err := l.Plan(in)
	return out, err
}

// Call implements Layer.
func (l *LeakyReLU) Call(x *tensor.Tensor, _ bool) *tensor.Tensor { return x.LeakyReLU(l.slope()) }

// Weights implements Layer.
func (*LeakyReLU) Weights() []*Weight { return nil }

// ELU is x for x ≥ 0 and Alpha·(eˣ − 1) below, Keras's ELU layer.
//
// Shapes: any → the same.
type ELU struct {
	// Alpha scales the negative part; the zero value means Keras's 1.0.
	Alpha float32
}

// ClassName implements Layer.
func (*ELU) ClassName() string { return "ELU" }

func (l *ELU) alpha() float32 {
	if l.Alpha == 0 {
		return 1
	}
	return l.Alpha
}

// Plan implements Planner.
func (l *ELU) Plan(in []int) ([]int, []WeightShape, error) {
	if a := float64(l.Alpha); math.IsNaN(a) || math.IsInf(a, 0) {
		return nil, nil, fmt.Errorf("layers: ELU: Alpha must be finite, got %v", a)
	}
	return sameShape(in), nil, nil
}

// Build implements Layer.
func (l *ELU) Build(in []int, _ *rand.Rand) ([]int, error) {
	out, _, err := l.Plan(in)
	return out, err
}

// Call implements Layer.
func (l *ELU) Call(x *tensor.Tensor, _ bool) *tensor.Tensor { return x.ELU(l.alpha()) }

// Weights implements Layer.
func (*ELU) Weights() []*Weight { return nil }

// Softmax normalizes its input with the softmax along Axis, Keras's
// Softmax layer.
//
// Shapes: any → the same.
type Softmax struct {
	// Axis counts the batch axis as Keras does; negative values count from
	// the end. The zero value means Keras's -1, the last axis (the batch
	// axis 0 cannot be chosen).
	Axis int
}

// ClassName implements Layer.
func (*Softmax) ClassName() string { return "Softmax" }

func (l *Softmax) axis() int {
	if l.Axis == 0 {
		return -1
	}
	return l.Axis
}

// Plan implements Planner.
func (l *Softmax) Plan(in []int) ([]int, []WeightShape, error) {
	if a := l.axis(); a < -len(in) || a > len(in) {
		return nil, nil, fmt.Errorf("layers: Softmax: Axis %d is out of range for inputs of shape (None, %s)", l.Axis, joinDims(in))
	}
	return sameShape(in), nil, nil
}

// Build implements Layer.
func (l *Softmax) Build(in []int, _ *rand.Rand) ([]int, error) {
	out, _, err := l.Plan(in)
	return out, err
}

// Call implements Layer.
func (l *Softmax) Call(x *tensor.Tensor, _ bool) *tensor.Tensor { return x.SoftmaxAxis(l.axis()) }

// Weights implements Layer.
func (*Softmax) Weights() []*Weight { return nil }

// PReLU is a leaky ReLU whose slopes are learned, Keras's PReLU layer:
// f(x) = max(x, 0) − alpha ⊙ max(−x, 0).
//
// Shapes: any → the same. Weight alpha has the per-example input shape,
// with 1 along SharedAxes.
type PReLU struct {
	// AlphaInitializer defaults to Zeros (the layer starts as a ReLU).
	AlphaInitializer initializers.Initializer
	// AlphaRegularizer adds a penalty on alpha to the loss; nil means none.
	AlphaRegularizer Regularizer
	// AlphaConstraint rewrites alpha after each optimizer update; nil
	// means none.
	AlphaConstraint constraints.Constraint
	// SharedAxes lists the axes along which one slope is shared, counting
	// the batch axis as 0 as Keras does: {1, 2} for one slope per channel
	// of an image.
	SharedAxes []int

	alpha *Weight
}

// ClassName implements Layer.
func (*PReLU) ClassName() string { return "PReLU" }

// Plan implements Planner.
func (l *PReLU) Plan(in []int) ([]int, []WeightShape, error) {
	if err := checkShape("PReLU", "the input shape", in); err != nil {
		return nil, nil, err
	}
	shape := sameShape(in)
	for _, a := range l.SharedAxes {
		if a < 1 || a > len(in) {
			return nil, nil, fmt.Errorf("layers: PReLU: SharedAxes holds %d, want axes in [1, %d] for inputs of shape (None, %s)",
				a, len(in), joinDims(in))
		}
		shape[a-1] = 1
	}
	ws := []WeightShape{{Name: "alpha", Shape: shape}}
	if err := checkWeights("PReLU", ws); err != nil {
		return nil, nil, err
	}
	if err := checkInit("PReLU", "AlphaInitializer", l.AlphaInitializer, shape); err != nil {
		return nil, nil, err
	}
	if err := checkConstraint("PReLU", "AlphaConstraint", l.AlphaConstraint, shape); err != nil {
		return nil, nil, err
	}
	return sameShape(in), ws, nil
}

// Build implements Layer.
func (l *PReLU) Build(in []int, rng *rand.Rand) ([]int, error) {
	out, ws, err := l.Plan(in)
	if err != nil {
		return nil, err
	}
	ini := l.AlphaInitializer
	if ini == nil {
		ini = initializers.Zeros{}
	}
	l.alpha = newWeight("alpha", ws[0].Shape, ini.Init(ws[0].Shape, rng))
	return out, nil
}

// Call implements Layer.
func (l *PReLU) Call(x *tensor.Tensor, _ bool) *tensor.Tensor { return tensor.PReLU(x, l.alpha.Value) }

// Weights implements Layer.
func (l *PReLU) Weights() []*Weight {
	if l.alpha == nil {
		return nil
	}
	return []*Weight{l.alpha}
}

// RegularizationLoss implements Regularized.
func (l *PReLU) RegularizationLoss() *tensor.Tensor {
	return regLoss(regPair{l.alpha, l.AlphaRegularizer})
}

// ApplyConstraints implements Constrained.
func (l *PReLU) ApplyConstraints() { applyConstraint(l.AlphaConstraint, l.alpha) }

// sameShape returns a copy of in.
func sameShape(in []int) []int { return append([]int(nil), in...) }

// joinDims writes a shape as Keras prints it inside a tuple: "28, 28".
func joinDims(s []int) string {
	b := ""
	for i, d := range s {
		if i > 0 {
			b += ", "
		}
		b += fmt.Sprint(d)
	}
	return b
}

// The layers' Keras configs (get_config and from_config), registered as a
// custom layer's would be.
func init() {
	Register("Activation", decodeActivationLayer)
	Register("ReLU", decodeReLU)
	Register("LeakyReLU", decodeLeakyReLU)
	Register("ELU", decodeELU)
	Register("Softmax", decodeSoftmax)
	Register("PReLU", decodePReLU)
}

type activationLayerConfig struct {
	Activation *string `json:"activation"`
}

// Config implements Configurable.
func (l *Activation) Config() (any, error) {
	n := l.Activation.Name()
	return activationLayerConfig{&n}, nil
}

func decodeActivationLayer(b []byte) (Layer, error) {
	var c activationLayerConfig
	if err := DecodeConfig(b, &c); err != nil {
		return nil, err
	}
	if c.Activation == nil {
		return nil, errors.New("activation is missing")
	}
	a, err := decodeActivation(*c.Activation)
	if err != nil {
		return nil, err
	}
	return &Activation{Activation: a}, nil
}

type reluConfig struct {
	MaxValue      *float32 `json:"max_value"`
	NegativeSlope float32  `json:"negative_slope"`
	Threshold     float32  `json:"threshold"`
}

// Config implements Configurable.
func (l *ReLU) Config() (any, error) {
	c := reluConfig{NegativeSlope: l.NegativeSlope, Threshold: l.Threshold}
	if l.MaxValue != 0 {
		m := l.MaxValue
		c.MaxValue = &m
	}
	return c, nil
}

func decodeReLU(b []byte) (Layer, error) {
	var c reluConfig
	if err := DecodeConfig(b, &c); err != nil {
		return nil, err
	}
	var m float32
	if c.MaxValue != nil {
		m = *c.MaxValue
		if m == 0 {
			return nil, errors.New("max_value 0 (an output that is always 0) is not supported")
		}
	}
	if err := checkReLUArgs(float64(m), float64(c.NegativeSlope), float64(c.Threshold)); err != nil {
		return nil, err
	}
	return &ReLU{MaxValue: m, NegativeSlope: c.NegativeSlope, Threshold: c.Threshold}, nil
}

type leakyReLUConfig struct {
	NegativeSlope *float32 `json:"negative_slope"`
}

// Config implements Configurable.
func (l *LeakyReLU) Config() (any, error) {
	s := l.slope()
	return leakyReLUConfig{&s}, nil
}

func decodeLeakyReLU(b []byte) (Layer, error) {
	var c leakyReLUConfig
	if err := DecodeConfig(b, &c); err != nil {
		return nil, err
	}
	s := float32(0.3)
	if c.NegativeSlope != nil {
		s = *c.NegativeSlope
	}
	if !(s > 0) || math.IsInf(float64(s), 0) {
		return nil, fmt.Errorf("negative_slope must be a finite number > 0 (0 is ReLU), got %v", s)
	}
	return &LeakyReLU{NegativeSlope: s}, nil
}

// eluConfig holds alpha, which Keras's ELU does not write (its get_config
// is the base layer's) but accepts as an argument: it is written only when
// it is not the default 1, so that the default config is Keras's.
type eluConfig struct {
	Alpha *float32 `json:"alpha,omitempty"`
}

// Config implements Configurable.
func (l *ELU) Config() (any, error) {
	if l.alpha() == 1 {
		return eluConfig{}, nil
	}
	a := l.alpha()
	return eluConfig{&a}, nil
}

func decodeELU(b []byte) (Layer, error) {
	var c eluConfig
	if err := DecodeConfig(b, &c); err != nil {
		return nil, err
	}
	a := float32(1)
	if c.Alpha != nil {
		a = *c.Alpha
	}
	if a == 0 || math.IsNaN(float64(a)) || math.IsInf(float64(a), 0) {
		return nil, fmt.Errorf("alpha must be finite and not 0 (0 is ReLU), got %v", a)
	}
	return &ELU{Alpha: a}, nil
}

type softmaxConfig struct {
	Axis *int `json:"axis"`
}

// Config implements Configurable.
func (l *Softmax) Config() (any, error) {
	a := l.axis()
	return softmaxConfig{&a}, nil
}

func decodeSoftmax(b []byte) (Layer, error) {
	var c softmaxConfig
	if err := DecodeConfig(b, &c); err != nil {
		return nil, fmt.Errorf("%w (only a single integer axis is supported)", err)
	}
	a := -1
	if c.Axis != nil {
		a = *c.Axis
	}
	if a == 0 {
		return nil, errors.New("axis 0, the batch axis, is not supported")
	}
	return &Softmax{Axis: a}, nil
}

type preluConfig struct {
	AlphaInitializer *object `json:"alpha_initializer"`
	AlphaRegularizer *object `json:"alpha_regularizer"`
	AlphaConstraint  *object `json:"alpha_constraint"`
	SharedAxes       *[]int  `json:"shared_axes"`
}

// Config implements Configurable.
func (l *PReLU) Config() (any, error) {
	ai, err := encodeInitializer("alpha_initializer", l.AlphaInitializer, initializers.Zeros{})
	if err != nil {
		return nil, err
	}
	ar, err := encodeRegularizer("alpha_regularizer", l.AlphaRegularizer)
	if err != nil {
		return nil, err
	}
	ac, err := encodeConstraint("alpha_constraint", l.AlphaConstraint)
	if err != nil {
		return nil, err
	}
	c := preluConfig{AlphaInitializer: ai, AlphaRegularizer: ar, AlphaConstraint: ac}
	if l.SharedAxes != nil {
		s := append([]int(nil), l.SharedAxes...)
		c.SharedAxes = &s
	}
	return c, nil
}

func decodePReLU(b []byte) (Layer, error) {
	var c preluConfig
	if err := DecodeConfig(b, &c); err != nil {
		return nil, err
	}
	ai, err := decodeInitializer("alpha_initializer", c.AlphaInitializer)
	if err != nil {
		return nil, err
	}
	ar, err := decodeRegularizer("alpha_regularizer", c.AlphaRegularizer)
	if err != nil {
		return nil, err
	}
	ac, err := decodeConstraint("alpha_constraint", c.AlphaConstraint)
	if err != nil {
		return nil, err
	}
	l := &PReLU{AlphaInitializer: ai, AlphaRegularizer: ar, AlphaConstraint: ac}
	if c.SharedAxes != nil {
		for _, a := range *c.SharedAxes {
			if a < 1 {
				return nil, fmt.Errorf("shared_axes must hold axes >= 1, got %v", *c.SharedAxes)
			}
		}
		l.SharedAxes = *c.SharedAxes
	}
	return l, nil
}
