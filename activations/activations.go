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

// ErrUnknownName is wrapped by the error Get returns for a name it does not know.
var ErrUnknownName = errors.New("unknown activation")

var registry = map[string]Activation{
	"linear":  Linear,
	"relu":    ReLU,
	"sigmoid": Sigmoid,
	"tanh":    Tanh,
	"softmax": Softmax,
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
