package datasets

import (
	"fmt"
	"math"

	"github.com/neuron-go/neuron/internal/hugepage"
	"github.com/neuron-go/neuron/internal/vec"
	"github.com/neuron-go/neuron/tensor"
)

// Tensor returns the array as a float32 tensor of the same shape, values
// unchanged (0..255 for images), as NumPy promotes uint8 data when a model
// consumes it. Divide by 255 for inputs in [0, 1], as the course does:
//
//	x := xTrain.Tensor().DivScalar(255) // X_train / 255.0
//
// The tensor takes four times the memory of the array. Fit, Evaluate and
// Predict of package models take the array itself and convert one batch
// at a time, which needs no such copy; DivScalar gives the scaled form.
func (a Uint8Array) Tensor() *tensor.Tensor {
	d := hugepage.Floats(len(a.Data))
	for i, v := range a.Data {
		d[i] = float32(v)
	}
	return tensor.FromSlice(d, a.Shape...)
}

// Rank returns the number of dimensions, len(a.Shape), as NumPy's ndim.
func (a Uint8Array) Rank() int { return len(a.Shape) }

// Dim returns the size of dimension i, a.Shape[i]; a negative i counts
// from the end, as for a tensor. Dim panics with a *tensor.ShapeError if
// there is no such dimension.
func (a Uint8Array) Dim(i int) int {
	j := i
	if j < 0 {
		j += len(a.Shape)
	}
	if j < 0 || j >= len(a.Shape) {
		panic(shapeError("Dim", fmt.Sprintf("axis %d out of range", i), a.Shape))
	}
	return a.Shape[j]
}

// TakeRowsInto writes items idx along the first dimension, in that order,
// into dst as float32 values: float32(v) for each byte v, exactly as
// Tensor converts them. dst must hold len(idx) items of a's item size.
// This is how Fit, Evaluate and Predict of package models read the array:
// one batch at a time. TakeRowsInto panics with a *tensor.ShapeError if
// dst does not fit or an index is out of range.
func (a Uint8Array) TakeRowsInto(dst *tensor.Tensor, idx []int) {
	takeRows(a, dst, idx, nil)
}

// PrefetchRows asks the CPU to start loading items idx into its caches and
// returns at once; Fit names the next batch's items while the current step
// computes, so that TakeRowsInto then reads them from the cache instead of
// DRAM. It changes nothing and panics if an index is out of range.
func (a Uint8Array) PrefetchRows(idx []int) {
	if len(a.Shape) == 0 {
		panic("datasets: PrefetchRows of an array without dimensions")
	}
	vec.PrefetchByteRows(a.Data, idx, itemSize(a.Shape))
}

// Slice returns items [from, to) along the first dimension, as NumPy's
// a[from:to]. It is a view: its Data shares memory with a. Slice panics if
// a has no dimensions or the range is out of bounds, as slice indexing
// does.
func (a Uint8Array) Slice(from, to int) Uint8Array {
	if len(a.Shape) == 0 {
		panic("datasets: Slice of an array without dimensions")
	}
	if from < 0 || to > a.Shape[0] || from > to {
		panic(fmt.Sprintf("datasets: Slice(%d, %d) out of range for %s", from, to, a.Describe()))
	}
	per := itemSize(a.Shape)
	shape := append([]int{to - from}, a.Shape[1:]...)
	return Uint8Array{Shape: shape, Data: a.Data[from*per : to*per : to*per]}
}

// Reshape returns the array with a new shape and the same Data, as NumPy's
// a.reshape: X_train.reshape((60000, 28, 28, 1)) is
// xTrain.Reshape(60000, 28, 28, 1). One dimension may be -1; it is then
// inferred from the others. Reshape panics if the sizes do not match.
func (a Uint8Array) Reshape(shape ...int) Uint8Array {
	shape = append([]int(nil), shape...)
	infer, known := -1, 1
	for i, d := range shape {
		switch {
		case d == -1 && infer < 0:
			infer = i
		case d < 0:
			panic(fmt.Sprintf("datasets: cannot reshape %s to %v: bad dimension %d", a.Describe(), shape, d))
		default:
			known *= d
		}
	}
	if infer >= 0 {
		if known == 0 || len(a.Data)%known != 0 {
			panic(fmt.Sprintf("datasets: cannot reshape %s to %v: cannot infer the -1 dimension", a.Describe(), shape))
		}
		shape[infer] = len(a.Data) / known
		known *= shape[infer]
	}
	if known != len(a.Data) {
		panic(fmt.Sprintf("datasets: cannot reshape %s to %v: %d values do not fit the new shape", a.Describe(), shape, len(a.Data)))
	}
	return Uint8Array{Shape: shape, Data: a.Data}
}

// DivScalar returns the array divided by c, as X_train / 255.0 in NumPy,
// without computing anything yet: the result converts its values when
// they are read, one batch at a time when Fit, Evaluate or Predict of
// package models read it. Each value is float32(v) / c, bit for bit the
// value of a.Tensor().DivScalar(c), so training on either gives the same
// weights; the array takes no extra memory, where the tensor takes four
// bytes a value.
func (a Uint8Array) DivScalar(c float32) ScaledArray {
	return ScaledArray{Array: a, Divisor: c}
}

// Validate checks that a is well formed: no negative dimension, and as
// many values in Data as Shape calls for. Fit, Evaluate and Predict of
// package models call it before reading a; its values, being bytes, need
// no check for NaN or infinity.
func (a Uint8Array) Validate() error {
	n := 1
	for _, d := range a.Shape {
		if d < 0 {
			return fmt.Errorf("datasets: shape %v has a negative dimension", a.Shape)
		}
		if d != 0 && n > math.MaxInt/d {
			return fmt.Errorf("datasets: shape %v is too large", a.Shape)
		}
		n *= d
	}
	if n != len(a.Data) {
		return fmt.Errorf("datasets: %s holds %d values, want %d", a.Describe(), len(a.Data), n)
	}
	return nil
}

// ScaledArray is a Uint8Array divided by a constant, computed as it is
// read: the lazy form of X_train / 255.0, made by Uint8Array.DivScalar.
// Package models's Fit, Evaluate and Predict take it like a tensor.
type ScaledArray struct {
	// Array holds the values.
	Array Uint8Array
	// Divisor divides every value: item values read as float32(v) / Divisor.
	Divisor float32
}

// Len returns the number of items, the size of the first dimension.
func (s ScaledArray) Len() int { return s.Array.Len() }

// Rank returns the number of dimensions.
func (s ScaledArray) Rank() int { return s.Array.Rank() }

// Dim returns the size of dimension i, as Uint8Array.Dim.
func (s ScaledArray) Dim(i int) int { return s.Array.Dim(i) }

// TakeRowsInto writes items idx along the first dimension, in that order,
// into dst: float32(v) / Divisor for each byte v. It panics as
// Uint8Array.TakeRowsInto does.
func (s ScaledArray) TakeRowsInto(dst *tensor.Tensor, idx []int) {
	t := s.table()
	takeRows(s.Array, dst, idx, &t)
}

// PrefetchRows is Uint8Array.PrefetchRows.
func (s ScaledArray) PrefetchRows(idx []int) { s.Array.PrefetchRows(idx) }

// Tensor returns all the values at once as a float32 tensor, equal to
// s.Array.Tensor().DivScalar(s.Divisor).
func (s ScaledArray) Tensor() *tensor.Tensor {
	t := s.table()
	d := hugepage.Floats(len(s.Array.Data))
	for i, v := range s.Array.Data {
		d[i] = t[v]
	}
	return tensor.FromSlice(d, s.Array.Shape...)
}

// Validate checks the array as Uint8Array.Validate does, and that no
// value becomes NaN or infinite when divided (by zero, for example).
func (s ScaledArray) Validate() error {
	if err := s.Array.Validate(); err != nil {
		return err
	}
	t := s.table()
	finite := true
	for _, q := range t {
		if math.IsNaN(float64(q)) || math.IsInf(float64(q), 0) {
			finite = false
			break
		}
	}
	if finite {
		return nil
	}
	for i, v := range s.Array.Data {
		if q := float64(t[v]); math.IsNaN(q) || math.IsInf(q, 0) {
			return fmt.Errorf("datasets: value %d at flat index %d divided by %v is %v; values must stay finite", v, i, s.Divisor, t[v])
		}
	}
	return nil
}

// table returns the value each byte converts to.
func (s ScaledArray) table() [256]float32 {
	var t [256]float32
	for v := range t {
		t[v] = float32(v) / s.Divisor
	}
	return t
}

// itemSize returns the number of values of one item of an array of the
// given shape (the product of all but the first dimension).
func itemSize(shape []int) int {
	n := 1
	for _, d := range shape[1:] {
		n *= d
	}
	return n
}

// takeRows converts items idx of a into dst, through table if not nil.
func takeRows(a Uint8Array, dst *tensor.Tensor, idx []int, table *[256]float32) {
	if len(a.Shape) == 0 {
		panic(shapeError("TakeRowsInto", "needs at least one axis", a.Shape))
	}
	per := itemSize(a.Shape)
	d := dst.Data()
	if len(d) != len(idx)*per {
		panic(shapeError("TakeRowsInto", "destination does not fit", dst.Shape(), a.Shape))
	}
	n := a.Shape[0]
	if len(a.Data) < n*per {
		panic(shapeError("TakeRowsInto", fmt.Sprintf("%d values do not fill the shape", len(a.Data)), a.Shape))
	}
	for i, r := range idx {
		if r < 0 || r >= n {
			panic(shapeError("TakeRows", fmt.Sprintf("row %d out of range", r), a.Shape))
		}
		src := a.Data[r*per : (r+1)*per]
		out := d[i*per : (i+1)*per]
		if table == nil {
			for j, v := range src {
				out[j] = float32(v)
			}
		} else {
			for j, v := range src {
				out[j] = table[v]
			}
		}
	}
}

// shapeError returns the *tensor.ShapeError the array methods panic with,
// so that callers recovering tensor errors (Fit, Evaluate, Predict)
// recover these too.
func shapeError(op, msg string, shapes ...[]int) *tensor.ShapeError {
	cp := make([][]int, len(shapes))
	for i, s := range shapes {
		cp[i] = append([]int(nil), s...)
	}
	return &tensor.ShapeError{Op: op, Shapes: cp, Msg: msg}
}
