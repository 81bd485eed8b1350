package optimizers_test

import (
	"math"
	"testing"

	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/tensor"
)

// TestMomentsFlushDenormals gives each optimizer one gradient and then
// zeros, so that its moments decay geometrically, and requires that no
// moment is ever left denormal (|x| < 2^-126, x ≠ 0): they go to zero
// instead, as under TensorFlow's flush-to-zero.
func TestMomentsFlushDenormals(t *testing.T) {
	for _, o := range []optimizers.Optimizer{
		&optimizers.Adam{},
		&optimizers.Adam{AMSGrad: true},
		&optimizers.SGD{LearningRate: 0.01, Momentum: 0.9},
		&optimizers.SGD{LearningRate: 0.01, Momentum: 0.9, Nesterov: true},
		&optimizers.RMSprop{},
		&optimizers.RMSprop{Centered: true, Momentum: 0.9},
		&optimizers.Nadam{},
		&optimizers.Adamax{},
		&optimizers.Adadelta{},
		&optimizers.Lion{},
	} {
		w := tensor.FromSlice([]float32{0.5, -0.5, 0.25}, 3).RequireGrad()
		o.Build([]*tensor.Tensor{w})
		smallest := math.Inf(1)
		for step := range 9000 {
			g := float32(0)
			if step == 0 {
				g = 1e-2
			}
			setGrad(w, []float64{float64(g), float64(-g), float64(g / 3)})
			o.Apply([]*tensor.Tensor{w})
			st, err := o.(optimizers.Stateful).State()
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range st.Slots {
				for _, vs := range s.Values {
					for _, x := range vs {
						a := math.Abs(float64(x))
						if x != 0 && a < 0x1p-126 {
							t.Fatalf("%s: step %d: %s holds the denormal %g", o.Name(), step, s.Name, x)
						}
						if x != 0 {
							smallest = min(smallest, a)
						}
					}
				}
			}
		}
		// The moments did decay to the edge of the normal range, so the
		// flush was exercised.
		if smallest > 1e-36 {
			t.Errorf("%s: the smallest moment was %g: the test never reached the denormal range", o.Name(), smallest)
		}
	}
}
