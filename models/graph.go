package models

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/neuron-go/neuron/layers"
)

// Node is a symbolic tensor of a functional model, like the KerasTensor
// that keras.Input and calling a layer return: it stands for the value of
// one example (its per-example shape, without the batch axis) before any
// data flows. Input makes the first nodes, Apply and ApplyMulti the others,
// and NewModel turns inputs and outputs into a Model.
//
// A Node that could not be made (a layer applied to a tensor of the wrong
// shape, say) carries the error: Err returns it, nodes made from it carry
// it on, and NewModel returns it. A chain of Apply calls therefore needs
// one error check, at NewModel.
type Node struct {
	shape []int
	call  *call
	index int // which of call's outputs this is
	err   error
}

// call is one application of a layer to nodes.
type call struct {
	layer  layers.Layer      // a one-input, one-output layer, or
	multi  layers.MultiLayer // a layer with several inputs or outputs, or
	input  *layers.Input     // an input declaration (no layer runs)
	name   string            // the name asked for (Input's name), or ""
	ins    []*Node
	outs   []*Node
	inSh   [][]int // the per-example input shapes it was applied to
	seq    uint64  // creation order, for naming layers and building them
	fresh  bool    // this call created the layer's weights
	target any     // the layer as applied: layer, multi or input
}

// Shape returns the per-example shape (no batch axis); nil if the node
// carries an error.
func (n *Node) Shape() []int { return slices.Clone(n.shape) }

// Err returns the error of the Input or Apply call that made the node, or
// of one it depends on; nil if there is none.
func (n *Node) Err() error {
	if n == nil {
		return errors.New("models: the node is nil")
	}
	return n.err
}

// String describes the node: the layer class that made it and its shape,
// e.g. "Dense (None, 10)".
func (n *Node) String() string {
	if n == nil {
		return "<nil node>"
	}
	if n.err != nil {
		return "<error: " + n.err.Error() + ">"
	}
	return className(n.call.target) + " " + batchShapeString(n.shape)
}

var callSeq atomic.Uint64

func errNode(err error) *Node { return &Node{err: err} }

// Input declares an input of a functional model, like keras.Input: shape
// is the per-example shape (no batch axis) and name the input's name,
// which names the input layer in the model and its summary; "" lets the
// model name it "input_layer", "input_layer_1", … as Keras does.
func Input(shape []int, name string) *Node {
	if len(shape) == 0 {
		return errNode(fmt.Errorf("models: Input %q: shape is empty", name))
	}
	for _, d := range shape {
		if d <= 0 {
			return errNode(fmt.Errorf("models: Input %q: shape %v has a non-positive dimension", name, shape))
		}
	}
	in := &layers.Input{Shape: slices.Clone(shape)}
	c := &call{input: in, target: in, name: name, seq: callSeq.Add(1)}
	n := &Node{shape: slices.Clone(shape), call: c}
	c.outs = []*Node{n}
	return n
}

// Callable is what Apply takes: a layers.Layer (one input, one output), a
// layers.MultiLayer (the merge layers, or a *Model used as a layer), or
// any type implementing one of them.
type Callable interface {
	// ClassName returns the Keras class name, e.g. "Dense".
	ClassName() string
	// Weights returns the layer's weights.
	Weights() []*layers.Weight
}

// Apply applies a layer to one or more symbolic tensors and returns the
// layer's output, like calling a Keras layer on KerasTensors: y =
// Apply(&layers.Dense{Units: 10}, x). It checks the layer against the
// inputs' shapes at once and builds it, so the weights exist from here on.
//
// Applying the same layer again (to nodes of the same shapes) reuses it:
// both applications share its weights, as in Keras. A layer that already
// has weights (from an earlier model, say) keeps them; it must implement
// layers.Planner (or layers.MultiPlanner), which the built-in layers do,
// so that Apply can check the new inputs without rebuilding it.
//
// Errors (a nil layer, the wrong number of inputs, shapes the layer
// rejects) are carried by the returned node; see Node. A layer with
// several outputs needs ApplyMulti.
func Apply(layer Callable, inputs ...*Node) *Node {
	outs, err := apply(layer, inputs)
	if err != nil {
		return errNode(err)
	}
	if len(outs) != 1 {
		return errNode(fmt.Errorf("models: %s has %d outputs; use ApplyMulti", className(layer), len(outs)))
	}
	return outs[0]
}

// ApplyMulti is Apply for layers with several outputs: it returns one node
// per output of the layer.
func ApplyMulti(layer Callable, inputs ...*Node) ([]*Node, error) {
	outs, err := apply(layer, inputs)
	// A copy: the graph keeps its own list of the call's outputs.
	return slices.Clone(outs), err
}

func className(l any) string {
	if c, ok := l.(interface{ ClassName() string }); ok && !isNilValue(l) {
		return c.ClassName()
	}
	return fmt.Sprintf("%T", l)
}

func isNilValue(v any) bool {
	if v == nil {
		return true
	}
	r := reflect.ValueOf(v)
	switch r.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Interface, reflect.Func, reflect.Chan:
		return r.IsNil()
	}
	return false
}

// shapesString renders per-example shapes as Keras does: (None, 28, 28).
func shapesString(ss [][]int) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = batchShapeString(s)
	}
	return strings.Join(parts, ", ")
}

func batchShapeString(s []int) string {
	var b strings.Builder
	b.WriteString("(None")
	for _, d := range s {
		fmt.Fprintf(&b, ", %d", d)
	}
	b.WriteString(")")
	return b.String()
}

// ApplyNamed is Apply that also names the layer, like Keras's name=
// argument: the models made from the node call the layer name, which
// then names its weights ("name/kernel") and, for an output, the output
// and its log keys ("name_loss", "name_accuracy"). Names must be unique in
// a model, and a shared layer has one name; NewModel returns an error
// otherwise.
func ApplyNamed(name string, layer Callable, inputs ...*Node) *Node {
	return applyNamed(name, layer, inputs)
}

func applyNamed(name string, layer Callable, inputs []*Node) *Node {
	if err := checkLayerName(name, layer); err != nil {
		return errNode(err)
	}
	x := Apply(layer, inputs...)
	if x.err == nil {
		x.call.name = name
	}
	return x
}

func apply(layer Callable, inputs []*Node) ([]*Node, error) {
	if isNilValue(layer) {
		return nil, fmt.Errorf("models: apply: the layer is a nil %T", layer)
	}
	cls := layer.ClassName()
	if len(inputs) == 0 {
		return nil, fmt.Errorf("models: apply %s: no input nodes", cls)
	}
	in := make([][]int, len(inputs))
	for i, n := range inputs {
		if n == nil {
			return nil, fmt.Errorf("models: apply %s: input %d is a nil node", cls, i)
		}
		if n.err != nil {
			return nil, n.err
		}
		in[i] = n.shape
	}
	c := &call{ins: slices.Clone(inputs), inSh: in, target: layer, seq: callSeq.Add(1)}
	var out [][]int
	var err error
	ml, useMulti := layer.(layers.MultiLayer)
	one, isOne := layer.(layers.Layer)
	if d, ok := layer.(layers.DualLayer); ok && isOne && !d.UsesMulti(len(inputs)) {
		useMulti = false // a recurrent layer called plainly
	}
	switch {
	case useMulti:
		c.multi = ml
		out, c.fresh, err = buildMulti(ml, in)
	case isOne:
		c.layer = one
		if len(inputs) != 1 {
			return nil, fmt.Errorf("models: apply %s: it takes one input, got %d: %s", cls, len(inputs), shapesString(in))
		}
		var o []int
		o, c.fresh, err = buildOne(one, in[0])
		out = [][]int{o}
	default:
		return nil, fmt.Errorf("models: apply %s: %T implements neither layers.Layer nor layers.MultiLayer", cls, layer)
	}
	if err != nil {
		return nil, fmt.Errorf("models: %s applied to %s: %w", cls, shapesString(in), err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("models: %s applied to %s: it returned no outputs", cls, shapesString(in))
	}
	c.outs = make([]*Node, len(out))
	for i, s := range out {
		c.outs[i] = &Node{shape: slices.Clone(s), call: c, index: i}
	}
	return c.outs, nil
}

// applyRNG gives the weights a layer gets when Apply builds it. They are
// replaced when the first model containing the layer initialises it from
// the model's seed (see NewModel), so they only need to exist.
func applyRNG() *rand.Rand { return rand.New(rand.NewPCG(0, streamInit<<32)) }

// buildOne checks a one-input layer against the input shape and builds it,
// unless it already has weights: then it only checks, with Plan, that
// the weights fit the input. fresh reports that weights were created.
func buildOne(l layers.Layer, in []int) (out []int, fresh bool, err error) {
	if ws := l.Weights(); len(ws) > 0 {
		p, ok := l.(layers.Planner)
		if !ok {
			return nil, false, fmt.Errorf("%T already has weights and does not implement layers.Planner, so it cannot be checked against a new input without rebuilding it", l)
		}
		out, plan, err := p.Plan(slices.Clone(in))
		if err != nil {
			return nil, false, err
		}
		if err := sameWeights(ws, plan); err != nil {
			return nil, false, err
		}
		return out, false, nil
	}
	out, err = l.Build(slices.Clone(in), applyRNG())
	return out, err == nil && len(l.Weights()) > 0, err
}

// buildMulti is buildOne for a MultiLayer.
func buildMulti(l layers.MultiLayer, in [][]int) (out [][]int, fresh bool, err error) {
	cp := make([][]int, len(in))
	for i, s := range in {
		cp[i] = slices.Clone(s)
	}
	if ws := l.Weights(); len(ws) > 0 {
		p, ok := l.(layers.MultiPlanner)
		if !ok {
			return nil, false, fmt.Errorf("%T already has weights and does not implement layers.MultiPlanner, so it cannot be checked against new inputs without rebuilding it", l)
		}
		out, plan, err := p.PlanMulti(cp)
		if err != nil {
			return nil, false, err
		}
		if err := sameWeights(ws, plan); err != nil {
			return nil, false, err
		}
		return out, false, nil
	}
	out, err = l.BuildMulti(cp, applyRNG())
	return out, err == nil && len(l.Weights()) > 0, err
}

// sameWeights checks that a built layer's weights are those a plan for new
// inputs needs, so that the layer can be shared.
func sameWeights(ws []*layers.Weight, plan []layers.WeightShape) error {
	if len(ws) != len(plan) {
		return fmt.Errorf("the layer is already built with %d weights; these inputs need %d", len(ws), len(plan))
	}
	for i, w := range ws {
		if !equalShape(w.Value.Shape(), plan[i].Shape) {
			return fmt.Errorf("the layer is already built with %s of shape %v; these inputs need %v (a shared layer must get inputs of the shape it was built for)", w.Name, w.Value.Shape(), plan[i].Shape)
		}
	}
	return nil
}
