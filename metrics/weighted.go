package metrics

import (
	"fmt"

	"github.com/neuron-go/neuron/tensor"
)

// WeightedMetric is a metric that can count each example by a weight, as
// Keras's update_state(y_true, y_pred, sample_weight). The models give
// sample weights only to the metrics of CompileConfig.WeightedMetrics, as
// Keras gives them only to weighted_metrics.
type WeightedMetric interface {
	Metric
	// UpdateWeighted adds a batch whose examples count sampleWeight[i]
	// times, a tensor of shape (batch) holding one weight per row.
	UpdateWeighted(yTrue, yPred, sampleWeight *tensor.Tensor)
}

// weightsOf returns the weights of the rows of a batch of rows examples,
// panicking on a mismatch (the models check the weights beforehand).
func weightsOf(name string, sw *tensor.Tensor, rows int) []float32 {
	w := sw.Data()
	if len(w) != rows {
		panic(fmt.Sprintf("metrics: %s: %d sample weights for %d examples", name, len(w), rows))
	}
	return w
}

// rowWeights returns the weights of a batch whose predictions give entries
// values (one per row of the last axis) and how many entries share each
// weight: one per example for predictions (batch, classes), steps for a
// sequence's (batch, steps, classes), whose weights broadcast along the
// steps as in Keras. Weights of one per entry (an output's mask, as the
// models give) are taken as they are.
func rowWeights(name string, sw, yPred *tensor.Tensor, entries int) ([]float32, int) {
	rows := entries
	if yPred.Rank() > 2 && sw.Size() != entries {
		rows = yPred.Dim(0)
	}
	w := weightsOf(name, sw, rows)
	if rows == 0 {
		return w, 1
	}
	return w, entries / rows
}

// UpdateWeighted implements WeightedMetric: each example's correctness
// (for binary accuracy, the fraction of its columns that are right) counts
// by its weight, and the result is the weighted mean.
func (a *Accuracy) UpdateWeighted(yTrue, yPred, sampleWeight *tensor.Tensor) {
	if a.kind == kindAuto {
		a.kind = resolve(yTrue.Shape(), yPred.Shape())
	}
	p, t := yPred.Data(), yTrue.Data()
	switch a.kind {
	case kindBinary:
		rows := 1
		if yPred.Rank() > 1 {
			rows = yPred.Dim(0)
		} else {
			rows = len(p)
		}
		w := weightsOf(a.name, sampleWeight, rows)
		cols := len(p) / max(rows, 1)
		for r := range rows {
			var c float64
			for i := r * cols; i < (r+1)*cols; i++ {
				if (p[i] > 0.5) == (t[i] > 0.5) {
					c++
				}
			}
			a.correct += float64(w[r]) * c / float64(cols)
			a.total += float64(w[r])
		}
	case kindSparse:
		a.pred = yPred.ArgMaxInto(a.pred)
		w, per := rowWeights(a.name, sampleWeight, yPred, len(a.pred))
		for i, k := range a.pred {
			if float32(k) == t[i] {
				a.correct += float64(w[i/per])
			}
			a.total += float64(w[i/per])
		}
	default:
		a.want, a.pred = yTrue.ArgMaxInto(a.want), yPred.ArgMaxInto(a.pred)
		w, per := rowWeights(a.name, sampleWeight, yPred, len(a.pred))
		for i, k := range a.pred {
			if k == a.want[i] {
				a.correct += float64(w[i/per])
			}
			a.total += float64(w[i/per])
		}
	}
}

// UpdateWeighted implements WeightedMetric: the weighted mean of the
// per-example errors.
func (m *MeanError) UpdateWeighted(yTrue, yPred, sampleWeight *tensor.Tensor) {
	m.updateRows(yTrue, yPred, sampleWeight)
}

// UpdateWeighted implements WeightedMetric: the weighted mean of the
// per-example squared errors.
func (m *MeanSquaredError) UpdateWeighted(yTrue, yPred, sampleWeight *tensor.Tensor) {
	p, t := yPred.Data(), yTrue.Data()
	if len(p) != len(t) {
		panic(fmt.Sprintf("metrics: %s: targets %v and predictions %v differ in size", m.name, yTrue.Shape(), yPred.Shape()))
	}
	cols := 1
	if yPred.Rank() > 1 {
		cols = yPred.Dim(-1)
	}
	if cols == 0 {
		return
	}
	w, per := rowWeights(m.name, sampleWeight, yPred, len(p)/cols)
	for r := 0; r < len(p); r += cols {
		var s float64
		for i := r; i < r+cols; i++ {
			d := float64(p[i]) - float64(t[i])
			s += d * d
		}
		m.sum += float64(w[r/cols/per]) * s / float64(cols)
		m.count += float64(w[r/cols/per])
	}
}
