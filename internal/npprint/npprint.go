// Package npprint formats n-dimensional arrays exactly as NumPy's
// str(arr) and print(arr) do, so that programs ported from a NumPy course
// print the same text.
//
// It reproduces numpy.array2string with NumPy's default print options
// (precision 8, threshold 1000, edgeitems 3, floatmode "maxprec", no
// suppression, sign "-"), any of which can be changed in Options as
// np.set_printoptions changes them: nested brackets, right-aligned
// columns, the shortest float digits that identify each value, the
// decimal point kept on whole floats ("0.", "1."), scientific notation
// when the values' range calls for it, lines wrapped at the line width
// with NumPy's continuation indent, blank lines between the blocks of
// arrays of three or more dimensions, and "..." in place of the middle of
// arrays larger than the threshold.
//
// The golden files in testdata were written by the real NumPy (see
// testdata/gen.py).
package npprint

import (
	"strconv"
	"strings"
	"sync/atomic"
	"unsafe"
)

// Options are the print options that np.set_printoptions sets. The zero
// value of each field selects NumPy's default.
type Options struct {
	// Linewidth is the number of characters per line before wrapping
	// (NumPy's linewidth; default 75).
	Linewidth int
	// Precision is the most digits printed after the decimal point of a
	// float (default 8). NumPy also accepts 0; here 0 means the default.
	Precision int
	// Threshold is the largest number of elements printed in full; larger
	// arrays are summarised with "..." (default 1000).
	Threshold int
	// EdgeItems is the number of items printed at each end of an axis of
	// a summarised array (default 3).
	EdgeItems int
	// Suppress prints small floats in fixed-point notation instead of
	// switching to scientific notation (NumPy's suppress=True).
	Suppress bool
}

// DefaultLinewidth is NumPy's default line width.
const DefaultLinewidth = 75

// CourseLinewidth is the line width that the course sets with
// np.set_printoptions(linewidth=120) before printing an MNIST image.
const CourseLinewidth = 120

// current holds the options set by SetOptions.
var current atomic.Pointer[Options]

// SetOptions sets the options that CurrentOptions returns, as
// np.set_printoptions sets NumPy's, and returns the previous ones. The
// String methods of arrays use CurrentOptions, so that
//
//	npprint.SetOptions(npprint.Options{Linewidth: 120})
//
// is the course's np.set_printoptions(linewidth=120). It is safe to call
// concurrently with printing.
func SetOptions(o Options) (previous Options) {
	if p := current.Swap(&o); p != nil {
		return *p
	}
	return Options{}
}

// CurrentOptions returns the options last set by SetOptions (NumPy's
// defaults until then).
func CurrentOptions() Options {
	if p := current.Load(); p != nil {
		return *p
	}
	return Options{}
}

func (o Options) withDefaults() Options {
	if o.Linewidth <= 0 {
		o.Linewidth = DefaultLinewidth
	}
	if o.Precision <= 0 {
		o.Precision = 8
	}
	if o.Threshold <= 0 {
		o.Threshold = 1000
	}
	if o.EdgeItems <= 0 {
		o.EdgeItems = 3
	}
	return o
}

// Integer is the set of integer element types that Ints formats.
type Integer interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 |
		~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr
}

// Float is the set of float element types that Floats formats.
type Float interface {
	~float32 | ~float64
}

// Ints returns what NumPy prints for an integer array of the given shape
// whose elements, in row-major order, are data: for example
// np.set_printoptions(linewidth=120); print(X_train[0]) for a 28×28 uint8
// image is Ints([]int{28, 28}, pixels, Options{Linewidth: 120}).
//
// It panics if len(data) is not the product of shape, as slicing would.
func Ints[T Integer](shape []int, data []T, opts Options) string {
	checkSize(shape, len(data))
	if len(shape) == 0 {
		return intString(data[0])
	}
	return format(shape, len(data), opts, func(sel []int) func(i int) string {
		return intFormatter(sel, data)
	})
}

// Floats returns what NumPy prints for a float array of the given shape
// whose elements, in row-major order, are data. A []float32 prints as a
// NumPy float32 array does (the shortest digits that identify a float32)
// and a []float64 as a float64 array.
//
// It panics if len(data) is not the product of shape.
func Floats[T Float](shape []int, data []T, opts Options) string {
	checkSize(shape, len(data))
	bits := 64
	var zero T
	if unsafe.Sizeof(zero) == 4 {
		bits = 32
	}
	o := opts.withDefaults()
	if len(shape) == 0 {
		return scalarString(float64(data[0]), bits)
	}
	return format(shape, len(data), opts, func(sel []int) func(i int) string {
		vals := make([]float64, len(sel))
		for k, i := range sel {
			vals[k] = float64(data[i])
		}
		f := newFloatFormat(vals, bits, o.Precision, o.Suppress)
		return func(i int) string { return f.format(float64(data[i])) }
	})
}

// Uint8 is Ints for a []uint8, the type of image data.
func Uint8(shape []int, data []uint8, opts Options) string { return Ints(shape, data, opts) }

// Float32 is Floats for a []float32, the type of tensor data.
func Float32(shape []int, data []float32, opts Options) string { return Floats(shape, data, opts) }

// Float64 is Floats for a []float64.
func Float64(shape []int, data []float64, opts Options) string { return Floats(shape, data, opts) }

func checkSize(shape []int, n int) {
	size := 1
	for _, d := range shape {
		if d < 0 {
			panic("npprint: negative dimension in shape " + shapeString(shape))
		}
		size *= d
	}
	if size != n {
		panic("npprint: " + strconv.Itoa(n) + " elements do not fill shape " + shapeString(shape))
	}
}

func shapeString(shape []int) string {
	var b strings.Builder
	b.WriteByte('(')
	for i, d := range shape {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(d))
	}
	if len(shape) == 1 {
		b.WriteByte(',')
	}
	b.WriteByte(')')
	return b.String()
}

// format lays out an array of the given shape and size. newFormatter is
// given the flat indices of the elements that will be printed (all of them,
// or the edges of a summarised array, from which NumPy sizes its columns)
// and returns the function that formats one element by flat index.
func format(shape []int, size int, opts Options, newFormatter func(sel []int) func(i int) string) string {
	o := opts.withDefaults()
	if size == 0 {
		return "[]"
	}
	summarise := size > o.Threshold
	edge := o.EdgeItems
	strides := make([]int, len(shape))
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		strides[i] = s
		s *= shape[i]
	}
	// The indices, along each axis, that are printed.
	axisIdx := make([][]int, len(shape))
	for ax, n := range shape {
		if summarise && n > 2*edge {
			for i := 0; i < edge; i++ {
				axisIdx[ax] = append(axisIdx[ax], i)
			}
			for i := n - edge; i < n; i++ {
				axisIdx[ax] = append(axisIdx[ax], i)
			}
		} else {
			for i := 0; i < n; i++ {
				axisIdx[ax] = append(axisIdx[ax], i)
			}
		}
	}
	var sel []int
	var collect func(ax, off int)
	collect = func(ax, off int) {
		if ax == len(shape) {
			sel = append(sel, off)
			return
		}
		for _, i := range axisIdx[ax] {
			collect(ax+1, off+i*strides[ax])
		}
	}
	collect(0, 0)
	f := &layout{
		shape:     shape,
		strides:   strides,
		format:    newFormatter(sel),
		edge:      edge,
		summarise: summarise,
	}
	return f.recurse(0, 0, " ", o.Linewidth)
}

// layout is NumPy's _formatArray with separator " " and legacy=False.
type layout struct {
	shape     []int
	strides   []int
	format    func(i int) string
	edge      int
	summarise bool
}

const separator = " "

func (f *layout) recurse(axis, off int, hanging string, width int) string {
	if axis == len(f.shape) {
		return f.format(off)
	}
	axesLeft := len(f.shape) - axis
	nextHanging := hanging + " "
	nextWidth := width - 1 // len("]")
	n := f.shape[axis]
	showSummary := f.summarise && 2*f.edge < n
	leading, trailing := 0, n
	if showSummary {
		leading, trailing = f.edge, f.edge
	}
	child := func(i int) string {
		return f.recurse(axis+1, off+i*f.strides[axis], nextHanging, nextWidth)
	}
	var s strings.Builder
	if axesLeft == 1 {
		elemWidth := width - 1 // max(len(separator.rstrip()), len("]"))
		line := hanging
		extend := func(word string) {
			if len(line)+len(word) > elemWidth && len(line) > len(hanging) {
				s.WriteString(strings.TrimRight(line, " "))
				s.WriteByte('\n')
				line = hanging
			}
			line += word
		}
		for i := 0; i < leading; i++ {
			extend(child(i))
			line += separator
		}
		if showSummary {
			extend("...")
			line += separator
		}
		for i := trailing; i > 1; i-- {
			extend(child(n - i))
			line += separator
		}
		extend(child(n - 1))
		s.WriteString(line)
	} else {
		lineSep := strings.Repeat("\n", axesLeft-1) // separator.rstrip() is ""
		for i := 0; i < leading; i++ {
			s.WriteString(hanging)
			s.WriteString(child(i))
			s.WriteString(lineSep)
		}
		if showSummary {
			s.WriteString(hanging)
			s.WriteString("...")
			s.WriteString(lineSep)
		}
		for i := trailing; i > 1; i-- {
			s.WriteString(hanging)
			s.WriteString(child(n - i))
			s.WriteString(lineSep)
		}
		s.WriteString(hanging)
		s.WriteString(child(n - 1))
	}
	return "[" + s.String()[len(hanging):] + "]"
}

// intFormatter is NumPy's IntegerFormat: every element right-aligned to the
// width of the longer of the largest and smallest printed elements.
func intFormatter[T Integer](sel []int, data []T) func(i int) string {
	width := 0
	if len(sel) > 0 {
		lo, hi := data[sel[0]], data[sel[0]]
		for _, i := range sel {
			lo = min(lo, data[i])
			hi = max(hi, data[i])
		}
		width = max(len(intString(lo)), len(intString(hi)))
	}
	return func(i int) string { return padLeft(intString(data[i]), width) }
}

func intString[T Integer](v T) string {
	if v < 0 {
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatUint(uint64(v), 10)
}

func padLeft(s string, width int) string {
	if len(s) >= width {
		return s
	}
	return strings.Repeat(" ", width-len(s)) + s
}
