// Package layers provides the building blocks of a model, with Keras's names,
// arguments, defaults and configs:
//
//   - core: Input, Dense, Flatten, Reshape, Identity, Dropout;
//   - images: Conv2D (with dilation_rate and groups), DepthwiseConv2D,
//     SeparableConv2D, Conv2DTranspose, MaxPooling2D, AveragePooling2D,
//     GlobalAveragePooling2D, GlobalMaxPooling2D, ZeroPadding2D,
//     Cropping2D, UpSampling2D, SpatialDropout2D;
//   - sequences: Conv1D (causal padding too), MaxPooling1D,
//     AveragePooling1D, GlobalAveragePooling1D,
//     GlobalMaxPooling1D, ZeroPadding1D, Cropping1D, UpSampling1D,
//     SpatialDropout1D, RepeatVector, Permute;
//   - recurrent and text: Embedding, SimpleRNN, LSTM, GRU, the wrappers
//     Bidirectional and TimeDistributed, and Masking; masks (Embedding's
//     MaskZero, Masking) make the recurrent layers skip padding (see
//     Masked);
//   - normalization: BatchNormalization (folded at inference into a linear
//     Conv2D or Dense before it; see InferenceCache), LayerNormalization,
//     GroupNormalization, UnitNormalization;
//   - preprocessing (fixed before training, or computed by Adapt):
//     Rescaling, Normalization, CategoryEncoding, Discretization, and
//     TextVectorization, which turns texts into token indices (see its
//     doc for texts inside and outside a model);
//   - image augmentation (active only in training): RandomFlip,
//     RandomTranslation, RandomRotation, RandomZoom, RandomContrast;
//   - activations: Activation, ReLU, LeakyReLU, PReLU, ELU, Softmax;
//   - regularization: GaussianNoise, GaussianDropout, ActivityRegularization;
//   - merging (MultiLayer, several inputs): Add, Subtract, Multiply,
//     Average, Maximum, Minimum, Concatenate, Dot;
//   - attention (MultiLayer: query, value, key): MultiHeadAttention,
//     Attention, AdditiveAttention; with PositionEmbedding (Keras-Hub's,
//     added to the embeddings with Add), Dense on sequences and
//     LayerNormalization, a transformer encoder block takes a few lines.
//
// A layer is configured by the exported fields of its struct, named after
// Keras's keyword arguments; the zero value of a field is Keras's default.
// Shapes given to and returned by Build are per example, without the batch
// axis (Keras's None); tensors given to Call have the batch axis first.
//
// Each layer's Keras config coding (get_config and from_config) sits in
// the layer's own file and registers with Register, as a custom layer's
// does.
package layers

import (
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/neuron-go/neuron/tensor"
)

// Layer maps a batch to a batch.
type Layer interface {
	// ClassName returns the Keras class name, e.g. "Dense". The model derives
	// layer names from it ("dense", "dense_1", …).
	ClassName() string
	// Build checks the configuration against the per-example input shape,
	// creates the weights from rng and returns the per-example output shape.
	// Building again replaces the weights.
	Build(in []int, rng *rand.Rand) (out []int, err error)
	// Call runs the layer on a batch. training is true inside Fit (Dropout
	// is active then). Call panics with a *tensor.ShapeError if x does not
	// have the shape given to Build; the model checks shapes before calling.
	Call(x *tensor.Tensor, training bool) *tensor.Tensor
	// Weights returns the layer's weights, trainable first; nil if none.
	Weights() []*Weight
}

// Weight is a named weight tensor of a layer.
type Weight struct {
	// Name is the weight's name within its layer: "kernel", "bias".
	Name string
	// Value holds the weight; optimizers update its data in place.
	Value *tensor.Tensor
	// Trainable is true for weights that Fit updates.
	Trainable bool
}

// InputShaper is implemented by layers that may carry the model's input
// shape, like Keras's input_shape argument (Flatten, Dense, Conv2D, Input).
type InputShaper interface {
	// ModelInputShape returns the per-example input shape, or nil.
	ModelInputShape() []int
}

// Input declares the per-example shape of the model's input, like
// keras.Input(shape=...). It does nothing to the data and is not listed in
// the model summary, as in Keras.
type Input struct {
	// Shape is the per-example input shape, e.g. {28, 28}.
	Shape []int
}

// ClassName implements Layer.
func (*Input) ClassName() string { return "InputLayer" }

// ModelInputShape implements InputShaper.
func (l *Input) ModelInputShape() []int { return l.Shape }

// Build implements Layer.
func (l *Input) Build(in []int, _ *rand.Rand) ([]int, error) {
	if err := checkShape("Input", "Shape", l.Shape); err != nil {
		return nil, err
	}
	if err := checkOutput("Input", "Shape", l.Shape); err != nil {
		return nil, err
	}
	return append([]int(nil), in...), nil
}

// Call implements Layer.
func (*Input) Call(x *tensor.Tensor, _ bool) *tensor.Tensor { return x }

// Weights implements Layer.
func (*Input) Weights() []*Weight { return nil }

// checkShape rejects empty shapes and non-positive dimensions.
func checkShape(layer, field string, s []int) error {
	if len(s) == 0 {
		return fmt.Errorf("layers: %s: %s is empty", layer, field)
	}
	for _, d := range s {
		if d <= 0 {
			return fmt.Errorf("layers: %s: %s must have positive dimensions, got %v", layer, field, s)
		}
	}
	return nil
}

// newWeight makes a named trainable weight from initial values.
func newWeight(name string, shape []int, values []float32) *Weight {
	return &Weight{Name: name, Value: tensor.FromSlice(values, shape...).RequireGrad(), Trainable: true}
}

func prod(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// Seeder is implemented by layers that draw random numbers while training
// (Dropout). The model gives each such layer its own stream derived from the
// model's seed after Build.
type Seeder interface {
	SeedFrom(rng *rand.Rand)
}

// WrappedNamer is implemented by wrappers whose wrapped layers Keras
// names with its automatic names, counted with the model's other layers
// of their class (Bidirectional's: the GRU of a model's second
// Bidirectional(GRU(…)) is gru_1, its forward layer forward_gru_1). A
// model calls it when it names its layers, before and after Build.
type WrappedNamer interface {
	// UnnamedWrapped returns the classes of the wrapped layers that have
	// no name given, in the order Keras makes them.
	UnnamedWrapped() []string
	// NameWrapped gives those layers their names, one for each class
	// UnnamedWrapped returned.
	NameWrapped(names []string)
}

// Fuser is implemented by layers that can run together with the layer after
// them as one faster operation (Conv2D with ReLU followed by MaxPooling2D;
// at inference a linear Conv2D or Dense followed by BatchNormalization).
// The model calls CallFused first; if it returns false, it calls the two
// layers one by one. The fused result must equal the separate one, bit for
// bit or, where the layer says so, up to rounding.
type Fuser interface {
	CallFused(next Layer, x *tensor.Tensor, training bool) (*tensor.Tensor, bool)
}

// The layer's Keras config (get_config and from_config), registered as a
// custom layer would be.
func init() { Register("InputLayer", decodeInput) }

type inputConfig struct {
	BatchShape batchShape `json:"batch_shape"`
}

// Config implements Configurable.
func (l *Input) Config() (any, error) {
	if err := checkShape("Input", "Shape", l.Shape); err != nil {
		return nil, err
	}
	return inputConfig{toBatchShape(l.Shape)}, nil
}

func decodeInput(b []byte) (Layer, error) {
	var c inputConfig
	if err := DecodeConfig(b, &c); err != nil {
		return nil, err
	}
	if c.BatchShape == nil {
		return nil, errors.New("batch_shape is missing")
	}
	s, err := c.BatchShape.perExample("batch_shape")
	if err != nil {
		return nil, err
	}
	return &Input{Shape: s}, nil
}

// Plan implements Planner.
func (l *Input) Plan(in []int) ([]int, []WeightShape, error) {
	out, err := l.Build(in, nil)
	return out, nil, err
}
