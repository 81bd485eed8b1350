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
type Element struct {
	X, Y *tensor.Tensor
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
}

// arraySource is the arrays of a FromArrays dataset.
type arraySource struct {
	x, y   Array // y may be nil
	xs, ys []int // the shapes of one example
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
	if x.Rank() < 1 {
		return nil, fmt.Errorf("data: FromArrays: x has rank 0; it needs an axis of examples")
	}
	n := x.Dim(0)
	if !isNil(y) {
		if y.Rank() < 1 {
			return nil, fmt.Errorf("data: FromArrays: y has rank 0; it needs an axis of examples")
		}
		if y.Dim(0) != n {
			return nil, fmt.Errorf("data: FromArrays: x has %d examples and y %d", n, y.Dim(0))
		}
	} else {
		y = nil
	}
	xs, ys := rowShape(x), []int(nil)
	if y != nil {
		ys = rowShape(y)
	}
	d := New(func(yield func(Element) bool) error {
		idx := []int{0}
		for i := range n {
			idx[0] = i
			var e Element
			e.X = takeRow(x, xs, idx)
			if y != nil {
				e.Y = takeRow(y, ys, idx)
			}
			if !yield(e) {
				return nil
			}
		}
		return nil
	})
	d.arrays = &arraySource{x: x, y: y, xs: xs, ys: ys, n: n}
	return d, nil
}

// batches yields the examples of the arrays in batches of size, each
// copied straight into a new tensor: what Batch of the rows yields, with
// one copy and one allocation per batch instead of per row.
func (a *arraySource) batches(size int, dropRemainder bool, yield func(Element) bool) error {
	idx := make([]int, size)
	for lo := 0; lo < a.n; lo += size {
		hi := min(lo+size, a.n)
		if hi-lo < size && dropRemainder {
			return nil
		}
		idx = idx[:hi-lo]
		for i := range idx {
			idx[i] = lo + i
		}
		var e Element
		e.X = tensor.Zeros(append([]int{hi - lo}, a.xs...)...)
		a.x.TakeRowsInto(e.X, idx)
		if a.y != nil {
			e.Y = tensor.Zeros(append([]int{hi - lo}, a.ys...)...)
			a.y.TakeRowsInto(e.Y, idx)
		}
		if !yield(e) {
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
