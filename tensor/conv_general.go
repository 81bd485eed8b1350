package tensor

import (
	"fmt"

	"github.com/neuron-go/neuron/internal/gemm"
	"github.com/neuron-go/neuron/internal/vec"
)

// ConvSpec is how a convolution's window moves over its input, with
// Keras's names: strides, padding, dilation_rate and groups.
type ConvSpec struct {
	// Strides is the step of the window along (height, width); the zero
	// value means {1, 1}.
	Strides [2]int
	// Padding is "valid" (the default when empty), "same" or "causal"
	// (see ConvOutputSize).
	Padding string
	// Dilation is the step between the kernel's taps along (height,
	// width); the zero value means {1, 1}. A kernel of size k dilated by d
	// spans (k−1)·d+1 input positions.
	Dilation [2]int
	// Groups splits the input channels and the filters into that many
	// groups, each filter seeing only its group's channels; the zero
	// value means 1.
	Groups int
}

// resolve returns the strides, dilation and groups with the zero values
// replaced by their defaults.
func (s ConvSpec) resolve() (strides, dilation [2]int, groups int) {
	strides, dilation, groups = s.Strides, s.Dilation, s.Groups
	if strides == ([2]int{}) {
		strides = [2]int{1, 1}
	}
	if dilation == ([2]int{}) {
		dilation = [2]int{1, 1}
	}
	if groups == 0 {
		groups = 1
	}
	return strides, dilation, groups
}

// padding returns the padding, "valid" when empty.
func (s ConvSpec) padding() string {
	if s.Padding == "" {
		return "valid"
	}
	return s.Padding
}

// newConvWindow is newWindow2D for a convolution: the kernel may be
// dilated and the padding may also be "causal".
func newConvWindow(op string, xs []int, kh, kw int, strides, dil [2]int, padding string, extra ...[]int) window2D {
	// Copies, so that the shapes (of Conv1D's views, on the stack) do
	// not escape.
	shapes := func() [][]int {
		out := [][]int{append([]int(nil), xs...)}
		for _, e := range extra {
			out = append(out, append([]int(nil), e...))
		}
		return out
	}
	if len(xs) != 4 {
		panic(shapeErr(op, "want a [batch, height, width, channels] input", shapes()...))
	}
	if kh <= 0 || kw <= 0 {
		panic(shapeErr(op, fmt.Sprintf("window %dx%d must be positive", kh, kw), shapes()...))
	}
	if strides[0] <= 0 || strides[1] <= 0 {
		panic(shapeErr(op, fmt.Sprintf("strides %v must be positive", strides), shapes()...))
	}
	if dil[0] <= 0 || dil[1] <= 0 {
		panic(shapeErr(op, fmt.Sprintf("dilation %v must be positive", dil), shapes()...))
	}
	if padding != "valid" && padding != "same" && padding != "causal" {
		panic(shapeErr(op, fmt.Sprintf(`padding must be "valid", "same" or "causal", got %q`, padding), shapes()...))
	}
	g := window2D{n: xs[0], h: xs[1], w: xs[2], c: xs[3], kh: kh, kw: kw, sh: strides[0], sw: strides[1], dh: dil[0], dw: dil[1]}
	ekh, ekw := (kh-1)*g.dh+1, (kw-1)*g.dw+1
	g.oh, g.padT = ConvOutputSize(g.h, ekh, g.sh, padding)
	g.ow, g.padL = ConvOutputSize(g.w, ekw, g.sw, padding)
	if g.oh <= 0 || g.ow <= 0 {
		panic(shapeErr(op, fmt.Sprintf("a %dx%d window dilated by %v does not fit the input with %s padding", kh, kw, dil, padding), shapes()...))
	}
	return g
}

// Conv2DWith returns the 2-D convolution of a channels-last batch with
// the window of s, as Keras's Conv2D computes it with dilation_rate and
// groups:
//
//	out[n,i,j,f] = b[f] + Σ_{p,q,c} x[n, i·SH−padT+p·DH, j·SW−padL+q·DW, g·C/G+c] · w[p,q,c,f]
//
// where g = f/(F/G) is the filter's group. x is [N,H,W,C], w is
// [KH,KW,C/G,F] (Keras's kernel layout), b is [F] or nil; the result is
// [N,OH,OW,F], sized by ConvOutputSize with the dilated kernel's span.
// Without dilation or groups it is Conv2D; otherwise each group's
// receptive fields are copied into a matrix (im2col with the taps DH, DW
// apart) and multiplied by the group's columns of the kernel.
//
// It panics with a *ShapeError if the shapes do not fit.
func Conv2DWith(x, w, b *Tensor, s ConvSpec) *Tensor {
	p := planConv("Conv2D", x.shape, w.shape, b, s)
	return p.apply(x, w, b, false)
}

// Conv1D returns the 1-D convolution of a batch of sequences, as Keras's
// Conv1D computes it: x is [N,L,C], w is [K,C/groups,F] (Keras's kernel
// layout), b is [F] or nil, and the result is [N,OL,F]. The strides,
// dilation and padding ("valid", "same" or "causal") of s are along the
// steps, in the second element of Strides and Dilation (the first must be
// 0 or 1): a sequence is computed as an image of height 1, with no copy.
//
// It panics with a *ShapeError if the shapes do not fit.
func Conv1D(x, w, b *Tensor, s ConvSpec) *Tensor {
	const op = "Conv1D"
	if len(x.shape) != 3 || len(w.shape) != 3 {
		panic(shapeErr(op, "want a [batch, steps, channels] input and a [K, C, F] kernel", x.shape, w.shape))
	}
	strides, dil, _ := s.resolve()
	if strides[0] != 1 || dil[0] != 1 {
		panic(shapeErr(op, fmt.Sprintf("strides %v and dilation %v must be 1 along the height", strides, dil), x.shape))
	}
	p := planConv(op, []int{x.shape[0], 1, x.shape[1], x.shape[2]}, []int{1, w.shape[0], w.shape[1], w.shape[2]}, b, s)
	out := newOutRaw([]int{p.g.n, p.g.ow, p.f}, x, w, b)
	p.forward(x, w, b, false, func(n0, n1 int) []float32 { return out.data[n0*p.per*p.f : n1*p.per*p.f] }, nil)
	if n := track(out, op, conv2DBackward, x, w, b); n != nil {
		n.conv, n.relu = p, false
	}
	return out
}

// forwardGeneral is forward for a grouped or dilated convolution: for
// each chunk of images and each group, the group's im2col matrix times
// the group's columns of the kernel, written into the group's columns of
// the output.
func (p *convPlan) forwardGeneral(x, w, b *Tensor, relu bool, dst func(n0, n1 int) []float32, done func(n0, n1 int, y []float32)) {
	g, f, k, per := &p.g, p.f, p.k, p.per
	cg, fg := g.c/p.groups, f/p.groups
	var beta float32
	a := arenaOf(x, w, b)
	cols := borrow(a, p.chunk*per*k)
	defer giveBack(a, cols)
	for n0 := 0; n0 < g.n; n0 += p.chunk {
		n1 := min(n0+p.chunk, g.n)
		m := (n1 - n0) * per
		y := dst(n0, n1)
		if b != nil {
			fillRows(y, b.data)
			beta = 1
		}
		for gi := 0; gi < p.groups; gi++ {
			c := cols[:m*k]
			g.im2colGeneralImages(c, x.data, n0, n1, gi*cg, cg)
			gemm.Sgemm(false, false, m, fg, k, c, k, w.data[gi*fg:], f, beta, y[gi*fg:], f)
		}
		if relu {
			vec.ReLU(y, y)
		}
		if done != nil {
			done(n0, n1, y)
		}
	}
}

// backwardGeneral is backward for a grouped or dilated convolution: per
// chunk, the bias gradient as a product with ones, and per group the
// kernel gradient colsᵀ·g and the input gradient col2im(g·wᵀ). The sums
// over the chunks run in order, so they do not depend on the number of
// goroutines.
func (p *convPlan) backwardGeneral(x, w, b *Tensor, grad func(n0, n1 int) []float32) {
	g, f, k, per := &p.g, p.f, p.k, p.per
	cg, fg := g.c/p.groups, f/p.groups
	wGrad, bGrad, xGrad := w.requiresGrad, b != nil && b.requiresGrad, x.requiresGrad
	a := arenaOf(x, w, b)
	var cols, dcols []float32
	if wGrad {
		cols = borrow(a, p.chunk*per*k)
		defer giveBack(a, cols)
	}
	if xGrad {
		dcols = borrow(a, p.chunk*per*k)
		defer giveBack(a, dcols)
	}
	for n0 := 0; n0 < g.n; n0 += p.chunk {
		n1 := min(n0+p.chunk, g.n)
		m := (n1 - n0) * per
		gy := grad(n0, n1)
		if bGrad {
			gemm.Sgemm(false, false, 1, f, m, onesVector(m), m, gy, f, 1, b.grad, f)
		}
		for gi := 0; gi < p.groups; gi++ {
			if wGrad {
				c := cols[:m*k]
				g.im2colGeneralImages(c, x.data, n0, n1, gi*cg, cg)
				gemm.Sgemm(true, false, k, fg, m, c, k, gy[gi*fg:], f, 1, w.grad[gi*fg:], f)
			}
			if xGrad {
				d := dcols[:m*k]
				gemm.Sgemm(false, true, m, k, fg, gy[gi*fg:], f, w.data[gi*fg:], f, 0, d, k)
				g.col2imGeneralImages(x.grad, d, n0, n1, gi*cg, cg)
			}
		}
	}
}

// im2colGeneral is im2col for the channels [c0, c0+cg) of the input and
// a dilated kernel: one row per output position of the images [n0, n1)
// (whose first row is that of image first), the taps (i, j) DH and DW
// apart in (i, j, channel) order, zeros where a tap falls in the padding.
// For each output row and tap, the run of columns whose tap lies inside
// the image is one strided copy.
func (g *window2D) im2colGeneral(cols, x []float32, n0, n1, first, c0, cg int) {
	k := g.kh * g.kw * cg
	img, rowLen := g.h*g.w*g.c, g.w*g.c
	for n := n0; n < n1; n++ {
		xi := x[n*img : (n+1)*img]
		for oh := 0; oh < g.oh; oh++ {
			r0 := ((n-first)*g.oh + oh) * g.ow
			rows := cols[r0*k : (r0+g.ow)*k]
			for i := 0; i < g.kh; i++ {
				ih := oh*g.sh - g.padT + i*g.dh
				if ih < 0 || ih >= g.h {
					for d := i * g.kw * cg; d < len(rows); d += k {
						clear(rows[d : d+g.kw*cg])
					}
					continue
				}
				src := xi[ih*rowLen : (ih+1)*rowLen]
				for j := 0; j < g.kw; j++ {
					lo, hi, off := g.tapRun(j)
					d0 := (i*g.kw + j) * cg
					for ow := 0; ow < lo; ow++ {
						clear(rows[ow*k+d0 : ow*k+d0+cg])
					}
					for ow := hi; ow < g.ow; ow++ {
						clear(rows[ow*k+d0 : ow*k+d0+cg])
					}
					if lo < hi {
						vec.CopyRows(rows[lo*k+d0:], k, src[(lo*g.sw+off)*g.c+c0:], g.sw*g.c, hi-lo, cg)
					}
				}
			}
		}
	}
}

// col2imGeneral is the adjoint of im2colGeneral: it adds each row of
// dcols back into the positions of dx (channels [c0, c0+cg)) it was copied
// from.
func (g *window2D) col2imGeneral(dx, dcols []float32, n0, n1, first, c0, cg int) {
	k := g.kh * g.kw * cg
	img, rowLen := g.h*g.w*g.c, g.w*g.c
	for n := n0; n < n1; n++ {
		xi := dx[n*img : (n+1)*img]
		for oh := 0; oh < g.oh; oh++ {
			r0 := ((n-first)*g.oh + oh) * g.ow
			rows := dcols[r0*k : (r0+g.ow)*k]
			for i := 0; i < g.kh; i++ {
				ih := oh*g.sh - g.padT + i*g.dh
				if ih < 0 || ih >= g.h {
					continue
				}
				dst := xi[ih*rowLen : (ih+1)*rowLen]
				for j := 0; j < g.kw; j++ {
					lo, hi, off := g.tapRun(j)
					if lo < hi {
						d0 := (i*g.kw + j) * cg
						vec.AddRows(dst[(lo*g.sw+off)*g.c+c0:], g.sw*g.c, rows[lo*k+d0:], k, hi-lo, cg)
					}
				}
			}
		}
	}
}

// im2colGeneralImages runs im2colGeneral over the images [n0, n1) in
// parallel; the fast im2col does it when the kernel is not dilated and
// all the channels are taken.
func (g *window2D) im2colGeneralImages(cols, x []float32, n0, n1, c0, cg int) {
	if g.dh == 1 && g.dw == 1 && cg == g.c {
		g.im2colImages(cols, x, n0, n1)
		return
	}
	t := newWinTask(taskIm2colGeneral, g)
	t.dst, t.src, t.n0, t.c0, t.cg = cols, x, n0, c0, cg
	parallelImages(n1-n0, g.oh*g.ow*g.kh*g.kw*cg, t)
	t.release()
}

// col2imGeneralImages runs col2imGeneral (or the fast col2im) over the
// images [n0, n1) in parallel: each image's positions are its own.
func (g *window2D) col2imGeneralImages(dx, dcols []float32, n0, n1, c0, cg int) {
	kind := taskCol2imGeneral
	if g.dh == 1 && g.dw == 1 && cg == g.c {
		kind = taskCol2im
	}
	t := newWinTask(kind, g)
	t.dst, t.src, t.n0, t.c0, t.cg = dx, dcols, n0, c0, cg
	parallelImages(n1-n0, g.oh*g.ow*g.kh*g.kw*cg, t)
	t.release()
}
