package data

import (
	"fmt"
	"iter"
	"reflect"
	"slices"

	"github.com/neuron-go/neuron/tensor"
)

// Element is one element of a Dataset: features X and target Y, or a batch
// of them along the first axis. Y is nil in a dataset without targets.
// Elements are read-only: a transformation may hand the same tensors, or
// views of them, to several consumers.
//
// For a model of several inputs or outputs, Xs and Ys hold one tensor
// each, in the order of the model's inputs and outputs, and X and Y are
// nil: Keras's (x1, x2), (y1, y2) tuples. W holds the sample weights, one
// per example, as Keras's third element (x, y, sample_weight), or is nil.
type Element struct {
	X, Y *tensor.Tensor
	// Xs and Ys are the inputs and targets of a model with several.
	Xs, Ys []*tensor.Tensor
	// W is the examples' sample weights, or nil.
	W *tensor.Tensor
}

// Inputs returns the element's inputs: Xs, or X alone.
func (e Element) Inputs() []*tensor.Tensor {
	if e.Xs != nil {
		return e.Xs
	}
	if e.X == nil {
		return nil
	}
	return []*tensor.Tensor{e.X}
}

// Targets returns the element's targets: Ys, or Y alone (none if nil).
func (e Element) Targets() []*tensor.Tensor {
	if e.Ys != nil {
		return e.Ys
	}
	if e.Y == nil {
		return nil
	}
	return []*tensor.Tensor{e.Y}
}

// layout is which fields of an Element hold tensors: the shape of its
// structure, without the tensors' shapes.
type layout struct {
	xs, ys int  // len(Xs), len(Ys); -1 for X, Y alone; 0 for none
	w      bool // W is set
}

func (e Element) layout() layout {
	l := layout{xs: len(e.Xs), ys: len(e.Ys), w: e.W != nil}
	if e.Xs == nil && e.X != nil {
		l.xs = -1
	}
	if e.Ys == nil && e.Y != nil {
		l.ys = -1
	}
	return l
}

// parts returns the element's tensors: inputs, targets, weights.
func (e Element) parts() []*tensor.Tensor {
	ps := append(e.Inputs(), e.Targets()...)
	if e.W != nil {
		ps = append(ps, e.W)
	}
	return ps
}

// element rebuilds an element of layout l from its parts.
func (l layout) element(ps []*tensor.Tensor) Element {
	var e Element
	n := func(k int) int { return max(k, -k) }
	switch {
	case l.xs < 0:
		e.X = ps[0]
	case l.xs > 0:
		e.Xs = ps[:l.xs:l.xs]
	}
	ps = ps[n(l.xs):]
	switch {
	case l.ys < 0:
		e.Y = ps[0]
	case l.ys > 0:
		e.Ys = ps[:l.ys:l.ys]
	}
	ps = ps[n(l.ys):]
	if l.w {
		e.W = ps[0]
	}
	return e
}

// Describe names the element's tensors with their shapes, for error
// messages: "x [32 4], y [32]", or "x[0] [32 6], x[1] [32 5], y[0] [32],
// sample weights [32]".
func (e Element) Describe() string {
	var b []byte
	add := func(name string, t *tensor.Tensor) {
		if len(b) > 0 {
			b = append(b, ", "...)
		}
		b = fmt.Appendf(b, "%s %v", name, shapeOf(t))
	}
	l := e.layout()
	for i, t := range e.Inputs() {
		if l.xs < 0 {
			add("x", t)
		} else {
			add(fmt.Sprintf("x[%d]", i), t)
		}
	}
	for i, t := range e.Targets() {
		if l.ys < 0 {
			add("y", t)
		} else {
			add(fmt.Sprintf("y[%d]", i), t)
		}
	}
	if e.W != nil {
		add("sample weights", e.W)
	}
	if len(b) == 0 {
		return "no tensors"
	}
	return string(b)
}

// Dataset is a sequence of elements that can be read any number of times,
// each time from the start, like a tf.data.Dataset. Transformations
// return new Datasets and leave their input as it was; nothing is read
// until the result is iterated.
//
// A Dataset is safe for concurrent iteration as long as its sources and
// functions are.
type Dataset struct {
	// run yields the elements in order until yield returns false or an
	// error ends them.
	run func(yield func(Element) bool) error
	// arrays is set for a dataset made by FromArrays, so that Batch can
	// copy whole batches out of the arrays instead of stacking rows.
	arrays *arraySource
	// runShared, if set, is run for AllShared: it may yield the same
	// tensors again, overwritten.
	runShared func(yield func(Element) bool) error
}

// arraySource is the arrays of a FromArrays dataset: its parts in an
// Element's order (inputs, targets, weights) and their layout.
type arraySource struct {
	parts  []Array
	shapes [][]int // the shape of one example of each part
	layout layout
	n      int
}

// New returns a Dataset whose elements are those gen yields. gen is
// called anew at each iteration; it must stop when yield returns false,
// and the error it returns ends the iteration.
func New(gen func(yield func(Element) bool) error) *Dataset {
	return &Dataset{run: gen}
}

// All returns an iterator over the elements. When an error ends them, the
// last pair holds the error and a zero Element. Breaking out of the loop
// early stops every goroutine the pipeline started before All returns.
func (d *Dataset) All() iter.Seq2[Element, error] {
	return func(yield func(Element, error) bool) {
		stopped := false
		err := d.run(func(e Element) bool {
			if !yield(e, nil) {
				stopped = true
				return false
			}
			return true
		})
		if err != nil && !stopped {
			yield(Element{}, err)
		}
	}
}

// AllShared is All for a loop that is done with each element before it
// asks for the next: the dataset may then yield the same tensors again,
// overwritten with the next element's values, instead of new ones. A
// batched FromArrays dataset does, which saves allocating and clearing
// memory for every batch; other datasets yield what All yields.
// FitDataset, EvaluateDataset and PredictDataset read datasets this way.
func (d *Dataset) AllShared() iter.Seq2[Element, error] {
	if d.runShared == nil {
		return d.All()
	}
	return (&Dataset{run: d.runShared}).All()
}

// Collect reads every element into a slice.
func (d *Dataset) Collect() ([]Element, error) {
	var out []Element
	for e, err := range d.All() {
		if err != nil {
			return out, err
		}
		out = append(out, e)
	}
	return out, nil
}

// Array is a set of examples along the first axis that can copy any of
// them, as float32, into a tensor: the method set of models.Array, so a
// *tensor.Tensor and the arrays of package datasets are Arrays.
type Array interface {
	// Rank returns the number of axes.
	Rank() int
	// Dim returns the size of axis i.
	Dim(i int) int
	// TakeRowsInto writes examples idx, in that order, into dst.
	TakeRowsInto(dst *tensor.Tensor, idx []int)
}

// FromArrays returns a Dataset of the examples of x and y, one element per
// index of the first axis, like tf.data.Dataset.from_tensor_slices((x, y)).
// y may be nil. It is an error if x and y do not have the same number of
// examples.
func FromArrays(x, y Array) (*Dataset, error) {
	if isNil(x) {
		return nil, fmt.Errorf("data: FromArrays: x is nil")
	}
	parts, l := []Array{x}, layout{xs: -1}
	if !isNil(y) {
		parts, l.ys = append(parts, y), -1
	}
	return fromParts("FromArrays", parts, []string{"x", "y"}, l)
}

// FromArraysMulti is FromArrays for a model of several inputs or outputs,
// or with sample weights: from_tensor_slices(((x1, x2), (y1, y2), sw)).
// Its elements hold Xs and Ys (one tensor per array of x and of y) and W
// (a scalar weight per example) when sampleWeight is not nil. y may be
// empty; every array must have the same number of examples.
//
// The slices may be of any Array type, []models.Array included.
func FromArraysMulti[X, Y Array](x []X, y []Y, sampleWeight Array) (*Dataset, error) {
	if len(x) == 0 {
		return nil, fmt.Errorf("data: FromArraysMulti: x holds no array")
	}
	var parts []Array
	var names []string
	for i, a := range x {
		if isNil(a) {
			return nil, fmt.Errorf("data: FromArraysMulti: x[%d] is nil", i)
		}
		parts, names = append(parts, a), append(names, fmt.Sprintf("x[%d]", i))
	}
	for i, a := range y {
		if isNil(a) {
			return nil, fmt.Errorf("data: FromArraysMulti: y[%d] is nil", i)
		}
		parts, names = append(parts, a), append(names, fmt.Sprintf("y[%d]", i))
	}
	l := layout{xs: len(x), ys: len(y)}
	if !isNil(sampleWeight) {
		if sampleWeight.Rank() != 1 {
			return nil, fmt.Errorf("data: FromArraysMulti: sampleWeight must have one value per example (rank 1), got rank %d", sampleWeight.Rank())
		}
		parts, names, l.w = append(parts, sampleWeight), append(names, "sampleWeight"), true
	}
	return fromParts("FromArraysMulti", parts, names, l)
}

// fromParts is FromArrays over the parts of an element of layout l.
func fromParts(op string, parts []Array, names []string, l layout) (*Dataset, error) {
	n := -1
	shapes := make([][]int, len(parts))
	for i, a := range parts {
		if a.Rank() < 1 {
			return nil, fmt.Errorf("data: %s: %s has rank 0; it needs an axis of examples", op, names[i])
		}
		if n < 0 {
			n = a.Dim(0)
		} else if a.Dim(0) != n {
			return nil, fmt.Errorf("data: %s: %s has %d examples and %s %d", op, names[0], n, names[i], a.Dim(0))
		}
		shapes[i] = rowShape(a)
	}
	d := New(func(yield func(Element) bool) error {
		idx := []int{0}
		ps := make([]*tensor.Tensor, len(parts))
		for i := range n {
			idx[0] = i
			for k, a := range parts {
				ps[k] = takeRow(a, shapes[k], idx)
			}
			if !yield(l.element(slices.Clone(ps))) {
				return nil
			}
		}
		return nil
	})
	d.arrays = &arraySource{parts: parts, shapes: shapes, layout: l, n: n}
	return d, nil
}

// batches yields the examples of the arrays in batches of size, each
// copied straight into a new tensor: what Batch of the rows yields, with
// one copy and one allocation per batch instead of per row. If shared,
// the full batches of a pass are copied into the same tensors.
func (a *arraySource) batches(size int, dropRemainder, shared bool, yield func(Element) bool) error {
	idx := make([]int, size)
	var ps []*tensor.Tensor
	for lo := 0; lo < a.n; lo += size {
		hi := min(lo+size, a.n)
		if hi-lo < size && dropRemainder {
			return nil
		}
		idx = idx[:hi-lo]
		for i := range idx {
			idx[i] = lo + i
		}
		if !shared || ps == nil || ps[0].Dim(0) != hi-lo {
			ps = make([]*tensor.Tensor, len(a.parts))
			for k := range a.parts {
				ps[k] = tensor.Zeros(append([]int{hi - lo}, a.shapes[k]...)...)
			}
		}
		for k, p := range a.parts {
			p.TakeRowsInto(ps[k], idx)
		}
		if !yield(a.layout.element(ps)) {
			return nil
		}
	}
	return nil
}

// Number is the element types FromSlices accepts.
type Number interface {
	~float32 | ~float64 | ~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 | ~uint64
}

// FromSlices returns a Dataset of the rows of x, each a vector, with the
// targets y as scalars; y may be nil. Every row must have the same length,
// and y as many values as x has rows. The values are converted to float32.
func FromSlices[T, U Number](x [][]T, y []U) (*Dataset, error) {
	if y != nil && len(y) != len(x) {
		return nil, fmt.Errorf("data: FromSlices: x has %d rows and y %d values", len(x), len(y))
	}
	width := 0
	if len(x) > 0 {
		width = len(x[0])
	}
	xs := make([]float32, 0, len(x)*width)
	for i, row := range x {
		if len(row) != width {
			return nil, fmt.Errorf("data: FromSlices: row %d of x has %d values, row 0 has %d", i, len(row), width)
		}
		for _, v := range row {
			xs = append(xs, float32(v))
		}
	}
	xt := tensor.FromSlice(xs, len(x), width)
	if y == nil {
		return FromArrays(xt, nil)
	}
	ys := make([]float32, len(y))
	for i, v := range y {
		ys[i] = float32(v)
	}
	return FromArrays(xt, tensor.FromSlice(ys, len(y)))
}

func rowShape(a Array) []int {
	s := make([]int, a.Rank()-1)
	for i := range s {
		s[i] = a.Dim(i + 1)
	}
	return s
}

// takeRow copies row idx[0] of a into a new tensor of shape shape.
func takeRow(a Array, shape, idx []int) *tensor.Tensor {
	dst := tensor.Zeros(append([]int{1}, shape...)...)
	a.TakeRowsInto(dst, idx)
	return reshaped(dst.Data(), shape)
}

// reshaped returns data as a tensor of shape shape, a scalar if shape is
// empty (FromSlice would make that a vector).
func reshaped(data []float32, shape []int) *tensor.Tensor {
	if len(shape) == 0 {
		return tensor.Scalar(data[0])
	}
	return tensor.FromSlice(data, shape...)
}

// isNil reports whether a is nil or a nil pointer.
func isNil(a Array) bool {
	if a == nil {
		return true
	}
	v := reflect.ValueOf(a)
	switch v.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Interface, reflect.Func, reflect.Chan:
		return v.IsNil()
	}
	return false
}

// sameShape reports whether a and b have equal shapes (two nil tensors
// do).
func sameShape(a, b *tensor.Tensor) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return slices.Equal(a.Shape(), b.Shape())
}
