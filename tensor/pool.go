package tensor

import (
	"math"
	"sync"

	"github.com/neuron-go/neuron/internal/vec"
)

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
	out := newOutRaw([]int{g.n, g.oh, g.ow, g.c}, x)
	// arg holds, per output element, the winner's offset within its
	// example; int32 (checked above) halves the memory traffic of int.
	// Inference needs no indices.
	var arg []int32
	if x.requiresGrad {
		arg = scratchInt32(len(out.data), x)
	}
	t := newWinTask(taskMaxPool, &g)
	t.dst, t.arg, t.src = out.data, arg, x.data
	parallelImages(g.n, g.h*g.w*g.c, t)
	t.release()
	if n := track(out, "MaxPool2D", maxPool2DBackward, x); n != nil {
		n.pool, n.i32 = g, arg
	}
	return out
}

func maxPool2DBackward(o *Tensor) {
	n := o.node
	g := &n.pool
	t := newWinTask(taskMaxPoolBackward, g)
	t.dst, t.src, t.arg = n.in[0].grad, o.grad, n.i32
	parallelImages(g.n, g.oh*g.ow*g.c, t)
	t.release()
}

// poolWindows calls fn for each run of output positions of output row oh
// whose windows have the same shape: the interior columns, where the
// window lies wholly inside the image, in one call, and each column that
// overhangs the left or right edge (with "same" padding) in its own. fn
// gets the first output column, the number of columns, the offset of the
// first window's first element within the image, and the window's element
// offsets relative to it, in row-major order (valid until fn returns).
func (g *window2D) poolWindows(oh int, buf []int32, fn func(ow0, n, org int, offs []int32)) {
	c := g.c
	ih0 := oh*g.sh - g.padT
	i0, i1 := max(0, -ih0), min(g.kh, g.h-ih0)
	offsets := func(j0, j1 int) []int32 {
		offs := buf[:0]
		for i := i0; i < i1; i++ {
			for j := j0; j < j1; j++ {
				offs = append(offs, int32(((i-i0)*g.w+j-j0)*c))
			}
		}
		return offs
	}
	in0, in1 := g.interior()
	edge := func(ow int) {
		iw0 := ow*g.sw - g.padL
		j0, j1 := max(0, -iw0), min(g.kw, g.w-iw0)
		fn(ow, 1, ((ih0+i0)*g.w+iw0+j0)*c, offsets(j0, j1))
	}
	for ow := 0; ow < in0; ow++ {
		edge(ow)
	}
	if in0 < in1 {
		fn(in0, in1-in0, ((ih0+i0)*g.w+in0*g.sw-g.padL)*c, offsets(0, g.kw))
	}
	for ow := max(in1, in0); ow < g.ow; ow++ {
		edge(ow)
	}
}

// windowOffsetPool recycles the buffers of offsetBuf: the callbacks of
// poolWindows receive slices of them, which makes a local one escape.
var windowOffsetPool = sync.Pool{New: func() any { s := make([]int32, 16); return &s }}

// offsetBuf returns a buffer for the window offsets of poolWindows, grown
// in place for large windows (global pooling) so that the pooled buffer
// serves the next step without allocating.
func (g *window2D) offsetBuf(buf *[]int32) []int32 {
	if n := g.kh * g.kw; cap(*buf) < n {
		*buf = make([]int32, n)
	}
	return (*buf)[:cap(*buf)]
}

// maxPool computes the pooled rows of images [n0, n1) into out and, if arg
// is not nil, the winning offsets; x holds the images from image first on. In NHWC a window position is C contiguous
// floats, which the vector kernels reduce 16 or 8 channels at a time.
func (g *window2D) maxPool(out []float32, arg []int32, x []float32, n0, n1, first int) {
	pooled := windowOffsetPool.Get().(*[]int32)
	defer windowOffsetPool.Put(pooled)
	buf := g.offsetBuf(pooled)
	c, img := g.c, g.h*g.w*g.c
	for n := n0; n < n1; n++ {
		xi := x[(n-first)*img : (n-first+1)*img]
		for oh := 0; oh < g.oh; oh++ {
			o := ((n*g.oh + oh) * g.ow) * c
			g.poolWindows(oh, buf, func(ow0, cnt, org int, offs []int32) {
				d := o + ow0*c
				if arg == nil {
					vec.MaxPool(out[d:], xi[org:], offs, cnt, c, g.sw*c)
					return
				}
				vec.MaxPoolArg(out[d:], arg[d:], xi[org:], offs, org, cnt, c, g.sw*c)
			})
		}
	}
}

// maxPoolBackward adds the gradient gy of the pooled images [n0, n1) to
// their winners in dx, which holds the images from image first on.
func (g *window2D) maxPoolBackward(dx, gy []float32, arg []int32, n0, n1, first int) {
	pooled := windowOffsetPool.Get().(*[]int32)
	defer windowOffsetPool.Put(pooled)
	buf := g.offsetBuf(pooled)
	c, img := g.c, g.h*g.w*g.c
	for n := n0; n < n1; n++ {
		dxi := dx[(n-first)*img : (n-first+1)*img]
		for oh := 0; oh < g.oh; oh++ {
			o := ((n*g.oh + oh) * g.ow) * c
			g.poolWindows(oh, buf, func(ow0, cnt, org int, offs []int32) {
				d := o + ow0*c
				vec.MaxPoolBackward(dxi[org:], gy[d:], arg[d:], offs, org, cnt, c, g.sw*c)
			})
		}
	}
}
