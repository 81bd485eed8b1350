package metrics_test

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/tensor"
)

// TestCountsAndConstraintsAgainstSklearn checks TruePositives …
// FalseNegatives against scikit-learn's confusion_matrix (with and without
// sample weights) and PrecisionAtRecall and RecallAtPrecision against its
// precision_recall_curve, from testdata/auc_ref.json
// (testdata/gen/metrics_auc_ref.py).
func TestCountsAndConstraintsAgainstSklearn(t *testing.T) {
	b, err := os.ReadFile("testdata/auc_ref.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		YTrue        []float64 `json:"y_true"`
		YPred        []float64 `json:"y_pred"`
		SampleWeight []float64 `json:"sample_weight"`
		Counts       []struct {
			Threshold      float64
			Weighted       bool
			TP, FP, TN, FN float64
		}
		At []struct {
			Kind   string
			Target float64
			Want   float64
		}
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	n := len(ref.YTrue)
	yt := tensor.FromSlice(f32s(ref.YTrue), n, 1)
	yp := tensor.FromSlice(f32s(ref.YPred), n, 1)
	sw := tensor.FromSlice(f32s(ref.SampleWeight), n)
	for _, c := range ref.Counts {
		tp, _ := metrics.NewTruePositives(c.Threshold)
		fp, _ := metrics.NewFalsePositives(c.Threshold)
		tn, _ := metrics.NewTrueNegatives(c.Threshold)
		fn, _ := metrics.NewFalseNegatives(c.Threshold)
		for i, m := range []*metrics.ConfusionCount{tp, fp, tn, fn} {
			if c.Weighted {
				m.UpdateWeighted(yt, yp, sw)
			} else {
				m.Update(yt, yp)
			}
			want := []float64{c.TP, c.FP, c.TN, c.FN}[i]
			if got := m.Result(); math.Abs(got-want) > 1e-9*(1+want) {
				t.Errorf("%s at %v (weighted %v) = %v, scikit-learn %v", m.Name(), c.Threshold, c.Weighted, got, want)
			}
		}
	}
	for _, c := range ref.At {
		var m metrics.Metric
		if c.Kind == "precision_at_recall" {
			m, _ = metrics.NewPrecisionAtRecall(c.Target, 1001)
		} else {
			m, _ = metrics.NewRecallAtPrecision(c.Target, 1001)
		}
		m.Update(yt, yp)
		if got := m.Result(); math.Abs(got-c.Want) > 1e-12 {
			t.Errorf("%s(%v) = %v, scikit-learn's curve gives %v", c.Kind, c.Target, got, c.Want)
		}
	}
	if _, err := metrics.NewTruePositives(1.5); err == nil {
		t.Error("NewTruePositives(1.5): no error")
	}
	if _, err := metrics.NewPrecisionAtRecall(-0.1, 0); err == nil {
		t.Error("NewPrecisionAtRecall(-0.1): no error")
	}
}
