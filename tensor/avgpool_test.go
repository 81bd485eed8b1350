package tensor_test

import (
	"testing"

	"github.com/neuron-go/neuron/tensor"
	tt "github.com/neuron-go/neuron/tensor/tensortest"
)

func TestAvgPool2DGradCheck(t *testing.T) {
	for _, c := range []struct {
		shape         []int
		pool, strides [2]int
		padding       string
	}{
		{[]int{2, 4, 4, 3}, [2]int{2, 2}, [2]int{2, 2}, "valid"},
		{[]int{1, 5, 6, 2}, [2]int{3, 3}, [2]int{2, 2}, "same"},
		{[]int{2, 3, 7, 1}, [2]int{3, 7}, [2]int{3, 7}, "valid"}, // global
		{[]int{1, 5, 5, 17}, [2]int{5, 5}, [2]int{1, 1}, "same"}, // 25-element windows, edges
	} {
		x := tt.Rand(5, -1, 1, c.shape...)
		tt.GradCheck(t, func(xs ...*tensor.Tensor) *tensor.Tensor {
			return tensor.AvgPool2D(xs[0], c.pool, c.strides, c.padding)
		}, []*tensor.Tensor{x}, tt.GradCheckOptions{})
	}
}

// TestAvgPool2DSameEdges checks TensorFlow's rule for windows that overhang
// the image: a 3×3 window at the corner of a 2×2 image of 1, 2, 3, 4
// averages the four elements inside it (2.5), not nine with zeros (10/9).
func TestAvgPool2DSameEdges(t *testing.T) {
	x := tensor.FromSlice([]float32{1, 2, 3, 4}, 1, 2, 2, 1)
	y := tensor.AvgPool2D(x, [2]int{3, 3}, [2]int{1, 1}, "same")
	for i, v := range y.Data() {
		if v != 2.5 {
			t.Errorf("output %d = %v, want 2.5", i, v)
		}
	}
}
