package metrics

import (
	"fmt"

	"github.com/neuron-go/neuron/tensor"
)

// newCounter returns the counting core of AUC with the given sorted
// thresholds, for the metrics below that share it.
func newCounter(name string, th []float32) *AUC {
	n := len(th)
	return &AUC{name: name, curve: "ROC", summation: "interpolation", thresholds: th,
		pos: make([]float64, n+1), neg: make([]float64, n+1),
		tp: make([]float64, n), fp: make([]float64, n), tn: make([]float64, n), fn: make([]float64, n)}
}

// evenThresholds are Keras's −ε, i/(n−1) for i = 1 … n−2, 1 + ε.
func evenThresholds(n int) []float32 {
	a, _ := NewAUC(AUCConfig{NumThresholds: n})
	return a.thresholds
}

// countKind is which count a ConfusionCount reports.
type countKind int

const (
	countTP countKind = iota
	countFP
	countTN
	countFN
)

// ConfusionCount is Keras's TruePositives, FalsePositives, TrueNegatives or
// FalseNegatives metric: the (weighted) number of elements of the
// predictions, each one decision, that are so at a threshold (a positive
// prediction when yPred > threshold, a positive target when yTrue ≠ 0),
// over every batch since the last Reset.
type ConfusionCount struct {
	c    *AUC
	kind countKind
}

func newCount(name string, kind countKind, thresholds []float64) (*ConfusionCount, error) {
	if len(thresholds) == 0 {
		thresholds = []float64{0.5}
	}
	th := make([]float32, len(thresholds))
	for i, t := range thresholds {
		if !(t >= 0 && t <= 1) {
			return nil, fmt.Errorf("metrics: %s: thresholds must be in [0, 1], got %v", name, t)
		}
		if i > 0 && !(t > thresholds[i-1]) {
			return nil, fmt.Errorf("metrics: %s: thresholds must increase, got %v after %v", name, t, thresholds[i-1])
		}
		th[i] = float32(t)
	}
	return &ConfusionCount{c: newCounter(name, th), kind: kind}, nil
}

// NewTruePositives returns "true_positives" at the given increasing
// thresholds in [0, 1] (default 0.5, Keras's).
func NewTruePositives(thresholds ...float64) (*ConfusionCount, error) {
	return newCount("true_positives", countTP, thresholds)
}

// NewFalsePositives returns "false_positives" (see NewTruePositives).
func NewFalsePositives(thresholds ...float64) (*ConfusionCount, error) {
	return newCount("false_positives", countFP, thresholds)
}

// NewTrueNegatives returns "true_negatives" (see NewTruePositives).
func NewTrueNegatives(thresholds ...float64) (*ConfusionCount, error) {
	return newCount("true_negatives", countTN, thresholds)
}

// NewFalseNegatives returns "false_negatives" (see NewTruePositives).
func NewFalseNegatives(thresholds ...float64) (*ConfusionCount, error) {
	return newCount("false_negatives", countFN, thresholds)
}

// Name implements Metric.
func (m *ConfusionCount) Name() string { return m.c.name }

// Reset implements Metric.
func (m *ConfusionCount) Reset() { m.c.Reset() }

// Update implements Metric.
func (m *ConfusionCount) Update(yTrue, yPred *tensor.Tensor) { m.c.Update(yTrue, yPred) }

// UpdateWeighted implements WeightedMetric.
func (m *ConfusionCount) UpdateWeighted(yTrue, yPred, sw *tensor.Tensor) {
	m.c.UpdateWeighted(yTrue, yPred, sw)
}

// Result implements Metric: the count at the first threshold.
func (m *ConfusionCount) Result() float64 { return m.Values()[0] }

// Values returns the count at every threshold, as Keras's result() does
// for several thresholds. The slice is reused by the next call.
func (m *ConfusionCount) Values() []float64 {
	m.c.counts()
	switch m.kind {
	case countTP:
		return m.c.tp
	case countFP:
		return m.c.fp
	case countTN:
		return m.c.tn
	}
	return m.c.fn
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *ConfusionCount) MarshalBinary() ([]byte, error) { return m.c.MarshalBinary() }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *ConfusionCount) UnmarshalBinary(b []byte) error { return m.c.UnmarshalBinary(b) }

// AtConstraint is Keras's PrecisionAtRecall (the best precision among the
// thresholds whose recall is at least the target) or RecallAtPrecision
// (the best recall among those whose precision is at least the target),
// over Keras's NumThresholds evenly spaced thresholds; 0 when no threshold
// qualifies.
type AtConstraint struct {
	c      *AUC
	target float64
	recall bool // the target constrains recall (PrecisionAtRecall)
}

func newAt(name string, target float64, numThresholds int, recall bool) (*AtConstraint, error) {
	if !(target >= 0 && target <= 1) {
		return nil, fmt.Errorf("metrics: %s: the target must be in [0, 1], got %v", name, target)
	}
	if numThresholds == 0 {
		numThresholds = 200
	}
	if numThresholds < 2 {
		return nil, fmt.Errorf("metrics: %s: numThresholds must be > 1, got %d", name, numThresholds)
	}
	return &AtConstraint{c: newCounter(name, evenThresholds(numThresholds)), target: target, recall: recall}, nil
}

// NewPrecisionAtRecall returns "precision_at_recall" for a recall in
// [0, 1], with numThresholds thresholds (0: Keras's 200).
func NewPrecisionAtRecall(recall float64, numThresholds int) (*AtConstraint, error) {
	return newAt("precision_at_recall", recall, numThresholds, true)
}

// NewRecallAtPrecision returns "recall_at_precision" for a precision in
// [0, 1], with numThresholds thresholds (0: Keras's 200).
func NewRecallAtPrecision(precision float64, numThresholds int) (*AtConstraint, error) {
	return newAt("recall_at_precision", precision, numThresholds, false)
}

// Name implements Metric.
func (m *AtConstraint) Name() string { return m.c.name }

// Reset implements Metric.
func (m *AtConstraint) Reset() { m.c.Reset() }

// Update implements Metric.
func (m *AtConstraint) Update(yTrue, yPred *tensor.Tensor) { m.c.Update(yTrue, yPred) }

// UpdateWeighted implements WeightedMetric.
func (m *AtConstraint) UpdateWeighted(yTrue, yPred, sw *tensor.Tensor) {
	m.c.UpdateWeighted(yTrue, yPred, sw)
}

// Result implements Metric: Keras's _find_max_under_constraint.
func (m *AtConstraint) Result() float64 {
	c := m.c
	c.counts()
	best := 0.0
	for i := range c.tp {
		r := divNoNaN(c.tp[i], c.tp[i]+c.fn[i])
		p := divNoNaN(c.tp[i], c.tp[i]+c.fp[i])
		constrained, dependent := p, r
		if m.recall {
			constrained, dependent = r, p
		}
		if constrained >= m.target && dependent > best {
			best = dependent
		}
	}
	return best
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *AtConstraint) MarshalBinary() ([]byte, error) { return m.c.MarshalBinary() }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *AtConstraint) UnmarshalBinary(b []byte) error { return m.c.UnmarshalBinary(b) }
