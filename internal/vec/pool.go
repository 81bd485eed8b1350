package vec

import (
	"fmt"
	"math"
)

// The max-pooling kernels work on channels-last data, where one position of
// a pooling window is c contiguous channels. They take n windows at once:
// window o covers the positions src[o·step+offs[e] :][:c] for every e, so
// offs lists the window's positions (in floats, relative to the window's
// origin) and step is the distance between the origins of consecutive
// windows. The positions are visited in the order of offs.
//
// Results do not depend on the path (AVX-512, AVX2 or Go): a later position
// replaces the running maximum where it is strictly greater or NaN, so ties
// go to the earliest position and a NaN anywhere in a window makes the
// window's maximum NaN, with its gradient going to the last NaN, as
// PyTorch's max pooling does (it tests val > max || isnan(val)).

// MaxPool sets dst[o·c+ch] to the maximum of channel ch over window o, for
// o in [0, n).
func MaxPool(dst, src []float32, offs []int32, n, c, step int) {
	if n == 0 {
		return
	}
	checkWindows("MaxPool", len(src), offs, n, c, step)
	checkLen("MaxPool", "dst", len(dst), n*c)
	if maxPoolAsm(dst, src, offs, n, c, step) {
		return
	}
	maxPoolGo(dst, src, offs, n, c, step)
}

// MaxPoolArg is MaxPool that also records, in arg[o·c+ch], where the
// maximum was found: base + o·step + offs[e] + ch for the winning position
// e, i.e. the offset of the winner when src starts at offset base of the
// caller's data. Every such offset must fit in an int32.
func MaxPoolArg(dst []float32, arg []int32, src []float32, offs []int32, base, n, c, step int) {
	if n == 0 {
		return
	}
	hi := checkWindows("MaxPoolArg", len(src), offs, n, c, step)
	if base < 0 || base+hi > 1<<31-1 {
		panic(fmt.Sprintf("vec: MaxPoolArg: offsets [%d, %d) do not fit in int32", base, base+hi))
	}
	checkLen("MaxPoolArg", "dst", len(dst), n*c)
	checkLen("MaxPoolArg", "arg", len(arg), n*c)
	if maxPoolArgAsm(dst, arg, src, offs, base, n, c, step) {
		return
	}
	maxPoolArgGo(dst, arg, src, offs, base, n, c, step)
}

// MaxPoolBackward is the adjoint of MaxPoolArg: for every window o and
// channel ch it adds g[o·c+ch] to dx at the position arg[o·c+ch] recorded
// by MaxPoolArg (with dx in place of src and the same base, offs, n, c and
// step). Windows are processed in order, so where windows overlap, the
// additions to an element happen in the same order on every path. Elements
// that receive nothing are left untouched (a −0 stays −0).
func MaxPoolBackward(dx, g []float32, arg []int32, offs []int32, base, n, c, step int) {
	if n == 0 {
		return
	}
	checkWindows("MaxPoolBackward", len(dx), offs, n, c, step)
	checkLen("MaxPoolBackward", "g", len(g), n*c)
	checkLen("MaxPoolBackward", "arg", len(arg), n*c)
	if maxPoolBackwardAsm(dx, g, arg, offs, base, n, c, step) {
		return
	}
	maxPoolBackwardGo(dx, g, arg, offs, base, n, c, step)
}

// checkWindows panics unless n windows fit in a slice of length size, and
// returns the end of the last window.
func checkWindows(op string, size int, offs []int32, n, c, step int) int {
	if n < 0 || c <= 0 || step < 0 || len(offs) == 0 {
		panic(fmt.Sprintf("vec: %s: bad window geometry n=%d c=%d step=%d with %d positions", op, n, c, step, len(offs)))
	}
	last := 0
	for _, e := range offs {
		if e < 0 {
			panic(fmt.Sprintf("vec: %s: negative position offset %d", op, e))
		}
		last = max(last, int(e))
	}
	end := (n-1)*step + last + c
	if end > size {
		panic(fmt.Sprintf("vec: %s: windows end at %d, beyond the data's %d", op, end, size))
	}
	return end
}

// checkLen panics if a slice of length have is shorter than want.
func checkLen(op, name string, have, want int) {
	if have < want {
		panic(fmt.Sprintf("vec: %s: %s has %d elements, want %d", op, name, have, want))
	}
}

func maxPoolGo(dst, src []float32, offs []int32, n, c, step int) {
	for o := 0; o < n; o++ {
		d := dst[o*c : (o+1)*c]
		w := src[o*step:]
		copy(d, w[offs[0]:int(offs[0])+c])
		for _, e := range offs[1:] {
			maxRow(d, w[e:int(e)+c])
		}
	}
}

func maxPoolArgGo(dst []float32, arg []int32, src []float32, offs []int32, base, n, c, step int) {
	for o := 0; o < n; o++ {
		d := dst[o*c : (o+1)*c]
		a := arg[o*c : (o+1)*c]
		w := src[o*step:]
		org := int32(base + o*step)
		copy(d, w[offs[0]:int(offs[0])+c])
		for ch := range a {
			a[ch] = org + offs[0] + int32(ch)
		}
		for _, e := range offs[1:] {
			maxRowArg(d, a, w[e:int(e)+c], org+e)
		}
	}
}

func maxPoolBackwardGo(dx, g []float32, arg []int32, offs []int32, base, n, c, step int) {
	for o := 0; o < n; o++ {
		gs := g[o*c : (o+1)*c]
		a := arg[o*c : (o+1)*c]
		w := dx[o*step:]
		org := int32(base + o*step)
		for _, e := range offs {
			d := w[e : int(e)+c]
			at := org + e
			for ch, v := range gs {
				if a[ch] == at+int32(ch) {
					d[ch] += v
				}
			}
		}
	}
}

// maxRow sets d = v where v > d or v is NaN, elementwise: it keeps d for ±0
// ties and once d is NaN. Which of two random values is
// larger is a coin flip that defeats branch prediction, so the select is
// done with a bit mask (twice as fast as an if on conv outputs).
func maxRow(d, s []float32) {
	s = s[:len(d)]
	for i, v := range s {
		x := d[i]
		var gt uint32
		if v > x || v != v { // compiled to SETcc, not a branch
			gt = 1
		}
		m := -gt
		d[i] = math.Float32frombits(math.Float32bits(v)&m | math.Float32bits(x)&^m)
	}
}

// maxRowArg is maxRow that also sets a[i] = at+i where s[i] wins.
func maxRowArg(d []float32, a []int32, s []float32, at int32) {
	s, a = s[:len(d)], a[:len(d)]
	for i, v := range s {
		x := d[i]
		var gt int32
		if v > x || v != v {
			gt = 1
		}
		m := -gt
		d[i] = math.Float32frombits(math.Float32bits(v)&uint32(m) | math.Float32bits(x)&^uint32(m))
		a[i] = (at+int32(i))&m | a[i]&^m
	}
}
