package layers

import (
	"fmt"
	"math/rand/v2"

	"github.com/neuron-go/neuron/tensor"
)

// GlobalAveragePooling2D averages each channel of channels-last images over
// height and width. It has no weights.
//
// Shapes: (batch, height, width, channels) → (batch, channels), or
// (batch, 1, 1, channels) with KeepDims.
type GlobalAveragePooling2D struct {
	// KeepDims keeps the pooled axes with size 1 (Keras's keepdims).
	KeepDims bool
	globalPool
}

// GlobalMaxPooling2D takes the maximum of each channel of channels-last
// images over height and width. It has no weights; shapes as
// GlobalAveragePooling2D.
type GlobalMaxPooling2D struct {
	// KeepDims keeps the pooled axes with size 1 (Keras's keepdims).
	KeepDims bool
	globalPool
}

// GlobalAveragePooling1D averages each feature of sequences over the
// steps. It has no weights.
//
// Shapes: (batch, steps, features) → (batch, features), or (batch, 1,
// features) with KeepDims.
type GlobalAveragePooling1D struct {
	// KeepDims keeps the steps axis with size 1 (Keras's keepdims).
	KeepDims bool
	globalPool
}

// GlobalMaxPooling1D takes the maximum of each feature of sequences over
// the steps. It has no weights; shapes as GlobalAveragePooling1D.
type GlobalMaxPooling1D struct {
	// KeepDims keeps the steps axis with size 1 (Keras's keepdims).
	KeepDims bool
	globalPool
}

// ClassName implements Layer.
func (*GlobalAveragePooling2D) ClassName() string { return "GlobalAveragePooling2D" }

// ClassName implements Layer.
func (*GlobalMaxPooling2D) ClassName() string { return "GlobalMaxPooling2D" }

// ClassName implements Layer.
func (*GlobalAveragePooling1D) ClassName() string { return "GlobalAveragePooling1D" }

// ClassName implements Layer.
func (*GlobalMaxPooling1D) ClassName() string { return "GlobalMaxPooling1D" }

// Build implements Layer.
func (l *GlobalAveragePooling2D) Build(in []int, _ *rand.Rand) ([]int, error) {
	return l.build("GlobalAveragePooling2D", 2, l.KeepDims, in)
}

// Build implements Layer.
func (l *GlobalMaxPooling2D) Build(in []int, _ *rand.Rand) ([]int, error) {
	return l.build("GlobalMaxPooling2D", 2, l.KeepDims, in)
}

// Build implements Layer.
func (l *GlobalAveragePooling1D) Build(in []int, _ *rand.Rand) ([]int, error) {
	return l.build("GlobalAveragePooling1D", 1, l.KeepDims, in)
}

// Build implements Layer.
func (l *GlobalMaxPooling1D) Build(in []int, _ *rand.Rand) ([]int, error) {
	return l.build("GlobalMaxPooling1D", 1, l.KeepDims, in)
}

// Call implements Layer.
func (l *GlobalAveragePooling2D) Call(x *tensor.Tensor, _ bool) *tensor.Tensor {
	return l.call("GlobalAveragePooling2D", x, tensor.AvgPool2D)
}

// Call implements Layer.
func (l *GlobalMaxPooling2D) Call(x *tensor.Tensor, _ bool) *tensor.Tensor {
	return l.call("GlobalMaxPooling2D", x, tensor.MaxPool2D)
}

// Call implements Layer.
func (l *GlobalAveragePooling1D) Call(x *tensor.Tensor, _ bool) *tensor.Tensor {
	return l.call("GlobalAveragePooling1D", x, tensor.AvgPool2D)
}

// CallMasked implements Masked: with a mask, the mean is over the steps it
// keeps, as Keras's; the mask ends here.
func (l *GlobalAveragePooling1D) CallMasked(x, mask *tensor.Tensor, training bool) (*tensor.Tensor, *tensor.Tensor) {
	if mask == nil {
		return l.Call(x, training), nil
	}
	checkBatch("GlobalAveragePooling1D", x, l.in)
	y := tensor.MaskedMeanSteps(x, mask)
	if l.KeepDims {
		y = y.Reshape(x.Dim(0), 1, x.Dim(2))
	}
	return y, nil
}

// Call implements Layer.
func (l *GlobalMaxPooling1D) Call(x *tensor.Tensor, _ bool) *tensor.Tensor {
	return l.call("GlobalMaxPooling1D", x, tensor.MaxPool2D)
}

// Weights implements Layer.
func (*globalPool) Weights() []*Weight { return nil }

// Plan implements Planner.
func (l *GlobalAveragePooling2D) Plan(in []int) ([]int, []WeightShape, error) {
	c := *l
	out, err := c.Build(in, nil)
	return out, nil, err
}

// Plan implements Planner.
func (l *GlobalMaxPooling2D) Plan(in []int) ([]int, []WeightShape, error) {
	c := *l
	out, err := c.Build(in, nil)
	return out, nil, err
}

// Plan implements Planner.
func (l *GlobalAveragePooling1D) Plan(in []int) ([]int, []WeightShape, error) {
	c := *l
	out, err := c.Build(in, nil)
	return out, nil, err
}

// Plan implements Planner.
func (l *GlobalMaxPooling1D) Plan(in []int) ([]int, []WeightShape, error) {
	c := *l
	out, err := c.Build(in, nil)
	return out, nil, err
}

// globalPool holds what a global pooling layer's Build computed. The
// layers pool with one window as large as the image (a sequence being an
// image of height 1), which reuses the pooling kernels and their
// NaN rules.
type globalPool struct {
	in, out []int
	h, w, c int
}

func (p *globalPool) build(name string, spatial int, keepDims bool, in []int) ([]int, error) {
	if len(in) != spatial+1 {
		what := "(height, width, channels)"
		if spatial == 1 {
			what = "(steps, features)"
		}
		return nil, fmt.Errorf("layers: %s: want examples of rank %d %s, got shape %v", name, spatial+1, what, in)
	}
	if err := checkOutput(name, "input", in); err != nil {
		return nil, err
	}
	p.in = append([]int(nil), in...)
	p.h, p.w, p.c = 1, in[0], in[1]
	if spatial == 2 {
		p.h, p.w, p.c = in[0], in[1], in[2]
	}
	p.out = []int{p.c}
	if keepDims {
		p.out = append(make([]int, spatial), p.c)
		for i := range spatial {
			p.out[i] = 1
		}
	}
	return append([]int(nil), p.out...), nil
}

func (p *globalPool) call(name string, x *tensor.Tensor, pool func(x *tensor.Tensor, pool, strides [2]int, padding string) *tensor.Tensor) *tensor.Tensor {
	checkBatch(name, x, p.in)
	n := x.Dim(0)
	if len(p.in) == 2 {
		x = x.Reshape(n, 1, p.w, p.c)
	}
	y := pool(x, [2]int{p.h, p.w}, [2]int{p.h, p.w}, "valid")
	if len(p.out) == 1 {
		return y.Reshape(n, p.c)
	}
	if len(p.out) == 2 {
		return y.Reshape(n, 1, p.c)
	}
	return y
}

// The layers' Keras configs (get_config and from_config), registered as a
// custom layer would be.
func init() {
	Register("GlobalAveragePooling2D", globalPoolDecoder(func(k bool) Layer { return &GlobalAveragePooling2D{KeepDims: k} }))
	Register("GlobalMaxPooling2D", globalPoolDecoder(func(k bool) Layer { return &GlobalMaxPooling2D{KeepDims: k} }))
	Register("GlobalAveragePooling1D", globalPoolDecoder(func(k bool) Layer { return &GlobalAveragePooling1D{KeepDims: k} }))
	Register("GlobalMaxPooling1D", globalPoolDecoder(func(k bool) Layer { return &GlobalMaxPooling1D{KeepDims: k} }))
}

func globalPoolDecoder(make func(keepDims bool) Layer) Decoder {
	return func(b []byte) (Layer, error) {
		c := globalPoolConfig{DataFormat: "channels_last"}
		if err := DecodeConfig(b, &c); err != nil {
			return nil, err
		}
		if err := checkDataFormat(c.DataFormat); err != nil {
			return nil, err
		}
		return make(c.KeepDims), nil
	}
}

type globalPoolConfig struct {
	DataFormat string `json:"data_format"`
	KeepDims   bool   `json:"keepdims"`
}

// Config implements Configurable.
func (l *GlobalAveragePooling2D) Config() (any, error) {
	return globalPoolConfig{"channels_last", l.KeepDims}, nil
}

// Config implements Configurable.
func (l *GlobalMaxPooling2D) Config() (any, error) {
	return globalPoolConfig{"channels_last", l.KeepDims}, nil
}

// Config implements Configurable.
func (l *GlobalAveragePooling1D) Config() (any, error) {
	return globalPoolConfig{"channels_last", l.KeepDims}, nil
}

// Config implements Configurable.
func (l *GlobalMaxPooling1D) Config() (any, error) {
	return globalPoolConfig{"channels_last", l.KeepDims}, nil
}
