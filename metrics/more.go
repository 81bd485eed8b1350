package metrics

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/neuron-go/neuron/internal/strictjson"
	"github.com/neuron-go/neuron/tensor"
)

// errorKind is what a MeanError averages.
type errorKind int

const (
	absError errorKind = iota
	percentError
	squaredErrorRoot
)

// MeanError is Keras's MeanAbsoluteError, MeanAbsolutePercentageError or
// RootMeanSquaredError metric: a per-example mean over the last axis
// (|t − p|, or 100·|t − p| / max(|t|, 1e-7), or (t − p)² with the square
// root taken of the final mean), averaged over every example since the last
// Reset. Targets must hold as many values as the predictions.
type MeanError struct {
	name       string
	kind       errorKind
	sum, count float64
}

// NewMeanAbsoluteError returns the "mean_absolute_error" metric.
func NewMeanAbsoluteError() *MeanError {
	return &MeanError{name: "mean_absolute_error", kind: absError}
}

// NewMeanAbsolutePercentageError returns the "mean_absolute_percentage_error"
// metric.
func NewMeanAbsolutePercentageError() *MeanError {
	return &MeanError{name: "mean_absolute_percentage_error", kind: percentError}
}

// NewRootMeanSquaredError returns the "root_mean_squared_error" metric.
func NewRootMeanSquaredError() *MeanError {
	return &MeanError{name: "root_mean_squared_error", kind: squaredErrorRoot}
}

// Name implements Metric.
func (m *MeanError) Name() string { return m.name }

// Reset implements Metric.
func (m *MeanError) Reset() { m.sum, m.count = 0, 0 }

// Result implements Metric; it is 0 before any Update.
func (m *MeanError) Result() float64 {
	if m.count == 0 {
		return 0
	}
	if m.kind == squaredErrorRoot {
		return math.Sqrt(m.sum / m.count)
	}
	return m.sum / m.count
}

// Update implements Metric.
func (m *MeanError) Update(yTrue, yPred *tensor.Tensor) { m.updateRows(yTrue, yPred, nil) }

// updateRows adds the per-example errors, each counted by its weight in
// sw (1 if sw is nil).
func (m *MeanError) updateRows(yTrue, yPred, sw *tensor.Tensor) {
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
	var w []float32
	per := 1
	if sw != nil {
		w, per = rowWeights(m.name, sw, yPred, len(p)/cols)
	}
	for r := 0; r < len(p); r += cols {
		var s float64
		for i := r; i < r+cols; i++ {
			d := float64(t[i]) - float64(p[i])
			switch m.kind {
			case absError:
				s += math.Abs(d)
			case percentError:
				s += 100 * math.Abs(d) / math.Max(math.Abs(float64(t[i])), 1e-7)
			default:
				s += d * d
			}
		}
		wt := 1.0
		if w != nil {
			wt = float64(w[r/cols/per])
		}
		m.sum += wt * s / float64(cols)
		m.count += wt
	}
}

// MarshalBinary implements encoding.BinaryMarshaler: the running sums.
func (m *MeanError) MarshalBinary() ([]byte, error) {
	return json.Marshal(mseState{strictjson.Float(m.sum), strictjson.Float(m.count)})
}

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *MeanError) UnmarshalBinary(b []byte) error {
	var s mseState
	if err := strictjson.Decode(b, &s); err != nil {
		return fmt.Errorf("metrics: %s state: %w", m.name, err)
	}
	m.sum, m.count = float64(s.Sum), float64(s.Count)
	return nil
}

// TopKAccuracy is Keras's TopKCategoricalAccuracy (one-hot targets) or
// SparseTopKCategoricalAccuracy (class indices): the fraction of examples
// whose true class is among the K highest predictions. As with Keras's
// in_top_k, classes tied with the K-th score count as in the top K.
type TopKAccuracy struct {
	name    string
	k       int
	sparse  bool
	correct float64
	total   float64
	want    []int
}

// NewTopKCategoricalAccuracy returns "top_k_categorical_accuracy" with
// Keras's default k = 5 when k is 0.
func NewTopKCategoricalAccuracy(k int) *TopKAccuracy {
	return &TopKAccuracy{name: "top_k_categorical_accuracy", k: defaultK(k)}
}

// NewSparseTopKCategoricalAccuracy returns
// "sparse_top_k_categorical_accuracy" with Keras's default k = 5 when k is 0.
func NewSparseTopKCategoricalAccuracy(k int) *TopKAccuracy {
	return &TopKAccuracy{name: "sparse_top_k_categorical_accuracy", k: defaultK(k), sparse: true}
}

func defaultK(k int) int {
	if k <= 0 {
		return 5
	}
	return k
}

// K returns how many of the highest predictions count.
func (a *TopKAccuracy) K() int { return a.k }

// Name implements Metric.
func (a *TopKAccuracy) Name() string { return a.name }

// Reset implements Metric.
func (a *TopKAccuracy) Reset() { a.correct, a.total = 0, 0 }

// Result implements Metric.
func (a *TopKAccuracy) Result() float64 {
	if a.total == 0 {
		return 0
	}
	return a.correct / a.total
}

// Update implements Metric.
func (a *TopKAccuracy) Update(yTrue, yPred *tensor.Tensor) { a.update(yTrue, yPred, nil) }

// UpdateWeighted implements WeightedMetric: each example's hit counts by
// its weight (broadcast along the steps of a sequence's predictions
// (batch, steps, classes)), or each entry's by its own when the weights
// have one per entry, as the models give an output's mask (Keras's
// MeanMetricWrapper applies the mask as sample weights).
func (a *TopKAccuracy) UpdateWeighted(yTrue, yPred, sampleWeight *tensor.Tensor) {
	a.update(yTrue, yPred, sampleWeight)
}

func (a *TopKAccuracy) update(yTrue, yPred, sw *tensor.Tensor) {
	p := yPred.Data()
	classes := 1
	if yPred.Rank() > 0 {
		classes = yPred.Dim(-1)
	}
	if classes == 0 {
		return
	}
	rows := len(p) / classes
	if a.sparse {
		t := yTrue.Data()
		if len(t) != rows {
			panic(fmt.Sprintf("metrics: %s: %d labels for %d predictions", a.name, len(t), rows))
		}
		a.want = a.want[:0]
		for _, v := range t {
			a.want = append(a.want, int(v))
		}
	} else {
		a.want = yTrue.ArgMaxInto(a.want)
	}
	var w []float32
	per := 1
	if sw != nil {
		w, per = rowWeights(a.name, sw, yPred, rows)
	}
	for r := range rows {
		wr := 1.0
		if w != nil {
			wr = float64(w[r/per])
		}
		a.total += wr
		row := p[r*classes : (r+1)*classes]
		c := a.want[r]
		if c < 0 || c >= classes {
			continue
		}
		above := 0
		for _, v := range row {
			if v > row[c] {
				above++
			}
		}
		if above < a.k {
			a.correct += wr
		}
	}
}

type countState struct {
	Correct strictjson.Float `json:"correct"`
	Total   strictjson.Float `json:"total"`
}

// MarshalBinary implements encoding.BinaryMarshaler: the running counts.
func (a *TopKAccuracy) MarshalBinary() ([]byte, error) {
	return json.Marshal(countState{strictjson.Float(a.correct), strictjson.Float(a.total)})
}

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (a *TopKAccuracy) UnmarshalBinary(b []byte) error {
	var s countState
	if err := strictjson.Decode(b, &s); err != nil {
		return fmt.Errorf("metrics: %s state: %w", a.name, err)
	}
	a.correct, a.total = float64(s.Correct), float64(s.Total)
	return nil
}

// R2Score is Keras's R2Score with its defaults (class_aggregation
// "uniform_average", num_regressors 0): for each output column
// 1 − Σ(t − p)² / Σ(t − mean t)² over every example since the last Reset,
// averaged over the columns.
type R2Score struct {
	name            string
	sum, sumSq, res []float64
	count           float64
}

// NewR2Score returns the "r2_score" metric.
func NewR2Score() *R2Score { return &R2Score{name: "r2_score"} }

// Name implements Metric.
func (m *R2Score) Name() string { return m.name }

// Reset implements Metric.
func (m *R2Score) Reset() { m.sum, m.sumSq, m.res, m.count = m.sum[:0], m.sumSq[:0], m.res[:0], 0 }

// Update implements Metric.
func (m *R2Score) Update(yTrue, yPred *tensor.Tensor) {
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
	if len(m.sum) == 0 {
		m.sum, m.sumSq, m.res = make([]float64, cols), make([]float64, cols), make([]float64, cols)
	}
	if len(m.sum) != cols {
		panic(fmt.Sprintf("metrics: %s: predictions have %d columns, earlier batches %d", m.name, cols, len(m.sum)))
	}
	for i := range p {
		j := i % cols
		tv, d := float64(t[i]), float64(t[i])-float64(p[i])
		m.sum[j] += tv
		m.sumSq[j] += tv * tv
		m.res[j] += d * d
	}
	m.count += float64(len(p) / cols)
}

// Result implements Metric; it is 0 before any Update. As in Keras, a
// column whose targets are all equal scores 0, or NaN if it is also
// predicted exactly.
func (m *R2Score) Result() float64 {
	if m.count == 0 || len(m.sum) == 0 {
		return 0
	}
	var r float64
	for j := range m.sum {
		mean := m.sum[j] / m.count
		tot := m.sumSq[j] - m.sum[j]*mean
		s := 1 - m.res[j]/tot
		if math.IsInf(s, 0) {
			s = 0 // as Keras: constant targets, imperfect predictions
		}
		r += s
	}
	return r / float64(len(m.sum))
}

type r2State struct {
	Sum   []strictjson.Float `json:"sum"`
	SumSq []strictjson.Float `json:"sum_sq"`
	Res   []strictjson.Float `json:"res"`
	Count strictjson.Float   `json:"count"`
}

// MarshalBinary implements encoding.BinaryMarshaler: the running sums.
func (m *R2Score) MarshalBinary() ([]byte, error) {
	return json.Marshal(r2State{floats(m.sum), floats(m.sumSq), floats(m.res), strictjson.Float(m.count)})
}

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *R2Score) UnmarshalBinary(b []byte) error {
	var s r2State
	if err := strictjson.Decode(b, &s); err != nil {
		return fmt.Errorf("metrics: %s state: %w", m.name, err)
	}
	if len(s.Sum) != len(s.SumSq) || len(s.Sum) != len(s.Res) {
		return fmt.Errorf("metrics: %s state: sum, sum_sq and res have %d, %d and %d entries, want the same number",
			m.name, len(s.Sum), len(s.SumSq), len(s.Res))
	}
	m.sum, m.sumSq, m.res, m.count = unfloats(s.Sum), unfloats(s.SumSq), unfloats(s.Res), float64(s.Count)
	return nil
}
