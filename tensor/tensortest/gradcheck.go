// Package tensortest provides helpers for testing differentiable code built
// on package tensor: a finite-difference gradient check and closeness tests.
package tensortest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/neuron-go/neuron/tensor"
)

// GradCheckOptions tunes GradCheck. The zero value uses the defaults.
type GradCheckOptions struct {
	// Step is the finite-difference step h (default 1e-3, scaled by
	// max(1,|x|)). Data are float32, so h cannot be as small as in a float64
	// check: rounding error in f grows like ε·|f|/h.
	Step float64
	// Atol and Rtol bound |numeric − analytic| ≤ Atol + Rtol·|numeric|
	// (defaults 2e-3 and 2e-2).
	Atol, Rtol float64
	// Seed picks the random weights w of the checked scalar Σ w ⊙ f(x).
	Seed uint64
}

// GradCheck compares the gradients that tensor.Backward computes for f with
// central differences (F(x+h) − F(x−h)) / 2h, for every element of every
// input in xs. The scalar differentiated is F = Σ w ⊙ f(xs...) with fixed
// random weights w, so the whole vector-Jacobian product is exercised rather
// than an all-ones cotangent. Inputs are marked as requiring gradients.
// It reports the worst element of each input on failure.
func GradCheck(t testing.TB, f func(xs ...*tensor.Tensor) *tensor.Tensor, xs []*tensor.Tensor, opt GradCheckOptions) {
	t.Helper()
	if opt.Step == 0 {
		opt.Step = 1e-3
	}
	if opt.Atol == 0 {
		opt.Atol = 2e-3
	}
	if opt.Rtol == 0 {
		opt.Rtol = 2e-2
	}
	for _, x := range xs {
		x.RequireGrad()
		x.ZeroGrad()
	}
	y := f(xs...)
	rng := rand.New(rand.NewPCG(opt.Seed, 7))
	w := make([]float32, y.Size())
	for i := range w {
		w[i] = float32(rng.Float64()*2 - 1)
	}
	wt := tensor.FromSlice(w, y.Shape()...)
	loss := y.Mul(wt).Sum()
	for _, x := range xs {
		x.ZeroGrad()
	}
	tensor.Backward(loss)
	// F evaluates the weighted sum in float64 without recording a graph.
	F := func() float64 {
		out := f(detachAll(xs)...)
		var s float64
		for i, v := range out.Data() {
			s += float64(v) * float64(w[i])
		}
		return s
	}
	for xi, x := range xs {
		var analytic []float32
		if g := x.Grad(); g != nil {
			analytic = append(analytic, g.Data()...)
		} else {
			analytic = make([]float32, x.Size())
		}
		worst, worstI := 0.0, -1
		var worstNum, worstAna float64
		data := x.Data()
		for i := range data {
			orig := data[i]
			h := opt.Step * math.Max(1, math.Abs(float64(orig)))
			data[i] = orig + float32(h)
			hp := float64(data[i] - orig)
			fp := F()
			data[i] = orig - float32(h)
			hm := float64(orig - data[i])
			fm := F()
			data[i] = orig
			num := (fp - fm) / (hp + hm)
			ana := float64(analytic[i])
			excess := math.Abs(num-ana) - (opt.Atol + opt.Rtol*math.Abs(num))
			if excess > worst || math.IsNaN(ana) {
				worst, worstI, worstNum, worstAna = excess, i, num, ana
			}
		}
		if worstI >= 0 {
			t.Errorf("GradCheck: input %d (shape %v), element %d: analytic %.6g, numeric %.6g", xi, x.Shape(), worstI, worstAna, worstNum)
		}
	}
}

func detachAll(xs []*tensor.Tensor) []*tensor.Tensor {
	out := make([]*tensor.Tensor, len(xs))
	for i, x := range xs {
		out[i] = x.Detach()
	}
	return out
}

// Rand returns a tensor of the given shape with values uniform in [lo, hi)
// from a PCG source seeded with seed.
func Rand(seed uint64, lo, hi float32, shape ...int) *tensor.Tensor {
	rng := rand.New(rand.NewPCG(seed, 1))
	t := tensor.Zeros(shape...)
	d := t.Data()
	for i := range d {
		d[i] = lo + (hi-lo)*rng.Float32()
	}
	return t
}

// AllClose reports whether got and want have the same length and every pair
// satisfies |got − want| ≤ atol + rtol·|want|; the error names the first
// offending index.
func AllClose(got, want []float32, atol, rtol float64) error {
	if len(got) != len(want) {
		return fmt.Errorf("length %d, want %d", len(got), len(want))
	}
	for i := range got {
		g, w := float64(got[i]), float64(want[i])
		if math.IsNaN(g) || math.Abs(g-w) > atol+rtol*math.Abs(w) {
			return fmt.Errorf("element %d: got %.7g, want %.7g", i, g, w)
		}
	}
	return nil
}
