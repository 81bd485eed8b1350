// Package digit turns a drawing into the 28×28 grey image MNIST's digits
// are, so that a model trained on MNIST sees a drawn digit as it saw its
// training data.
//
// MNIST's images were made from scanned digits in three steps, described
// with the data set: each digit was scaled, keeping its aspect ratio, to
// fit a 20×20 box (anti-aliased, which gives grey levels), then placed in
// a 28×28 field so that its centre of mass falls on the field's centre.
// Ink is white (255) on black (0). Preprocess does the same to a drawing.
package digit

import (
	"fmt"
	"math"
)

// Image geometry of MNIST.
const (
	// Size is the side of an MNIST image in pixels.
	Size = 28
	// Box is the side of the box a digit is scaled to fit.
	Box = 20
)

// Preprocess returns the 28×28 image, row by row, of a drawing given as
// RGBA bytes (4 per pixel, rows top to bottom, as a canvas's getImageData
// gives them) of a w×h picture with light ink on a dark background.
//
// Each pixel's grey level is its luminance (0.299 R + 0.587 G + 0.114 B,
// composited over black by its alpha). The bounding box of the pixels
// with any ink is scaled by area averaging so that its longer side is 20
// pixels, then shifted by whole pixels so that its centre of mass is the
// centre of the 28×28 image; levels are rounded to integers 0..255, as
// MNIST's uint8 pixels are. A drawing with no ink gives a black image.
func Preprocess(rgba []byte, w, h int) ([]uint8, error) {
	switch {
	case w <= 0 || h <= 0:
		return nil, fmt.Errorf("digit: width and height must be positive, got %d×%d", w, h)
	case w > 1<<14 || h > 1<<14:
		return nil, fmt.Errorf("digit: a drawing of %d×%d pixels is larger than 16384×16384", w, h)
	case len(rgba) != 4*w*h:
		return nil, fmt.Errorf("digit: rgba has %d bytes, a %d×%d RGBA picture has %d", len(rgba), w, h, 4*w*h)
	}
	grey := make([]float64, w*h)
	x0, y0, x1, y1 := w, h, -1, -1
	for y := range h {
		for x := range w {
			p := rgba[4*(y*w+x):]
			g := (0.299*float64(p[0]) + 0.587*float64(p[1]) + 0.114*float64(p[2])) * float64(p[3]) / 255
			grey[y*w+x] = g
			if g > 0 {
				x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
			}
		}
	}
	out := make([]uint8, Size*Size)
	if x1 < 0 {
		return out, nil
	}
	bw, bh := x1-x0+1, y1-y0+1
	scale := float64(Box) / float64(max(bw, bh))
	tw := max(1, int(math.Round(float64(bw)*scale)))
	th := max(1, int(math.Round(float64(bh)*scale)))
	// The box filter is separable: average along x into th×… rows of tw,
	// weighting each source pixel by how much of it a target pixel covers.
	wx, wy := coverage(bw, tw), coverage(bh, th)
	rows := make([]float64, bh*tw)
	for y := range bh {
		src := grey[(y0+y)*w+x0:]
		for _, c := range wx {
			rows[y*tw+c.dst] += c.w * src[c.src]
		}
	}
	small := make([]float64, th*tw)
	for _, c := range wy {
		for x := range tw {
			small[c.dst*tw+x] += c.w * rows[c.src*tw+x]
		}
	}
	// Centre of mass, with pixel i's centre at i+0.5.
	var sum, sx, sy float64
	for y := range th {
		for x := range tw {
			v := small[y*tw+x]
			sum += v
			sx += v * (float64(x) + 0.5)
			sy += v * (float64(y) + 0.5)
		}
	}
	ox := int(math.Round(Size/2 - sx/sum))
	oy := int(math.Round(Size/2 - sy/sum))
	for y := range th {
		for x := range tw {
			X, Y := x+ox, y+oy
			if X < 0 || Y < 0 || X >= Size || Y >= Size {
				continue
			}
			out[Y*Size+X] = uint8(math.Round(min(255, max(0, small[y*tw+x]))))
		}
	}
	return out, nil
}

// contrib is the share w of source pixel src in target pixel dst.
type contrib struct {
	src, dst int
	w        float64
}

// coverage returns, for n source pixels averaged into m target pixels,
// each pair's weight: the length of their overlap on the source axis
// divided by a target pixel's length n/m, so that a target pixel is the
// mean of what it covers.
func coverage(n, m int) []contrib {
	var cs []contrib
	step := float64(n) / float64(m)
	for d := range m {
		lo, hi := float64(d)*step, float64(d+1)*step
		for s := int(lo); s < n && float64(s) < hi; s++ {
			if ov := math.Min(hi, float64(s+1)) - math.Max(lo, float64(s)); ov > 0 {
				cs = append(cs, contrib{s, d, ov / step})
			}
		}
	}
	return cs
}
