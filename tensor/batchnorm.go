package tensor

import (
	"fmt"
	"math"
	"sync"

	"github.com/neuron-go/neuron/internal/gemm"
	"github.com/neuron-go/neuron/internal/vec"
)

// BatchNorm normalizes x over every axis but the last (the channels of a
// channels-last batch), as Keras's BatchNormalization layer does with
// axis=-1:
//
//	y = gamma · (x − mean) / √(variance + eps) + beta
//
// per channel. With training true, mean and variance are the batch's own
// moments (the variance is the biased one, as keras.ops.moments computes
// it), written into the mean and variance slices for the caller's moving
// averages, and the gradient flows through them. Otherwise mean and
// variance are read: the moving statistics of inference.
//
// gamma and beta are [C] tensors or nil (Keras's scale=False and
// center=False). Gradients flow to x, gamma and beta.
//
// It panics with a *ShapeError if x has rank 0 or the slices or gamma and
// beta do not have the channel count.
func BatchNorm(x, gamma, beta *Tensor, mean, variance []float32, eps float32, training bool) *Tensor {
	checkNormArgs("BatchNorm", x, gamma, beta, mean, variance)
	c := x.shape[len(x.shape)-1]
	m := 0
	if c > 0 {
		m = len(x.data) / c
	}
	out := newOutRaw(x.shape, x, gamma, beta)
	mu, invstd, a, b := normAffine(out, x, gamma, beta, mean, variance, eps, training)
	t := newNormTask(normScaleShift, m, c)
	t.y, t.x, t.a, t.b = out.data, x.data, a, b
	t.run()
	if n := track(out, "BatchNorm", batchNormBackward, x, gamma, beta); n != nil {
		n.norm = normState{mean: mu, invstd: invstd, m: m, c: c, training: training}
	}
	return out
}

// checkNormArgs panics with a *ShapeError unless x has a rank and gamma,
// beta (if not nil), mean and variance have its channel count.
func checkNormArgs(op string, x, gamma, beta *Tensor, mean, variance []float32) {
	if len(x.shape) == 0 {
		panic(shapeErr(op, "x is a scalar", x.shape))
	}
	c := x.shape[len(x.shape)-1]
	for _, p := range []*Tensor{gamma, beta} {
		if p != nil && (len(p.shape) != 1 || p.shape[0] != c) {
			panic(shapeErr(op, fmt.Sprintf("gamma and beta must have shape [%d]", c), x.shape, p.shape))
		}
	}
	if len(mean) != c || len(variance) != c {
		panic(shapeErr(op, fmt.Sprintf("mean and variance must have %d values, got %d and %d", c, len(mean), len(variance)), x.shape))
	}
}

// normAffine computes, in training, the batch's moments of x into mean and
// variance, and returns the statistics the backward pass needs (the mean
// used and 1/σ) and the per-channel a = gamma/σ and b = beta − mean·a of
// y = x·a + b, in buffers of out's arena.
func normAffine(out, x, gamma, beta *Tensor, mean, variance []float32, eps float32, training bool) (mu, invstd, a, b []float32) {
	c := x.shape[len(x.shape)-1]
	if training {
		m := 0
		if c > 0 {
			m = len(x.data) / c
		}
		batchMoments(out, x.data, m, c, mean, variance)
	}
	stats := out.scratchRaw(4 * c)
	mu, invstd, a, b = stats[:c], stats[c:2*c], stats[2*c:3*c], stats[3*c:]
	copy(mu, mean)
	for j := range c {
		invstd[j] = float32(1 / math.Sqrt(float64(variance[j])+float64(eps)))
	}
	for j := range c {
		a[j] = invstd[j]
		if gamma != nil {
			a[j] *= gamma.data[j]
		}
		b[j] = -mu[j] * a[j]
		if beta != nil {
			b[j] += beta.data[j]
		}
	}
	return mu, invstd, a, b
}

// BatchNormMaxPool2D returns
//
//	MaxPool2D(BatchNorm(x, gamma, beta, mean, variance, eps, training), pool, strides, padding)
//
// for a channels-last batch x [N,H,W,C], with the same values bit for bit,
// pooling before it normalizes: where every gamma is positive (or gamma is
// nil), the normalization y = x·a + b of each channel has a > 0 and so
// is increasing, and the maximum of a window's normalized values is the
// normalization of its maximum. Only the pooled values are normalized, and
// the normalized batch (and its gradient) is never stored: for the first
// block of a CNN that is most of the memory traffic of the normalization.
// The gradients are those of the two operations up to rounding (the sums
// are taken over the pooled positions instead of all of them, and a
// window's maximum goes to the first of two inputs that normalize to the
// same value only if it is also their maximum before normalizing). If a
// gamma is zero or negative it runs the two operations.
//
// It panics with a *ShapeError if the shapes do not fit.
func BatchNormMaxPool2D(x, gamma, beta *Tensor, mean, variance []float32, eps float32, training bool, pool, strides [2]int, padding string) *Tensor {
	const op = "BatchNormMaxPool2D"
	checkNormArgs(op, x, gamma, beta, mean, variance)
	g := newWindow2D(op, x.shape, pool[0], pool[1], strides, padding)
	if g.h*g.w*g.c > math.MaxInt32 {
		panic(shapeErr(op, "an example has more than 2³¹−1 values", x.shape))
	}
	if gamma != nil {
		for _, v := range gamma.data {
			if !(v > 0) {
				return MaxPool2D(BatchNorm(x, gamma, beta, mean, variance, eps, training), pool, strides, padding)
			}
		}
	}
	c := g.c
	out := newOutRaw([]int{g.n, g.oh, g.ow, c}, x, gamma, beta)
	mu, invstd, a, b := normAffine(out, x, gamma, beta, mean, variance, eps, training)
	grads := x.requiresGrad || gamma != nil && gamma.requiresGrad || beta != nil && beta.requiresGrad
	// px is the pooled x: the backward pass needs it for the gradients of
	// gamma and of the moments.
	px := out.data
	var arg []int32
	if grads {
		px = out.scratchRaw(len(out.data))
	}
	if x.requiresGrad {
		arg = scratchInt32(len(out.data), x)
	}
	t := newWinTask(taskMaxPool, &g)
	t.dst, t.arg, t.src = px, arg, x.data
	parallelImages(g.n, g.h*g.w*c, t)
	t.release()
	mp := 0
	if c > 0 {
		mp = len(out.data) / c
	}
	nt := newNormTask(normScaleShift, mp, c)
	nt.y, nt.x, nt.a, nt.b = out.data, px, a, b
	nt.run()
	if n := track(out, op, batchNormMaxPool2DBackward, x, gamma, beta); n != nil {
		m := 0
		if c > 0 {
			m = len(x.data) / c
		}
		n.norm = normState{mean: mu, invstd: invstd, m: m, c: c, training: training}
		n.pool, n.i32, n.fs = g, arg, px
		n.overwrites = true
	}
	return out
}

func batchNormMaxPool2DBackward(o *Tensor) {
	n := o.node
	x := n.in[0]
	st, g := &n.norm, &n.pool
	c := st.c
	mp := 0
	if c > 0 {
		mp = len(o.grad) / c
	}
	// The gradient of the normalized batch is o.grad at the winners and
	// zero elsewhere, so its sums are those over the pooled positions.
	A, B, D := normBackwardSums(o, n.in[:], o.grad, n.fs, st, mp)
	if !x.requiresGrad {
		return
	}
	// dx = gy·A + x·B + D, with gy zero but at the winners: x·B + D
	// everywhere (in training), then gy·A added to the winners.
	ga := o.scratchRaw(len(o.grad))
	zero := o.scratch(c)
	nt := newNormTask(normScaleShift, mp, c)
	nt.y, nt.x, nt.a, nt.b = ga, o.grad, A, zero
	nt.run()
	// The node overwrites: x's gradient buffer is written, not cleared
	// and added to, when nothing else has added to it yet.
	dx, acc := x.gradForOverwrite()
	t := newWinTask(taskNormPoolBackward, g)
	t.dst, t.src, t.arg, t.relu, t.xGrad = dx, ga, n.i32, st.training, acc
	t.gy, t.w, t.bias, t.sums = x.data, B, D, zero
	parallelImages(g.n, g.h*g.w*c, t)
	t.release()
}

// normPoolBackward adds x·b + d (if affine) and then the pooled gradient
// gy's values at their winners to dx, for images [n0, n1); with acc false
// it first sets dx to x·b + d (or zero), whatever dx held.
func (g *window2D) normPoolBackward(dx, gy []float32, arg []int32, x, b, d, zero []float32, affine, acc bool, n0, n1 int) {
	img := g.h * g.w * g.c
	r0, r1 := n0*img, n1*img
	switch {
	case affine && acc:
		// (x·b + x·0) + d: x·b + d with ScaleShiftRows's rounding.
		vec.AddAffine2Rows(dx[r0:r1], x[r0:r1], x[r0:r1], b, zero, d, (r1-r0)/g.c, g.c)
	case affine:
		vec.ScaleShiftRows(dx[r0:r1], x[r0:r1], b, d, (r1-r0)/g.c, g.c)
	case !acc:
		clear(dx[r0:r1])
	}
	g.maxPoolBackward(dx, gy, arg, n0, n1, 0)
}

// normState is what BatchNorm's backward pass needs besides its inputs.
type normState struct {
	mean, invstd []float32
	m, c         int
	training     bool
}

// normBlock is the number of rows whose column sums are accumulated in
// float32 before they are added up in float64: the blocks are independent,
// so the sums do not depend on how the rows are split over the cores.
const normBlock = 64

// batchMoments writes the mean and the biased variance of each of the c
// columns of the m×c matrix x (two passes, so that a large mean does not
// cancel the variance).
func batchMoments(out *Tensor, x []float32, m, c int, mean, variance []float32) {
	if m == 0 {
		clear(mean)
		clear(variance)
		return
	}
	nb := (m + normBlock - 1) / normBlock
	partial := out.scratch(nb * c)
	t := newNormTask(normColSums, m, c)
	t.x, t.acc = x, partial
	t.run()
	foldColumns(mean, partial, nb, c, m)
	clear(partial)
	t = newNormTask(normSqDev, m, c)
	t.x, t.acc, t.a = x, partial, mean
	t.run()
	foldColumns(variance, partial, nb, c, m)
}

// foldColumns sets dst[j] = Σ_b partial[b·c + j] / m, summed in float64.
func foldColumns(dst, partial []float32, nb, c, m int) {
	for j := range c {
		var s float64
		for b := range nb {
			s += float64(partial[b*c+j])
		}
		dst[j] = float32(s / float64(m))
	}
}

func batchNormBackward(o *Tensor) {
	n := o.node
	x := n.in[0]
	A, B, D := normBackwardSums(o, n.in[:], o.grad, x.data, &n.norm, n.norm.m)
	if !x.requiresGrad {
		return
	}
	t := newNormTask(normGrad, n.norm.m, n.norm.c)
	t.y, t.g, t.x, t.a, t.b, t.d = x.ensureGrad(), o.grad, x.data, A, B, D
	t.run()
}

// normBackwardSums adds the gradients of gamma and beta (in[1] and in[2]) of a
// batch normalization whose output gradient is gy, over the rows of gy and
// x (the m rows of the input where the gradient may be nonzero), and
// returns the per-channel A, B and D of its input gradient
// gy·A + x·B + D (over all of the input's st.m rows).
func normBackwardSums(o *Tensor, in []*Tensor, gy, x []float32, st *normState, m int) (A, B, D []float32) {
	gamma, beta := in[1], in[2]
	c := st.c
	// Column sums of gy and of gy·(x − mean), by blocks.
	nb := max(1, (m+normBlock-1)/normBlock)
	partial := o.scratch(2 * nb * c)
	t := newNormTask(normGradSums, m, c)
	t.g, t.x, t.a, t.acc = gy, x, st.mean, partial
	t.run()
	sums := o.scratchRaw(5 * c)
	sg, sgx := sums[:c], sums[c:2*c]
	for j := range c {
		var s, sx float64
		for b := range nb {
			s += float64(partial[2*b*c+j])
			sx += float64(partial[(2*b+1)*c+j])
		}
		sg[j], sgx[j] = float32(s), float32(sx)
	}
	if beta != nil && beta.requiresGrad {
		db := beta.ensureGrad()
		for j, v := range sg {
			db[j] += v
		}
	}
	if gamma != nil && gamma.requiresGrad {
		dg := gamma.ensureGrad()
		for j, v := range sgx {
			dg[j] += v * st.invstd[j] // Σ gy·xhat
		}
	}
	// dx = k·(gy − mean(gy) − xhat·mean(gy·xhat)), k = gamma/σ, in
	// training, where the batch's moments depend on x; k·gy with fixed
	// statistics. As gy·A + x·B + D per channel.
	A, B, D = sums[2*c:3*c], sums[3*c:4*c], sums[4*c:]
	for j := range c {
		k := st.invstd[j]
		if gamma != nil {
			k *= gamma.data[j]
		}
		A[j], B[j], D[j] = k, 0, 0
		if st.training && st.m > 0 {
			inv := 1 / float32(st.m)
			B[j] = -k * st.invstd[j] * st.invstd[j] * sgx[j] * inv
			D[j] = -k*sg[j]*inv - st.mean[j]*B[j]
		}
	}
	return A, B, D
}

// normTask is a pass of BatchNorm over blocks of normBlock rows, run in
// parallel: a pooled struct rather than a closure, so that a training step
// does not allocate.
type normTask struct {
	kind         normTaskKind
	m, c         int
	x, y, g, acc []float32
	a, b, d      []float32
}

type normTaskKind int

const (
	normColSums    normTaskKind = iota // acc[block] += rows of x
	normSqDev                          // acc[block] += (x − a)²
	normScaleShift                     // y = x·a + b
	normGradSums                       // acc[2·block] += g, acc[2·block+1] += g·(x − a)
	normGrad                           // y += g·a + x·b + d
)

var normTasks = sync.Pool{New: func() any { return new(normTask) }}

func newNormTask(kind normTaskKind, m, c int) *normTask {
	t := normTasks.Get().(*normTask)
	*t = normTask{kind: kind, m: m, c: c}
	return t
}

// run runs the pass over all blocks, in parallel when it is large enough,
// and returns the task to its pool.
func (t *normTask) run() {
	nb := (t.m + normBlock - 1) / normBlock
	if nb > 0 {
		cost := normBlock * t.c
		if nb*cost < minParallelWork {
			t.Run(0, nb)
		} else {
			gemm.ParallelTask(nb, (minParallelWork+cost-1)/cost, t)
		}
	}
	*t = normTask{}
	normTasks.Put(t)
}

// Run implements gemm.Task for the blocks [lo, hi).
func (t *normTask) Run(lo, hi int) {
	c := t.c
	for b := lo; b < hi; b++ {
		r0, r1 := b*normBlock, min(t.m, (b+1)*normBlock)
		rows := t.x[r0*c : r1*c]
		n := r1 - r0
		switch t.kind {
		case normColSums:
			vec.AddRows(t.acc[b*c:(b+1)*c], 0, rows, c, n, c)
		case normSqDev:
			vec.AddSqDevRows(t.acc[b*c:(b+1)*c], rows, t.a, n, c)
		case normScaleShift:
			vec.ScaleShiftRows(t.y[r0*c:r1*c], rows, t.a, t.b, n, c)
		case normGradSums:
			g := t.g[r0*c : r1*c]
			vec.AddRows(t.acc[2*b*c:(2*b+1)*c], 0, g, c, n, c)
			vec.AddDevDotRows(t.acc[(2*b+1)*c:(2*b+2)*c], g, rows, t.a, n, c)
		case normGrad:
			vec.AddAffine2Rows(t.y[r0*c:r1*c], t.g[r0*c:r1*c], rows, t.a, t.b, t.d, n, c)
		}
	}
}
