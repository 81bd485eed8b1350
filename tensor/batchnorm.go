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
	if len(x.shape) == 0 {
		panic(shapeErr("BatchNorm", "x is a scalar", x.shape))
	}
	c := x.shape[len(x.shape)-1]
	for _, p := range []*Tensor{gamma, beta} {
		if p != nil && (len(p.shape) != 1 || p.shape[0] != c) {
			panic(shapeErr("BatchNorm", fmt.Sprintf("gamma and beta must have shape [%d]", c), x.shape, p.shape))
		}
	}
	if len(mean) != c || len(variance) != c {
		panic(shapeErr("BatchNorm", fmt.Sprintf("mean and variance must have %d values, got %d and %d", c, len(mean), len(variance)), x.shape))
	}
	m := 0
	if c > 0 {
		m = len(x.data) / c
	}
	out := newOutRaw(x.shape, x, gamma, beta)
	// The statistics the backward pass needs: the mean used and 1/σ.
	stats := out.scratchRaw(2 * c)
	mu, invstd := stats[:c], stats[c:]
	if training {
		batchMoments(out, x.data, m, c, mean, variance)
	}
	copy(mu, mean)
	for j := range c {
		invstd[j] = float32(1 / math.Sqrt(float64(variance[j])+float64(eps)))
	}
	// y = x·a + b with a = gamma/σ and b = beta − mean·a per channel.
	ab := out.scratchRaw(2 * c)
	a, b := ab[:c], ab[c:]
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
	t := newNormTask(normScaleShift, m, c)
	t.y, t.x, t.a, t.b = out.data, x.data, a, b
	t.run()
	if n := track(out, "BatchNorm", batchNormBackward, x, gamma, beta); n != nil {
		n.norm = normState{mean: mu, invstd: invstd, m: m, c: c, training: training}
	}
	return out
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
	x, gamma, beta := n.in[0], n.in[1], n.in[2]
	st, gy := &n.norm, o.grad
	m, c := st.m, st.c
	// Column sums of gy and of gy·(x − mean), by blocks.
	nb := max(1, (m+normBlock-1)/normBlock)
	partial := o.scratch(2 * nb * c)
	t := newNormTask(normGradSums, m, c)
	t.g, t.x, t.a, t.acc = gy, x.data, st.mean, partial
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
	if !x.requiresGrad {
		return
	}
	// dx = k·(gy − mean(gy) − xhat·mean(gy·xhat)), k = gamma/σ, in
	// training, where the batch's moments depend on x; k·gy with fixed
	// statistics. As gy·A + x·B + D per channel.
	A, B, D := sums[2*c:3*c], sums[3*c:4*c], sums[4*c:]
	for j := range c {
		k := st.invstd[j]
		if gamma != nil {
			k *= gamma.data[j]
		}
		A[j], B[j], D[j] = k, 0, 0
		if st.training && m > 0 {
			inv := 1 / float32(m)
			B[j] = -k * st.invstd[j] * st.invstd[j] * sgx[j] * inv
			D[j] = -k*sg[j]*inv - st.mean[j]*B[j]
		}
	}
	t = newNormTask(normGrad, m, c)
	t.y, t.g, t.x, t.a, t.b, t.d = x.ensureGrad(), gy, x.data, A, B, D
	t.run()
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
