package layers

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/constraints"
	"github.com/neuron-go/neuron/initializers"
	"github.com/neuron-go/neuron/tensor"
)

// Conv2D is a 2-D convolution layer over channels-last images (Keras's
// default data_format): Filters kernels of KernelSize slide over the height
// and width of each example, and Call(x) = Activation(conv(x, kernel) + bias).
// As in Keras and TensorFlow the kernel is not flipped (a cross-correlation).
//
// Shapes: (batch, height, width, channels) → (batch, outHeight, outWidth,
// Filters); kernel (KernelSize[0], KernelSize[1], channels / Groups,
// Filters), bias (Filters). With "valid" padding outHeight = ⌊(height −
// span) / Strides[0]⌋ + 1, where span = (KernelSize[0] − 1)·DilationRate[0]
// + 1; with "same" it is ⌈height / Strides[0]⌉ (likewise for the width).
//
// Grayscale images of shape (28, 28) need a channel axis first:
// add Reshape{TargetShape: []int{28, 28, 1}} before the first Conv2D.
type Conv2D struct {
	// Filters is the number of kernels, the output channels; it must be > 0.
	Filters int
	// KernelSize is the (height, width) of each kernel, e.g. {3, 3}.
	KernelSize [2]int
	// Strides is the step of the kernel along (height, width); the zero
	// value means {1, 1}.
	Strides [2]int
	// Padding is "valid" (no padding, the default when empty) or "same"
	// (zeros around the input so that, with stride 1, the output has the
	// input's height and width; TensorFlow puts an odd extra row or column
	// at the bottom or right).
	Padding string
	// DilationRate is the step between the kernel's taps along (height,
	// width) (Keras's dilation_rate); the zero value means {1, 1}. A
	// dilation above 1 cannot be combined with strides above 1, as in
	// Keras.
	DilationRate [2]int
	// Groups splits the input channels and the filters into that many
	// groups, each filter seeing only its group's channels; it must
	// divide both. The zero value means Keras's 1.
	Groups int
	// Activation is applied to the output; the zero value is linear.
	Activation activations.Activation
	// NoBias drops the bias (Keras use_bias=False).
	NoBias bool
	// KernelInitializer defaults to GlorotUniform, with Keras's fans for a
	// convolution kernel (receptive field × channels); BiasInitializer
	// defaults to Zeros.
	KernelInitializer, BiasInitializer initializers.Initializer
	// KernelRegularizer and BiasRegularizer add a penalty on the weights to
	// the training loss; nil means none.
	KernelRegularizer, BiasRegularizer Regularizer
	// KernelConstraint and BiasConstraint rewrite the weights after each
	// optimizer update (Keras's kernel_constraint and bias_constraint);
	// nil means none.
	KernelConstraint, BiasConstraint constraints.Constraint
	// InputShape optionally declares the model's per-example input shape,
	// e.g. {28, 28, 1}.
	InputShape []int

	kernel, bias *Weight
	strides      [2]int
	dilation     [2]int
	groups       int
	padding      string
	in           []int  // the per-example input shape given to Build
	fold         bnFold // the kernel and bias with a following BatchNormalization folded in
}

// ClassName implements Layer.
func (*Conv2D) ClassName() string { return "Conv2D" }

// ModelInputShape implements InputShaper.
func (l *Conv2D) ModelInputShape() []int { return l.InputShape }

// Build implements Layer.
func (l *Conv2D) Build(in []int, rng *rand.Rand) ([]int, error) {
	out, specs, w, err := l.plan(in)
	if err != nil {
		return nil, err
	}
	ws := buildWeights(specs, rng)
	l.kernel, l.bias = ws[0], nil
	if !l.NoBias {
		l.bias = ws[1]
	}
	l.strides, l.dilation, l.groups, l.padding = w.strides, w.dilation, w.groups, w.padding
	l.in = append([]int(nil), in...)
	l.fold = bnFold{}
	return out, nil
}

// convResolved is a convolution layer's window with the defaults filled
// in.
type convResolved struct {
	strides, dilation [2]int
	groups            int
	padding           string
}

// plan checks the configuration against the input shape and returns the
// output shape, the weights with their settings, and the resolved window;
// the sizes are checked, so that Build allocates only what it can.
func (l *Conv2D) plan(in []int) (out []int, specs []weightSpec, w convResolved, err error) {
	const name = "Conv2D"
	if l.Filters <= 0 {
		return nil, nil, w, fmt.Errorf("layers: %s: Filters must be > 0, got %d", name, l.Filters)
	}
	if w, err = resolveWindow2D(name, l.KernelSize, l.Strides, l.DilationRate, l.Padding); err != nil {
		return nil, nil, w, err
	}
	if l.Groups < 0 {
		return nil, nil, w, fmt.Errorf("layers: %s: Groups must be positive, got %d", name, l.Groups)
	}
	if out, err = convOutput2D(name, in, l.KernelSize, w.strides, w.dilation, w.padding); err != nil {
		return nil, nil, w, err
	}
	if w.groups, err = convGroups(name, l.Groups, in[2], l.Filters); err != nil {
		return nil, nil, w, err
	}
	out[2] = l.Filters
	specs = []weightSpec{{name: "kernel", shape: []int{l.KernelSize[0], l.KernelSize[1], in[2] / w.groups, l.Filters},
		init: l.KernelInitializer, def: initializers.GlorotUniform{}, reg: l.KernelRegularizer, con: l.KernelConstraint,
		initField: "KernelInitializer", field: "KernelConstraint"}}
	if !l.NoBias {
		specs = append(specs, weightSpec{name: "bias", shape: []int{l.Filters},
			init: l.BiasInitializer, def: initializers.Zeros{}, reg: l.BiasRegularizer, con: l.BiasConstraint,
			initField: "BiasInitializer", field: "BiasConstraint"})
	}
	if err = checkWeightSpecs(name, specs); err != nil {
		return nil, nil, w, err
	}
	if err = checkOutput(name, "output", out); err != nil {
		return nil, nil, w, err
	}
	return out, specs, w, nil
}

// plain reports whether the layer is a convolution without dilation or
// groups, which the fused kernels compute.
func (l *Conv2D) plain() bool { return l.dilation == [2]int{1, 1} && l.groups == 1 }

// Call implements Layer.
func (l *Conv2D) Call(x *tensor.Tensor, _ bool) *tensor.Tensor {
	checkBatch("Conv2D", x, l.in)
	var b *tensor.Tensor
	if l.bias != nil {
		b = l.bias.Value
	}
	if !l.plain() {
		return l.Activation.Apply(tensor.Conv2DWith(x, l.kernel.Value, b, convSpec(l.strides, l.dilation, l.padding, l.groups)))
	}
	if l.Activation.Name() == "relu" {
		// The same values as Conv2D then ReLU, in one pass over the output.
		return tensor.Conv2DReLU(x, l.kernel.Value, b, l.strides, l.padding)
	}
	return l.Activation.Apply(tensor.Conv2D(x, l.kernel.Value, b, l.strides, l.padding))
}

// CallFused implements Fuser. A ReLU Conv2D followed by a MaxPooling2D
// runs as one operation that never stores the convolution's full output,
// which is most of the memory traffic of a small CNN; the result is
// bit-identical to calling the two layers one after the other. A linear
// Conv2D followed by a BatchNormalization runs at inference (with no
// gradient wanted for the weights, as in Evaluate and Predict) as one
// convolution with the normalization folded into a copy of the kernel and
// bias, which saves the normalization's pass over the output; the result
// differs from the separate one only by rounding.
func (l *Conv2D) CallFused(next Layer, x *tensor.Tensor, training bool) (*tensor.Tensor, bool) {
	var b *tensor.Tensor
	if l.bias != nil {
		b = l.bias.Value
	}
	switch n := next.(type) {
	case *MaxPooling2D:
		if l.Activation.Name() != "relu" || !l.plain() {
			return nil, false
		}
		checkBatch("Conv2D", x, l.in)
		return tensor.Conv2DReLUMaxPool2D(x, l.kernel.Value, b, l.strides, l.padding, n.pool, n.strides, n.padding), true
	case *BatchNormalization:
		if !canFold(n, training, l.Activation.IsLinear(), l.kernel, l.bias) {
			// A training step may change the weights.
			l.fold.reset()
			return nil, false
		}
		checkBatch("Conv2D", x, l.in)
		k, fb := l.fold.get(n, l.kernel, l.bias)
		if !l.plain() {
			return tensor.Conv2DWith(x, k, fb, convSpec(l.strides, l.dilation, l.padding, l.groups)), true
		}
		return tensor.Conv2D(x, k, fb, l.strides, l.padding), true
	}
	return nil, false
}

// ResetInferenceCache implements InferenceCache.
func (l *Conv2D) ResetInferenceCache() { l.fold.reset() }

// Weights implements Layer.
func (l *Conv2D) Weights() []*Weight {
	if l.kernel == nil {
		return nil
	}
	if l.bias == nil {
		return []*Weight{l.kernel}
	}
	return []*Weight{l.kernel, l.bias}
}

// RegularizationLoss implements Regularized.
func (l *Conv2D) RegularizationLoss() *tensor.Tensor {
	return regLoss(regPair{l.kernel, l.KernelRegularizer}, regPair{l.bias, l.BiasRegularizer})
}

// windowStrides returns the strides of a window layer: the zero value means
// def, anything else must be positive.
func windowStrides(layer string, s, def [2]int) ([2]int, error) {
	if s == ([2]int{}) {
		return def, nil
	}
	if s[0] <= 0 || s[1] <= 0 {
		return s, fmt.Errorf("layers: %s: Strides must be positive, got %v", layer, s)
	}
	return s, nil
}

// windowPadding returns the padding of a window layer in lower case, as
// Keras accepts any case; empty means "valid".
func windowPadding(layer, p string) (string, error) {
	switch q := strings.ToLower(p); q {
	case "":
		return "valid", nil
	case "valid", "same":
		return q, nil
	}
	return "", fmt.Errorf(`layers: %s: Padding must be "valid" or "same", got %q`, layer, p)
}

// windowOutput checks that in is an image shape (height, width, channels)
// and returns the output shape of a size window moved by strides, keeping
// the channels. what names the window in errors ("kernel", "pool").
func windowOutput(layer, what string, in []int, size, strides [2]int, padding string) ([]int, error) {
	if len(in) != 3 {
		hint := "add a Reshape layer first"
		if len(in) == 2 {
			hint = fmt.Sprintf("add Reshape{TargetShape: []int{%d, %d, 1}} first for one channel", in[0], in[1])
		}
		return nil, fmt.Errorf("layers: %s: want examples of rank 3 (height, width, channels), got shape %v (%s)", layer, in, hint)
	}
	if err := checkOutput(layer, "input", in); err != nil {
		return nil, err
	}
	oh, _ := tensor.ConvOutputSize(in[0], size[0], strides[0], padding)
	ow, _ := tensor.ConvOutputSize(in[1], size[1], strides[1], padding)
	if oh <= 0 || ow <= 0 {
		return nil, fmt.Errorf("layers: %s: the %dx%d %s does not fit the %dx%d input with %q padding", layer, size[0], size[1], what, in[0], in[1], padding)
	}
	return []int{oh, ow, in[2]}, nil
}

// checkBatch panics with a *tensor.ShapeError unless x is a batch of
// examples of the shape the layer was built for. Without it a convolution
// would accept other image sizes and the error would surface layers later.
func checkBatch(layer string, x *tensor.Tensor, in []int) {
	s := x.Shape()
	ok := len(s) == len(in)+1
	for i := 0; ok && i < len(in); i++ {
		ok = s[i+1] == in[i]
	}
	if !ok {
		panic(&tensor.ShapeError{
			Op:     layer,
			Shapes: [][]int{append([]int(nil), s...)},
			Msg:    fmt.Sprintf("want a batch of examples of shape %v", in),
		})
	}
}

// The layer's Keras config (get_config and from_config), registered as a
// custom layer would be.
func init() { Register("Conv2D", decodeConv2D) }

type conv2DConfig struct {
	BatchInputShape     batchShape `json:"batch_input_shape,omitempty"`
	Filters             int        `json:"filters"`
	KernelSize          [2]int     `json:"kernel_size"`
	Strides             [2]int     `json:"strides"`
	Padding             string     `json:"padding"`
	DataFormat          string     `json:"data_format"`
	DilationRate        [2]int     `json:"dilation_rate"`
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
func (l *Conv2D) Config() (any, error) {
	const name = "Conv2D"
	strides, err := windowStrides(name, l.Strides, [2]int{1, 1})
	if err != nil {
		return nil, err
	}
	padding, err := windowPadding(name, l.Padding)
	if err != nil {
		return nil, err
	}
	dilation, err := convDilation(name, l.DilationRate)
	if err != nil {
		return nil, err
	}
	groups := l.Groups
	switch {
	case groups == 0:
		groups = 1
	case groups < 0:
		return nil, fmt.Errorf("layers: %s: Groups must be positive, got %d", name, groups)
	}
	ki, err := encodeInitializer("kernel_initializer", l.KernelInitializer, initializers.GlorotUniform{})
	if err != nil {
		return nil, err
	}
	bi, err := encodeInitializer("bias_initializer", l.BiasInitializer, initializers.Zeros{})
	if err != nil {
		return nil, err
	}
	kr, err := encodeRegularizer("kernel_regularizer", l.KernelRegularizer)
	if err != nil {
		return nil, err
	}
	br, err := encodeRegularizer("bias_regularizer", l.BiasRegularizer)
	if err != nil {
		return nil, err
	}
	kc, err := encodeConstraint("kernel_constraint", l.KernelConstraint)
	if err != nil {
		return nil, err
	}
	bc, err := encodeConstraint("bias_constraint", l.BiasConstraint)
	if err != nil {
		return nil, err
	}
	return conv2DConfig{
		BatchInputShape: toBatchShape(l.InputShape), Filters: l.Filters, KernelSize: l.KernelSize,
		Strides: strides, Padding: padding, DataFormat: "channels_last", DilationRate: dilation, Groups: groups,
		Activation: l.Activation.Name(),
		UseBias:    !l.NoBias, KernelInitializer: ki, BiasInitializer: bi, KernelRegularizer: kr, BiasRegularizer: br,
		KernelConstraint: kc, BiasConstraint: bc,
	}, nil
}

func decodeConv2D(b []byte) (Layer, error) {
	c := conv2DConfig{Strides: [2]int{1, 1}, Padding: "valid", DataFormat: "channels_last", DilationRate: [2]int{1, 1}, Groups: 1,
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
	if err := decodeConvWindow(c.KernelSize[:], c.Strides[:], c.DilationRate[:], c.Padding, "valid", "same"); err != nil {
		return nil, err
	}
	if err := checkDataFormat(c.DataFormat); err != nil {
		return nil, err
	}
	k, err := decodeKernelSettings(c.BatchInputShape, c.Activation, c.KernelInitializer, c.BiasInitializer,
		c.KernelRegularizer, c.BiasRegularizer)
	if err != nil {
		return nil, err
	}
	kc, err := decodeConstraint("kernel_constraint", c.KernelConstraint)
	if err != nil {
		return nil, err
	}
	bc, err := decodeConstraint("bias_constraint", c.BiasConstraint)
	if err != nil {
		return nil, err
	}
	return &Conv2D{
		Filters: c.Filters, KernelSize: c.KernelSize, Strides: c.Strides, Padding: c.Padding, NoBias: !c.UseBias,
		DilationRate: c.DilationRate, Groups: c.Groups,
		InputShape: k.inputShape, Activation: k.activation,
		KernelInitializer: k.kernelInit, BiasInitializer: k.biasInit,
		KernelRegularizer: k.kernelReg, BiasRegularizer: k.biasReg,
		KernelConstraint: kc, BiasConstraint: bc,
	}, nil
}

// Plan implements Planner.
func (l *Conv2D) Plan(in []int) ([]int, []WeightShape, error) {
	out, specs, _, err := l.plan(in)
	if err != nil {
		return nil, nil, err
	}
	return out, weightShapes(specs), nil
}

// ApplyConstraints implements Constrained.
func (l *Conv2D) ApplyConstraints() {
	applyConstraint(l.KernelConstraint, l.kernel)
	applyConstraint(l.BiasConstraint, l.bias)
}
