package tensor

import (
	"fmt"

	"github.com/neuron-go/neuron/internal/gemm"
)

// ConvTransposeOutputSize returns, for one spatial axis, the output length
// of a transposed convolution by Keras 3's formula (that of its
// TensorFlow backend), with the dilated kernel's span k' = (kernel−1)·
// dilation + 1:
//
//   - "valid": (in−1)·stride + k' + outputPadding, where a negative
//     outputPadding (Keras's None) means max(k', stride) − k';
//   - "same": in·stride when outputPadding is negative, else
//     (in−1)·stride + k' mod 2 + outputPadding.
func ConvTransposeOutputSize(in, kernel, stride, dilation, outputPadding int, padding string) int {
	k := (kernel-1)*dilation + 1
	if padding == "valid" {
		if outputPadding < 0 {
			outputPadding = max(k, stride) - k
		}
		return (in-1)*stride + k + outputPadding
	}
	if outputPadding < 0 {
		return in * stride
	}
	return (in-1)*stride + k%2 + outputPadding
}

// Conv2DTranspose returns the transposed 2-D convolution of a
// channels-last batch, as Keras's Conv2DTranspose computes it: the
// adjoint (the input gradient) of the convolution that maps an image of
// size out to one of x's size with the same kernel, strides, dilation and
// padding (TensorFlow's conv2d_transpose). x is [N,IH,IW,C], w is
// [KH,KW,F,C] (Keras's layout: filters before the input channels), b is
// [F] or nil; the result is [N,out[0],out[1],F]. out is usually
// ConvTransposeOutputSize of each axis, and must be a size that the
// convolution maps to x's.
//
// Each chunk of images is multiplied by the kernel viewed as [KH·KW·F, C]
// transposed and scattered back into the output (col2im); backward is
// the convolution's im2col of the output gradient, then products with the
// kernel (input gradient) and with x (kernel gradient).
//
// It panics with a *ShapeError if the shapes do not fit.
func Conv2DTranspose(x, w, b *Tensor, s ConvSpec, out [2]int) *Tensor {
	const op = "Conv2DTranspose"
	if len(x.shape) != 4 || len(w.shape) != 4 {
		panic(shapeErr(op, "want a [batch, height, width, channels] input and a [KH, KW, F, C] kernel", x.shape, w.shape))
	}
	strides, dil, groups := s.resolve()
	if groups != 1 {
		panic(shapeErr(op, fmt.Sprintf("groups must be 1, got %d", groups), x.shape, w.shape))
	}
	if s.padding() == "causal" {
		panic(shapeErr(op, `padding must be "valid" or "same", got "causal"`, x.shape, w.shape))
	}
	n, c, f := x.shape[0], x.shape[3], w.shape[2]
	if w.shape[3] != c {
		panic(shapeErr(op, fmt.Sprintf("kernel has %d input channels, the input %d", w.shape[3], c), x.shape, w.shape))
	}
	if out[0] <= 0 || out[1] <= 0 {
		panic(shapeErr(op, fmt.Sprintf("output size %v must be positive", out), x.shape, w.shape))
	}
	g := newConvWindow(op, []int{n, out[0], out[1], f}, w.shape[0], w.shape[1], strides, dil, s.padding(), x.shape, w.shape)
	if g.oh != x.shape[1] || g.ow != x.shape[2] {
		panic(shapeErr(op, fmt.Sprintf("an output of %dx%d does not convolve back to the %dx%d input with these strides and padding", out[0], out[1], x.shape[1], x.shape[2]), x.shape, w.shape))
	}
	var bias []float32
	if b != nil {
		if len(b.shape) != 1 || b.shape[0] != f {
			panic(shapeErr(op, fmt.Sprintf("bias must have shape [%d]", f), b.shape))
		}
		bias = b.data
	}
	p := convPlan{g: g, f: c, k: g.kh * g.kw * f, per: g.oh * g.ow, groups: 1}
	p.chunk = evenChunks(n, colsFloats/(p.per*p.k))
	y := newOutRaw([]int{n, out[0], out[1], f}, x, w, b)
	img := out[0] * out[1] * f
	a := arenaOf(x, w, b)
	cols := borrow(a, p.chunk*p.per*p.k)
	for n0 := 0; n0 < n; n0 += p.chunk {
		n1 := min(n0+p.chunk, n)
		m := (n1 - n0) * p.per
		yc := y.data[n0*img : n1*img]
		if bias != nil {
			fillRows(yc, bias)
		} else {
			clear(yc)
		}
		cc := cols[:m*p.k]
		gemm.Sgemm(false, true, m, p.k, c, x.data[n0*p.per*c:], c, w.data, c, 0, cc, p.k)
		g.col2imGeneralImages(y.data, cc, n0, n1, 0, f)
	}
	giveBack(a, cols)
	if nd := track(y, op, conv2DTransposeBackward, x, w, b); nd != nil {
		nd.conv = p
	}
	return y
}

func conv2DTransposeBackward(o *Tensor) {
	nd := o.node
	p := &nd.conv
	g, c, k, per := &p.g, p.f, p.k, p.per
	x, w, b := nd.in[0], nd.in[1], nd.in[2]
	xGrad, wGrad, bGrad := x.requiresGrad, w.requiresGrad, b != nil && b.requiresGrad
	a := o.arena
	img := g.h * g.w * g.c
	if bGrad {
		// The output's rows, g.c values each, summed in chunks of
		// images, in order.
		for n0 := 0; n0 < g.n; n0 += p.chunk {
			n1 := min(n0+p.chunk, g.n)
			m := (n1 - n0) * g.h * g.w
			gemm.Sgemm(false, false, 1, g.c, m, onesVector(m), m, o.grad[n0*img:n1*img], g.c, 1, b.grad, g.c)
		}
	}
	if !xGrad && !wGrad {
		return
	}
	cols := borrow(a, p.chunk*per*k)
	defer giveBack(a, cols)
	for n0 := 0; n0 < g.n; n0 += p.chunk {
		n1 := min(n0+p.chunk, g.n)
		m := (n1 - n0) * per
		cc := cols[:m*k]
		g.im2colGeneralImages(cc, o.grad, n0, n1, 0, g.c)
		if xGrad {
			gemm.Sgemm(false, false, m, c, k, cc, k, w.data, c, 1, x.grad[n0*per*c:n1*per*c], c)
		}
		if wGrad {
			gemm.Sgemm(true, false, k, c, m, cc, k, x.data[n0*per*c:n1*per*c], c, 1, w.grad, c)
		}
	}
}
