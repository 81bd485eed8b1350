package tensor_test

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/neuron-go/neuron/tensor"
	tt "github.com/neuron-go/neuron/tensor/tensortest"
)

// TestRecurrentSameBitsOnOneOrTwoCores checks that the recurrent ops,
// whose passes through time cut the batch between the cores, give the
// same bits, outputs and every gradient, on one core as on two, with
// masks, initial states and dropout masks too.
func TestRecurrentSameBitsOnOneOrTwoCores(t *testing.T) {
	const n, steps, f, u = 10, 30, 5, 32 // enough work for two parts, SimpleRNN too
	rng := rand.New(rand.NewPCG(3, 3))
	mask := tensor.Zeros(n, steps)
	for i := range mask.Data() {
		if i%steps >= i/steps%4 { // a little padding at the start of some
			mask.Data()[i] = 1
		}
	}
	type run struct{ out, grads [][]float32 }
	do := func(op string, gates int, opts tensor.RNNOptions, procs int) run {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		x := tt.Rand(1, -1, 1, n, steps, f).RequireGrad()
		k := tt.Rand(2, -0.3, 0.3, f, gates*u).RequireGrad()
		r := tt.Rand(3, -0.3, 0.3, u, gates*u).RequireGrad()
		bshape := []int{gates * u}
		if op == "GRU" {
			bshape = []int{2, gates * u}
		}
		b := tt.Rand(4, -0.3, 0.3, bshape...).RequireGrad()
		h0 := tt.Rand(5, -1, 1, n, u).RequireGrad()
		o := opts
		o.H0 = h0
		var y, c *tensor.Tensor
		switch op {
		case "LSTM":
			c0 := tt.Rand(6, -1, 1, n, u).RequireGrad()
			o.C0 = c0
			y, c = tensor.LSTMWithCell(x, k, r, b, o)
			tensor.Backward(y.Sum().Add(c.MulScalar(2).Sum()))
			return run{[][]float32{y.Data(), c.Data()}, [][]float32{x.Grad().Data(), k.Grad().Data(), r.Grad().Data(), b.Grad().Data(), h0.Grad().Data(), c0.Grad().Data()}}
		case "GRU":
			y = tensor.GRU(x, k, r, b, o)
		default:
			y = tensor.SimpleRNN(x, k, r, b, o)
		}
		tensor.Backward(y.Square().Sum())
		return run{[][]float32{y.Data()}, [][]float32{x.Grad().Data(), k.Grad().Data(), r.Grad().Data(), b.Grad().Data(), h0.Grad().Data()}}
	}
	for _, op := range []struct {
		name  string
		gates int
	}{{"LSTM", 4}, {"GRU", 3}, {"SimpleRNN", 1}} {
		drop := func(count int) []float32 { return tensor.DropoutMasks(tensor.Zeros(1), count, 0.25, rng) }
		for _, c := range []struct {
			name string
			o    tensor.RNNOptions
		}{
			{"plain", tensor.RNNOptions{RecAct: tensor.RNNSigmoid}},
			{"masked backwards", tensor.RNNOptions{RecAct: tensor.RNNSigmoid, Mask: mask, Backwards: true}},
			{"recurrent dropout", tensor.RNNOptions{RecAct: tensor.RNNSigmoid, InMasks: drop(op.gates * n * f), RecMasks: drop(op.gates * n * u)}},
		} {
			one, two := do(op.name, op.gates, c.o, 1), do(op.name, op.gates, c.o, 2)
			for i := range one.out {
				same(t, op.name+" "+c.name+" output", one.out[i], two.out[i])
			}
			for i := range one.grads {
				same(t, op.name+" "+c.name+" gradient", one.grads[i], two.grads[i])
			}
		}
	}
}

func same(t *testing.T, what string, a, b []float32) {
	t.Helper()
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			t.Errorf("%s: value %d is %v on one core, %v on two", what, i, a[i], b[i])
			return
		}
	}
}
