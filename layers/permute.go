package layers

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/neuron-go/neuron/tensor"
)

// Permute reorders the axes of each example: axis i of the output is axis
// Dims[i] of the input, counting from 1 as Keras does (the batch axis, 0,
// stays first). Permute{Dims: []int{2, 1}} swaps the two axes of a
// sequence.
//
// It has no weights.
type Permute struct {
	// Dims is a permutation of 1, …, rank of the examples.
	Dims []int

	in, out []int
	perm    []int
}

// ClassName implements Layer.
func (*Permute) ClassName() string { return "Permute" }

func checkPermutation(dims []int) error {
	s := slices.Sorted(slices.Values(dims))
	for i, d := range s {
		if d != i+1 {
			return fmt.Errorf("layers: Permute: Dims must be a permutation of 1, …, %d, got %v", len(dims), dims)
		}
	}
	if len(dims) == 0 {
		return fmt.Errorf("layers: Permute: Dims is empty")
	}
	return nil
}

// Build implements Layer.
func (l *Permute) Build(in []int, _ *rand.Rand) ([]int, error) {
	if err := checkPermutation(l.Dims); err != nil {
		return nil, err
	}
	if len(in) != len(l.Dims) {
		return nil, fmt.Errorf("layers: Permute: Dims %v needs examples of rank %d, got shape %v", l.Dims, len(l.Dims), in)
	}
	out := make([]int, len(in))
	perm := []int{0}
	for i, d := range l.Dims {
		out[i] = in[d-1]
		perm = append(perm, d)
	}
	l.in, l.out, l.perm = append([]int(nil), in...), out, perm
	return append([]int(nil), out...), nil
}

// Call implements Layer.
func (l *Permute) Call(x *tensor.Tensor, _ bool) *tensor.Tensor {
	checkBatch("Permute", x, l.in)
	return tensor.Permute(x, l.perm)
}

// Weights implements Layer.
func (*Permute) Weights() []*Weight { return nil }

// Plan implements Planner.
func (l *Permute) Plan(in []int) ([]int, []WeightShape, error) {
	c := *l
	out, err := c.Build(in, nil)
	return out, nil, err
}

// RepeatVector repeats each example, a vector, N times.
//
// Shapes: (batch, features) → (batch, N, features). It has no weights.
type RepeatVector struct {
	// N is the number of copies; it must be > 0 (Keras has no default).
	N int

	in []int
}

// ClassName implements Layer.
func (*RepeatVector) ClassName() string { return "RepeatVector" }

// Build implements Layer.
func (l *RepeatVector) Build(in []int, _ *rand.Rand) ([]int, error) {
	if l.N <= 0 {
		return nil, fmt.Errorf("layers: RepeatVector: N must be > 0, got %d", l.N)
	}
	if len(in) != 1 {
		return nil, fmt.Errorf("layers: RepeatVector: want examples of rank 1 (features), got shape %v", in)
	}
	out := []int{l.N, in[0]}
	if err := checkOutput("RepeatVector", "output", out); err != nil {
		return nil, err
	}
	l.in = append([]int(nil), in...)
	return out, nil
}

// Call implements Layer.
func (l *RepeatVector) Call(x *tensor.Tensor, _ bool) *tensor.Tensor {
	checkBatch("RepeatVector", x, l.in)
	return x.Reshape(x.Dim(0), 1, l.in[0]).Repeat(l.N, 1)
}

// Weights implements Layer.
func (*RepeatVector) Weights() []*Weight { return nil }

// Plan implements Planner.
func (l *RepeatVector) Plan(in []int) ([]int, []WeightShape, error) {
	c := *l
	out, err := c.Build(in, nil)
	return out, nil, err
}

// Identity passes its input through, as Keras's Identity layer: a
// placeholder in a model, or a named point of a graph.
type Identity struct {
	// Go may give values of size zero one address; the byte keeps two
	// Identity layers two layers to a model, which tells layers apart by
	// pointer.
	_ byte
}

// ClassName implements Layer.
func (*Identity) ClassName() string { return "Identity" }

// Build implements Layer.
func (*Identity) Build(in []int, _ *rand.Rand) ([]int, error) { return append([]int(nil), in...), nil }

// Call implements Layer.
func (*Identity) Call(x *tensor.Tensor, _ bool) *tensor.Tensor { return x }

// Weights implements Layer.
func (*Identity) Weights() []*Weight { return nil }

// Plan implements Planner.
func (l *Identity) Plan(in []int) ([]int, []WeightShape, error) {
	out, err := l.Build(in, nil)
	return out, nil, err
}

// The layers' Keras configs (get_config and from_config), registered as a
// custom layer would be.
func init() {
	Register("Permute", func(b []byte) (Layer, error) {
		var c permuteConfig
		if err := DecodeConfig(b, &c); err != nil {
			return nil, err
		}
		if err := checkPermutation(c.Dims); err != nil {
			return nil, fmt.Errorf("dims: must be a permutation of 1, …, %d, got %v", len(c.Dims), c.Dims)
		}
		return &Permute{Dims: c.Dims}, nil
	})
	Register("RepeatVector", func(b []byte) (Layer, error) {
		var c repeatVectorConfig
		if err := DecodeConfig(b, &c); err != nil {
			return nil, err
		}
		if c.N <= 0 {
			return nil, fmt.Errorf("n must be > 0, got %d", c.N)
		}
		return &RepeatVector{N: c.N}, nil
	})
	Register("Identity", func(b []byte) (Layer, error) {
		if err := DecodeConfig(b, &struct{}{}); err != nil {
			return nil, err
		}
		return &Identity{}, nil
	})
}

type permuteConfig struct {
	Dims []int `json:"dims"`
}

type repeatVectorConfig struct {
	N int `json:"n"`
}

// Config implements Configurable.
func (l *Permute) Config() (any, error) {
	if err := checkPermutation(l.Dims); err != nil {
		return nil, err
	}
	return permuteConfig{l.Dims}, nil
}

// Config implements Configurable.
func (l *RepeatVector) Config() (any, error) {
	if l.N <= 0 {
		return nil, fmt.Errorf("layers: RepeatVector: N must be > 0, got %d", l.N)
	}
	return repeatVectorConfig{l.N}, nil
}

// Config implements Configurable.
func (*Identity) Config() (any, error) { return struct{}{}, nil }
