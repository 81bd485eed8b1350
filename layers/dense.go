package layers

import (
	"math/rand/v2"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/initializers"
	"github.com/neuron-go/neuron/tensor"
)

// Dense is a densely-connected layer: Call(x) = Activation(x·kernel + bias).
// Each of the Units outputs is connected to every input by a weight.
//
// Shapes: (batch, in) → (batch, Units); kernel (in, Units), bias (Units).
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
	// InputShape optionally declares the model's per-example input shape.
	InputShape []int

	kernel, bias *Weight
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
	return d.Activation.Apply(tensor.Linear(x, d.kernel.Value, b))
}

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
