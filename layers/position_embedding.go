package layers

import (
	"fmt"
	"math/rand/v2"

	"github.com/neuron-go/neuron/initializers"
	"github.com/neuron-go/neuron/tensor"
)

// PositionEmbedding is a learned position embedding, like Keras-Hub's
// keras_hub.layers.PositionEmbedding (core Keras has none): for inputs
// (batch, steps, features…) it returns the embeddings of positions 0 …
// steps−1, repeated over the batch, of the inputs' shape, to be added to
// them with Add:
//
//	x := models.Apply(&layers.Embedding{InputDim: vocab, OutputDim: d}, tokens)
//	x = models.Apply(&layers.Add{}, x, models.Apply(&layers.PositionEmbedding{SequenceLength: steps}, x))
//
// Weights: embeddings (SequenceLength, features…), glorot_uniform.
type PositionEmbedding struct {
	// SequenceLength is the largest number of steps; > 0.
	SequenceLength int
	// Initializer defaults to GlorotUniform.
	Initializer initializers.Initializer

	embeddings *Weight
	in         []int
}

// ClassName implements Layer.
func (*PositionEmbedding) ClassName() string { return "PositionEmbedding" }

// Plan implements Planner.
func (l *PositionEmbedding) Plan(in []int) ([]int, []WeightShape, error) {
	const name = "PositionEmbedding"
	if l.SequenceLength <= 0 {
		return nil, nil, fmt.Errorf("layers: %s: SequenceLength must be > 0, got %d", name, l.SequenceLength)
	}
	if len(in) < 2 {
		return nil, nil, fmt.Errorf("layers: %s: want examples of rank 2 or more (steps, features…), got shape %v", name, in)
	}
	if err := checkOutput(name, "input", in); err != nil {
		return nil, nil, err
	}
	if in[0] > l.SequenceLength {
		return nil, nil, fmt.Errorf("layers: %s: the inputs have %d steps, more than SequenceLength %d", name, in[0], l.SequenceLength)
	}
	ws := []WeightShape{{Name: "embeddings", Shape: append([]int{l.SequenceLength}, in[1:]...)}}
	if err := checkWeights(name, ws); err != nil {
		return nil, nil, err
	}
	return append([]int(nil), in...), ws, nil
}

// Build implements Layer.
func (l *PositionEmbedding) Build(in []int, rng *rand.Rand) ([]int, error) {
	out, ws, err := l.Plan(in)
	if err != nil {
		return nil, err
	}
	ini := l.Initializer
	if ini == nil {
		ini = initializers.GlorotUniform{}
	}
	s := ws[0].Shape
	l.embeddings = newWeight("embeddings", s, ini.Init(s, rng))
	l.in = append([]int(nil), in...)
	return out, nil
}

// Call implements Layer.
func (l *PositionEmbedding) Call(x *tensor.Tensor, _ bool) *tensor.Tensor {
	checkBatch("PositionEmbedding", x, l.in)
	return tensor.Positions(l.embeddings.Value, x)
}

// Weights implements Layer.
func (l *PositionEmbedding) Weights() []*Weight {
	if l.embeddings == nil {
		return nil
	}
	return []*Weight{l.embeddings}
}

// The layer's config, Keras-Hub's (sequence_length, initializer),
// registered as a custom layer would be.
func init() { Register("PositionEmbedding", decodePositionEmbedding) }

type positionEmbeddingConfig struct {
	SequenceLength int     `json:"sequence_length"`
	Initializer    *object `json:"initializer"`
}

// Config implements Configurable.
func (l *PositionEmbedding) Config() (any, error) {
	if l.SequenceLength <= 0 {
		return nil, fmt.Errorf("sequence_length: SequenceLength must be > 0, got %d", l.SequenceLength)
	}
	ini, err := encodeInitializer("initializer", l.Initializer, initializers.GlorotUniform{})
	if err != nil {
		return nil, err
	}
	return positionEmbeddingConfig{l.SequenceLength, ini}, nil
}

func decodePositionEmbedding(b []byte) (Layer, error) {
	var c positionEmbeddingConfig
	if err := DecodeConfig(b, &c); err != nil {
		return nil, err
	}
	if c.SequenceLength <= 0 {
		return nil, fmt.Errorf("sequence_length must be > 0, got %d", c.SequenceLength)
	}
	ini, err := decodeInitializer("initializer", c.Initializer)
	if err != nil {
		return nil, err
	}
	return &PositionEmbedding{SequenceLength: c.SequenceLength, Initializer: ini}, nil
}
