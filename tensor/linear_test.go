package tensor_test

import (
	"math"
	"runtime"
	"testing"

	"github.com/neuron-go/neuron/tensor"
	tt "github.com/neuron-go/neuron/tensor/tensortest"
)

// TestLinearGradients checks LinearReLU's gradients against finite
// differences, with and without a bias.
func TestLinearGradients(t *testing.T) {
	sym := func(seed uint64, shape ...int) *tensor.Tensor { return tt.Rand(seed, -2, 2, shape...) }
	cases := []struct {
		name string
		f    func(x ...*tensor.Tensor) *tensor.Tensor
		xs   []*tensor.Tensor
	}{
		{"LinearReLU", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.LinearReLU(x[0], x[1], x[2]) },
			[]*tensor.Tensor{sym(1, 4, 3), sym(2, 3, 5), sym(3, 5)}},
		{"LinearReLU/no bias", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.LinearReLU(x[0], x[1], nil) },
			[]*tensor.Tensor{sym(4, 4, 3), sym(5, 3, 5)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { tt.GradCheck(t, c.f, c.xs, tt.GradCheckOptions{}) })
	}
}

// TestLinearEpilogueBits checks that Linear and LinearReLU, whose bias and
// ReLU run in the product's epilogue, give the bits of the product
// followed by separate passes: forward against MatMul, Add and ReLU (the
// bias added after the whole sum over K: 784 inputs are two K blocks),
// backward against Linear followed by ReLU. Zeros and negative zeros are
// among the inputs and the incoming gradient; the sizes run on one core
// and, with two, split over both.
func TestLinearEpilogueBits(t *testing.T) {
	for _, d := range [][3]int{{3, 5, 7}, {32, 784, 256}, {300, 784, 256}, {1024, 256, 10}} {
		n, in, out := d[0], d[1], d[2]
		run := func(procs int, fused, relu, bias bool) [][]float32 {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			x := tt.Rand(1, -1, 1, n, in).RequireGrad()
			x.Data()[1] = float32(math.Copysign(0, -1))
			w := tt.Rand(2, -0.1, 0.1, in, out).RequireGrad()
			var b *tensor.Tensor
			if bias {
				b = tt.Rand(3, -0.5, 0.5, out).RequireGrad()
				b.Data()[1] = float32(math.Copysign(0, -1))
			}
			var y, sep *tensor.Tensor
			switch {
			case fused && relu:
				y = tensor.LinearReLU(x, w, b)
			case fused:
				y = tensor.Linear(x, w, b)
			default:
				y = tensor.Linear(x, w, b)
				if relu {
					y = y.ReLU()
				}
			}
			// The separate passes of before: the product alone, then the
			// bias, then the ReLU.
			sep = x.Detach().MatMul(w.Detach())
			if bias {
				sep = sep.Add(b.Detach())
			}
			if relu {
				sep = sep.ReLU()
			}
			g := tt.Rand(4, -1, 1, y.Shape()...)
			g.Data()[3] = float32(math.Copysign(0, -1))
			tensor.Backward(y.Mul(g).Sum())
			r := [][]float32{y.Data(), sep.Data(), x.Grad().Data(), w.Grad().Data()}
			if bias {
				r = append(r, b.Grad().Data())
			}
			return r
		}
		for _, relu := range []bool{true, false} {
			for _, bias := range []bool{true, false} {
				want := run(1, false, relu, bias)
				for _, procs := range []int{1, 2} {
					got := run(procs, true, relu, bias)
					// got[0] (fused) against want[1] (the separate passes);
					// want[0] is Linear, which is fused too for the bias.
					pairs := [][2][]float32{{got[0], want[1]}, {got[1], want[1]}}
					for i := 2; i < len(got); i++ {
						pairs = append(pairs, [2][]float32{got[i], want[i]})
					}
					for i, p := range pairs {
						for j := range p[1] {
							if math.Float32bits(p[0][j]) != math.Float32bits(p[1][j]) {
								t.Fatalf("%v relu %v bias %v, %d goroutines: result %d element %d: %v, want %v", d, relu, bias, procs, i, j, p[0][j], p[1][j])
							}
						}
					}
				}
			}
		}
	}
}
