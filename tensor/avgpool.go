package tensor

import "github.com/neuron-go/neuron/internal/vec"

// AvgPool2D returns the mean over each pool[0]×pool[1] window of a
// channels-last batch x [N,H,W,C], moving the window by strides, as Keras's
// AveragePooling2D layer computes it. The result is [N,OH,OW,C], with OH
// and OW from ConvOutputSize. With "same" padding a window that overhangs
// the image averages only the elements inside it, as TensorFlow's
// avg_pool does (PyTorch's count_include_pad=False).
//
// The gradient of each output is shared equally by the elements of its
// window.
//
// It panics with a *ShapeError if the shapes do not fit.
func AvgPool2D(x *Tensor, pool, strides [2]int, padding string) *Tensor {
	g := newWindow2D("AvgPool2D", x.shape, pool[0], pool[1], strides, padding)
	out := newOut([]int{g.n, g.oh, g.ow, g.c}, x)
	t := newWinTask(taskAvgPool, &g)
	t.dst, t.src = out.data, x.data
	parallelImages(g.n, g.h*g.w*g.c, t)
	t.release()
	if n := track(out, "AvgPool2D", avgPool2DBackward, x); n != nil {
		n.pool = g
	}
	return out
}

func avgPool2DBackward(o *Tensor) {
	n := o.node
	g := &n.pool
	t := newWinTask(taskAvgPoolBackward, g)
	t.dst, t.src = n.in[0].grad, o.grad
	parallelImages(g.n, g.oh*g.ow*g.c, t)
	t.release()
}

// avgPool computes the pooled rows of images [n0, n1) into out, which is
// zero; x holds the images from image first on. Each window position is C
// contiguous floats, added a row of windows at a time.
func (g *window2D) avgPool(out, x []float32, n0, n1, first int) {
	buf := windowOffsetPool.Get().(*[]int32)
	defer windowOffsetPool.Put(buf)
	offs := g.offsetBuf(buf)
	c, img, step := g.c, g.h*g.w*g.c, g.sw*g.c
	for n := n0; n < n1; n++ {
		xi := x[(n-first)*img : (n-first+1)*img]
		for oh := 0; oh < g.oh; oh++ {
			o := ((n*g.oh + oh) * g.ow) * c
			g.poolWindows(oh, offs, func(ow0, cnt, org int, offs []int32) {
				d := out[o+ow0*c : o+(ow0+cnt)*c]
				for _, off := range offs {
					vec.AddRows(d, c, xi[org+int(off):], step, cnt, c)
				}
				inv := 1 / float32(len(offs))
				for i := range d {
					d[i] *= inv
				}
			})
		}
	}
}

// avgPoolBackward adds the share of the gradient gy of the pooled images
// [n0, n1) to each element of their windows in dx, which holds the images
// from image first on.
func (g *window2D) avgPoolBackward(dx, gy []float32, n0, n1, first int) {
	buf := windowOffsetPool.Get().(*[]int32)
	defer windowOffsetPool.Put(buf)
	offs := g.offsetBuf(buf)
	c, img, step := g.c, g.h*g.w*g.c, g.sw*g.c
	for n := n0; n < n1; n++ {
		dxi := dx[(n-first)*img : (n-first+1)*img]
		for oh := 0; oh < g.oh; oh++ {
			o := ((n*g.oh + oh) * g.ow) * c
			g.poolWindows(oh, offs, func(ow0, cnt, org int, offs []int32) {
				inv := 1 / float32(len(offs))
				for k := range cnt {
					gk := gy[o+(ow0+k)*c : o+(ow0+k+1)*c]
					base := org + k*step
					for _, off := range offs {
						dst := dxi[base+int(off):][:c]
						for ch, v := range gk {
							dst[ch] += v * inv
						}
					}
				}
			})
		}
	}
}
