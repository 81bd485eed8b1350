package tensor_test

import (
	"testing"

	"github.com/neuron-go/neuron/tensor"
	tt "github.com/neuron-go/neuron/tensor/tensortest"
)

// TestGradients checks every differentiable operation against central
// differences. Inputs avoid kinks (ReLU at 0, Abs at 0, clip bounds, ties).
func TestGradients(t *testing.T) {
	pos := func(seed uint64, shape ...int) *tensor.Tensor { return tt.Rand(seed, 0.5, 2, shape...) }
	sym := func(seed uint64, shape ...int) *tensor.Tensor { return tt.Rand(seed, -2, 2, shape...) }
	labels := []int{2, 0, 1, 2}
	labelValues := []float32{2, 0, 1, 2}
	cases := []struct {
		name string
		f    func(xs ...*tensor.Tensor) *tensor.Tensor
		xs   []*tensor.Tensor
	}{
		{"Add", func(x ...*tensor.Tensor) *tensor.Tensor { return x[0].Add(x[1]) }, []*tensor.Tensor{sym(1, 3, 4), sym(2, 3, 4)}},
		{"Add/broadcast row", func(x ...*tensor.Tensor) *tensor.Tensor { return x[0].Add(x[1]) }, []*tensor.Tensor{sym(1, 3, 4), sym(2, 4)}},
		{"Add/broadcast column", func(x ...*tensor.Tensor) *tensor.Tensor { return x[0].Add(x[1]) }, []*tensor.Tensor{sym(1, 3, 4), sym(2, 3, 1)}},
		{"Add/broadcast both", func(x ...*tensor.Tensor) *tensor.Tensor { return x[0].Add(x[1]) }, []*tensor.Tensor{sym(1, 3, 1), sym(2, 1, 4)}},
		{"Add/scalar", func(x ...*tensor.Tensor) *tensor.Tensor { return x[0].Add(x[1]) }, []*tensor.Tensor{sym(1, 2, 3), sym(2)}},
		{"Sub/broadcast", func(x ...*tensor.Tensor) *tensor.Tensor { return x[0].Sub(x[1]) }, []*tensor.Tensor{sym(1, 2, 3, 4), sym(2, 3, 1)}},
		{"Mul", func(x ...*tensor.Tensor) *tensor.Tensor { return x[0].Mul(x[1]) }, []*tensor.Tensor{sym(1, 3, 4), sym(2, 3, 4)}},
		{"Mul/broadcast", func(x ...*tensor.Tensor) *tensor.Tensor { return x[0].Mul(x[1]) }, []*tensor.Tensor{sym(1, 2, 1, 4), sym(2, 3, 1)}},
		{"Div", func(x ...*tensor.Tensor) *tensor.Tensor { return x[0].Div(x[1]) }, []*tensor.Tensor{sym(1, 3, 4), pos(2, 3, 4)}},
		{"Div/broadcast", func(x ...*tensor.Tensor) *tensor.Tensor { return x[0].Div(x[1]) }, []*tensor.Tensor{sym(1, 3, 4), pos(2, 4)}},
		{"Neg", func(x ...*tensor.Tensor) *tensor.Tensor { return x[0].Neg() }, []*tensor.Tensor{sym(1, 5)}},
		{"MulScalar", func(x ...*tensor.Tensor) *tensor.Tensor { return x[0].MulScalar(-3) }, []*tensor.Tensor{sym(1, 5)}},
		{"DivScalar", func(x ...*tensor.Tensor) *tensor.Tensor { return x[0].DivScalar(4) }, []*tensor.Tensor{sym(1, 5)}},
		{"AddScalar", func(x ...*tensor.Tensor) *tensor.Tensor { return x[0].AddScalar(4) }, []*tensor.Tensor{sym(1, 5)}},
		{"Square", func(x ...*tensor.Tensor) *tensor.Tensor { return x[0].Square() }, []*tensor.Tensor{sym(1, 5)}},
		{"Sqrt", func(x ...*tensor.Tensor) *tensor.Tensor { return x[0].Sqrt() }, []*tensor.Tensor{pos(1, 5)}},
		{"Exp", func(x ...*tensor.Tensor) *tensor.Tensor { return x[0].Exp() }, []*tensor.Tensor{sym(1, 5)}},
		{"Log", func(x ...*tensor.Tensor) *tensor.Tensor { return x[0].Log() }, []*tensor.Tensor{pos(1, 5)}},
		{"Abs", func(x ...*tensor.Tensor) *tensor.Tensor { return x[0].Abs() }, []*tensor.Tensor{tensor.FromSlice([]float32{-1.5, -0.3, 0.4, 1.2})}},
		{"Pow", func(x ...*tensor.Tensor) *tensor.Tensor { return x[0].Pow(2.5) }, []*tensor.Tensor{pos(1, 5)}},
		{"Clip", func(x ...*tensor.Tensor) *tensor.Tensor { return x[0].Clip(-1, 1) }, []*tensor.Tensor{tensor.FromSlice([]float32{-1.7, -0.5, 0.2, 0.9, 1.4})}},
		{"ReLU", func(x ...*tensor.Tensor) *tensor.Tensor { return x[0].ReLU() }, []*tensor.Tensor{tensor.FromSlice([]float32{-1.7, -0.5, 0.2, 0.9, 1.4})}},
		{"Sigmoid", func(x ...*tensor.Tensor) *tensor.Tensor { return x[0].Sigmoid() }, []*tensor.Tensor{sym(1, 6)}},
		{"Tanh", func(x ...*tensor.Tensor) *tensor.Tensor { return x[0].Tanh() }, []*tensor.Tensor{sym(1, 6)}},
		{"Maximum", func(x ...*tensor.Tensor) *tensor.Tensor { return x[0].Maximum(x[1]) }, []*tensor.Tensor{tensor.FromSlice([]float32{1, -2, 3}), tensor.FromSlice([]float32{0, 1, 4})}},
		{"Maximum/broadcast", func(x ...*tensor.Tensor) *tensor.Tensor { return x[0].Maximum(x[1]) }, []*tensor.Tensor{sym(1, 2, 3, 4), sym(2, 3, 1)}},
		{"Minimum", func(x ...*tensor.Tensor) *tensor.Tensor { return x[0].Minimum(x[1]) }, []*tensor.Tensor{sym(1, 3, 4), sym(2, 3, 4)}},
		{"Minimum/broadcast", func(x ...*tensor.Tensor) *tensor.Tensor { return x[0].Minimum(x[1]) }, []*tensor.Tensor{sym(1, 4), sym(2, 3, 4)}},
		{"Concat/0", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.Concat(0, x...) }, []*tensor.Tensor{sym(1, 2, 3), sym(2, 1, 3)}},
		{"Concat/1", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.Concat(1, x...) }, []*tensor.Tensor{sym(1, 2, 3, 2), sym(2, 2, 1, 2), sym(3, 2, 4, 2)}},
		{"Concat/-1 five inputs", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.Concat(-1, x...) }, []*tensor.Tensor{sym(1, 2, 3), sym(2, 2, 1), sym(3, 2, 2), sym(4, 2, 3), sym(5, 2, 1)}},
		{"BatchDot/vectors", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.BatchDot(x[0], x[1], 1, 1) }, []*tensor.Tensor{sym(1, 3, 4), sym(2, 3, 4)}},
		{"BatchDot/last axes", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.BatchDot(x[0], x[1], -1, -1) }, []*tensor.Tensor{sym(1, 2, 3, 4), sym(2, 2, 5, 4)}},
		{"BatchDot/first axes", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.BatchDot(x[0], x[1], 1, 1) }, []*tensor.Tensor{sym(1, 2, 3, 4), sym(2, 2, 3, 5)}},
		{"BatchDot/rank 4 and 3", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.BatchDot(x[0], x[1], 2, 1) }, []*tensor.Tensor{sym(1, 2, 3, 4, 2), sym(2, 2, 4, 5)}},
		{"BatchDot/rank 2 and 3", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.BatchDot(x[0], x[1], 1, 2) }, []*tensor.Tensor{sym(1, 2, 4), sym(2, 2, 3, 4)}},
		{"L2NormalizeAxis/-1", func(x ...*tensor.Tensor) *tensor.Tensor { return x[0].L2NormalizeAxis(-1, 1e-7) }, []*tensor.Tensor{sym(1, 3, 4)}},
		{"L2NormalizeAxis/1 of 3", func(x ...*tensor.Tensor) *tensor.Tensor { return x[0].L2NormalizeAxis(1, 1e-7) }, []*tensor.Tensor{sym(1, 2, 3, 4)}},
		{"L2NormalizeAxis/clamped", func(x ...*tensor.Tensor) *tensor.Tensor { return x[0].L2NormalizeAxis(-1, 0.5) }, []*tensor.Tensor{tensor.FromSlice([]float32{0.1, -0.2, 0.15, 1, 2, -1.5}, 2, 3)}},
		{"L2NormalizeAxis/0 clamped", func(x ...*tensor.Tensor) *tensor.Tensor { return x[0].L2NormalizeAxis(0, 0.5) }, []*tensor.Tensor{tensor.FromSlice([]float32{0.1, 1, -0.2, 2, 0.15, -1.5}, 3, 2)}},
		{"Sum", func(x ...*tensor.Tensor) *tensor.Tensor { return x[0].Sum() }, []*tensor.Tensor{sym(1, 3, 4)}},
		{"Mean", func(x ...*tensor.Tensor) *tensor.Tensor { return x[0].Mean() }, []*tensor.Tensor{sym(1, 3, 4)}},
		{"SumAxis/0", func(x ...*tensor.Tensor) *tensor.Tensor { return x[0].SumAxis(0, false) }, []*tensor.Tensor{sym(1, 3, 4)}},
		{"SumAxis/-1 keep", func(x ...*tensor.Tensor) *tensor.Tensor { return x[0].SumAxis(-1, true) }, []*tensor.Tensor{sym(1, 2, 3, 4)}},
		{"MaxAxis/0", func(x ...*tensor.Tensor) *tensor.Tensor { return x[0].MaxAxis(0, false) }, []*tensor.Tensor{sym(1, 3, 4)}},
		{"MaxAxis/-1 keep", func(x ...*tensor.Tensor) *tensor.Tensor { return x[0].MaxAxis(-1, true) }, []*tensor.Tensor{sym(1, 2, 3, 4)}},
		{"MeanAxis/1", func(x ...*tensor.Tensor) *tensor.Tensor { return x[0].MeanAxis(1, false) }, []*tensor.Tensor{sym(1, 2, 3, 4)}},
		{"Softmax", func(x ...*tensor.Tensor) *tensor.Tensor { return x[0].Softmax() }, []*tensor.Tensor{sym(1, 3, 5)}},
		{"LogSoftmax", func(x ...*tensor.Tensor) *tensor.Tensor { return x[0].LogSoftmax() }, []*tensor.Tensor{sym(1, 3, 5)}},
		{"MatMul", func(x ...*tensor.Tensor) *tensor.Tensor { return x[0].MatMul(x[1]) }, []*tensor.Tensor{sym(1, 3, 4), sym(2, 4, 5)}},
		{"Reshape", func(x ...*tensor.Tensor) *tensor.Tensor { return x[0].Reshape(-1, 2).Square() }, []*tensor.Tensor{sym(1, 3, 4)}},
		{"Transpose", func(x ...*tensor.Tensor) *tensor.Tensor { return x[0].Transpose().MatMul(x[1]) }, []*tensor.Tensor{sym(1, 3, 4), sym(2, 3, 2)}},
		{"Pick", func(x ...*tensor.Tensor) *tensor.Tensor { return x[0].Pick(labels) }, []*tensor.Tensor{sym(1, 4, 3)}},
		{"SparseSoftmaxCrossEntropy", func(x ...*tensor.Tensor) *tensor.Tensor {
			return tensor.SparseSoftmaxCrossEntropy(x[0], tensor.FromSlice(labelValues))
		}, []*tensor.Tensor{sym(1, 4, 3)}},
		{"SoftmaxCrossEntropy", func(x ...*tensor.Tensor) *tensor.Tensor {
			return tensor.SoftmaxCrossEntropy(x[0], x[1])
		}, []*tensor.Tensor{sym(1, 4, 3), pos(2, 4, 3)}},
		{"Pick/per step", func(x ...*tensor.Tensor) *tensor.Tensor { return x[0].Pick(labels) }, []*tensor.Tensor{sym(1, 2, 2, 3)}},
		{"SparseSoftmaxCrossEntropy/per step", func(x ...*tensor.Tensor) *tensor.Tensor {
			return tensor.SparseSoftmaxCrossEntropy(x[0], tensor.FromSlice(labelValues, 2, 2))
		}, []*tensor.Tensor{sym(1, 2, 2, 3)}},
		{"SoftmaxCrossEntropy/per step", func(x ...*tensor.Tensor) *tensor.Tensor {
			return tensor.SoftmaxCrossEntropy(x[0], x[1])
		}, []*tensor.Tensor{sym(1, 2, 2, 3), pos(2, 2, 2, 3)}},
		{"SigmoidCrossEntropy", func(x ...*tensor.Tensor) *tensor.Tensor {
			return tensor.SigmoidCrossEntropy(x[0], x[1])
		}, []*tensor.Tensor{sym(1, 4, 3), tt.Rand(2, 0, 1, 4, 3)}},
		{"Linear", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.Linear(x[0], x[1], x[2]) },
			[]*tensor.Tensor{sym(1, 4, 3), sym(2, 3, 5), sym(3, 5)}},
		{"Linear/no bias", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.Linear(x[0], x[1], nil) },
			[]*tensor.Tensor{sym(1, 4, 3), sym(2, 3, 5)}},
		{"composed MLP", func(x ...*tensor.Tensor) *tensor.Tensor {
			h := x[0].MatMul(x[1]).Add(x[2]).Tanh()
			return h.MatMul(x[3]).Softmax().Log()
		}, []*tensor.Tensor{sym(1, 4, 3), sym(2, 3, 5), sym(3, 5), sym(4, 5, 2)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tt.GradCheck(t, c.f, c.xs, tt.GradCheckOptions{})
		})
	}
}

// TestGradientsOnlyWhereRequired checks that an operation whose first
// input needs no gradient (the batch fed to a model's first layer) still
// gives its weights the gradient it gives them when every input needs one,
// and leaves the input without a gradient.
func TestGradientsOnlyWhereRequired(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    func(x, w, b *tensor.Tensor) *tensor.Tensor
		x, w []int
	}{
		{"Linear", func(x, w, b *tensor.Tensor) *tensor.Tensor { return tensor.Linear(x, w, b) }, []int{4, 3}, []int{3, 5}},
		{"Conv2DReLU", func(x, w, b *tensor.Tensor) *tensor.Tensor {
			return tensor.Conv2DReLU(x, w, b, [2]int{1, 1}, "valid")
		}, []int{2, 5, 5, 2}, []int{3, 3, 2, 4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			grads := func(xGrad bool) (x, w, b *tensor.Tensor) {
				x, w = tt.Rand(1, -1, 1, tc.x...), tt.Rand(2, -1, 1, tc.w...).RequireGrad()
				b = tt.Rand(3, -1, 1, tc.w[len(tc.w)-1]).RequireGrad()
				if xGrad {
					x.RequireGrad()
				}
				tensor.Backward(tc.f(x, w, b).Square().Sum())
				return x, w, b
			}
			x0, w0, b0 := grads(false)
			_, w1, b1 := grads(true)
			if x0.Grad() != nil {
				t.Errorf("the input got a gradient it does not require")
			}
			if err := tt.AllClose(w0.Grad().Data(), w1.Grad().Data(), 0, 0); err != nil {
				t.Errorf("kernel gradient: %v", err)
			}
			if err := tt.AllClose(b0.Grad().Data(), b1.Grad().Data(), 0, 0); err != nil {
				t.Errorf("bias gradient: %v", err)
			}
		})
	}
}
