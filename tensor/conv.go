package tensor

import (
	"fmt"
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/neuron-go/neuron/internal/gemm"
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

// smallSeg is the kernel-row length (KW·C floats) below which an explicit
// loop beats a call to copy: the first layer of an image model has C = 1
// and copies 3 floats at a time.
const smallSeg = 16

// im2col writes, for the images [n0, n1), one row per output position
// (n, oh, ow) of cols: the receptive field x[n, oh·sh−padT+i, ow·sw−padL+j, :]
// in (i, j, channel) order, with zeros where the window overhangs the image.
// In NHWC a kernel row of the window is KW·C contiguous floats, so each is a
// single copy. The loops run over output rows and kernel rows, so that the
// columns whose windows fit inside the image take a tight loop without any
// border tests.
func (g *window2D) im2col(cols, x []float32, n0, n1 int) {
	c, seg := g.c, g.kw*g.c
	k := g.kh * seg
	rowLen, img, step := g.w*c, g.h*g.w*c, g.sw*g.c
	in0, in1 := g.interior()
	for n := n0; n < n1; n++ {
		xi := x[n*img : (n+1)*img]
		for oh := 0; oh < g.oh; oh++ {
			r0 := (n*g.oh + oh) * g.ow
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
				if seg >= smallSeg {
					for ow := in0; ow < in1; ow++ {
						copy(rows[d:d+seg], src[s:s+seg])
						d, s = d+k, s+step
					}
					continue
				}
				if seg == 3 {
					// A 3-wide kernel on one channel (the first layer of
					// a grayscale model): unrolled, this loop runs twice
					// as fast as the general one below.
					for ow := in0; ow < in1; ow++ {
						dd, ss := rows[d:d+3:d+3], src[s:s+3:s+3]
						dd[0], dd[1], dd[2] = ss[0], ss[1], ss[2]
						d, s = d+k, s+step
					}
					continue
				}
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

// col2im is the adjoint of im2col: it adds each row of dcols back into the
// input positions it was copied from, for the images [n0, n1). Entries that
// came from padding are dropped.
func (g *window2D) col2im(dx, dcols []float32, n0, n1 int) {
	c, seg := g.c, g.kw*g.c
	k := g.kh * seg
	rowLen, img, step := g.w*c, g.h*g.w*c, g.sw*g.c
	in0, in1 := g.interior()
	for n := n0; n < n1; n++ {
		xi := dx[n*img : (n+1)*img]
		for oh := 0; oh < g.oh; oh++ {
			r0 := (n*g.oh + oh) * g.ow
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
					accumulate(dst[(iw0+lo)*c:(iw0+hi)*c], rows[ow*k+i*seg+lo*c:ow*k+i*seg+hi*c])
				}
				d, s := (in0*g.sw-g.padL)*c, in0*k+i*seg
				if seg >= smallSeg {
					for ow := in0; ow < in1; ow++ {
						accumulate(dst[d:d+seg], rows[s:s+seg])
						d, s = d+step, s+k
					}
					continue
				}
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

// accumulate computes dst += src over len(dst) elements. Four independent
// elements per iteration pay the loop and bounds checks once per four.
func accumulate(dst, src []float32) {
	src = src[:len(dst)]
	i := 0
	for ; i+4 <= len(dst); i += 4 {
		d := dst[i : i+4 : i+4]
		s := src[i : i+4 : i+4]
		d[0] += s[0]
		d[1] += s[1]
		d[2] += s[2]
		d[3] += s[3]
	}
	for ; i < len(dst); i++ {
		dst[i] += src[i]
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
	out := newOut([]int{g.n, g.oh, g.ow, f}, x, w, b)

	// cols is x itself for a 1×1 kernel with stride 1; otherwise a scratch
	// buffer, needed after the forward pass only for the kernel's gradient,
	// so without one it goes back to the pool right away.
	//
	// With a bias, the output starts as the bias in every row and the
	// product is accumulated onto it: filling by doubling copies is cheaper
	// than a separate pass adding the bias (twice as fast for the first
	// layer of the course CNN, whose output is 2.8 MB at batch 32). Each
	// goroutine fills the rows of the images it lays out.
	cols := x.data
	useCols := !g.identityCols()
	keepCols := useCols && w.requiresGrad
	if useCols {
		cols = getScratch(m * k)
	}
	var beta float32
	if b != nil {
		beta = 1
	}
	if useCols || b != nil {
		per := g.oh * g.ow
		parallelImages(g.n, per*(k+f), func(lo, hi int) {
			if useCols {
				g.im2col(cols, x.data, lo, hi)
			}
			if b != nil {
				fillRows(out.data[lo*per*f:hi*per*f], b.data)
			}
		})
	}
	gemm.Sgemm(false, false, m, f, k, cols, k, w.data, f, beta, out.data, f)
	out = record(out, "Conv2D", inputs, func(o *Tensor) {
		gy := o.grad
		if w.requiresGrad && (keepCols || !useCols) {
			gemm.Sgemm(true, false, k, f, m, cols, k, gy, f, 1, w.grad, f)
		}
		if keepCols {
			// Backward runs at most once per node (Backward drops the
			// node afterwards), so the buffer can be recycled now.
			putScratch(cols)
		}
		if b != nil && b.requiresGrad {
			// d/db = 1ᵀ·g as a one-row product: the vector kernels of
			// Sgemm read g several times faster than gemm.SumRows' scalar
			// loop, which matters with N·OH·OW rows.
			gemm.Sgemm(false, false, 1, f, m, onesVector(m), m, gy, f, 1, b.grad, f)
		}
		if x.requiresGrad {
			if !useCols {
				gemm.Sgemm(false, true, m, k, f, gy, f, w.data, f, 1, x.grad, k)
				return
			}
			dcols := getScratch(m * k)
			gemm.Sgemm(false, true, m, k, f, gy, f, w.data, f, 0, dcols, k)
			parallelImages(g.n, g.oh*g.ow*k, func(lo, hi int) { g.col2im(x.grad, dcols, lo, hi) })
			putScratch(dcols)
		}
	})
	if useCols && !keepCols {
		putScratch(cols)
	}
	return out
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
	p := min(runtime.GOMAXPROCS(0), n)
	if p < 2 || n*cost < minParallelWork {
		fn(0, n)
		return
	}
	parts := min(n, 4*p) // a few per goroutine, to even out their progress
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
