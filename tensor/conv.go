package tensor

import (
	"fmt"
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/neuron-go/neuron/internal/gemm"
	"github.com/neuron-go/neuron/internal/vec"
)

// ConvOutputSize returns, for one spatial axis of a convolution or pooling
// window, the output length and the padding added before the first input
// element, with TensorFlow's (and so Keras's) rules:
//
//   - "valid": out = ⌊(in − kernel)/stride⌋ + 1 and no padding; out is 0
//     when the input is shorter than the kernel.
//   - "same": out = ⌈in/stride⌉; the total padding max((out−1)·stride +
//     kernel − in, 0) is split with the odd element after the input, so
//     padBefore = total/2.
//
// kernel and stride must be positive. It panics with a *ShapeError for any
// other padding.
func ConvOutputSize(in, kernel, stride int, padding string) (out, padBefore int) {
	switch padding {
	case "valid":
		if in < kernel {
			return 0, 0
		}
		return (in-kernel)/stride + 1, 0
	case "same":
		out = (in + stride - 1) / stride
		total := max((out-1)*stride+kernel-in, 0)
		return out, total / 2
	}
	panic(shapeErr("ConvOutputSize", fmt.Sprintf(`padding must be "valid" or "same", got %q`, padding)))
}

// window2D is the geometry of a 2-D window operation (convolution or
// pooling) over an NHWC batch.
type window2D struct {
	n, h, w, c int // input batch, height, width, channels
	kh, kw     int // window
	sh, sw     int // strides
	oh, ow     int // output height and width
	padT, padL int // padding before the first row and column
}

// newWindow2D validates and computes the geometry of op over an input of
// shape xs with a kh×kw window. extra shapes are only quoted in errors.
func newWindow2D(op string, xs []int, kh, kw int, strides [2]int, padding string, extra ...[]int) window2D {
	shapes := append([][]int{xs}, extra...)
	if len(xs) != 4 {
		panic(shapeErr(op, "want a [batch, height, width, channels] input", shapes...))
	}
	if kh <= 0 || kw <= 0 {
		panic(shapeErr(op, fmt.Sprintf("window %dx%d must be positive", kh, kw), shapes...))
	}
	if strides[0] <= 0 || strides[1] <= 0 {
		panic(shapeErr(op, fmt.Sprintf("strides %v must be positive", strides), shapes...))
	}
	if padding != "valid" && padding != "same" {
		panic(shapeErr(op, fmt.Sprintf(`padding must be "valid" or "same", got %q`, padding), shapes...))
	}
	g := window2D{n: xs[0], h: xs[1], w: xs[2], c: xs[3], kh: kh, kw: kw, sh: strides[0], sw: strides[1]}
	g.oh, g.padT = ConvOutputSize(g.h, kh, g.sh, padding)
	g.ow, g.padL = ConvOutputSize(g.w, kw, g.sw, padding)
	if g.oh <= 0 || g.ow <= 0 {
		panic(shapeErr(op, fmt.Sprintf("a %dx%d window does not fit the input with %s padding", kh, kw, padding), shapes...))
	}
	return g
}

// rows returns the number of output positions, N·OH·OW.
func (g *window2D) rows() int { return g.n * g.oh * g.ow }

// identityCols reports whether im2col would copy x unchanged: a 1×1 window
// with stride 1 (and then no padding either).
func (g *window2D) identityCols() bool {
	return g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1
}

// interior returns the output columns [lo, hi) whose windows lie wholly
// inside the image horizontally; the columns outside it touch padding.
func (g *window2D) interior() (lo, hi int) {
	lo = min((g.padL+g.sw-1)/g.sw, g.ow)
	if last := g.w - g.kw + g.padL; last >= 0 {
		hi = min(last/g.sw+1, g.ow)
	}
	return lo, max(hi, lo)
}

// smallSeg is the kernel-row length (KW·C floats) below which a loop in Go
// beats the vector kernels: the first layer of an image model has C = 1
// and copies 3 floats at a time, less than one vector.
const smallSeg = 16

// im2col writes, for the images [n0, n1), one row per output position
// (n, oh, ow) of cols, whose first row is that of image first: the receptive field x[n, oh·sh−padT+i, ow·sw−padL+j, :]
// in (i, j, channel) order, with zeros where the window overhangs the image.
// In NHWC a kernel row of the window is KW·C contiguous floats, so each is a
// single copy. The loops run over output rows and kernel rows, so that the
// columns whose windows fit inside the image take a tight loop without any
// border tests.
func (g *window2D) im2col(cols, x []float32, n0, n1, first int) {
	c, seg := g.c, g.kw*g.c
	k := g.kh * seg
	rowLen, img, step := g.w*c, g.h*g.w*c, g.sw*g.c
	in0, in1 := g.interior()
	for n := n0; n < n1; n++ {
		xi := x[n*img : (n+1)*img]
		for oh := 0; oh < g.oh; oh++ {
			r0 := ((n-first)*g.oh + oh) * g.ow
			rows := cols[r0*k : (r0+g.ow)*k]
			ih0 := oh*g.sh - g.padT
			for i := 0; i < g.kh; i++ {
				ih := ih0 + i
				if ih < 0 || ih >= g.h {
					for d := i * seg; d < len(rows); d += k {
						clear(rows[d : d+seg])
					}
					continue
				}
				src := xi[ih*rowLen : (ih+1)*rowLen]
				for ow := 0; ow < g.ow; ow++ {
					if ow == in0 && in0 < in1 {
						ow = in1 - 1 // the interior is done below
						continue
					}
					iw0 := ow*g.sw - g.padL
					lo, hi := max(0, -iw0), min(g.kw, g.w-iw0)
					d := rows[ow*k+i*seg : ow*k+(i+1)*seg]
					if lo >= hi {
						clear(d)
						continue
					}
					clear(d[:lo*c])
					copy(d[lo*c:hi*c], src[(iw0+lo)*c:(iw0+hi)*c])
					clear(d[hi*c:])
				}
				d, s := in0*k+i*seg, (in0*g.sw-g.padL)*c
				switch {
				case in0 >= in1:
				case seg >= smallSeg:
					vec.CopyRows(rows[d:], k, src[s:], step, in1-in0, seg)
				case seg == 3:
					// A 3-wide kernel on one channel (the first layer of
					// a grayscale model): unrolled, this loop runs twice
					// as fast as the general one below.
					for ow := in0; ow < in1; ow++ {
						dd, ss := rows[d:d+3:d+3], src[s:s+3:s+3]
						dd[0], dd[1], dd[2] = ss[0], ss[1], ss[2]
						d, s = d+k, s+step
					}
				default:
					for ow := in0; ow < in1; ow++ {
						dd, ss := rows[d:d+seg], src[s:s+seg]
						for j := range dd {
							dd[j] = ss[j]
						}
						d, s = d+k, s+step
					}
				}
			}
		}
	}
}

// col2im is the adjoint of im2col: it adds each row of dcols (whose first
// row is that of image first) back into the input positions it was copied
// from, for the images [n0, n1). Entries that
// came from padding are dropped.
func (g *window2D) col2im(dx, dcols []float32, n0, n1, first int) {
	c, seg := g.c, g.kw*g.c
	k := g.kh * seg
	rowLen, img, step := g.w*c, g.h*g.w*c, g.sw*g.c
	in0, in1 := g.interior()
	for n := n0; n < n1; n++ {
		xi := dx[n*img : (n+1)*img]
		for oh := 0; oh < g.oh; oh++ {
			r0 := ((n-first)*g.oh + oh) * g.ow
			rows := dcols[r0*k : (r0+g.ow)*k]
			ih0 := oh*g.sh - g.padT
			for i := 0; i < g.kh; i++ {
				ih := ih0 + i
				if ih < 0 || ih >= g.h {
					continue
				}
				dst := xi[ih*rowLen : (ih+1)*rowLen]
				for ow := 0; ow < g.ow; ow++ {
					if ow == in0 && in0 < in1 {
						ow = in1 - 1
						continue
					}
					iw0 := ow*g.sw - g.padL
					lo, hi := max(0, -iw0), min(g.kw, g.w-iw0)
					if lo >= hi {
						continue
					}
					vec.AddRows(dst[(iw0+lo)*c:], 0, rows[ow*k+i*seg+lo*c:], 0, 1, (hi-lo)*c)
				}
				d, s := (in0*g.sw-g.padL)*c, in0*k+i*seg
				switch {
				case in0 >= in1:
				case seg >= smallSeg:
					vec.AddRows(dst[d:], step, rows[s:], k, in1-in0, seg)
				default:
					for ow := in0; ow < in1; ow++ {
						dd, ss := dst[d:d+seg], rows[s:s+seg]
						for j := range dd {
							dd[j] += ss[j]
						}
						d, s = d+step, s+k
					}
				}
			}
		}
	}
}

// Conv2D returns the 2-D convolution of a channels-last batch, as Keras's
// Conv2D layer and TensorFlow compute it (a cross-correlation: the kernel is
// not flipped):
//
//	out[n,i,j,f] = b[f] + Σ_{p,q,c} x[n, i·SH−padT+p, j·SW−padL+q, c] · w[p,q,c,f]
//
// x is [N,H,W,C], w is [KH,KW,C,F] (Keras's kernel layout), b is [F] or nil,
// and the result is [N,OH,OW,F]. padding is "valid" or "same"; see
// ConvOutputSize for the output size and the padding (with zeros).
//
// The receptive fields are copied into an [N·OH·OW, KH·KW·C] matrix (im2col)
// so that the whole batch is one matrix product with the kernel viewed as
// [KH·KW·C, F]; its row-major result is already the NHWC output. Backward
// computes d/dw = colsᵀ·g, d/db = Σ_rows g and d/dx = col2im(g·wᵀ), each only
// when that input requires gradients (the images given to a model's first
// layer do not, which skips the costliest part).
//
// It panics with a *ShapeError if the shapes do not fit.
func Conv2D(x, w, b *Tensor, strides [2]int, padding string) *Tensor {
	return conv2D(x, w, b, strides, padding, false)
}

// Conv2DReLU returns Conv2D(x, w, b, strides, padding).ReLU(), bit for bit,
// as one operation: the activation is applied in place to the convolution's
// output, and backward masks the incoming gradient in place. Compared with
// the two operations it saves, per call, an output-sized buffer and about
// four passes over output-sized memory (the separate activation's output,
// the zeroing of two gradient buffers, and a read-modify-write), which
// matters for the first layers of an image model: 2.8 MB for the first
// convolution of the course CNN at batch 32.
func Conv2DReLU(x, w, b *Tensor, strides [2]int, padding string) *Tensor {
	return conv2D(x, w, b, strides, padding, true)
}

func conv2D(x, w, b *Tensor, strides [2]int, padding string, relu bool) *Tensor {
	if len(w.shape) != 4 {
		panic(shapeErr("Conv2D", "want a [KH, KW, C, F] kernel", x.shape, w.shape))
	}
	g := newWindow2D("Conv2D", x.shape, w.shape[0], w.shape[1], strides, padding, w.shape)
	if w.shape[2] != g.c {
		panic(shapeErr("Conv2D", fmt.Sprintf("kernel has %d input channels, the input %d", w.shape[2], g.c), x.shape, w.shape))
	}
	f := w.shape[3]
	inputs := []*Tensor{x, w}
	if b != nil {
		if len(b.shape) != 1 || b.shape[0] != f {
			panic(shapeErr("Conv2D", fmt.Sprintf("bias must have shape [%d]", f), b.shape))
		}
		inputs = append(inputs, b)
	}
	m, k := g.rows(), g.kh*g.kw*g.c
	// Every element of out is written: by fillRows and then accumulated
	// onto, by the product with beta = 0, or by the direct kernel.
	out := newOutRaw([]int{g.n, g.oh, g.ow, f}, x, w, b)
	op := "Conv2D"
	if relu {
		op = "Conv2DReLU"
	}
	if k <= directMaxK && !g.identityCols() && vec.ConvRowsFast(f) {
		return g.convDirect(op, out, x, w, b, inputs, relu)
	}

	// The batch is processed in chunks of images whose im2col matrix fits
	// in a core's L2 cache (for the course CNN's middle layer, 3 of the
	// 32 images: 3×121 rows of 288 values), so that the product reads the
	// matrix just written from the cache rather than from memory. cols is
	// x itself for a 1×1 kernel with stride 1, in one chunk.
	//
	// With a bias, the output starts as the bias in every row and the
	// product is accumulated onto it: filling by doubling copies is cheaper
	// than a separate pass adding the bias. The activation is applied to
	// each chunk while it is in the cache.
	per := g.oh * g.ow
	useCols := !g.identityCols()
	chunk := g.chunkImages(k, useCols)
	var cols []float32
	if useCols {
		cols = getScratch(chunk * per * k)
	}
	var beta float32
	if b != nil {
		beta = 1
	}
	for n0 := 0; n0 < g.n; n0 += chunk {
		n1 := min(n0+chunk, g.n)
		r0, r1 := n0*per, n1*per
		a := x.data[r0*k : r1*k]
		if useCols {
			a = cols[:(r1-r0)*k]
			g.im2col(a, x.data, n0, n1, n0)
		}
		o := out.data[r0*f : r1*f]
		if b != nil {
			fillRows(o, b.data)
		}
		gemm.Sgemm(false, false, r1-r0, f, k, a, k, w.data, f, beta, o, f)
		if relu {
			vec.ReLU(o, o)
		}
	}
	if useCols {
		putScratch(cols)
	}
	return record(out, op, inputs, func(o *Tensor) {
		g.convBackward(o, x, w, b, chunk, relu)
	})
}

// chunkFloats is the size of the im2col matrix that Conv2D fills and
// multiplies at a time: 512 KB, half a Zen 4 core's L2 cache.
const chunkFloats = 1 << 17

// chunkImages returns how many images Conv2D puts in one im2col matrix.
// It depends on the shapes only, never on the number of goroutines, so that
// the kernel gradient, summed over chunks, does too.
func (g *window2D) chunkImages(k int, useCols bool) int {
	if !useCols {
		return max(g.n, 1)
	}
	return max(1, min(g.n, chunkFloats/(g.oh*g.ow*k)))
}

// convBackward is the backward pass of the im2col path of Conv2D, chunk by
// chunk as in the forward pass: the kernel gradient is accumulated over the
// chunks in order (so the sums do not depend on the number of goroutines)
// from a recomputed im2col matrix that is still in the cache, and the input
// gradient is col2im(g·wᵀ) of each chunk.
func (g *window2D) convBackward(o, x, w, b *Tensor, chunk int, relu bool) {
	f, k := w.shape[3], g.kh*g.kw*g.c
	per := g.oh * g.ow
	useCols := !g.identityCols()
	wGrad, bGrad, xGrad := w.requiresGrad, b != nil && b.requiresGrad, x.requiresGrad
	var cols, dcols []float32
	if useCols && wGrad {
		cols = getScratch(chunk * per * k)
		defer putScratch(cols)
	}
	if useCols && xGrad {
		dcols = getScratch(chunk * per * k)
		defer putScratch(dcols)
	}
	for n0 := 0; n0 < g.n; n0 += chunk {
		n1 := min(n0+chunk, g.n)
		r0, r1 := n0*per, n1*per
		m := r1 - r0
		gy := o.grad[r0*f : r1*f]
		if relu {
			// o.grad is this node's alone and is dropped after this
			// call, so it can hold the pre-activation gradient.
			vec.ReLUGrad(gy, o.data[r0*f:r1*f])
		}
		if wGrad {
			a := x.data[r0*k : r1*k]
			if useCols {
				a = cols[:m*k]
				g.im2col(a, x.data, n0, n1, n0)
			}
			gemm.Sgemm(true, false, k, f, m, a, k, gy, f, 1, w.grad, f)
		}
		if bGrad {
			// d/db = 1ᵀ·g as a one-row product: the vector kernels of
			// Sgemm read g several times faster than a scalar loop.
			gemm.Sgemm(false, false, 1, f, m, onesVector(m), m, gy, f, 1, b.grad, f)
		}
		if xGrad {
			if !useCols {
				gemm.Sgemm(false, true, m, k, f, gy, f, w.data, f, 1, x.grad[r0*k:r1*k], k)
				continue
			}
			d := dcols[:m*k]
			gemm.Sgemm(false, true, m, k, f, gy, f, w.data, f, 0, d, k)
			g.col2im(x.grad, d, n0, n1, n0)
		}
	}
}

// directMaxK is the largest receptive field (KH·KW·C values) that Conv2D
// computes directly from the input instead of through im2col and a matrix
// product. For the course CNN's first layer (3×3 on one channel, 32
// filters) the direct kernels take about a third of the time: the matrix
// product has only 9 terms per output, so the copying into and out of the
// product's matrices dominates.
const directMaxK = 32

// convDirect computes the convolution with the vector kernels of
// internal/vec that read each receptive field in place (vec.ConvRows), with
// the bias and the activation applied before an output is stored. Backward
// computes the kernel and bias gradients the same way (vec.ConvRowsGrad)
// and the input gradient, if needed, as col2im(g·wᵀ).
func (g *window2D) convDirect(op string, out, x, w, b *Tensor, inputs []*Tensor, relu bool) *Tensor {
	f, img := w.shape[3], g.h*g.w*g.c
	per, k := g.oh*g.ow, g.kh*g.kw*g.c
	var bias []float32
	if b != nil {
		bias = b.data
	}
	parallelImages(g.n, per*(f+k), func(lo, hi int) {
		var offs fieldOffsets
		for n := lo; n < hi; n++ {
			xi := x.data[n*img : (n+1)*img]
			for oh := 0; oh < g.oh; oh++ {
				o := (n*g.oh + oh) * g.ow
				g.convWindows(oh, f, &offs, func(ow0, cnt, org int, xoffs, woffs []int32) {
					dst := out.data[(o+ow0)*f : (o+ow0+cnt)*f]
					if len(xoffs) == 0 {
						// Every value of the fields is padding.
						fillBias(dst, bias, relu)
						return
					}
					vec.ConvRows(dst, xi[org:], xoffs, woffs, cnt, g.sw*g.c, w.data, bias, f, relu)
				})
			}
		}
	})
	return record(out, op, inputs, func(o *Tensor) {
		gy := o.grad
		// Without an input gradient, the ReLU's mask is applied to one
		// row of outputs at a time, in a small buffer, as the kernel's
		// gradient reads them; the input gradient needs all of it.
		var y []float32
		switch {
		case relu && x.requiresGrad:
			// o.grad is this node's alone and is dropped after this
			// call, so it can hold the pre-activation gradient.
			vec.ReLUGrad(gy, o.data)
		case relu:
			y = o.data
		}
		wGrad, bGrad := w.requiresGrad, b != nil && b.requiresGrad
		if wGrad || bGrad {
			g.convDirectGrad(x.data, w, b, gy, y, wGrad, bGrad)
		}
		if x.requiresGrad {
			m := g.rows()
			dcols := getScratch(m * k)
			gemm.Sgemm(false, true, m, k, f, gy, f, w.data, f, 0, dcols, k)
			parallelImages(g.n, per*k, func(lo, hi int) { g.col2im(x.grad, dcols, lo, hi, 0) })
			putScratch(dcols)
		}
	})
}

// directChunk is the number of images whose kernel and bias gradients
// convDirectGrad sums into one buffer. It is fixed, so that the sums, and
// so the gradients, do not depend on how many goroutines compute them.
const directChunk = 4

// convDirectGrad adds the kernel and bias gradients of a direct
// convolution with output gradient gy (masked by y > 0 if y is not nil) to
// w.grad and b.grad. Each chunk of directChunk images has its own sums, on
// whichever goroutine; they are added to the gradients in chunk order.
func (g *window2D) convDirectGrad(x []float32, w, b *Tensor, gy, y []float32, wGrad, bGrad bool) {
	f, img := w.shape[3], g.h*g.w*g.c
	per, k := g.oh*g.ow, g.kh*g.kw*g.c
	kf := k * f
	chunks := (g.n + directChunk - 1) / directChunk
	sums := getScratch(chunks * (kf + f))
	clear(sums)
	ones, zero := []float32{1}, []int32{0}
	parallelImages(chunks, directChunk*per*(f+k), func(lo, hi int) {
		var offs fieldOffsets
		var masked []float32
		if y != nil {
			masked = getScratch(g.ow * f)
			defer putScratch(masked)
		}
		for ch := lo; ch < hi; ch++ {
			dw := sums[ch*(kf+f) : ch*(kf+f)+kf]
			db := sums[ch*(kf+f)+kf : (ch+1)*(kf+f)]
			for n := ch * directChunk; n < min((ch+1)*directChunk, g.n); n++ {
				xi := x[n*img : (n+1)*img]
				for oh := 0; oh < g.oh; oh++ {
					o := (n*g.oh + oh) * g.ow
					g.convWindows(oh, f, &offs, func(ow0, cnt, org int, xoffs, woffs []int32) {
						rows := gy[(o+ow0)*f : (o+ow0+cnt)*f]
						if y != nil {
							m := masked[:len(rows)]
							copy(m, rows)
							vec.ReLUGrad(m, y[(o+ow0)*f:])
							rows = m
						}
						if wGrad && len(xoffs) > 0 {
							vec.ConvRowsGrad(dw, rows, xi[org:], xoffs, woffs, cnt, g.sw*g.c, f)
						}
						if bGrad {
							vec.ConvRowsGrad(db, rows, ones, zero, zero, cnt, 0, f)
						}
					})
				}
			}
		}
	})
	for ch := 0; ch < chunks; ch++ {
		if wGrad {
			vec.AddRows(w.grad, 0, sums[ch*(kf+f):], 0, 1, kf)
		}
		if bGrad {
			vec.AddRows(b.grad, 0, sums[ch*(kf+f)+kf:], 0, 1, f)
		}
	}
	putScratch(sums)
}

// fieldOffsets holds the offsets that convWindows hands out: those of a
// whole receptive field, computed once, and those of a field cut by the
// padding.
type fieldOffsets struct {
	full         bool
	xFull, wFull [directMaxK]int32
	xPart, wPart [directMaxK]int32
	nFull        int
}

// convWindows calls fn for each run of output positions of output row oh
// whose receptive fields have the same shape: the interior columns in one
// call, and each column whose window overhangs the left or right edge
// (with "same" padding) in its own. fn gets the first output column, the
// number of columns, the offset of the first field's first value within
// the image, and for each value of the field that lies inside the image
// its offset relative to that first value and the offset of its row of
// the kernel viewed as [KH·KW·C, f] (none if the fields lie wholly in the
// padding). The offsets live in offs and are valid until fn returns.
func (g *window2D) convWindows(oh, f int, offs *fieldOffsets, fn func(ow0, cnt, org int, xoffs, woffs []int32)) {
	c := g.c
	ih0 := oh*g.sh - g.padT
	i0, i1 := max(0, -ih0), min(g.kh, g.h-ih0)
	offsets := func(j0, j1 int, xo, wo []int32) ([]int32, []int32) {
		xo, wo = xo[:0], wo[:0]
		for i := i0; i < i1; i++ {
			for j := j0; j < j1; j++ {
				for ch := 0; ch < c; ch++ {
					xo = append(xo, int32(((i-i0)*g.w+j-j0)*c+ch))
					wo = append(wo, int32(((i*g.kw+j)*c+ch)*f))
				}
			}
		}
		return xo, wo
	}
	in0, in1 := g.interior()
	edge := func(ow int) {
		iw0 := ow*g.sw - g.padL
		j0, j1 := max(0, -iw0), min(g.kw, g.w-iw0)
		if i0 >= i1 || j0 >= j1 {
			fn(ow, 1, 0, nil, nil) // the field lies wholly in the padding
			return
		}
		xo, wo := offsets(j0, j1, offs.xPart[:], offs.wPart[:])
		fn(ow, 1, ((ih0+i0)*g.w+iw0+j0)*c, xo, wo)
	}
	for ow := 0; ow < in0; ow++ {
		edge(ow)
	}
	if in0 < in1 {
		org := ((ih0+i0)*g.w + in0*g.sw - g.padL) * c
		switch {
		case i0 >= i1:
			fn(in0, in1-in0, 0, nil, nil)
		case i0 == 0 && i1 == g.kh:
			if !offs.full {
				xo, _ := offsets(0, g.kw, offs.xFull[:], offs.wFull[:])
				offs.full, offs.nFull = true, len(xo)
			}
			fn(in0, in1-in0, org, offs.xFull[:offs.nFull], offs.wFull[:offs.nFull])
		default:
			xo, wo := offsets(0, g.kw, offs.xPart[:], offs.wPart[:])
			fn(in0, in1-in0, org, xo, wo)
		}
	}
	for ow := in1; ow < g.ow; ow++ {
		edge(ow)
	}
}

// fillBias sets each f-wide row of dst to bias (0 if nil), or to its ReLU.
func fillBias(dst, bias []float32, relu bool) {
	if bias == nil {
		clear(dst)
		return
	}
	fillRows(dst, bias)
	if relu {
		vec.ReLU(dst, dst)
	}
}

// fillRows sets every row of the matrix out (row length len(row)) to row.
// Each copy doubles the filled prefix, so it takes log₂(rows) copies.
func fillRows(out, row []float32) {
	n := copy(out, row)
	for n < len(out) {
		n += copy(out[n:], out[:n])
	}
}

// onesVec holds the longest vector of ones handed out so far. It only grows
// and is never written after it is published, so readers need no lock.
var onesVec atomic.Pointer[[]float32]

// onesVector returns a read-only vector of n ones.
func onesVector(n int) []float32 {
	if p := onesVec.Load(); p != nil && len(*p) >= n {
		return (*p)[:n]
	}
	v := make([]float32, n)
	for i := range v {
		v[i] = 1
	}
	onesVec.Store(&v)
	return v
}

// minParallelWork is the number of floats touched below which parallelImages
// stays on the calling goroutine: starting a goroutine costs a few µs,
// about what copying this many floats does.
const minParallelWork = 1 << 15

// parallelImages runs fn over [0, n) split into contiguous, disjoint ranges,
// on the caller and up to GOMAXPROCS−1 helper goroutines. cost is the
// approximate number of floats each index touches. Ranges are claimed from
// a counter, so a helper that a busy machine starts late leaves its share
// to the caller instead of holding it up. Callers only split over
// independent images, so results do not depend on who runs which range.
func parallelImages(n, cost int, fn func(lo, hi int)) {
	parallelRanges(n, cost, 4, fn) // a few parts per goroutine, to even out their progress
}

// parallelRanges is parallelImages with up to perProc parts per goroutine.
func parallelRanges(n, cost, perProc int, fn func(lo, hi int)) {
	p := min(runtime.GOMAXPROCS(0), n)
	if p < 2 || n*cost < minParallelWork {
		fn(0, n)
		return
	}
	parts := min(n, perProc*p)
	var next, done atomic.Int64
	work := func() {
		for {
			i := int(next.Add(1) - 1)
			if i >= parts {
				return
			}
			fn(i*n/parts, (i+1)*n/parts)
			done.Add(1) // publishes fn's writes to the caller
		}
	}
	for range p - 1 {
		go work()
	}
	work()
	for done.Load() < int64(parts) {
		runtime.Gosched()
	}
}

// scratchPools recycles large temporary buffers (im2col matrices and their
// gradients; 4.4 MB for the middle layer of the course CNN at batch 32) by
// power-of-two capacity. A fresh buffer per call would be zeroed by the
// runtime and left to the garbage collector on every training step.
var scratchPools [bits.UintSize]sync.Pool

// getScratch returns a buffer of length n with arbitrary contents.
func getScratch(n int) []float32 {
	if n == 0 {
		return nil
	}
	c := bits.Len(uint(n - 1))
	if v, ok := scratchPools[c].Get().(*[]float32); ok {
		return (*v)[:n]
	}
	return make([]float32, n, 1<<c)
}

// putScratch makes a buffer from getScratch available for reuse. The caller
// must not use it afterwards.
func putScratch(s []float32) {
	c := bits.Len(uint(cap(s) - 1))
	if cap(s) == 0 || 1<<c != cap(s) {
		return
	}
	s = s[:0]
	scratchPools[c].Put(&s)
}
