package losses

import (
	"fmt"

	"github.com/neuron-go/neuron/tensor"
)

// Reduction is how a loss turns its per-example values into what Call
// returns: Keras's reduction argument.
type Reduction string

// The reductions Keras offers. The zero value "" is SumOverBatchSize.
const (
	// SumOverBatchSize is the sum of the (weighted) per-example losses
	// divided by their number: Keras's default "sum_over_batch_size" (and
	// "mean"). With sample weights the divisor is still the number of
	// values, not the sum of the weights.
	SumOverBatchSize Reduction = "sum_over_batch_size"
	// Sum is the sum of the (weighted) per-example losses: "sum".
	Sum Reduction = "sum"
	// MeanWithSampleWeight divides the weighted sum by the sum of the
	// sample weights: "mean_with_sample_weight". Without weights it is
	// SumOverBatchSize.
	MeanWithSampleWeight Reduction = "mean_with_sample_weight"
	// None returns the per-example losses unreduced: "none". Such a loss
	// cannot be trained on by Fit, which needs one number per batch.
	None Reduction = "none"
)

// Check returns an error unless r is one of Keras's reductions.
func (r Reduction) Check() error {
	switch r {
	case "", SumOverBatchSize, "mean", Sum, MeanWithSampleWeight, None:
		return nil
	}
	return fmt.Errorf("losses: Reduction must be %q, %q, %q or %q, got %q", SumOverBatchSize, Sum, MeanWithSampleWeight, None, string(r))
}

// isDefault reports whether r averages over the values (Keras's default).
func (r Reduction) isDefault() bool { return r == "" || r == SumOverBatchSize || r == "mean" }

// PerExampleLoss is a loss that can give its values before reduction, as
// Keras's loss functions (keras.losses.mean_squared_error, …) do. Every loss
// of this package is one. The models weight these values when Fit or
// Evaluate get sample or class weights, and a custom loss needs to be one
// to be trained with weights.
type PerExampleLoss interface {
	Loss
	// PerExample returns the unreduced losses: shape (batch) for
	// predictions of shape (batch, d), or (batch, d1, …) for predictions
	// with more axes (the last one is reduced).
	PerExample(yTrue, yPred *tensor.Tensor) *tensor.Tensor
	// LossReduction returns the loss's Reduction.
	LossReduction() Reduction
}

// Reduce reduces per-example losses as r says (Keras's reduce_values),
// without weights.
func Reduce(values *tensor.Tensor, r Reduction) *tensor.Tensor {
	switch {
	case r == None:
		return values
	case r == Sum:
		return values.Sum()
	}
	return values.Mean()
}

// Weighted returns l's loss with each example's value multiplied by its
// sample weight (a tensor of shape (batch)), then reduced by l's Reduction,
// as Keras's Loss.__call__(y_true, y_pred, sample_weight) does.
func Weighted(l PerExampleLoss, yTrue, yPred, sampleWeight *tensor.Tensor) *tensor.Tensor {
	values := l.PerExample(yTrue, yPred)
	r := l.LossReduction()
	if sampleWeight == nil {
		return Reduce(values, r)
	}
	w := sampleWeight
	if values.Rank() != 1 || w.Rank() != 1 {
		shape := make([]int, max(values.Rank(), 1))
		for i := range shape {
			shape[i] = 1
		}
		shape[0] = w.Size()
		w = w.Reshape(shape...)
	}
	values = values.Mul(w)
	if r == MeanWithSampleWeight {
		// Keras: sum(values·w) / sum(w), 0 when the weights sum to 0.
		var s float64
		for _, v := range sampleWeight.Data() {
			s += float64(v)
		}
		if s == 0 {
			return values.Sum().MulScalar(0)
		}
		return values.Sum().MulScalar(float32(1 / s))
	}
	return Reduce(values, r)
}

// Masked is Weighted with the mask of the predictions (1 for an entry to
// count, 0 for padding, of the per-example values' shape, e.g. (batch,
// steps) for a sequence), as Keras's Loss.__call__ applies the mask of
// y_pred (apply_mask): with SumOverBatchSize the loss is the sum of the
// weighted values of the kept entries divided by their number (0 if none
// is kept); with Sum the kept entries' weighted sum; with
// MeanWithSampleWeight that sum divided by the sum of the kept entries'
// weights. sampleWeight (batch), or nil, broadcasts along the steps. A mask
// that does not have the values' shape is ignored.
func Masked(l PerExampleLoss, yTrue, yPred, sampleWeight, mask *tensor.Tensor) *tensor.Tensor {
	if mask == nil {
		return Weighted(l, yTrue, yPred, sampleWeight)
	}
	values := l.PerExample(yTrue, yPred)
	scalar := values.Rank() == 0 || values.Size() == 1 && mask.Size() != 1
	if !scalar && !sameShape(values.Shape(), mask.Shape()) {
		if sampleWeight == nil {
			return Reduce(values, l.LossReduction())
		}
		return Weighted(l, yTrue, yPred, sampleWeight)
	}
	// w = mask·sampleWeight, a copy in the mask's arena: no gradient.
	w := mask.MulScalar(1)
	wd := w.Data()
	var valid, wsum float64
	per := len(wd) / max(mask.Dim(0), 1)
	for i, m := range wd {
		valid += float64(m)
		if sampleWeight != nil {
			wd[i] = m * sampleWeight.Data()[i/per]
		}
		wsum += float64(wd[i])
	}
	r := l.LossReduction()
	if scalar {
		// One value v for the whole batch: Keras broadcasts it over the
		// mask's weights, so the reductions give v·Σw/valid, v·Σw and
		// v·Σw/Σw (0 for a zero divisor).
		return maskedScalar(values.Reshape(), r, valid, wsum, w)
	}
	values = values.Mul(w)
	var div float64
	switch r {
	case None:
		return values
	case Sum:
		return values.Sum()
	case MeanWithSampleWeight:
		div = wsum
	default:
		div = valid
	}
	if div == 0 {
		return values.Sum().MulScalar(0)
	}
	return values.Sum().MulScalar(float32(1 / div))
}

// maskedScalar is Keras's reduce_weighted_values for a loss value v of
// shape () and mask weights w (mask·sample weight) that keep valid
// entries and sum to wsum.
func maskedScalar(v *tensor.Tensor, r Reduction, valid, wsum float64, w *tensor.Tensor) *tensor.Tensor {
	var f float64
	switch r {
	case None:
		return v.Mul(w)
	case Sum:
		f = wsum
	case MeanWithSampleWeight:
		if wsum != 0 {
			f = 1
		}
	default:
		if valid != 0 {
			f = wsum / valid
		}
	}
	if f == 1 {
		return v
	}
	return v.MulScalar(float32(f))
}

// MaskedCall is l's loss with the mask of the predictions, as Keras's
// Loss.__call__ applies it (apply_mask, then reduce_weighted_values) to a
// loss of one's own, including a loss function that returns one value for
// the batch. A PerExampleLoss is Masked with no sample weights. Any other
// loss is a Loss function wrapped the Keras way (reduction
// sum_over_batch_size): its value v is broadcast over the mask's weights,
// total/valid for each kept entry and 0 for the others, and averaged back
// over the total, which gives v itself (Keras's float32 sums may differ in
// the last bit) when the mask keeps an entry and 0 when it keeps none,
// with no gradient then. A nil mask gives l.Call.
func MaskedCall(l Loss, yTrue, yPred, mask *tensor.Tensor) *tensor.Tensor {
	if pl, ok := l.(PerExampleLoss); ok {
		return Masked(pl, yTrue, yPred, nil, mask)
	}
	v := l.Call(yTrue, yPred)
	if mask == nil {
		return v
	}
	for _, m := range mask.Data() {
		if m != 0 {
			return v
		}
	}
	return v.MulScalar(0)
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// reduce applies l's reduction to per-example values; it is what Call
// does outside its fast paths.
func reduce(values *tensor.Tensor, r Reduction) *tensor.Tensor { return Reduce(values, r) }

// meanLast averages over the last axis (Keras's axis=-1 in its loss
// functions), leaving one value per example. A rank-1 tensor holds one
// value per example already.
func meanLast(t *tensor.Tensor) *tensor.Tensor {
	if t.Rank() <= 1 {
		return t
	}
	return t.MeanAxis(-1, false)
}

// sumLast is meanLast's sum.
func sumLast(t *tensor.Tensor) *tensor.Tensor {
	if t.Rank() <= 1 {
		return t
	}
	return t.SumAxis(-1, false)
}
