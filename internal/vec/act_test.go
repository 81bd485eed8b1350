package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestActivationsAgainstFloat64 checks Exp, Sigmoid and Tanh on every path
// against math's float64 functions: within 4e-7 relative (or 1e-37
// absolute, for results near float32's smallest normal), exact at the
// special values, NaN kept, and every length (whole vectors and tails).
func TestActivationsAgainstFloat64(t *testing.T) {
	special := []float32{0, float32(math.Copysign(0, -1)), 1e-30, -1e-30, 1e-7, -3e-4, 0.5, -0.5, 1, -1, 7.9, -7.9, 8, 20, -20,
		88, 88.7, 89, 100, -87, -103, -104, -200, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), math.MaxFloat32, -math.MaxFloat32}
	fns := []struct {
		name string
		vec  func(dst, src []float32)
		ref  func(float64) float64
	}{
		{"Exp", Exp, math.Exp},
		{"Sigmoid", Sigmoid, func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }},
		{"Tanh", Tanh, math.Tanh},
	}
	rng := rand.New(rand.NewPCG(3, 3))
	for _, n := range []int{0, 1, 5, 15, 16, 17, 33, 200} {
		src := make([]float32, n)
		for i := range src {
			if i < len(special) && n == 200 {
				src[i] = special[i]
			} else {
				src[i] = float32(rng.NormFloat64() * 12)
			}
		}
		for _, p := range kernelPaths() {
			restore := p.use()
			for _, f := range fns {
				dst := make([]float32, n+1)
				dst[n] = 42 // past the end: must stay
				f.vec(dst[:n], src)
				if dst[n] != 42 {
					t.Errorf("%s %s n=%d: wrote past the end", p.name, f.name, n)
				}
				for i, x := range src {
					want := float64(float32(f.ref(float64(x)))) // as float32 rounds it
					got := float64(dst[i])
					switch {
					case math.IsNaN(want):
						if !math.IsNaN(got) {
							t.Errorf("%s %s(%v) = %v, want NaN", p.name, f.name, x, got)
						}
					case math.IsInf(want, 0) || want == 0 || math.Abs(want) == 1:
						if float32(want) != float32(got) {
							t.Errorf("%s %s(%v) = %v, want %v", p.name, f.name, x, got, want)
						}
					default:
						if e := math.Abs(got - want); e > 4e-7*math.Abs(want) && e > 1e-37 {
							t.Errorf("%s %s(%v) = %v, want %v (relative error %.2g)", p.name, f.name, x, got, want, e/math.Abs(want))
						}
					}
				}
			}
			// In place.
			in := append([]float32(nil), src...)
			Tanh(in, in)
			for i := range in {
				if want := math.Tanh(float64(src[i])); math.Abs(float64(in[i])-want) > 4e-7*math.Abs(want)+1e-37 {
					t.Fatalf("%s in-place Tanh(%v) = %v, want %v", p.name, src[i], in[i], want)
				}
			}
			restore()
		}
	}
}

// BenchmarkExp writes to another slice: exp in place would reach +Inf,
// which math.Exp returns early.
func BenchmarkExp(b *testing.B) {
	y := make([]float32, 8192)
	benchAct(b, func(_, src []float32) { Exp(y, src) })
}

func BenchmarkSigmoid(b *testing.B) { benchAct(b, Sigmoid) }
func BenchmarkTanh(b *testing.B)    { benchAct(b, Tanh) }

func benchAct(b *testing.B, f func(dst, src []float32)) {
	x := make([]float32, 8192)
	for i := range x {
		x[i] = float32(i%200-100) / 10
	}
	b.SetBytes(4 * int64(len(x)))
	for b.Loop() {
		f(x, x)
	}
}
