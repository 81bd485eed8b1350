// Package optimizers provides the algorithms that update a model's weights
// from their gradients, with Keras's names, defaults and update formulas.
//
// Zero-valued fields take Keras's defaults, so &Adam{} is Keras's Adam().
// Where zero is a meaningful value that differs from the default (a β of 0),
// build the optimizer with its New function and set the field afterwards.
//
// The moments the optimizers keep are flushed to zero when they decay
// below the smallest normal float32 (about 1.2e-38), as TensorFlow does on
// CPUs: on Intel CPUs each operation on such a denormal number is about a
// hundred times slower, and the moments of weights whose gradient stays
// zero (MNIST's border pixels) decay into that range.
package optimizers

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/neuron-go/neuron/tensor"
)

// Optimizer updates weights in place from their gradients.
type Optimizer interface {
	// Name returns the Keras name, e.g. "adam".
	Name() string
	// Build prepares the per-weight state for the given weights; Apply must
	// then be called with the same weights in the same order.
	Build(weights []*tensor.Tensor)
	// Apply performs one update step using each weight's gradient
	// (weights without a gradient are skipped).
	Apply(weights []*tensor.Tensor)
	// Iterations returns the number of steps applied so far.
	Iterations() int
	// LR returns the learning rate of the next step.
	LR() float64
	// SetLR changes the learning rate (callbacks use it).
	SetLR(lr float64)
}

// ErrUnknownName is wrapped by the error Get returns for an unknown name.
var ErrUnknownName = errors.New("unknown optimizer")

var registry = map[string]func() Optimizer{
	"adam":      func() Optimizer { return NewAdam() },
	"adamw":     func() Optimizer { return NewAdamW() },
	"adagrad":   func() Optimizer { return NewAdagrad() },
	"rmsprop":   func() Optimizer { return NewRMSprop() },
	"sgd":       func() Optimizer { return NewSGD() },
	"nadam":     func() Optimizer { return NewNadam() },
	"adamax":    func() Optimizer { return NewAdamax() },
	"adadelta":  func() Optimizer { return NewAdadelta() },
	"lion":      func() Optimizer { return NewLion() },
	"ftrl":      func() Optimizer { return NewFtrl() },
	"adafactor": func() Optimizer { return NewAdafactor() },
}

// Register adds a constructor for a name. It panics if the name is taken,
// as database/sql.Register does; call it from an init function.
func Register(name string, f func() Optimizer) {
	if _, dup := registry[name]; dup {
		panic("optimizers: Register called twice for " + name)
	}
	registry[name] = f
}

// Get returns a new optimizer with Keras's defaults for a Keras name
// ("adam", "sgd", …).
func Get(name string) (Optimizer, error) {
	if f, ok := registry[strings.ToLower(name)]; ok {
		return f(), nil
	}
	return nil, fmt.Errorf("optimizers: %w %q (known: %s)", ErrUnknownName, name, strings.Join(Names(), ", "))
}

// Names returns the registered names, sorted.
func Names() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// orDefault returns v, or def when v is zero.
func orDefault(v, def float64) float64 {
	if v == 0 {
		return def
	}
	return v
}
