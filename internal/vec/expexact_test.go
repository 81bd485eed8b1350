package vec

import (
	"math"
	"math/rand/v2"
	"os"
	"testing"
)

// TestExpExactBits checks ExpExact against float32(math.Exp(float64(x)))
// bit for bit on every path: every 997th float32 bit pattern from −110 to
// +90 (the range where the result is neither 0 nor +Inf, and beyond),
// random values and the special ones, at lengths that exercise the vector
// part and the tail.
func TestExpExactBits(t *testing.T) {
	var xs []float32
	for _, v := range []float64{0, math.Copysign(0, -1), 1, -1, math.NaN(), math.Inf(1), math.Inf(-1), -708, -708.4, -709, -745, -746, -1e30, 88.72, 88.73, 89, 89.01, 709.7, 709.8, 1e30, 1e-40, -1e-40, -87.3, -103.9, -104, -0.5, 0.5} {
		xs = append(xs, float32(v))
	}
	xs = append(xs, math.Float32frombits(0x7fc00001), math.Float32frombits(0xffc12345))
	for b := uint32(0); b < 1<<31; b += 997 {
		if v := math.Float32frombits(b); v <= 90 {
			xs = append(xs, v)
		}
		if v := math.Float32frombits(b | 1<<31); v >= -110 {
			xs = append(xs, v)
		}
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for range 100000 {
		xs = append(xs, float32(rng.NormFloat64()*20))
	}
	for _, p := range kernelPaths() {
		restore := p.use()
		for _, n := range []int{len(xs), 1, 7, 8, 9, 17} {
			for off := 0; off+n <= len(xs); off += max(n, len(xs)/50) {
				src := xs[off : off+n]
				y := append([]float32(nil), src...)
				ExpExact(y)
				for i, v := range src {
					want := float32(math.Exp(float64(v)))
					if math.Float32bits(y[i]) != math.Float32bits(want) {
						t.Fatalf("%s: ExpExact(%v) (%#08x) = %v (%#08x), want %v (%#08x)", p.name, v, math.Float32bits(v), y[i], math.Float32bits(y[i]), want, math.Float32bits(want))
					}
				}
			}
		}
		restore()
	}
}

// TestExpExactAllFloat32 checks every one of the 2³² float32 inputs (about
// a minute); it runs only with NEURON_EXP_EXHAUSTIVE=1.
func TestExpExactAllFloat32(t *testing.T) {
	if os.Getenv("NEURON_EXP_EXHAUSTIVE") != "1" {
		t.Skip("set NEURON_EXP_EXHAUSTIVE=1 to check all float32 inputs")
	}
	buf := make([]float32, 1<<16)
	for hi := uint32(0); hi < 1<<16; hi++ {
		for i := range buf {
			buf[i] = math.Float32frombits(hi<<16 | uint32(i))
		}
		ExpExact(buf)
		for i, y := range buf {
			x := math.Float32frombits(hi<<16 | uint32(i))
			if w := float32(math.Exp(float64(x))); math.Float32bits(y) != math.Float32bits(w) {
				t.Fatalf("ExpExact(%v) (%#08x) = %v, want %v", x, math.Float32bits(x), y, w)
			}
		}
	}
}

func BenchmarkExpExact(b *testing.B) {
	src, x := make([]float32, 8192), make([]float32, 8192)
	for i := range src {
		src[i] = float32(i%200-100) / 10
	}
	b.SetBytes(4 * int64(len(x)))
	for b.Loop() {
		copy(x, src)
		ExpExact(x)
	}
}
