package layers

import (
	"math/rand/v2"

	"github.com/neuron-go/neuron/tensor"
)

// MultiLayer is implemented by layers that take several inputs or give
// several outputs: the merge layers (Add, Concatenate, …), attention
// (query, value, key), recurrent layers with return_state. A model's graph
// calls BuildMulti and CallMulti on a layer that implements MultiLayer, and
// Build and Call on one that implements only Layer, which then has one
// input and one output.
//
// Like Layer, shapes are per example (no batch axis) and tensors have the
// batch axis first. A layer applied more than once (shared weights) is
// built once, at its first application.
type MultiLayer interface {
	// ClassName returns the Keras class name, e.g. "Add".
	ClassName() string
	// BuildMulti checks the configuration against the per-example shapes
	// of the inputs, creates the weights from rng and returns the
	// per-example shapes of the outputs. Errors name the layer and the
	// shapes received.
	BuildMulti(in [][]int, rng *rand.Rand) (out [][]int, err error)
	// CallMulti runs the layer on a batch: xs holds one tensor per input,
	// and the layer stores one tensor per output in outs, which has the
	// length BuildMulti returned (the caller owns the slice, so that a
	// step allocates nothing). It panics with a *tensor.ShapeError if the
	// inputs do not have the shapes given to BuildMulti.
	CallMulti(xs []*tensor.Tensor, training bool, outs []*tensor.Tensor)
	// Weights returns the layer's weights, trainable first; nil if none.
	Weights() []*Weight
}

// MultiPlanner is MultiLayer's form of Planner: it tells what BuildMulti
// would return, and which weights it would create, without creating them.
type MultiPlanner interface {
	PlanMulti(in [][]int) (out [][]int, weights []WeightShape, err error)
}
