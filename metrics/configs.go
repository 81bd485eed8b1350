package metrics

import (
	"encoding/json"
	"fmt"

	"github.com/neuron-go/neuron/internal/strictjson"
)

// Keras configs of the metrics that take arguments, with Keras 3's keys
// (keras/src/metrics/*.py get_config). Keys Keras writes for options
// neuron does not have (AUC's multi_label, MeanIoU's ignore_class, …) are
// read, and a value other than Keras's default is refused by name rather
// than dropped.

type aucConfig struct {
	Name            string `json:"name"`
	DType           string `json:"dtype"`
	NumThresholds   int    `json:"num_thresholds"`
	Curve           string `json:"curve"`
	SummationMethod string `json:"summation_method"`
	MultiLabel      bool   `json:"multi_label"`
	NumLabels       *int   `json:"num_labels"`
	LabelWeights    *[]any `json:"label_weights"`
	FromLogits      bool   `json:"from_logits"`
	Thresholds      *[]any `json:"thresholds,omitempty"`
}

type fbetaConfig struct {
	Name      string   `json:"name"`
	DType     string   `json:"dtype"`
	Average   *string  `json:"average"`
	Beta      *float64 `json:"beta,omitempty"` // F1Score has none
	Threshold *float64 `json:"threshold"`
}

type meanIoUConfig struct {
	NumClasses  int    `json:"num_classes"`
	Name        string `json:"name"`
	DType       string `json:"dtype"`
	IgnoreClass *int   `json:"ignore_class"`
	SparseYTrue bool   `json:"sparse_y_true"`
	SparseYPred bool   `json:"sparse_y_pred"`
	Axis        int    `json:"axis"`
}

type countConfig struct {
	Name       string          `json:"name"`
	DType      string          `json:"dtype"`
	Thresholds json.RawMessage `json:"thresholds"` // a number or a list
}

type atConfig struct {
	Name          string   `json:"name"`
	DType         string   `json:"dtype"`
	NumThresholds int      `json:"num_thresholds"`
	Recall        *float64 `json:"recall,omitempty"`
	Precision     *float64 `json:"precision,omitempty"`
	ClassID       *int     `json:"class_id"`
}

type topKConfig struct {
	Name          string `json:"name"`
	DType         string `json:"dtype"`
	K             int    `json:"k"`
	FromSortedIDs bool   `json:"from_sorted_ids,omitempty"`
}

// countClasses are the Keras classes of the ConfusionCount kinds.
var countClasses = [...]string{countTP: "TruePositives", countFP: "FalsePositives", countTN: "TrueNegatives", countFN: "FalseNegatives"}

// marshalArgs returns the saved form of the metrics with arguments, or
// false for the others.
func marshalArgs(m Metric) ([]byte, bool, error) {
	var class string
	var cfg any
	switch v := m.(type) {
	case *AUC:
		class = "AUC"
		cfg = aucConfig{Name: v.name, DType: "float32", NumThresholds: len(v.thresholds), Curve: v.curve, SummationMethod: v.summation}
	case *FBetaScore:
		c := fbetaConfig{Name: v.name, DType: "float32"}
		if v.average != "" {
			c.Average = &v.average
		}
		if v.threshold != 0 {
			c.Threshold = &v.threshold
		}
		class = "F1Score"
		if v.beta != 1 || v.name == "fbeta_score" {
			class, c.Beta = "FBetaScore", &v.beta
		}
		cfg = c
	case *MeanIoU:
		class = "MeanIoU"
		cfg = meanIoUConfig{NumClasses: v.classes, Name: v.name, DType: "float32", SparseYTrue: !v.oneHotTrue, SparseYPred: !v.oneHotPred, Axis: -1}
	case *ConfusionCount:
		class = countClasses[v.kind]
		// float32, as kept, so that 0.3 is written 0.3.
		var th any = v.c.thresholds[0]
		if len(v.c.thresholds) > 1 {
			th = v.c.thresholds
		}
		b, _ := json.Marshal(th)
		cfg = countConfig{Name: v.c.name, DType: "float32", Thresholds: b}
	case *AtConstraint:
		c := atConfig{Name: v.c.name, DType: "float32", NumThresholds: len(v.c.thresholds)}
		t := v.target
		if v.recall {
			class, c.Recall = "PrecisionAtRecall", &t
		} else {
			class, c.Precision = "RecallAtPrecision", &t
		}
		cfg = c
	case *TopKAccuracy:
		class = "TopKCategoricalAccuracy"
		if v.sparse {
			class = "SparseTopKCategoricalAccuracy"
		}
		cfg = topKConfig{Name: v.name, DType: "float32", K: v.k}
	default:
		return nil, false, nil
	}
	body, err := json.Marshal(cfg)
	if err != nil {
		return nil, true, fmt.Errorf("metrics: %s: %w", class, err)
	}
	b, err := json.Marshal(savedMetric{class, body})
	return b, true, err
}

// unmarshalArgs builds a metric with arguments from its Keras class and
// config, or returns false for a class it does not know.
func unmarshalArgs(class string, raw json.RawMessage) (Metric, bool, error) {
	decode := func(v any) error { return decodeConfig(raw, v) }
	switch class {
	case "AUC":
		c := aucConfig{NumThresholds: 200, Curve: "ROC", SummationMethod: "interpolation"}
		if err := decode(&c); err != nil {
			return nil, true, err
		}
		if c.MultiLabel || c.FromLogits {
			return nil, true, fmt.Errorf("multi_label=%v and from_logits=%v: only false is supported here", c.MultiLabel, c.FromLogits)
		}
		if c.NumLabels != nil || c.LabelWeights != nil || c.Thresholds != nil {
			return nil, true, fmt.Errorf("num_labels, label_weights and thresholds are not supported here, got %v, %v, %v", deref(c.NumLabels), deref(c.LabelWeights), deref(c.Thresholds))
		}
		m, err := NewAUC(AUCConfig{Name: nonEmpty(c.Name, "auc"), NumThresholds: c.NumThresholds, Curve: c.Curve, SummationMethod: c.SummationMethod})
		return m, true, err
	case "FBetaScore", "F1Score":
		var c fbetaConfig
		if err := decode(&c); err != nil {
			return nil, true, err
		}
		cfg := FBetaConfig{Name: c.Name}
		if c.Average != nil {
			cfg.Average = *c.Average
		}
		if c.Threshold != nil {
			if *c.Threshold == 0 {
				return nil, true, fmt.Errorf("threshold must be null or in (0, 1], got 0")
			}
			cfg.Threshold = *c.Threshold
		}
		if class == "F1Score" {
			if c.Beta != nil {
				return nil, true, fmt.Errorf("F1Score takes no beta, got %v", *c.Beta)
			}
			m, err := NewF1Score(cfg)
			return m, true, err
		}
		if c.Beta != nil {
			cfg.Beta = *c.Beta
			if cfg.Beta == 0 {
				return nil, true, fmt.Errorf("beta must be > 0, got 0")
			}
		}
		m, err := NewFBetaScore(cfg)
		return m, true, err
	case "MeanIoU":
		c := meanIoUConfig{SparseYTrue: true, SparseYPred: true, Axis: -1}
		if err := decode(&c); err != nil {
			return nil, true, err
		}
		if c.IgnoreClass != nil {
			return nil, true, fmt.Errorf("ignore_class is not supported here, got %d", *c.IgnoreClass)
		}
		if c.Axis != -1 {
			return nil, true, fmt.Errorf("axis must be -1, got %d", c.Axis)
		}
		m, err := NewMeanIoU(MeanIoUConfig{NumClasses: c.NumClasses, Name: c.Name, OneHotTrue: !c.SparseYTrue, OneHotPred: !c.SparseYPred})
		return m, true, err
	case "TruePositives", "FalsePositives", "TrueNegatives", "FalseNegatives":
		var c countConfig
		if err := decode(&c); err != nil {
			return nil, true, err
		}
		var th []float64
		if len(c.Thresholds) > 0 && string(c.Thresholds) != "null" {
			var one float64
			if err := decodeConfig(c.Thresholds, &one); err != nil {
				if err := decodeConfig(c.Thresholds, &th); err != nil {
					return nil, true, fmt.Errorf("thresholds: want a number or a list of numbers, got %s", c.Thresholds)
				}
			} else {
				th = []float64{one}
			}
		}
		var kind countKind
		for k, name := range countClasses {
			if name == class {
				kind = countKind(k)
			}
		}
		m, err := newCount(nonEmpty(c.Name, defaultCountName(kind)), kind, th)
		return m, true, err
	case "PrecisionAtRecall", "RecallAtPrecision":
		c := atConfig{NumThresholds: 200}
		if err := decode(&c); err != nil {
			return nil, true, err
		}
		if c.ClassID != nil {
			return nil, true, fmt.Errorf("class_id is not supported here, got %d", *c.ClassID)
		}
		recall := class == "PrecisionAtRecall"
		key, name, target, other := "recall", "precision_at_recall", c.Recall, c.Precision
		if !recall {
			key, name, target, other = "precision", "recall_at_precision", c.Precision, c.Recall
		}
		if target == nil || other != nil {
			return nil, true, fmt.Errorf("%s takes %s (and not the other), got recall=%v, precision=%v", class, key, deref(c.Recall), deref(c.Precision))
		}
		if c.NumThresholds < 2 {
			return nil, true, fmt.Errorf("num_thresholds must be > 1, got %d", c.NumThresholds)
		}
		m, err := newAt(nonEmpty(c.Name, name), *target, c.NumThresholds, recall)
		return m, true, err
	case "TopKCategoricalAccuracy", "SparseTopKCategoricalAccuracy":
		c := topKConfig{K: 5}
		if err := decode(&c); err != nil {
			return nil, true, err
		}
		if c.FromSortedIDs {
			return nil, true, fmt.Errorf("from_sorted_ids is not supported here")
		}
		if c.K < 1 {
			return nil, true, fmt.Errorf("k must be >= 1, got %d", c.K)
		}
		m := NewTopKCategoricalAccuracy(c.K)
		if class == "SparseTopKCategoricalAccuracy" {
			m = NewSparseTopKCategoricalAccuracy(c.K)
		}
		if c.Name != "" {
			m.name = c.Name
		}
		return m, true, nil
	}
	return nil, false, nil
}

func defaultCountName(k countKind) string {
	return [...]string{countTP: "true_positives", countFP: "false_positives", countTN: "true_negatives", countFN: "false_negatives"}[k]
}

func nonEmpty(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// checkDType accepts Keras's float dtypes for a metric's variables.
func checkDType(d string) error {
	switch d {
	case "", "float32", "float64", "float16", "bfloat16":
		return nil
	}
	return fmt.Errorf("dtype must be a float type, got %q", d)
}

// decodeConfig decodes a metric's config strictly (unknown and repeated
// keys are errors) and checks its dtype.
func decodeConfig(raw json.RawMessage, v any) error {
	if err := strictjson.Decode(raw, v); err != nil {
		return err
	}
	var d struct {
		DType string `json:"dtype"`
	}
	if json.Unmarshal(raw, &d) == nil {
		return checkDType(d.DType)
	}
	return nil
}
