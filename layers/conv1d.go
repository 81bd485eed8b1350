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

// Conv1D is a 1-D convolution layer over sequences (batch, steps,
// channels): Filters kernels of KernelSize steps slide along the steps,
// and Call(x) = Activation(conv(x, kernel) + bias), a cross-correlation as
// in Keras.
//
// Shapes: (batch, steps, channels) → (batch, outSteps, Filters); kernel
// (KernelSize, channels / Groups, Filters), bias (Filters). With span =
// (KernelSize − 1)·DilationRate + 1, "valid" padding gives outSteps =
// ⌊(steps − span) / Strides⌋ + 1, "same" and "causal" ⌈steps / Strides⌉.
type Conv1D struct {
	// Filters is the number of kernels, the output channels; it must be > 0.
	Filters int
	// KernelSize is the length of each kernel in steps; it must be > 0.
	KernelSize int
	// Strides is the step of the kernel; the zero value means 1.
	Strides int
	// Padding is "valid" (no padding, the default when empty), "same"
	// (zeros around the input, the odd one after) or "causal" (span − 1
	// zeros before the input only, so that output t depends on no input
	// after step t·Strides: for models of time series).
	Padding string
	// DilationRate is the step between the kernel's taps; the zero value
	// means 1. Above 1 it cannot be combined with Strides above 1, as in
	// Keras.
	DilationRate int
	// Groups splits the input channels and the filters into that many
	// groups, each filter seeing only its group's channels; it must
	// divide both. The zero value means 1.
	Groups int
	// Activation is applied to the output; the zero value is linear.
	Activation activations.Activation
	// NoBias drops the bias (Keras use_bias=False).
	NoBias bool
	// KernelInitializer defaults to GlorotUniform (fans: KernelSize ×
	// channels); BiasInitializer defaults to Zeros.
	KernelInitializer, BiasInitializer initializers.Initializer
	// KernelRegularizer and BiasRegularizer add a penalty on the weights to
	// the training loss; nil means none.
	KernelRegularizer, BiasRegularizer Regularizer
	// KernelConstraint and BiasConstraint rewrite the weights after each
	// optimizer update; nil means none.
	KernelConstraint, BiasConstraint constraints.Constraint
	// InputShape optionally declares the model's per-example input shape,
	// e.g. {100, 8}.
	InputShape []int

	kernel, bias *Weight
	spec         tensor.ConvSpec
	in           []int
}

// ClassName implements Layer.
func (*Conv1D) ClassName() string { return "Conv1D" }

// ModelInputShape implements InputShaper.
func (l *Conv1D) ModelInputShape() []int { return l.InputShape }

// window resolves the window fields of a Conv1D.
func (l *Conv1D) window() (strides, dilation int, padding string, err error) {
	const name = "Conv1D"
	if l.KernelSize <= 0 {
		return 0, 0, "", fmt.Errorf("layers: %s: KernelSize must be positive, got %d", name, l.KernelSize)
	}
	strides, dilation = max(l.Strides, 1), max(l.DilationRate, 1)
	if l.Strides < 0 {
		return 0, 0, "", fmt.Errorf("layers: %s: Strides must be positive, got %d", name, l.Strides)
	}
	if l.DilationRate < 0 {
		return 0, 0, "", fmt.Errorf("layers: %s: DilationRate must be positive, got %d", name, l.DilationRate)
	}
	if strides > 1 && dilation > 1 {
		return 0, 0, "", fmt.Errorf("layers: %s: Strides %d > 1 cannot be combined with DilationRate %d > 1 (Keras refuses it)", name, strides, dilation)
	}
	padding, err = convPadding(name, l.Padding, true)
	return strides, dilation, padding, err
}

func (l *Conv1D) plan(in []int) ([]int, []weightSpec, tensor.ConvSpec, error) {
	const name = "Conv1D"
	var spec tensor.ConvSpec
	if l.Filters <= 0 {
		return nil, nil, spec, fmt.Errorf("layers: %s: Filters must be > 0, got %d", name, l.Filters)
	}
	strides, dilation, padding, err := l.window()
	if err != nil {
		return nil, nil, spec, err
	}
	if l.Groups < 0 {
		return nil, nil, spec, fmt.Errorf("layers: %s: Groups must be positive, got %d", name, l.Groups)
	}
	if len(in) != 2 {
		return nil, nil, spec, fmt.Errorf("layers: %s: want examples of rank 2 (steps, channels), got shape %v", name, in)
	}
	if err := checkOutput(name, "input", in); err != nil {
		return nil, nil, spec, err
	}
	if !spanFits(l.KernelSize, dilation) {
		return nil, nil, spec, fmt.Errorf("layers: %s: the kernel of %d steps dilated by %d spans more than %d steps", name, l.KernelSize, dilation, MaxElements)
	}
	sp := span(l.KernelSize, dilation)
	steps, _ := tensor.ConvOutputSize(in[0], sp, strides, padding)
	if steps <= 0 {
		return nil, nil, spec, fmt.Errorf("layers: %s: the kernel of %d steps (spanning %d with DilationRate %d) does not fit the %d-step input with %q padding",
			name, l.KernelSize, sp, dilation, in[0], padding)
	}
	groups, err := convGroups(name, l.Groups, in[1], l.Filters)
	if err != nil {
		return nil, nil, spec, err
	}
	out := []int{steps, l.Filters}
	specs := []weightSpec{{name: "kernel", shape: []int{l.KernelSize, in[1] / groups, l.Filters},
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
	spec = tensor.ConvSpec{Strides: [2]int{1, strides}, Dilation: [2]int{1, dilation}, Padding: padding, Groups: groups}
	return out, specs, spec, nil
}

// Build implements Layer.
func (l *Conv1D) Build(in []int, rng *rand.Rand) ([]int, error) {
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
func (l *Conv1D) Plan(in []int) ([]int, []WeightShape, error) {
	out, specs, _, err := l.plan(in)
	if err != nil {
		return nil, nil, err
	}
	return out, weightShapes(specs), nil
}

// Call implements Layer.
func (l *Conv1D) Call(x *tensor.Tensor, _ bool) *tensor.Tensor {
	checkBatch("Conv1D", x, l.in)
	var b *tensor.Tensor
	if l.bias != nil {
		b = l.bias.Value
	}
	return l.Activation.Apply(tensor.Conv1D(x, l.kernel.Value, b, l.spec))
}

// Weights implements Layer.
func (l *Conv1D) Weights() []*Weight { return kernelBias(l.kernel, l.bias) }

// kernelBias returns the weights of a layer with a kernel and an optional
// bias, nil before Build.
func kernelBias(kernel, bias *Weight) []*Weight {
	if kernel == nil {
		return nil
	}
	if bias == nil {
		return []*Weight{kernel}
	}
	return []*Weight{kernel, bias}
}

// RegularizationLoss implements Regularized.
func (l *Conv1D) RegularizationLoss() *tensor.Tensor {
	return regLoss(regPair{l.kernel, l.KernelRegularizer}, regPair{l.bias, l.BiasRegularizer})
}

// ApplyConstraints implements Constrained.
func (l *Conv1D) ApplyConstraints() {
	applyConstraint(l.KernelConstraint, l.kernel)
	applyConstraint(l.BiasConstraint, l.bias)
}

// The layer's Keras config (get_config and from_config), registered as a
// custom layer would be. Keras writes kernel_size, strides and
// dilation_rate as 1-tuples.
func init() { Register("Conv1D", decodeConv1D) }

type conv1DConfig struct {
	BatchInputShape     batchShape `json:"batch_input_shape,omitempty"`
	Filters             int        `json:"filters"`
	KernelSize          [1]int     `json:"kernel_size"`
	Strides             [1]int     `json:"strides"`
	Padding             string     `json:"padding"`
	DataFormat          string     `json:"data_format"`
	DilationRate        [1]int     `json:"dilation_rate"`
	Groups              int        `json:"groups"`
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
func (l *Conv1D) Config() (any, error) {
	strides, dilation, padding, err := l.window()
	if err != nil {
		return nil, err
	}
	if l.Groups < 0 {
		return nil, fmt.Errorf("layers: Conv1D: Groups must be positive, got %d", l.Groups)
	}
	k, err := encodeWeight("kernel", l.KernelInitializer, initializers.GlorotUniform{}, l.KernelRegularizer, l.KernelConstraint)
	if err != nil {
		return nil, err
	}
	b, err := encodeWeight("bias", l.BiasInitializer, initializers.Zeros{}, l.BiasRegularizer, l.BiasConstraint)
	if err != nil {
		return nil, err
	}
	return conv1DConfig{
		BatchInputShape: toBatchShape(l.InputShape), Filters: l.Filters, KernelSize: [1]int{l.KernelSize},
		Strides: [1]int{strides}, Padding: padding, DataFormat: "channels_last", DilationRate: [1]int{dilation},
		Groups: max(l.Groups, 1), Activation: l.Activation.Name(), UseBias: !l.NoBias,
		KernelInitializer: k.init, BiasInitializer: b.init, KernelRegularizer: k.reg, BiasRegularizer: b.reg,
		KernelConstraint: k.con, BiasConstraint: b.con,
	}, nil
}

func decodeConv1D(b []byte) (Layer, error) {
	c := conv1DConfig{Strides: [1]int{1}, Padding: "valid", DataFormat: "channels_last", DilationRate: [1]int{1}, Groups: 1,
		Activation: "linear", UseBias: true}
	if err := DecodeConfig(b, &c); err != nil {
		return nil, err
	}
	if c.ActivityRegularizer != nil {
		return nil, errors.New("activity_regularizer: not supported (add an ActivityRegularization layer after this one)")
	}
	switch {
	case c.Filters <= 0:
		return nil, fmt.Errorf("filters must be > 0, got %d", c.Filters)
	case c.Groups <= 0:
		return nil, fmt.Errorf("groups must be positive, got %d", c.Groups)
	case c.Filters%c.Groups != 0:
		return nil, fmt.Errorf("groups %d must divide the %d filters", c.Groups, c.Filters)
	}
	if err := decodeConvWindow(c.KernelSize[:], c.Strides[:], c.DilationRate[:], c.Padding, "valid", "same", "causal"); err != nil {
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
	k, err := decodeWeight("kernel", c.KernelInitializer, c.KernelRegularizer, c.KernelConstraint)
	if err != nil {
		return nil, err
	}
	bw, err := decodeWeight("bias", c.BiasInitializer, c.BiasRegularizer, c.BiasConstraint)
	if err != nil {
		return nil, err
	}
	return &Conv1D{
		Filters: c.Filters, KernelSize: c.KernelSize[0], Strides: c.Strides[0], Padding: c.Padding,
		DilationRate: c.DilationRate[0], Groups: c.Groups, NoBias: !c.UseBias,
		InputShape: in, Activation: act,
		KernelInitializer: k.init, BiasInitializer: bw.init, KernelRegularizer: k.reg, BiasRegularizer: bw.reg,
		KernelConstraint: k.con, BiasConstraint: bw.con,
	}, nil
}
