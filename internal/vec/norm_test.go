package vec

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestNormPathsAgree runs the normalization row kernels on every path and
// requires bit-identical results, equal to the definitions computed here
// with float64 products rounded to float32 (exact for float32 operands).
func TestNormPathsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	r32 := func(v float64) float32 { return float32(v) }
	for _, c := range []int{1, 3, 15, 16, 17, 32, 40, 64, 100} {
		n := 5
		x, g, dst0 := poolData(rng, n*c), poolData(rng, n*c), poolData(rng, n*c)
		a, b, d, mean, acc0 := poolData(rng, c), poolData(rng, c), poolData(rng, c), poolData(rng, c), poolData(rng, c)
		wantY := make([]float32, n*c)
		wantSq := append([]float32(nil), acc0...)
		wantDot := append([]float32(nil), acc0...)
		wantAff := append([]float32(nil), dst0...)
		for r := range n {
			for j := range c {
				i := r*c + j
				wantY[i] = r32(float64(x[i])*float64(a[j])) + b[j]
				dv := x[i] - mean[j]
				wantSq[j] += r32(float64(dv) * float64(dv))
				wantDot[j] += r32(float64(g[i]) * float64(dv))
				wantAff[i] += (r32(float64(g[i])*float64(a[j])) + r32(float64(x[i])*float64(b[j]))) + d[j]
			}
		}
		for _, p := range kernelPaths() {
			restore := p.use()
			y := make([]float32, n*c)
			ScaleShiftRows(y, x, a, b, n, c)
			sq := append([]float32(nil), acc0...)
			AddSqDevRows(sq, x, mean, n, c)
			dot := append([]float32(nil), acc0...)
			AddDevDotRows(dot, g, x, mean, n, c)
			aff := append([]float32(nil), dst0...)
			AddAffine2Rows(aff, g, x, a, b, d, n, c)
			restore()
			name := fmt.Sprintf("c=%d path %s", c, p.name)
			for _, k := range []struct {
				what      string
				got, want []float32
			}{{"ScaleShiftRows", y, wantY}, {"AddSqDevRows", sq, wantSq}, {"AddDevDotRows", dot, wantDot}, {"AddAffine2Rows", aff, wantAff}} {
				for i := range k.want {
					if !sameFloat(k.got[i], k.want[i]) {
						t.Fatalf("%s: %s at %d: %v, want %v", name, k.what, i, k.got[i], k.want[i])
					}
				}
			}
		}
	}
}

func BenchmarkScaleShiftRows(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	n, c := 32*26*26, 32
	x, y, s, t := poolData(rng, n*c), make([]float32, n*c), poolData(rng, c), poolData(rng, c)
	b.SetBytes(int64(8 * n * c))
	for b.Loop() {
		ScaleShiftRows(y, x, s, t, n, c)
	}
}

// BenchmarkNormRows times each normalization row kernel on every path for
// the course CNN's first BatchNormalization (32 images of 26×26 positions,
// 32 channels).
func BenchmarkNormRows(b *testing.B) {
	rng := rand.New(rand.NewPCG(2, 2))
	n, c := 32*26*26, 32
	x, g, y := poolData(rng, n*c), poolData(rng, n*c), make([]float32, n*c)
	a, s, d, acc := poolData(rng, c), poolData(rng, c), poolData(rng, c), make([]float32, c)
	kernels := []struct {
		name string
		rows int // the row arrays read and written
		run  func()
	}{
		{"ScaleShiftRows", 2, func() { ScaleShiftRows(y, x, a, s, n, c) }},
		{"AddSqDevRows", 1, func() { AddSqDevRows(acc, x, a, n, c) }},
		{"AddDevDotRows", 2, func() { AddDevDotRows(acc, g, x, a, n, c) }},
		{"AddAffine2Rows", 4, func() { AddAffine2Rows(y, g, x, a, s, d, n, c) }},
	}
	for _, k := range kernels {
		for _, p := range kernelPaths() {
			b.Run("kernel="+k.name+"/path="+p.name, func(b *testing.B) {
				defer p.use()()
				b.SetBytes(int64(4 * k.rows * n * c))
				for b.Loop() {
					k.run()
				}
			})
		}
	}
}
