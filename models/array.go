package models

import (
	"fmt"
	"reflect"

	"github.com/neuron-go/neuron/tensor"
)

// Array is what Fit, Evaluate and Predict take as inputs and targets: a set
// of examples along the first axis that can copy any of them, as float32,
// into a batch. A *tensor.Tensor is one. So are the uint8 arrays the
// loaders of package datasets return (datasets.Uint8Array, and
// datasets.ScaledArray for X_train / 255.0): like Keras's fit on a NumPy
// uint8 array, Fit then converts each batch as it assembles it, and the
// float32 copy of the whole data set, four times the size of the bytes, is
// never made. The numbers are the same as with the converted tensor, bit
// for bit.
type Array interface {
	// Rank returns the number of axes; data has at least one.
	Rank() int
	// Dim returns the size of axis i (0 ≤ i < Rank()): Dim(0) is the
	// number of examples, the other axes the shape of one example.
	Dim(i int) int
	// TakeRowsInto writes examples idx, in that order, into dst, which
	// holds len(idx) examples. It may panic with a *tensor.ShapeError if
	// dst does not fit or an index is out of range.
	TakeRowsInto(dst *tensor.Tensor, idx []int)
}

// Validator is an Array that checks itself. Fit, Evaluate and Predict call
// Validate before anything else instead of reading every example to look
// for NaN and infinite values, as they do for other Arrays; an error names
// what is wrong. The arrays of package datasets are Validators.
type Validator interface {
	Array
	// Validate returns an error if the array is malformed or yields a
	// value that is NaN or infinite.
	Validate() error
}

// *tensor.Tensor is an Array.
var _ Array = (*tensor.Tensor)(nil)

// isNil reports whether a is nil or a nil pointer (a nil *tensor.Tensor
// passed as an Array is not a nil interface).
func isNil(a Array) bool {
	if a == nil {
		return true
	}
	switch v := reflect.ValueOf(a); v.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Interface, reflect.Func, reflect.Chan:
		return v.IsNil()
	}
	return false
}

// shapeOf returns a's shape. The caller must not modify it.
func shapeOf(a Array) []int {
	if t, ok := a.(*tensor.Tensor); ok {
		return t.Shape()
	}
	s := make([]int, a.Rank())
	for i := range s {
		s[i] = a.Dim(i)
	}
	return s
}

// rowsRange returns rows [lo, hi) of a without copying: a tensor's Slice,
// or a view.
func rowsRange(a Array, lo, hi int) Array {
	if t, ok := a.(*tensor.Tensor); ok {
		return t.Slice(lo, hi)
	}
	idx := make([]int, hi-lo)
	for i := range idx {
		idx[i] = lo + i
	}
	return rowsAt(a, idx)
}

// rowsAt returns rows idx of a, in that order, as a view that reads them
// from a when it is read.
func rowsAt(a Array, idx []int) Array {
	if v, ok := a.(*rowView); ok {
		mapped := make([]int, len(idx))
		for i, r := range idx {
			mapped[i] = v.idx[r]
		}
		return &rowView{a: v.a, idx: mapped}
	}
	return &rowView{a: a, idx: idx}
}

// rowView is rows idx of a.
type rowView struct {
	a   Array
	idx []int
	buf []int // the rows of a for one TakeRowsInto
}

// Rank implements Array.
func (v *rowView) Rank() int { return v.a.Rank() }

// Dim implements Array.
func (v *rowView) Dim(i int) int {
	if i == 0 || i == -v.a.Rank() {
		return len(v.idx)
	}
	return v.a.Dim(i)
}

// TakeRowsInto implements Array.
func (v *rowView) TakeRowsInto(dst *tensor.Tensor, idx []int) {
	v.buf = v.buf[:0]
	for _, r := range idx {
		if r < 0 || r >= len(v.idx) {
			panic(&tensor.ShapeError{Op: "TakeRows", Shapes: [][]int{shapeOf(v)}, Msg: fmt.Sprintf("row %d out of range", r)})
		}
		v.buf = append(v.buf, v.idx[r])
	}
	v.a.TakeRowsInto(dst, v.buf)
}

// batchReader reads consecutive rows of an Array as float32 batches: views
// of a tensor, or rows converted into one reused buffer.
type batchReader struct {
	a     Array
	t     *tensor.Tensor // a, if it is a tensor
	shape []int
	buf   *tensor.Tensor // room for a full batch
	idx   []int
}

func newBatchReader(a Array, bs int) *batchReader {
	r := &batchReader{a: a}
	if t, ok := a.(*tensor.Tensor); ok {
		r.t = t
		return r
	}
	r.shape = shapeOf(a)
	r.buf = tensor.Zeros(batchShape(r.shape, bs)...)
	r.idx = make([]int, bs)
	return r
}

// rows returns rows [lo, hi), at most a batch. The result is valid until
// the next call.
func (r *batchReader) rows(lo, hi int) *tensor.Tensor {
	if r.t != nil {
		return r.t.Slice(lo, hi)
	}
	b := r.buf
	if n := hi - lo; n != r.buf.Dim(0) {
		b = tensor.FromSlice(r.buf.Data()[:n*prodShape(r.shape[1:])], batchShape(r.shape, n)...)
	}
	idx := r.idx[:hi-lo]
	for i := range idx {
		idx[i] = lo + i
	}
	r.a.TakeRowsInto(b, idx)
	return b
}

// chunkElems bounds the float32 values converted at a time when an Array
// other than a tensor is read whole (to check or hash it): 4 MiB.
const chunkElems = 1 << 20

// eachChunk calls f with consecutive blocks of rows of a, from row lo, as
// float32 tensors of at most chunkElems values (but at least one row),
// until f returns false. A tensor is passed whole, without a copy. The
// block is valid only during the call.
func eachChunk(a Array, f func(lo int, b *tensor.Tensor) bool) {
	if t, ok := a.(*tensor.Tensor); ok {
		f(0, t)
		return
	}
	shape := shapeOf(a)
	n, per := shape[0], prodShape(shape[1:])
	if n == 0 {
		return
	}
	rows := n
	if per > 0 {
		rows = min(n, max(1, chunkElems/per))
	}
	r := newBatchReader(a, rows)
	for lo := 0; lo < n; lo += rows {
		if !f(lo, r.rows(lo, min(lo+rows, n))) {
			return
		}
	}
}
