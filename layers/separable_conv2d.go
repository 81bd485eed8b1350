package layers

import (
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/constraints"
	"github.com/neuron-go/neuron/initializers"
	"github.com/neuron-go/neuron/tensor"
)

// SeparableConv2D is a depthwise separable 2-D convolution over
// channels-last images: a depthwise convolution (each input channel with
// its own DepthMultiplier kernels, as DepthwiseConv2D) followed by a 1×1
// convolution that mixes the channels into Filters outputs. Call(x) =
// Activation(pointwise(depthwise(x)) + bias). It has far fewer weights
// than a Conv2D of the same kernel size.
//
// Shapes: (batch, height, width, channels) → (batch, outHeight, outWidth,
// Filters), the output size being Conv2D's; depthwise_kernel
// (KernelSize[0], KernelSize[1], channels, DepthMultiplier),
// pointwise_kernel (1, 1, channels·DepthMultiplier, Filters), bias
// (Filters).
type SeparableConv2D struct {
	// Filters is the number of output channels; it must be > 0.
	Filters int
	// KernelSize is the (height, width) of the depthwise kernels.
	KernelSize [2]int
	// Strides is the step of the depthwise kernels; the zero value means
	// {1, 1}.
	Strides [2]int
	// Padding is "valid" (the default when empty) or "same", as Conv2D's.
	Padding string
	// DepthMultiplier is the number of depthwise kernels per input
	// channel; the zero value means Keras's 1.
	DepthMultiplier int
	// DilationRate is the step between the depthwise kernels' taps; the
	// zero value means {1, 1}. Above 1 it cannot be combined with Strides
	// above 1.
	DilationRate [2]int
	// Activation is applied to the output; the zero value is linear.
	Activation activations.Activation
	// NoBias drops the bias (Keras use_bias=False).
	NoBias bool
	// DepthwiseInitializer and PointwiseInitializer default to
	// GlorotUniform, BiasInitializer to Zeros.
	DepthwiseInitializer, PointwiseInitializer, BiasInitializer initializers.Initializer
	// DepthwiseRegularizer, PointwiseRegularizer and BiasRegularizer add a
	// penalty on the weights to the training loss; nil means none.
	DepthwiseRegularizer, PointwiseRegularizer, BiasRegularizer Regularizer
	// DepthwiseConstraint, PointwiseConstraint and BiasConstraint rewrite
	// the weights after each optimizer update; nil means none.
	DepthwiseConstraint, PointwiseConstraint, BiasConstraint constraints.Constraint
	// InputShape optionally declares the model's per-example input shape.
	InputShape []int

	depthwise, pointwise, bias *Weight
	spec                       tensor.ConvSpec
	in                         []int
}

// ClassName implements Layer.
func (*SeparableConv2D) ClassName() string { return "SeparableConv2D" }

// ModelInputShape implements InputShaper.
func (l *SeparableConv2D) ModelInputShape() []int { return l.InputShape }

func (l *SeparableConv2D) plan(in []int) ([]int, []weightSpec, tensor.ConvSpec, error) {
	const name = "SeparableConv2D"
	var spec tensor.ConvSpec
	if l.Filters <= 0 {
		return nil, nil, spec, fmt.Errorf("layers: %s: Filters must be > 0, got %d", name, l.Filters)
	}
	w, err := resolveWindow2D(name, l.KernelSize, l.Strides, l.DilationRate, l.Padding)
	if err != nil {
		return nil, nil, spec, err
	}
	dm, err := depthMultiplier(name, l.DepthMultiplier)
	if err != nil {
		return nil, nil, spec, err
	}
	out, err := convOutput2D(name, in, l.KernelSize, w.strides, w.dilation, w.padding)
	if err != nil {
		return nil, nil, spec, err
	}
	// The depthwise output, which Call stores, is checked as an output.
	mid := []int{out[0], out[1], in[2] * dm}
	out[2] = l.Filters
	specs := []weightSpec{
		{name: "depthwise_kernel", shape: []int{l.KernelSize[0], l.KernelSize[1], in[2], dm},
			init: l.DepthwiseInitializer, def: initializers.GlorotUniform{}, reg: l.DepthwiseRegularizer, con: l.DepthwiseConstraint,
			initField: "DepthwiseInitializer", field: "DepthwiseConstraint"},
		{name: "pointwise_kernel", shape: []int{1, 1, in[2] * dm, l.Filters},
			init: l.PointwiseInitializer, def: initializers.GlorotUniform{}, reg: l.PointwiseRegularizer, con: l.PointwiseConstraint,
			initField: "PointwiseInitializer", field: "PointwiseConstraint"},
	}
	if !l.NoBias {
		specs = append(specs, weightSpec{name: "bias", shape: []int{l.Filters},
			init: l.BiasInitializer, def: initializers.Zeros{}, reg: l.BiasRegularizer, con: l.BiasConstraint,
			initField: "BiasInitializer", field: "BiasConstraint"})
	}
	if err := checkWeightSpecs(name, specs); err != nil {
		return nil, nil, spec, err
	}
	if err := checkOutput(name, "depthwise output", mid); err != nil {
		return nil, nil, spec, err
	}
	if err := checkOutput(name, "output", out); err != nil {
		return nil, nil, spec, err
	}
	return out, specs, convSpec(w.strides, w.dilation, w.padding, 1), nil
}

// Build implements Layer.
func (l *SeparableConv2D) Build(in []int, rng *rand.Rand) ([]int, error) {
	out, specs, spec, err := l.plan(in)
	if err != nil {
		return nil, err
	}
	ws := buildWeights(specs, rng)
	l.depthwise, l.pointwise, l.bias = ws[0], ws[1], nil
	if !l.NoBias {
		l.bias = ws[2]
	}
	l.spec, l.in = spec, append([]int(nil), in...)
	return out, nil
}

// Plan implements Planner.
func (l *SeparableConv2D) Plan(in []int) ([]int, []WeightShape, error) {
	out, specs, _, err := l.plan(in)
	if err != nil {
		return nil, nil, err
	}
	return out, weightShapes(specs), nil
}

// Call implements Layer: the depthwise convolution, then the pointwise
// one as a 1×1 Conv2D, which multiplies the depthwise output, viewed as a
// matrix, by the pointwise kernel with no copy.
func (l *SeparableConv2D) Call(x *tensor.Tensor, _ bool) *tensor.Tensor {
	checkBatch("SeparableConv2D", x, l.in)
	var b *tensor.Tensor
	if l.bias != nil {
		b = l.bias.Value
	}
	z := tensor.DepthwiseConv2D(x, l.depthwise.Value, nil, l.spec)
	if l.Activation.Name() == "relu" {
		return tensor.Conv2DReLU(z, l.pointwise.Value, b, [2]int{1, 1}, "valid")
	}
	return l.Activation.Apply(tensor.Conv2D(z, l.pointwise.Value, b, [2]int{1, 1}, "valid"))
}

// Weights implements Layer.
func (l *SeparableConv2D) Weights() []*Weight {
	if l.depthwise == nil {
		return nil
	}
	if l.bias == nil {
		return []*Weight{l.depthwise, l.pointwise}
	}
	return []*Weight{l.depthwise, l.pointwise, l.bias}
}

// RegularizationLoss implements Regularized.
func (l *SeparableConv2D) RegularizationLoss() *tensor.Tensor {
	return regLoss(regPair{l.depthwise, l.DepthwiseRegularizer}, regPair{l.pointwise, l.PointwiseRegularizer},
		regPair{l.bias, l.BiasRegularizer})
}

// ApplyConstraints implements Constrained.
func (l *SeparableConv2D) ApplyConstraints() {
	applyConstraint(l.DepthwiseConstraint, l.depthwise)
	applyConstraint(l.PointwiseConstraint, l.pointwise)
	applyConstraint(l.BiasConstraint, l.bias)
}

// The layer's Keras config (get_config and from_config), registered as a
// custom layer would be.
func init() { Register("SeparableConv2D", decodeSeparableConv2D) }

type separableConv2DConfig struct {
	BatchInputShape      batchShape `json:"batch_input_shape,omitempty"`
	DepthMultiplier      int        `json:"depth_multiplier"`
	Filters              int        `json:"filters"`
	KernelSize           [2]int     `json:"kernel_size"`
	Strides              [2]int     `json:"strides"`
	Padding              string     `json:"padding"`
	DataFormat           string     `json:"data_format"`
	DilationRate         [2]int     `json:"dilation_rate"`
	Activation           string     `json:"activation"`
	UseBias              bool       `json:"use_bias"`
	DepthwiseInitializer *object    `json:"depthwise_initializer"`
	PointwiseInitializer *object    `json:"pointwise_initializer"`
	BiasInitializer      *object    `json:"bias_initializer"`
	DepthwiseRegularizer *object    `json:"depthwise_regularizer,omitempty"`
	PointwiseRegularizer *object    `json:"pointwise_regularizer,omitempty"`
	BiasRegularizer      *object    `json:"bias_regularizer,omitempty"`
	ActivityRegularizer  *object    `json:"activity_regularizer,omitempty"` // Keras writes null; refused otherwise
	DepthwiseConstraint  *object    `json:"depthwise_constraint,omitempty"`
	PointwiseConstraint  *object    `json:"pointwise_constraint,omitempty"`
	BiasConstraint       *object    `json:"bias_constraint,omitempty"`
}

// Config implements Configurable.
func (l *SeparableConv2D) Config() (any, error) {
	const name = "SeparableConv2D"
	w, err := resolveWindow2D(name, l.KernelSize, l.Strides, l.DilationRate, l.Padding)
	if err != nil {
		return nil, err
	}
	dm, err := depthMultiplier(name, l.DepthMultiplier)
	if err != nil {
		return nil, err
	}
	d, err := encodeWeight("depthwise", l.DepthwiseInitializer, initializers.GlorotUniform{}, l.DepthwiseRegularizer, l.DepthwiseConstraint)
	if err != nil {
		return nil, err
	}
	p, err := encodeWeight("pointwise", l.PointwiseInitializer, initializers.GlorotUniform{}, l.PointwiseRegularizer, l.PointwiseConstraint)
	if err != nil {
		return nil, err
	}
	b, err := encodeWeight("bias", l.BiasInitializer, initializers.Zeros{}, l.BiasRegularizer, l.BiasConstraint)
	if err != nil {
		return nil, err
	}
	return separableConv2DConfig{
		BatchInputShape: toBatchShape(l.InputShape), DepthMultiplier: dm, Filters: l.Filters, KernelSize: l.KernelSize,
		Strides: w.strides, Padding: w.padding, DataFormat: "channels_last", DilationRate: w.dilation,
		Activation: l.Activation.Name(), UseBias: !l.NoBias,
		DepthwiseInitializer: d.init, PointwiseInitializer: p.init, BiasInitializer: b.init,
		DepthwiseRegularizer: d.reg, PointwiseRegularizer: p.reg, BiasRegularizer: b.reg,
		DepthwiseConstraint: d.con, PointwiseConstraint: p.con, BiasConstraint: b.con,
	}, nil
}

func decodeSeparableConv2D(b []byte) (Layer, error) {
	c := separableConv2DConfig{DepthMultiplier: 1, Strides: [2]int{1, 1}, Padding: "valid", DataFormat: "channels_last",
		DilationRate: [2]int{1, 1}, Activation: "linear", UseBias: true}
	if err := DecodeConfig(b, &c); err != nil {
		return nil, err
	}
	if c.ActivityRegularizer != nil {
		return nil, errors.New("activity_regularizer: not supported (add an ActivityRegularization layer after this one)")
	}
	switch {
	case c.Filters <= 0:
		return nil, fmt.Errorf("filters must be > 0, got %d", c.Filters)
	case c.DepthMultiplier <= 0:
		return nil, fmt.Errorf("depth_multiplier must be positive, got %d", c.DepthMultiplier)
	}
	if err := decodeConvWindow(c.KernelSize[:], c.Strides[:], c.DilationRate[:], c.Padding, "valid", "same"); err != nil {
		return nil, err
	}
	if err := checkDataFormat(c.DataFormat); err != nil {
		return nil, err
	}
	in, err := c.BatchInputShape.perExample("batch_input_shape")
	if err != nil {
		return nil, err
	}
	act, err := decodeActivation(c.Activation)
	if err != nil {
		return nil, err
	}
	d, err := decodeWeight("depthwise", c.DepthwiseInitializer, c.DepthwiseRegularizer, c.DepthwiseConstraint)
	if err != nil {
		return nil, err
	}
	p, err := decodeWeight("pointwise", c.PointwiseInitializer, c.PointwiseRegularizer, c.PointwiseConstraint)
	if err != nil {
		return nil, err
	}
	bw, err := decodeWeight("bias", c.BiasInitializer, c.BiasRegularizer, c.BiasConstraint)
	if err != nil {
		return nil, err
	}
	return &SeparableConv2D{
		Filters: c.Filters, KernelSize: c.KernelSize, Strides: c.Strides, Padding: c.Padding, DepthMultiplier: c.DepthMultiplier,
		DilationRate: c.DilationRate, Activation: act, NoBias: !c.UseBias, InputShape: in,
		DepthwiseInitializer: d.init, PointwiseInitializer: p.init, BiasInitializer: bw.init,
		DepthwiseRegularizer: d.reg, PointwiseRegularizer: p.reg, BiasRegularizer: bw.reg,
		DepthwiseConstraint: d.con, PointwiseConstraint: p.con, BiasConstraint: bw.con,
	}, nil
}
