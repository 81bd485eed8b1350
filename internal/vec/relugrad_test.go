package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestReLUGradPathsAgree checks every path against ReLUBackward into a
// zeroed buffer, bit for bit, with NaN and ±0 in both inputs.
func TestReLUGradPathsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for _, n := range []int{0, 1, 7, 8, 15, 16, 17, 40, 1001} {
		y := poolData(rng, n)
		g0 := poolData(rng, n)
		want := make([]float32, n)
		ReLUBackward(want, g0, y)
		for _, p := range kernelPaths() {
			restore := p.use()
			g := append([]float32(nil), g0...)
			ReLUGrad(g, y)
			restore()
			for i := range g {
				if math.Float32bits(g[i]) != math.Float32bits(want[i]) {
					t.Fatalf("n=%d path %s at %d: y=%v g=%v: got %v, want %v", n, p.name, i, y[i], g0[i], g[i], want[i])
				}
			}
		}
	}
}
