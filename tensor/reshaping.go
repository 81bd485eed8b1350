package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// maxBlockRank bounds the rank of the block copies below, whose index
// counters live on the stack.
const maxBlockRank = 8

// copyBlock visits the block of shape region that starts at offset off
// within a tensor of shape big, and the whole of a tensor of shape region,
// one run of the last axis at a time: fn gets the start of the run in the
// big tensor and in the small one, and the run's length.
func copyBlock(big, region []int, off []int32, fn func(bi, si, n int)) {
	r := len(region)
	if r == 0 {
		fn(0, 0, 1)
		return
	}
	for _, d := range region {
		if d == 0 {
			return
		}
	}
	var strides, idx [maxBlockRank]int
	s := 1
	for a := r - 1; a >= 0; a-- {
		strides[a] = s
		s *= big[a]
	}
	run := region[r-1]
	base := 0
	for a := range r {
		base += int(off[a]) * strides[a]
	}
	for si := 0; ; si += run {
		bi := base
		for a := 0; a < r-1; a++ {
			bi += idx[a] * strides[a]
		}
		fn(bi, si, run)
		a := r - 2
		for ; a >= 0; a-- {
			idx[a]++
			if idx[a] < region[a] {
				break
			}
			idx[a] = 0
		}
		if a < 0 {
			return
		}
	}
}

// Pad returns x with pads[a][0] zeros before and pads[a][1] after its
// elements along each axis a, as keras.ops.pad in "constant" mode with 0.
// d/dx is the gradient's block at the offsets of x. It panics with a
// *ShapeError unless pads has one non-negative pair per axis.
func Pad(x *Tensor, pads [][2]int) *Tensor {
	if len(pads) != len(x.shape) || len(pads) > maxBlockRank {
		panic(shapeErr("Pad", fmt.Sprintf("want one pair of paddings per axis (rank <= %d), got %d", maxBlockRank, len(pads)), x.shape))
	}
	var shape [maxBlockRank]int
	for a, p := range pads {
		if p[0] < 0 || p[1] < 0 {
			panic(shapeErr("Pad", fmt.Sprintf("negative padding %v", p), x.shape))
		}
		shape[a] = x.shape[a] + p[0] + p[1]
	}
	out := newOut(shape[:len(pads)], x)
	off := scratchInt32(len(pads), x)
	for a, p := range pads {
		off[a] = int32(p[0])
	}
	copyBlock(out.shape, x.shape, off, func(bi, si, n int) { copy(out.data[bi:bi+n], x.data[si:si+n]) })
	if nd := track(out, "Pad", padBackward, x); nd != nil {
		nd.i32 = off
	}
	return out
}

func padBackward(o *Tensor) {
	x := o.node.in[0]
	copyBlock(o.shape, x.shape, o.node.i32, func(bi, si, n int) {
		addTo(x.grad[si:si+n], o.grad[bi:bi+n])
	})
}

// Crop returns x without crops[a][0] elements at the start and crops[a][1]
// at the end of each axis a. d/dx puts the gradient back at those offsets.
// It panics with a *ShapeError unless crops has one non-negative pair per
// axis that leaves something of it.
func Crop(x *Tensor, crops [][2]int) *Tensor {
	if len(crops) != len(x.shape) || len(crops) > maxBlockRank {
		panic(shapeErr("Crop", fmt.Sprintf("want one pair of croppings per axis (rank <= %d), got %d", maxBlockRank, len(crops)), x.shape))
	}
	var shape [maxBlockRank]int
	for a, c := range crops {
		shape[a] = x.shape[a] - c[0] - c[1]
		if c[0] < 0 || c[1] < 0 || shape[a] <= 0 {
			panic(shapeErr("Crop", fmt.Sprintf("cropping %v does not fit axis %d", c, a), x.shape))
		}
	}
	out := newOutRaw(shape[:len(crops)], x)
	off := scratchInt32(len(crops), x)
	for a, c := range crops {
		off[a] = int32(c[0])
	}
	copyBlock(x.shape, out.shape, off, func(bi, si, n int) { copy(out.data[si:si+n], x.data[bi:bi+n]) })
	if nd := track(out, "Crop", cropBackward, x); nd != nil {
		nd.i32 = off
	}
	return out
}

func cropBackward(o *Tensor) {
	x := o.node.in[0]
	copyBlock(x.shape, o.shape, o.node.i32, func(bi, si, n int) {
		addTo(x.grad[bi:bi+n], o.grad[si:si+n])
	})
}

// addTo adds src to dst elementwise.
func addTo(dst, src []float32) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] += v
	}
}

// Repeat repeats each element of x n times along axis (negative counts
// from the end), as keras.ops.repeat: [a, b] → [a, a, b, b] for n = 2.
// d/dx sums the gradients of the copies. It panics if n < 1.
func (t *Tensor) Repeat(n, axis int) *Tensor {
	outer, k, inner, ax := t.axisSplit("Repeat", axis)
	if n < 1 {
		panic(shapeErr("Repeat", fmt.Sprintf("repeats must be >= 1, got %d", n), t.shape))
	}
	var shape [maxBlockRank]int
	if len(t.shape) > maxBlockRank {
		panic(shapeErr("Repeat", fmt.Sprintf("rank above %d", maxBlockRank), t.shape))
	}
	copy(shape[:], t.shape)
	shape[ax] *= n
	out := newOutRaw(shape[:len(t.shape)], t)
	for o := range outer {
		for j := range k {
			src := t.data[(o*k+j)*inner : (o*k+j+1)*inner]
			for r := range n {
				copy(out.data[((o*k+j)*n+r)*inner:], src)
			}
		}
	}
	if nd := track(out, "Repeat", repeatBackward, t); nd != nil {
		nd.ints = [2]int{n, ax}
	}
	return out
}

func repeatBackward(o *Tensor) {
	t := o.node.in[0]
	n, ax := o.node.ints[0], o.node.ints[1]
	outer, k, inner, _ := t.axisSplit("Repeat", ax)
	for b := range outer {
		for j := range k {
			dst := t.grad[(b*k+j)*inner : (b*k+j+1)*inner]
			for r := range n {
				addTo(dst, o.grad[((b*k+j)*n+r)*inner:((b*k+j)*n+r+1)*inner])
			}
		}
	}
}

// Permute returns x with its axes reordered: axis a of the result is axis
// perm[a] of x, as keras.ops.transpose(x, perm). d/dx permutes the
// gradient back. It panics with a *ShapeError unless perm is a
// permutation of x's axes.
func Permute(x *Tensor, perm []int) *Tensor {
	r := len(x.shape)
	if len(perm) != r || r > maxBlockRank {
		panic(shapeErr("Permute", fmt.Sprintf("want a permutation of %d axes (rank <= %d), got %v", r, maxBlockRank, perm), x.shape))
	}
	var seen [maxBlockRank]bool
	var shape [maxBlockRank]int
	for a, p := range perm {
		if p < 0 || p >= r || seen[p] {
			panic(shapeErr("Permute", fmt.Sprintf("%v is not a permutation of the axes", perm), x.shape))
		}
		seen[p] = true
		shape[a] = x.shape[p]
	}
	out := newOutRaw(shape[:r], x)
	p := scratchInt32(r, x)
	for a, v := range perm {
		p[a] = int32(v)
	}
	permute(out.data, x.data, x.shape, p, false)
	if nd := track(out, "Permute", permuteBackward, x); nd != nil {
		nd.i32 = p
	}
	return out
}

func permuteBackward(o *Tensor) {
	x := o.node.in[0]
	permute(x.grad, o.grad, x.shape, o.node.i32, true)
}

// permute walks the permutation perm of a tensor of shape shape: without
// add it writes it, dst[i_0, …] = src[…, i_a at axis perm[a], …]; with add
// it goes the other way, adding the permuted src back into dst, of shape
// shape (the adjoint, for the gradient).
func permute(dst, src []float32, shape []int, perm []int32, add bool) {
	r := len(shape)
	var inStride, outShape, outStride, idx [maxBlockRank]int
	s := 1
	for a := r - 1; a >= 0; a-- {
		inStride[a] = s
		s *= shape[a]
	}
	if s == 0 {
		return
	}
	for a := range r {
		outShape[a] = shape[perm[a]]
	}
	s = 1
	for a := r - 1; a >= 0; a-- {
		outStride[a] = s
		s *= outShape[a]
	}
	// Walk the output (permuted) order; the matching input offset moves by
	// inStride[perm[a]] along output axis a.
	for oi := 0; oi < s; oi++ {
		ii := 0
		for a := range r {
			ii += idx[a] * inStride[perm[a]]
		}
		if add {
			dst[ii] += src[oi]
		} else {
			dst[oi] = src[ii]
		}
		for a := r - 1; a >= 0; a-- {
			idx[a]++
			if idx[a] < outShape[a] {
				break
			}
			idx[a] = 0
		}
	}
}

// DropoutNoiseShape is Dropout whose mask is drawn for noiseShape and
// broadcast to x (Keras's noise_shape): SpatialDropout2D draws one
// decision per image and channel with noise shape [N, 1, 1, C]. Each
// dimension of noiseShape is x's or 1.
func DropoutNoiseShape(x *Tensor, rate float32, noiseShape []int, rng *rand.Rand) *Tensor {
	if !(rate >= 0 && rate < 1) {
		panic(fmt.Sprintf("tensor: DropoutNoiseShape: rate must be in [0, 1), got %v", rate))
	}
	if len(noiseShape) != len(x.shape) {
		panic(shapeErr("DropoutNoiseShape", "noise shape of another rank", x.shape, noiseShape))
	}
	for a, d := range noiseShape {
		if d != 1 && d != x.shape[a] {
			panic(shapeErr("DropoutNoiseShape", "noise shape does not broadcast to x", x.shape, noiseShape))
		}
	}
	if rate == 0 {
		return x
	}
	// The decisions, then broadcast: the mask lives in x's arena.
	n := size(noiseShape)
	small := x.scratchRaw(n)
	keep := 1 / (1 - rate)
	for i := range small {
		if rng.Float32() >= rate {
			small[i] = keep
		} else {
			small[i] = 0
		}
	}
	mask := x.scratchRaw(len(x.data))
	broadcastInto(mask, x.shape, small, noiseShape)
	return DropoutMask(x, mask)
}

// broadcastInto fills dst, of shape shape, with src, of shape srcShape
// whose dimensions are shape's or 1.
func broadcastInto(dst []float32, shape []int, src []float32, srcShape []int) {
	r := len(shape)
	if r > maxBlockRank {
		panic(shapeErr("broadcast", fmt.Sprintf("rank above %d", maxBlockRank), shape))
	}
	var stride, idx [maxBlockRank]int
	s := 1
	for a := r - 1; a >= 0; a-- {
		if srcShape[a] != 1 {
			stride[a] = s
		}
		s *= srcShape[a]
	}
	for i := range dst {
		si := 0
		for a := range r {
			si += idx[a] * stride[a]
		}
		dst[i] = src[si]
		for a := r - 1; a >= 0; a-- {
			idx[a]++
			if idx[a] < shape[a] {
				break
			}
			idx[a] = 0
		}
	}
}

// GaussianNoise returns x plus noise drawn from N(0, stddev²), as Keras's
// GaussianNoise layer adds while training; d/dx = 1.
func GaussianNoise(x *Tensor, stddev float32, rng *rand.Rand) *Tensor {
	out := newOutRaw(x.shape, x)
	for i, v := range x.data {
		out.data[i] = v + stddev*float32(rng.NormFloat64())
	}
	track(out, "GaussianNoise", identityBackward, x)
	return out
}

func identityBackward(o *Tensor) { addTo(o.node.in[0].grad, o.grad) }

// GaussianDropout returns x times noise drawn from N(1, rate/(1 − rate)),
// as Keras's GaussianDropout layer multiplies while training; d/dx is the
// same noise. rate must be in [0, 1).
func GaussianDropout(x *Tensor, rate float32, rng *rand.Rand) *Tensor {
	if !(rate >= 0 && rate < 1) {
		panic(fmt.Sprintf("tensor: GaussianDropout: rate must be in [0, 1), got %v", rate))
	}
	std := math.Sqrt(float64(rate) / (1 - float64(rate)))
	mask := x.scratchRaw(len(x.data))
	for i := range mask {
		mask[i] = float32(1 + std*rng.NormFloat64())
	}
	return DropoutMask(x, mask)
}

// Reverse returns t with the order of its elements along axis (negative
// counts from the end) reversed, as keras.ops.flip: Bidirectional puts its
// backward layer's sequence back in time order with it. d/dt reverses the
// gradient the same way.
func (t *Tensor) Reverse(axis int) *Tensor {
	outer, k, inner, ax := t.axisSplit("Reverse", axis)
	out := newOutRaw(t.shape, t)
	reverseBlocks(out.data, t.data, outer, k, inner, false)
	if nd := track(out, "Reverse", reverseBackward, t); nd != nil {
		nd.ints = [2]int{ax}
	}
	return out
}

func reverseBackward(o *Tensor) {
	t := o.node.in[0]
	outer, k, inner, _ := t.axisSplit("Reverse", o.node.ints[0])
	reverseBlocks(t.grad, o.grad, outer, k, inner, true)
}

// reverseBlocks copies (or adds, with add) src to dst with the k blocks
// of inner values of each of the outer groups in reverse order.
func reverseBlocks(dst, src []float32, outer, k, inner int, add bool) {
	for o := range outer {
		for j := range k {
			d := dst[(o*k+k-1-j)*inner : (o*k+k-j)*inner]
			s := src[(o*k+j)*inner : (o*k+j+1)*inner]
			if add {
				addTo(d, s)
			} else {
				copy(d, s)
			}
		}
	}
}
