package layers

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/neuron-go/neuron/constraints"
	"github.com/neuron-go/neuron/initializers"
	"github.com/neuron-go/neuron/tensor"
)

// The window settings and weights shared by the convolution layers
// (Conv1D, Conv2D, DepthwiseConv2D, SeparableConv2D, Conv2DTranspose).

// convDilation returns a convolution's dilation: the zero value means
// {1, 1}, anything else must be positive.
func convDilation(layer string, d [2]int) ([2]int, error) {
	if d == ([2]int{}) {
		return [2]int{1, 1}, nil
	}
	if d[0] <= 0 || d[1] <= 0 {
		return d, fmt.Errorf("layers: %s: DilationRate must be positive, got %v", layer, d)
	}
	return d, nil
}

// convPadding returns a convolution's padding in lower case; "causal" is
// allowed only where Keras allows it (Conv1D).
func convPadding(layer, p string, causal bool) (string, error) {
	q := strings.ToLower(p)
	if causal && q == "causal" {
		return q, nil
	}
	if q, err := windowPadding(layer, p); err == nil {
		return q, nil
	}
	if causal {
		return "", fmt.Errorf(`layers: %s: Padding must be "valid", "same" or "causal", got %q`, layer, p)
	}
	return "", fmt.Errorf(`layers: %s: Padding must be "valid" or "same", got %q`, layer, p)
}

// stridesWithDilation refuses strides > 1 together with a dilation > 1,
// which Keras (and TensorFlow's dilated convolutions) refuse.
func stridesWithDilation(layer string, s, d [2]int) error {
	if max(s[0], s[1]) > 1 && max(d[0], d[1]) > 1 {
		return fmt.Errorf("layers: %s: Strides %v > 1 cannot be combined with DilationRate %v > 1 (Keras refuses it)", layer, s, d)
	}
	return nil
}

// span returns the input positions a kernel of size k dilated by d covers.
func span(k, d int) int { return (k-1)*d + 1 }

// spanFits reports whether span(k, d) is at most MaxElements, computed
// without overflow (k and d positive).
func spanFits(k, d int) bool { return k <= MaxElements && k-1 <= (MaxElements-1)/d }

// convOutput2D checks that in is an image shape (height, width, channels)
// and returns the output's height and width for a kernel of size dilated
// by dilation, moved by strides; the message names the layer.
func convOutput2D(layer string, in []int, size, strides, dilation [2]int, padding string) ([]int, error) {
	if dilation == [2]int{1, 1} {
		return windowOutput(layer, "kernel", in, size, strides, padding)
	}
	for i := range 2 {
		if !spanFits(size[i], dilation[i]) {
			return nil, fmt.Errorf("layers: %s: the %dx%d kernel dilated by %v spans more than %d positions", layer, size[0], size[1], dilation, MaxElements)
		}
	}
	eff := [2]int{span(size[0], dilation[0]), span(size[1], dilation[1])}
	out, err := windowOutput(layer, "kernel", in, eff, strides, padding)
	if err != nil && len(in) == 3 && checkOutput(layer, "input", in) == nil {
		return nil, fmt.Errorf("layers: %s: the %dx%d kernel dilated by %v (spanning %dx%d) does not fit the %dx%d input with %q padding",
			layer, size[0], size[1], dilation, eff[0], eff[1], in[0], in[1], padding)
	}
	return out, err
}

// convGroups returns a convolution's groups (the zero value means 1) and
// checks that they divide the channels and the filters.
func convGroups(layer string, groups, channels, filters int) (int, error) {
	if groups == 0 {
		groups = 1
	}
	switch {
	case groups < 0:
		return 0, fmt.Errorf("layers: %s: Groups must be positive, got %d", layer, groups)
	case filters%groups != 0:
		return 0, fmt.Errorf("layers: %s: Groups %d must divide the %d filters", layer, groups, filters)
	case channels%groups != 0:
		return 0, fmt.Errorf("layers: %s: Groups %d must divide the %d input channels", layer, groups, channels)
	}
	return groups, nil
}

// weightSpec is one weight of a convolution layer with its settings: the
// initializer (nil: def), the regularizer and the constraint, and the
// names of the fields that hold them, for errors.
type weightSpec struct {
	name             string
	shape            []int
	init, def        initializers.Initializer
	reg              Regularizer
	con              constraints.Constraint
	initField, field string // e.g. "KernelInitializer", "KernelConstraint"
}

// weightShapes returns the Plan form of specs.
func weightShapes(specs []weightSpec) []WeightShape {
	ws := make([]WeightShape, len(specs))
	for i, s := range specs {
		ws[i] = WeightShape{Name: s.name, Shape: s.shape}
	}
	return ws
}

// checkWeightSpecs checks the sizes, initializers and constraints of the
// weights a layer plans to create.
func checkWeightSpecs(layer string, specs []weightSpec) error {
	if err := checkWeights(layer, weightShapes(specs)); err != nil {
		return err
	}
	for _, s := range specs {
		if err := checkInit(layer, s.initField, s.init, s.shape); err != nil {
			return err
		}
		if err := checkConstraint(layer, s.field, s.con, s.shape); err != nil {
			return err
		}
	}
	return nil
}

// buildWeights creates the weights of specs from rng, in order.
func buildWeights(specs []weightSpec, rng *rand.Rand) []*Weight {
	ws := make([]*Weight, len(specs))
	for i, s := range specs {
		ini := s.init
		if ini == nil {
			ini = s.def
		}
		ws[i] = newWeight(s.name, s.shape, ini.Init(s.shape, rng))
	}
	return ws
}

// weightCodec is the saved form of one weight's settings.
type weightCodec struct {
	init, reg, con *object
}

// encodeWeight encodes a weight's initializer (nil: def), regularizer and
// constraint under the Keras keys prefix_initializer, … .
func encodeWeight(prefix string, ini, def initializers.Initializer, reg Regularizer, con constraints.Constraint) (weightCodec, error) {
	var c weightCodec
	var err error
	if c.init, err = encodeInitializer(prefix+"_initializer", ini, def); err != nil {
		return c, err
	}
	if c.reg, err = encodeRegularizer(prefix+"_regularizer", reg); err != nil {
		return c, err
	}
	c.con, err = encodeConstraint(prefix+"_constraint", con)
	return c, err
}

// decodedWeight is a weight's settings as loaded.
type decodedWeight struct {
	init initializers.Initializer
	reg  Regularizer
	con  constraints.Constraint
}

// decodeWeight decodes a weight's settings saved by encodeWeight.
func decodeWeight(prefix string, ini, reg, con *object) (decodedWeight, error) {
	var d decodedWeight
	var err error
	if d.init, err = decodeInitializer(prefix+"_initializer", ini); err != nil {
		return d, err
	}
	if d.reg, err = decodeRegularizer(prefix+"_regularizer", reg); err != nil {
		return d, err
	}
	d.con, err = decodeConstraint(prefix+"_constraint", con)
	return d, err
}

// decodeConvWindow checks the window keys of a saved convolution config.
func decodeConvWindow(kernel, strides, dilation []int, padding string, paddings ...string) error {
	for _, k := range kernel {
		if k <= 0 {
			return fmt.Errorf("kernel_size must be positive, got %v", kernel)
		}
	}
	for _, s := range strides {
		if s <= 0 {
			return fmt.Errorf("strides must be positive, got %v", strides)
		}
	}
	for _, d := range dilation {
		if d <= 0 {
			return fmt.Errorf("dilation_rate must be positive, got %v", dilation)
		}
	}
	if max0(strides) > 1 && max0(dilation) > 1 {
		return fmt.Errorf("strides %v > 1 cannot be combined with dilation_rate %v > 1", strides, dilation)
	}
	for _, p := range paddings {
		if padding == p {
			return nil
		}
	}
	return fmt.Errorf("padding must be %s, got %q", quoteList(paddings), padding)
}

func max0(s []int) int {
	m := 0
	for _, v := range s {
		m = max(m, v)
	}
	return m
}

// quoteList writes "a" or "b" or "a", "b" or "c".
func quoteList(s []string) string {
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = fmt.Sprintf("%q", v)
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// convSpec is the tensor form of a layer's window.
func convSpec(strides, dilation [2]int, padding string, groups int) tensor.ConvSpec {
	return tensor.ConvSpec{Strides: strides, Dilation: dilation, Padding: padding, Groups: groups}
}

// resolveWindow2D checks the window fields of a 2-D convolution layer
// (kernel, strides, dilation and padding) and fills in Keras's defaults.
func resolveWindow2D(name string, kernel, strides, dilation [2]int, padding string) (w convResolved, err error) {
	if kernel[0] <= 0 || kernel[1] <= 0 {
		return w, fmt.Errorf("layers: %s: KernelSize must be positive, got %v", name, kernel)
	}
	if w.strides, err = windowStrides(name, strides, [2]int{1, 1}); err != nil {
		return w, err
	}
	if w.dilation, err = convDilation(name, dilation); err != nil {
		return w, err
	}
	if err = stridesWithDilation(name, w.strides, w.dilation); err != nil {
		return w, err
	}
	w.padding, err = windowPadding(name, padding)
	w.groups = 1
	return w, err
}

// depthMultiplier returns a depthwise layer's depth multiplier: the zero
// value means Keras's 1.
func depthMultiplier(name string, m int) (int, error) {
	switch {
	case m == 0:
		return 1, nil
	case m < 0:
		return 0, fmt.Errorf("layers: %s: DepthMultiplier must be positive, got %d", name, m)
	}
	return m, nil
}
