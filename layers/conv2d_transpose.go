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

// Conv2DTranspose is a transposed 2-D convolution over channels-last
// images (sometimes called a deconvolution): it maps each input pixel
// through the kernel onto a larger output, the gradient of a Conv2D with
// respect to its input, as Keras computes it with TensorFlow's
// conv2d_transpose. It is the usual upsampling layer of decoders and
// generators. Call(x) = Activation(convT(x, kernel) + bias).
//
// Shapes: (batch, height, width, channels) → (batch, outHeight, outWidth,
// Filters); kernel (KernelSize[0], KernelSize[1], Filters, channels)
// (Keras's layout: the filters before the input channels), bias
// (Filters). With span = (KernelSize[0] − 1)·DilationRate[0] + 1, Keras's
// formula gives outHeight = (height − 1)·Strides[0] + span + p with
// "valid" padding, where p is OutputPadding[0] or, without it, max(span,
// Strides[0]) − span; with "same" padding it is height·Strides[0] without
// OutputPadding, else (height − 1)·Strides[0] + span mod 2 +
// OutputPadding[0] (likewise for the width).
type Conv2DTranspose struct {
	// Filters is the number of output channels; it must be > 0.
	Filters int
	// KernelSize is the (height, width) of each kernel.
	KernelSize [2]int
	// Strides is the upsampling factor along (height, width); the zero
	// value means {1, 1}.
	Strides [2]int
	// Padding is "valid" (the default when empty) or "same".
	Padding string
	// OutputPadding, if not nil, is the (height, width) added to the
	// output size as in Keras's formula above; each must be >= 0 and less
	// than the stride. nil is Keras's None.
	OutputPadding []int
	// DilationRate is the step between the kernel's taps; the zero value
	// means {1, 1}. Above 1 it cannot be combined with Strides above 1.
	DilationRate [2]int
	// Activation is applied to the output; the zero value is linear.
	Activation activations.Activation
	// NoBias drops the bias (Keras use_bias=False).
	NoBias bool
	// KernelInitializer defaults to GlorotUniform (fans: receptive field
	// × Filters and × channels), BiasInitializer to Zeros.
	KernelInitializer, BiasInitializer initializers.Initializer
	// KernelRegularizer and BiasRegularizer add a penalty on the weights
	// to the training loss; nil means none.
	KernelRegularizer, BiasRegularizer Regularizer
	// KernelConstraint and BiasConstraint rewrite the weights after each
	// optimizer update; nil means none.
	KernelConstraint, BiasConstraint constraints.Constraint
	// InputShape optionally declares the model's per-example input shape.
	InputShape []int

	kernel, bias *Weight
	spec         tensor.ConvSpec
	out          [2]int
	in           []int
}

// ClassName implements Layer.
func (*Conv2DTranspose) ClassName() string { return "Conv2DTranspose" }

// ModelInputShape implements InputShaper.
func (l *Conv2DTranspose) ModelInputShape() []int { return l.InputShape }

// outputPadding checks OutputPadding against the strides and returns it,
// {-1, -1} for nil (Keras's None).
func (l *Conv2DTranspose) outputPadding(strides [2]int) ([2]int, error) {
	const name = "Conv2DTranspose"
	if l.OutputPadding == nil {
		return [2]int{-1, -1}, nil
	}
	if len(l.OutputPadding) != 2 {
		return [2]int{}, fmt.Errorf("layers: %s: OutputPadding must have 2 values (height, width) or be nil, got %v", name, l.OutputPadding)
	}
	for i, p := range l.OutputPadding {
		if p < 0 {
			return [2]int{}, fmt.Errorf("layers: %s: OutputPadding must be >= 0, got %v", name, l.OutputPadding)
		}
		if p >= strides[i] {
			return [2]int{}, fmt.Errorf("layers: %s: OutputPadding %v must be less than Strides %v on each axis (Keras refuses it)", name, l.OutputPadding, strides)
		}
	}
	return [2]int{l.OutputPadding[0], l.OutputPadding[1]}, nil
}

func (l *Conv2DTranspose) plan(in []int) ([]int, []weightSpec, tensor.ConvSpec, error) {
	const name = "Conv2DTranspose"
	var spec tensor.ConvSpec
	if l.Filters <= 0 {
		return nil, nil, spec, fmt.Errorf("layers: %s: Filters must be > 0, got %d", name, l.Filters)
	}
	w, err := resolveWindow2D(name, l.KernelSize, l.Strides, l.DilationRate, l.Padding)
	if err != nil {
		return nil, nil, spec, err
	}
	op, err := l.outputPadding(w.strides)
	if err != nil {
		return nil, nil, spec, err
	}
	if len(in) != 3 {
		return nil, nil, spec, fmt.Errorf("layers: %s: want examples of rank 3 (height, width, channels), got shape %v", name, in)
	}
	if err := checkOutput(name, "input", in); err != nil {
		return nil, nil, spec, err
	}
	out := []int{0, 0, l.Filters}
	for i := range 2 {
		if !spanFits(l.KernelSize[i], w.dilation[i]) || w.strides[i] > MaxElements || in[i]-1 > MaxElements/w.strides[i] {
			return nil, nil, spec, fmt.Errorf("layers: %s: the output of a %dx%d input with KernelSize %v, Strides %v and DilationRate %v would be more than %d values high or wide",
				name, in[0], in[1], l.KernelSize, w.strides, w.dilation, MaxElements)
		}
		out[i] = tensor.ConvTransposeOutputSize(in[i], l.KernelSize[i], w.strides[i], w.dilation[i], op[i], w.padding)
	}
	for i := range 2 {
		// TensorFlow computes the layer as the gradient of the
		// convolution from the output's size to the input's, which must
		// exist: with "same" padding, an even span and OutputPadding 0 it
		// does not.
		if back, _ := tensor.ConvOutputSize(out[i], span(l.KernelSize[i], w.dilation[i]), w.strides[i], w.padding); back != in[i] {
			return nil, nil, spec, fmt.Errorf("layers: %s: OutputPadding %v with %q padding gives a %dx%d output, which the %dx%d kernel with Strides %v does not map back to the %dx%d input (TensorFlow refuses it)",
				name, l.OutputPadding, w.padding, out[0], out[1], l.KernelSize[0], l.KernelSize[1], w.strides, in[0], in[1])
		}
	}
	specs := []weightSpec{{name: "kernel", shape: []int{l.KernelSize[0], l.KernelSize[1], l.Filters, in[2]},
		init: l.KernelInitializer, def: initializers.GlorotUniform{}, reg: l.KernelRegularizer, con: l.KernelConstraint,
		initField: "KernelInitializer", field: "KernelConstraint"}}
	if !l.NoBias {
		specs = append(specs, weightSpec{name: "bias", shape: []int{l.Filters},
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
func (l *Conv2DTranspose) Build(in []int, rng *rand.Rand) ([]int, error) {
	out, specs, spec, err := l.plan(in)
	if err != nil {
		return nil, err
	}
	ws := buildWeights(specs, rng)
	l.kernel, l.bias = ws[0], nil
	if !l.NoBias {
		l.bias = ws[1]
	}
	l.spec, l.out, l.in = spec, [2]int{out[0], out[1]}, append([]int(nil), in...)
	return out, nil
}

// Plan implements Planner.
func (l *Conv2DTranspose) Plan(in []int) ([]int, []WeightShape, error) {
	out, specs, _, err := l.plan(in)
	if err != nil {
		return nil, nil, err
	}
	return out, weightShapes(specs), nil
}

// Call implements Layer.
func (l *Conv2DTranspose) Call(x *tensor.Tensor, _ bool) *tensor.Tensor {
	checkBatch("Conv2DTranspose", x, l.in)
	var b *tensor.Tensor
	if l.bias != nil {
		b = l.bias.Value
	}
	return l.Activation.Apply(tensor.Conv2DTranspose(x, l.kernel.Value, b, l.spec, l.out))
}

// Weights implements Layer.
func (l *Conv2DTranspose) Weights() []*Weight { return kernelBias(l.kernel, l.bias) }

// RegularizationLoss implements Regularized.
func (l *Conv2DTranspose) RegularizationLoss() *tensor.Tensor {
	return regLoss(regPair{l.kernel, l.KernelRegularizer}, regPair{l.bias, l.BiasRegularizer})
}

// ApplyConstraints implements Constrained.
func (l *Conv2DTranspose) ApplyConstraints() {
	applyConstraint(l.KernelConstraint, l.kernel)
	applyConstraint(l.BiasConstraint, l.bias)
}

// The layer's Keras config (get_config and from_config), registered as a
// custom layer would be. Keras writes output_padding as null when it is
// None.
func init() { Register("Conv2DTranspose", decodeConv2DTranspose) }

type conv2DTransposeConfig struct {
	BatchInputShape     batchShape `json:"batch_input_shape,omitempty"`
	Filters             int        `json:"filters"`
	KernelSize          [2]int     `json:"kernel_size"`
	Strides             [2]int     `json:"strides"`
	Padding             string     `json:"padding"`
	OutputPadding       *[2]int    `json:"output_padding"`
	DataFormat          string     `json:"data_format"`
	DilationRate        [2]int     `json:"dilation_rate"`
	Activation          string     `json:"activation"`
	UseBias             bool       `json:"use_bias"`
	KernelInitializer   *object    `json:"kernel_initializer"`
	BiasInitializer     *object    `json:"bias_initializer"`
	KernelRegularizer   *object    `json:"kernel_regularizer,omitempty"`
	BiasRegularizer     *object    `json:"bias_regularizer,omitempty"`
	ActivityRegularizer *object    `json:"activity_regularizer,omitempty"` // Keras writes null; refused otherwise
	KernelConstraint    *object    `json:"kernel_constraint,omitempty"`
	BiasConstraint      *object    `json:"bias_constraint,omitempty"`
}

// Config implements Configurable.
func (l *Conv2DTranspose) Config() (any, error) {
	const name = "Conv2DTranspose"
	w, err := resolveWindow2D(name, l.KernelSize, l.Strides, l.DilationRate, l.Padding)
	if err != nil {
		return nil, err
	}
	if _, err := l.outputPadding(w.strides); err != nil {
		return nil, err
	}
	var op *[2]int
	if l.OutputPadding != nil {
		op = &[2]int{l.OutputPadding[0], l.OutputPadding[1]}
	}
	k, err := encodeWeight("kernel", l.KernelInitializer, initializers.GlorotUniform{}, l.KernelRegularizer, l.KernelConstraint)
	if err != nil {
		return nil, err
	}
	b, err := encodeWeight("bias", l.BiasInitializer, initializers.Zeros{}, l.BiasRegularizer, l.BiasConstraint)
	if err != nil {
		return nil, err
	}
	return conv2DTransposeConfig{
		BatchInputShape: toBatchShape(l.InputShape), Filters: l.Filters, KernelSize: l.KernelSize,
		Strides: w.strides, Padding: w.padding, OutputPadding: op, DataFormat: "channels_last", DilationRate: w.dilation,
		Activation: l.Activation.Name(), UseBias: !l.NoBias,
		KernelInitializer: k.init, BiasInitializer: b.init, KernelRegularizer: k.reg, BiasRegularizer: b.reg,
		KernelConstraint: k.con, BiasConstraint: b.con,
	}, nil
}

func decodeConv2DTranspose(b []byte) (Layer, error) {
	c := conv2DTransposeConfig{Strides: [2]int{1, 1}, Padding: "valid", DataFormat: "channels_last",
		DilationRate: [2]int{1, 1}, Activation: "linear", UseBias: true}
	if err := DecodeConfig(b, &c); err != nil {
		return nil, err
	}
	if c.ActivityRegularizer != nil {
		return nil, errors.New("activity_regularizer: not supported (add an ActivityRegularization layer after this one)")
	}
	if c.Filters <= 0 {
		return nil, fmt.Errorf("filters must be > 0, got %d", c.Filters)
	}
	if err := decodeConvWindow(c.KernelSize[:], c.Strides[:], c.DilationRate[:], c.Padding, "valid", "same"); err != nil {
		return nil, err
	}
	var op []int
	if c.OutputPadding != nil {
		op = c.OutputPadding[:]
		for i, p := range op {
			if p < 0 || p >= c.Strides[i] {
				return nil, fmt.Errorf("output_padding %v must be >= 0 and less than strides %v on each axis", op, c.Strides)
			}
		}
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
	k, err := decodeWeight("kernel", c.KernelInitializer, c.KernelRegularizer, c.KernelConstraint)
	if err != nil {
		return nil, err
	}
	bw, err := decodeWeight("bias", c.BiasInitializer, c.BiasRegularizer, c.BiasConstraint)
	if err != nil {
		return nil, err
	}
	return &Conv2DTranspose{
		Filters: c.Filters, KernelSize: c.KernelSize, Strides: c.Strides, Padding: c.Padding, OutputPadding: op,
		DilationRate: c.DilationRate, Activation: act, NoBias: !c.UseBias, InputShape: in,
		KernelInitializer: k.init, BiasInitializer: bw.init, KernelRegularizer: k.reg, BiasRegularizer: bw.reg,
		KernelConstraint: k.con, BiasConstraint: bw.con,
	}, nil
}
