package layers

import (
	"fmt"
	"math/rand/v2"

	"github.com/neuron-go/neuron/initializers"
	"github.com/neuron-go/neuron/tensor"
)

// Embedding maps integer indices (token ids, categories) to dense vectors,
// as Keras's Embedding does: row i of the embeddings matrix is the vector
// of index i. The inputs are float32 tensors holding whole numbers in [0,
// InputDim); another value is an error naming the example and the value.
//
// Shapes: (batch, …) → (batch, …, OutputDim); embeddings (InputDim,
// OutputDim).
type Embedding struct {
	// InputDim is the number of indices (the vocabulary size); > 0.
	InputDim int
	// OutputDim is the size of each vector; > 0.
	OutputDim int
	// EmbeddingsInitializer defaults to Keras's "uniform",
	// RandomUniform{Min: -0.05, Max: 0.05}.
	EmbeddingsInitializer initializers.Initializer
	// EmbeddingsRegularizer adds a penalty on the embeddings to the
	// training loss; nil means none.
	EmbeddingsRegularizer Regularizer
	// MaskZero makes index 0 padding: the output carries a mask that is
	// 0 where the index is 0, which the recurrent layers and
	// GlobalAveragePooling1D after it honour (Keras's mask_zero). The
	// vocabulary then has InputDim − 1 real tokens, as in Keras.
	MaskZero bool
	// InputShape optionally declares the model's per-example input shape
	// (the sequence length, say).
	InputShape []int

	embeddings *Weight
	in         []int
}

// ClassName implements Layer.
func (*Embedding) ClassName() string { return "Embedding" }

// ModelInputShape implements InputShaper.
func (l *Embedding) ModelInputShape() []int { return l.InputShape }

// Plan implements Planner.
func (l *Embedding) Plan(in []int) ([]int, []WeightShape, error) {
	switch {
	case l.InputDim <= 0:
		return nil, nil, fmt.Errorf("layers: Embedding: InputDim must be > 0, got %d", l.InputDim)
	case l.OutputDim <= 0:
		return nil, nil, fmt.Errorf("layers: Embedding: OutputDim must be > 0, got %d", l.OutputDim)
	}
	if err := checkOutput("Embedding", "input", in); err != nil {
		return nil, nil, err
	}
	out := append(append([]int(nil), in...), l.OutputDim)
	if err := checkOutput("Embedding", "output", out); err != nil {
		return nil, nil, err
	}
	ws := []WeightShape{{Name: "embeddings", Shape: []int{l.InputDim, l.OutputDim}}}
	if err := checkWeights("Embedding", ws); err != nil {
		return nil, nil, err
	}
	return out, ws, nil
}

// Build implements Layer.
func (l *Embedding) Build(in []int, rng *rand.Rand) ([]int, error) {
	out, ws, err := l.Plan(in)
	if err != nil {
		return nil, err
	}
	ini := l.EmbeddingsInitializer
	if ini == nil {
		ini = initializers.RandomUniform{Min: -0.05, Max: 0.05}
	}
	s := ws[0].Shape
	l.embeddings = newWeight("embeddings", s, ini.Init(s, rng))
	l.in = append([]int(nil), in...)
	return out, nil
}

// Call implements Layer. It panics with a *tensor.ShapeError, which the
// model turns into an error, for an index that is not a whole number in
// [0, InputDim).
func (l *Embedding) Call(x *tensor.Tensor, _ bool) *tensor.Tensor {
	checkBatch("Embedding", x, l.in)
	return tensor.Gather(l.embeddings.Value, x)
}

// CallMasked implements Masked: with MaskZero, the mask of the output is
// x ≠ 0 for sequences of indices [N, T].
func (l *Embedding) CallMasked(x, _ *tensor.Tensor, training bool) (*tensor.Tensor, *tensor.Tensor) {
	y := l.Call(x, training)
	if !l.MaskZero || len(x.Shape()) != 2 {
		return y, nil
	}
	return y, tensor.StepMask(x, 0)
}

// Weights implements Layer.
func (l *Embedding) Weights() []*Weight {
	if l.embeddings == nil {
		return nil
	}
	return []*Weight{l.embeddings}
}

// RegularizationLoss implements Regularized.
func (l *Embedding) RegularizationLoss() *tensor.Tensor {
	return regLoss(regPair{l.embeddings, l.EmbeddingsRegularizer})
}

// The layer's Keras config (get_config and from_config), registered as a
// custom layer would be.
func init() { Register("Embedding", decodeEmbedding) }

type embeddingConfig struct {
	BatchInputShape       batchShape `json:"batch_input_shape,omitempty"`
	InputDim              int        `json:"input_dim"`
	OutputDim             int        `json:"output_dim"`
	EmbeddingsInitializer *object    `json:"embeddings_initializer"`
	EmbeddingsRegularizer *object    `json:"embeddings_regularizer"`
	ActivityRegularizer   *object    `json:"activity_regularizer"`
	EmbeddingsConstraint  *object    `json:"embeddings_constraint"`
	MaskZero              bool       `json:"mask_zero"`
	QuantizationConfig    *object    `json:"quantization_config"`
}

// Config implements Configurable.
func (l *Embedding) Config() (any, error) {
	ini, err := encodeInitializer("embeddings_initializer", l.EmbeddingsInitializer, initializers.RandomUniform{Min: -0.05, Max: 0.05})
	if err != nil {
		return nil, err
	}
	reg, err := encodeRegularizer("embeddings_regularizer", l.EmbeddingsRegularizer)
	if err != nil {
		return nil, err
	}
	return embeddingConfig{BatchInputShape: toBatchShape(l.InputShape), InputDim: l.InputDim, OutputDim: l.OutputDim,
		EmbeddingsInitializer: ini, EmbeddingsRegularizer: reg, MaskZero: l.MaskZero}, nil
}

func decodeEmbedding(b []byte) (Layer, error) {
	var c embeddingConfig
	if err := DecodeConfig(b, &c); err != nil {
		return nil, err
	}
	switch {
	case c.InputDim <= 0:
		return nil, fmt.Errorf("input_dim must be > 0, got %d", c.InputDim)
	case c.OutputDim <= 0:
		return nil, fmt.Errorf("output_dim must be > 0, got %d", c.OutputDim)
	case c.ActivityRegularizer != nil:
		return nil, fmt.Errorf("activity_regularizer: not supported on Embedding")
	case c.EmbeddingsConstraint != nil:
		return nil, fmt.Errorf("embeddings_constraint: constraints on Embedding are not supported")
	case c.QuantizationConfig != nil:
		return nil, fmt.Errorf("quantization_config: quantized embeddings are not supported")
	}
	in, err := c.BatchInputShape.perExample("batch_input_shape")
	if err != nil {
		return nil, err
	}
	l := &Embedding{InputDim: c.InputDim, OutputDim: c.OutputDim, MaskZero: c.MaskZero, InputShape: in}
	if l.EmbeddingsInitializer, err = decodeInitializer("embeddings_initializer", c.EmbeddingsInitializer); err != nil {
		return nil, err
	}
	if l.EmbeddingsRegularizer, err = decodeRegularizer("embeddings_regularizer", c.EmbeddingsRegularizer); err != nil {
		return nil, err
	}
	return l, nil
}
