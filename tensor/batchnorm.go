package tensor

import (
	"fmt"
	"math"
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
	// invstd and the normalized input xhat are kept for the backward pass.
	invstd := out.scratchRaw(c)
	xhat := out.scratchRaw(len(x.data))
	if training {
		batchMoments(x.data, m, c, mean, variance)
	}
	for j := range c {
		invstd[j] = float32(1 / math.Sqrt(float64(variance[j])+float64(eps)))
	}
	for r := range m {
		xr, hr, yr := x.data[r*c:(r+1)*c], xhat[r*c:(r+1)*c], out.data[r*c:(r+1)*c]
		for j, v := range xr {
			h := (v - mean[j]) * invstd[j]
			hr[j] = h
			if gamma != nil {
				h *= gamma.data[j]
			}
			if beta != nil {
				h += beta.data[j]
			}
			yr[j] = h
		}
	}
	if n := track(out, "BatchNorm", batchNormBackward, x, gamma, beta); n != nil {
		n.fs, n.norm = xhat, normState{invstd: invstd, m: m, c: c, training: training}
	}
	return out
}

// normState is what BatchNorm's backward pass needs besides its inputs.
type normState struct {
	invstd   []float32
	m, c     int
	training bool
}

// batchMoments writes the mean and the biased variance of each of the c
// columns of the m×c matrix x, accumulated in float64 (two passes, so that
// a large mean does not cancel the variance).
func batchMoments(x []float32, m, c int, mean, variance []float32) {
	if m == 0 {
		clear(mean)
		clear(variance)
		return
	}
	for j := range c {
		mean[j], variance[j] = 0, 0
	}
	// Accumulate rows in float32 blocks folded into float64 sums: a plain
	// float64 pass per column would stride through memory.
	var sum [64]float64
	for j0 := 0; j0 < c; j0 += len(sum) {
		j1 := min(c, j0+len(sum))
		s := sum[:j1-j0]
		clear(s)
		for r := range m {
			for j, v := range x[r*c+j0 : r*c+j1] {
				s[j] += float64(v)
			}
		}
		for j := range s {
			mean[j0+j] = float32(s[j] / float64(m))
		}
		clear(s)
		for r := range m {
			for j, v := range x[r*c+j0 : r*c+j1] {
				d := float64(v) - float64(mean[j0+j])
				s[j] += d * d
			}
		}
		for j := range s {
			variance[j0+j] = float32(s[j] / float64(m))
		}
	}
}

func batchNormBackward(o *Tensor) {
	n := o.node
	x, gamma, beta := n.in[0], n.in[1], n.in[2]
	st, xhat, gy := &n.norm, n.fs, o.grad
	m, c := st.m, st.c
	// Column sums of gy and gy·xhat give dbeta and dgamma, and the two
	// terms by which the batch's moments correct dx in training.
	sums := o.scratch(2 * c)
	sg, sgh := sums[:c], sums[c:]
	for r := range m {
		gr, hr := gy[r*c:(r+1)*c], xhat[r*c:(r+1)*c]
		for j, g := range gr {
			sg[j] += g
			sgh[j] += g * hr[j]
		}
	}
	if beta != nil && beta.requiresGrad {
		db := beta.ensureGrad()
		for j, v := range sg {
			db[j] += v
		}
	}
	if gamma != nil && gamma.requiresGrad {
		dg := gamma.ensureGrad()
		for j, v := range sgh {
			dg[j] += v
		}
	}
	if !x.requiresGrad {
		return
	}
	dx := x.ensureGrad()
	// dx = k·(gy − mean(gy) − xhat·mean(gy·xhat)) with k = gamma·invstd in
	// training, where the batch's moments depend on x; k·gy with fixed
	// statistics.
	if st.training && m > 0 {
		for j := range c {
			sg[j] /= float32(m)
			sgh[j] /= float32(m)
		}
	} else {
		clear(sums)
	}
	k := o.scratchRaw(c)
	copy(k, st.invstd)
	if gamma != nil {
		for j, g := range gamma.data {
			k[j] *= g
		}
	}
	for r := range m {
		gr, hr, dr := gy[r*c:(r+1)*c], xhat[r*c:(r+1)*c], dx[r*c:(r+1)*c]
		for j, g := range gr {
			dr[j] += k[j] * (g - sg[j] - hr[j]*sgh[j])
		}
	}
}
