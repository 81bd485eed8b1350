package models

import (
	"context"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/tensor"
)

// network is a model's layers compiled for running: the layer calls in an
// order where each call's inputs are computed before it, each reading and
// writing numbered value slots. A Sequential's network is a chain; a
// functional Model's is its graph. Running it allocates nothing: the slot
// and argument slices are made once.
type network struct {
	inSlots, outSlots []int
	steps             []netStep
	vals              []*tensor.Tensor // one per slot, overwritten each run
	outs              []*tensor.Tensor // forward's result
	inShapes          [][]int          // per input, per example
	outShapes         [][]int          // per output, per example
	layers            []netLayer       // each distinct layer once, in order
	// masks holds the mask of each slot's value (nil for none) when
	// masking is set: some layer makes or uses masks (Embedding,
	// Masking, the recurrent layers).
	masks    []*tensor.Tensor
	masking  bool
	outMasks []*tensor.Tensor // forwardWithMasks's output masks
	// ctx, when set (a Predictor's call), is checked between layers: a
	// cancelled run stops early, its outputs unset.
	ctx context.Context
}

// netStep is one layer call.
type netStep struct {
	layer layers.Layer      // a one-input layer, or
	multi layers.MultiLayer // a layer with several inputs or outputs
	// fuser is set when the next step takes this one's output alone and
	// nothing else does, so the two may run as one operation.
	fuser   layers.Fuser
	in, out []int
	xs, ys  []*tensor.Tensor // CallMulti's arguments
	// masked is layer as a layers.Masked; propagates tells whether a
	// layer that is not passes its input's mask on. maskedMulti is multi
	// as a layers.MaskedMulti, with ms and oms its masks' arguments.
	masked      layers.Masked
	propagates  bool
	maskedMulti layers.MaskedMulti
	ms, oms     []*tensor.Tensor
}

// netLayer is one distinct layer of a network.
type netLayer struct {
	layer Callable
	name  string
}

// chainNetwork makes the network of a stack of layers: slot i is the input
// of layer i, slot len(ls) the output. shapes holds the input shape and
// each layer's output shape, or is nil for a network not built yet.
func chainNetwork(ls []layers.Layer, names []string, in []int, outShapes [][]int) *network {
	n := &network{
		inSlots:  []int{0},
		outSlots: []int{len(ls)},
		steps:    make([]netStep, len(ls)),
		vals:     make([]*tensor.Tensor, len(ls)+1),
		outs:     make([]*tensor.Tensor, 1),
		layers:   make([]netLayer, len(ls)),
	}
	for i, l := range ls {
		n.steps[i] = netStep{layer: l, in: []int{i}, out: []int{i + 1}}
		if f, ok := l.(layers.Fuser); ok && i+1 < len(ls) {
			n.steps[i].fuser = f
		}
		n.layers[i] = netLayer{layer: l}
		if names != nil {
			n.layers[i].name = names[i]
		}
	}
	n.initMasks()
	if in != nil {
		n.inShapes = [][]int{in}
		out := in
		if len(outShapes) > 0 {
			out = outShapes[len(outShapes)-1]
		}
		n.outShapes = [][]int{out}
	}
	return n
}

// resetInference marks stale the inference copies of weights its layers
// keep (a BatchNormalization folded into the Conv2D or Dense before it), in
// nested models too: an inference pass that begins sees the weights as
// they are now, however they were changed.
func (n *network) resetInference() {
	for i := range n.steps {
		st := &n.steps[i]
		if c, ok := st.layer.(layers.InferenceCache); ok {
			c.ResetInferenceCache()
		}
		if nm, ok := st.multi.(*nestedModel); ok && nm.m.net != nil {
			nm.m.net.resetInference()
		}
	}
}

// initMasks sets up the masks of a network in which a layer makes or
// uses them, Keras's mask propagation: a mask goes from the layer that
// makes it through the layers that take it (layers.Masked) or pass it on
// (layers.PropagatesMask), and ends at any other layer; a layer of several
// inputs or outputs passes masks on if it is a layers.MaskedMulti.
func (n *network) initMasks() {
	for i := range n.steps {
		st := &n.steps[i]
		if st.layer == nil {
			if mm, ok := st.multi.(layers.MaskedMulti); ok {
				st.maskedMulti = mm
				st.ms, st.oms = make([]*tensor.Tensor, len(st.in)), make([]*tensor.Tensor, len(st.out))
			}
			continue
		}
		if m, ok := st.layer.(layers.Masked); ok {
			st.masked, n.masking = m, true
		}
		st.propagates = layers.PropagatesMask(st.layer)
	}
	if n.masking {
		n.masks = make([]*tensor.Tensor, len(n.vals))
	}
}

// forward runs the network on a batch, one tensor per input, and returns
// one per output in a slice that the next call overwrites.
func (n *network) forward(xs []*tensor.Tensor, training bool) []*tensor.Tensor {
	for i, s := range n.inSlots {
		n.vals[s] = xs[i]
	}
	if n.masking {
		clear(n.masks)
		return n.forwardMasked(training)
	}
	for i := 0; i < len(n.steps); i++ {
		if n.ctx != nil && n.ctx.Err() != nil {
			return n.outs
		}
		st := &n.steps[i]
		if st.fuser != nil {
			next := &n.steps[i+1]
			if y, ok := st.fuser.CallFused(next.layer, n.vals[st.in[0]], training); ok {
				n.vals[next.out[0]] = y
				i++
				continue
			}
		}
		if st.layer != nil {
			n.vals[st.out[0]] = st.layer.Call(n.vals[st.in[0]], training)
			continue
		}
		for j, s := range st.in {
			st.xs[j] = n.vals[s]
		}
		st.multi.CallMulti(st.xs, training, st.ys)
		for j, s := range st.out {
			n.vals[s] = st.ys[j]
		}
	}
	for i, s := range n.outSlots {
		n.outs[i] = n.vals[s]
	}
	return n.outs
}

// forwardWithMasks is forward with masks on the inputs (nil entries for
// none), as a model nested in another receives them; it returns the
// outputs and their masks, both overwritten by the next call.
func (n *network) forwardWithMasks(xs, inMasks []*tensor.Tensor, training bool) (outs, outMasks []*tensor.Tensor) {
	given := false
	for _, m := range inMasks {
		given = given || m != nil
	}
	if n.outMasks == nil {
		n.outMasks = make([]*tensor.Tensor, len(n.outSlots))
	}
	if !given && !n.masking {
		clear(n.outMasks)
		return n.forward(xs, training), n.outMasks
	}
	if n.masks == nil {
		n.masks = make([]*tensor.Tensor, len(n.vals))
	}
	for i, s := range n.inSlots {
		n.vals[s] = xs[i]
	}
	clear(n.masks)
	for i, s := range n.inSlots {
		n.masks[s] = inMasks[i]
	}
	outs = n.forwardMasked(training)
	for i, s := range n.outSlots {
		n.outMasks[i] = n.masks[s]
	}
	return outs, n.outMasks
}

// forwardMasked is forward carrying the masks along (without fusing
// layers, which do not take masks), from the masks set in n.masks.
func (n *network) forwardMasked(training bool) []*tensor.Tensor {
	for i := range n.steps {
		if n.ctx != nil && n.ctx.Err() != nil {
			return n.outs
		}
		st := &n.steps[i]
		if st.layer != nil {
			x, m := n.vals[st.in[0]], n.masks[st.in[0]]
			out := st.out[0]
			switch {
			case st.masked != nil:
				n.vals[out], n.masks[out] = st.masked.CallMasked(x, m, training)
			case st.propagates:
				n.vals[out], n.masks[out] = st.layer.Call(x, training), m
			default:
				n.vals[out] = st.layer.Call(x, training)
			}
			continue
		}
		for j, s := range st.in {
			st.xs[j] = n.vals[s]
		}
		if st.maskedMulti != nil {
			for j, s := range st.in {
				st.ms[j] = n.masks[s]
			}
			st.maskedMulti.CallMultiMasked(st.xs, st.ms, training, st.ys, st.oms)
			for j, s := range st.out {
				n.vals[s], n.masks[s] = st.ys[j], st.oms[j]
			}
			continue
		}
		st.multi.CallMulti(st.xs, training, st.ys)
		for j, s := range st.out {
			n.vals[s] = st.ys[j]
		}
	}
	for i, s := range n.outSlots {
		n.outs[i] = n.vals[s]
	}
	return n.outs
}
