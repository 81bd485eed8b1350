package tensor

import "math"

// MaxPool2D returns the maximum over each pool[0]×pool[1] window of a
// channels-last batch x [N,H,W,C], moving the window by strides, as Keras's
// MaxPooling2D layer computes it. The result is [N,OH,OW,C], with OH and OW
// from ConvOutputSize. With "same" padding the overhanging part of a window
// is ignored, which is TensorFlow's padding with −∞.
//
// The forward pass records, for every output, the index of the input element
// that won; the gradient flows back to that element only. Ties go to the
// first element of the window in row-major order, as in TensorFlow.
//
// It panics with a *ShapeError if the shapes do not fit.
func MaxPool2D(x *Tensor, pool, strides [2]int, padding string) *Tensor {
	g := newWindow2D("MaxPool2D", x.shape, pool[0], pool[1], strides, padding)
	if g.h*g.w*g.c > math.MaxInt32 {
		panic(shapeErr("MaxPool2D", "an example has more than 2³¹−1 values", x.shape))
	}
	out := newOut([]int{g.n, g.oh, g.ow, g.c}, x)
	// arg holds, per output element, the winner's offset within its
	// example; int32 (checked above) halves the memory traffic of int.
	// Inference needs no indices.
	var arg []int32
	if x.requiresGrad {
		arg = make([]int32, len(out.data))
	}
	parallelImages(g.n, g.h*g.w*g.c, func(lo, hi int) { g.maxPool(out.data, arg, x.data, lo, hi) })
	return record(out, "MaxPool2D", []*Tensor{x}, func(o *Tensor) {
		perOut, img := g.oh*g.ow*g.c, g.h*g.w*g.c
		parallelImages(g.n, perOut, func(lo, hi int) {
			for n := lo; n < hi; n++ {
				dx := x.grad[n*img : (n+1)*img]
				gy := o.grad[n*perOut : (n+1)*perOut]
				a := arg[n*perOut : (n+1)*perOut]
				for i, v := range gy {
					dx[a[i]] += v
				}
			}
		})
	})
}

// maxPool computes the pooled rows of images [n0, n1) into out and, if arg
// is not nil, the winning offsets. In NHWC a window position is C contiguous
// floats, so the window is reduced one channel row at a time.
func (g *window2D) maxPool(out []float32, arg []int32, x []float32, n0, n1 int) {
	c, img := g.c, g.h*g.w*g.c
	for n := n0; n < n1; n++ {
		xi := x[n*img : (n+1)*img]
		o := n * g.oh * g.ow
		for oh := 0; oh < g.oh; oh++ {
			ih0 := oh*g.sh - g.padT
			i0, i1 := max(0, -ih0), min(g.kh, g.h-ih0)
			for ow := 0; ow < g.ow; ow++ {
				iw0 := ow*g.sw - g.padL
				j0, j1 := max(0, -iw0), min(g.kw, g.w-iw0)
				dst := out[o*c : (o+1)*c]
				var a []int32
				if arg != nil {
					a = arg[o*c : (o+1)*c]
				}
				o++
				first := true
				for i := i0; i < i1; i++ {
					for j := j0; j < j1; j++ {
						off := ((ih0+i)*g.w + iw0 + j) * c
						src := xi[off : off+c]
						switch {
						case first:
							copy(dst, src)
							for ch := range a {
								a[ch] = int32(off + ch)
							}
							first = false
						case a == nil:
							maxRow(dst, src)
						default:
							maxRowArg(dst, a, src, int32(off))
						}
					}
				}
			}
		}
	}
}

// maxRow sets dst = max(dst, src) elementwise. Which of two random values
// is larger is a coin flip that defeats branch prediction, so the select
// is done with a bit mask; this runs twice as fast as an if on conv
// outputs. A NaN in src loses every comparison, so it is ignored unless it
// is the first value of the window.
func maxRow(dst, src []float32) {
	src = src[:len(dst)]
	for i, v := range src {
		d := dst[i]
		var gt uint32
		if v > d { // compiled to SETcc, not a branch
			gt = 1
		}
		m := -gt
		dst[i] = math.Float32frombits(math.Float32bits(v)&m | math.Float32bits(d)&^m)
	}
}

// maxRowArg is maxRow that also sets a[i] = off+i where src[i] wins. Only a
// strictly larger value wins, so ties keep the earlier element.
func maxRowArg(dst []float32, a []int32, src []float32, off int32) {
	src = src[:len(dst)]
	a = a[:len(dst)]
	for i, v := range src {
		d := dst[i]
		var gt int32
		if v > d {
			gt = 1
		}
		m := -gt
		dst[i] = math.Float32frombits(math.Float32bits(v)&uint32(m) | math.Float32bits(d)&^uint32(m))
		a[i] = (off+int32(i))&m | a[i]&^m
	}
}
