package tensor_test

import (
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/neuron-go/neuron/tensor"
	tt "github.com/neuron-go/neuron/tensor/tensortest"
)

// TestGRUResetBeforeSameBitsOnOneOrTwoCores checks that the op, whose
// passes cut the batch between the cores, gives the same bits on one core
// as on two, with masks, an initial state and dropout masks.
func TestGRUResetBeforeSameBitsOnOneOrTwoCores(t *testing.T) {
	const n, steps, f, u = 10, 30, 5, 32
	mask := tensor.Zeros(n, steps)
	for i := range mask.Data() {
		if i%steps >= i/steps%4 {
			mask.Data()[i] = 1
		}
	}
	rng := rand.New(rand.NewPCG(3, 3))
	drop := func(count int) []float32 { return tensor.DropoutMasks(tensor.Zeros(1), count, 0.25, rng) }
	for _, o := range []tensor.RNNOptions{
		{RecAct: tensor.RNNSigmoid},
		{RecAct: tensor.RNNSigmoid, Mask: mask, Backwards: true},
		{RecAct: tensor.RNNSigmoid, InMasks: drop(3 * n * f), RecMasks: drop(3 * n * u)},
	} {
		do := func(procs int) [][]float32 {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			x := tt.Rand(1, -1, 1, n, steps, f).RequireGrad()
			k := tt.Rand(2, -0.3, 0.3, f, 3*u).RequireGrad()
			r := tt.Rand(3, -0.3, 0.3, u, 3*u).RequireGrad()
			b := tt.Rand(4, -0.3, 0.3, 3*u).RequireGrad()
			h0 := tt.Rand(5, -1, 1, n, u).RequireGrad()
			oo := o
			oo.H0 = h0
			y := tensor.GRUResetBefore(x, k, r, b, oo)
			tensor.Backward(y.Square().Sum())
			return [][]float32{y.Data(), x.Grad().Data(), k.Grad().Data(), r.Grad().Data(), b.Grad().Data(), h0.Grad().Data()}
		}
		one, two := do(1), do(2)
		for i := range one {
			same(t, "GRUResetBefore", one[i], two[i])
		}
	}
}
