package tensor

import (
	"fmt"
	"math"
)

// Concat joins tensors along axis (negative counts from the end), like
// np.concatenate. The tensors must have the same rank and the same sizes on
// every other axis. The gradient of each input is its slice of the
// result's gradient.
func Concat(axis int, ts ...*Tensor) *Tensor {
	if len(ts) == 0 {
		panic(shapeErr("Concat", "needs at least one tensor"))
	}
	rank := len(ts[0].shape)
	ax := axis
	if ax < 0 {
		ax += rank
	}
	if ax < 0 || ax >= rank {
		panic(concatErr(fmt.Sprintf("axis %d out of range", axis), ts))
	}
	n := 0
	for _, t := range ts {
		if len(t.shape) != rank {
			panic(concatErr("ranks differ", ts))
		}
		for i, d := range t.shape {
			if i != ax && d != ts[0].shape[i] {
				panic(concatErr(fmt.Sprintf("sizes differ off the axis %d", ax), ts))
			}
		}
		n += t.shape[ax]
	}
	a := arenaOf(ts...)
	out := header(a)
	out.setShape(ts[0].shape)
	out.shape[ax] = n
	if a != nil {
		out.data = a.getRaw(size(out.shape))
	} else {
		out.data = make([]float32, size(out.shape))
	}
	outer, inner := concatSplit(out.shape, ax)
	row := n * inner
	off := 0
	for _, t := range ts {
		w := t.shape[ax] * inner
		for o := 0; o < outer; o++ {
			copy(out.data[o*row+off:o*row+off+w], t.data[o*w:(o+1)*w])
		}
		off += w
	}
	if nd := track(out, "Concat", concatBackward, ts...); nd != nil {
		nd.ints[0] = ax
	}
	return out
}

func concatBackward(o *Tensor) {
	ax := o.node.ints[0]
	outer, inner := concatSplit(o.shape, ax)
	row := o.shape[ax] * inner
	off := 0
	for _, t := range o.node.inputs() {
		w := t.shape[ax] * inner
		if t.requiresGrad {
			for r := 0; r < outer; r++ {
				g := o.grad[r*row+off : r*row+off+w]
				dst := t.grad[r*w : (r+1)*w]
				for i, v := range g {
					dst[i] += v
				}
			}
		}
		off += w
	}
}

// concatSplit returns the number of elements before and after axis ax.
func concatSplit(shape []int, ax int) (outer, inner int) {
	outer, inner = 1, 1
	for i, d := range shape {
		switch {
		case i < ax:
			outer *= d
		case i > ax:
			inner *= d
		}
	}
	return outer, inner
}

func concatErr(msg string, ts []*Tensor) *ShapeError {
	shapes := make([][]int, len(ts))
	for i, t := range ts {
		shapes[i] = t.shape
	}
	return shapeErr("Concat", msg, shapes...)
}

// BatchDot is Keras's batch_dot: for each entry b of the first (batch)
// axis, it sums x[b] · y[b] over axis ax of x and axis ay of y (both in the
// tensors' own numbering, batch axis 0 excluded; negative counts from the
// end). The result's shape is x's without ax, followed by y's without the
// batch axis and ay; a result of rank 1 (x and y both of rank 2) gets a
// trailing axis of size 1, as in Keras: [B,n]·[B,n] gives [B,1].
func BatchDot(x, y *Tensor, ax, ay int) *Tensor {
	g := dotGeometry("BatchDot", x, y, ax, ay)
	shape := make([]int, 0, 8)
	shape = append(shape, x.shape[:g.ax]...)
	shape = append(shape, x.shape[g.ax+1:]...)
	shape = append(shape, y.shape[1:g.ay]...)
	shape = append(shape, y.shape[g.ay+1:]...)
	if len(shape) == 1 {
		shape = append(shape, 1)
	}
	out := newOut(shape, x, y)
	g.forward(out.data, x.data, y.data)
	if nd := track(out, "BatchDot", batchDotBackward, x, y); nd != nil {
		nd.ints = [2]int{g.ax, g.ay}
	}
	return out
}

// dotGeom views x as [B, P, K, Q] and y as [B, R, K, S], K being the
// summed axis; the result is [B, P, Q, R, S].
type dotGeom struct {
	ax, ay        int
	b, p, k, q    int
	r, s          int
	xStep, yStep  int // elements per batch entry
	outStep       int
	xStrK, yStrK  int // strides of the summed axis: q and s
	xStrP, yStrR  int // strides of p and r: k·q and k·s
	outStrQ, outP int
}

func dotGeometry(op string, x, y *Tensor, ax, ay int) dotGeom {
	if len(x.shape) < 2 || len(y.shape) < 2 {
		panic(shapeErr(op, "needs tensors of rank 2 or more", x.shape, y.shape))
	}
	oax, oay := ax, ay
	if ax < 0 {
		ax += len(x.shape)
	}
	if ay < 0 {
		ay += len(y.shape)
	}
	if ax < 1 || ax >= len(x.shape) || ay < 1 || ay >= len(y.shape) {
		panic(shapeErr(op, fmt.Sprintf("axes (%d, %d) out of range or on the batch axis", oax, oay), x.shape, y.shape))
	}
	if x.shape[0] != y.shape[0] {
		panic(shapeErr(op, "batch sizes differ", x.shape, y.shape))
	}
	if x.shape[ax] != y.shape[ay] {
		panic(shapeErr(op, fmt.Sprintf("sizes on the axes (%d, %d) differ", ax, ay), x.shape, y.shape))
	}
	g := dotGeom{ax: ax, ay: ay, b: x.shape[0], k: x.shape[ax]}
	g.p, g.q = concatSplit(x.shape[1:], ax-1)
	g.r, g.s = concatSplit(y.shape[1:], ay-1)
	g.xStep, g.yStep = g.p*g.k*g.q, g.r*g.k*g.s
	g.outStep = g.p * g.q * g.r * g.s
	g.xStrK, g.yStrK = g.q, g.s
	g.xStrP, g.yStrR = g.k*g.q, g.k*g.s
	g.outStrQ = g.r * g.s
	g.outP = g.q * g.outStrQ
	return g
}

// forward adds x·y into out (zeroed). out[b,p,q,r,s] = Σk x[b,p,k,q]·y[b,r,k,s].
func (g *dotGeom) forward(out, x, y []float32) {
	if g.q == 1 && g.s == 1 {
		// Both summed axes are last: dot products of contiguous rows.
		for b := 0; b < g.b; b++ {
			for p := 0; p < g.p; p++ {
				xr := x[b*g.xStep+p*g.k : b*g.xStep+(p+1)*g.k]
				for r := 0; r < g.r; r++ {
					yr := y[b*g.yStep+r*g.k : b*g.yStep+(r+1)*g.k]
					var acc float32
					for k, v := range xr {
						acc += v * yr[k]
					}
					out[b*g.outStep+p*g.r+r] = acc
				}
			}
		}
		return
	}
	for b := 0; b < g.b; b++ {
		xb, yb, ob := x[b*g.xStep:(b+1)*g.xStep], y[b*g.yStep:(b+1)*g.yStep], out[b*g.outStep:(b+1)*g.outStep]
		for p := 0; p < g.p; p++ {
			for r := 0; r < g.r; r++ {
				for k := 0; k < g.k; k++ {
					xr := xb[p*g.xStrP+k*g.q : p*g.xStrP+(k+1)*g.q]
					yr := yb[r*g.yStrR+k*g.s : r*g.yStrR+(k+1)*g.s]
					for q, xv := range xr {
						o := ob[p*g.outP+q*g.outStrQ+r*g.s : p*g.outP+q*g.outStrQ+(r+1)*g.s]
						for s, yv := range yr {
							o[s] += xv * yv
						}
					}
				}
			}
		}
	}
}

// batchDotBackward: dx[b,p,k,q] += Σ(r,s) g[b,p,q,r,s]·y[b,r,k,s] and
// dy[b,r,k,s] += Σ(p,q) g[b,p,q,r,s]·x[b,p,k,q].
func batchDotBackward(o *Tensor) {
	x, y := o.node.in[0], o.node.in[1]
	g := dotGeometry("BatchDot", x, y, o.node.ints[0], o.node.ints[1])
	if g.q == 1 && g.s == 1 {
		// dx[b,p,:] += Σr g[b,p,r]·y[b,r,:]; dy[b,r,:] += Σp g[b,p,r]·x[b,p,:].
		for b := 0; b < g.b; b++ {
			for p := 0; p < g.p; p++ {
				xo := b*g.xStep + p*g.k
				for r := 0; r < g.r; r++ {
					gv := o.grad[b*g.outStep+p*g.r+r]
					yo := b*g.yStep + r*g.k
					if x.requiresGrad {
						dx, yr := x.grad[xo:xo+g.k], y.data[yo:yo+g.k]
						for k, v := range yr {
							dx[k] += gv * v
						}
					}
					if y.requiresGrad {
						dy, xr := y.grad[yo:yo+g.k], x.data[xo:xo+g.k]
						for k, v := range xr {
							dy[k] += gv * v
						}
					}
				}
			}
		}
		return
	}
	for b := 0; b < g.b; b++ {
		gb := o.grad[b*g.outStep : (b+1)*g.outStep]
		xb, yb := x.data[b*g.xStep:(b+1)*g.xStep], y.data[b*g.yStep:(b+1)*g.yStep]
		for p := 0; p < g.p; p++ {
			for r := 0; r < g.r; r++ {
				for k := 0; k < g.k; k++ {
					xo, yo := p*g.xStrP+k*g.q, r*g.yStrR+k*g.s
					for q := 0; q < g.q; q++ {
						go_ := gb[p*g.outP+q*g.outStrQ+r*g.s : p*g.outP+q*g.outStrQ+(r+1)*g.s]
						yr := yb[yo : yo+g.s]
						if x.requiresGrad {
							var acc float32
							for s, gv := range go_ {
								acc += gv * yr[s]
							}
							x.grad[b*g.xStep+xo+q] += acc
						}
						if y.requiresGrad {
							xv := xb[xo+q]
							dy := y.grad[b*g.yStep+yo : b*g.yStep+yo+g.s]
							for s, gv := range go_ {
								dy[s] += gv * xv
							}
						}
					}
				}
			}
		}
	}
}

// L2NormalizeAxis divides t by its L2 norm along axis (negative counts
// from the end), as Keras's ops.normalize(x, axis, order=2) does:
// t · rsqrt(max(Σ t², ε²)), so that a zero vector stays zero with a finite
// gradient; Keras uses ε = backend.epsilon() = 1e-7. Along the last axis it
// is L2Normalize.
//
// With y = t·r and r = (Σ t²)^(−1/2): d/dt = r·(g − y·Σ g⊙y) where Σ t² ≥ ε²
// (TensorFlow's maximum gives the gradient to its first argument at a tie),
// and r·g where the norm was clamped.
func (t *Tensor) L2NormalizeAxis(axis int, epsilon float32) *Tensor {
	outer, n, inner, ax := t.axisSplit("L2NormalizeAxis", axis)
	if inner == 1 {
		return L2Normalize(t, n, epsilon)
	}
	out := newOutRaw(t.shape, t)
	e2 := float64(epsilon) * float64(epsilon)
	for o := 0; o < outer; o++ {
		base := o * n * inner
		for i := 0; i < inner; i++ {
			var s float64
			for k := 0; k < n; k++ {
				v := float64(t.data[base+k*inner+i])
				s += v * v
			}
			r := float32(1 / math.Sqrt(math.Max(s, e2)))
			for k := 0; k < n; k++ {
				j := base + k*inner + i
				out.data[j] = t.data[j] * r
			}
		}
	}
	if nd := track(out, "L2NormalizeAxis", l2NormalizeAxisBackward, t); nd != nil {
		nd.ints[0] = ax
		// ε is kept in the node, so that no closure is made.
		nd.fs = out.scratchRaw(1)
		nd.fs[0] = epsilon
	}
	return out
}

func l2NormalizeAxisBackward(o *Tensor) {
	t := o.node.in[0]
	outer, n, inner, _ := t.axisSplit("L2NormalizeAxis", o.node.ints[0])
	eps := o.node.fs[0]
	e2 := float64(eps) * float64(eps)
	for a := 0; a < outer; a++ {
		base := a * n * inner
		for i := 0; i < inner; i++ {
			var s, gy float64
			for k := 0; k < n; k++ {
				j := base + k*inner + i
				v := float64(t.data[j])
				s += v * v
				gy += float64(o.grad[j]) * float64(o.data[j])
			}
			r := 1 / math.Sqrt(math.Max(s, e2))
			if s < e2 {
				gy = 0
			}
			for k := 0; k < n; k++ {
				j := base + k*inner + i
				t.grad[j] += float32(r * (float64(o.grad[j]) - float64(o.data[j])*gy))
			}
		}
	}
}
