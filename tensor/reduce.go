package tensor

import (
	"fmt"
	"math"

	"github.com/neuron-go/neuron/internal/vec"
)

// Sum returns the sum of all elements as a scalar. d/dt = 1 everywhere.
// It accumulates in float64 so that long sums stay accurate.
func (t *Tensor) Sum() *Tensor {
	var s float64
	for _, v := range t.data {
		s += float64(v)
	}
	out := newOut(nil, t)
	out.data[0] = float32(s)
	track(out, "Sum", sumBackward, t)
	return out
}

func sumBackward(o *Tensor) { addConst(o.node.in[0].grad, o.grad[0]) }

// addConst adds c to every element of d.
func addConst(d []float32, c float32) {
	for i := range d {
		d[i] += c
	}
}

// Mean returns the mean of all elements as a scalar. d/dt = 1/n.
func (t *Tensor) Mean() *Tensor {
	var s float64
	for _, v := range t.data {
		s += float64(v)
	}
	out := newOut(nil, t)
	out.data[0] = float32(s / float64(len(t.data)))
	track(out, "Mean", meanBackward, t)
	return out
}

func meanBackward(o *Tensor) {
	t := o.node.in[0]
	addConst(t.grad, o.grad[0]/float32(len(t.data)))
}

// axisSplit returns the sizes before, along and after axis.
func (t *Tensor) axisSplit(op string, axis int) (outer, n, inner, ax int) {
	if axis < 0 {
		axis += len(t.shape)
	}
	if axis < 0 || axis >= len(t.shape) {
		panic(shapeErr(op, fmt.Sprintf("axis %d out of range", axis), t.shape))
	}
	outer, inner = 1, 1
	for i, d := range t.shape {
		switch {
		case i < axis:
			outer *= d
		case i > axis:
			inner *= d
		}
	}
	return outer, t.shape[axis], inner, axis
}

// reducedShape returns shape without axis (or with it of size 1 under
// keepDims), in buf's storage when it is large enough.
func reducedShape(buf []int, shape []int, axis int, keepDims bool) []int {
	out := append(buf[:0], shape...)
	if keepDims {
		out[axis] = 1
		return out
	}
	return append(out[:axis], out[axis+1:]...)
}

// SumAxis sums over one axis (negative counts from the end). With keepDims
// the axis stays with size 1, so the result broadcasts against t.
func (t *Tensor) SumAxis(axis int, keepDims bool) *Tensor {
	outer, n, inner, ax := t.axisSplit("SumAxis", axis)
	var buf [8]int
	out := newOut(reducedShape(buf[:], t.shape, ax, keepDims), t)
	for o := 0; o < outer; o++ {
		for k := 0; k < n; k++ {
			src := t.data[(o*n+k)*inner : (o*n+k+1)*inner]
			dst := out.data[o*inner : (o+1)*inner]
			for i, v := range src {
				dst[i] += v
			}
		}
	}
	if nd := track(out, "SumAxis", sumAxisBackward, t); nd != nil {
		nd.groups = [4]int{outer, n, inner}
	}
	return out
}

func sumAxisBackward(o *Tensor) {
	t, outer, n, inner := o.node.in[0], o.node.groups[0], o.node.groups[1], o.node.groups[2]
	for a := 0; a < outer; a++ {
		g := o.grad[a*inner : (a+1)*inner]
		for k := 0; k < n; k++ {
			dst := t.grad[(a*n+k)*inner : (a*n+k+1)*inner]
			for i, v := range g {
				dst[i] += v
			}
		}
	}
}

// MeanAxis averages over one axis (negative counts from the end).
func (t *Tensor) MeanAxis(axis int, keepDims bool) *Tensor {
	n := t.Dim(axis)
	return t.SumAxis(axis, keepDims).MulScalar(1 / float32(n))
}

// ArgMax returns, for every position of the other axes, the index of the
// largest element along the last axis (the first one on ties), like
// np.argmax(p, axis=-1). It is not differentiable.
func (t *Tensor) ArgMax() []int { return t.ArgMaxInto(nil) }

// ArgMaxInto is ArgMax writing into dst's storage when it is large enough
// (a metric reuses one buffer across steps); it returns the indices.
func (t *Tensor) ArgMaxInto(dst []int) []int {
	if len(t.shape) == 0 {
		return append(dst[:0], 0)
	}
	n := t.shape[len(t.shape)-1]
	if n == 0 {
		panic(shapeErr("ArgMax", "last axis is empty", t.shape))
	}
	rows := len(t.data) / n
	if cap(dst) < rows {
		dst = make([]int, rows)
	}
	dst = dst[:rows]
	for r := range dst {
		dst[r] = argmax(t.data[r*n : (r+1)*n])
	}
	return dst
}

func argmax(row []float32) int {
	best, bi := float32(math.Inf(-1)), 0
	for i, v := range row {
		if v > best {
			best, bi = v, i
		}
	}
	return bi
}

// Softmax returns exp(t) normalised along the last axis, computed stably by
// subtracting each row's maximum. d/dt = y ⊙ (g − Σ g⊙y). The result
// remembers t so that cross-entropy losses can use the logits, as Keras does.
func (t *Tensor) Softmax() *Tensor {
	if len(t.shape) == 0 {
		panic(shapeErr("Softmax", "needs at least one axis", t.shape))
	}
	n := t.shape[len(t.shape)-1]
	out := newOutRaw(t.shape, t)
	softmaxRows(out.data, t.data, n)
	track(out, "Softmax", softmaxBackward, t)
	out.logits, out.logitsKind = t, "softmax"
	return out
}

func softmaxBackward(o *Tensor) {
	t := o.node.in[0]
	n := t.shape[len(t.shape)-1]
	for r := 0; r < len(o.data)/n; r++ {
		y := o.data[r*n : (r+1)*n]
		g := o.grad[r*n : (r+1)*n]
		dx := t.grad[r*n : (r+1)*n]
		var dot float32
		for i := range y {
			dot += g[i] * y[i]
		}
		for i := range y {
			dx[i] += y[i] * (g[i] - dot)
		}
	}
}

// softmaxRows writes the softmax of each n-wide row of x into y (y may be
// x): each row's maximum is subtracted in float32, the exponentials are
// float32(math.Exp(float64(·))) (vec.ExpExact, 8 at a time, all rows in one
// call), and each row is divided by its sum, taken in order.
func softmaxRows(y, x []float32, n int) {
	if n <= 0 {
		return
	}
	rows := len(x) / n
	y = y[:rows*n]
	for r := 0; r < rows; r++ {
		row, dst := x[r*n:(r+1)*n], y[r*n:(r+1)*n]
		m := row[0]
		for _, v := range row {
			m = max(m, v)
		}
		for i, v := range row {
			dst[i] = v - m
		}
	}
	vec.ExpExact(y)
	for r := 0; r < rows; r++ {
		dst := y[r*n : (r+1)*n]
		var s float32
		for _, e := range dst {
			s += e
		}
		inv := 1 / s
		for i := range dst {
			dst[i] *= inv
		}
	}
}

// LogSoftmax returns log(softmax(t)) along the last axis, computed stably.
// d/dt = g − softmax(t)·Σg.
func (t *Tensor) LogSoftmax() *Tensor {
	if len(t.shape) == 0 {
		panic(shapeErr("LogSoftmax", "needs at least one axis", t.shape))
	}
	n := t.shape[len(t.shape)-1]
	out := newOutRaw(t.shape, t)
	for r := 0; r < len(t.data); r += n {
		row, dst := t.data[r:r+n], out.data[r:r+n]
		m := row[0]
		for _, v := range row {
			m = max(m, v)
		}
		var s float64
		for _, v := range row {
			s += math.Exp(float64(v - m))
		}
		lse := m + float32(math.Log(s))
		for i, v := range row {
			dst[i] = v - lse
		}
	}
	track(out, "LogSoftmax", logSoftmaxBackward, t)
	return out
}

func logSoftmaxBackward(o *Tensor) {
	t := o.node.in[0]
	n := t.shape[len(t.shape)-1]
	for r := 0; r < len(o.data); r += n {
		y, g, dx := o.data[r:r+n], o.grad[r:r+n], t.grad[r:r+n]
		var sg float32
		for _, v := range g {
			sg += v
		}
		for i := range y {
			dx[i] += g[i] - float32(math.Exp(float64(y[i])))*sg
		}
	}
}

// Logits returns the tensor that a Softmax or Sigmoid result was computed
// from and which of the two it was ("softmax" or "sigmoid"), or nil and "".
// Losses use it to compute cross-entropy from logits, as Keras does.
func (t *Tensor) Logits() (*Tensor, string) { return t.logits, t.logitsKind }

// MaxAxis takes the largest value over one axis (negative counts from the
// end), as ops.max(x, axis). With keepDims the axis stays with size 1. A NaN
// anywhere along the axis gives NaN. The gradient is shared evenly among
// the elements equal to the maximum, as TensorFlow's reduce_max gradient
// (Keras's default backend) shares it.
func (t *Tensor) MaxAxis(axis int, keepDims bool) *Tensor {
	outer, n, inner, ax := t.axisSplit("MaxAxis", axis)
	if n == 0 {
		panic(shapeErr("MaxAxis", "axis has size 0", t.shape))
	}
	var buf [8]int
	out := newOutRaw(reducedShape(buf[:], t.shape, ax, keepDims), t)
	for o := 0; o < outer; o++ {
		for i := 0; i < inner; i++ {
			m := t.data[o*n*inner+i]
			for k := 1; k < n && m == m; k++ {
				if v := t.data[(o*n+k)*inner+i]; v > m || v != v {
					m = v
				}
			}
			out.data[o*inner+i] = m
		}
	}
	if nd := track(out, "MaxAxis", maxAxisBackward, t); nd != nil {
		nd.groups = [4]int{outer, n, inner}
	}
	return out
}

func maxAxisBackward(o *Tensor) {
	t, outer, n, inner := o.node.in[0], o.node.groups[0], o.node.groups[1], o.node.groups[2]
	for a := 0; a < outer; a++ {
		for i := 0; i < inner; i++ {
			m := o.data[a*inner+i]
			ties := 0
			for k := 0; k < n; k++ {
				if t.data[(a*n+k)*inner+i] == m {
					ties++
				}
			}
			if ties == 0 {
				continue // NaN: no element equals it
			}
			g := o.grad[a*inner+i] / float32(ties)
			for k := 0; k < n; k++ {
				if j := (a*n+k)*inner + i; t.data[j] == m {
					t.grad[j] += g
				}
			}
		}
	}
}
