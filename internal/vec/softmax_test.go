package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSoftmaxAgainstFloat64 checks Softmax and SoftmaxGrad on every path
// and length against the formulas in float64, with NaN and ±Inf rows.
func TestSoftmaxAgainstFloat64(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for _, n := range []int{1, 2, 15, 16, 17, 31, 32, 33, 128, 200} {
		for _, c := range []float32{1, 0.17677669, -2} {
			x := make([]float32, n)
			g := make([]float32, n)
			for i := range x {
				x[i] = float32(rng.NormFloat64() * 5)
				g[i] = float32(rng.NormFloat64())
			}
			// float64 references
			m := math.Inf(-1)
			for _, v := range x {
				m = math.Max(m, float64(c)*float64(v))
			}
			want, arg := make([]float64, n), make([]float64, n)
			var sum float64
			for i, v := range x {
				arg[i] = float64(c)*float64(v) - m
				want[i] = math.Exp(arg[i])
				sum += want[i]
			}
			for i := range want {
				want[i] /= sum
			}
			for _, p := range kernelPaths() {
				restore := p.use()
				got := append(make([]float32, 0, n+1), x...)
				got = append(got, 42)
				Softmax(got[:n], c)
				if got[n] != 42 {
					t.Errorf("%s n=%d: Softmax wrote past the end", p.name, n)
				}
				// float32's rounding of c·x − max, which is exact in the
				// reference, moves exp by up to ~6e-8·|c·x − max|.
				for i := range n {
					if e := math.Abs(float64(got[i]) - want[i]); e > 1e-6*(2-arg[i])*want[i] && e > 1e-30 {
						t.Errorf("%s n=%d c=%v: Softmax[%d] = %v, want %v", p.name, n, c, i, got[i], want[i])
					}
				}
				// The gradient at the probabilities got, in float64.
				var dot float64
				for i := range n {
					dot += float64(got[i]) * float64(g[i])
				}
				d := append(make([]float32, 0, n+1), g...)
				d = append(d, 42)
				SoftmaxGrad(got[:n], d[:n], c)
				if d[n] != 42 {
					t.Errorf("%s n=%d: SoftmaxGrad wrote past the end", p.name, n)
				}
				for i := range n {
					w := float64(c) * float64(got[i]) * (float64(g[i]) - dot)
					if e := math.Abs(float64(d[i]) - w); e > 1e-6*(math.Abs(w)+float64(got[i])*math.Abs(float64(c))) {
						t.Errorf("%s n=%d c=%v: SoftmaxGrad[%d] = %v, want %v", p.name, n, c, i, d[i], w)
					}
				}
				restore()
			}
		}
	}
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	for _, p := range kernelPaths() {
		restore := p.use()
		for _, n := range []int{3, 16, 20} {
			for _, bad := range []float32{nan, inf} {
				for _, at := range []int{0, n - 1} {
					x := make([]float32, n)
					x[at] = bad
					Softmax(x, 1)
					for i, v := range x {
						if v == v {
							t.Errorf("%s n=%d: %v at %d: Softmax[%d] = %v, want NaN", p.name, n, bad, at, i, v)
						}
					}
				}
			}
			x := make([]float32, n)
			x[n/2] = float32(math.Inf(-1))
			Softmax(x, 1)
			if x[n/2] != 0 || math.Abs(float64(x[0])-1/float64(n-1)) > 1e-6 {
				t.Errorf("%s n=%d: -Inf: got %v", p.name, n, x)
			}
		}
		restore()
	}
}

// BenchmarkSoftmax is attention's softmax: 128 rows of 128 scores (one
// head of a sequence of 128), scaled by 1/√32; BenchmarkSoftmaxGrad is its
// backward pass.
func BenchmarkSoftmax(b *testing.B) {
	const rows, n = 128, 128
	src, x := make([]float32, rows*n), make([]float32, rows*n)
	for i := range src {
		src[i] = float32(i%61-30) / 4
	}
	b.SetBytes(4 * rows * n)
	for b.Loop() {
		copy(x, src)
		for r := range rows {
			Softmax(x[r*n:(r+1)*n], 0.17677669)
		}
	}
}

func BenchmarkSoftmaxGrad(b *testing.B) {
	const rows, n = 128, 128
	p, d := make([]float32, rows*n), make([]float32, rows*n)
	for i := range p {
		p[i] = 1.0 / n
		d[i] = float32(i%17-8) / 8
	}
	b.SetBytes(4 * rows * n)
	for b.Loop() {
		for r := range rows {
			SoftmaxGrad(p[r*n:(r+1)*n], d[r*n:(r+1)*n], 0.17677669)
		}
	}
}
