package initializers

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Checker is implemented by initializers whose arguments can be invalid
// or that only fit some shapes (Orthogonal needs a matrix). Layers call
// Check before Init, so that a bad argument is an error, not a panic.
type Checker interface {
	// Check returns an error naming the argument and its value, or the
	// shape, if Init cannot fill a weight of that shape.
	Check(shape []int) error
}

// Check returns ini's Check(shape) if it has one, else nil.
func Check(ini Initializer, shape []int) error {
	if c, ok := ini.(Checker); ok {
		return c.Check(shape)
	}
	return nil
}

// truncatedStd is the standard deviation of a unit normal truncated at
// ±2, by which Keras divides to keep the variance it asks for.
const truncatedStd = 0.87962566103423978

// VarianceScaling draws with a variance of Scale/n, where n is fan_in,
// fan_out or their mean (Mode), from a normal truncated at two standard
// deviations, an untruncated normal or a uniform distribution
// (Distribution), as Keras's VarianceScaling:
//
//	truncated_normal:   stddev = √(Scale/n) / 0.87962566103423978, cut at ±2·stddev
//	untruncated_normal: stddev = √(Scale/n)
//	uniform:            U(−√(3·Scale/n), √(3·Scale/n))
//
// n is at least 1. The zero value is Keras's default: Scale 1, Mode
// "fan_in", Distribution "truncated_normal" ("normal" is accepted for it,
// as in Keras).
type VarianceScaling struct {
	Scale        float64
	Mode         string
	Distribution string
}

func (v VarianceScaling) settings() (scale float64, mode, dist string) {
	scale, mode, dist = v.Scale, v.Mode, v.Distribution
	if scale == 0 {
		scale = 1
	}
	if mode == "" {
		mode = "fan_in"
	}
	if dist == "" || dist == "normal" {
		dist = "truncated_normal"
	}
	return scale, mode, dist
}

// Settings returns Scale, Mode and Distribution with the zero values
// replaced by Keras's defaults, as saved in a config.
func (v VarianceScaling) Settings() (scale float64, mode, distribution string) { return v.settings() }

// Check implements Checker.
func (v VarianceScaling) Check([]int) error {
	scale, mode, dist := v.settings()
	if !(scale > 0) || math.IsInf(scale, 0) {
		return fmt.Errorf("initializers: VarianceScaling: scale must be a positive number, got %v", v.Scale)
	}
	switch mode {
	case "fan_in", "fan_out", "fan_avg":
	default:
		return fmt.Errorf("initializers: VarianceScaling: mode must be fan_in, fan_out or fan_avg, got %q", v.Mode)
	}
	switch dist {
	case "truncated_normal", "untruncated_normal", "uniform":
	default:
		return fmt.Errorf("initializers: VarianceScaling: distribution must be truncated_normal, untruncated_normal or uniform, got %q", v.Distribution)
	}
	return nil
}

// Init implements Initializer.
func (v VarianceScaling) Init(shape []int, rng *rand.Rand) []float32 {
	scale, mode, dist := v.settings()
	in, out := Fans(shape)
	switch mode {
	case "fan_in":
		scale /= max(1, float64(in))
	case "fan_out":
		scale /= max(1, float64(out))
	default:
		scale /= max(1, float64(in+out)/2)
	}
	switch dist {
	case "untruncated_normal":
		return normal(count(shape), 0, math.Sqrt(scale), rng)
	case "uniform":
		limit := math.Sqrt(3 * scale)
		return uniform(count(shape), -limit, limit, rng)
	}
	return truncNormal(count(shape), math.Sqrt(scale)/truncatedStd, rng)
}

// Name implements Initializer.
func (VarianceScaling) Name() string { return "variance_scaling" }

// GlorotNormal is VarianceScaling with scale 1, mode fan_avg and a
// truncated normal: stddev √(2/(fan_in+fan_out)) / 0.8796….
type GlorotNormal struct{}

// Init implements Initializer.
func (GlorotNormal) Init(shape []int, rng *rand.Rand) []float32 {
	return VarianceScaling{Scale: 1, Mode: "fan_avg"}.Init(shape, rng)
}

// Name implements Initializer.
func (GlorotNormal) Name() string { return "glorot_normal" }

// LecunNormal is VarianceScaling with scale 1, mode fan_in and a truncated
// normal: stddev √(1/fan_in) / 0.8796….
type LecunNormal struct{}

// Init implements Initializer.
func (LecunNormal) Init(shape []int, rng *rand.Rand) []float32 {
	return VarianceScaling{}.Init(shape, rng)
}

// Name implements Initializer.
func (LecunNormal) Name() string { return "lecun_normal" }

// LecunUniform is VarianceScaling with scale 1, mode fan_in and a uniform
// distribution: U(−√(3/fan_in), √(3/fan_in)).
type LecunUniform struct{}

// Init implements Initializer.
func (LecunUniform) Init(shape []int, rng *rand.Rand) []float32 {
	return VarianceScaling{Distribution: "uniform"}.Init(shape, rng)
}

// Name implements Initializer.
func (LecunUniform) Name() string { return "lecun_uniform" }

// TruncatedNormal draws Mean + Stddev·z with z a unit normal redrawn
// until |z| ≤ 2, as Keras's TruncatedNormal (cut at two standard
// deviations; the resulting standard deviation is 0.8796·Stddev). A zero
// Stddev means Keras's 0.05.
type TruncatedNormal struct{ Mean, Stddev float64 }

func (r TruncatedNormal) std() float64 {
	if r.Stddev == 0 {
		return 0.05
	}
	return r.Stddev
}

// Check implements Checker.
func (r TruncatedNormal) Check([]int) error {
	if s := r.std(); !(s > 0) || math.IsInf(s, 0) || math.IsNaN(r.Mean) || math.IsInf(r.Mean, 0) {
		return fmt.Errorf("initializers: TruncatedNormal: stddev must be a positive number and mean finite, got stddev %v, mean %v", r.Stddev, r.Mean)
	}
	return nil
}

// Init implements Initializer.
func (r TruncatedNormal) Init(shape []int, rng *rand.Rand) []float32 {
	v := truncNormal(count(shape), r.std(), rng)
	for i := range v {
		v[i] += float32(r.Mean)
	}
	return v
}

// Name implements Initializer.
func (TruncatedNormal) Name() string { return "truncated_normal" }

// Check implements Checker.
func (r RandomNormal) Check([]int) error {
	if s := r.Stddev; s < 0 || math.IsNaN(s) || math.IsInf(s, 0) || math.IsNaN(r.Mean) || math.IsInf(r.Mean, 0) {
		return fmt.Errorf("initializers: RandomNormal: stddev must be a positive number and mean finite, got stddev %v, mean %v", r.Stddev, r.Mean)
	}
	return nil
}

// Check implements Checker.
func (r RandomUniform) Check([]int) error {
	if r.Min == 0 && r.Max == 0 {
		return nil
	}
	if !(r.Min < r.Max) || math.IsInf(r.Min, 0) || math.IsInf(r.Max, 0) {
		return fmt.Errorf("initializers: RandomUniform: minval %v must be less than maxval %v, both finite", r.Min, r.Max)
	}
	return nil
}

// Orthogonal fills a matrix (a kernel is seen as rows Π shape[:−1] by
// columns shape[−1]) with Gain times an orthogonal matrix: the Q of the QR
// decomposition of a standard normal matrix, with R's diagonal made
// positive, as Keras's Orthogonal. The rows (or, if there are fewer rows
// than columns, the columns) are orthonormal. A zero Gain means Keras's 1.
type Orthogonal struct{ Gain float64 }

func (o Orthogonal) gain() float64 {
	if o.Gain == 0 {
		return 1
	}
	return o.Gain
}

// Check implements Checker.
func (o Orthogonal) Check(shape []int) error {
	if len(shape) < 2 {
		return fmt.Errorf("initializers: Orthogonal: the weight must have at least 2 dimensions, got shape %v", shape)
	}
	if g := o.gain(); math.IsNaN(g) || math.IsInf(g, 0) {
		return fmt.Errorf("initializers: Orthogonal: gain must be finite, got %v", o.Gain)
	}
	return nil
}

// Init implements Initializer.
func (o Orthogonal) Init(shape []int, rng *rand.Rand) []float32 {
	cols := shape[len(shape)-1]
	rows := count(shape) / max(cols, 1)
	m, n := max(rows, cols), min(rows, cols)
	a := make([]float64, m*n) // m×n, row-major
	for i := range a {
		a[i] = rng.NormFloat64()
	}
	// Modified Gram–Schmidt on the columns gives Q with R's diagonal
	// positive, the same Q as Householder QR followed by Keras's
	// q *= sign(diag(r)). A second pass keeps Q orthogonal to rounding.
	for j := range n {
		for pass := 0; pass < 2; pass++ {
			for k := range j {
				var dot float64
				for i := range m {
					dot += a[i*n+k] * a[i*n+j]
				}
				for i := range m {
					a[i*n+j] -= dot * a[i*n+k]
				}
			}
		}
		var norm float64
		for i := range m {
			norm += a[i*n+j] * a[i*n+j]
		}
		norm = math.Sqrt(norm)
		for i := range m {
			a[i*n+j] /= norm
		}
	}
	g := o.gain()
	v := make([]float32, rows*cols)
	for r := range rows {
		for c := range cols {
			if rows >= cols {
				v[r*cols+c] = float32(g * a[r*n+c])
			} else {
				v[r*cols+c] = float32(g * a[c*n+r])
			}
		}
	}
	return v
}

// Name implements Initializer.
func (Orthogonal) Name() string { return "orthogonal" }

// Identity fills a matrix with Gain on its diagonal and 0 elsewhere
// (Keras's Identity, eye(rows, cols) for a rectangular matrix too). A zero
// Gain means Keras's 1.
type Identity struct{ Gain float64 }

func (o Identity) gain() float64 {
	if o.Gain == 0 {
		return 1
	}
	return o.Gain
}

// Check implements Checker.
func (o Identity) Check(shape []int) error {
	if len(shape) != 2 {
		return fmt.Errorf("initializers: Identity: the weight must be a matrix (2 dimensions), got shape %v", shape)
	}
	if g := o.gain(); math.IsNaN(g) || math.IsInf(g, 0) {
		return fmt.Errorf("initializers: Identity: gain must be finite, got %v", o.Gain)
	}
	return nil
}

// Init implements Initializer.
func (o Identity) Init(shape []int, _ *rand.Rand) []float32 {
	v := make([]float32, count(shape))
	if len(shape) != 2 {
		return v
	}
	for i := range min(shape[0], shape[1]) {
		v[i*shape[1]+i] = float32(o.gain())
	}
	return v
}

// Name implements Initializer.
func (Identity) Name() string { return "identity" }

func normal(n int, mean, std float64, rng *rand.Rand) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(mean + std*rng.NormFloat64())
	}
	return v
}
