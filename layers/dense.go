package layers

import (
	"fmt"
	"math/rand/v2"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/constraints"
	"github.com/neuron-go/neuron/initializers"
	"github.com/neuron-go/neuron/tensor"
)

// Dense is a densely-connected layer: Call(x) = Activation(x·kernel + bias).
// Each of the Units outputs is connected to every input by a weight.
//
// Shapes: (batch, …, in) → (batch, …, Units); kernel (in, Units), bias
// (Units). As in Keras, inputs of a higher rank (sequences (batch, steps,
// in), say) are multiplied along their last axis.
type Dense struct {
	// Units is the number of outputs; it must be > 0.
	Units int
	// Activation is applied to the output; the zero value is linear.
	Activation activations.Activation
	// NoBias drops the bias (Keras use_bias=False).
	NoBias bool
	// KernelInitializer defaults to GlorotUniform, BiasInitializer to Zeros.
	KernelInitializer, BiasInitializer initializers.Initializer
	// KernelRegularizer and BiasRegularizer add a penalty on the weights to
	// the training loss; nil means none.
	KernelRegularizer, BiasRegularizer Regularizer
	// KernelConstraint and BiasConstraint rewrite the weights after each
	// optimizer update (Keras's kernel_constraint and bias_constraint);
	// nil means none.
	KernelConstraint, BiasConstraint constraints.Constraint
	// InputShape optionally declares the model's per-example input shape.
	InputShape []int

	kernel, bias *Weight
	fold         bnFold // the kernel and bias with a following BatchNormalization folded in
}

// ClassName implements Layer.
func (*Dense) ClassName() string { return "Dense" }

// ModelInputShape implements InputShaper.
func (d *Dense) ModelInputShape() []int { return d.InputShape }

// Build implements Layer.
func (d *Dense) Build(in []int, rng *rand.Rand) ([]int, error) {
	out, ws, err := d.Plan(in)
	if err != nil {
		return nil, err
	}
	ki, bi := d.KernelInitializer, d.BiasInitializer
	if ki == nil {
		ki = initializers.GlorotUniform{}
	}
	if bi == nil {
		bi = initializers.Zeros{}
	}
	ks := ws[0].Shape
	d.fold = bnFold{}
	d.kernel = newWeight("kernel", ks, ki.Init(ks, rng))
	d.bias = nil
	if !d.NoBias {
		bs := ws[1].Shape
		d.bias = newWeight("bias", bs, bi.Init(bs, rng))
	}
	return out, nil
}

// Call implements Layer.
func (d *Dense) Call(x *tensor.Tensor, _ bool) *tensor.Tensor {
	var b *tensor.Tensor
	if d.bias != nil {
		b = d.bias.Value
	}
	if x.Rank() > 2 {
		if d.Activation.Name() == "relu" {
			// The same values as Project then ReLU, in one pass over the
			// output.
			return tensor.ProjectReLU(x, d.kernel.Value, b, 1)
		}
		return d.Activation.Apply(tensor.Project(x, d.kernel.Value, b, 1))
	}
	if d.Activation.Name() == "relu" {
		// The bias and the ReLU go into the product's epilogue: the same
		// values as Linear then ReLU.
		return tensor.LinearReLU(x, d.kernel.Value, b)
	}
	return d.Activation.Apply(tensor.Linear(x, d.kernel.Value, b))
}

// CallFused implements Fuser: a linear Dense followed by a
// BatchNormalization runs at inference (with no gradient wanted for the
// weights, as in Evaluate and Predict) as one product with the
// normalization folded into a copy of the kernel and bias, which saves the
// normalization's pass over the output; the result differs from the
// separate one only by rounding.
func (d *Dense) CallFused(next Layer, x *tensor.Tensor, training bool) (*tensor.Tensor, bool) {
	bn, ok := next.(*BatchNormalization)
	if !ok {
		return nil, false
	}
	if !canFold(bn, training, d.Activation.IsLinear(), d.kernel, d.bias) {
		d.fold.reset() // a training step may change the weights
		return nil, false
	}
	k, b := d.fold.get(bn, d.kernel, d.bias)
	return tensor.Linear(x, k, b), true
}

// ResetInferenceCache implements InferenceCache.
func (d *Dense) ResetInferenceCache() { d.fold.reset() }

// Weights implements Layer.
func (d *Dense) Weights() []*Weight {
	if d.kernel == nil {
		return nil
	}
	if d.bias == nil {
		return []*Weight{d.kernel}
	}
	return []*Weight{d.kernel, d.bias}
}

// RegularizationLoss implements Regularized.
func (d *Dense) RegularizationLoss() *tensor.Tensor {
	return regLoss(regPair{d.kernel, d.KernelRegularizer}, regPair{d.bias, d.BiasRegularizer})
}

// The layer's Keras config (get_config and from_config), registered as a
// custom layer would be.
func init() { Register("Dense", decodeDense) }

type denseConfig struct {
	BatchInputShape   batchShape `json:"batch_input_shape,omitempty"`
	Units             int        `json:"units"`
	Activation        string     `json:"activation"`
	UseBias           bool       `json:"use_bias"`
	KernelInitializer *object    `json:"kernel_initializer"`
	BiasInitializer   *object    `json:"bias_initializer"`
	KernelRegularizer *object    `json:"kernel_regularizer,omitempty"`
	BiasRegularizer   *object    `json:"bias_regularizer,omitempty"`
	KernelConstraint  *object    `json:"kernel_constraint,omitempty"`
	BiasConstraint    *object    `json:"bias_constraint,omitempty"`
}

// Config implements Configurable.
func (d *Dense) Config() (any, error) {
	ki, err := encodeInitializer("kernel_initializer", d.KernelInitializer, initializers.GlorotUniform{})
	if err != nil {
		return nil, err
	}
	bi, err := encodeInitializer("bias_initializer", d.BiasInitializer, initializers.Zeros{})
	if err != nil {
		return nil, err
	}
	kr, err := encodeRegularizer("kernel_regularizer", d.KernelRegularizer)
	if err != nil {
		return nil, err
	}
	br, err := encodeRegularizer("bias_regularizer", d.BiasRegularizer)
	if err != nil {
		return nil, err
	}
	kc, err := encodeConstraint("kernel_constraint", d.KernelConstraint)
	if err != nil {
		return nil, err
	}
	bc, err := encodeConstraint("bias_constraint", d.BiasConstraint)
	if err != nil {
		return nil, err
	}
	return denseConfig{
		BatchInputShape: toBatchShape(d.InputShape), Units: d.Units, Activation: d.Activation.Name(),
		UseBias: !d.NoBias, KernelInitializer: ki, BiasInitializer: bi, KernelRegularizer: kr, BiasRegularizer: br,
		KernelConstraint: kc, BiasConstraint: bc,
	}, nil
}

func decodeDense(b []byte) (Layer, error) {
	c := denseConfig{Activation: "linear", UseBias: true}
	if err := DecodeConfig(b, &c); err != nil {
		return nil, err
	}
	if c.Units <= 0 {
		return nil, fmt.Errorf("units must be > 0, got %d", c.Units)
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
	return &Dense{
		Units: c.Units, NoBias: !c.UseBias, InputShape: k.inputShape, Activation: k.activation,
		KernelInitializer: k.kernelInit, BiasInitializer: k.biasInit,
		KernelRegularizer: k.kernelReg, BiasRegularizer: k.biasReg,
		KernelConstraint: kc, BiasConstraint: bc,
	}, nil
}

// Plan implements Planner.
func (d *Dense) Plan(in []int) ([]int, []WeightShape, error) {
	if d.Units <= 0 {
		return nil, nil, fmt.Errorf("layers: Dense: Units must be > 0, got %d", d.Units)
	}
	if len(in) == 0 {
		return nil, nil, fmt.Errorf("layers: Dense: want examples of rank 1 or more, got shape %v", in)
	}
	ws := []WeightShape{{Name: "kernel", Shape: []int{in[len(in)-1], d.Units}}}
	if !d.NoBias {
		ws = append(ws, WeightShape{Name: "bias", Shape: []int{d.Units}})
	}
	if err := checkWeights("Dense", ws); err != nil {
		return nil, nil, err
	}
	if err := checkInit("Dense", "KernelInitializer", d.KernelInitializer, ws[0].Shape); err != nil {
		return nil, nil, err
	}
	if err := checkInit("Dense", "BiasInitializer", d.BiasInitializer, []int{d.Units}); err != nil {
		return nil, nil, err
	}
	if err := checkConstraint("Dense", "KernelConstraint", d.KernelConstraint, ws[0].Shape); err != nil {
		return nil, nil, err
	}
	if err := checkConstraint("Dense", "BiasConstraint", d.BiasConstraint, []int{d.Units}); err != nil {
		return nil, nil, err
	}
	out := append(append([]int(nil), in[:len(in)-1]...), d.Units)
	if err := checkOutput("Dense", "output", out); err != nil {
		return nil, nil, err
	}
	return out, ws, nil
}

// ApplyConstraints implements Constrained.
func (d *Dense) ApplyConstraints() {
	applyConstraint(d.KernelConstraint, d.kernel)
	applyConstraint(d.BiasConstraint, d.bias)
}
