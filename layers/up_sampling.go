package layers

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/neuron-go/neuron/tensor"
)

// UpSampling2D enlarges channels-last images by repeating each row Size[0]
// times and each column Size[1] times (nearest-neighbour interpolation, as
// Keras's default).
//
// Shapes: (batch, height, width, channels) → (batch, Size[0]·height,
// Size[1]·width, channels). It has no weights.
type UpSampling2D struct {
	// Size is the (rows, columns) factor; the zero value means Keras's
	// (2, 2).
	Size [2]int
	// Interpolation is "nearest" (the default when empty), the only one
	// supported.
	Interpolation string

	in   []int
	size [2]int
}

// ClassName implements Layer.
func (*UpSampling2D) ClassName() string { return "UpSampling2D" }

func (l *UpSampling2D) settings() ([2]int, string, error) {
	size := l.Size
	if size == ([2]int{}) {
		size = [2]int{2, 2}
	}
	if size[0] <= 0 || size[1] <= 0 {
		return size, "", fmt.Errorf("layers: UpSampling2D: Size must be positive, got %v", l.Size)
	}
	interp := strings.ToLower(l.Interpolation)
	if interp == "" {
		interp = "nearest"
	}
	if interp != "nearest" {
		return size, "", fmt.Errorf(`layers: UpSampling2D: Interpolation %q is not supported, only "nearest"`, l.Interpolation)
	}
	return size, interp, nil
}

// Build implements Layer.
func (l *UpSampling2D) Build(in []int, _ *rand.Rand) ([]int, error) {
	size, _, err := l.settings()
	if err != nil {
		return nil, err
	}
	if len(in) != 3 {
		return nil, fmt.Errorf("layers: UpSampling2D: want examples of rank 3 (height, width, channels), got shape %v", in)
	}
	out := []int{in[0] * size[0], in[1] * size[1], in[2]}
	if err := checkOutput("UpSampling2D", "output", out); err != nil {
		return nil, err
	}
	l.in, l.size = append([]int(nil), in...), size
	return out, nil
}

// Call implements Layer.
func (l *UpSampling2D) Call(x *tensor.Tensor, _ bool) *tensor.Tensor {
	checkBatch("UpSampling2D", x, l.in)
	return x.Repeat(l.size[0], 1).Repeat(l.size[1], 2)
}

// Weights implements Layer.
func (*UpSampling2D) Weights() []*Weight { return nil }

// Plan implements Planner.
func (l *UpSampling2D) Plan(in []int) ([]int, []WeightShape, error) {
	c := *l
	out, err := c.Build(in, nil)
	return out, nil, err
}

// UpSampling1D repeats each step of sequences Size times.
//
// Shapes: (batch, steps, features) → (batch, Size·steps, features). It has
// no weights.
type UpSampling1D struct {
	// Size is the factor; the zero value means Keras's 2.
	Size int

	in   []int
	size int
}

// ClassName implements Layer.
func (*UpSampling1D) ClassName() string { return "UpSampling1D" }

func (l *UpSampling1D) factor() (int, error) {
	switch {
	case l.Size == 0:
		return 2, nil
	case l.Size < 0:
		return 0, fmt.Errorf("layers: UpSampling1D: Size must be positive, got %d", l.Size)
	}
	return l.Size, nil
}

// Build implements Layer.
func (l *UpSampling1D) Build(in []int, _ *rand.Rand) ([]int, error) {
	size, err := l.factor()
	if err != nil {
		return nil, err
	}
	if len(in) != 2 {
		return nil, fmt.Errorf("layers: UpSampling1D: want examples of rank 2 (steps, features), got shape %v", in)
	}
	out := []int{in[0] * size, in[1]}
	if err := checkOutput("UpSampling1D", "output", out); err != nil {
		return nil, err
	}
	l.in, l.size = append([]int(nil), in...), size
	return out, nil
}

// Call implements Layer.
func (l *UpSampling1D) Call(x *tensor.Tensor, _ bool) *tensor.Tensor {
	checkBatch("UpSampling1D", x, l.in)
	return x.Repeat(l.size, 1)
}

// Weights implements Layer.
func (*UpSampling1D) Weights() []*Weight { return nil }

// Plan implements Planner.
func (l *UpSampling1D) Plan(in []int) ([]int, []WeightShape, error) {
	c := *l
	out, err := c.Build(in, nil)
	return out, nil, err
}

// The layers' Keras configs (get_config and from_config), registered as a
// custom layer would be.
func init() {
	Register("UpSampling2D", func(b []byte) (Layer, error) {
		c := upSampling2DConfig{Size: [2]int{2, 2}, DataFormat: "channels_last", Interpolation: "nearest"}
		if err := DecodeConfig(b, &c); err != nil {
			return nil, err
		}
		if err := checkDataFormat(c.DataFormat); err != nil {
			return nil, err
		}
		l := &UpSampling2D{Size: c.Size, Interpolation: c.Interpolation}
		if c.Size[0] <= 0 || c.Size[1] <= 0 {
			return nil, fmt.Errorf("size must be positive, got %v", c.Size)
		}
		if _, _, err := l.settings(); err != nil {
			return nil, fmt.Errorf("interpolation: %q is not supported, only \"nearest\"", c.Interpolation)
		}
		return l, nil
	})
	Register("UpSampling1D", func(b []byte) (Layer, error) {
		c := upSampling1DConfig{Size: 2}
		if err := DecodeConfig(b, &c); err != nil {
			return nil, err
		}
		if c.Size <= 0 {
			return nil, fmt.Errorf("size must be positive, got %d", c.Size)
		}
		return &UpSampling1D{Size: c.Size}, nil
	})
}

type upSampling2DConfig struct {
	Size          [2]int `json:"size"`
	DataFormat    string `json:"data_format"`
	Interpolation string `json:"interpolation"`
}

type upSampling1DConfig struct {
	Size int `json:"size"`
}

// Config implements Configurable.
func (l *UpSampling2D) Config() (any, error) {
	size, interp, err := l.settings()
	if err != nil {
		return nil, err
	}
	return upSampling2DConfig{size, "channels_last", interp}, nil
}

// Config implements Configurable.
func (l *UpSampling1D) Config() (any, error) {
	size, err := l.factor()
	if err != nil {
		return nil, err
	}
	return upSampling1DConfig{size}, nil
}
