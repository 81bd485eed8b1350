package tensor_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/neuron-go/neuron/tensor"
)

// TestSoftmaxBits checks Softmax bit for bit against the formula written
// out with math.Exp: the row's maximum subtracted in float32, exp in
// float64 rounded to float32, the sum in order, one reciprocal. Rows of
// many widths (the vector exponential's 8 lanes and the tail), with
// infinities and NaNs among them.
func TestSoftmaxBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	for _, n := range []int{1, 2, 7, 8, 10, 17, 33, 128} {
		rows := 13
		x := make([]float32, rows*n)
		for i := range x {
			x[i] = float32(rng.NormFloat64() * 30)
		}
		x[n/2] = float32(math.Inf(-1))
		x[n+n/2] = float32(math.Inf(1))
		x[2*n] = float32(math.NaN())
		got := tensor.FromSlice(x, rows, n).Softmax().Data()
		for r := range rows {
			row := x[r*n : (r+1)*n]
			m := row[0]
			for _, v := range row {
				m = max(m, v)
			}
			want := make([]float32, n)
			var s float32
			for i, v := range row {
				want[i] = float32(math.Exp(float64(v - m)))
				s += want[i]
			}
			inv := 1 / s
			for i := range want {
				want[i] *= inv
				if g := got[r*n+i]; math.Float32bits(g) != math.Float32bits(want[i]) {
					t.Fatalf("n=%d row %d: softmax[%d] = %v, want %v", n, r, i, g, want[i])
				}
			}
		}
	}
}
