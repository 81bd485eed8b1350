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

// DepthwiseConv2D is a depthwise 2-D convolution over channels-last
// images: each input channel is convolved with its own DepthMultiplier
// kernels, and the channels are not mixed. Call(x) =
// Activation(depthwise(x, kernel) + bias), a cross-correlation as in Keras.
//
// Shapes: (batch, height, width, channels) → (batch, outHeight, outWidth,
// channels·DepthMultiplier), output channel c·DepthMultiplier + m coming
// from input channel c; kernel (KernelSize[0], KernelSize[1], channels,
// DepthMultiplier) (Keras 3's layout, named "kernel"), bias
// (channels·DepthMultiplier). The output size is Conv2D's.
type DepthwiseConv2D struct {
	// KernelSize is the (height, width) of each kernel, e.g. {3, 3}.
	KernelSize [2]int
	// Strides is the step of the kernel along (height, width); the zero
	// value means {1, 1}.
	Strides [2]int
	// Padding is "valid" (the default when empty) or "same", as Conv2D's.
	Padding string
	// DepthMultiplier is the number of kernels per input channel; the
	// zero value means Keras's 1.
	DepthMultiplier int
	// DilationRate is the step between the kernel's taps; the zero value
	// means {1, 1}. Above 1 it cannot be combined with Strides above 1.
	DilationRate [2]int
	// Activation is applied to the output; the zero value is linear.
	Activation activations.Activation
	// NoBias drops the bias (Keras use_bias=False).
	NoBias bool
	// DepthwiseInitializer defaults to GlorotUniform (fans: receptive
	// field × channels and × DepthMultiplier); BiasInitializer to Zeros.
	DepthwiseInitializer, BiasInitializer initializers.Initializer
	// DepthwiseRegularizer and BiasRegularizer add a penalty on the
	// weights to the training loss; nil means none.
	DepthwiseRegularizer, BiasRegularizer Regularizer
	// DepthwiseConstraint and BiasConstraint rewrite the weights after
	// each optimizer update; nil means none.
	DepthwiseConstraint, BiasConstraint constraints.Constraint
	// InputShape optionally declares the model's per-example input shape.
	InputShape []int

	kernel, bias *Weight
	spec         tensor.ConvSpec
	in           []int
}

// ClassName implements Layer.
func (*DepthwiseConv2D) ClassName() string { return "DepthwiseConv2D" }

// ModelInputShape implements InputShaper.
func (l *DepthwiseConv2D) ModelInputShape() []int { return l.InputShape }

func (l *DepthwiseConv2D) plan(in []int) ([]int, []weightSpec, tensor.ConvSpec, error) {
	const name = "DepthwiseConv2D"
	var spec tensor.ConvSpec
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
	out[2] = in[2] * dm
	specs := []weightSpec{{name: "kernel", shape: []int{l.KernelSize[0], l.KernelSize[1], in[2], dm},
		init: l.DepthwiseInitializer, def: initializers.GlorotUniform{}, reg: l.DepthwiseRegularizer, con: l.DepthwiseConstraint,
		initField: "DepthwiseInitializer", field: "DepthwiseConstraint"}}
	if !l.NoBias {
		specs = append(specs, weightSpec{name: "bias", shape: []int{out[2]},
			init: l.BiasInitializer, def: initializers.Zeros{}, reg: l.BiasRegularizer, con: l.BiasConstraint,
			initField: "BiasInitializer", field: "BiasConstraint"})
	}
	if err := checkWeightSpecs(name, specs); err != nil {
		return nil, nil, spec, err
	}
	if err := checkOutput(name, "output", out); err != nil {
		return nil, nil, spec, err
	}
	return out, specs, convSpec(w.strides, w.dilation, w.padding, 1), nil
}

// Build implements Layer.
func (l *DepthwiseConv2D) Build(in []int, rng *rand.Rand) ([]int, error) {
	out, specs, spec, err := l.plan(in)
	if err != nil {
		return nil, err
	}
	ws := buildWeights(specs, rng)
	l.kernel, l.bias = ws[0], nil
	if !l.NoBias {
		l.bias = ws[1]
	}
	l.spec, l.in = spec, append([]int(nil), in...)
	return out, nil
}

// Plan implements Planner.
func (l *DepthwiseConv2D) Plan(in []int) ([]int, []WeightShape, error) {
	out, specs, _, err := l.plan(in)
	if err != nil {
		return nil, nil, err
	}
	return out, weightShapes(specs), nil
}

// Call implements Layer.
func (l *DepthwiseConv2D) Call(x *tensor.Tensor, _ bool) *tensor.Tensor {
	checkBatch("DepthwiseConv2D", x, l.in)
	var b *tensor.Tensor
	if l.bias != nil {
		b = l.bias.Value
	}
	return l.Activation.Apply(tensor.DepthwiseConv2D(x, l.kernel.Value, b, l.spec))
}

// Weights implements Layer.
func (l *DepthwiseConv2D) Weights() []*Weight { return kernelBias(l.kernel, l.bias) }

// RegularizationLoss implements Regularized.
func (l *DepthwiseConv2D) RegularizationLoss() *tensor.Tensor {
	return regLoss(regPair{l.kernel, l.DepthwiseRegularizer}, regPair{l.bias, l.BiasRegularizer})
}

// ApplyConstraints implements Constrained.
func (l *DepthwiseConv2D) ApplyConstraints() {
	applyConstraint(l.DepthwiseConstraint, l.kernel)
	applyConstraint(l.BiasConstraint, l.bias)
}

// The layer's Keras config (get_config and from_config), registered as a
// custom layer would be.
func init() { Register("DepthwiseConv2D", decodeDepthwiseConv2D) }

type depthwiseConv2DConfig struct {
	BatchInputShape      batchShape `json:"batch_input_shape,omitempty"`
	DepthMultiplier      int        `json:"depth_multiplier"`
	KernelSize           [2]int     `json:"kernel_size"`
	Strides              [2]int     `json:"strides"`
	Padding              string     `json:"padding"`
	DataFormat           string     `json:"data_format"`
	DilationRate         [2]int     `json:"dilation_rate"`
	Activation           string     `json:"activation"`
	UseBias              bool       `json:"use_bias"`
	DepthwiseInitializer *object    `json:"depthwise_initializer"`
	BiasInitializer      *object    `json:"bias_initializer"`
	DepthwiseRegularizer *object    `json:"depthwise_regularizer,omitempty"`
	BiasRegularizer      *object    `json:"bias_regularizer,omitempty"`
	ActivityRegularizer  *object    `json:"activity_regularizer,omitempty"` // Keras writes null; refused otherwise
	DepthwiseConstraint  *object    `json:"depthwise_constraint,omitempty"`
	BiasConstraint       *object    `json:"bias_constraint,omitempty"`
}

// Config implements Configurable.
func (l *DepthwiseConv2D) Config() (any, error) {
	const name = "DepthwiseConv2D"
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
	b, err := encodeWeight("bias", l.BiasInitializer, initializers.Zeros{}, l.BiasRegularizer, l.BiasConstraint)
	if err != nil {
		return nil, err
	}
	return depthwiseConv2DConfig{
		BatchInputShape: toBatchShape(l.InputShape), DepthMultiplier: dm, KernelSize: l.KernelSize,
		Strides: w.strides, Padding: w.padding, DataFormat: "channels_last", DilationRate: w.dilation,
		Activation: l.Activation.Name(), UseBias: !l.NoBias,
		DepthwiseInitializer: d.init, BiasInitializer: b.init, DepthwiseRegularizer: d.reg, BiasRegularizer: b.reg,
		DepthwiseConstraint: d.con, BiasConstraint: b.con,
	}, nil
}

func decodeDepthwiseConv2D(b []byte) (Layer, error) {
	c := depthwiseConv2DConfig{DepthMultiplier: 1, Strides: [2]int{1, 1}, Padding: "valid", DataFormat: "channels_last",
		DilationRate: [2]int{1, 1}, Activation: "linear", UseBias: true}
	if err := DecodeConfig(b, &c); err != nil {
		return nil, err
	}
	if c.ActivityRegularizer != nil {
		return nil, errors.New("activity_regularizer: not supported (add an ActivityRegularization layer after this one)")
	}
	if c.DepthMultiplier <= 0 {
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
	bw, err := decodeWeight("bias", c.BiasInitializer, c.BiasRegularizer, c.BiasConstraint)
	if err != nil {
		return nil, err
	}
	return &DepthwiseConv2D{
		KernelSize: c.KernelSize, Strides: c.Strides, Padding: c.Padding, DepthMultiplier: c.DepthMultiplier,
		DilationRate: c.DilationRate, Activation: act, NoBias: !c.UseBias, InputShape: in,
		DepthwiseInitializer: d.init, BiasInitializer: bw.init, DepthwiseRegularizer: d.reg, BiasRegularizer: bw.reg,
		DepthwiseConstraint: d.con, BiasConstraint: bw.con,
	}, nil
}
