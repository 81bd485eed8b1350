package layers

import (
	"fmt"
	"math/rand/v2"

	"github.com/neuron-go/neuron/tensor"
)

// ZeroPadding2D adds rows and columns of zeros around channels-last
// images: Padding[0] = (top, bottom), Padding[1] = (left, right).
//
// Shapes: (batch, height, width, channels) → (batch, top + height +
// bottom, left + width + right, channels). It has no weights.
type ZeroPadding2D struct {
	// Padding is ((top, bottom), (left, right)); the zero value means
	// Keras's default ((1, 1), (1, 1)).
	Padding [2][2]int
	spatial
}

// ZeroPadding1D adds steps of zeros at the start and end of sequences.
//
// Shapes: (batch, steps, features) → (batch, start + steps + end,
// features). It has no weights.
type ZeroPadding1D struct {
	// Padding is (start, end); the zero value means Keras's (1, 1).
	Padding [2]int
	spatial
}

// Cropping2D removes rows and columns at the edges of channels-last
// images: Cropping[0] = (top, bottom), Cropping[1] = (left, right).
//
// Shapes: (batch, height, width, channels) → (batch, height − top −
// bottom, width − left − right, channels). It has no weights.
type Cropping2D struct {
	// Cropping is ((top, bottom), (left, right)); the zero value crops
	// nothing, as Keras's default.
	Cropping [2][2]int
	spatial
}

// Cropping1D removes steps at the start and end of sequences.
//
// Shapes: (batch, steps, features) → (batch, steps − start − end,
// features). It has no weights.
type Cropping1D struct {
	// Cropping is (start, end); the zero value means Keras's (1, 1).
	Cropping [2]int
	spatial
}

// spatial holds what a padding or cropping layer's Build computed: the
// per-example input shape and the pads of every axis of a batch.
type spatial struct {
	in    []int
	edges [][2]int
}

// Weights implements Layer.
func (*spatial) Weights() []*Weight { return nil }

// ClassName implements Layer.
func (*ZeroPadding2D) ClassName() string { return "ZeroPadding2D" }

// ClassName implements Layer.
func (*ZeroPadding1D) ClassName() string { return "ZeroPadding1D" }

// ClassName implements Layer.
func (*Cropping2D) ClassName() string { return "Cropping2D" }

// ClassName implements Layer.
func (*Cropping1D) ClassName() string { return "Cropping1D" }

func (l *ZeroPadding2D) padding() [2][2]int {
	if l.Padding == ([2][2]int{}) {
		return [2][2]int{{1, 1}, {1, 1}}
	}
	return l.Padding
}

func (l *ZeroPadding1D) padding() [2]int {
	if l.Padding == ([2]int{}) {
		return [2]int{1, 1}
	}
	return l.Padding
}

func (l *Cropping1D) cropping() [2]int {
	if l.Cropping == ([2]int{}) {
		return [2]int{1, 1}
	}
	return l.Cropping
}

// Build implements Layer.
func (l *ZeroPadding2D) Build(in []int, _ *rand.Rand) ([]int, error) {
	p := l.padding()
	return l.build("ZeroPadding2D", "Padding", in, 3, p[:], 1)
}

// Build implements Layer.
func (l *ZeroPadding1D) Build(in []int, _ *rand.Rand) ([]int, error) {
	return l.build("ZeroPadding1D", "Padding", in, 2, [][2]int{l.padding()}, 1)
}

// Build implements Layer.
func (l *Cropping2D) Build(in []int, _ *rand.Rand) ([]int, error) {
	return l.build("Cropping2D", "Cropping", in, 3, l.Cropping[:], -1)
}

// Build implements Layer.
func (l *Cropping1D) Build(in []int, _ *rand.Rand) ([]int, error) {
	return l.build("Cropping1D", "Cropping", in, 2, [][2]int{l.cropping()}, -1)
}

// build checks edges (one pair per spatial axis, the axes after the batch)
// against in, of rank rank, and returns the output shape; sign is +1 to
// pad and −1 to crop.
func (s *spatial) build(name, field string, in []int, rank int, edges [][2]int, sign int) ([]int, error) {
	if len(in) != rank {
		what := "(height, width, channels)"
		if rank == 2 {
			what = "(steps, features)"
		}
		return nil, fmt.Errorf("layers: %s: want examples of rank %d %s, got shape %v", name, rank, what, in)
	}
	out := append([]int(nil), in...)
	for a, e := range edges {
		if e[0] < 0 || e[1] < 0 {
			return nil, fmt.Errorf("layers: %s: %s must be >= 0, got %v", name, field, edges)
		}
		out[a] += sign * (e[0] + e[1])
		if out[a] <= 0 {
			return nil, fmt.Errorf("layers: %s: %s %v leaves nothing of the input of shape %v", name, field, edges, in)
		}
	}
	if err := checkOutput(name, "output", out); err != nil {
		return nil, err
	}
	s.in = append([]int(nil), in...)
	s.edges = make([][2]int, rank+1) // batch axis and channels: none
	copy(s.edges[1:], edges)
	return out, nil
}

// Call implements Layer.
func (l *ZeroPadding2D) Call(x *tensor.Tensor, _ bool) *tensor.Tensor {
	checkBatch("ZeroPadding2D", x, l.in)
	return tensor.Pad(x, l.edges)
}

// Call implements Layer.
func (l *ZeroPadding1D) Call(x *tensor.Tensor, _ bool) *tensor.Tensor {
	checkBatch("ZeroPadding1D", x, l.in)
	return tensor.Pad(x, l.edges)
}

// Call implements Layer.
func (l *Cropping2D) Call(x *tensor.Tensor, _ bool) *tensor.Tensor {
	checkBatch("Cropping2D", x, l.in)
	return tensor.Crop(x, l.edges)
}

// Call implements Layer.
func (l *Cropping1D) Call(x *tensor.Tensor, _ bool) *tensor.Tensor {
	checkBatch("Cropping1D", x, l.in)
	return tensor.Crop(x, l.edges)
}

// Plan implements Planner.
func (l *ZeroPadding2D) Plan(in []int) ([]int, []WeightShape, error) {
	c := *l
	out, err := c.Build(in, nil)
	return out, nil, err
}

// Plan implements Planner.
func (l *ZeroPadding1D) Plan(in []int) ([]int, []WeightShape, error) {
	c := *l
	out, err := c.Build(in, nil)
	return out, nil, err
}

// Plan implements Planner.
func (l *Cropping2D) Plan(in []int) ([]int, []WeightShape, error) {
	c := *l
	out, err := c.Build(in, nil)
	return out, nil, err
}

// Plan implements Planner.
func (l *Cropping1D) Plan(in []int) ([]int, []WeightShape, error) {
	c := *l
	out, err := c.Build(in, nil)
	return out, nil, err
}

// The layers' Keras configs (get_config and from_config), registered as a
// custom layer would be. Keras writes the edges as nested lists.
func init() {
	Register("ZeroPadding2D", func(b []byte) (Layer, error) {
		c := edges2DConfig{Padding: &[2][2]int{{1, 1}, {1, 1}}, DataFormat: "channels_last"}
		if err := c.decode(b, "padding"); err != nil {
			return nil, err
		}
		return &ZeroPadding2D{Padding: *c.Padding}, nil
	})
	Register("Cropping2D", func(b []byte) (Layer, error) {
		c := edges2DConfig{Cropping: &[2][2]int{}, DataFormat: "channels_last"}
		if err := c.decode(b, "cropping"); err != nil {
			return nil, err
		}
		return &Cropping2D{Cropping: *c.Cropping}, nil
	})
	Register("ZeroPadding1D", func(b []byte) (Layer, error) {
		c := zeroPadding1DConfig{Padding: [2]int{1, 1}, DataFormat: "channels_last"}
		if err := DecodeConfig(b, &c); err != nil {
			return nil, err
		}
		if err := checkEdges("padding", c.Padding[:]); err != nil {
			return nil, err
		}
		if err := checkDataFormat(c.DataFormat); err != nil {
			return nil, err
		}
		return &ZeroPadding1D{Padding: c.Padding}, nil
	})
	Register("Cropping1D", func(b []byte) (Layer, error) {
		c := cropping1DConfig{Cropping: [2]int{1, 1}}
		if err := DecodeConfig(b, &c); err != nil {
			return nil, err
		}
		if err := checkEdges("cropping", c.Cropping[:]); err != nil {
			return nil, err
		}
		return &Cropping1D{Cropping: c.Cropping}, nil
	})
}

type edges2DConfig struct {
	Padding    *[2][2]int `json:"padding,omitempty"`
	Cropping   *[2][2]int `json:"cropping,omitempty"`
	DataFormat string     `json:"data_format"`
}

func (c *edges2DConfig) decode(b []byte, key string) error {
	if err := DecodeConfig(b, c); err != nil {
		return err
	}
	e := c.Padding
	if key == "cropping" {
		if c.Padding != nil {
			return fmt.Errorf("padding: not a key of Cropping2D")
		}
		e = c.Cropping
	} else if c.Cropping != nil {
		return fmt.Errorf("cropping: not a key of ZeroPadding2D")
	}
	if e == nil {
		return fmt.Errorf("%s: null", key)
	}
	if err := checkEdges(key, append(e[0][:], e[1][:]...)); err != nil {
		return err
	}
	return checkDataFormat(c.DataFormat)
}

func checkEdges(key string, v []int) error {
	for _, n := range v {
		if n < 0 {
			return fmt.Errorf("%s must be >= 0, got %v", key, v)
		}
	}
	return nil
}

type zeroPadding1DConfig struct {
	Padding    [2]int `json:"padding"`
	DataFormat string `json:"data_format"`
}

type cropping1DConfig struct {
	Cropping [2]int `json:"cropping"`
}

// Config implements Configurable.
func (l *ZeroPadding2D) Config() (any, error) {
	p := l.padding()
	return edges2DConfig{Padding: &p, DataFormat: "channels_last"}, nil
}

// Config implements Configurable.
func (l *Cropping2D) Config() (any, error) {
	c := l.Cropping
	return edges2DConfig{Cropping: &c, DataFormat: "channels_last"}, nil
}

// Config implements Configurable.
func (l *ZeroPadding1D) Config() (any, error) {
	return zeroPadding1DConfig{l.padding(), "channels_last"}, nil
}

// Config implements Configurable.
func (l *Cropping1D) Config() (any, error) {
	return cropping1DConfig{l.cropping()}, nil
}
