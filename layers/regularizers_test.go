package layers_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/tensor"
	tt "github.com/neuron-go/neuron/tensor/tensortest"
)

// Keras's penalties have no factor ½: L1 is l1·Σ|w|, L2 is l2·Σw².
func TestRegularizerPenalties(t *testing.T) {
	// Σ|w| = 1 + 2 + 3 + 0.5 = 6.5; Σw² = 1 + 4 + 9 + 0.25 = 14.25.
	w := func() *tensor.Tensor { return tensor.FromSlice([]float32{1, -2, 3, -0.5}, 2, 2) }
	cases := []struct {
		name string
		r    layers.Regularizer
		want float64
		grad []float32 // d(penalty)/dw: l1·sign(w) + 2·l2·w
	}{
		{"L1(0.01)", layers.L1(0.01), 0.065, []float32{0.01, -0.01, 0.01, -0.01}},
		{"L2(0.01)", layers.L2(0.01), 0.1425, []float32{0.02, -0.04, 0.06, -0.01}},
		{"L1L2{0.01, 0.02}", layers.L1L2{L1: 0.01, L2: 0.02}, 0.065 + 0.285, []float32{0.05, -0.09, 0.13, -0.03}},
		{"L1L2{} (Keras's defaults are 0)", layers.L1L2{}, 0, nil},
	}
	for _, c := range cases {
		x := w().RequireGrad()
		p := c.r.Penalty(x)
		if p.Size() != 1 {
			t.Fatalf("%s: penalty has shape %v, want a scalar", c.name, p.Shape())
		}
		if got := float64(p.Item()); math.Abs(got-c.want) > 1e-7 {
			t.Errorf("%s: penalty %.8g, want %.8g", c.name, got, c.want)
		}
		if c.grad == nil {
			continue
		}
		tensor.Backward(p)
		if err := tt.AllClose(x.Grad().Data(), c.grad, 1e-8, 1e-6); err != nil {
			t.Errorf("%s: gradient: %v", c.name, err)
		}
	}
	if got := layers.L1(0.01); got != (layers.L1L2{L1: 0.01}) {
		t.Errorf("L1(0.01) = %+v", got)
	}
	if got := layers.L2(0.01); got != (layers.L1L2{L2: 0.01}) {
		t.Errorf("L2(0.01) = %+v", got)
	}
}

func TestRegularizerGradCheck(t *testing.T) {
	// Weights away from 0, where |w| has its kink.
	w := func() *tensor.Tensor { return tensor.FromSlice([]float32{0.7, -1.3, 2.1, -0.4, 0.9, -2.5}, 2, 3) }
	for name, r := range map[string]layers.Regularizer{
		"L1":   layers.L1(0.3),
		"L2":   layers.L2(0.3),
		"L1L2": layers.L1L2{L1: 0.2, L2: 0.5},
	} {
		t.Run(name, func(t *testing.T) {
			tt.GradCheck(t, func(xs ...*tensor.Tensor) *tensor.Tensor { return r.Penalty(xs[0]) }, []*tensor.Tensor{w()}, tt.GradCheckOptions{})
		})
	}
}

// The gradient of |w| at 0 is 0, as TensorFlow's sign(0).
func TestL1GradientAtZero(t *testing.T) {
	x := tensor.FromSlice([]float32{0, 1}).RequireGrad()
	tensor.Backward(layers.L1(0.5).Penalty(x))
	if g := x.Grad().Data(); g[0] != 0 || g[1] != 0.5 {
		t.Errorf("gradient %v, want [0 0.5]", g)
	}
}

func ExampleL2() {
	w := tensor.FromSlice([]float32{1, -2, 3}, 3)
	fmt.Printf("%.2f\n", layers.L2(0.01).Penalty(w).Item()) // 0.01·(1 + 4 + 9), no ½
	// Output: 0.14
}
