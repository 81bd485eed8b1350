package models

import (
	"fmt"
	"math"
	"sort"

	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/tensor"
)

// Sample and class weights, as Keras applies them: each example's loss is
// multiplied by its weight before the loss's reduction (losses.Weighted),
// and the weighted metrics (CompileConfig.WeightedMetrics) count each
// example by its weight. The other metrics and the logged mean of the batch
// losses are as without weights, as in Keras.

// readSampleWeights returns the weights of arg, an Array of shape (n) or
// (n, 1) with one finite, non-negative weight per row.
func readSampleWeights(op, arg string, a Array, n int) ([]float32, error) {
	if isNil(a) {
		return nil, nil
	}
	s := shapeOf(a)
	if len(s) == 0 || len(s) > 2 || (len(s) == 2 && s[1] != 1) {
		return nil, fmt.Errorf("models: %s: %s must have shape (n) or (n, 1), one weight per example; got %v", op, arg, s)
	}
	if s[0] != n {
		return nil, fmt.Errorf("models: %s: %s has %d weights for %d examples; give one weight per example", op, arg, s[0], n)
	}
	w := make([]float32, 0, n)
	eachChunk(a, func(_ int, b *tensor.Tensor) bool {
		w = append(w, b.Data()...)
		return true
	})
	for i, v := range w {
		if !(v >= 0) || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("models: %s: %s[%d] is %v; sample weights must be finite and >= 0", op, arg, i, v)
		}
	}
	return w, nil
}

// classWeightsToSample is Keras's class_weight_to_sample_weights: each
// example gets the weight of its class, read from y as Keras reads it (the
// argmax of a one-hot row, or the rounded label). Unlike Keras 3, which
// gives a class that ClassWeight leaves out the weight 1, a class of y
// missing from ClassWeight is an error, as in Keras 2: it is most often a
// mistake, and {c: 1} says it outright.
func classWeightsToSample(op string, cw map[int]float64, y Array, arg string) ([]float32, error) {
	keys := make([]int, 0, len(cw))
	for k := range cw {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	for _, k := range keys {
		if v := cw[k]; !(v >= 0) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("models: %s: ClassWeight[%d] is %v; class weights must be finite and >= 0", op, k, v)
		}
	}
	s := shapeOf(y)
	n := s[0]
	cols := prodShape(s[1:])
	w := make([]float32, 0, n)
	var err error
	eachChunk(y, func(lo int, b *tensor.Tensor) bool {
		d := b.Data()
		rows := b.Dim(0)
		for r := range rows {
			var c int
			if cols > 1 {
				row := d[r*cols : (r+1)*cols]
				c = 0
				for j, v := range row {
					if v > row[c] {
						c = j
					}
				}
			} else {
				c = int(math.RoundToEven(float64(d[r*max(cols, 1)])))
			}
			v, ok := cw[c]
			if !ok {
				err = fmt.Errorf("models: %s: ClassWeight has no weight for class %d (%s[%d]); it has classes %v: give every class of the targets a weight", op, c, arg, lo+r, keys)
				return false
			}
			w = append(w, float32(v))
		}
		return true
	})
	return w, err
}

// fitWeights resolves FitConfig's SampleWeight and ClassWeight into one
// weight per training row, or nil without either.
func (e *engine) fitWeights(cfg FitConfig, y []Array) ([]float32, error) {
	if cfg.SampleWeight != nil && cfg.ClassWeight != nil {
		return nil, fmt.Errorf("models: fit: SampleWeight and ClassWeight are both set; as in Keras, give one (multiply the class weights into the sample weights)")
	}
	var w []float32
	var err error
	switch {
	case cfg.ClassWeight != nil:
		if len(y) != 1 {
			return nil, fmt.Errorf("models: fit: ClassWeight is for a model with one output, as in Keras; this one has %d (give SampleWeight instead)", len(y))
		}
		if len(cfg.ClassWeight) == 0 {
			return nil, fmt.Errorf("models: fit: ClassWeight is empty; give a weight to every class, or leave it nil")
		}
		w, err = classWeightsToSample("fit", cfg.ClassWeight, y[0], e.outNames[0])
	case cfg.SampleWeight != nil:
		w, err = readSampleWeights("fit", "SampleWeight", cfg.SampleWeight, shapeOf(y[0])[0])
	}
	if err != nil || w == nil {
		return nil, err
	}
	return w, e.checkWeightedLosses("fit")
}

// checkWeightedLosses refuses weights for a loss that cannot weight its
// examples.
func (e *engine) checkWeightedLosses(op string) error {
	for i := range e.heads {
		l := e.heads[i].loss
		if l == nil {
			continue
		}
		if _, ok := l.(losses.PerExampleLoss); !ok {
			return fmt.Errorf("models: %s: sample or class weights need a loss that gives one value per example (losses.PerExampleLoss, as every loss of package losses does); %T does not", op, l)
		}
	}
	return nil
}

// lossOn returns h's loss on a batch, weighted by sw if not nil and
// masked by the output's mask if not nil, as Keras applies the mask of
// y_pred in Loss.__call__: through the per-example values of a loss that
// gives them, and for any other loss of one's own as losses.MaskedCall
// does (sample weights need per-example values; checkWeightedLosses
// refuses them otherwise).
func (h *head) lossOn(y, pred, sw, mask *tensor.Tensor) *tensor.Tensor {
	if pl, ok := h.loss.(losses.PerExampleLoss); ok && mask != nil {
		return losses.Masked(pl, y, pred, sw, mask)
	}
	if mask != nil && sw == nil {
		return losses.MaskedCall(h.loss, y, pred, mask)
	}
	if sw != nil {
		return losses.Weighted(h.loss.(losses.PerExampleLoss), y, pred, sw)
	}
	return h.loss.Call(y, pred)
}

// updateMetrics updates h's metrics on a batch; the weighted ones get sw.
// With the output's mask (nil for none), the metrics that are means of
// per-entry values (Keras's MeanMetricWrapper: accuracies, top-k accuracies, mean errors)
// count the kept entries only, each by its example's weight for the
// weighted ones, as Keras's apply_mask with reduction "sum".
func (h *head) updateMetrics(y, pred, sw, mask *tensor.Tensor) {
	if mask != nil && (mask.Dim(0) != pred.Dim(0) || mask.Size()*pred.Dim(-1) != pred.Size()) {
		mask = nil
	}
	var mw *tensor.Tensor // mask·sw, made on first use
	for j, mt := range h.metrics {
		weighted := sw != nil && j < len(h.weighted) && h.weighted[j]
		if mask != nil && meanMetric(mt) {
			w := mask
			if weighted {
				if mw == nil {
					mw = maskWeights(mask, sw)
				}
				w = mw
			}
			mt.(metrics.WeightedMetric).UpdateWeighted(y, pred, w)
			continue
		}
		if weighted {
			mt.(metrics.WeightedMetric).UpdateWeighted(y, pred, sw)
			continue
		}
		mt.Update(y, pred)
	}
}

// meanMetric reports whether mt is a mean of per-entry values that takes
// one weight per entry, as Keras's MeanMetricWrapper, which applies masks.
func meanMetric(mt metrics.Metric) bool {
	switch mt.(type) {
	case *metrics.Accuracy, *metrics.MeanError, *metrics.MeanSquaredError, *metrics.TopKAccuracy:
		return true
	}
	return false
}

// maskWeights returns mask·sw with sw (batch) broadcast along the steps, in
// the mask's arena.
func maskWeights(mask, sw *tensor.Tensor) *tensor.Tensor {
	w := mask.MulScalar(1)
	wd, s := w.Data(), sw.Data()
	per := len(wd) / max(len(s), 1)
	for i := range wd {
		wd[i] *= s[i/per]
	}
	return w
}

// takeWeights fills dst with the weights of rows idx, or returns nil
// without weights.
func takeWeights(dst *tensor.Tensor, w []float32, idx []int) *tensor.Tensor {
	if w == nil {
		return nil
	}
	d := dst.Data()
	for i, k := range idx {
		d[i] = w[k]
	}
	return dst
}
