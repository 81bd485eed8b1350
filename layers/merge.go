package layers

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/neuron-go/neuron/tensor"
)

// The merge layers combine several inputs into one output, as Keras's
// keras.layers.merging. They implement MultiLayer (and MultiPlanner); a
// model's graph applies them to a list of nodes. They also implement
// Layer, Planner and Configurable, so that they are saved and loaded
// through the registry (Register, MarshalLayer, UnmarshalLayer) as every
// other layer; their Build refuses a single input, as Keras refuses a
// merge layer called on one tensor rather than a list, so that they cannot
// be used as a one-input layer by mistake (in a Sequential model, say).
//
// The layers without settings still hold a (blank) byte: distinct
// zero-size values may share an address, and a model tells its layers
// apart by pointer (the same pointer twice is one shared layer).

// Add sums its inputs elementwise, like keras.layers.Add.
//
// Add, Subtract, Multiply, Average, Maximum and Minimum broadcast as
// Keras's Merge does: an input of a lower rank gets axes of size 1 inserted
// after the batch axis until all inputs have one rank, then axes of size 1
// stretch to the others (per example, shapes [3 4] and [4] give [3 4], and
// [2 1] and [1 3] give [2 3]). Inputs of any other shapes are an error
// naming the layer and all the shapes. They take one input or more (one
// is passed through), as Keras 3's do; Subtract takes exactly two.
//
// A merge layer also implements Layer, for the registry, but its Build
// refuses a single input: apply it to a list of nodes of a model's graph.
type Add struct{ _ byte }

// Subtract computes inputs[0] − inputs[1], like keras.layers.Subtract; it
// takes exactly two inputs, which broadcast as Add's do.
type Subtract struct{ _ byte }

// Multiply multiplies its inputs elementwise, like keras.layers.Multiply.
type Multiply struct{ _ byte }

// Average is the elementwise mean of its inputs, like
// keras.layers.Average: their sum divided by their number.
type Average struct{ _ byte }

// Maximum is the elementwise maximum of its inputs, like
// keras.layers.Maximum. Where inputs tie, the gradient goes to the first
// of them, as with Keras's TensorFlow backend (see tensor.Maximum).
type Maximum struct{ _ byte }

// Minimum is the elementwise minimum of its inputs, like
// keras.layers.Minimum; ties send the gradient to the first of them.
type Minimum struct{ _ byte }

// ClassName implements MultiLayer.
func (*Add) ClassName() string { return "Add" }

// ClassName implements MultiLayer.
func (*Subtract) ClassName() string { return "Subtract" }

// ClassName implements MultiLayer.
func (*Multiply) ClassName() string { return "Multiply" }

// ClassName implements MultiLayer.
func (*Average) ClassName() string { return "Average" }

// ClassName implements MultiLayer.
func (*Maximum) ClassName() string { return "Maximum" }

// ClassName implements MultiLayer.
func (*Minimum) ClassName() string { return "Minimum" }

// BuildMulti implements MultiLayer.
func (*Add) BuildMulti(in [][]int, _ *rand.Rand) ([][]int, error) {
	return elementwiseShape("Add", in, 0)
}

// BuildMulti implements MultiLayer.
func (*Subtract) BuildMulti(in [][]int, _ *rand.Rand) ([][]int, error) {
	return elementwiseShape("Subtract", in, 2)
}

// BuildMulti implements MultiLayer.
func (*Multiply) BuildMulti(in [][]int, _ *rand.Rand) ([][]int, error) {
	return elementwiseShape("Multiply", in, 0)
}

// BuildMulti implements MultiLayer.
func (*Average) BuildMulti(in [][]int, _ *rand.Rand) ([][]int, error) {
	return elementwiseShape("Average", in, 0)
}

// BuildMulti implements MultiLayer.
func (*Maximum) BuildMulti(in [][]int, _ *rand.Rand) ([][]int, error) {
	return elementwiseShape("Maximum", in, 0)
}

// BuildMulti implements MultiLayer.
func (*Minimum) BuildMulti(in [][]int, _ *rand.Rand) ([][]int, error) {
	return elementwiseShape("Minimum", in, 0)
}

// CallMulti implements MultiLayer.
func (*Add) CallMulti(xs []*tensor.Tensor, _ bool, outs []*tensor.Tensor) {
	outs[0] = fold(xs, (*tensor.Tensor).Add)
}

// CallMulti implements MultiLayer.
func (*Subtract) CallMulti(xs []*tensor.Tensor, _ bool, outs []*tensor.Tensor) {
	if len(xs) != 2 {
		panic(&tensor.ShapeError{Op: "Subtract", Msg: fmt.Sprintf("takes exactly 2 inputs, got %d", len(xs))})
	}
	outs[0] = fold(xs, (*tensor.Tensor).Sub)
}

// CallMulti implements MultiLayer.
func (*Multiply) CallMulti(xs []*tensor.Tensor, _ bool, outs []*tensor.Tensor) {
	outs[0] = fold(xs, (*tensor.Tensor).Mul)
}

// CallMulti implements MultiLayer. It divides the sum by the number of
// inputs, as Keras does (not a multiplication by its inverse).
func (*Average) CallMulti(xs []*tensor.Tensor, _ bool, outs []*tensor.Tensor) {
	outs[0] = fold(xs, (*tensor.Tensor).Add).DivScalar(float32(len(xs)))
}

// CallMulti implements MultiLayer.
func (*Maximum) CallMulti(xs []*tensor.Tensor, _ bool, outs []*tensor.Tensor) {
	outs[0] = fold(xs, (*tensor.Tensor).Maximum)
}

// CallMulti implements MultiLayer.
func (*Minimum) CallMulti(xs []*tensor.Tensor, _ bool, outs []*tensor.Tensor) {
	outs[0] = fold(xs, (*tensor.Tensor).Minimum)
}

// Weights implements MultiLayer: merge layers have none.
func (*Add) Weights() []*Weight { return nil }

// Weights implements MultiLayer: merge layers have none.
func (*Subtract) Weights() []*Weight { return nil }

// Weights implements MultiLayer: merge layers have none.
func (*Multiply) Weights() []*Weight { return nil }

// Weights implements MultiLayer: merge layers have none.
func (*Average) Weights() []*Weight { return nil }

// Weights implements MultiLayer: merge layers have none.
func (*Maximum) Weights() []*Weight { return nil }

// Weights implements MultiLayer: merge layers have none.
func (*Minimum) Weights() []*Weight { return nil }

// maxRank is the largest tensor rank the merge layers take (batch axis
// included), so that a call keeps its shapes on the stack.
const maxRank = 8

// fold combines the inputs in order with op, as Keras's _merge_function
// does, after giving inputs of a lower rank axes of size 1 after the batch
// axis (Merge.call's expand_dims(x, axis=1)).
func fold(xs []*tensor.Tensor, op func(a, b *tensor.Tensor) *tensor.Tensor) *tensor.Tensor {
	if len(xs) == 0 {
		panic(&tensor.ShapeError{Op: "merge", Msg: "no inputs"})
	}
	rank := 0
	for _, x := range xs {
		rank = max(rank, x.Rank())
	}
	y := expandTo(xs[0], rank)
	for _, x := range xs[1:] {
		y = op(y, expandTo(x, rank))
	}
	return y
}

// expandTo reshapes x of shape [B, d…] to [B, 1, …, 1, d…] of the given rank.
func expandTo(x *tensor.Tensor, rank int) *tensor.Tensor {
	r := x.Rank()
	if r == rank || r == 0 || rank > maxRank {
		return x
	}
	var buf [maxRank]int
	s := buf[:rank]
	sh := x.Shape()
	s[0] = sh[0]
	for i := 1; i < rank-r+1; i++ {
		s[i] = 1
	}
	copy(s[rank-r+1:], sh[1:])
	return x.Reshape(s...)
}

// elementwiseShape checks the inputs of an elementwise merge layer and
// returns its output shape: the broadcast of the per-example shapes,
// aligned on their last axes (Keras's _compute_elemwise_op_output_shape).
// want is the number of inputs the layer needs, or 0 for one or more.
func elementwiseShape(layer string, in [][]int, want int) ([][]int, error) {
	if err := checkMergeInputs(layer, in, want); err != nil {
		return nil, err
	}
	rank := 0
	for _, s := range in {
		rank = max(rank, len(s))
	}
	if rank+1 > maxRank {
		return nil, fmt.Errorf("layers: %s: inputs of rank %d (batch axis included) are not supported, at most %d; got shapes %s", layer, rank+1, maxRank, shapesList(in))
	}
	out := make([]int, rank)
	for i := range out {
		out[i] = 1
	}
	for _, s := range in {
		for j, d := range s {
			o := &out[rank-len(s)+j]
			switch {
			case d == *o || d == 1:
			case *o == 1:
				*o = d
			default:
				return nil, fmt.Errorf("layers: %s: inputs have incompatible shapes (axis %d: %d vs %d): got shapes %s", layer, j-len(s), *o, d, shapesList(in))
			}
		}
	}
	return [][]int{out}, nil
}

// checkMergeInputs checks the number of inputs and their dimensions.
func checkMergeInputs(layer string, in [][]int, want int) error {
	switch {
	case want > 0 && len(in) != want:
		return fmt.Errorf("layers: %s: takes exactly %d inputs, got %d: %s", layer, want, len(in), shapesList(in))
	case len(in) == 0:
		return fmt.Errorf("layers: %s: takes a list of at least 1 input, got none", layer)
	}
	for _, s := range in {
		for _, d := range s {
			if d <= 0 {
				return fmt.Errorf("layers: %s: input shapes must have positive dimensions, got %s", layer, shapesList(in))
			}
		}
	}
	return nil
}

// shapesList formats per-example shapes as "[3 4], [4]".
func shapesList(in [][]int) string {
	parts := make([]string, len(in))
	for i, s := range in {
		parts[i] = fmt.Sprint(s)
	}
	return strings.Join(parts, ", ")
}

// Concatenate joins its inputs along one axis, like
// keras.layers.Concatenate. The inputs must have one rank and the same
// sizes on every other axis.
type Concatenate struct {
	// Axis is the axis to join along, counting the batch axis as Keras
	// does: -1 (the last) by default, 1 for the first axis of each
	// example; negative counts from the end. The zero value means
	// Keras's default, -1: the batch axis (0) cannot be joined along.
	Axis int
}

// ClassName implements MultiLayer.
func (*Concatenate) ClassName() string { return "Concatenate" }

// axis returns l.Axis with its default.
func (l *Concatenate) axis() int {
	if l.Axis == 0 {
		return -1
	}
	return l.Axis
}

// BuildMulti implements MultiLayer.
func (l *Concatenate) BuildMulti(in [][]int, _ *rand.Rand) ([][]int, error) {
	if err := checkMergeInputs("Concatenate", in, 0); err != nil {
		return nil, err
	}
	rank := len(in[0])
	for _, s := range in {
		if len(s) != rank {
			return nil, fmt.Errorf("layers: Concatenate: inputs must have one rank and matching shapes except on the concatenation axis (Axis %d); got shapes %s", l.axis(), shapesList(in))
		}
	}
	if rank+1 > maxRank {
		return nil, fmt.Errorf("layers: Concatenate: inputs of rank %d (batch axis included) are not supported, at most %d; got shapes %s", rank+1, maxRank, shapesList(in))
	}
	ax := l.axis()
	if ax < 0 {
		ax += rank + 1
	}
	if ax < 1 || ax > rank {
		return nil, fmt.Errorf("layers: Concatenate: Axis %d is out of range for inputs of shapes %s (axes 1 to %d, or -1 to -%d, counting the batch axis)", l.Axis, shapesList(in), rank, rank)
	}
	out := append([]int(nil), in[0]...)
	out[ax-1] = 0
	for _, s := range in {
		for i, d := range s {
			if i != ax-1 && d != out[i] {
				return nil, fmt.Errorf("layers: Concatenate: inputs must have matching shapes except on the concatenation axis (Axis %d); got shapes %s", l.axis(), shapesList(in))
			}
		}
		out[ax-1] += s[ax-1]
	}
	return [][]int{out}, nil
}

// CallMulti implements MultiLayer.
func (l *Concatenate) CallMulti(xs []*tensor.Tensor, _ bool, outs []*tensor.Tensor) {
	if ax := l.axis(); ax == 0 || (ax > 0 && len(xs) > 0 && ax >= xs[0].Rank()) {
		panic(&tensor.ShapeError{Op: "Concatenate", Msg: fmt.Sprintf("Axis %d out of range", l.Axis)})
	}
	outs[0] = tensor.Concat(l.axis(), xs...)
}

// Weights implements MultiLayer: Concatenate has none.
func (*Concatenate) Weights() []*Weight { return nil }

// Dot is the dot product of two inputs along one axis of each, like
// keras.layers.Dot: for each example, the sum over the paired axes of
// x1·x2, whose shape is x1's without its axis followed by x2's without its
// axis ([1] if that is empty). With Normalize, each input is first divided
// by its L2 norm along its axis (ops.normalize with ε = 1e-7), which makes
// the result the cosine similarity.
type Dot struct {
	// Axes holds one axis for both inputs or one for each, counting the
	// batch axis as Keras does (1 is the first axis of each example;
	// negative counts from the end). Keras requires it; the batch axis
	// (0) is refused.
	Axes []int
	// Normalize L2-normalizes the inputs along their axes first.
	Normalize bool
}

// ClassName implements MultiLayer.
func (*Dot) ClassName() string { return "Dot" }

// pair returns the axes of the two inputs, of ranks r1 and r2 with the
// batch axis, resolved to non-negative numbers.
func (l *Dot) pair(r1, r2 int) (a1, a2 int, err error) {
	switch len(l.Axes) {
	case 1:
		a1, a2 = l.Axes[0], l.Axes[0]
	case 2:
		a1, a2 = l.Axes[0], l.Axes[1]
	default:
		return 0, 0, fmt.Errorf("layers: Dot: Axes must hold one axis or two (one per input), got %v", l.Axes)
	}
	if a1 < 0 {
		a1 += r1
	}
	if a2 < 0 {
		a2 += r2
	}
	if a1 == 0 || a2 == 0 {
		return 0, 0, fmt.Errorf("layers: Dot: Axes %v includes the batch axis (0), which the dot product cannot be taken over", l.Axes)
	}
	return a1, a2, nil
}

// BuildMulti implements MultiLayer.
func (l *Dot) BuildMulti(in [][]int, _ *rand.Rand) ([][]int, error) {
	if err := checkMergeInputs("Dot", in, 2); err != nil {
		return nil, err
	}
	s1, s2 := in[0], in[1]
	if len(s1) == 0 || len(s2) == 0 {
		return nil, fmt.Errorf("layers: Dot: inputs need at least one axis besides the batch axis, got shapes %s", shapesList(in))
	}
	a1, a2, err := l.pair(len(s1)+1, len(s2)+1)
	if err != nil {
		return nil, err
	}
	if a1 < 0 || a1 > len(s1) || a2 < 0 || a2 > len(s2) {
		return nil, fmt.Errorf("layers: Dot: Axes %v are out of range for inputs of shapes %s (counting the batch axis)", l.Axes, shapesList(in))
	}
	if s1[a1-1] != s2[a2-1] {
		return nil, fmt.Errorf("layers: Dot: incompatible input shapes: axis values %d (at axis %d) != %d (at axis %d); got shapes %s", s1[a1-1], a1, s2[a2-1], a2, shapesList(in))
	}
	out := append(append([]int(nil), s1[:a1-1]...), s1[a1:]...)
	out = append(append(out, s2[:a2-1]...), s2[a2:]...)
	if len(out) == 0 {
		out = []int{1}
	}
	return [][]int{out}, nil
}

// CallMulti implements MultiLayer.
func (l *Dot) CallMulti(xs []*tensor.Tensor, _ bool, outs []*tensor.Tensor) {
	if len(xs) != 2 {
		panic(&tensor.ShapeError{Op: "Dot", Msg: fmt.Sprintf("takes exactly 2 inputs, got %d", len(xs))})
	}
	x1, x2 := xs[0], xs[1]
	a1, a2, err := l.pair(x1.Rank(), x2.Rank())
	if err != nil {
		panic(&tensor.ShapeError{Op: "Dot", Msg: err.Error()})
	}
	if l.Normalize {
		x1, x2 = x1.L2NormalizeAxis(a1, normalizeEpsilon), x2.L2NormalizeAxis(a2, normalizeEpsilon)
	}
	outs[0] = tensor.BatchDot(x1, x2, a1, a2)
}

// normalizeEpsilon is Keras's backend.epsilon(), which ops.normalize uses.
const normalizeEpsilon = 1e-7

// Weights implements MultiLayer: Dot has none.
func (*Dot) Weights() []*Weight { return nil }

// The merge layers as Layers (for the registry), Planners and
// MultiPlanners. Build refuses one input, as Keras's Merge.build refuses
// a shape that is not a list of shapes.

func oneInput(layer string, in []int) error {
	return fmt.Errorf("layers: %s: a merge layer takes a list of inputs (apply it to several nodes of a model's graph), got one input of shape %v", layer, in)
}

// callOne runs a merge layer on a single input; Build refuses one, so
// only a caller that skipped Build gets here.
func callOne(l MultiLayer, x *tensor.Tensor) *tensor.Tensor {
	outs := []*tensor.Tensor{nil}
	l.CallMulti([]*tensor.Tensor{x}, false, outs)
	return outs[0]
}

// Build implements Layer: it refuses a single input.
func (l *Add) Build(in []int, _ *rand.Rand) ([]int, error) { return nil, oneInput("Add", in) }

// Build implements Layer: it refuses a single input.
func (l *Subtract) Build(in []int, _ *rand.Rand) ([]int, error) {
	return nil, oneInput("Subtract", in)
}

// Build implements Layer: it refuses a single input.
func (l *Multiply) Build(in []int, _ *rand.Rand) ([]int, error) {
	return nil, oneInput("Multiply", in)
}

// Build implements Layer: it refuses a single input.
func (l *Average) Build(in []int, _ *rand.Rand) ([]int, error) {
	return nil, oneInput("Average", in)
}

// Build implements Layer: it refuses a single input.
func (l *Maximum) Build(in []int, _ *rand.Rand) ([]int, error) {
	return nil, oneInput("Maximum", in)
}

// Build implements Layer: it refuses a single input.
func (l *Minimum) Build(in []int, _ *rand.Rand) ([]int, error) {
	return nil, oneInput("Minimum", in)
}

// Build implements Layer: it refuses a single input.
func (l *Concatenate) Build(in []int, _ *rand.Rand) ([]int, error) {
	return nil, oneInput("Concatenate", in)
}

// Build implements Layer: it refuses a single input.
func (l *Dot) Build(in []int, _ *rand.Rand) ([]int, error) { return nil, oneInput("Dot", in) }

// Call implements Layer as a merge of the one input x.
func (l *Add) Call(x *tensor.Tensor, _ bool) *tensor.Tensor { return callOne(l, x) }

// Call implements Layer as a merge of the one input x (which panics: it
// takes two).
func (l *Subtract) Call(x *tensor.Tensor, _ bool) *tensor.Tensor { return callOne(l, x) }

// Call implements Layer as a merge of the one input x.
func (l *Multiply) Call(x *tensor.Tensor, _ bool) *tensor.Tensor { return callOne(l, x) }

// Call implements Layer as a merge of the one input x.
func (l *Average) Call(x *tensor.Tensor, _ bool) *tensor.Tensor { return callOne(l, x) }

// Call implements Layer as a merge of the one input x.
func (l *Maximum) Call(x *tensor.Tensor, _ bool) *tensor.Tensor { return callOne(l, x) }

// Call implements Layer as a merge of the one input x.
func (l *Minimum) Call(x *tensor.Tensor, _ bool) *tensor.Tensor { return callOne(l, x) }

// Call implements Layer as a merge of the one input x.
func (l *Concatenate) Call(x *tensor.Tensor, _ bool) *tensor.Tensor { return callOne(l, x) }

// Call implements Layer as a merge of the one input x (which panics: it
// takes two).
func (l *Dot) Call(x *tensor.Tensor, _ bool) *tensor.Tensor { return callOne(l, x) }

// Plan implements Planner: it refuses a single input, as Build does.
func (l *Add) Plan(in []int) ([]int, []WeightShape, error) { return nil, nil, oneInput("Add", in) }

// Plan implements Planner: it refuses a single input, as Build does.
func (l *Subtract) Plan(in []int) ([]int, []WeightShape, error) {
	return nil, nil, oneInput("Subtract", in)
}

// Plan implements Planner: it refuses a single input, as Build does.
func (l *Multiply) Plan(in []int) ([]int, []WeightShape, error) {
	return nil, nil, oneInput("Multiply", in)
}

// Plan implements Planner: it refuses a single input, as Build does.
func (l *Average) Plan(in []int) ([]int, []WeightShape, error) {
	return nil, nil, oneInput("Average", in)
}

// Plan implements Planner: it refuses a single input, as Build does.
func (l *Maximum) Plan(in []int) ([]int, []WeightShape, error) {
	return nil, nil, oneInput("Maximum", in)
}

// Plan implements Planner: it refuses a single input, as Build does.
func (l *Minimum) Plan(in []int) ([]int, []WeightShape, error) {
	return nil, nil, oneInput("Minimum", in)
}

// Plan implements Planner: it refuses a single input, as Build does.
func (l *Concatenate) Plan(in []int) ([]int, []WeightShape, error) {
	return nil, nil, oneInput("Concatenate", in)
}

// Plan implements Planner: it refuses a single input, as Build does.
func (l *Dot) Plan(in []int) ([]int, []WeightShape, error) { return nil, nil, oneInput("Dot", in) }

// PlanMulti implements MultiPlanner.
func (l *Add) PlanMulti(in [][]int) ([][]int, []WeightShape, error) {
	out, err := l.BuildMulti(in, nil)
	return out, nil, err
}

// PlanMulti implements MultiPlanner.
func (l *Subtract) PlanMulti(in [][]int) ([][]int, []WeightShape, error) {
	out, err := l.BuildMulti(in, nil)
	return out, nil, err
}

// PlanMulti implements MultiPlanner.
func (l *Multiply) PlanMulti(in [][]int) ([][]int, []WeightShape, error) {
	out, err := l.BuildMulti(in, nil)
	return out, nil, err
}

// PlanMulti implements MultiPlanner.
func (l *Average) PlanMulti(in [][]int) ([][]int, []WeightShape, error) {
	out, err := l.BuildMulti(in, nil)
	return out, nil, err
}

// PlanMulti implements MultiPlanner.
func (l *Maximum) PlanMulti(in [][]int) ([][]int, []WeightShape, error) {
	out, err := l.BuildMulti(in, nil)
	return out, nil, err
}

// PlanMulti implements MultiPlanner.
func (l *Minimum) PlanMulti(in [][]int) ([][]int, []WeightShape, error) {
	out, err := l.BuildMulti(in, nil)
	return out, nil, err
}

// PlanMulti implements MultiPlanner.
func (l *Concatenate) PlanMulti(in [][]int) ([][]int, []WeightShape, error) {
	out, err := l.BuildMulti(in, nil)
	return out, nil, err
}

// PlanMulti implements MultiPlanner.
func (l *Dot) PlanMulti(in [][]int) ([][]int, []WeightShape, error) {
	out, err := l.BuildMulti(in, nil)
	return out, nil, err
}

// The merge layers' Keras configs (get_config and from_config). The
// elementwise layers have only the base keys; Concatenate adds "axis" and
// Dot "axes" and "normalize".

// Config implements Configurable.
func (*Add) Config() (any, error) { return struct{}{}, nil }

// Config implements Configurable.
func (*Subtract) Config() (any, error) { return struct{}{}, nil }

// Config implements Configurable.
func (*Multiply) Config() (any, error) { return struct{}{}, nil }

// Config implements Configurable.
func (*Average) Config() (any, error) { return struct{}{}, nil }

// Config implements Configurable.
func (*Maximum) Config() (any, error) { return struct{}{}, nil }

// Config implements Configurable.
func (*Minimum) Config() (any, error) { return struct{}{}, nil }

type concatenateConfig struct {
	Axis int `json:"axis"`
}

// Config implements Configurable.
func (l *Concatenate) Config() (any, error) { return concatenateConfig{l.axis()}, nil }

type dotConfig struct {
	Axes      json.RawMessage `json:"axes"`
	Normalize bool            `json:"normalize"`
}

// Config implements Configurable. Axes is written as Keras writes it: an
// integer for one axis, a list for two.
func (l *Dot) Config() (any, error) {
	var b []byte
	var err error
	switch len(l.Axes) {
	case 1:
		b, err = json.Marshal(l.Axes[0])
	case 2:
		b, err = json.Marshal(l.Axes)
	default:
		return nil, fmt.Errorf("axes: Axes must hold one axis or two, got %v", l.Axes)
	}
	if err != nil {
		return nil, err
	}
	return dotConfig{b, l.Normalize}, nil
}

// decodeEmpty decodes the config of a layer with only the base keys.
func decodeEmpty(l Layer) Decoder {
	return func(b []byte) (Layer, error) {
		var c struct{}
		if err := DecodeConfig(b, &c); err != nil {
			return nil, err
		}
		return l, nil
	}
}

func decodeConcatenate(b []byte) (Layer, error) {
	c := concatenateConfig{Axis: -1}
	if err := DecodeConfig(b, &c); err != nil {
		return nil, err
	}
	if c.Axis == 0 {
		return nil, errors.New("axis: 0 is the batch axis, which cannot be concatenated along")
	}
	return &Concatenate{Axis: c.Axis}, nil
}

func decodeDot(b []byte) (Layer, error) {
	var c dotConfig
	if err := DecodeConfig(b, &c); err != nil {
		return nil, err
	}
	if c.Axes == nil {
		return nil, errors.New("axes is missing")
	}
	var axes []int
	var one int
	if err := DecodeConfig(c.Axes, &one); err == nil {
		axes = []int{one}
	} else if err := DecodeConfig(c.Axes, &axes); err != nil || len(axes) != 2 {
		return nil, fmt.Errorf("axes: want an integer or a list of two integers, got %.40s", c.Axes)
	}
	for _, a := range axes {
		if a == 0 {
			return nil, fmt.Errorf("axes: %s includes the batch axis (0)", c.Axes)
		}
	}
	return &Dot{Axes: axes, Normalize: c.Normalize}, nil
}

func init() {
	// decodeEmpty is given a fresh layer per decode through these
	// closures, so that two loaded models never share one.
	Register("Add", func(b []byte) (Layer, error) { return decodeEmpty(&Add{})(b) })
	Register("Subtract", func(b []byte) (Layer, error) { return decodeEmpty(&Subtract{})(b) })
	Register("Multiply", func(b []byte) (Layer, error) { return decodeEmpty(&Multiply{})(b) })
	Register("Average", func(b []byte) (Layer, error) { return decodeEmpty(&Average{})(b) })
	Register("Maximum", func(b []byte) (Layer, error) { return decodeEmpty(&Maximum{})(b) })
	Register("Minimum", func(b []byte) (Layer, error) { return decodeEmpty(&Minimum{})(b) })
	Register("Concatenate", decodeConcatenate)
	Register("Dot", decodeDot)
}
