package tensor_test

import (
	"math"
	"testing"

	"github.com/neuron-go/neuron/tensor"
)

// TestMaxAxisTiesAndNaN checks the values by hand and that a tie shares the
// gradient evenly, as TensorFlow's reduce_max gradient does.
func TestMaxAxisTiesAndNaN(t *testing.T) {
	x := tensor.FromSlice([]float32{1, 3, 3, -1, 0, -2}, 2, 3).RequireGrad()
	m := x.MaxAxis(-1, false)
	if got := m.Data(); got[0] != 3 || got[1] != 0 {
		t.Fatalf("MaxAxis = %v, want [3 0]", got)
	}
	tensor.Backward(m.Sum())
	want := []float32{0, 0.5, 0.5, 0, 1, 0}
	for i, g := range x.Grad().Data() {
		if g != want[i] {
			t.Fatalf("gradient %v, want %v", x.Grad().Data(), want)
		}
	}
	n := tensor.FromSlice([]float32{1, float32(math.NaN()), 2}, 1, 3).MaxAxis(1, true)
	if v := n.Data()[0]; !math.IsNaN(float64(v)) || n.Rank() != 2 {
		t.Fatalf("MaxAxis with a NaN = %v (shape %v), want NaN of shape [1 1]", v, n.Shape())
	}
}
