// Package initializers provides the functions that give layer weights their
// starting values, with Keras's names and formulas.
//
// Every initializer draws from the *rand.Rand it is given, so one seed makes
// a model's starting weights repeatable.
package initializers

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
)

// Initializer fills a new weight of the given shape.
type Initializer interface {
	// Init returns len = Π shape values for a weight of that shape.
	Init(shape []int, rng *rand.Rand) []float32
	// Name returns the Keras name, e.g. "glorot_uniform".
	Name() string
}

// Fans returns fan_in and fan_out for a weight shape by Keras's rule: a
// matrix [in, out] gives (in, out); a convolution kernel [kh, kw, cin, cout]
// gives (kh·kw·cin, kh·kw·cout), the receptive field times the channels.
func Fans(shape []int) (fanIn, fanOut int) {
	switch len(shape) {
	case 0:
		return 1, 1
	case 1:
		return shape[0], shape[0]
	case 2:
		return shape[0], shape[1]
	}
	receptive := 1
	for _, d := range shape[:len(shape)-2] {
		receptive *= d
	}
	return shape[len(shape)-2] * receptive, shape[len(shape)-1] * receptive
}

func count(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// GlorotUniform draws from U(−limit, limit) with limit = √(6/(fan_in+fan_out))
// (Glorot & Bengio 2010; Keras's default kernel initializer).
type GlorotUniform struct{}

// Init implements Initializer.
func (GlorotUniform) Init(shape []int, rng *rand.Rand) []float32 {
	in, out := Fans(shape)
	limit := math.Sqrt(6 / float64(in+out))
	return uniform(count(shape), -limit, limit, rng)
}

// Name implements Initializer.
func (GlorotUniform) Name() string { return "glorot_uniform" }

// HeNormal draws from a normal distribution truncated at two standard
// deviations, with stddev √(2/fan_in) (He et al. 2015), as Keras does.
type HeNormal struct{}

// Init implements Initializer.
func (HeNormal) Init(shape []int, rng *rand.Rand) []float32 {
	in, _ := Fans(shape)
	// Keras divides by 0.8796…, the stddev of a unit normal truncated at ±2.
	std := math.Sqrt(2/float64(in)) / 0.87962566103423978
	return truncNormal(count(shape), std, rng)
}

// Name implements Initializer.
func (HeNormal) Name() string { return "he_normal" }

// HeUniform draws from U(−limit, limit) with limit = √(6/fan_in).
type HeUniform struct{}

// Init implements Initializer.
func (HeUniform) Init(shape []int, rng *rand.Rand) []float32 {
	in, _ := Fans(shape)
	limit := math.Sqrt(6 / float64(in))
	return uniform(count(shape), -limit, limit, rng)
}

// Name implements Initializer.
func (HeUniform) Name() string { return "he_uniform" }

// RandomUniform draws from U(Min, Max); the zero value is Keras's default
// U(−0.05, 0.05).
type RandomUniform struct{ Min, Max float64 }

// Init implements Initializer.
func (r RandomUniform) Init(shape []int, rng *rand.Rand) []float32 {
	lo, hi := r.Min, r.Max
	if lo == 0 && hi == 0 {
		lo, hi = -0.05, 0.05
	}
	return uniform(count(shape), lo, hi, rng)
}

// Name implements Initializer.
func (RandomUniform) Name() string { return "random_uniform" }

// RandomNormal draws from N(Mean, Stddev²); a zero Stddev means Keras's 0.05.
type RandomNormal struct{ Mean, Stddev float64 }

// Init implements Initializer.
func (r RandomNormal) Init(shape []int, rng *rand.Rand) []float32 {
	std := r.Stddev
	if std == 0 {
		std = 0.05
	}
	v := make([]float32, count(shape))
	for i := range v {
		v[i] = float32(r.Mean + std*rng.NormFloat64())
	}
	return v
}

// Name implements Initializer.
func (RandomNormal) Name() string { return "random_normal" }

// Zeros fills with 0, Keras's default bias initializer.
type Zeros struct{}

// Init implements Initializer.
func (Zeros) Init(shape []int, _ *rand.Rand) []float32 { return make([]float32, count(shape)) }

// Name implements Initializer.
func (Zeros) Name() string { return "zeros" }

// Ones fills with 1.
type Ones struct{}

// Init implements Initializer.
func (Ones) Init(shape []int, _ *rand.Rand) []float32 {
	v := make([]float32, count(shape))
	for i := range v {
		v[i] = 1
	}
	return v
}

// Name implements Initializer.
func (Ones) Name() string { return "ones" }

// Constant fills with Value.
type Constant struct{ Value float32 }

// Init implements Initializer.
func (c Constant) Init(shape []int, _ *rand.Rand) []float32 {
	v := make([]float32, count(shape))
	for i := range v {
		v[i] = c.Value
	}
	return v
}

// Name implements Initializer.
func (Constant) Name() string { return "constant" }

func uniform(n int, lo, hi float64, rng *rand.Rand) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(lo + (hi-lo)*rng.Float64())
	}
	return v
}

func truncNormal(n int, std float64, rng *rand.Rand) []float32 {
	v := make([]float32, n)
	for i := range v {
		x := rng.NormFloat64()
		for x < -2 || x > 2 {
			x = rng.NormFloat64()
		}
		v[i] = float32(x * std)
	}
	return v
}

// ErrUnknownName is wrapped by the error Get returns for an unknown name.
var ErrUnknownName = errors.New("unknown initializer")

// registry holds Keras's snake_case names and the aliases Keras accepts.
var registry = map[string]func() Initializer{
	"glorot_uniform":   func() Initializer { return GlorotUniform{} },
	"glorot_normal":    func() Initializer { return GlorotNormal{} },
	"he_normal":        func() Initializer { return HeNormal{} },
	"he_uniform":       func() Initializer { return HeUniform{} },
	"lecun_normal":     func() Initializer { return LecunNormal{} },
	"lecun_uniform":    func() Initializer { return LecunUniform{} },
	"random_uniform":   func() Initializer { return RandomUniform{} },
	"uniform":          func() Initializer { return RandomUniform{} },
	"random_normal":    func() Initializer { return RandomNormal{} },
	"normal":           func() Initializer { return RandomNormal{} },
	"truncated_normal": func() Initializer { return TruncatedNormal{} },
	"variance_scaling": func() Initializer { return VarianceScaling{} },
	"orthogonal":       func() Initializer { return Orthogonal{} },
	"identity":         func() Initializer { return Identity{} },
	"constant":         func() Initializer { return Constant{} },
	"zeros":            func() Initializer { return Zeros{} },
	"zero":             func() Initializer { return Zeros{} },
	"ones":             func() Initializer { return Ones{} },
	"one":              func() Initializer { return Ones{} },
}

// Get returns the initializer with the given Keras name and default settings.
func Get(name string) (Initializer, error) {
	if f, ok := registry[name]; ok {
		return f(), nil
	}
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return nil, fmt.Errorf("initializers: %w %q (known: %s)", ErrUnknownName, name, strings.Join(names, ", "))
}
