package layers

import (
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

	pool2D
}

// ClassName implements Layer.
func (*MaxPooling2D) ClassName() string { return "MaxPooling2D" }

// Build implements Layer.
func (l *MaxPooling2D) Build(in []int, _ *rand.Rand) ([]int, error) {
	return l.build("MaxPooling2D", l.PoolSize, l.Strides, l.Padding, &defaultPool2D, in)
}

// defaultPool2D is Keras's pool_size=(2, 2) of MaxPooling2D.
var defaultPool2D = [2]int{2, 2}

// Call implements Layer.
func (l *MaxPooling2D) Call(x *tensor.Tensor, _ bool) *tensor.Tensor {
	checkBatch("MaxPooling2D", x, l.in)
	return tensor.MaxPool2D(x, l.pool, l.strides, l.padding)
}

// Weights implements Layer.
func (*MaxPooling2D) Weights() []*Weight { return nil }

// The layer's Keras config (get_config and from_config), registered as a
// custom layer would be.
func init() { Register("MaxPooling2D", decodeMaxPooling2D) }

// pool2DConfig is the Keras config of the 2D pooling layers.
type pool2DConfig struct {
	PoolSize   [2]int `json:"pool_size"`
	Strides    [2]int `json:"strides"`
	Padding    string `json:"padding"`
	DataFormat string `json:"data_format"`
}

// Config implements Configurable.
func (l *MaxPooling2D) Config() (any, error) {
	pool, strides, padding, err := poolSettings2D("MaxPooling2D", l.PoolSize, l.Strides, l.Padding, &defaultPool2D)
	if err != nil {
		return nil, err
	}
	return pool2DConfig{pool, strides, padding, "channels_last"}, nil
}

func decodeMaxPooling2D(b []byte) (Layer, error) {
	c, err := decodePool2DConfig(b, &defaultPool2D)
	if err != nil {
		return nil, err
	}
	return &MaxPooling2D{PoolSize: c.PoolSize, Strides: c.Strides, Padding: c.Padding}, nil
}

// Plan implements Planner.
func (l *MaxPooling2D) Plan(in []int) ([]int, []WeightShape, error) {
	c := *l // Build records what it computed; keep l as it is
	out, err := c.Build(in, nil)
	return out, nil, err
}
