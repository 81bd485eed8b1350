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
	// Per-step logits [n,steps,c] take labels [n,steps] (or [n,steps,1]) and
	// give [n,steps] losses: the same rows as above, laid out as 1×2 steps.
	seq := logits.Reshape(1, 2, 3)
	for _, labels := range []*tensor.Tensor{tensor.FromSlice([]float32{2, 0}, 1, 2), tensor.FromSlice([]float32{2, 0}, 1, 2, 1)} {
		out := tensor.SparseSoftmaxCrossEntropy(seq, labels)
		if got := out.Shape(); len(got) != 2 || got[0] != 1 || got[1] != 2 {
			t.Fatalf("labels %v: loss shape %v, want [1 2]", labels.Shape(), got)
		}
		if d := out.Data()[0] - 0.40760596; d > 1e-6 || d < -1e-6 {
			t.Errorf("labels %v: loss %v, want 0.40760596", labels.Shape(), out.Data()[0])
		}
	}
	mustShapeError(t, "steps mismatch", func() { tensor.SparseSoftmaxCrossEntropy(seq, tensor.FromSlice([]float32{2, 0}, 2, 1)) })
}
