package metrics

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/neuron-go/neuron/internal/strictjson"
	"github.com/neuron-go/neuron/tensor"
)

// AUCConfig holds Keras's AUC arguments; the zero value of each field is
// Keras's default.
type AUCConfig struct {
	// Name is the log key (default "auc").
	Name string
	// NumThresholds is the number of thresholds (default 200): Keras's
	// −ε, i/(n−1) for i = 1 … n−2, and 1 + ε. At least 2.
	NumThresholds int
	// Curve is "ROC" (default) or "PR".
	Curve string
	// SummationMethod is "interpolation" (default; for PR, Davis and
	// Goadrich's interpolation, as Keras), "minoring" or "majoring".
	SummationMethod string
}

// AUC is Keras's AUC metric: the area under the ROC or precision-recall
// curve, from true/false positive/negative counts at NumThresholds
// thresholds over every batch since the last Reset. Every element of the
// predictions is one decision (Keras's multi_label=False): a positive
// prediction at threshold t when yPred > t, a positive target when
// yTrue ≠ 0. Predictions should be probabilities in [0, 1].
type AUC struct {
	name       string
	curve      string
	summation  string
	thresholds []float32
	// pos[k] and neg[k] sum the weights of the positive and negative
	// elements above exactly k thresholds; the counts at each threshold
	// follow by cumulative sums.
	pos, neg []float64
	// buffers of Result, reused
	tp, fp, tn, fn []float64
}

// NewAUC returns an AUC metric, or an error naming a bad setting.
func NewAUC(cfg AUCConfig) (*AUC, error) {
	if cfg.Name == "" {
		cfg.Name = "auc"
	}
	if cfg.NumThresholds == 0 {
		cfg.NumThresholds = 200
	}
	if cfg.Curve == "" {
		cfg.Curve = "ROC"
	}
	if cfg.SummationMethod == "" {
		cfg.SummationMethod = "interpolation"
	}
	if cfg.NumThresholds < 2 {
		return nil, fmt.Errorf("metrics: AUC: NumThresholds must be > 1, got %d", cfg.NumThresholds)
	}
	if cfg.Curve != "ROC" && cfg.Curve != "PR" {
		return nil, fmt.Errorf("metrics: AUC: Curve must be \"ROC\" or \"PR\", got %q", cfg.Curve)
	}
	switch cfg.SummationMethod {
	case "interpolation", "minoring", "majoring":
	default:
		return nil, fmt.Errorf("metrics: AUC: SummationMethod must be \"interpolation\", \"minoring\" or \"majoring\", got %q", cfg.SummationMethod)
	}
	n := cfg.NumThresholds
	th := make([]float32, n)
	th[0] = 0 - 1e-7
	for i := 1; i < n-1; i++ {
		th[i] = float32(float64(i) / float64(n-1))
	}
	th[n-1] = 1 + 1e-7
	return &AUC{name: cfg.Name, curve: cfg.Curve, summation: cfg.SummationMethod, thresholds: th,
		pos: make([]float64, n+1), neg: make([]float64, n+1),
		tp: make([]float64, n), fp: make([]float64, n), tn: make([]float64, n), fn: make([]float64, n)}, nil
}

// Name implements Metric.
func (a *AUC) Name() string { return a.name }

// Reset implements Metric.
func (a *AUC) Reset() {
	clear(a.pos)
	clear(a.neg)
}

// Update implements Metric.
func (a *AUC) Update(yTrue, yPred *tensor.Tensor) { a.update(yTrue, yPred, nil) }

// UpdateWeighted implements WeightedMetric: each element counts by its
// example's weight.
func (a *AUC) UpdateWeighted(yTrue, yPred, sampleWeight *tensor.Tensor) {
	a.update(yTrue, yPred, sampleWeight)
}

// above returns how many thresholds v exceeds.
func above(th []float32, v float32) int {
	lo, hi := 0, len(th)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if v > th[m] {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

func (a *AUC) update(yTrue, yPred, sw *tensor.Tensor) {
	p, t := yPred.Data(), yTrue.Data()
	if len(p) != len(t) {
		panic(fmt.Sprintf("metrics: %s: targets %v and predictions %v differ in size", a.name, yTrue.Shape(), yPred.Shape()))
	}
	var w []float32
	per := 1
	if sw != nil && len(p) > 0 {
		rows := len(p)
		if yPred.Rank() > 1 {
			rows = yPred.Dim(0)
		}
		w = weightsOf(a.name, sw, rows)
		per = len(p) / rows
	}
	for i, v := range p {
		k := above(a.thresholds, v)
		wt := 1.0
		if w != nil {
			wt = float64(w[i/per])
		}
		if t[i] != 0 {
			a.pos[k] += wt
		} else {
			a.neg[k] += wt
		}
	}
}

// counts fills tp, fp, tn, fn at every threshold.
func (a *AUC) counts() {
	var tp, fp float64
	var allPos, allNeg float64
	for k := range a.pos {
		allPos += a.pos[k]
		allNeg += a.neg[k]
	}
	n := len(a.thresholds)
	// An element above k thresholds exceeds thresholds 0 … k−1.
	for i := n - 1; i >= 0; i-- {
		tp += a.pos[i+1]
		fp += a.neg[i+1]
		a.tp[i], a.fp[i], a.fn[i], a.tn[i] = tp, fp, allPos-tp, allNeg-fp
	}
}

func divNoNaN(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// Result implements Metric: Keras's AUC.result().
func (a *AUC) Result() float64 {
	a.counts()
	n := len(a.thresholds)
	if a.curve == "PR" && a.summation == "interpolation" {
		var auc float64
		for i := 0; i < n-1; i++ {
			dtp := a.tp[i] - a.tp[i+1]
			p0, p1 := a.tp[i]+a.fp[i], a.tp[i+1]+a.fp[i+1]
			dp := p0 - p1
			slope := divNoNaN(dtp, math.Max(dp, 0))
			intercept := a.tp[i+1] - slope*p1
			ratio := 1.0
			if p0 > 0 && p1 > 0 {
				ratio = divNoNaN(p0, math.Max(p1, 0))
			}
			auc += divNoNaN(slope*(dtp+intercept*math.Log(ratio)), math.Max(a.tp[i+1]+a.fn[i+1], 0))
		}
		return auc
	}
	var auc float64
	for i := 0; i < n-1; i++ {
		var x0, x1, y0, y1 float64
		r0, r1 := divNoNaN(a.tp[i], a.tp[i]+a.fn[i]), divNoNaN(a.tp[i+1], a.tp[i+1]+a.fn[i+1])
		if a.curve == "ROC" {
			x0, x1 = divNoNaN(a.fp[i], a.fp[i]+a.tn[i]), divNoNaN(a.fp[i+1], a.fp[i+1]+a.tn[i+1])
			y0, y1 = r0, r1
		} else {
			x0, x1 = r0, r1
			y0, y1 = divNoNaN(a.tp[i], a.tp[i]+a.fp[i]), divNoNaN(a.tp[i+1], a.tp[i+1]+a.fp[i+1])
		}
		var h float64
		switch a.summation {
		case "interpolation":
			h = (y0 + y1) / 2
		case "minoring":
			h = math.Min(y0, y1)
		default:
			h = math.Max(y0, y1)
		}
		auc += (x0 - x1) * h
	}
	return auc
}

// ConfusionAt returns the true positives, false positives, true negatives
// and false negatives at each threshold so far (Keras's AUC variables), and
// the thresholds: the confusion matrices of every threshold as data.
func (a *AUC) ConfusionAt() (thresholds []float32, tp, fp, tn, fn []float64) {
	a.counts()
	return append([]float32(nil), a.thresholds...), append([]float64(nil), a.tp...), append([]float64(nil), a.fp...),
		append([]float64(nil), a.tn...), append([]float64(nil), a.fn...)
}

type aucState struct {
	Pos []strictjson.Float `json:"pos"`
	Neg []strictjson.Float `json:"neg"`
}

// MarshalBinary implements encoding.BinaryMarshaler: the running counts.
func (a *AUC) MarshalBinary() ([]byte, error) {
	return json.Marshal(aucState{floats(a.pos), floats(a.neg)})
}

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (a *AUC) UnmarshalBinary(b []byte) error {
	var s aucState
	if err := strictjson.Decode(b, &s); err != nil {
		return fmt.Errorf("metrics: %s state: %w", a.name, err)
	}
	if len(s.Pos) != len(a.pos) || len(s.Neg) != len(a.neg) {
		return fmt.Errorf("metrics: %s state: %d and %d counts, want %d (NumThresholds + 1)", a.name, len(s.Pos), len(s.Neg), len(a.pos))
	}
	for i := range a.pos {
		a.pos[i], a.neg[i] = float64(s.Pos[i]), float64(s.Neg[i])
	}
	return nil
}
