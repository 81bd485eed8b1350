// Package vec holds the elementwise kernels of the training step that run
// over every weight at every step (the optimizer updates), in Go assembly
// for amd64 with AVX-512 or AVX2 and in plain Go elsewhere.
//
// Every kernel gives bit-identical results on every path: the assembly does
// the same IEEE operations in the same order as the Go code (no fused
// multiply-add, a correctly rounded square root), so a run does not depend
// on the CPU it runs on.
//
// Adam flushes denormal numbers to zero, in its inputs and in every
// result (the DAZ and FTZ modes of the SSE unit, which the Go code
// emulates), as TensorFlow does on CPUs. The moments of a weight whose
// gradient stays zero decay geometrically into the denormal range, and on
// Intel CPUs each operation on a denormal float costs a microcode assist
// of about a hundred cycles: without the flush, an MNIST epoch spent most
// of its time there.
package vec

import (
	"math"
	"sync"

	"github.com/neuron-go/neuron/internal/gemm"
)

// Adam applies Keras's Adam update to every element:
//
//	m ← m + (g − m)·c1        (c1 = 1 − β₁)
//	v ← v + (g² − v)·c2       (c2 = 1 − β₂)
//	w ← w − alpha·m / (√v + eps)
//
// with denormal inputs and results flushed to zero (see the package doc).
// All slices must have the length of w. Long slices are split over the
// cores (the update is elementwise, so the result does not depend on the
// split).
func Adam(w, g, m, v []float32, alpha, c1, c2, eps float32) {
	n := len(w)
	g, m, v = g[:n], m[:n], v[:n]
	if n < 2*adamGrain {
		adamSerial(w, g, m, v, alpha, c1, c2, eps)
		return
	}
	t := adamTasks.Get().(*adamTask)
	*t = adamTask{w, g, m, v, alpha, c1, c2, eps}
	gemm.ParallelTask(n, adamGrain, t)
	*t = adamTask{}
	adamTasks.Put(t)
}

// adamTask is the loop body of a split Adam update; tasks are pooled so
// that an optimizer step does not allocate.
type adamTask struct {
	w, g, m, v         []float32
	alpha, c1, c2, eps float32
}

func (t *adamTask) Run(lo, hi int) {
	adamSerial(t.w[lo:hi], t.g[lo:hi], t.m[lo:hi], t.v[lo:hi], t.alpha, t.c1, t.c2, t.eps)
}

var adamTasks = sync.Pool{New: func() any { return new(adamTask) }}

// adamGrain is the least number of weights worth handing to another core:
// about 4µs of work, several times the hand-off to a spinning worker (the
// optimizer runs right after the backward pass's products). The course
// CNN's kernels (18k and 37k weights) are then split, not updated on one
// core while the other waits.
const adamGrain = 1 << 13

func adamSerial(w, g, m, v []float32, alpha, c1, c2, eps float32) {
	done := adamAsm(w, g, m, v, alpha, c1, c2, eps)
	adamGo(w[done:], g[done:], m[done:], v[done:], alpha, c1, c2, eps)
}

// adamGo is the portable kernel; it also finishes what the assembly leaves.
// Every operand from memory and every result goes through FlushDenormal, which is
// what the assembly's DAZ and FTZ modes do to them. (x86 detects a tiny
// result after rounding, as Go's rounding does, so the two agree.)
func adamGo(w, g, m, v []float32, alpha, c1, c2, eps float32) {
	g, m, v = g[:len(w)], m[:len(w)], v[:len(w)]
	alpha, c1, c2, eps = FlushDenormal(alpha), FlushDenormal(c1), FlushDenormal(c2), FlushDenormal(eps)
	for i := range w {
		gi, m0, v0 := FlushDenormal(g[i]), FlushDenormal(m[i]), FlushDenormal(v[i])
		mi := FlushDenormal(m0 + FlushDenormal(FlushDenormal(gi-m0)*c1))
		vi := FlushDenormal(v0 + FlushDenormal(FlushDenormal(FlushDenormal(gi*gi)-v0)*c2))
		m[i], v[i] = mi, vi
		// float32(math.Sqrt(float64(x))) is the correctly rounded float32
		// square root, the same value VSQRTPS gives; the root of a normal
		// number is normal.
		d := FlushDenormal(float32(math.Sqrt(float64(vi))) + eps)
		w[i] = FlushDenormal(FlushDenormal(w[i]) - FlushDenormal(FlushDenormal(alpha*mi)/d))
	}
}

// ftz returns x, or a zero of its sign if x is denormal.
func FlushDenormal(x float32) float32 {
	if b := math.Float32bits(x); b&0x7f800000 == 0 {
		return math.Float32frombits(b & 0x80000000)
	}
	return x
}

// ReLU sets y = max(x, 0) elementwise, with +0 for ±0 and NaN for NaN, as
// IEEE maximum, Keras and PyTorch give: a NaN must not turn into a valid
// activation. A NaN keeps its payload and comes out quiet (x + 0). y and x
// have equal length.
func ReLU(y, x []float32) {
	x = x[:len(y)]
	done := reluAsm(y, x)
	for i, v := range x[done:] {
		// Written without a data-dependent branch: signs are random, and a
		// mispredicted branch per element costs more than the work.
		y[done+i] = max(v, 0)
		if v != v {
			// The assembly's max(0, x) + 0 (Go's max does not say
			// which NaN it returns).
			y[done+i] = v + 0
		}
	}
}

// ReLUBackward adds g to dx where the ReLU output y is positive:
// dx += (y > 0) ? g : 0. Adding an explicit 0 elsewhere keeps every path
// bit-identical (−0 + 0 = +0). Where y is NaN the gradient is 0, as in
// TensorFlow's ReluGrad and JAX (g·(x > 0)); the NaN has already reached
// the loss through the forward pass.
func ReLUBackward(dx, g, y []float32) {
	g, y = g[:len(dx)], y[:len(dx)]
	done := reluBackwardAsm(dx, g, y)
	for i := done; i < len(dx); i++ {
		var a float32
		if y[i] > 0 {
			a = g[i]
		}
		dx[i] += a
	}
}
