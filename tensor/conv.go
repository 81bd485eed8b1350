package tensor

import (
	"fmt"
	"math"
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
//   - "causal" (Keras's Conv1D): kernel − 1 zeros before the input and
//     none after, so out = ⌈in/stride⌉ and output i sees no input after
//     i·stride.
//
// kernel and stride must be positive; for a dilated kernel pass its
// effective size (kernel − 1)·dilation + 1. It panics with a *ShapeError
// for any other padding.
func ConvOutputSize(in, kernel, stride int, padding string) (out, padBefore int) {
	switch padding {
	case "causal":
		return (in + stride - 1) / stride, kernel - 1
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
	dh, dw     int // dilation: 1, or for a dilated convolution the step between kernel taps
	oh, ow     int // output height and width
	padT, padL int // padding before the first row and column
}

// newWindow2D validates and computes the geometry of op over an input of
// shape xs with a kh×kw window. extra shapes are only quoted in errors.
func newWindow2D(op string, xs []int, kh, kw int, strides [2]int, padding string, extra ...[]int) window2D {
	// The shapes quoted in an error; built only then, so that the
	// arguments need not escape.
	shapes := func() [][]int { return append([][]int{append([]int(nil), xs...)}, extra...) }
	if len(xs) != 4 {
		panic(shapeErr(op, "want a [batch, height, width, channels] input", shapes()...))
	}
	if kh <= 0 || kw <= 0 {
		panic(shapeErr(op, fmt.Sprintf("window %dx%d must be positive", kh, kw), shapes()...))
	}
	if strides[0] <= 0 || strides[1] <= 0 {
		panic(shapeErr(op, fmt.Sprintf("strides %v must be positive", strides), shapes()...))
	}
	if padding != "valid" && padding != "same" {
		panic(shapeErr(op, fmt.Sprintf(`padding must be "valid" or "same", got %q`, padding), shapes()...))
	}
	g := window2D{n: xs[0], h: xs[1], w: xs[2], c: xs[3], kh: kh, kw: kw, sh: strides[0], sw: strides[1], dh: 1, dw: 1}
	g.oh, g.padT = ConvOutputSize(g.h, kh, g.sh, padding)
	g.ow, g.padL = ConvOutputSize(g.w, kw, g.sw, padding)
	if g.oh <= 0 || g.ow <= 0 {
		panic(shapeErr(op, fmt.Sprintf("a %dx%d window does not fit the input with %s padding", kh, kw, padding), shapes()...))
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
// (n, oh, ow) of cols, whose first row is that of image first: the
// receptive field x[n, oh·sh−padT+i, ow·sw−padL+j, :] in (i, j, channel)
// order, with zeros where the window overhangs the image. In NHWC a kernel
// row of the window is KW·C contiguous floats, so each is a single copy.
// The loops run over output rows and kernel rows, so that the columns whose
// windows fit inside the image are copied by one call of a strided-copy
// kernel without any border tests.
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
// The receptive fields are copied into an [N·OH·OW, KH·KW·C] matrix
// (im2col; for a large batch, a chunk of images at a time) and multiplied
// by the kernel viewed as [KH·KW·C, F]; the row-major result is already the
// NHWC output. Backward computes d/dw = colsᵀ·g,
// d/db = Σ_rows g and d/dx = col2im(g·wᵀ), each only when that input
// requires gradients (the images given to a model's first layer do not,
// which skips the costliest part). Small receptive fields (KH·KW·C ≤ 32,
// such as 3×3 on a grayscale image) are computed directly from the input
// instead, with vector kernels, when the CPU has them.
//
// The sums over the batch (the kernel and bias gradients) are cut into
// chunks that depend only on the shapes, so results do not depend on the
// number of goroutines.
//
// It panics with a *ShapeError if the shapes do not fit.
func Conv2D(x, w, b *Tensor, strides [2]int, padding string) *Tensor {
	p := newConvPlan("Conv2D", x, w, b, strides, padding)
	return p.apply(x, w, b, false)
}

// Conv2DReLU returns Conv2D(x, w, b, strides, padding).ReLU(), bit for bit,
// as one operation: the activation is applied to the convolution's output
// while it is in the cache, and backward masks the incoming gradient in
// place. Compared with the two operations it saves an output-sized buffer
// and about four passes over output-sized memory (the separate
// activation's output, the zeroing of its gradient buffer, and a
// read-modify-write), which matters for the first layers of an image
// model: 2.8 MB for the first convolution of the course CNN at batch 32.
func Conv2DReLU(x, w, b *Tensor, strides [2]int, padding string) *Tensor {
	p := newConvPlan("Conv2D", x, w, b, strides, padding)
	return p.apply(x, w, b, true)
}

// Conv2DReLUMaxPool2D returns
//
//	MaxPool2D(Conv2DReLU(x, w, b, strides, padding), pool, poolStrides, poolPadding)
//
// bit for bit (values and gradients), without keeping the convolution's
// output: each chunk of images is convolved into a scratch buffer and
// pooled from there (for a small receptive field, which the direct kernels
// compute, a chunk is a few images, and the buffer stays in the cache).
// Backward rebuilds the output gradient one chunk at a time from the pooled
// gradient and the winners. This is the usual block of an image model; for
// the course CNN's first block it saves an output-sized tensor (2.8 MB at
// batch 32), its gradient, and several passes over both per step.
func Conv2DReLUMaxPool2D(x, w, b *Tensor, strides [2]int, padding string, pool, poolStrides [2]int, poolPadding string) *Tensor {
	const op = "Conv2DReLUMaxPool2D"
	p := newConvPlan(op, x, w, b, strides, padding)
	g, f := &p.g, p.f
	pg := newWindow2D(op, []int{g.n, g.oh, g.ow, f}, pool[0], pool[1], poolStrides, poolPadding)
	if g.oh*g.ow*f > math.MaxInt32 {
		panic(shapeErr(op, "a convolution output has more than 2³¹−1 values", x.shape, w.shape))
	}
	out := newOutRaw([]int{pg.n, pg.oh, pg.ow, f}, x, w, b)
	var arg []int32
	if x.requiresGrad || w.requiresGrad || b != nil && b.requiresGrad {
		arg = scratchInt32(len(out.data), x, w, b)
	}
	a := out.arena
	switch {
	case p.direct && !p.general:
		p.convPoolDirect(out.data, arg, x, w, b, &pg)
	case p.wino:
		p.forwardWinograd(x, w, b, true, convSink{pooled: true, pg: pg, pout: out.data, arg: arg})
	case p.colsParallel(x, w, b):
		p.forwardCols(x, w, b, true, convSink{pooled: true, pg: pg, pout: out.data, arg: arg})
	default:
		y := borrow(a, p.chunk*p.per*f)
		pooled := func(n0, n1 int, yc []float32) {
			t := newWinTask(taskMaxPool, &pg)
			t.dst, t.arg, t.src, t.n0 = out.data, arg, yc, n0
			parallelEven(n1-n0, p.per*f, t)
			t.release()
		}
		p.forward(x, w, b, true, func(n0, n1 int) []float32 { return y[:(n1-n0)*p.per*f] }, pooled)
		giveBack(a, y)
	}
	if n := track(out, op, conv2DReLUMaxPool2DBackward, x, w, b); n != nil {
		n.conv, n.pool, n.i32 = p, pg, arg
		n.overwrites = true // see convPlan.backward
	}
	return out
}

func conv2DReLUMaxPool2DBackward(o *Tensor) {
	nd := o.node
	p, pg, arg := &nd.conv, &nd.pool, nd.i32
	x, w, b := nd.in[0], nd.in[1], nd.in[2]
	a := o.arena
	if p.direct && !p.general && !x.requiresGrad {
		acc := convGradTargets(x, w, b)
		acc.settle(x, w, b)
		p.convPoolDirectGrad(o, x, w, b, pg, arg)
		return
	}
	// m is the pooled gradient through the ReLU (at each winner, the
	// ReLU's output is the pooled value), and d a chunk's output gradient:
	// both are written image by image in the same parallel pass.
	m := borrow(a, len(o.grad))
	if p.wino {
		acc := convGradTargets(x, w, b)
		p.backwardWinograd(x, w, b, convSource{gy: o.grad, y: o.data, pooled: true, pg: *pg, arg: arg, mask: m}, acc)
		giveBack(a, m)
		return
	}
	if p.colsPar {
		acc := convGradTargets(x, w, b)
		p.backwardCols(x, w, b, convSource{gy: o.grad, y: o.data, pooled: true, pg: *pg, arg: arg, mask: m}, acc)
		giveBack(a, m)
		return
	}
	d := borrow(a, p.chunk*p.per*p.f)
	p.backward(x, w, b, func(n0, n1 int) []float32 {
		dc := d[:(n1-n0)*p.per*p.f]
		t := newWinTask(taskReLUMaxPoolBackward, pg)
		t.dst, t.src, t.arg, t.n0, t.gy, t.w = dc, m, arg, n0, o.grad, o.data
		parallelEven(n1-n0, pg.oh*pg.ow*p.f, t)
		t.release()
		return dc
	})
	giveBack(a, d)
	giveBack(a, m)
}

// convAcc tells, for each input of a convolution that requires a gradient,
// whether its gradient buffer holds contributions to add to (true) or
// holds nothing yet and must be written.
type convAcc struct{ x, w, b bool }

// convGradTargets takes the gradient buffers of those of x, w and b that
// require gradients through gradForOverwrite.
func convGradTargets(x, w, b *Tensor) (acc convAcc) {
	if x.requiresGrad {
		_, acc.x = x.gradForOverwrite()
	}
	if w.requiresGrad {
		_, acc.w = w.gradForOverwrite()
	}
	if b != nil && b.requiresGrad {
		_, acc.b = b.gradForOverwrite()
	}
	return acc
}

// settle clears the buffers that acc marks as holding nothing, for a path
// that only adds to them, and marks them as holding contributions.
func (acc *convAcc) settle(x, w, b *Tensor) {
	if x.requiresGrad && !acc.x {
		clear(x.grad)
	}
	if w.requiresGrad && !acc.w {
		clear(w.grad)
	}
	if b != nil && b.requiresGrad && !acc.b {
		clear(b.grad)
	}
	*acc = convAcc{true, true, true}
}

// convPoolDirect computes MaxPool2D(Conv2DReLU(x, w, b)) with the direct
// kernels into out (and the winners into arg if not nil), one image at a
// time on each goroutine: an image is convolved into a scratch slot of the
// goroutine's, still in its cache when the pooling reads it. One hand-off
// serves the whole batch, and the pooling runs where the convolution did.
func (p *convPlan) convPoolDirect(out []float32, arg []int32, x, w, b *Tensor, pg *window2D) {
	g, f := &p.g, p.f
	a := arenaOf(x, w, b)
	var bias []float32
	if b != nil {
		bias = b.data
	}
	slots := convSlots()
	size := p.per * f
	buf := borrow(a, slots*size)
	t := newWinTask(taskConvPool, g)
	t.pg, t.dst, t.arg, t.src, t.w, t.bias, t.f, t.relu = *pg, out, arg, x.data, w.data, bias, f, true
	t.slots = scratchSlots{buf: buf, size: size, n: slots}
	parallelImages(g.n, p.per*(f+p.k), t)
	t.release()
	giveBack(a, buf)
}

// convPoolDirectGrad is the backward pass of convPoolDirect for the kernel
// and bias gradients (the input needs none), one image at a time on each
// goroutine: the pooled gradient of an image, masked by the ReLU, is
// scattered to its winners in a scratch slot, whose kernel and bias sums
// then go to a buffer of the image's own. The buffers are added to the
// gradients in image order, as convDirectGrad adds them, so the result does
// not depend on the number of goroutines.
func (p *convPlan) convPoolDirectGrad(o, x, w, b *Tensor, pg *window2D, arg []int32) {
	g, f := &p.g, p.f
	wGrad, bGrad := w.requiresGrad, b != nil && b.requiresGrad
	if !wGrad && !bGrad {
		return
	}
	a := o.arena
	kf := g.kh * g.kw * g.c * f
	sums := borrow(a, g.n*(kf+f))
	m := borrow(a, len(o.grad))
	slots := convSlots()
	size := p.per * f
	buf := borrow(a, slots*size)
	t := newWinTask(taskConvPoolGrad, g)
	t.pg, t.dst, t.src, t.gy, t.arg, t.f = *pg, sums, x.data, o.grad, arg, f
	t.w, t.bias = o.data, m // the pooled outputs, and the masked pooled gradient
	t.wGrad, t.bGrad = wGrad, bGrad
	t.slots = scratchSlots{buf: buf, size: size, n: slots}
	parallelImages(g.n, p.per*(f+p.k), t)
	t.release()
	for i := 0; i < g.n; i++ {
		if wGrad {
			vec.AddRows(w.grad, 0, sums[i*(kf+f):], 0, 1, kf)
		}
		if bGrad {
			vec.AddRows(b.grad, 0, sums[i*(kf+f)+kf:], 0, 1, f)
		}
	}
	giveBack(a, buf)
	giveBack(a, m)
	giveBack(a, sums)
}

// convSlots is the number of scratch slots a per-image task needs: one per
// goroutine that can run it at once.
func convSlots() int { return min(max(runtime.GOMAXPROCS(0), 1), 64) }

// convPoolImages runs images [n0, n1) of convPoolDirect (forward) or
// convPoolDirectGrad in a scratch slot of t.
func (t *winTask) convPoolImages(n0, n1 int) {
	s, y := t.slots.take()
	defer t.slots.releaseSlot(s)
	g, pg := &t.g, &t.pg
	if t.kind == taskConvPool {
		for n := n0; n < n1; n++ {
			g.convDirect(y, t.src, t.w, t.bias, t.f, n, n+1, n, t.relu)
			pg.maxPool(t.dst, t.arg, y, n, n+1, n)
		}
		return
	}
	f := t.f
	kf := g.kh * g.kw * g.c * f
	pp := pg.oh * pg.ow * f
	for n := n0; n < n1; n++ {
		// The gradient through the ReLU: at each winner, the ReLU's
		// output is the pooled value.
		m := t.bias[n*pp : (n+1)*pp]
		copy(m, t.gy[n*pp:(n+1)*pp])
		vec.ReLUGrad(m, t.w[n*pp:(n+1)*pp])
		clear(y)
		pg.maxPoolBackward(y, t.bias, t.arg, n, n+1, n)
		sums := t.dst[n*(kf+f) : (n+1)*(kf+f)]
		clear(sums)
		g.convDirectGradImages(sums, t.src, y, f, n, n+1, n, t.wGrad, t.bGrad)
	}
}

// convPlan is how a convolution is computed: its geometry; whether it
// reads the receptive fields in place (direct) or goes through im2col and
// matrix products; and how many images it takes at a time.
type convPlan struct {
	g                window2D
	f, k, per, chunk int
	direct, useCols  bool
	// groups is the number of channel groups (1 for a plain convolution);
	// general is true for a grouped or dilated one, which goes through
	// forwardGeneral and backwardGeneral (k is then a group's field).
	groups  int
	general bool
	// cols is the im2col matrix of a batch that forward did in one chunk,
	// kept for the kernel gradient (on the Winograd path, the transformed
	// inputs).
	cols []float32
	// wino is true for the Winograd path (conv_winograd.go), whose input
	// is cut into th×tw tiles per image; u holds the transformed filters
	// from forward to backward.
	wino   bool
	th, tw int
	u      []float32
	// colsPar is true when forward ran the chunk-parallel im2col path
	// (conv_cols.go) in training; backward then goes through backwardCols.
	colsPar bool
}

// newConvPlan checks the shapes of a convolution and plans it.
func newConvPlan(op string, x, w, b *Tensor, strides [2]int, padding string) convPlan {
	return planConv(op, x.shape, w.shape, b, ConvSpec{Strides: strides, Padding: padding})
}

// planConv checks the shapes of a convolution of an input of shape xs
// ([N, H, W, C]) with a kernel of shape ws ([KH, KW, C/groups, F]) and
// plans it.
func planConv(op string, xs, ws []int, b *Tensor, s ConvSpec) convPlan {
	// Errors quote copies: the caller's shapes need not escape.
	cp := func(s []int) []int { return append([]int(nil), s...) }
	if len(ws) != 4 {
		panic(shapeErr(op, "want a [KH, KW, C, F] kernel", cp(xs), cp(ws)))
	}
	strides, dil, groups := s.resolve()
	g := newConvWindow(op, xs, ws[0], ws[1], strides, dil, s.padding(), ws)
	if groups <= 0 || g.c%groups != 0 || ws[3]%groups != 0 {
		panic(shapeErr(op, fmt.Sprintf("groups %d must be positive and divide the %d input channels and the %d filters", groups, g.c, ws[3]), cp(xs), cp(ws)))
	}
	if ws[2]*groups != g.c {
		panic(shapeErr(op, fmt.Sprintf("kernel has %d input channels, the input %d in %d groups", ws[2], g.c, groups), cp(xs), cp(ws)))
	}
	f := ws[3]
	if b != nil && (len(b.shape) != 1 || b.shape[0] != f) {
		panic(shapeErr(op, fmt.Sprintf("bias must have shape [%d]", f), cp(b.shape)))
	}
	p := convPlan{g: g, f: f, k: g.kh * g.kw * ws[2], per: g.oh * g.ow, groups: groups}
	if groups > 1 || g.dh > 1 || g.dw > 1 {
		// A grouped or dilated convolution: im2col of each group's
		// channels with the taps dilation apart, and a product per group.
		p.general, p.useCols = true, true
		p.chunk = evenChunks(g.n, colsFloats/(p.per*p.k))
		return p
	}
	p.useCols = !g.identityCols()
	p.direct = p.useCols && p.k <= directMaxK && vec.ConvRowsFast(f)
	switch {
	case p.direct:
		// The outputs of a chunk (and their gradient) fit the cache, and
		// one, two or four goroutines get the same number of images. The
		// chunk must not depend on GOMAXPROCS: the input gradient is one
		// product per chunk, and a row of a product may round differently
		// in products of different heights (Sgemm's edge kernels).
		most := chunkFloats / (p.per * f)
		if most > chunkImagesMultiple {
			most -= most % chunkImagesMultiple
		}
		p.chunk = evenChunks(g.n, most)
	case p.useCols:
		// Matrix products are most efficient on the whole batch; the
		// chunks only bound the im2col matrix of a large batch.
		p.chunk = evenChunks(g.n, colsFloats/(p.per*p.k))
	default:
		p.chunk = max(g.n, 1) // x is the matrix: nothing to copy
	}
	p.planWinograd()
	return p
}

// chunkFloats is the size of the outputs that a direct convolution
// computes at a time: 512 KB, half a core's L2 cache, so that what follows
// (a pooling in Conv2DReLUMaxPool2D, the gradient sums in backward) reads
// them from the cache.
var chunkFloats = 1 << 17

// chunkImagesMultiple is what a direct convolution's chunk of images is
// rounded down to, so that the images share out evenly over 1, 2 or 4
// goroutines whatever GOMAXPROCS is.
const chunkImagesMultiple = 4

// colsFloats bounds the im2col matrix: 16 MB, the whole batch of the course
// CNN's middle layer (4.4 MB at batch 32) but a tenth of it at batch 1024.
// Cutting the batch into cache-sized chunks measured slower: the matrix
// products, split over cores, lose more on the smaller shapes than the
// cache saves.
var colsFloats = 1 << 22

// inferColsFloats bounds the im2col matrix when nothing needs gradients
// (prediction, evaluation, validation): 512 KB, so that each chunk's
// matrix is still in the cache when the product reads it. No kernel
// gradient will read the matrix again, which is what the whole-batch
// matrix of training is for. For the course CNN's middle layer at batch
// 256 on one core this measured twice as fast as the 16 MB chunks of
// colsFloats, which spill to memory, more so while other processes share
// the last-level cache. 0 turns it off (for tests).
var inferColsFloats = 1 << 17

// inferChunk is the number of images per chunk of an inference
// convolution with per output positions of k values each: about
// inferColsFloats of matrix, in a multiple of the images whose rows fill
// whole row tiles of the product's kernel. The kernels for the short tile
// at the end of a product sum in another order, so chunks that ended
// mid-tile would change the last bits of some outputs; with whole tiles
// every row is computed as in the whole-batch product.
func inferChunk(per, k int) int {
	rt := gemm.RowTile()
	q := rt / gcd(per%rt, rt)
	return max(q, inferColsFloats/(per*k)/q*q)
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// evenChunks returns the chunk size that cuts n images into as few chunks
// of at most most images (at least one) as possible, as evenly as possible.
// It depends on the shapes only, never on the number of goroutines, so
// that sums over the chunks do not either.
func evenChunks(n, most int) int {
	if n == 0 {
		return 1
	}
	most = max(1, min(n, most))
	chunks := (n + most - 1) / most
	return (n + chunks - 1) / chunks
}

// directMaxK is the largest receptive field (KH·KW·C values) that a
// convolution computes directly from the input instead of through im2col
// and a matrix product. For the course CNN's first layer (3×3 on one
// channel, 32 filters) the direct kernels take about a third of the time:
// the matrix product has only 9 terms per output, so the copying into and
// out of the product's matrices dominates.
const directMaxK = 32

// apply computes the convolution (then the ReLU if relu) into a new tensor
// and records the backward pass.
func (p *convPlan) apply(x, w, b *Tensor, relu bool) *Tensor {
	g, f := &p.g, p.f
	// Every element of out is written: by fillRows and then accumulated
	// onto, by the product with beta = 0, or by the direct kernel.
	out := newOutRaw([]int{g.n, g.oh, g.ow, f}, x, w, b)
	switch {
	case p.wino:
		p.forwardWinograd(x, w, b, relu, convSink{out: out.data})
	case p.colsParallel(x, w, b):
		p.forwardCols(x, w, b, relu, convSink{out: out.data})
	default:
		p.forward(x, w, b, relu, func(n0, n1 int) []float32 { return out.data[n0*p.per*f : n1*p.per*f] }, nil)
	}
	op := "Conv2D"
	if relu {
		op = "Conv2DReLU"
	}
	if n := track(out, op, conv2DBackward, x, w, b); n != nil {
		n.conv, n.relu = *p, relu
		n.overwrites = true // see convPlan.backward
	}
	return out
}

func conv2DBackward(o *Tensor) {
	nd := o.node
	p, relu := &nd.conv, nd.relu
	if p.wino {
		x, w, b := nd.in[0], nd.in[1], nd.in[2]
		acc := convGradTargets(x, w, b)
		p.backwardWinograd(x, w, b, convSource{gy: o.grad, y: o.data, relu: relu}, acc)
		return
	}
	if p.colsPar {
		x, w, b := nd.in[0], nd.in[1], nd.in[2]
		p.backwardCols(x, w, b, convSource{gy: o.grad, y: o.data, relu: relu}, convGradTargets(x, w, b))
		return
	}
	size := p.per * p.f
	p.backward(nd.in[0], nd.in[1], nd.in[2], func(n0, n1 int) []float32 {
		gy := o.grad[n0*size : n1*size]
		if relu {
			// o.grad is this node's alone and is dropped after this
			// call, so it can hold the pre-activation gradient.
			vec.ReLUGrad(gy, o.data[n0*size:n1*size])
		}
		return gy
	})
}

// forward computes the convolution (and the ReLU if relu) one chunk of
// images [n0, n1) at a time into dst(n0, n1), and then calls done, if not
// nil, with the chunk's outputs.
//
// On the im2col path, with a bias, the outputs start as the bias and the
// product is accumulated onto them: filling by doubling copies is cheaper
// than a separate pass adding the bias. The direct kernels add the bias and
// apply the ReLU before they store an output.
func (p *convPlan) forward(x, w, b *Tensor, relu bool, dst func(n0, n1 int) []float32, done func(n0, n1 int, y []float32)) {
	if p.general {
		p.forwardGeneral(x, w, b, relu, dst, done)
		return
	}
	if p.wino {
		panic("tensor: a Winograd convolution goes through forwardWinograd")
	}
	g, f, k, per := &p.g, p.f, p.k, p.per
	var bias []float32
	var beta float32
	if b != nil {
		bias, beta = b.data, 1
	}
	a := arenaOf(x, w, b)
	if p.useCols && !p.direct && inferColsFloats > 0 && !x.requiresGrad && !w.requiresGrad && (b == nil || !b.requiresGrad) {
		// Only shrinks the chunk: the callers' buffers were sized for p.chunk.
		p.chunk = min(p.chunk, inferChunk(per, k))
	}
	var cols []float32
	if p.useCols && !p.direct {
		cols = borrow(a, p.chunk*per*k)
		if p.chunk >= g.n && w.requiresGrad {
			// One chunk: backward needs the same matrix, and reading it
			// back costs less than copying it again.
			p.cols = cols
		} else {
			defer giveBack(a, cols)
		}
	}
	chunk := p.chunk
	if p.direct && done == nil {
		// Nothing reads the chunks' outputs in between: one hand-off.
		chunk = max(g.n, 1)
	}
	for n0 := 0; n0 < g.n; n0 += chunk {
		n1 := min(n0+chunk, g.n)
		y := dst(n0, n1)
		switch {
		case p.direct:
			t := newWinTask(taskConvDirect, g)
			t.dst, t.src, t.w, t.bias, t.f, t.n0, t.relu = y, x.data, w.data, bias, f, n0, relu
			parallelEven(n1-n0, per*(f+k), t)
			t.release()
		default:
			r0, r1 := n0*per, n1*per
			var m []float32
			if p.useCols {
				m = cols[:(r1-r0)*k]
				g.im2colImages(m, x.data, n0, n1)
			} else {
				m = x.data[r0*k : r1*k]
			}
			if bias != nil {
				fillRows(y, bias)
			}
			gemm.Sgemm(false, false, r1-r0, f, k, m, k, w.data, f, beta, y, f)
			if relu {
				vec.ReLU(y, y)
			}
		}
		if done != nil {
			done(n0, n1, y)
		}
	}
}

// backward adds the gradients of the convolution's inputs that require
// them, one chunk of images [n0, n1) at a time, given the gradient of the
// chunk's outputs (before any activation) grad(n0, n1).
//
// The kernel and bias gradients are accumulated over the chunks in order,
// and within a chunk each of their elements by one goroutine in a fixed
// order, so the sums do not depend on the number of goroutines. The im2col
// path uses the matrix that forward kept (one chunk) or recomputes each
// chunk's; the input gradient is col2im(g·wᵀ) of each chunk.
//
// The node overwrites: the gradient buffers of the inputs come through
// gradForOverwrite, and a buffer that holds nothing yet is written rather
// than cleared and added to: the input gradient by the products with
// beta = 0 or by col2im and the Winograd adjoint clearing or copying image
// by image in their parallel passes, the kernel and bias gradients by the
// first chunk's products with beta = 0. For the course CNN that spares
// serial clears of 0.9 MB a step.
func (p *convPlan) backward(x, w, b *Tensor, grad func(n0, n1 int) []float32) {
	acc := convGradTargets(x, w, b)
	if p.general || p.g.n == 0 {
		acc.settle(x, w, b)
		if p.general {
			p.backwardGeneral(x, w, b, grad)
		}
		return
	}
	if p.wino {
		panic("tensor: a Winograd convolution goes through backwardWinograd")
	}
	if p.direct {
		// The kernel and bias gradients are sums of per-image buffers
		// (convDirectGrad), and small; the input gradient goes through
		// col2im, which clears its images in parallel.
		xAcc := acc.x
		acc.x = true
		acc.settle(x, w, b)
		acc.x = xAcc
	}
	g, f, k, per := &p.g, p.f, p.k, p.per
	wGrad, bGrad, xGrad := w.requiresGrad, b != nil && b.requiresGrad, x.requiresGrad
	a := arenaOf(x, w, b)
	cols, kept := p.cols, p.cols != nil
	p.cols = nil
	if cols != nil {
		// Backward runs at most once per node (Backward drops the node
		// afterwards), so the matrix can be recycled after it.
		defer giveBack(a, cols)
	}
	var dcols []float32
	if p.useCols && wGrad && !p.direct && !kept {
		cols = borrow(a, p.chunk*per*k)
		defer giveBack(a, cols)
	}
	if p.useCols && xGrad {
		dcols = borrow(a, p.chunk*per*k)
		defer giveBack(a, dcols)
	}
	for n0 := 0; n0 < g.n; n0 += p.chunk {
		n1 := min(n0+p.chunk, g.n)
		r0, r1 := n0*per, n1*per
		m := r1 - r0
		gy := grad(n0, n1)
		switch {
		case p.direct && (wGrad || bGrad):
			g.convDirectGrad(a, x.data, w, b, gy, n0, n1, wGrad, bGrad)
		case wGrad || bGrad:
			if wGrad {
				var c []float32
				switch {
				case kept:
					c = cols[:m*k]
				case p.useCols:
					c = cols[:m*k]
					g.im2colImages(c, x.data, n0, n1)
				default:
					c = x.data[r0*k : r1*k]
				}
				gemm.Sgemm(true, false, k, f, m, c, k, gy, f, beta(acc.w), w.grad, f)
				acc.w = true
			}
			if bGrad {
				// d/db = 1ᵀ·g as a one-row product: the vector kernels
				// of Sgemm read g several times faster than a scalar
				// loop.
				gemm.Sgemm(false, false, 1, f, m, onesVector(m), m, gy, f, beta(acc.b), b.grad, f)
				acc.b = true
			}
		}
		if xGrad {
			// Each chunk has rows of its own: acc.x holds for all.
			if !p.useCols {
				gemm.Sgemm(false, true, m, k, f, gy, f, w.data, f, beta(acc.x), x.grad[r0*k:r1*k], k)
				continue
			}
			d := dcols[:m*k]
			gemm.Sgemm(false, true, m, k, f, gy, f, w.data, f, 0, d, k)
			t := newWinTask(taskCol2im, g)
			t.dst, t.src, t.n0, t.clearDst = x.grad, d, n0, !acc.x
			parallelImages(n1-n0, per*k, t)
			t.release()
		}
	}
}

// convDirect writes the outputs of images [n0, n1) into y, whose first row
// is that of image first, with the direct kernels.
func (g *window2D) convDirect(y, x, w, bias []float32, f, n0, n1, first int, relu bool) {
	img := g.h * g.w * g.c
	offs := fieldOffsetPool.Get().(*fieldOffsets)
	offs.full = false
	defer fieldOffsetPool.Put(offs)
	for n := n0; n < n1; n++ {
		xi := x[n*img : (n+1)*img]
		for oh := 0; oh < g.oh; oh++ {
			o := ((n-first)*g.oh + oh) * g.ow
			g.convWindows(oh, f, offs, func(ow0, cnt, org int, xoffs, woffs []int32) {
				dst := y[(o+ow0)*f : (o+ow0+cnt)*f]
				if len(xoffs) == 0 {
					// Every value of the fields is padding.
					fillBias(dst, bias, relu)
					return
				}
				vec.ConvRows(dst, xi[org:], xoffs, woffs, cnt, g.sw*g.c, w, bias, f, relu)
			})
		}
	}
}

// convDirectGrad adds the kernel and bias gradients of the direct
// convolution of images [n0, n1), whose output gradient is gy, to w.grad
// and b.grad. Each image's sums go to a buffer of their own, on whichever
// goroutine, and the buffers are added to the gradients in image order, so
// the result does not depend on the number of goroutines.
func (g *window2D) convDirectGrad(a *Arena, x []float32, w, b *Tensor, gy []float32, n0, n1 int, wGrad, bGrad bool) {
	f := len(w.data) / (g.kh * g.kw * g.c)
	kf := g.kh * g.kw * g.c * f
	sums := borrow(a, (n1-n0)*(kf+f))
	clear(sums)
	t := newWinTask(taskConvDirectGrad, g)
	t.dst, t.src, t.gy, t.f, t.n0, t.wGrad, t.bGrad = sums, x, gy, f, n0, wGrad, bGrad
	parallelEven(n1-n0, g.oh*g.ow*f, t)
	t.release()
	for i := 0; i < n1-n0; i++ {
		if wGrad {
			vec.AddRows(w.grad, 0, sums[i*(kf+f):], 0, 1, kf)
		}
		if bGrad {
			vec.AddRows(b.grad, 0, sums[i*(kf+f)+kf:], 0, 1, f)
		}
	}
	giveBack(a, sums)
}

// convDirectGradImages computes the kernel and bias gradient sums of images
// [n0, n1) (of the chunk from image first on, whose output gradient is gy)
// into sums, one kf+f block per image.
func (g *window2D) convDirectGradImages(sums, x, gy []float32, f, n0, n1, first int, wGrad, bGrad bool) {
	img := g.h * g.w * g.c
	kf := g.kh * g.kw * g.c * f
	offs := fieldOffsetPool.Get().(*fieldOffsets)
	offs.full = false
	defer fieldOffsetPool.Put(offs)
	for n := n0; n < n1; n++ {
		xi := x[n*img : (n+1)*img]
		dw := sums[(n-first)*(kf+f) : (n-first)*(kf+f)+kf]
		db := sums[(n-first)*(kf+f)+kf : (n-first+1)*(kf+f)]
		for oh := 0; oh < g.oh; oh++ {
			o := ((n-first)*g.oh + oh) * g.ow
			g.convWindows(oh, f, offs, func(ow0, cnt, org int, xoffs, woffs []int32) {
				rows := gy[(o+ow0)*f : (o+ow0+cnt)*f]
				if wGrad && len(xoffs) > 0 {
					vec.ConvRowsGrad(dw, rows, xi[org:], xoffs, woffs, cnt, g.sw*g.c, f)
				}
				if bGrad {
					// The bias is a kernel row whose input is 1.
					vec.ConvRowsGrad(db, rows, one, zeroOffset, zeroOffset, cnt, 0, f)
				}
			})
		}
	}
}

// one and zeroOffset describe, to vec.ConvRowsGrad, an input that is 1 for
// every output: the bias. Read only.
var (
	one        = []float32{1}
	zeroOffset = []int32{0}
)

// fieldOffsetPool recycles fieldOffsets: the callbacks of convWindows
// receive slices of them, which makes a local one escape to the heap.
var fieldOffsetPool = sync.Pool{New: func() any { return new(fieldOffsets) }}

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
// stays on the calling goroutine: handing a range to another core costs
// about as much as copying this many floats.
const minParallelWork = 1 << 15

// parallelEven is parallelImages with as many ranges as goroutines, of equal
// size as far as possible: for a few images of equal cost (the chunk of a
// direct convolution), more ranges than goroutines leave one goroutine with
// more images than the other.
func parallelEven(n, cost int, t *winTask) {
	procs := runtime.GOMAXPROCS(0)
	if n*cost < minParallelWork || procs < 2 {
		t.Run(0, n)
		return
	}
	gemm.ParallelTask(n, max((minParallelWork+cost-1)/cost, n/procs), t)
}

// parallelImages runs t over [0, n) split into contiguous, disjoint ranges,
// on the caller and the persistent workers of the matrix product
// (gemm.ParallelTask), which spin between the products of a training step
// and so take work over in well under a microsecond; starting goroutines
// per call made a helper wait for the caller's processor while the workers
// spun. cost is the approximate number of floats each index touches.
// Callers only split over independent images (or other independent
// indices), so results do not depend on who runs which range.
func parallelImages(n, cost int, t gemm.Task) {
	if n*cost < minParallelWork {
		t.Run(0, n)
		return
	}
	gemm.ParallelTask(n, (minParallelWork+cost-1)/cost, t)
}

// winTask is the loop body, over images, of a pass of a convolution or a
// pooling that runs in parallel: a struct rather than a closure, and
// pooled, so that a training step does not allocate. Run handles the
// images [n0+lo, n0+hi) of the chunk that starts at image n0.
type winTask struct {
	kind         winTaskKind
	g            window2D
	dst, src, gy []float32
	w, bias      []float32
	sums         []float32 // per-image kernel and bias gradient sums
	arg          []int32
	f, n0        int
	c0, cg       int // the channels [c0, c0+cg) of a grouped im2col or col2im
	relu         bool
	wGrad, bGrad bool
	xGrad        bool
	clearDst     bool // taskCol2im clears each image of dst before adding to it
	// pg is the pooling of taskConvPool and taskConvPoolGrad, whose images
	// go through scratch slots.
	pg    window2D
	slots scratchSlots
}

type winTaskKind int

const (
	taskConvDirect          winTaskKind = iota // direct convolution: src → dst
	taskConvDirectGrad                         // kernel and bias sums of src, gy → dst
	taskIm2col                                 // src → dst (the chunk's matrix)
	taskCol2im                                 // src (the chunk's matrix) → dst
	taskMaxPool                                // src (the chunk) → dst, arg
	taskMaxPoolBackward                        // src (pooled gradient), arg → dst (the chunk)
	taskReLUMaxPoolBackward                    // gy (pooled gradient) masked where w (pooled ReLU outputs) is not positive → src, then as taskMaxPoolBackward
	taskAvgPool                                // src (the chunk) → dst
	taskAvgPoolBackward                        // src (pooled gradient) → dst (the chunk)
	taskIm2colGeneral                          // src channels [c0, c0+cg) → dst, dilated
	taskCol2imGeneral                          // src → dst channels [c0, c0+cg), dilated
	taskDepthwise                              // depthwise convolution: src → dst
	taskDepthwiseGrad                          // input gradient → dst, kernel and bias sums → sums
	taskNormPoolBackward                       // gy·w + bias (if relu; added if xGrad), then src at the winners arg → dst
	taskConvPool                               // direct convolution of src, ReLU, max pooling → dst, arg
	taskConvPoolGrad                           // pooled gradient gy, winners arg, input src → per-image sums dst
)

var winTasks = sync.Pool{New: func() any { return new(winTask) }}

// newWinTask returns a cleared task of the given kind over geometry g.
func newWinTask(kind winTaskKind, g *window2D) *winTask {
	t := winTasks.Get().(*winTask)
	*t = winTask{kind: kind, g: *g}
	return t
}

// release returns t to the pool, dropping its references to buffers.
func (t *winTask) release() {
	*t = winTask{}
	winTasks.Put(t)
}

// Run implements gemm.Task.
func (t *winTask) Run(lo, hi int) {
	g, n0 := &t.g, t.n0
	switch t.kind {
	case taskConvDirect:
		g.convDirect(t.dst, t.src, t.w, t.bias, t.f, n0+lo, n0+hi, n0, t.relu)
	case taskConvDirectGrad:
		g.convDirectGradImages(t.dst, t.src, t.gy, t.f, n0+lo, n0+hi, n0, t.wGrad, t.bGrad)
	case taskIm2col:
		g.im2col(t.dst, t.src, n0+lo, n0+hi, n0)
	case taskCol2im:
		if t.clearDst {
			img := g.h * g.w * g.c
			clear(t.dst[(n0+lo)*img : (n0+hi)*img])
		}
		g.col2im(t.dst, t.src, n0+lo, n0+hi, n0)
	case taskMaxPool:
		g.maxPool(t.dst, t.arg, t.src, n0+lo, n0+hi, n0)
	case taskMaxPoolBackward:
		g.maxPoolBackward(t.dst, t.src, t.arg, n0+lo, n0+hi, n0)
	case taskReLUMaxPoolBackward:
		pp, img := g.oh*g.ow*g.c, g.h*g.w*g.c
		r0, r1 := (n0+lo)*pp, (n0+hi)*pp
		copy(t.src[r0:r1], t.gy[r0:r1])
		vec.ReLUGrad(t.src[r0:r1], t.w[r0:r1])
		clear(t.dst[lo*img : hi*img])
		g.maxPoolBackward(t.dst, t.src, t.arg, n0+lo, n0+hi, n0)
	case taskAvgPool:
		g.avgPool(t.dst, t.src, n0+lo, n0+hi, n0)
	case taskAvgPoolBackward:
		g.avgPoolBackward(t.dst, t.src, n0+lo, n0+hi, n0)
	case taskIm2colGeneral:
		g.im2colGeneral(t.dst, t.src, n0+lo, n0+hi, n0, t.c0, t.cg)
	case taskCol2imGeneral:
		g.col2imGeneral(t.dst, t.src, n0+lo, n0+hi, n0, t.c0, t.cg)
	case taskDepthwise:
		g.depthwise(t.dst, t.src, t.w, t.bias, n0+lo, n0+hi)
	case taskDepthwiseGrad:
		g.depthwiseGrad(t.dst, t.sums, t.gy, t.src, t.w, n0+lo, n0+hi, n0, t.xGrad, t.wGrad, t.bGrad)
	case taskConvPool, taskConvPoolGrad:
		t.convPoolImages(n0+lo, n0+hi)
	case taskNormPoolBackward:
		g.normPoolBackward(t.dst, t.src, t.arg, t.gy, t.w, t.bias, t.sums, t.relu, t.xGrad, n0+lo, n0+hi)
	}
}

// im2colImages writes the im2col matrix of images [n0, n1) into cols, in
// parallel.
func (g *window2D) im2colImages(cols, x []float32, n0, n1 int) {
	t := newWinTask(taskIm2col, g)
	t.dst, t.src, t.n0 = cols, x, n0
	parallelImages(n1-n0, g.oh*g.ow*g.kh*g.kw*g.c, t)
	t.release()
}

// borrow returns a buffer of n floats with arbitrary contents: from arena a
// (until its Reset) if not nil, else from the scratch pools.
func borrow(a *Arena, n int) []float32 {
	if a != nil {
		return a.getRaw(n)
	}
	return getScratch(n)
}

// giveBack returns a buffer from borrow to the scratch pools; the arena
// takes its buffers back at Reset.
func giveBack(a *Arena, s []float32) {
	if a == nil {
		putScratch(s)
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
