package metrics

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/neuron-go/neuron/internal/strictjson"
	"github.com/neuron-go/neuron/tensor"
)

// FBetaConfig holds Keras's FBetaScore arguments; the zero value of each
// field is Keras's default.
type FBetaConfig struct {
	// Name is the log key (default "fbeta_score", or "f1_score" for
	// NewF1Score).
	Name string
	// Average is "" (Keras's None: one score per class), "micro", "macro"
	// or "weighted" (by each class's number of true examples).
	Average string
	// Beta weighs recall Beta times as much as precision (default 1).
	Beta float64
	// Threshold makes a prediction positive when above it; 0 means Keras's
	// None: the largest prediction of each row is positive.
	Threshold float64
}

// FBetaScore is Keras's FBetaScore (and F1Score): per class,
// (1 + β²)·P·R / (β²·P + R) from the (weighted) true positives, false
// positives and false negatives of every batch since the last Reset, with
// Keras's ε = 1e-7 in each division. Targets are one-hot (or multi-label)
// with the predictions' shape (batch, classes).
//
// With Average "" Keras's result is one score per class: Values returns
// them and Result, the number in the logs, their mean.
type FBetaScore struct {
	name       string
	average    string
	beta       float64
	threshold  float64
	tp, fp, fn []float64
	support    []float64
	values     []float64
}

// NewFBetaScore returns an FBetaScore metric, or an error naming a bad
// setting.
func NewFBetaScore(cfg FBetaConfig) (*FBetaScore, error) {
	return newFBeta(cfg, "fbeta_score")
}

// NewF1Score returns Keras's F1Score: FBetaScore with β = 1 (cfg.Beta must
// be 0 or 1).
func NewF1Score(cfg FBetaConfig) (*FBetaScore, error) {
	if cfg.Beta != 0 && cfg.Beta != 1 {
		return nil, fmt.Errorf("metrics: F1Score: Beta is 1, got %v", cfg.Beta)
	}
	return newFBeta(cfg, "f1_score")
}

func newFBeta(cfg FBetaConfig, name string) (*FBetaScore, error) {
	if cfg.Name == "" {
		cfg.Name = name
	}
	if cfg.Beta == 0 {
		cfg.Beta = 1
	}
	switch cfg.Average {
	case "", "micro", "macro", "weighted":
	default:
		return nil, fmt.Errorf("metrics: %s: Average must be \"\" (None), \"micro\", \"macro\" or \"weighted\", got %q", cfg.Name, cfg.Average)
	}
	if !(cfg.Beta > 0) || math.IsInf(cfg.Beta, 0) {
		return nil, fmt.Errorf("metrics: %s: Beta must be > 0, got %v", cfg.Name, cfg.Beta)
	}
	if !(cfg.Threshold >= 0 && cfg.Threshold <= 1) {
		return nil, fmt.Errorf("metrics: %s: Threshold must be in [0, 1] (0: the row's largest), got %v", cfg.Name, cfg.Threshold)
	}
	return &FBetaScore{name: cfg.Name, average: cfg.Average, beta: cfg.Beta, threshold: cfg.Threshold}, nil
}

// Name implements Metric.
func (f *FBetaScore) Name() string { return f.name }

// Reset implements Metric.
func (f *FBetaScore) Reset() {
	clear(f.tp)
	clear(f.fp)
	clear(f.fn)
	clear(f.support)
}

// Update implements Metric.
func (f *FBetaScore) Update(yTrue, yPred *tensor.Tensor) { f.update(yTrue, yPred, nil) }

// UpdateWeighted implements WeightedMetric.
func (f *FBetaScore) UpdateWeighted(yTrue, yPred, sw *tensor.Tensor) { f.update(yTrue, yPred, sw) }

func (f *FBetaScore) update(yTrue, yPred, sw *tensor.Tensor) {
	p, t := yPred.Data(), yTrue.Data()
	if len(p) != len(t) {
		panic(fmt.Sprintf("metrics: %s: targets %v and predictions %v differ in size; FBetaScore takes one-hot targets", f.name, yTrue.Shape(), yPred.Shape()))
	}
	cols := 1
	if yPred.Rank() > 1 {
		cols = yPred.Dim(-1)
	}
	if cols == 0 {
		return
	}
	if f.tp == nil {
		f.tp, f.fp, f.fn, f.support = make([]float64, cols), make([]float64, cols), make([]float64, cols), make([]float64, cols)
		f.values = make([]float64, cols)
	} else if len(f.tp) != cols {
		panic(fmt.Sprintf("metrics: %s: predictions have %d classes, earlier batches %d", f.name, cols, len(f.tp)))
	}
	rows := len(p) / cols
	var w []float32
	if sw != nil {
		w = weightsOf(f.name, sw, rows)
	}
	for r := range rows {
		row, tr := p[r*cols:(r+1)*cols], t[r*cols:(r+1)*cols]
		m := row[0]
		for _, v := range row {
			m = max(m, v)
		}
		wt := 1.0
		if w != nil {
			wt = float64(w[r])
		}
		for j, v := range row {
			var pos bool
			if f.threshold == 0 {
				pos = v >= m && math.Abs(float64(v)) > 1e-9
			} else {
				pos = float64(v) > f.threshold
			}
			pv, tv := 0.0, float64(tr[j])
			if pos {
				pv = 1
			}
			f.tp[j] += wt * pv * tv
			f.fp[j] += wt * pv * (1 - tv)
			f.fn[j] += wt * (1 - pv) * tv
			f.support[j] += wt * tv
		}
	}
}

func (f *FBetaScore) score(tp, fp, fn float64) float64 {
	const eps = 1e-7
	p := tp / (tp + fp + eps)
	r := tp / (tp + fn + eps)
	b2 := f.beta * f.beta
	return (1 + b2) * (p * r) / (b2*p + r + eps)
}

// Values returns the per-class scores (one value for Average "micro"). The
// slice is reused by the next call.
func (f *FBetaScore) Values() []float64 {
	if f.tp == nil {
		return nil
	}
	if f.average == "micro" {
		var tp, fp, fn float64
		for j := range f.tp {
			tp, fp, fn = tp+f.tp[j], fp+f.fp[j], fn+f.fn[j]
		}
		f.values = append(f.values[:0], f.score(tp, fp, fn))
		return f.values
	}
	f.values = f.values[:len(f.tp)]
	for j := range f.tp {
		f.values[j] = f.score(f.tp[j], f.fp[j], f.fn[j])
	}
	return f.values
}

// Result implements Metric: the averaged score (the mean of the per-class
// scores for Average "" and "macro").
func (f *FBetaScore) Result() float64 {
	v := f.Values()
	if len(v) == 0 {
		return 0
	}
	if f.average == "weighted" {
		var s, total float64
		for _, x := range f.support {
			total += x
		}
		for j, x := range v {
			s += x * f.support[j] / (total + 1e-7)
		}
		return s
	}
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

type fbetaState struct {
	TP      []strictjson.Float `json:"tp"`
	FP      []strictjson.Float `json:"fp"`
	FN      []strictjson.Float `json:"fn"`
	Support []strictjson.Float `json:"support"`
}

// MarshalBinary implements encoding.BinaryMarshaler: the running counts.
func (f *FBetaScore) MarshalBinary() ([]byte, error) {
	return json.Marshal(fbetaState{floats(f.tp), floats(f.fp), floats(f.fn), floats(f.support)})
}

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (f *FBetaScore) UnmarshalBinary(b []byte) error {
	var s fbetaState
	if err := strictjson.Decode(b, &s); err != nil {
		return fmt.Errorf("metrics: %s state: %w", f.name, err)
	}
	n := len(s.TP)
	if len(s.FP) != n || len(s.FN) != n || len(s.Support) != n {
		return fmt.Errorf("metrics: %s state: tp, fp, fn and support have %d, %d, %d and %d entries, want the same number", f.name, n, len(s.FP), len(s.FN), len(s.Support))
	}
	f.tp, f.fp, f.fn, f.support = unfloats(s.TP), unfloats(s.FP), unfloats(s.FN), unfloats(s.Support)
	f.values = make([]float64, n)
	return nil
}
