package models

import (
	"fmt"
	"slices"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/tensor"
)

// StringArray is an Array of texts, one per example, shaped (n, 1) as
// Keras's string inputs (keras.Input(shape=(1,), dtype="string"));
// data.Strings is one. Fit, Evaluate and Predict take one for a model
// input whose only layer is a layers.StringLayer, such as
// layers.TextVectorization: the model vectorizes each batch of texts with
// that layer and runs its other layers on the numbers, as Keras's
// end-to-end text models do. The array's own TakeRowsInto is not used.
type StringArray interface {
	Array
	// Text returns example i.
	Text(i int) string
}

// asStrings returns a as a StringArray if it holds texts: a StringArray,
// or rows of one (a validation split, a fold).
func asStrings(a Array) (StringArray, bool) {
	switch v := a.(type) {
	case StringArray:
		return v, true
	case *rowView:
		if s, ok := v.a.(StringArray); ok {
			return &stringRows{s: s, idx: v.idx}, true
		}
	}
	return nil, false
}

// stringRows is rows idx of a StringArray.
type stringRows struct {
	s   StringArray
	idx []int
}

func (r *stringRows) Rank() int { return 2 }

func (r *stringRows) Dim(i int) int {
	if i == 0 {
		return len(r.idx)
	}
	return r.s.Dim(i)
}

func (r *stringRows) Text(i int) string { return r.s.Text(r.idx[i]) }

func (r *stringRows) TakeRowsInto(dst *tensor.Tensor, idx []int) { r.s.TakeRowsInto(dst, idx) }

// vectorized is a StringArray seen through the layer its input feeds: the
// numbers that layer makes of the texts, a batch at a time.
type vectorized struct {
	src   StringArray
	layer layers.StringLayer
	shape []int    // (n, the layer's output shape...)
	texts []string // one batch's texts, reused
}

// Rank implements Array.
func (v *vectorized) Rank() int { return len(v.shape) }

// Dim implements Array.
func (v *vectorized) Dim(i int) int { return v.shape[i] }

// TakeRowsInto implements Array.
func (v *vectorized) TakeRowsInto(dst *tensor.Tensor, idx []int) {
	v.texts = v.texts[:0]
	for _, r := range idx {
		if r < 0 || r >= v.shape[0] {
			panic(&tensor.ShapeError{Op: "TakeRows", Shapes: [][]int{v.shape}, Msg: fmt.Sprintf("row %d out of range", r)})
		}
		v.texts = append(v.texts, v.src.Text(r))
	}
	if err := v.layer.VectorizeInto(dst, v.texts); err != nil {
		panic(&tensor.ShapeError{Op: v.layer.ClassName(), Msg: err.Error()})
	}
}

// Validate implements Validator: the layer makes finite numbers, so the
// texts need not be vectorized once more only to be checked.
func (v *vectorized) Validate() error { return nil }

// textInputs replaces the arrays of x that hold texts with arrays of the
// numbers the layer each feeds makes of them, and returns the network to
// run on the result: the model's, without those layers. It returns nil for
// the network when no array holds texts. names are the arrays' argument
// names.
func (e *engine) textInputs(op string, names []string, x []Array) ([]Array, *network, []bool, error) {
	var mask []bool
	var out []Array
	steps := map[int]int{}
	for i, a := range x {
		s, ok := asStrings(a)
		if !ok {
			continue
		}
		if mask == nil {
			mask = make([]bool, len(x))
			out = slices.Clone(x)
		}
		mask[i] = true
		sl, step, err := e.stringLayer(op, names[i], i)
		if err != nil {
			return nil, nil, nil, err
		}
		pl, ok := sl.(layers.Planner)
		if !ok {
			return nil, nil, nil, fmt.Errorf("models: %s: %s holds texts, but its layer %s does not implement layers.Planner", op, names[i], sl.ClassName())
		}
		shape, _, err := pl.Plan(e.net.inShapes[i])
		if err != nil {
			return nil, nil, nil, fmt.Errorf("models: %s: %s: %w", op, names[i], err)
		}
		out[i] = &vectorized{src: s, layer: sl, shape: append([]int{s.Dim(0)}, shape...)}
		steps[i] = step
	}
	if mask == nil {
		return x, nil, nil, nil
	}
	return out, e.net.skipping(steps), mask, nil
}

// stringLayer returns the layer that input i feeds and the index of its
// step, which must be a StringLayer and the input's only reader.
func (e *engine) stringLayer(op, name string, i int) (layers.StringLayer, int, error) {
	slot := e.net.inSlots[i]
	step := -1
	for k, st := range e.net.steps {
		if slices.Contains(st.in, slot) {
			if step >= 0 {
				return nil, 0, fmt.Errorf("models: %s: %s holds texts, but its input feeds several layers; a text input must feed one TextVectorization alone", op, name)
			}
			step = k
		}
	}
	if slices.Contains(e.net.outSlots, slot) {
		return nil, 0, fmt.Errorf("models: %s: %s holds texts, but the model outputs that input as it is; a text input must feed a TextVectorization", op, name)
	}
	if step < 0 {
		return nil, 0, fmt.Errorf("models: %s: %s holds texts, but its input feeds no layer", op, name)
	}
	st := e.net.steps[step]
	var cls string
	if st.layer != nil {
		if sl, ok := st.layer.(layers.StringLayer); ok {
			return sl, step, nil
		}
		cls = st.layer.ClassName()
	} else {
		cls = st.multi.ClassName()
	}
	return nil, 0, fmt.Errorf("models: %s: %s holds texts (data.Strings), but its input feeds %s, which takes numbers; texts need a layers.TextVectorization first", op, name, cls)
}

// skipping returns a copy of n that takes as input i the output of step
// steps[i] and leaves those steps out.
func (n *network) skipping(steps map[int]int) *network {
	c := *n
	c.inSlots = slices.Clone(n.inSlots)
	c.inShapes = nil // only the steps' outputs are known, and nothing reads them
	drop := make([]bool, len(n.steps))
	for i, k := range steps {
		c.inSlots[i] = n.steps[k].out[0]
		drop[k] = true
	}
	c.steps = nil
	for k, st := range n.steps {
		if !drop[k] {
			c.steps = append(c.steps, st)
		}
	}
	c.vals = make([]*tensor.Tensor, len(n.vals))
	c.outs = make([]*tensor.Tensor, len(n.outs))
	if n.masks != nil {
		c.masks = make([]*tensor.Tensor, len(n.masks))
	}
	return &c
}

// forward runs the network of the current call: the model's, or the one
// that starts after the layers that vectorize its texts.
func (e *engine) forward(xs []*tensor.Tensor, training bool) []*tensor.Tensor {
	if e.feed != nil {
		return e.feed.forward(xs, training)
	}
	return e.net.forward(xs, training)
}

// outMask returns the mask of output i after the last forward, or nil.
func (e *engine) outMask(i int) *tensor.Tensor {
	n := e.net
	if e.feed != nil {
		n = e.feed
	}
	if !n.masking || i >= len(n.outSlots) {
		return nil
	}
	return n.masks[n.outSlots[i]]
}

// useFeed makes forward run feed until the returned function is called,
// which puts back the network of an enclosing call (a callback may
// Predict in the middle of a Fit).
func (e *engine) useFeed(feed *network) func() {
	prev := e.feed
	e.feed = feed
	return func() { e.feed = prev }
}
