package tensor

import (
	"fmt"
	"math"
)

// Category encodings of CategoryEncode, as Keras names them.
const (
	OneHot   = "one_hot"
	MultiHot = "multi_hot"
	Count    = "count"
)

// CategoryEncode encodes integer token ids (stored as float32) into
// vectors of depth values, as Keras's CategoryEncoding does:
//
//   - "one_hot": each value becomes a vector with a 1 at its id; the
//     result has x's shape with an axis of depth appended, or replacing a
//     last axis of size 1.
//   - "multi_hot": each row (the last axis) becomes one vector with a 1
//     at every id it holds; the last axis is replaced by depth.
//   - "count": as multi_hot, counting how often each id occurs.
//
// A value that is not an id in [0, depth) (after truncation toward zero,
// as Keras's cast to int; NaN included) contributes nothing. The result
// has no gradient. It panics for other modes or a depth below 1.
func CategoryEncode(x *Tensor, depth int, mode string) *Tensor {
	if depth < 1 {
		panic(fmt.Sprintf("tensor: CategoryEncode: depth must be >= 1, got %d", depth))
	}
	if len(x.shape) == 0 {
		panic(shapeErr("CategoryEncode", "x is a scalar", x.shape))
	}
	var buf [8]int
	shape := append(buf[:0], x.shape...)
	switch mode {
	case OneHot:
		if len(shape) > 1 && shape[len(shape)-1] == 1 {
			shape = shape[:len(shape)-1]
		}
		shape = append(shape, depth)
	case MultiHot, Count:
		shape[len(shape)-1] = depth
	default:
		panic(fmt.Sprintf("tensor: CategoryEncode: unknown mode %q", mode))
	}
	out := newOut(shape, x)
	id := func(v float32) int {
		if !(v > -1 && v < float32(depth)) { // NaN too
			return -1
		}
		return int(v)
	}
	if mode == OneHot {
		for i, v := range x.data {
			if j := id(v); j >= 0 {
				out.data[i*depth+j] = 1
			}
		}
		return out
	}
	k := x.shape[len(x.shape)-1]
	for r := 0; r*k < len(x.data); r++ {
		o := out.data[r*depth : (r+1)*depth]
		for _, v := range x.data[r*k : (r+1)*k] {
			if j := id(v); j >= 0 {
				if mode == Count {
					o[j]++
				} else {
					o[j] = 1
				}
			}
		}
	}
	return out
}

// Digitize returns, for each value of x, the index of the bucket it falls
// in among sorted boundaries, as numpy.digitize (and Keras's
// Discretization) does: i such that boundaries[i−1] <= v < boundaries[i],
// from 0 to len(boundaries). NaN goes to the last bucket, as in NumPy.
// The result has x's shape and no gradient.
func Digitize(x *Tensor, boundaries []float32) *Tensor {
	out := newOutRaw(x.shape, x)
	for i, v := range x.data {
		if math.IsNaN(float64(v)) {
			out.data[i] = float32(len(boundaries))
			continue
		}
		lo, hi := 0, len(boundaries) // the first boundary > v is in [lo, hi]
		for lo < hi {
			m := int(uint(lo+hi) >> 1)
			if boundaries[m] > v {
				hi = m
			} else {
				lo = m + 1
			}
		}
		out.data[i] = float32(lo)
	}
	return out
}
