package tensor

import (
	"fmt"
	"sync"

	"github.com/neuron-go/neuron/internal/gemm"
	"github.com/neuron-go/neuron/internal/vec"
)

// MatMul returns the matrix product t·u of a [m,k] and a [k,n] tensor.
// d/dt = g·uᵀ and d/du = tᵀ·g. The products run on the blocked, multi-core
// kernels of internal/gemm, which never materialise the transposes.
func (t *Tensor) MatMul(u *Tensor) *Tensor {
	if len(t.shape) != 2 || len(u.shape) != 2 || t.shape[1] != u.shape[0] {
		panic(shapeErr("MatMul", "want [m,k]·[k,n]", t.shape, u.shape))
	}
	m, k, n := t.shape[0], t.shape[1], u.shape[1]
	out := newOutRaw([]int{m, n}, t, u)
	gemm.Sgemm(false, false, m, n, k, t.data, k, u.data, n, 0, out.data, n)
	track(out, "MatMul", matMulBackward, t, u)
	return out
}

func matMulBackward(o *Tensor) {
	t, u := o.node.in[0], o.node.in[1]
	m, k, n := t.shape[0], t.shape[1], u.shape[1]
	if t.requiresGrad {
		gemm.Sgemm(false, true, m, k, n, o.grad, n, u.data, n, 1, t.grad, k)
	}
	if u.requiresGrad {
		gemm.Sgemm(true, false, k, n, m, t.data, k, o.grad, n, 1, u.grad, n)
	}
}

// Reshape returns a tensor with the same elements in a new shape; one
// dimension may be -1 and is then inferred. The result shares t's storage.
func (t *Tensor) Reshape(shape ...int) *Tensor {
	out := header(t.arena)
	out.setShape(shape)
	shape = out.shape
	infer, known := -1, 1
	for i, d := range shape {
		switch {
		case d == -1 && infer < 0:
			infer = i
		case d < 0:
			panic(shapeErr("Reshape", fmt.Sprintf("bad dimension %d", d), t.shape, shape))
		default:
			known *= d
		}
	}
	if infer >= 0 {
		if known == 0 || len(t.data)%known != 0 {
			panic(shapeErr("Reshape", "cannot infer the -1 dimension", t.shape, shape))
		}
		shape[infer] = len(t.data) / known
	}
	if size(shape) != len(t.data) {
		panic(shapeErr("Reshape", fmt.Sprintf("%d elements do not fit the new shape", len(t.data)), t.shape, shape))
	}
	out.data = t.data
	track(out, "Reshape", reshapeBackward, t)
	return out
}

func reshapeBackward(o *Tensor) {
	dx := o.node.in[0].grad[:len(o.grad)]
	for i, g := range o.grad {
		dx[i] += g
	}
}

// Transpose returns the transpose of a 2-D tensor. d/dt = gᵀ.
func (t *Tensor) Transpose() *Tensor {
	if len(t.shape) != 2 {
		panic(shapeErr("Transpose", "want a 2-D tensor", t.shape))
	}
	r, c := t.shape[0], t.shape[1]
	out := newOutRaw([]int{c, r}, t)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			out.data[j*r+i] = t.data[i*c+j]
		}
	}
	track(out, "Transpose", transposeBackward, t)
	return out
}

func transposeBackward(o *Tensor) {
	t := o.node.in[0]
	r, c := t.shape[0], t.shape[1]
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			t.grad[i*c+j] += o.grad[j*r+i]
		}
	}
}

// TakeRows returns the rows (entries along the first axis) of t at the given
// indices, in that order, as a new tensor. It copies, like x[idx] in NumPy,
// and is not differentiable; Fit uses it to assemble shuffled batches.
func (t *Tensor) TakeRows(idx []int) *Tensor {
	if len(t.shape) == 0 {
		panic(shapeErr("TakeRows", "needs at least one axis", t.shape))
	}
	shape := append([]int{len(idx)}, t.shape[1:]...)
	out := Zeros(shape...)
	t.TakeRowsInto(out, idx)
	return out
}

// TakeRowsInto is TakeRows writing into dst, whose first axis must have
// len(idx) entries and whose other axes must match t's.
func (t *Tensor) TakeRowsInto(dst *Tensor, idx []int) {
	n := 1
	for _, d := range t.shape[1:] {
		n *= d
	}
	if len(dst.data) != len(idx)*n {
		panic(shapeErr("TakeRowsInto", "destination does not fit", dst.shape, t.shape))
	}
	for _, r := range idx {
		if r < 0 || r >= t.shape[0] {
			panic(shapeErr("TakeRows", fmt.Sprintf("row %d out of range", r), t.shape))
		}
	}
	if len(dst.data) < 2*takeGrain {
		takeRows(dst.data, t.data, idx, n)
		return
	}
	// A shuffled batch's rows come from all over a large data set, mostly
	// from DRAM: copying them is bound by the latency of the misses, and
	// two cores with their own fill buffers gather in about half the time.
	task := takeTasks.Get().(*takeTask)
	*task = takeTask{dst.data, t.data, idx, n}
	gemm.ParallelTask(len(idx), max(1, takeGrain/n), task)
	*task = takeTask{}
	takeTasks.Put(task)
}

// PrefetchRows asks the CPU to start loading rows idx of t (entries along
// the first axis) into its caches and returns at once: Fit names the rows
// of the next batch while the current step computes, and TakeRowsInto then
// finds them in the cache instead of waiting on DRAM for each line. It
// changes nothing and panics, as TakeRowsInto does, if a row is out of range.
func (t *Tensor) PrefetchRows(idx []int) {
	if len(t.shape) == 0 {
		panic(shapeErr("PrefetchRows", "needs at least one axis", t.shape))
	}
	n := 1
	for _, d := range t.shape[1:] {
		n *= d
	}
	for _, r := range idx {
		if r < 0 || r >= t.shape[0] {
			panic(shapeErr("PrefetchRows", fmt.Sprintf("row %d out of range", r), t.shape))
		}
	}
	vec.PrefetchRows(t.data, idx, n)
}

// takeGrain is the least number of elements worth gathering on another
// core (16 KiB).
const takeGrain = 4096

func takeRows(dst, src []float32, idx []int, n int) {
	for i, r := range idx {
		copy(dst[i*n:(i+1)*n], src[r*n:(r+1)*n])
	}
}

// takeTask is a part of a split TakeRowsInto; pooled so that a training
// step's batch assembly does not allocate.
type takeTask struct {
	dst, src []float32
	idx      []int
	n        int
}

func (t *takeTask) Run(lo, hi int) {
	takeRows(t.dst[lo*t.n:hi*t.n], t.src, t.idx[lo:hi], t.n)
}

var takeTasks = sync.Pool{New: func() any { return new(takeTask) }}

// Slice returns rows [from, to) along the first axis, sharing t's storage and
// not differentiable (a view for batching data).
func (t *Tensor) Slice(from, to int) *Tensor {
	if len(t.shape) == 0 || from < 0 || to > t.shape[0] || from > to {
		panic(shapeErr("Slice", fmt.Sprintf("rows [%d,%d) out of range", from, to), t.shape))
	}
	n := 1
	for _, d := range t.shape[1:] {
		n *= d
	}
	s := &Tensor{data: t.data[from*n : to*n]}
	s.setShape(t.shape)
	s.shape[0] = to - from
	return s
}

// Pick returns, for a [n,c] tensor and n class indices, the n values
// t[i, idx[i]]. The gradient flows back to the picked elements only. Losses
// over integer labels use it. A [n,…,c] tensor takes one index per row of
// its last axis and gives a [n,…] result.
func (t *Tensor) Pick(idx []int) *Tensor {
	r := len(t.shape)
	if r < 2 || t.shape[r-1] == 0 || len(idx)*t.shape[r-1] != len(t.data) {
		panic(shapeErr("Pick", fmt.Sprintf("want [n,…,c] with one of the %d indices per row", len(idx)), t.shape))
	}
	c := t.shape[r-1]
	out := newOut(t.shape[:r-1], t)
	for i, k := range idx {
		if k < 0 || k >= c {
			panic(shapeErr("Pick", fmt.Sprintf("index %d out of range", k), t.shape))
		}
		out.data[i] = t.data[i*c+k]
	}
	if n := track(out, "Pick", pickBackward, t); n != nil {
		n.idx = idx
	}
	return out
}

func pickBackward(o *Tensor) {
	t := o.node.in[0]
	c := t.shape[len(t.shape)-1]
	for i, k := range o.node.idx {
		t.grad[i*c+k] += o.grad[i]
	}
}

// Linear returns x·w + b for x [n,in], w [in,out] and b [out] (b may be nil),
// the forward pass of a Dense layer in one operation:
// d/dx = g·wᵀ, d/dw = xᵀ·g, d/db = Σ_rows g. The bias is added to each tile
// of the product as soon as the tile is complete, while it is in the cache
// (the bits of a separate pass after the product).
func Linear(x, w, b *Tensor) *Tensor { return linear(x, w, b, false) }

// LinearReLU returns Linear(x, w, b).ReLU(), bit for bit, as one
// operation: the bias and the ReLU are applied to each tile of the product
// right after it is complete, while it is in the cache, and backward masks
// the incoming gradient in place. Against the two operations it saves an
// output-sized buffer and two passes over it. It is Dense(relu)'s forward
// pass.
func LinearReLU(x, w, b *Tensor) *Tensor { return linear(x, w, b, true) }

func linear(x, w, b *Tensor, relu bool) *Tensor {
	op := "Linear"
	if relu {
		op = "LinearReLU"
	}
	if len(x.shape) != 2 || len(w.shape) != 2 || x.shape[1] != w.shape[0] {
		panic(shapeErr(op, "want x [n,in] and w [in,out]", x.shape, w.shape))
	}
	n, k, m := x.shape[0], x.shape[1], w.shape[1]
	ep := gemm.Epilogue{ReLU: relu}
	if b != nil {
		if len(b.shape) != 1 || b.shape[0] != m {
			panic(shapeErr(op, fmt.Sprintf("bias must have shape [%d]", m), b.shape))
		}
		ep.Bias = b.data
	}
	out := newOutRaw([]int{n, m}, x, w, b)
	gemm.SgemmEpilogue(false, false, n, m, k, x.data, k, w.data, m, 0, out.data, m, ep)
	backward := linearBackward
	if relu {
		backward = linearReLUBackward
	}
	if nd := track(out, op, backward, x, w, b); nd != nil {
		nd.overwrites = true
	}
	return out
}

// linearReLUBackward turns o.grad, which is this node's alone and is
// dropped after this call, into the gradient before the ReLU (the bits of
// ReLU's backward into a cleared buffer), then runs Linear's backward.
func linearReLUBackward(o *Tensor) {
	rowsRun(rowsTask{c: o.grad, y: o.data, n: o.shape[1], reluGrad: true}, o.shape[0])
	linearBackward(o)
}

// linearBackward takes every gradient through gradForOverwrite: a weight's
// gradient that ZeroGrad left stale is written (beta = 0) rather than
// cleared and added to, and so is a gradient buffer just allocated.
func linearBackward(o *Tensor) {
	x, w, b := o.node.in[0], o.node.in[1], o.node.in[2]
	n, k, m := x.shape[0], x.shape[1], w.shape[1]
	if x.requiresGrad {
		dx, acc := x.gradForOverwrite()
		gemm.Sgemm(false, true, n, k, m, o.grad, m, w.data, m, beta(acc), dx, k)
	}
	if w.requiresGrad {
		dw, acc := w.gradForOverwrite()
		gemm.Sgemm(true, false, k, m, n, x.data, k, o.grad, m, beta(acc), dw, m)
	}
	if b != nil && b.requiresGrad {
		db, acc := b.gradForOverwrite()
		if !acc {
			gemm.SumRows(db, o.grad, n, m, m)
			return
		}
		sums := o.scratch(m)
		gemm.SumRows(sums, o.grad, n, m, m)
		for i, v := range sums {
			db[i] += v
		}
	}
}

// beta is the Sgemm beta that adds to C (1) or overwrites it (0).
func beta(accumulate bool) float32 {
	if accumulate {
		return 1
	}
	return 0
}
