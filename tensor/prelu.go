package tensor

import "math"

// PReLU returns max(x, 0) − alpha ⊙ max(−x, 0), Keras's PReLU layer:
// alpha holds a slope per element of an example of x (x's shape without
// its first, batch, axis), with 1 along the axes where it is shared.
// d/dx = 1 for x > 0 and alpha for x < 0; d/dalpha = min(x, 0).
func PReLU(x, alpha *Tensor) *Tensor {
	r := len(x.shape)
	if r < 2 || len(alpha.shape) != r-1 || r > maxBlockRank {
		panic(shapeErr("PReLU", "alpha must have the rank of an example of x", x.shape, alpha.shape))
	}
	for i, d := range alpha.shape {
		if d != 1 && d != x.shape[i+1] {
			panic(shapeErr("PReLU", "alpha's dimensions must be x's or 1", x.shape, alpha.shape))
		}
	}
	var full [maxBlockRank]int
	full[0] = 1
	copy(full[1:], alpha.shape)
	a := x.scratchRaw(len(x.data))
	broadcastInto(a, x.shape, alpha.data, full[:r])
	out := newOutRaw(x.shape, x, alpha)
	for i, v := range x.data {
		// relu(x) − α·relu(−x), which keeps a NaN and gives +0 at ±0.
		out.data[i] = max(v, 0) - a[i]*max(-v, 0)
	}
	if n := track(out, "PReLU", preluBackward, x, alpha); n != nil {
		n.fs = a
	}
	return out
}

func preluBackward(o *Tensor) {
	x, alpha := o.node.in[0], o.node.in[1]
	a := o.node.fs
	if x.requiresGrad {
		for i, g := range o.grad {
			switch v := x.data[i]; {
			case v > 0:
				x.grad[i] += g
			case v < 0:
				x.grad[i] += g * a[i]
			}
		}
	}
	if alpha.requiresGrad {
		// Σ over the batch and the shared axes of g·min(x, 0).
		r := len(x.shape)
		var stride, idx [maxBlockRank]int
		s := 1
		for ax := r - 1; ax >= 1; ax-- {
			if alpha.shape[ax-1] != 1 {
				stride[ax] = s
			}
			s *= alpha.shape[ax-1]
		}
		for i, g := range o.grad {
			if v := x.data[i]; v < 0 {
				si := 0
				for ax := 1; ax < r; ax++ {
					si += idx[ax] * stride[ax]
				}
				alpha.grad[si] += g * v
			}
			for ax := r - 1; ax >= 0; ax-- {
				idx[ax]++
				if idx[ax] < x.shape[ax] {
					break
				}
				idx[ax] = 0
			}
		}
	}
}

// SoftmaxAxis returns the softmax of t along axis (negative counts from
// the end), computed stably by subtracting the maximum along the axis.
// Along the last axis it is Softmax, whose result remembers the logits.
func (t *Tensor) SoftmaxAxis(axis int) *Tensor {
	outer, n, inner, ax := t.axisSplit("SoftmaxAxis", axis)
	if ax == len(t.shape)-1 {
		return t.Softmax()
	}
	out := newOutRaw(t.shape, t)
	for o := range outer {
		base := o * n * inner
		for j := range inner {
			m := float32(math.Inf(-1))
			for k := range n {
				m = max(m, t.data[base+k*inner+j])
			}
			var s float64
			for k := range n {
				e := math.Exp(float64(t.data[base+k*inner+j] - m))
				out.data[base+k*inner+j] = float32(e)
				s += e
			}
			inv := float32(1 / s)
			for k := range n {
				out.data[base+k*inner+j] *= inv
			}
		}
	}
	if nd := track(out, "SoftmaxAxis", softmaxAxisBackward, t); nd != nil {
		nd.ints[0] = ax
	}
	return out
}

func softmaxAxisBackward(o *Tensor) {
	t := o.node.in[0]
	outer, n, inner, _ := t.axisSplit("SoftmaxAxis", o.node.ints[0])
	for b := range outer {
		base := b * n * inner
		for j := range inner {
			var dot float32
			for k := range n {
				i := base + k*inner + j
				dot += o.grad[i] * o.data[i]
			}
			for k := range n {
				i := base + k*inner + j
				t.grad[i] += o.data[i] * (o.grad[i] - dot)
			}
		}
	}
}
