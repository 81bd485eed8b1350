// Package constraints provides Keras 3's weight constraints: functions a
// model applies to a weight after each optimizer update, to keep it
// within bounds (keras/src/constraints).
//
//	&layers.Dense{Units: 64, KernelConstraint: constraints.MaxNorm{MaxValue: 3}}
//
// The norm constraints compute the norm of each slice of the weight along
// Axis (default 0: for a Dense kernel (in, units), the norm of the weights
// coming into each unit; for a Conv2D kernel use {0, 1, 2}, one norm per
// filter), and rescale the slice as Keras does, with Keras's epsilon 1e-7
// in the division.
package constraints

import (
	"fmt"
	"math"
	"sync"
)

// Constraint rewrites a weight in place after an optimizer update.
type Constraint interface {
	// Check returns an error naming the argument and its value if the
	// constraint's arguments are invalid or do not fit a weight of shape.
	Check(shape []int) error
	// Apply replaces w, a weight of the given shape (row-major), by its
	// constrained value. It does not allocate in steady state.
	Apply(w []float32, shape []int)
	// ClassName returns the Keras class name, e.g. "MaxNorm".
	ClassName() string
}

// epsilon is Keras's backend.epsilon().
const epsilon = 1e-7

// MaxNorm rescales each slice whose norm exceeds MaxValue to norm
// MaxValue: w·clip(n, 0, MaxValue)/(ε + n), Keras's MaxNorm. The zero
// MaxValue means Keras's 2.
type MaxNorm struct {
	MaxValue float64
	// Axis lists the axes the norm is taken over; nil means {0}.
	// Negative axes count from the end.
	Axis []int
}

func (c MaxNorm) max() float64 {
	if c.MaxValue == 0 {
		return 2
	}
	return c.MaxValue
}

// Check implements Constraint.
func (c MaxNorm) Check(shape []int) error {
	if m := c.max(); !(m > 0) || math.IsInf(m, 0) {
		return fmt.Errorf("constraints: MaxNorm: max_value must be a positive number, got %v", c.MaxValue)
	}
	return checkAxes("MaxNorm", c.Axis, shape)
}

// Apply implements Constraint.
func (c MaxNorm) Apply(w []float32, shape []int) {
	m := c.max()
	rescale(w, shape, c.Axis, func(n float64) float64 { return min(max(n, 0), m) / (epsilon + n) })
}

// ClassName implements Constraint.
func (MaxNorm) ClassName() string { return "MaxNorm" }

// NonNeg sets the negative weights to 0, Keras's NonNeg.
type NonNeg struct{}

// Check implements Constraint.
func (NonNeg) Check([]int) error { return nil }

// Apply implements Constraint.
func (NonNeg) Apply(w []float32, _ []int) {
	for i, v := range w {
		w[i] = max(v, 0)
	}
}

// ClassName implements Constraint.
func (NonNeg) ClassName() string { return "NonNeg" }

// UnitNorm rescales each slice to norm 1: w/(ε + n), Keras's UnitNorm.
type UnitNorm struct {
	// Axis lists the axes the norm is taken over; nil means {0}.
	Axis []int
}

// Check implements Constraint.
func (c UnitNorm) Check(shape []int) error { return checkAxes("UnitNorm", c.Axis, shape) }

// Apply implements Constraint.
func (c UnitNorm) Apply(w []float32, shape []int) {
	rescale(w, shape, c.Axis, func(n float64) float64 { return 1 / (epsilon + n) })
}

// ClassName implements Constraint.
func (UnitNorm) ClassName() string { return "UnitNorm" }

// MinMaxNorm moves each slice's norm n towards [MinValue, MaxValue]:
// w·(Rate·clip(n, MinValue, MaxValue) + (1 − Rate)·n)/(ε + n), Keras's
// MinMaxNorm. The zero values mean Keras's defaults: MinValue 0, MaxValue
// 1, Rate 1 (a rate of exactly 0, which does nothing, cannot be chosen).
type MinMaxNorm struct {
	MinValue, MaxValue, Rate float64
	// Axis lists the axes the norm is taken over; nil means {0}.
	Axis []int
}

// Settings returns MinValue, MaxValue and Rate with the zero values
// replaced by Keras's defaults.
func (c MinMaxNorm) Settings() (minValue, maxValue, rate float64) {
	minValue, maxValue, rate = c.MinValue, c.MaxValue, c.Rate
	if maxValue == 0 {
		maxValue = 1
	}
	if rate == 0 {
		rate = 1
	}
	return minValue, maxValue, rate
}

// Check implements Constraint.
func (c MinMaxNorm) Check(shape []int) error {
	lo, hi, rate := c.Settings()
	if !(lo >= 0) || !(hi >= lo) || math.IsInf(hi, 0) {
		return fmt.Errorf("constraints: MinMaxNorm: want 0 <= min_value <= max_value, both finite, got min_value %v, max_value %v", lo, hi)
	}
	if !(rate > 0 && rate <= 1) {
		return fmt.Errorf("constraints: MinMaxNorm: rate must be in (0, 1], got %v", c.Rate)
	}
	return checkAxes("MinMaxNorm", c.Axis, shape)
}

// Apply implements Constraint.
func (c MinMaxNorm) Apply(w []float32, shape []int) {
	lo, hi, rate := c.Settings()
	rescale(w, shape, c.Axis, func(n float64) float64 {
		return (rate*min(max(n, lo), hi) + (1-rate)*n) / (epsilon + n)
	})
}

// ClassName implements Constraint.
func (MinMaxNorm) ClassName() string { return "MinMaxNorm" }

// maxRank bounds the rank of a constrained weight.
const maxRank = 8

// checkAxes rejects axes outside shape, and repeated ones.
func checkAxes(class string, axes []int, shape []int) error {
	if len(shape) > maxRank {
		return fmt.Errorf("constraints: %s: weights of rank above %d are not supported, got shape %v", class, maxRank, shape)
	}
	if axes == nil {
		axes = []int{0}
	}
	if len(axes) == 0 {
		return fmt.Errorf("constraints: %s: axis is empty", class)
	}
	var seen [maxRank]bool
	for _, a := range axes {
		b := a
		if b < 0 {
			b += len(shape)
		}
		if b < 0 || b >= len(shape) {
			return fmt.Errorf("constraints: %s: axis %d is out of range for a weight of shape %v", class, a, shape)
		}
		if seen[b] {
			return fmt.Errorf("constraints: %s: axis %v repeats an axis", class, axes)
		}
		seen[b] = true
	}
	return nil
}

// buffers holds the norms' scratch space, so that Apply does not allocate.
var buffers = sync.Pool{New: func() any { return new([]float64) }}

// rescale multiplies each slice of w along axes by factor(its norm).
func rescale(w []float32, shape []int, axes []int, factor func(norm float64) float64) {
	r := len(shape)
	var reduced [maxRank]bool
	if axes == nil {
		reduced[0] = r > 0
	}
	for _, a := range axes {
		if a < 0 {
			a += r
		}
		reduced[a] = true
	}
	// Strides of the kept axes in the norms' array (0 along reduced axes).
	var stride, idx [maxRank]int
	n := 1
	for a := r - 1; a >= 0; a-- {
		if !reduced[a] {
			stride[a] = n
			n *= shape[a]
		}
	}
	bp := buffers.Get().(*[]float64)
	if cap(*bp) < n {
		*bp = make([]float64, n)
	}
	norms := (*bp)[:n]
	clear(norms)
	walk := func(f func(i, k int)) {
		idx = [maxRank]int{}
		for i := range w {
			k := 0
			for a := range r {
				k += idx[a] * stride[a]
			}
			f(i, k)
			for a := r - 1; a >= 0; a-- {
				idx[a]++
				if idx[a] < shape[a] {
					break
				}
				idx[a] = 0
			}
		}
	}
	walk(func(i, k int) { norms[k] += float64(w[i]) * float64(w[i]) })
	for k, s := range norms {
		norms[k] = factor(math.Sqrt(s))
	}
	walk(func(i, k int) { w[i] = float32(float64(w[i]) * norms[k]) })
	buffers.Put(bp)
}
