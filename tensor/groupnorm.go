package tensor

import (
	"fmt"
	"math"
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
	gk := g * k
	inv := 1 / float64(s*k)
	for i := range n {
		ex, hx, yx := x.data[i*s*gk:(i+1)*s*gk], xhat[i*s*gk:(i+1)*s*gk], out.data[i*s*gk:(i+1)*s*gk]
		for j := range g {
			var sum float64
			for r := range s {
				for _, v := range ex[r*gk+j*k : r*gk+j*k+k] {
					sum += float64(v)
				}
			}
			mean := sum * inv
			var sq float64
			for r := range s {
				for _, v := range ex[r*gk+j*k : r*gk+j*k+k] {
					d := float64(v) - mean
					sq += d * d
				}
			}
			is := 1 / math.Sqrt(sq*inv+float64(eps))
			invstd[i*g+j] = float32(is)
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
	if beta != nil && beta.requiresGrad {
		db := beta.ensureGrad()
		for r := range n * s {
			for c, v := range gy[r*gk : (r+1)*gk] {
				db[c] += v
			}
		}
	}
	if gamma != nil && gamma.requiresGrad {
		dg := gamma.ensureGrad()
		for r := range n * s {
			hr := xhat[r*gk : (r+1)*gk]
			for c, v := range gy[r*gk : (r+1)*gk] {
				dg[c] += v * hr[c]
			}
		}
	}
	if !x.requiresGrad {
		return
	}
	dx := x.ensureGrad()
	// With gh = gy·gamma: dx = invstd·(gh − mean(gh) − xhat·mean(gh·xhat))
	// over each group.
	inv := 1 / float64(s*k)
	for i := range n {
		base := i * s * gk
		for j := range g {
			var sg, sgh float64
			for r := range s {
				o := base + r*gk + j*k
				for c, v := range gy[o : o+k] {
					if gamma != nil {
						v *= gamma.data[j*k+c]
					}
					sg += float64(v)
					sgh += float64(v) * float64(xhat[o+c])
				}
			}
			mg, mgh, is := float32(sg*inv), float32(sgh*inv), invstd[i*g+j]
			for r := range s {
				o := base + r*gk + j*k
				hr, dr := xhat[o:o+k], dx[o:o+k]
				for c, v := range gy[o : o+k] {
					if gamma != nil {
						v *= gamma.data[j*k+c]
					}
					dr[c] += is * (v - mg - hr[c]*mgh)
				}
			}
		}
	}
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
