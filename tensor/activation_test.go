package tensor_test

import (
	"math"
	"testing"

	"github.com/neuron-go/neuron/tensor"
	tt "github.com/neuron-go/neuron/tensor/tensortest"
)

// activationOps are the pointwise activations, with inputs that avoid
// their kinks (0 for the ReLU family, ±3 for the hard ones, the threshold
// and the maximum of ReLUWith).
var activationOps = []struct {
	name string
	f    func(*tensor.Tensor) *tensor.Tensor
}{
	{"ELU", func(x *tensor.Tensor) *tensor.Tensor { return x.ELU(1) }},
	{"ELU/alpha 0.5", func(x *tensor.Tensor) *tensor.Tensor { return x.ELU(0.5) }},
	{"SELU", (*tensor.Tensor).SELU},
	{"GELU", func(x *tensor.Tensor) *tensor.Tensor { return x.GELU(false) }},
	{"GELU/tanh", func(x *tensor.Tensor) *tensor.Tensor { return x.GELU(true) }},
	{"SiLU", (*tensor.Tensor).SiLU},
	{"Softplus", (*tensor.Tensor).Softplus},
	{"Softsign", (*tensor.Tensor).Softsign},
	{"LeakyReLU", func(x *tensor.Tensor) *tensor.Tensor { return x.LeakyReLU(0.2) }},
	{"ReLU6", (*tensor.Tensor).ReLU6},
	{"HardSigmoid", (*tensor.Tensor).HardSigmoid},
	{"HardSiLU", (*tensor.Tensor).HardSiLU},
	{"Exp", (*tensor.Tensor).Exp},
	{"Mish", (*tensor.Tensor).Mish},
	{"ReLUWith/slope max threshold", func(x *tensor.Tensor) *tensor.Tensor {
		return x.ReLUWith(tensor.ReLUOptions{NegativeSlope: 0.1, MaxValue: 4, HasMaxValue: true, Threshold: 1})
	}},
	{"ReLUWith/negative threshold", func(x *tensor.Tensor) *tensor.Tensor {
		return x.ReLUWith(tensor.ReLUOptions{Threshold: -1.5})
	}},
	{"ReLUWith/slope", func(x *tensor.Tensor) *tensor.Tensor {
		return x.ReLUWith(tensor.ReLUOptions{NegativeSlope: 0.3})
	}},
}

func TestActivationGradients(t *testing.T) {
	x := []float32{-7.3, -3.6, -2.2, -1.2, -0.45, 0.35, 0.8, 1.6, 2.4, 3.7, 4.6, 6.9}
	for _, op := range activationOps {
		t.Run(op.name, func(t *testing.T) {
			tt.GradCheck(t, func(xs ...*tensor.Tensor) *tensor.Tensor { return op.f(xs[0]) },
				[]*tensor.Tensor{tensor.FromSlice(x, 3, 4)}, tt.GradCheckOptions{})
		})
	}
	t.Run("LogSoftmax", func(t *testing.T) {
		tt.GradCheck(t, func(xs ...*tensor.Tensor) *tensor.Tensor { return xs[0].LogSoftmax() },
			[]*tensor.Tensor{tt.Rand(3, -3, 3, 2, 3, 4)}, tt.GradCheckOptions{})
	})
}

// TestActivationsFiniteAtLargeInputs checks that nothing but exp overflows
// at ±100 (Keras's float32 exp(100) is +Inf too) and that the gradients are
// finite there.
func TestActivationsFiniteAtLargeInputs(t *testing.T) {
	for _, op := range activationOps {
		x := tensor.FromSlice([]float32{-1e4, -100, 100, 1e4}).RequireGrad()
		y := op.f(x)
		tensor.Backward(y.Sum())
		for i, v := range y.Data() {
			if op.name == "Exp" && x.Data()[i] > 0 {
				if !math.IsInf(float64(v), 1) {
					t.Errorf("Exp(%v) = %v, want +Inf", x.Data()[i], v)
				}
				continue
			}
			g := x.Grad().Data()[i]
			if math.IsInf(float64(v), 0) || math.IsNaN(float64(v)) || math.IsNaN(float64(g)) || math.IsInf(float64(g), 0) {
				t.Errorf("%s(%v) = %v, gradient %v", op.name, x.Data()[i], v, g)
			}
		}
	}
}

// TestActivationsDoNotAllocateInArena checks that a forward and backward
// pass of each activation in an arena allocates nothing once warm, beyond
// what the surrounding Mul and Sum do.
func TestActivationsDoNotAllocateInArena(t *testing.T) {
	w := tt.Rand(1, -1, 1, 4, 8).RequireGrad()
	alpha := tt.Rand(3, 0, 1, 8).RequireGrad()
	arena := tensor.NewArena()
	x := tt.Rand(2, -3, 3, 4, 8).InArena(arena)
	base := testing.AllocsPerRun(5, func() {
		tensor.Backward(x.Mul(w).Sum())
		w.ZeroGrad()
		arena.Reset()
	})
	for _, op := range append(activationOps, struct {
		name string
		f    func(*tensor.Tensor) *tensor.Tensor
	}{"LogSoftmax", (*tensor.Tensor).LogSoftmax}, struct {
		name string
		f    func(*tensor.Tensor) *tensor.Tensor
	}{"SoftmaxAxis", func(x *tensor.Tensor) *tensor.Tensor { return x.SoftmaxAxis(0) }}, struct {
		name string
		f    func(*tensor.Tensor) *tensor.Tensor
	}{"PReLU", func(x *tensor.Tensor) *tensor.Tensor { return tensor.PReLU(x, alpha) }}) {
		step := func() {
			tensor.Backward(op.f(x.Mul(w)).Sum())
			w.ZeroGrad()
			alpha.ZeroGrad()
			arena.Reset()
		}
		step()
		if n := testing.AllocsPerRun(5, step); n != base {
			t.Errorf("%s: %v allocations per step, want %v as without it", op.name, n, base)
		}
	}
}

func TestPReLUAndSoftmaxAxisGradients(t *testing.T) {
	// Inputs away from 0, PReLU's kink.
	x := func(seed uint64, shape ...int) *tensor.Tensor {
		v := tt.Rand(seed, -2, 2, shape...)
		for i, e := range v.Data() {
			if e > -0.1 && e < 0.1 {
				v.Data()[i] = 0.5
			}
		}
		return v
	}
	f := func(xs ...*tensor.Tensor) *tensor.Tensor { return tensor.PReLU(xs[0], xs[1]) }
	tt.GradCheck(t, f, []*tensor.Tensor{x(1, 3, 4), tt.Rand(2, 0, 1, 4)}, tt.GradCheckOptions{})
	tt.GradCheck(t, f, []*tensor.Tensor{x(3, 2, 3, 4, 2), tt.Rand(4, 0, 1, 1, 1, 2)}, tt.GradCheckOptions{})
	tt.GradCheck(t, f, []*tensor.Tensor{x(5, 2, 3, 4, 2), tt.Rand(6, 0, 1, 3, 1, 2)}, tt.GradCheckOptions{})
	for _, axis := range []int{0, 1, -2, 2} {
		tt.GradCheck(t, func(xs ...*tensor.Tensor) *tensor.Tensor { return xs[0].SoftmaxAxis(axis) },
			[]*tensor.Tensor{tt.Rand(7, -2, 2, 2, 3, 4)}, tt.GradCheckOptions{})
	}
}

// TestPReLUValues checks PReLU against relu(x) − α·relu(−x) written out
// by hand, with α shared along the middle axis.
func TestPReLUValues(t *testing.T) {
	x := tensor.FromSlice([]float32{-2, 3, -1, -4, 0.5, -0.5, 1, -3}, 2, 2, 2)
	alpha := tensor.FromSlice([]float32{0.1, 0.5}, 1, 2)
	want := []float32{-0.2, 3, -0.1, -2, 0.5, -0.25, 1, -1.5}
	if err := tt.AllClose(tensor.PReLU(x, alpha).Data(), want, 1e-7, 1e-6); err != nil {
		t.Error(err)
	}
	// softmax over axis 1 of a (1, 3, 1): e^x / Σ e^x.
	s := tensor.FromSlice([]float32{0, 1, 2}, 1, 3, 1).SoftmaxAxis(1).Data()
	if err := tt.AllClose(s, []float32{0.09003057, 0.24472847, 0.66524096}, 1e-7, 1e-6); err != nil {
		t.Error(err)
	}
}
