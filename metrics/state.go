package metrics

import (
	"encoding/json"
	"fmt"

	"github.com/neuron-go/neuron/internal/strictjson"
)

// Saving metrics
//
// A model file records the compiled metrics (MarshalConfig), and a
// training checkpoint records their running counts in the middle of an
// epoch (MarshalBinary), so that a resumed epoch reports what an
// uninterrupted one would.

// confusionConfig is Keras's config of Precision and Recall.
type confusionConfig struct {
	Name       string   `json:"name"`
	DType      string   `json:"dtype,omitempty"`
	Thresholds *float32 `json:"thresholds"` // Keras's None is 0.5
	TopK       *int     `json:"top_k"`
	ClassID    *int     `json:"class_id"`
}

type savedMetric struct {
	ClassName string          `json:"class_name"`
	Config    json.RawMessage `json:"config"`
}

// MarshalConfig returns the saved form of a built-in metric: its name as
// a JSON string when Get(name) rebuilds it ("accuracy", "mse", …), and
// otherwise Keras's {"class_name": "Precision", "config": {"name": …,
// "thresholds": 0.5, "class_id": 3}}.
func MarshalConfig(m Metric) ([]byte, error) {
	switch v := m.(type) {
	case *Accuracy:
		if _, ok := registry[v.name]; ok {
			return json.Marshal(v.name)
		}
	case *MeanSquaredError:
		if _, ok := registry[v.name]; ok {
			return json.Marshal(v.name)
		}
	case *MeanError:
		if _, ok := registry[v.name]; ok {
			return json.Marshal(v.name)
		}
	case *R2Score:
		if _, ok := registry[v.name]; ok {
			return json.Marshal(v.name)
		}
	case *TopKAccuracy:
		if _, ok := registry[v.name]; ok && v.k == 5 {
			return json.Marshal(v.name)
		}
	case *AUC:
		if v.name == "auc" && v.curve == "ROC" && v.summation == "interpolation" && len(v.thresholds) == 200 {
			return json.Marshal(v.name)
		}
	case *Precision:
		return marshalConfusion("Precision", &v.confusion)
	case *Recall:
		return marshalConfusion("Recall", &v.confusion)
	}
	if b, ok, err := marshalArgs(m); ok {
		return b, err
	}
	return nil, fmt.Errorf("metrics: %T (%q) cannot be saved (only the built-in metrics can)", m, m.Name())
}

func marshalConfusion(class string, c *confusion) ([]byte, error) {
	def := newConfusion(c.name, nil)
	if _, ok := registry[c.name]; ok && c.threshold == def.threshold && c.classID == -1 && (c.name == "precision") == (class == "Precision") {
		return json.Marshal(c.name)
	}
	th := c.threshold
	cfg := confusionConfig{Name: c.name, DType: "float32", Thresholds: &th}
	if c.classID >= 0 {
		k := c.classID
		cfg.ClassID = &k
	}
	body, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("metrics: %s: %w", class, err)
	}
	return json.Marshal(savedMetric{class, body})
}

// UnmarshalConfig builds a metric from the output of MarshalConfig.
// Unknown names, classes and keys are errors.
func UnmarshalConfig(data []byte) (Metric, error) {
	if len(data) > 0 && data[0] == '"' {
		var name string
		if err := strictjson.Decode(data, &name); err != nil {
			return nil, fmt.Errorf("metrics: %w", err)
		}
		return Get(name)
	}
	var s savedMetric
	if err := strictjson.Decode(data, &s); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	if s.Config == nil {
		return nil, fmt.Errorf("metrics: %s: config is missing", s.ClassName)
	}
	if s.ClassName != "Precision" && s.ClassName != "Recall" {
		m, ok, err := unmarshalArgs(s.ClassName, s.Config)
		if !ok {
			return nil, fmt.Errorf("metrics: %w class %q (known: AUC, F1Score, FBetaScore, FalseNegatives, FalsePositives, MeanIoU, Precision, PrecisionAtRecall, Recall, RecallAtPrecision, SparseTopKCategoricalAccuracy, TopKCategoricalAccuracy, TrueNegatives, TruePositives, or a metric name)", ErrUnknownName, s.ClassName)
		}
		if err != nil {
			return nil, fmt.Errorf("metrics: %s: %w", s.ClassName, err)
		}
		return m, nil
	}
	var c confusionConfig
	if err := decodeConfig(s.Config, &c); err != nil {
		return nil, fmt.Errorf("metrics: %s: %w", s.ClassName, err)
	}
	if c.TopK != nil {
		return nil, fmt.Errorf("metrics: %s: top_k is not supported here, got %d", s.ClassName, *c.TopK)
	}
	if c.Name == "" {
		return nil, fmt.Errorf("metrics: %s: name is missing or empty", s.ClassName)
	}
	th := float32(0.5)
	if c.Thresholds != nil {
		th = *c.Thresholds
	}
	if !(th >= 0 && th <= 1) {
		return nil, fmt.Errorf("metrics: %s: thresholds must be in [0, 1], got %v", s.ClassName, th)
	}
	opts := []ConfusionOption{WithName(c.Name), WithThreshold(float64(th))}
	if c.ClassID != nil {
		if *c.ClassID < 0 {
			return nil, fmt.Errorf("metrics: %s: class_id must be >= 0, got %d", s.ClassName, *c.ClassID)
		}
		opts = append(opts, WithClassID(*c.ClassID))
	}
	if s.ClassName == "Precision" {
		return NewPrecision(opts...), nil
	}
	return NewRecall(opts...), nil
}

// Running states. Counts are float64 and stored exactly (strictjson.Float).

type accuracyState struct {
	Kind    int              `json:"kind"`
	Correct strictjson.Float `json:"correct"`
	Total   strictjson.Float `json:"total"`
}

// MarshalBinary implements encoding.BinaryMarshaler: the running counts
// (not the name, which is configuration).
func (a *Accuracy) MarshalBinary() ([]byte, error) {
	return json.Marshal(accuracyState{int(a.kind), strictjson.Float(a.correct), strictjson.Float(a.total)})
}

// UnmarshalBinary implements encoding.BinaryUnmarshaler: it restores
// counts saved by MarshalBinary.
func (a *Accuracy) UnmarshalBinary(b []byte) error {
	var s accuracyState
	if err := strictjson.Decode(b, &s); err != nil {
		return fmt.Errorf("metrics: %s state: %w", a.name, err)
	}
	if err := checkKind(s.Kind); err != nil {
		return fmt.Errorf("metrics: %s state: %w", a.name, err)
	}
	a.kind, a.correct, a.total = accuracyKind(s.Kind), float64(s.Correct), float64(s.Total)
	return nil
}

func checkKind(k int) error {
	if k < int(kindAuto) || k > int(kindBinary) {
		return fmt.Errorf("kind must be in [0, 3], got %d", k)
	}
	return nil
}

type mseState struct {
	Sum   strictjson.Float `json:"sum"`
	Count strictjson.Float `json:"count"`
}

// MarshalBinary implements encoding.BinaryMarshaler: the running sums.
func (m *MeanSquaredError) MarshalBinary() ([]byte, error) {
	return json.Marshal(mseState{strictjson.Float(m.sum), strictjson.Float(m.count)})
}

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *MeanSquaredError) UnmarshalBinary(b []byte) error {
	var s mseState
	if err := strictjson.Decode(b, &s); err != nil {
		return fmt.Errorf("metrics: %s state: %w", m.name, err)
	}
	m.sum, m.count = float64(s.Sum), float64(s.Count)
	return nil
}

type confusionState struct {
	Kind int                `json:"kind"`
	TP   strictjson.Float   `json:"tp"`
	FP   strictjson.Float   `json:"fp"`
	FN   strictjson.Float   `json:"fn"`
	CTP  []strictjson.Float `json:"class_tp"`
	CFP  []strictjson.Float `json:"class_fp"`
	CFN  []strictjson.Float `json:"class_fn"`
}

func floats(v []float64) []strictjson.Float {
	out := make([]strictjson.Float, len(v))
	for i, x := range v {
		out[i] = strictjson.Float(x)
	}
	return out
}

// unfloats converts back; an empty list is nil, as before the first batch.
func unfloats(v []strictjson.Float) []float64 {
	if len(v) == 0 {
		return nil
	}
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// MarshalBinary implements encoding.BinaryMarshaler for Precision and
// Recall: the running counts.
func (c *confusion) MarshalBinary() ([]byte, error) {
	return json.Marshal(confusionState{int(c.kind), strictjson.Float(c.tp), strictjson.Float(c.fp), strictjson.Float(c.fn),
		floats(c.ctp), floats(c.cfp), floats(c.cfn)})
}

// UnmarshalBinary implements encoding.BinaryUnmarshaler for Precision and
// Recall.
func (c *confusion) UnmarshalBinary(b []byte) error {
	var s confusionState
	if err := strictjson.Decode(b, &s); err != nil {
		return fmt.Errorf("metrics: %s state: %w", c.name, err)
	}
	if err := checkKind(s.Kind); err != nil {
		return fmt.Errorf("metrics: %s state: %w", c.name, err)
	}
	if len(s.CTP) != len(s.CFP) || len(s.CTP) != len(s.CFN) {
		return fmt.Errorf("metrics: %s state: class_tp, class_fp and class_fn have %d, %d and %d entries, want the same number",
			c.name, len(s.CTP), len(s.CFP), len(s.CFN))
	}
	if c.classID >= 0 && len(s.CTP) > 0 && c.classID >= len(s.CTP) {
		return fmt.Errorf("metrics: %s state: counts for %d classes, but the metric watches class %d", c.name, len(s.CTP), c.classID)
	}
	c.kind = accuracyKind(s.Kind)
	c.tp, c.fp, c.fn = float64(s.TP), float64(s.FP), float64(s.FN)
	c.ctp, c.cfp, c.cfn = unfloats(s.CTP), unfloats(s.CFP), unfloats(s.CFN)
	return nil
}
