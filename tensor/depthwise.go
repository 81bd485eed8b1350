package tensor

import (
	"fmt"

	"github.com/neuron-go/neuron/internal/vec"
)

// DepthwiseConv2D returns the depthwise 2-D convolution of a
// channels-last batch, as Keras's DepthwiseConv2D computes it: each input
// channel c is convolved with its own DM kernels, giving the output
// channels c·DM … c·DM+DM−1:
//
//	out[n,i,j,c·DM+m] = b[c·DM+m] + Σ_{p,q} x[n, i·SH−padT+p·DH, j·SW−padL+q·DW, c] · w[p,q,c,m]
//
// x is [N,H,W,C], w is [KH,KW,C,DM] (Keras 3's layout), b is [C·DM] or
// nil; the result is [N,OH,OW,C·DM]. s.Groups must be 0 or 1 (the
// grouping is implied).
//
// It is computed directly from the input, one image per goroutine at a
// time: for each kernel tap and output row, the run of outputs whose tap
// falls inside the image gets the tap's weights times the input pixels
// (vec.MulAddRows), with no test per value; a matrix product would have a
// single term per channel. With DM > 1 the channels of a chunk of images
// are first repeated DM times, which makes it the DM = 1 convolution of
// C·DM channels with the same kernel memory.
//
// It panics with a *ShapeError if the shapes do not fit.
func DepthwiseConv2D(x, w, b *Tensor, s ConvSpec) *Tensor {
	const op = "DepthwiseConv2D"
	if len(w.shape) != 4 {
		panic(shapeErr(op, "want a [KH, KW, C, DM] kernel", x.shape, w.shape))
	}
	strides, dil, groups := s.resolve()
	if groups != 1 {
		panic(shapeErr(op, fmt.Sprintf("groups must be 1, got %d", groups), x.shape, w.shape))
	}
	g := newConvWindow(op, x.shape, w.shape[0], w.shape[1], strides, dil, s.padding(), w.shape)
	if w.shape[2] != g.c {
		panic(shapeErr(op, fmt.Sprintf("kernel has %d input channels, the input %d", w.shape[2], g.c), x.shape, w.shape))
	}
	dm := w.shape[3]
	f := g.c * dm
	var bias []float32
	if b != nil {
		if len(b.shape) != 1 || b.shape[0] != f {
			panic(shapeErr(op, fmt.Sprintf("bias must have shape [%d]", f), b.shape))
		}
		bias = b.data
	}
	out := newOutRaw([]int{g.n, g.oh, g.ow, f}, x, w, b)
	ge := g
	ge.c = f // the geometry over the input with its channels repeated
	per, img := g.oh*g.ow*f, g.h*g.w*f
	chunk := depthwiseChunk(&g, dm)
	a := arenaOf(x, w, b)
	var xe []float32
	if dm > 1 {
		xe = borrow(a, chunk*img)
	}
	for n0 := 0; n0 < g.n; n0 += chunk {
		n1 := min(n0+chunk, g.n)
		src := x.data[n0*g.h*g.w*g.c : n1*g.h*g.w*g.c]
		if dm > 1 {
			src = xe[:(n1-n0)*img]
			repeatChannels(src, x.data[n0*g.h*g.w*g.c:n1*g.h*g.w*g.c], dm)
		}
		t := newWinTask(taskDepthwise, &ge)
		t.dst, t.src, t.w, t.bias = out.data[n0*per:n1*per], src, w.data, bias
		parallelImages(n1-n0, per*g.kh*g.kw, t)
		t.release()
	}
	if xe != nil {
		giveBack(a, xe)
	}
	if n := track(out, op, depthwiseBackward, x, w, b); n != nil {
		n.conv = convPlan{g: ge, f: dm, chunk: chunk}
	}
	return out
}

// depthwiseChunk returns how many images a depthwise convolution with
// depth multiplier dm takes at a time: all of them when dm is 1 (the
// input is read in place), else as many as fit 512 KB of repeated input.
func depthwiseChunk(g *window2D, dm int) int {
	if dm == 1 {
		return max(g.n, 1)
	}
	return evenChunks(g.n, chunkFloats/(g.h*g.w*g.c*dm))
}

// repeatChannels writes each value of src dm times into dst.
func repeatChannels(dst, src []float32, dm int) {
	for i, v := range src {
		d := dst[i*dm : (i+1)*dm]
		for m := range d {
			d[m] = v
		}
	}
}

// foldChannels adds to dst each run of dm values of src, the adjoint of
// repeatChannels.
func foldChannels(dst, src []float32, dm int) {
	for i := range dst {
		var s float32
		for _, v := range src[i*dm : (i+1)*dm] {
			s += v
		}
		dst[i] += s
	}
}

// tapRun returns the output columns [lo, hi) whose kernel column j falls
// inside the image, and the input column of output column 0's tap.
func (g *window2D) tapRun(j int) (lo, hi, off int) {
	off = j*g.dw - g.padL
	if off < 0 {
		lo = (-off + g.sw - 1) / g.sw
	}
	if last := g.w - 1 - off; last >= 0 {
		hi = min(g.ow, last/g.sw+1)
	}
	return min(lo, g.ow), max(hi, min(lo, g.ow)), off
}

// depthwise writes the outputs of images [lo, hi) (of y and x, both from
// the chunk's first image) of a depthwise convolution with one kernel per
// channel (the repeated channels when DM > 1).
func (g *window2D) depthwise(y, x, w, bias []float32, lo, hi int) {
	c := g.c
	img, per, row := g.h*g.w*c, g.oh*g.ow*c, g.ow*c
	for n := lo; n < hi; n++ {
		xi, yi := x[n*img:(n+1)*img], y[n*per:(n+1)*per]
		if bias != nil {
			fillRows(yi, bias)
		} else {
			clear(yi)
		}
		for oh := 0; oh < g.oh; oh++ {
			yr := yi[oh*row : (oh+1)*row]
			for i := 0; i < g.kh; i++ {
				ih := oh*g.sh - g.padT + i*g.dh
				if ih < 0 || ih >= g.h {
					continue
				}
				xr := xi[ih*g.w*c : (ih+1)*g.w*c]
				for j := 0; j < g.kw; j++ {
					c0, c1, off := g.tapRun(j)
					if c0 >= c1 {
						continue
					}
					tap := w[(i*g.kw+j)*c : (i*g.kw+j+1)*c]
					vec.MulAddRows(yr[c0*c:], c, xr[(c0*g.sw+off)*c:], g.sw*c, tap, 0, c1-c0, c)
				}
			}
		}
	}
}

func depthwiseBackward(o *Tensor) {
	nd := o.node
	g, dm, chunk := &nd.conv.g, nd.conv.f, nd.conv.chunk
	x, w, b := nd.in[0], nd.in[1], nd.in[2]
	xGrad, wGrad, bGrad := x.requiresGrad, w.requiresGrad, b != nil && b.requiresGrad
	c := g.c // the repeated channels, C·DM
	kf := g.kh * g.kw * c
	per, img, xImg := g.oh*g.ow*c, g.h*g.w*c, g.h*g.w*c/dm
	a := o.arena
	// Each image's kernel and bias sums go to a buffer of their own and are
	// added in image order, so the result does not depend on the number of
	// goroutines; the chunks bound the buffers.
	sumChunk := evenChunks(chunk, max(1, chunkFloats/(kf+c)))
	var sums, xe, dxe []float32
	if wGrad || bGrad {
		sums = borrow(a, sumChunk*(kf+c))
		defer giveBack(a, sums)
	}
	if dm > 1 {
		if wGrad {
			xe = borrow(a, chunk*img)
			defer giveBack(a, xe)
		}
		if xGrad {
			dxe = borrow(a, chunk*img)
			defer giveBack(a, dxe)
		}
	}
	for n0 := 0; n0 < g.n; n0 += chunk {
		n1 := min(n0+chunk, g.n)
		src := x.data[n0*xImg : n1*xImg]
		if xe != nil {
			src = xe[:(n1-n0)*img]
			repeatChannels(src, x.data[n0*xImg:n1*xImg], dm)
		}
		var dx []float32
		switch {
		case !xGrad:
		case dxe != nil:
			dx = dxe[:(n1-n0)*img]
			clear(dx)
		default:
			dx = x.grad[n0*xImg : n1*xImg]
		}
		for s0 := 0; s0 < n1-n0; s0 += sumChunk {
			s1 := min(s0+sumChunk, n1-n0)
			if sums != nil {
				clear(sums[:(s1-s0)*(kf+c)])
			}
			t := newWinTask(taskDepthwiseGrad, g)
			t.dst, t.sums, t.gy, t.src, t.w, t.n0 = dx, sums, o.grad[n0*per:n1*per], src, w.data, s0
			t.xGrad, t.wGrad, t.bGrad = xGrad, wGrad, bGrad
			parallelImages(s1-s0, per*g.kh*g.kw*2, t)
			t.release()
			for i := 0; i < s1-s0; i++ {
				if wGrad {
					vec.AddRows(w.grad, 0, sums[i*(kf+c):], 0, 1, kf)
				}
				if bGrad {
					vec.AddRows(b.grad, 0, sums[i*(kf+c)+kf:], 0, 1, c)
				}
			}
		}
		if dxe != nil {
			foldChannels(x.grad[n0*xImg:n1*xImg], dx, dm)
		}
	}
}

// depthwiseGrad adds, for images [n0, n1) of the chunk (dx, gy and x from
// its first image; sums from image first), the input gradient to dx (if
// xGrad) and the kernel and bias sums to sums, one kf+c block per image.
func (g *window2D) depthwiseGrad(dx, sums, gy, x, w []float32, n0, n1, first int, xGrad, wGrad, bGrad bool) {
	c := g.c
	kf := g.kh * g.kw * c
	img, per, row := g.h*g.w*c, g.oh*g.ow*c, g.ow*c
	for n := n0; n < n1; n++ {
		xi, gi := x[n*img:(n+1)*img], gy[n*per:(n+1)*per]
		var dxi, dw, db []float32
		if xGrad {
			dxi = dx[n*img : (n+1)*img]
		}
		if wGrad || bGrad {
			blk := sums[(n-first)*(kf+c) : (n-first+1)*(kf+c)]
			dw, db = blk[:kf], blk[kf:]
		}
		if bGrad {
			vec.AddRows(db, 0, gi, c, g.oh*g.ow, c)
		}
		if !xGrad && !wGrad {
			continue
		}
		for oh := 0; oh < g.oh; oh++ {
			gr := gi[oh*row : (oh+1)*row]
			for i := 0; i < g.kh; i++ {
				ih := oh*g.sh - g.padT + i*g.dh
				if ih < 0 || ih >= g.h {
					continue
				}
				at := ih * g.w * c
				for j := 0; j < g.kw; j++ {
					c0, c1, off := g.tapRun(j)
					if c0 >= c1 {
						continue
					}
					tap := (i*g.kw + j) * c
					xo := at + (c0*g.sw+off)*c
					if wGrad {
						vec.MulAddRows(dw[tap:tap+c], 0, xi[xo:], g.sw*c, gr[c0*c:], c, c1-c0, c)
					}
					if xGrad {
						vec.MulAddRows(dxi[xo:], g.sw*c, gr[c0*c:], c, w[tap:tap+c], 0, c1-c0, c)
					}
				}
			}
		}
	}
}
