package tensor_test

import (
	"math"
	"testing"

	"github.com/neuron-go/neuron/tensor"
)

func TestSparseSoftmaxCrossEntropyLabels(t *testing.T) {
	logits := tensor.FromSlice([]float32{1, 2, 3, 0, 0, 0}, 2, 3)
	// Labels as [n] and as [n,1] give the same losses.
	for _, labels := range []*tensor.Tensor{tensor.FromSlice([]float32{2, 0}), tensor.FromSlice([]float32{2, 0}, 2, 1)} {
		got := tensor.SparseSoftmaxCrossEntropy(logits, labels).Data()
		want := []float32{0.40760596, 1.0986123} // logsumexp − z[label]
		for i := range want {
			if d := got[i] - want[i]; d > 1e-6 || d < -1e-6 {
				t.Errorf("labels %v: loss %d = %v, want %v", labels.Shape(), i, got[i], want[i])
			}
		}
	}
	for _, tc := range []struct {
		name   string
		labels *tensor.Tensor
	}{
		{"negative", tensor.FromSlice([]float32{-1, 0})},
		{"too large", tensor.FromSlice([]float32{3, 0})},
		{"fractional", tensor.FromSlice([]float32{1.5, 0})},
		{"NaN", tensor.FromSlice([]float32{float32(math.NaN()), 0})},
		{"too few", tensor.FromSlice([]float32{1})},
		{"rank 3", tensor.FromSlice([]float32{1, 0}, 2, 1, 1)},
	} {
		mustShapeError(t, tc.name, func() { tensor.SparseSoftmaxCrossEntropy(logits, tc.labels) })
	}
}
