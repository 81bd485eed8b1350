package tensor

import (
	"fmt"
	"math"
	"sync"

	"github.com/neuron-go/neuron/internal/gemm"
	"github.com/neuron-go/neuron/internal/vec"
)

// GroupNorm normalizes groups of values of x to zero mean and unit
// variance, then scales by gamma and shifts by beta. x is viewed as
// n×s×g×k (row-major, n·s·g·k = x.Size()): for each of the n·g pairs
// (i, j) the s·k values x[i, :, j, :] are one group, normalized with their
// own mean and biased variance:
//
//	y = gamma[j·k + c] · (x − mean) / √(variance + eps) + beta[j·k + c]
//
// for the value x[i, r, j, c]. Keras's LayerNormalization over the last
// axes of an input is n rows, s = g = 1 and k the normalized size; its
// GroupNormalization of channels-last data is n examples, s positions, g
// groups of k channels. Statistics are accumulated in float64.
//
// gamma and beta are tensors of g·k values or nil (Keras's scale=False and
// center=False). Gradients flow to x, gamma and beta. It panics with a
// *ShapeError if the sizes do not fit.
func GroupNorm(x, gamma, beta *Tensor, n, s, g, k int, eps float32) *Tensor {
	if n < 0 || s <= 0 || g <= 0 || k <= 0 || n*s*g*k != len(x.data) {
		panic(shapeErr("GroupNorm", fmt.Sprintf("x does not hold %d×%d×%d×%d values", n, s, g, k), x.shape))
	}
	for _, p := range []*Tensor{gamma, beta} {
		if p != nil && len(p.data) != g*k {
			panic(shapeErr("GroupNorm", fmt.Sprintf("gamma and beta must hold %d values", g*k), x.shape, p.shape))
		}
	}
	out := newOutRaw(x.shape, x, gamma, beta)
	invstd := out.scratchRaw(n * g)
	xhat := out.scratchRaw(len(x.data))
	task := groupNormTasks.Get().(*groupNormTask)
	*task = groupNormTask{x: x, gamma: gamma, beta: beta, y: out.data, xhat: xhat, invstd: invstd, s: s, g: g, k: k, eps: eps}
	// Examples are independent: they run in parallel, each computed as
	// on one goroutine.
	gemm.ParallelTask(n, max(1, groupNormGrain/(s*g*k)), task)
	*task = groupNormTask{}
	groupNormTasks.Put(task)
	if nd := track(out, "GroupNorm", groupNormBackward, x, gamma, beta); nd != nil {
		nd.fs = xhat
		nd.norm = normState{invstd: invstd}
		nd.groups = [4]int{n, s, g, k}
	}
	return out
}

func groupNormBackward(o *Tensor) {
	nd := o.node
	x, gamma, beta := nd.in[0], nd.in[1], nd.in[2]
	n, s, g, k := nd.groups[0], nd.groups[1], nd.groups[2], nd.groups[3]
	xhat, gy, invstd := nd.fs, o.grad, nd.norm.invstd
	gk := g * k
	var db, dg []float32
	if beta != nil && beta.requiresGrad {
		db = beta.ensureGrad()
	}
	if gamma != nil && gamma.requiresGrad {
		dg = gamma.ensureGrad()
	}
	if db != nil || dg != nil {
		// Row by row into one running sum per column (the bits of the
		// plain loop), ranges of columns on all cores.
		task := affineGradTasks.Get().(*affineGradTask)
		*task = affineGradTask{db: db, dg: dg, gy: gy, xhat: xhat, rows: n * s, cols: gk}
		gemm.ParallelTask(gk, max(1, groupNormGrain/max(n*s, 1)), task)
		*task = affineGradTask{}
		affineGradTasks.Put(task)
	}
	if !x.requiresGrad {
		return
	}
	// With gh = gy·gamma: dx = invstd·(gh − mean(gh) − xhat·mean(gh·xhat))
	// over each group, each example on its own.
	task := groupNormTasks.Get().(*groupNormTask)
	*task = groupNormTask{gamma: gamma, xhat: xhat, invstd: invstd, gy: gy, dx: x.ensureGrad(), s: s, g: g, k: k, backward: true}
	gemm.ParallelTask(n, max(1, groupNormGrain/(s*gk)), task)
	*task = groupNormTask{}
	groupNormTasks.Put(task)
}

// affineGradTask adds to columns [lo, hi) of db and dg the sums over the
// rows of gy and of gy⊙xhat (rows×cols, row-major): GroupNorm's beta and
// gamma gradients.
type affineGradTask struct {
	db, dg, gy, xhat []float32
	rows, cols       int
}

var affineGradTasks = sync.Pool{New: func() any { return new(affineGradTask) }}

// Run implements gemm.Task.
func (t *affineGradTask) Run(lo, hi int) {
	if t.db != nil {
		vec.AddRows(t.db[lo:hi], 0, t.gy[lo:], t.cols, t.rows, hi-lo)
	}
	if t.dg != nil {
		vec.MulAddRows(t.dg[lo:hi], 0, t.gy[lo:], t.cols, t.xhat[lo:], t.cols, t.rows, hi-lo)
	}
}

// groupNormGrain is how many values a part of GroupNorm's parallel loops
// gets at least.
const groupNormGrain = 1 << 14

// groupNormTask runs GroupNorm's forward pass or the input gradient of its
// backward pass for examples [lo, hi). Tasks are pooled so that a step
// allocates none.
type groupNormTask struct {
	x, gamma, beta *Tensor
	y, xhat        []float32 // forward: output and normalized input
	invstd         []float32
	gy, dx         []float32 // backward
	s, g, k        int
	eps            float32
	backward       bool
}

var groupNormTasks = sync.Pool{New: func() any { return new(groupNormTask) }}

// Run implements gemm.Task.
func (t *groupNormTask) Run(lo, hi int) {
	for i := lo; i < hi; i++ {
		if t.backward {
			t.backwardExample(i)
		} else {
			t.forwardExample(i)
		}
	}
}

func (t *groupNormTask) forwardExample(i int) {
	x, gamma, beta, s, g, k := t.x, t.gamma, t.beta, t.s, t.g, t.k
	gk := g * k
	inv := 1 / float64(s*k)
	ex, hx, yx := x.data[i*s*gk:(i+1)*s*gk], t.xhat[i*s*gk:(i+1)*s*gk], t.y[i*s*gk:(i+1)*s*gk]
	for j := range g {
		var sum float64
		for r := range s {
			sum += sum64(ex[r*gk+j*k : r*gk+j*k+k])
		}
		mean := sum * inv
		var sq float64
		for r := range s {
			sq += sqDev64(ex[r*gk+j*k:r*gk+j*k+k], mean)
		}
		is := 1 / math.Sqrt(sq*inv+float64(t.eps))
		t.invstd[i*g+j] = float32(is)
		m32, is32 := float32(mean), float32(is)
		var gs, bs []float32
		if gamma != nil {
			gs = gamma.data[j*k : j*k+k]
		}
		if beta != nil {
			bs = beta.data[j*k : j*k+k]
		}
		for r := range s {
			o := r*gk + j*k
			xr, hr, yr := ex[o:o+k], hx[o:o+k], yx[o:o+k]
			hr, yr = hr[:len(xr)], yr[:len(xr)]
			for c, v := range xr {
				hr[c] = (v - m32) * is32
			}
			switch {
			case gs != nil && bs != nil:
				gs, bs := gs[:len(hr)], bs[:len(hr)]
				for c, h := range hr {
					yr[c] = h*gs[c] + bs[c]
				}
			case gs != nil:
				gs := gs[:len(hr)]
				for c, h := range hr {
					yr[c] = h * gs[c]
				}
			case bs != nil:
				bs := bs[:len(hr)]
				for c, h := range hr {
					yr[c] = h + bs[c]
				}
			default:
				copy(yr, hr)
			}
		}
	}
}

// backwardExample adds example i's input gradient to dx.
func (t *groupNormTask) backwardExample(i int) {
	gamma, s, g, k := t.gamma, t.s, t.g, t.k
	gy, xhat, dx := t.gy, t.xhat, t.dx
	gk := g * k
	inv := 1 / float64(s*k)
	base := i * s * gk
	for j := range g {
		var sg, sgh float64
		for r := range s {
			o := base + r*gk + j*k
			var gs []float32
			if gamma != nil {
				gs = gamma.data[j*k : j*k+k]
			}
			a, b := gradSums64(gy[o:o+k], gs, xhat[o:o+k])
			sg += a
			sgh += b
		}
		mg, mgh, is := float32(sg*inv), float32(sgh*inv), t.invstd[i*g+j]
		for r := range s {
			o := base + r*gk + j*k
			gr, hr, dr := gy[o:o+k:o+k], xhat[o:o+k:o+k], dx[o:o+k:o+k]
			if gamma == nil {
				normGradRow(dr, gr, hr, is, mg, mgh)
				continue
			}
			gs := gamma.data[j*k : j*k+k : j*k+k]
			for c := range dr {
				v := gr[c] * gs[c]
				dr[c] += is * (v - mg - hr[c]*mgh)
			}
		}
	}
}

// sum64 returns Σ x in float64, in four interleaved partial sums (so
// that the additions do not wait on each other), added at the end.
func sum64(x []float32) float64 {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += float64(x[i])
		s1 += float64(x[i+1])
		s2 += float64(x[i+2])
		s3 += float64(x[i+3])
	}
	for ; i < len(x); i++ {
		s0 += float64(x[i])
	}
	return (s0 + s1) + (s2 + s3)
}

// sqDev64 returns Σ (x − mean)² in float64, as sum64 sums.
func sqDev64(x []float32, mean float64) float64 {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		d0, d1, d2, d3 := float64(x[i])-mean, float64(x[i+1])-mean, float64(x[i+2])-mean, float64(x[i+3])-mean
		s0 += d0 * d0
		s1 += d1 * d1
		s2 += d2 * d2
		s3 += d3 * d3
	}
	for ; i < len(x); i++ {
		d := float64(x[i]) - mean
		s0 += d * d
	}
	return (s0 + s1) + (s2 + s3)
}

// normGradRow adds is·(g − mg − xhat·mgh) to dx, the normalization's
// input gradient for a row without gamma.
func normGradRow(dx, g, xhat []float32, is, mg, mgh float32) {
	g, xhat = g[:len(dx)], xhat[:len(dx)]
	for c := range dx {
		dx[c] += is * (g[c] - mg - xhat[c]*mgh)
	}
}

// gradSums64 returns Σ gh and Σ gh·xhat in float64 for gh = gy·gamma
// (gy itself for a nil gamma), as sum64 sums.
func gradSums64(gy, gamma, xhat []float32) (float64, float64) {
	var a0, a1, b0, b1 float64
	xhat = xhat[:len(gy)]
	if gamma != nil {
		gamma = gamma[:len(gy)]
	}
	i := 0
	for ; i+2 <= len(gy); i += 2 {
		v0, v1 := gy[i], gy[i+1]
		if gamma != nil {
			v0 *= gamma[i]
			v1 *= gamma[i+1]
		}
		a0 += float64(v0)
		a1 += float64(v1)
		b0 += float64(v0) * float64(xhat[i])
		b1 += float64(v1) * float64(xhat[i+1])
	}
	for ; i < len(gy); i++ {
		v := gy[i]
		if gamma != nil {
			v *= gamma[i]
		}
		a0 += float64(v)
		b0 += float64(v) * float64(xhat[i])
	}
	return a0 + a1, b0 + b1
}

// L2Normalize divides each row of x, viewed as rows of k values (k must
// divide x.Size()), by its Euclidean norm, as keras.ops.normalize (order 2)
// does: y = x · 1/√max(Σx², eps²). Rows whose squared norm is below eps²
// are scaled by 1/eps, and their gradient is then 1/eps times the
// upstream one. It panics with a *ShapeError if k does not fit.
func L2Normalize(x *Tensor, k int, eps float32) *Tensor {
	if k <= 0 || len(x.data)%k != 0 {
		panic(shapeErr("L2Normalize", fmt.Sprintf("rows of %d values do not fill x", k), x.shape))
	}
	rows := len(x.data) / k
	out := newOutRaw(x.shape, x)
	// scale holds each row's factor, negated where the norm was clamped
	// (the factor is positive), so that the backward pass knows.
	scale := out.scratchRaw(rows)
	e2 := float64(eps) * float64(eps)
	for r := range rows {
		xr, yr := x.data[r*k:(r+1)*k], out.data[r*k:(r+1)*k]
		var sq float64
		for _, v := range xr {
			sq += float64(v) * float64(v)
		}
		f := 1 / math.Sqrt(max(sq, e2))
		f32 := float32(f)
		for c, v := range xr {
			yr[c] = v * f32
		}
		if sq < e2 {
			f32 = -f32
		}
		scale[r] = f32
	}
	if nd := track(out, "L2Normalize", l2NormalizeBackward, x); nd != nil {
		nd.fs = scale
		nd.groups[0] = k
	}
	return out
}

func l2NormalizeBackward(o *Tensor) {
	nd := o.node
	k, scale := nd.groups[0], nd.fs
	dx, gy, y := nd.in[0].grad, o.grad, o.data
	for r, f := range scale {
		gr, yr, dr := gy[r*k:(r+1)*k], y[r*k:(r+1)*k], dx[r*k:(r+1)*k]
		if f < 0 {
			for c, v := range gr {
				dr[c] -= f * v
			}
			continue
		}
		// dx = f·(gy − y·Σ gy·y)
		var dot float64
		for c, v := range gr {
			dot += float64(v) * float64(yr[c])
		}
		d := float32(dot)
		for c, v := range gr {
			dr[c] += f * (v - yr[c]*d)
		}
	}
}
