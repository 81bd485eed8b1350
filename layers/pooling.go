package layers

import (
	"fmt"
	"math/rand/v2"

	"github.com/neuron-go/neuron/tensor"
)

// MaxPooling2D downsamples channels-last images by taking the maximum of
// each PoolSize window, moving the window by Strides; each channel is pooled
// separately. It has no weights.
//
// Shapes: (batch, height, width, channels) → (batch, outHeight, outWidth,
// channels), with outHeight = ⌊(height − PoolSize[0]) / Strides[0]⌋ + 1 for
// "valid" padding and ⌈height / Strides[0]⌉ for "same" (likewise for the
// width). The default 2×2 pool halves the size, rounding down: 26 → 13,
// 11 → 5, 3 → 1.
type MaxPooling2D struct {
	// PoolSize is the (height, width) of the window; the zero value means
	// {2, 2}.
	PoolSize [2]int
	// Strides is the step of the window; the zero value means PoolSize
	// (windows that do not overlap).
	Strides [2]int
	// Padding is "valid" (the default when empty: windows that would
	// overhang the input are dropped) or "same" (they are kept and the
	// overhang ignored).
	Padding string

	pool, strides [2]int
	padding       string
	in            []int
}

// ClassName implements Layer.
func (*MaxPooling2D) ClassName() string { return "MaxPooling2D" }

// Build implements Layer.
func (l *MaxPooling2D) Build(in []int, _ *rand.Rand) ([]int, error) {
	const name = "MaxPooling2D"
	pool := l.PoolSize
	if pool == ([2]int{}) {
		pool = [2]int{2, 2}
	}
	if pool[0] <= 0 || pool[1] <= 0 {
		return nil, fmt.Errorf("layers: %s: PoolSize must be positive, got %v", name, l.PoolSize)
	}
	strides, err := windowStrides(name, l.Strides, pool)
	if err != nil {
		return nil, err
	}
	padding, err := windowPadding(name, l.Padding)
	if err != nil {
		return nil, err
	}
	out, err := windowOutput(name, "pool", in, pool, strides, padding)
	if err != nil {
		return nil, err
	}
	l.pool, l.strides, l.padding, l.in = pool, strides, padding, append([]int(nil), in...)
	return out, nil
}

// Call implements Layer.
func (l *MaxPooling2D) Call(x *tensor.Tensor, _ bool) *tensor.Tensor {
	checkBatch("MaxPooling2D", x, l.in)
	return tensor.MaxPool2D(x, l.pool, l.strides, l.padding)
}

// Weights implements Layer.
func (*MaxPooling2D) Weights() []*Weight { return nil }
