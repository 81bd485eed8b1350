package layers

import (
	"fmt"
	"math/rand/v2"

	"github.com/neuron-go/neuron/tensor"
)

// AveragePooling2D downsamples channels-last images by averaging each
// PoolSize window, moving the window by Strides; each channel is pooled
// separately. It has no weights. With "same" padding a window that
// overhangs the image averages only the elements inside it, as Keras's
// TensorFlow backend does.
//
// Shapes: (batch, height, width, channels) → (batch, outHeight, outWidth,
// channels), with the output sizes of MaxPooling2D.
type AveragePooling2D struct {
	// PoolSize is the (height, width) of the window. Keras has no default
	// for it, and neither does this layer: the zero value is an error.
	PoolSize [2]int
	// Strides is the step of the window; the zero value means PoolSize.
	Strides [2]int
	// Padding is "valid" (the default when empty) or "same".
	Padding string

	pool2D
}

// ClassName implements Layer.
func (*AveragePooling2D) ClassName() string { return "AveragePooling2D" }

// Build implements Layer.
func (l *AveragePooling2D) Build(in []int, _ *rand.Rand) ([]int, error) {
	return l.build("AveragePooling2D", l.PoolSize, l.Strides, l.Padding, nil, in)
}

// Call implements Layer.
func (l *AveragePooling2D) Call(x *tensor.Tensor, _ bool) *tensor.Tensor {
	checkBatch("AveragePooling2D", x, l.in)
	return tensor.AvgPool2D(x, l.pool, l.strides, l.padding)
}

// Weights implements Layer.
func (*AveragePooling2D) Weights() []*Weight { return nil }

// Plan implements Planner.
func (l *AveragePooling2D) Plan(in []int) ([]int, []WeightShape, error) {
	c := *l // Build records what it computed; keep l as it is
	out, err := c.Build(in, nil)
	return out, nil, err
}

// pool2D holds what a 2D pooling layer's Build computed.
type pool2D struct {
	pool, strides [2]int
	padding       string
	in            []int
}

// poolSettings2D resolves a 2D pooling layer's fields: the zero PoolSize means
// *def, or is an error if def is nil (Keras's pool_size without default).
func poolSettings2D(name string, poolSize, strides [2]int, padding string, def *[2]int) ([2]int, [2]int, string, error) {
	pool := poolSize
	if pool == ([2]int{}) {
		if def == nil {
			return pool, strides, "", fmt.Errorf("layers: %s: PoolSize is required (Keras's pool_size has no default)", name)
		}
		pool = *def
	}
	if pool[0] <= 0 || pool[1] <= 0 {
		return pool, strides, "", fmt.Errorf("layers: %s: PoolSize must be positive, got %v", name, poolSize)
	}
	strides, err := windowStrides(name, strides, pool)
	if err != nil {
		return pool, strides, "", err
	}
	pad, err := windowPadding(name, padding)
	return pool, strides, pad, err
}

// build checks the settings against the input shape and records them.
func (p *pool2D) build(name string, poolSize, strides [2]int, padding string, def *[2]int, in []int) ([]int, error) {
	pool, strides, padding, err := poolSettings2D(name, poolSize, strides, padding, def)
	if err != nil {
		return nil, err
	}
	out, err := windowOutput(name, "pool", in, pool, strides, padding)
	if err != nil {
		return nil, err
	}
	p.pool, p.strides, p.padding, p.in = pool, strides, padding, append([]int(nil), in...)
	return out, nil
}

// The layer's Keras config (get_config and from_config), registered as a
// custom layer would be.
func init() { Register("AveragePooling2D", decodeAveragePooling2D) }

// Config implements Configurable.
func (l *AveragePooling2D) Config() (any, error) {
	pool, strides, padding, err := poolSettings2D("AveragePooling2D", l.PoolSize, l.Strides, l.Padding, nil)
	if err != nil {
		return nil, err
	}
	return pool2DConfig{pool, strides, padding, "channels_last"}, nil
}

func decodeAveragePooling2D(b []byte) (Layer, error) {
	c, err := decodePool2DConfig(b, nil)
	if err != nil {
		return nil, err
	}
	return &AveragePooling2D{PoolSize: c.PoolSize, Strides: c.Strides, Padding: c.Padding}, nil
}

// decodePool2DConfig decodes the config of a 2D pooling layer; def is
// pool_size's default (nil: the key is required).
func decodePool2DConfig(b []byte, def *[2]int) (pool2DConfig, error) {
	c := pool2DConfig{Padding: "valid", DataFormat: "channels_last"}
	if def != nil {
		c.PoolSize = *def
	}
	if err := DecodeConfig(b, &c); err != nil {
		return c, err
	}
	switch {
	case c.PoolSize[0] <= 0 || c.PoolSize[1] <= 0:
		return c, fmt.Errorf("pool_size must be positive, got %v", c.PoolSize)
	case c.Strides == ([2]int{}):
		c.Strides = c.PoolSize // absent: Keras's strides=None
	case c.Strides[0] <= 0 || c.Strides[1] <= 0:
		return c, fmt.Errorf("strides must be positive, got %v", c.Strides)
	}
	if c.Padding != "valid" && c.Padding != "same" {
		return c, fmt.Errorf(`padding must be "valid" or "same", got %q`, c.Padding)
	}
	return c, checkDataFormat(c.DataFormat)
}
