package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Dropout returns x with each element set to zero with probability rate and
// the others scaled by 1/(1−rate) (inverted dropout, as Keras's Dropout layer
// applies while training), so that the expected value of every element is
// unchanged. The mask is drawn from rng; the same stream gives the same mask.
// The gradient is the upstream gradient times the same mask.
//
// rate must be in [0, 1); with rate 0, Dropout returns x itself. It panics
// for other rates.
func Dropout(x *Tensor, rate float32, rng *rand.Rand) *Tensor {
	if !(rate >= 0 && rate < 1) {
		panic(fmt.Sprintf("tensor: Dropout: rate must be in [0, 1), got %v", rate))
	}
	if rate == 0 {
		return x
	}
	mask := x.scratchRaw(len(x.data)) // from x's arena if it has one; every element is set below
	fillDropout(mask, rate, rng)
	return DropoutMask(x, mask)
}

// DropoutMask returns x ⊙ mask for a mask of x's size (in row-major order),
// holding 0 for dropped elements and 1/(1−rate) for kept ones; d/dx = mask.
// It is Dropout with a mask chosen by the caller, e.g. to fix the mask in a
// test. The mask is not copied and must not change until Backward has run.
// It panics with a *ShapeError if the mask does not have x's size.
func DropoutMask(x *Tensor, mask []float32) *Tensor {
	if len(mask) != len(x.data) {
		panic(shapeErr("DropoutMask", fmt.Sprintf("mask has %d values", len(mask)), x.shape))
	}
	out := newOutRaw(x.shape, x)
	xd, od := x.data[:len(mask)], out.data[:len(mask)]
	for i, m := range mask {
		od[i] = xd[i] * m
	}
	if n := track(out, "Dropout", dropoutBackward, x); n != nil {
		n.fs = mask
	}
	return out
}

func dropoutBackward(o *Tensor) {
	mask := o.node.fs
	gy, dx := o.grad[:len(mask)], o.node.in[0].grad[:len(mask)]
	for i, m := range mask {
		dx[i] += gy[i] * m
	}
}

// fillDropout draws an inverted-dropout mask: 0 with probability rate,
// else 1/(1−rate).
func fillDropout(mask []float32, rate float32, rng *rand.Rand) {
	// Comparing 32-bit draws with a threshold gets two decisions from each
	// 64-bit draw; its resolution (2⁻³²) is finer than Float32's (2⁻²⁴).
	thr := uint32(float64(rate) * (1 << 32))
	scale := math.Float32bits(1 / (1 - rate))
	// keep returns scale's bits if the draw u keeps its element, else 0,
	// without a branch: a coin flip per element would defeat prediction.
	keep := func(u uint32) float32 {
		var k uint32
		if u >= thr { // compiled to SETcc
			k = 1
		}
		return math.Float32frombits(scale & -k)
	}
	i := 0
	for ; i+2 <= len(mask); i += 2 {
		r := rng.Uint64()
		mask[i], mask[i+1] = keep(uint32(r)), keep(uint32(r>>32))
	}
	if i < len(mask) {
		mask[i] = keep(uint32(rng.Uint64()))
	}
}

// DropoutMasks draws n inverted-dropout mask values, 0 with probability
// rate and 1/(1−rate) otherwise, from rng into memory of like's arena (if
// it has one), where they stay until the arena is reset: the masks a
// recurrent op's RNNOptions take. It panics unless rate is in [0, 1).
func DropoutMasks(like *Tensor, n int, rate float32, rng *rand.Rand) []float32 {
	if !(rate >= 0 && rate < 1) {
		panic(fmt.Sprintf("tensor: DropoutMasks: rate must be in [0, 1), got %v", rate))
	}
	m := like.scratchRaw(n)
	fillDropout(m, rate, rng)
	return m
}
