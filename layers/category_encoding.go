package layers

import (
	"fmt"
	"math/rand/v2"

	"github.com/neuron-go/neuron/tensor"
)

// CategoryEncoding encodes integer features (token ids in [0, NumTokens),
// stored as float32) as Keras's CategoryEncoding does, with OutputMode:
//
//   - "multi_hot" (the default): each example's row of ids becomes one
//     vector of NumTokens values with a 1 at every id present; examples of
//     shape (n) give (NumTokens).
//   - "one_hot": each id becomes a vector with a 1 at the id; examples of
//     shape (1) give (NumTokens), of shape (n) give (n, NumTokens).
//   - "count": as multi_hot, with how often each id occurs.
//
// An id outside [0, NumTokens) contributes nothing (Keras's backends
// differ there, from an error to zeros). The layer works the same in
// training and inference, has no weights, and no gradient flows through
// it (its inputs are ids).
type CategoryEncoding struct {
	// NumTokens is the number of ids; Keras requires it, and it must be
	// >= 1.
	NumTokens int
	// OutputMode is "multi_hot" (the zero value, Keras's default; Keras's
	// older name "binary" is accepted), "one_hot" or "count".
	OutputMode string

	in []int
}

// ClassName implements Layer.
func (*CategoryEncoding) ClassName() string { return "CategoryEncoding" }

func (l *CategoryEncoding) mode() (string, error) {
	return encodingMode("CategoryEncoding", l.OutputMode, false)
}

// encodingMode resolves an output mode of CategoryEncoding (or of
// Discretization, which also has "int").
func encodingMode(layer, m string, withInt bool) (string, error) {
	switch m {
	case "":
		if withInt {
			return "int", nil
		}
		return tensor.MultiHot, nil
	case "binary":
		if !withInt {
			return tensor.MultiHot, nil
		}
	case "int":
		if withInt {
			return m, nil
		}
	case tensor.OneHot, tensor.MultiHot, tensor.Count:
		return m, nil
	}
	known := `"multi_hot", "one_hot" or "count"`
	if withInt {
		known = `"int", "one_hot", "multi_hot" or "count"`
	}
	return "", fmt.Errorf("layers: %s: unknown OutputMode %q (want %s)", layer, m, known)
}

// encodedShape is the per-example output shape of an encoding of depth
// values in mode m of examples of shape in.
func encodedShape(layer string, in []int, m string, depth int) ([]int, error) {
	if len(in) == 0 {
		return nil, fmt.Errorf("layers: %s: want examples of rank >= 1, got shape %v", layer, in)
	}
	var out []int
	switch m {
	case "int":
		out = append([]int(nil), in...)
	case tensor.OneHot:
		out = append([]int(nil), in...)
		if out[len(out)-1] == 1 {
			out = out[:len(out)-1]
		}
		out = append(out, depth)
	default:
		if len(in) != 1 {
			return nil, fmt.Errorf("layers: %s: OutputMode %q wants examples of rank 1 (a row of ids), got shape %v", layer, m, in)
		}
		out = []int{depth}
	}
	if err := checkOutput(layer, "output", out); err != nil {
		return nil, err
	}
	return out, nil
}

// Plan implements Planner.
func (l *CategoryEncoding) Plan(in []int) ([]int, []WeightShape, error) {
	m, err := l.mode()
	if err != nil {
		return nil, nil, err
	}
	if l.NumTokens < 1 {
		return nil, nil, fmt.Errorf("layers: CategoryEncoding: NumTokens must be >= 1, got %d", l.NumTokens)
	}
	out, err := encodedShape("CategoryEncoding", in, m, l.NumTokens)
	return out, nil, err
}

// Build implements Layer.
func (l *CategoryEncoding) Build(in []int, _ *rand.Rand) ([]int, error) {
	out, _, err := l.Plan(in)
	if err != nil {
		return nil, err
	}
	l.in = append([]int(nil), in...)
	return out, nil
}

// Call implements Layer.
func (l *CategoryEncoding) Call(x *tensor.Tensor, _ bool) *tensor.Tensor {
	checkBatch("CategoryEncoding", x, l.in)
	m, _ := l.mode()
	return tensor.CategoryEncode(x, l.NumTokens, m)
}

// Weights implements Layer.
func (*CategoryEncoding) Weights() []*Weight { return nil }

// The layer's Keras config (get_config and from_config), registered as a
// custom layer would be.
func init() { Register("CategoryEncoding", decodeCategoryEncoding) }

type categoryEncodingConfig struct {
	NumTokens  *int   `json:"num_tokens"`
	OutputMode string `json:"output_mode"`
	Sparse     bool   `json:"sparse"`
}

// Config implements Configurable.
func (l *CategoryEncoding) Config() (any, error) {
	m, err := l.mode()
	if err != nil {
		return nil, err
	}
	n := l.NumTokens
	return categoryEncodingConfig{NumTokens: &n, OutputMode: m}, nil
}

func decodeCategoryEncoding(b []byte) (Layer, error) {
	c := categoryEncodingConfig{OutputMode: tensor.MultiHot}
	if err := DecodeConfig(b, &c); err != nil {
		return nil, err
	}
	switch {
	case c.NumTokens == nil:
		return nil, fmt.Errorf("num_tokens is missing")
	case *c.NumTokens < 1:
		return nil, fmt.Errorf("num_tokens must be >= 1, got %d", *c.NumTokens)
	case c.Sparse:
		return nil, fmt.Errorf("sparse: sparse outputs are not supported")
	}
	m, err := encodingMode("CategoryEncoding", c.OutputMode, false)
	if err != nil {
		return nil, fmt.Errorf("output_mode: unknown %q (want \"multi_hot\", \"one_hot\" or \"count\")", c.OutputMode)
	}
	return &CategoryEncoding{NumTokens: *c.NumTokens, OutputMode: m}, nil
}
