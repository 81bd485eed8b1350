package tensor

import (
	"fmt"
	"math"
)

// Interpolations and fill modes of AffineTransform, as Keras names them.
const (
	Bilinear = "bilinear"
	Nearest  = "nearest"

	FillReflect  = "reflect"
	FillWrap     = "wrap"
	FillConstant = "constant"
	FillNearest  = "nearest"
)

// AffineTransform resamples a batch of channels-last images x (N, H, W, C)
// through an affine map per image, as keras.ops.image.affine_transform
// does: transforms holds 8 values [a0, a1, a2, b0, b1, b2, c0, c1] per
// image (c0 and c1 must be 0), mapping each output pixel (x, y) (column,
// row) to the input point
//
//	(a0·x + a1·y + a2, b0·x + b1·y + b2)
//
// which is sampled with interpolation "bilinear" or "nearest" (rounding
// half to even). Points outside the image are filled as fillMode says
// (Keras's jax.scipy.ndimage.map_coordinates semantics, per tap):
// "reflect" (d c b a | a b c d | d c b a), "wrap" (a b c d | a b c d),
// "nearest" (a a | a b c d | d d) or "constant" (fillValue). The gradient
// flows back to x through the same taps. It panics with a *ShapeError if
// x is not a batch of images or transforms does not hold 8 values per
// image, and for unknown modes.
func AffineTransform(x *Tensor, transforms []float32, interpolation, fillMode string, fillValue float32) *Tensor {
	if len(x.shape) != 4 {
		panic(shapeErr("AffineTransform", "want a batch of images (N, H, W, C)", x.shape))
	}
	if len(transforms) != 8*x.shape[0] {
		panic(shapeErr("AffineTransform", fmt.Sprintf("%d transform values for %d images (want 8 each)", len(transforms), x.shape[0]), x.shape))
	}
	code := affineModeCode(interpolation, fillMode)
	s := samplerFor(code)
	out := newOutRaw(x.shape, x)
	n, h, w, c := x.shape[0], x.shape[1], x.shape[2], x.shape[3]
	for i := range n {
		t := transforms[8*i : 8*i+8]
		in := x.data[i*h*w*c : (i+1)*h*w*c]
		o := out.data[i*h*w*c : (i+1)*h*w*c]
		for y := range h {
			for xx := range w {
				taps := s.taps(t, xx, y, h, w)
				dst := o[(y*w+xx)*c : (y*w+xx+1)*c]
				for ch := range dst {
					var v float32
					for _, tp := range taps.t[:taps.n] {
						if tp.off < 0 {
							v += tp.w * fillValue
						} else {
							v += tp.w * in[tp.off*c+ch]
						}
					}
					dst[ch] = v
				}
			}
		}
	}
	if nd := track(out, "AffineTransform", affineBackward, x); nd != nil {
		nd.fs = out.scratchRaw(len(transforms))
		copy(nd.fs, transforms)
		nd.groups[0] = code
	}
	return out
}

// affineSampler computes the taps of one output pixel.
type affineSampler struct {
	nearest bool  // nearest-neighbour rather than bilinear interpolation
	mode    uint8 // one of the fill* codes
}

const (
	fillReflect uint8 = iota
	fillWrap
	fillConstant
	fillNearest
)

var affineModes = [...][2]string{
	{Bilinear, FillReflect}, {Bilinear, FillWrap}, {Bilinear, FillConstant}, {Bilinear, FillNearest},
	{Nearest, FillReflect}, {Nearest, FillWrap}, {Nearest, FillConstant}, {Nearest, FillNearest},
}

// affineModeCode numbers an interpolation and fill mode, panicking for
// unknown ones.
func affineModeCode(interp, mode string) int {
	for i, m := range affineModes {
		if m[0] == interp && m[1] == mode {
			return i
		}
	}
	panic(fmt.Sprintf("tensor: AffineTransform: unknown interpolation %q or fill mode %q", interp, mode))
}

func samplerFor(code int) affineSampler {
	return affineSampler{nearest: code >= 4, mode: uint8(code % 4)}
}

// tap is one input pixel (off = row·W + col, or -1 for the fill value)
// and its weight.
type tap struct {
	off int
	w   float32
}

type tapSet struct {
	t [4]tap
	n int
}

// taps returns the weighted input pixels of output pixel (x, y).
func (s affineSampler) taps(t []float32, x, y, h, w int) tapSet {
	fx, fy := float32(x), float32(y)
	// Row and column coordinates in float32, as Keras computes them.
	r := fx*t[3] + fy*t[4] + t[5]
	q := fx*t[0] + fy*t[1] + t[2]
	var rows, cols [2]struct {
		i     int
		w     float32
		valid bool
	}
	nr := s.axis(r, h, &rows)
	nc := s.axis(q, w, &cols)
	var ts tapSet
	for a := range nr {
		for b := range nc {
			off := rows[a].i*w + cols[b].i
			if !rows[a].valid || !cols[b].valid {
				off = -1
			}
			ts.t[ts.n] = tap{off, rows[a].w * cols[b].w}
			ts.n++
		}
	}
	return ts
}

// axis fills the 1-D interpolation nodes of coordinate v on an axis of
// size n, with fixed indices and validity (constant mode only), and
// returns how many there are.
func (s affineSampler) axis(v float32, n int, nodes *[2]struct {
	i     int
	w     float32
	valid bool
}) int {
	if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
		// No pixel: the fill value in constant mode, else the first pixel.
		nodes[0].i, nodes[0].w, nodes[0].valid = 0, 1, s.mode != fillConstant
		return 1
	}
	if s.nearest {
		i := clampInt(math.RoundToEven(float64(v)))
		nodes[0].i, nodes[0].w, nodes[0].valid = s.fix(i, n), 1, s.valid(i, n)
		return 1
	}
	lo := math.Floor(float64(v))
	up := v - float32(lo)
	i := clampInt(lo)
	nodes[0].i, nodes[0].w, nodes[0].valid = s.fix(i, n), 1-up, s.valid(i, n)
	nodes[1].i, nodes[1].w, nodes[1].valid = s.fix(i+1, n), up, s.valid(i+1, n)
	return 2
}

// clampInt converts an integral float to int, bounded far outside any
// image so that the index arithmetic cannot overflow.
func clampInt(f float64) int {
	return int(max(min(f, 1<<40), -(1 << 40)))
}

func (s affineSampler) valid(i, n int) bool {
	return s.mode != fillConstant || (i >= 0 && i < n)
}

// fix maps an index outside [0, n) into it, as Keras's index fixers do.
func (s affineSampler) fix(i, n int) int {
	switch s.mode {
	case fillWrap:
		return floorMod(i, n)
	case fillReflect:
		// floor((mirror(2i+1, 2n+1) − 1) / 2), mirror(j, m) = |((j + m−1) mod 2(m−1)) − (m−1)|
		m := 2*n + 1
		p := m - 1
		j := floorMod(2*i+1+p, 2*p) - p
		if j < 0 {
			j = -j
		}
		return floorDiv(j-1, 2)
	}
	return min(max(i, 0), n-1) // nearest, and constant (where the tap is invalid)
}

func floorMod(a, n int) int {
	r := a % n
	if r < 0 {
		r += n
	}
	return r
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func affineBackward(o *Tensor) {
	nd := o.node
	x := nd.in[0]
	s := samplerFor(nd.groups[0])
	n, h, w, c := x.shape[0], x.shape[1], x.shape[2], x.shape[3]
	for i := range n {
		t := nd.fs[8*i : 8*i+8]
		dx := x.grad[i*h*w*c : (i+1)*h*w*c]
		g := o.grad[i*h*w*c : (i+1)*h*w*c]
		for y := range h {
			for xx := range w {
				taps := s.taps(t, xx, y, h, w)
				src := g[(y*w+xx)*c : (y*w+xx+1)*c]
				for _, tp := range taps.t[:taps.n] {
					if tp.off < 0 {
						continue
					}
					d := dx[tp.off*c : tp.off*c+c]
					for ch, v := range src {
						d[ch] += tp.w * v
					}
				}
			}
		}
	}
}

// FlipImages flips images of a channels-last batch x (N, H, W, C):
// image i is flipped left to right (horizontal) and/or upside down
// (vertical) where flip[i] is not 0, and copied otherwise, as Keras's
// RandomFlip does. The gradient flows back through the same flips.
// It panics with a *ShapeError if x is not a batch of images or flip does
// not have one value per image.
func FlipImages(x *Tensor, flip []float32, horizontal, vertical bool) *Tensor {
	if len(x.shape) != 4 || len(flip) != x.shape[0] {
		panic(shapeErr("FlipImages", fmt.Sprintf("want a batch of images (N, H, W, C) and one flag per image, got %d flags", len(flip)), x.shape))
	}
	out := newOutRaw(x.shape, x)
	flipCopy(out.data, x.data, x.shape, flip, horizontal, vertical, false)
	if nd := track(out, "FlipImages", flipBackward, x); nd != nil {
		nd.fs = out.scratchRaw(len(flip))
		copy(nd.fs, flip)
		nd.groups[0], nd.groups[1] = boolInt(horizontal), boolInt(vertical)
	}
	return out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// flipCopy writes (or, with add, adds) src flipped into dst.
func flipCopy(dst, src []float32, shape []int, flip []float32, horizontal, vertical, add bool) {
	h, w, c := shape[1], shape[2], shape[3]
	for i, f := range flip {
		base := i * h * w * c
		if f == 0 && !add {
			copy(dst[base:base+h*w*c], src[base:base+h*w*c])
			continue
		}
		for y := range h {
			sy := y
			if f != 0 && vertical {
				sy = h - 1 - y
			}
			for xx := range w {
				sx := xx
				if f != 0 && horizontal {
					sx = w - 1 - xx
				}
				d := dst[base+(y*w+xx)*c : base+(y*w+xx+1)*c]
				s := src[base+(sy*w+sx)*c : base+(sy*w+sx+1)*c]
				if add {
					for k, v := range s {
						d[k] += v
					}
				} else {
					copy(d, s)
				}
			}
		}
	}
}

func flipBackward(o *Tensor) {
	nd := o.node
	x := nd.in[0]
	flipCopy(x.grad, o.grad, x.shape, nd.fs, nd.groups[0] == 1, nd.groups[1] == 1, true)
}

// AdjustContrast adjusts the contrast of the images of a channels-last
// batch x (N, H, W, C) as Keras's RandomContrast does: with m the mean of
// each image's channel over its pixels,
//
//	y = clip((x − m)·factor[i] + m, lo, hi)
//
// for image i. The gradient flows back to x (through m too). It panics
// with a *ShapeError if x is not a batch of images or factor does not
// have one value per image.
func AdjustContrast(x *Tensor, factor []float32, lo, hi float32) *Tensor {
	if len(x.shape) != 4 || len(factor) != x.shape[0] {
		panic(shapeErr("AdjustContrast", fmt.Sprintf("want a batch of images (N, H, W, C) and one factor per image, got %d factors", len(factor)), x.shape))
	}
	n, hw, c := x.shape[0], x.shape[1]*x.shape[2], x.shape[3]
	out := newOutRaw(x.shape, x)
	means := out.scratch(n * c)
	for i := range n {
		m := means[i*c : (i+1)*c]
		img := x.data[i*hw*c : (i+1)*hw*c]
		for p := range hw {
			for k, v := range img[p*c : (p+1)*c] {
				m[k] += v
			}
		}
		for k := range m {
			m[k] /= float32(hw)
		}
		f := factor[i]
		o := out.data[i*hw*c : (i+1)*hw*c]
		for p := range hw {
			for k, v := range img[p*c : (p+1)*c] {
				o[p*c+k] = min(max((v-m[k])*f+m[k], lo), hi)
			}
		}
	}
	if nd := track(out, "AdjustContrast", contrastBackward, x); nd != nil {
		st := out.scratchRaw(n + 2)
		copy(st, factor)
		st[n], st[n+1] = lo, hi
		nd.fs = st
		nd.norm.invstd = means
	}
	return out
}

func contrastBackward(o *Tensor) {
	nd := o.node
	x := nd.in[0]
	n, hw, c := x.shape[0], x.shape[1]*x.shape[2], x.shape[3]
	lo, hi := nd.fs[n], nd.fs[n+1]
	sums := o.scratch(c)
	for i := range n {
		f, m := nd.fs[i], nd.norm.invstd[i*c:(i+1)*c]
		img, g, dx := x.data[i*hw*c:(i+1)*hw*c], o.grad[i*hw*c:(i+1)*hw*c], x.grad[i*hw*c:(i+1)*hw*c]
		clear(sums)
		// Where the clip is not active, dy/dx = f, plus (1 − f)/HW
		// through the mean to every pixel of the channel.
		for p := range hw {
			for k, v := range img[p*c : (p+1)*c] {
				if u := (v-m[k])*f + m[k]; u >= lo && u <= hi {
					gv := g[p*c+k]
					dx[p*c+k] += gv * f
					sums[k] += gv
				}
			}
		}
		for p := range hw {
			for k := range c {
				dx[p*c+k] += sums[k] * (1 - f) / float32(hw)
			}
		}
	}
}
