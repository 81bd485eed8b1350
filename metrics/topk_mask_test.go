package metrics_test

import (
	"math"
	"testing"

	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/tensor"
)

// TestTopKWeightedSequences checks the top-k accuracies on sequence
// predictions (2, 3, 4) with one weight per entry (an output's mask, as
// Keras's MeanMetricWrapper turns it into sample weights) and one per
// example (broadcast along the steps): Keras's sum(w·in_top_k)/sum(w), a
// class tied with the k-th score counting as in, written out here.
func TestTopKWeightedSequences(t *testing.T) {
	p := []float32{
		0.1, 0.2, 0.3, 0.4, 0.4, 0.3, 0.2, 0.1, 0.25, 0.25, 0.25, 0.25,
		0.7, 0.1, 0.1, 0.1, 0.05, 0.05, 0.6, 0.3, 0.3, 0.3, 0.2, 0.2,
	}
	labels := []float32{0, 1, 3, 2, 0, 1}
	// in the top 2: scores above the label's < 2
	hit := []float64{0, 1, 1, 1, 0, 1}
	mask := []float32{1, 1, 0, 1, 1, 0}
	ex := []float32{2, 0.5}
	onehot := make([]float32, 24)
	for i, c := range labels {
		onehot[i*4+int(c)] = 1
	}
	for _, c := range []struct {
		name string
		w    []float32
		wt   func(i int) float64
	}{
		{"mask", mask, func(i int) float64 { return float64(mask[i]) }},
		{"example weights", ex, func(i int) float64 { return float64(ex[i/3]) }},
	} {
		var num, den float64
		for i, h := range hit {
			num += c.wt(i) * h
			den += c.wt(i)
		}
		want := num / den
		for _, m := range []struct {
			metric *metrics.TopKAccuracy
			y      []float32
			shape  []int
		}{
			{metrics.NewSparseTopKCategoricalAccuracy(2), labels, []int{2, 3}},
			{metrics.NewTopKCategoricalAccuracy(2), onehot, []int{2, 3, 4}},
		} {
			shape := []int{len(c.w)}
			if len(c.w) == 6 {
				shape = []int{2, 3}
			}
			m.metric.UpdateWeighted(tensor.FromSlice(append([]float32(nil), m.y...), m.shape...), tensor.FromSlice(append([]float32(nil), p...), 2, 3, 4), tensor.FromSlice(append([]float32(nil), c.w...), shape...))
			if got := m.metric.Result(); math.Abs(got-want) > 1e-12 {
				t.Errorf("%s, %s: %v, want %v", m.metric.Name(), c.name, got, want)
			}
		}
	}
}
