package datasets

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/neuron-go/neuron/internal/npprint"
)

// Uint8Array is an n-dimensional array of bytes in row-major order, the Go
// form of the NumPy uint8 arrays that Keras's load_data returns. Images
// come as (samples, rows, cols) and labels as (samples,).
//
// Data holds the elements: the element at index (i, j, k) of a
// (n, rows, cols) array is Data[(i*rows+j)*cols+k]. len(Data) is the
// product of Shape.
//
// Fit, Evaluate and Predict of package models take the array as it is, as
// Keras's model.fit(X_train, y_train) takes NumPy's, and convert one batch
// at a time to float32; DivScalar gives X_train / 255.0 in the same way.
// Tensor converts the whole array at once instead.
type Uint8Array struct {
	Shape []int
	Data  []uint8
}

// Len returns the size of the first dimension, the number of samples, as
// Python's len does for a NumPy array. It is 0 for an array without
// dimensions.
func (a Uint8Array) Len() int {
	if len(a.Shape) == 0 {
		return 0
	}
	return a.Shape[0]
}

// Row returns item i along the first dimension, for example one 28×28
// image of a (60000, 28, 28) array. It is a view: its Shape and Data share
// memory with a, and nothing is copied. Row panics if a has no dimensions
// or i is out of range, as slice indexing does.
func (a Uint8Array) Row(i int) Uint8Array {
	if len(a.Shape) == 0 {
		panic("datasets: Row of an array without dimensions")
	}
	if i < 0 || i >= a.Shape[0] {
		panic(fmt.Sprintf("datasets: Row(%d) out of range for %s", i, a.Describe()))
	}
	n := 1
	for _, d := range a.Shape[1:] {
		n *= d
	}
	shape := a.Shape[1:len(a.Shape):len(a.Shape)]
	return Uint8Array{Shape: shape, Data: a.Data[i*n : (i+1)*n : (i+1)*n]}
}

// String formats the values as NumPy's print(x) does (nested brackets,
// aligned columns, "..." for large arrays); tensor.SetPrintOptions sets the
// line width. Describe gives the type and shape instead.
func (a Uint8Array) String() string {
	n := 1
	for _, d := range a.Shape {
		n *= d
	}
	if n != len(a.Data) {
		return fmt.Sprintf("%s with %d values (inconsistent)", a.Describe(), len(a.Data))
	}
	return npprint.Uint8(a.Shape, a.Data, npprint.CurrentOptions())
}

// Describe gives the array's type and shape, as NumPy's x.dtype and x.shape:
// "uint8 (60000, 28, 28)" or "uint8 (60000,)".
func (a Uint8Array) Describe() string {
	var b strings.Builder
	b.WriteString("uint8 (")
	for i, d := range a.Shape {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(d))
	}
	if len(a.Shape) == 1 {
		b.WriteByte(',')
	}
	b.WriteByte(')')
	return b.String()
}
