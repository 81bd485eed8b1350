package layers

import (
	"fmt"
	"math/rand/v2"

	"github.com/neuron-go/neuron/tensor"
)

// MaxPooling1D downsamples sequences (batch, steps, features) by taking
// the maximum of each PoolSize window of steps, moving the window by
// Strides; each feature is pooled separately. It has no weights.
//
// Shapes: (batch, steps, features) → (batch, outSteps, features), with
// outSteps = ⌊(steps − PoolSize) / Strides⌋ + 1 for "valid" padding and
// ⌈steps / Strides⌉ for "same".
type MaxPooling1D struct {
	// PoolSize is the window's length; the zero value means Keras's 2.
	PoolSize int
	// Strides is the step of the window; the zero value means PoolSize.
	Strides int
	// Padding is "valid" (the default when empty) or "same".
	Padding string

	pool1D
}

// ClassName implements Layer.
func (*MaxPooling1D) ClassName() string { return "MaxPooling1D" }

// Build implements Layer.
func (l *MaxPooling1D) Build(in []int, _ *rand.Rand) ([]int, error) {
	return l.build("MaxPooling1D", l.PoolSize, l.Strides, l.Padding, 2, in)
}

// Call implements Layer.
func (l *MaxPooling1D) Call(x *tensor.Tensor, _ bool) *tensor.Tensor {
	return l.call("MaxPooling1D", x, tensor.MaxPool2D)
}

// Weights implements Layer.
func (*MaxPooling1D) Weights() []*Weight { return nil }

// Plan implements Planner.
func (l *MaxPooling1D) Plan(in []int) ([]int, []WeightShape, error) {
	c := *l
	out, err := c.Build(in, nil)
	return out, nil, err
}

// AveragePooling1D downsamples sequences (batch, steps, features) by
// averaging each PoolSize window of steps, moving the window by Strides.
// With "same" padding a window that overhangs the sequence averages only
// the steps inside it. It has no weights; shapes as MaxPooling1D.
type AveragePooling1D struct {
	// PoolSize is the window's length. Keras has no default for it, and
	// neither does this layer: zero is an error.
	PoolSize int
	// Strides is the step of the window; the zero value means PoolSize.
	Strides int
	// Padding is "valid" (the default when empty) or "same".
	Padding string

	pool1D
}

// ClassName implements Layer.
func (*AveragePooling1D) ClassName() string { return "AveragePooling1D" }

// Build implements Layer.
func (l *AveragePooling1D) Build(in []int, _ *rand.Rand) ([]int, error) {
	return l.build("AveragePooling1D", l.PoolSize, l.Strides, l.Padding, 0, in)
}

// Call implements Layer.
func (l *AveragePooling1D) Call(x *tensor.Tensor, _ bool) *tensor.Tensor {
	return l.call("AveragePooling1D", x, tensor.AvgPool2D)
}

// Weights implements Layer.
func (*AveragePooling1D) Weights() []*Weight { return nil }

// Plan implements Planner.
func (l *AveragePooling1D) Plan(in []int) ([]int, []WeightShape, error) {
	c := *l
	out, err := c.Build(in, nil)
	return out, nil, err
}

// pool1D holds what a 1D pooling layer's Build computed. The layers pool a
// sequence as an image of height 1, whose reshapes cost no copies.
type pool1D struct {
	pool2D
	out []int
}

// poolSettings1D resolves a 1D pooling layer's fields; def is the default
// PoolSize (0: required).
func poolSettings1D(name string, poolSize, strides int, padding string, def int) (int, int, string, error) {
	if poolSize == 0 {
		if def == 0 {
			return 0, 0, "", fmt.Errorf("layers: %s: PoolSize is required (Keras's pool_size has no default)", name)
		}
		poolSize = def
	}
	if poolSize < 0 {
		return 0, 0, "", fmt.Errorf("layers: %s: PoolSize must be positive, got %d", name, poolSize)
	}
	if strides < 0 {
		return 0, 0, "", fmt.Errorf("layers: %s: Strides must be positive, got %d", name, strides)
	}
	if strides == 0 {
		strides = poolSize
	}
	pad, err := windowPadding(name, padding)
	return poolSize, strides, pad, err
}

func (p *pool1D) build(name string, poolSize, strides int, padding string, def int, in []int) ([]int, error) {
	pool, stride, pad, err := poolSettings1D(name, poolSize, strides, padding, def)
	if err != nil {
		return nil, err
	}
	if len(in) != 2 {
		return nil, fmt.Errorf("layers: %s: want examples of rank 2 (steps, features), got shape %v", name, in)
	}
	if err := checkOutput(name, "input", in); err != nil {
		return nil, err
	}
	steps, _ := tensor.ConvOutputSize(in[0], pool, stride, pad)
	if steps <= 0 {
		return nil, fmt.Errorf("layers: %s: the pool of %d steps does not fit the %d-step input with %q padding", name, pool, in[0], pad)
	}
	p.pool, p.strides, p.padding = [2]int{1, pool}, [2]int{1, stride}, pad
	p.in, p.out = append([]int(nil), in...), []int{steps, in[1]}
	return p.out, nil
}

// call pools x as a batch of images of height 1.
func (p *pool1D) call(name string, x *tensor.Tensor, pool func(x *tensor.Tensor, pool, strides [2]int, padding string) *tensor.Tensor) *tensor.Tensor {
	checkBatch(name, x, p.in)
	n := x.Dim(0)
	y := pool(x.Reshape(n, 1, p.in[0], p.in[1]), p.pool, p.strides, p.padding)
	return y.Reshape(n, p.out[0], p.out[1])
}

// The layers' Keras configs (get_config and from_config), registered as a
// custom layer would be. Keras writes pool_size and strides as 1-tuples.
func init() {
	Register("MaxPooling1D", decodeMaxPooling1D)
	Register("AveragePooling1D", decodeAveragePooling1D)
}

type pool1DConfig struct {
	PoolSize   [1]int `json:"pool_size"`
	Strides    [1]int `json:"strides"`
	Padding    string `json:"padding"`
	DataFormat string `json:"data_format"`
}

// Config implements Configurable.
func (l *MaxPooling1D) Config() (any, error) {
	return pool1DConfigOf("MaxPooling1D", l.PoolSize, l.Strides, l.Padding, 2)
}

// Config implements Configurable.
func (l *AveragePooling1D) Config() (any, error) {
	return pool1DConfigOf("AveragePooling1D", l.PoolSize, l.Strides, l.Padding, 0)
}

func pool1DConfigOf(name string, poolSize, strides int, padding string, def int) (any, error) {
	p, s, pad, err := poolSettings1D(name, poolSize, strides, padding, def)
	if err != nil {
		return nil, err
	}
	return pool1DConfig{[1]int{p}, [1]int{s}, pad, "channels_last"}, nil
}

func decodePool1DConfig(b []byte, def int) (pool1DConfig, error) {
	c := pool1DConfig{PoolSize: [1]int{def}, Padding: "valid", DataFormat: "channels_last"}
	if err := DecodeConfig(b, &c); err != nil {
		return c, err
	}
	switch {
	case c.PoolSize[0] <= 0:
		return c, fmt.Errorf("pool_size must be positive, got %v", c.PoolSize)
	case c.Strides[0] == 0:
		c.Strides = c.PoolSize // absent: Keras's strides=None
	case c.Strides[0] < 0:
		return c, fmt.Errorf("strides must be positive, got %v", c.Strides)
	}
	if c.Padding != "valid" && c.Padding != "same" {
		return c, fmt.Errorf(`padding must be "valid" or "same", got %q`, c.Padding)
	}
	return c, checkDataFormat(c.DataFormat)
}

func decodeMaxPooling1D(b []byte) (Layer, error) {
	c, err := decodePool1DConfig(b, 2)
	if err != nil {
		return nil, err
	}
	return &MaxPooling1D{PoolSize: c.PoolSize[0], Strides: c.Strides[0], Padding: c.Padding}, nil
}

func decodeAveragePooling1D(b []byte) (Layer, error) {
	c, err := decodePool1DConfig(b, 0)
	if err != nil {
		return nil, err
	}
	return &AveragePooling1D{PoolSize: c.PoolSize[0], Strides: c.Strides[0], Padding: c.Padding}, nil
}
