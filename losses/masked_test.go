package losses_test

import (
	"math"
	"testing"

	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/tensor"
)

// batchValue is a per-example loss of one's own whose values are one
// number for the batch (shape ()): the mean squared error.
type batchValue struct{ r losses.Reduction }

func (batchValue) Name() string { return "batch_value" }
func (l batchValue) Call(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	return l.PerExample(yTrue, yPred)
}
func (batchValue) PerExample(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	return yPred.Sub(yTrue).Square().Mean()
}
func (l batchValue) LossReduction() losses.Reduction { return l.r }

// TestMaskedScalarValues checks Masked on values of shape () with a mask
// (2, 3) and sample weights (2) against Keras 3's reduce_weighted_values
// written out: apply_mask gives w = sw·m·total/valid (sum_over_batch_size)
// or w = sw·m, the value is broadcast over w, and reduce_values gives
// sum(v·w)/total, sum(v·w) or sum(v·w)/sum(w) (0 for a zero divisor).
func TestMaskedScalarValues(t *testing.T) {
	yt := tensor.FromSlice([]float32{0, 1, 2, 3, 4, 5}, 2, 3, 1)
	yp := tensor.FromSlice([]float32{0.5, 1, 1, 3, 5, 5}, 2, 3, 1)
	v := (0.25 + 0 + 1 + 0 + 1 + 0) / 6.0
	sw := []float32{2, 0.5}
	for _, mk := range [][]float32{{1, 1, 0, 0, 1, 0}, {0, 0, 0, 0, 0, 0}} {
		var valid float64
		for _, m := range mk {
			valid += float64(m)
		}
		for _, r := range []losses.Reduction{losses.SumOverBatchSize, losses.Sum, losses.MeanWithSampleWeight} {
			var sum, wsum float64
			for i, m := range mk {
				w := float64(sw[i/3]) * float64(m)
				if r == losses.SumOverBatchSize && valid > 0 {
					w *= 6 / valid
				} else if r == losses.SumOverBatchSize {
					w = 0
				}
				sum += v * w
				wsum += w
			}
			want := sum / 6
			switch r {
			case losses.Sum:
				want = sum
			case losses.MeanWithSampleWeight:
				want = 0
				if wsum != 0 {
					want = sum / wsum
				}
			}
			got := losses.Masked(batchValue{r}, yt, yp, tensor.FromSlice(append([]float32(nil), sw...), 2), tensor.FromSlice(append([]float32(nil), mk...), 2, 3)).Item()
			if math.Abs(float64(got)-want) > 1e-6 {
				t.Errorf("mask %v, %s: %v, want %v", mk, r, got, want)
			}
		}
	}
}
