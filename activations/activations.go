// Package activations provides the elementwise functions that layers apply
// to their outputs, as typed values and by their Keras names.
//
//	&layers.Dense{Units: 256, Activation: activations.ReLU}
//	act, err := activations.Get("relu") // the same value, by name
package activations

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/neuron-go/neuron/tensor"
)

// Activation is a named elementwise function. The zero value is the identity
// ("linear"), Keras's default for a layer without an activation.
//
// It implements encoding.TextMarshaler and TextUnmarshaler, so a JSON config
// holds it as its Keras name ("relu").
type Activation struct {
	name string
	fn   func(*tensor.Tensor) *tensor.Tensor
}

// The activations of the course, named as in Keras.
var (
	// Linear is the identity: f(x) = x.
	Linear = Activation{name: "linear"}
	// ReLU is max(x, 0); a NaN stays NaN.
	ReLU = Activation{"relu", (*tensor.Tensor).ReLU}
	// Sigmoid is 1/(1+e^−x).
	Sigmoid = Activation{"sigmoid", (*tensor.Tensor).Sigmoid}
	// Tanh is the hyperbolic tangent.
	Tanh = Activation{"tanh", (*tensor.Tensor).Tanh}
	// Softmax is e^x normalised over the last axis, so each row sums to 1.
	Softmax = Activation{"softmax", (*tensor.Tensor).Softmax}
)

// More of Keras 3's activations, with Keras's default arguments (the
// parametrised forms are the layers ReLU, LeakyReLU and ELU, or the tensor
// methods).
var (
	// ELU is x for x ≥ 0 and eˣ−1 below (alpha 1).
	ELU = Activation{"elu", func(x *tensor.Tensor) *tensor.Tensor { return x.ELU(1) }}
	// SELU is scale·elu(x, α) with α ≈ 1.6733, scale ≈ 1.0507.
	SELU = Activation{"selu", (*tensor.Tensor).SELU}
	// GELU is 0.5x(1+erf(x/√2)), Keras's gelu with approximate=False.
	GELU = Activation{"gelu", func(x *tensor.Tensor) *tensor.Tensor { return x.GELU(false) }}
	// SiLU is x·sigmoid(x); Keras also calls it swish.
	SiLU = Activation{"silu", (*tensor.Tensor).SiLU}
	// Softplus is log(1+eˣ), finite for large |x|.
	Softplus = Activation{"softplus", (*tensor.Tensor).Softplus}
	// Softsign is x/(1+|x|).
	Softsign = Activation{"softsign", (*tensor.Tensor).Softsign}
	// LeakyReLU is x for x ≥ 0 and 0.2x below (Keras's leaky_relu default;
	// the LeakyReLU layer's default slope is 0.3).
	LeakyReLU = Activation{"leaky_relu", func(x *tensor.Tensor) *tensor.Tensor { return x.LeakyReLU(0.2) }}
	// ReLU6 is min(max(x, 0), 6).
	ReLU6 = Activation{"relu6", (*tensor.Tensor).ReLU6}
	// HardSigmoid is relu6(x+3)/6 (Keras 3's formula, not Keras 2's 0.2x+0.5).
	HardSigmoid = Activation{"hard_sigmoid", (*tensor.Tensor).HardSigmoid}
	// HardSiLU is x·hard_sigmoid(x); Keras also calls it hard_swish.
	HardSiLU = Activation{"hard_silu", (*tensor.Tensor).HardSiLU}
	// Exponential is eˣ.
	Exponential = Activation{"exponential", (*tensor.Tensor).Exp}
	// LogSoftmax is log(softmax(x)) over the last axis.
	LogSoftmax = Activation{"log_softmax", (*tensor.Tensor).LogSoftmax}
	// Mish is x·tanh(softplus(x)).
	Mish = Activation{"mish", (*tensor.Tensor).Mish}
)

// ErrUnknownName is wrapped by the error Get returns for a name it does not know.
var ErrUnknownName = errors.New("unknown activation")

// registry maps Keras's names, aliases included, to activations. An alias
// keeps the name it was looked up by, so that a saved config reads back
// the same.
var registry = map[string]Activation{
	"linear":       Linear,
	"relu":         ReLU,
	"sigmoid":      Sigmoid,
	"tanh":         Tanh,
	"softmax":      Softmax,
	"elu":          ELU,
	"selu":         SELU,
	"gelu":         GELU,
	"silu":         SiLU,
	"swish":        {"swish", SiLU.fn},
	"softplus":     Softplus,
	"softsign":     Softsign,
	"leaky_relu":   LeakyReLU,
	"relu6":        ReLU6,
	"hard_sigmoid": HardSigmoid,
	"hard_silu":    HardSiLU,
	"hard_swish":   {"hard_swish", HardSiLU.fn},
	"exponential":  Exponential,
	"log_softmax":  LogSoftmax,
	"mish":         Mish,
}

// Get returns the activation with the given Keras name. The empty string and
// "linear" give the identity.
func Get(name string) (Activation, error) {
	if name == "" {
		return Linear, nil
	}
	if a, ok := registry[name]; ok {
		return a, nil
	}
	return Activation{}, fmt.Errorf("activations: %w %q (known: %s)", ErrUnknownName, name, strings.Join(Names(), ", "))
}

// Names returns the known activation names, sorted.
func Names() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Name returns the Keras name ("linear" for the zero value).
func (a Activation) Name() string {
	if a.name == "" {
		return "linear"
	}
	return a.name
}

// IsZero reports whether a is the zero value, which layers whose Keras
// default is not linear (the recurrent layers' tanh) read as that default;
// Linear itself is not zero.
func (a Activation) IsZero() bool { return a.name == "" && a.fn == nil }

// Apply returns the activation of x; the identity returns x itself.
func (a Activation) Apply(x *tensor.Tensor) *tensor.Tensor {
	if a.fn == nil {
		return x
	}
	return a.fn(x)
}

// IsLinear reports whether a is the identity.
func (a Activation) IsLinear() bool { return a.fn == nil }

// String returns the Keras name.
func (a Activation) String() string { return a.Name() }

// MarshalText returns the Keras name.
func (a Activation) MarshalText() ([]byte, error) { return []byte(a.Name()), nil }

// UnmarshalText sets a to the activation with the given Keras name.
func (a *Activation) UnmarshalText(b []byte) error {
	v, err := Get(string(b))
	if err != nil {
		return err
	}
	*a = v
	return nil
}
