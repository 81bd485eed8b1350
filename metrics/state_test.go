package metrics_test

import (
	"encoding"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/tensor"
)

func savableMetrics() []metrics.Metric {
	return []metrics.Metric{
		metrics.NewAccuracy(),
		metrics.NewSparseCategoricalAccuracy(),
		metrics.NewCategoricalAccuracy(),
		metrics.NewBinaryAccuracy(),
		metrics.NewMeanSquaredError(),
		metrics.NewPrecision(),
		metrics.NewRecall(),
		metrics.NewPrecision(metrics.WithThreshold(0.3), metrics.WithClassID(1), metrics.WithName("p1")),
		metrics.NewRecall(metrics.WithName("r")),
		metrics.NewMeanAbsoluteError(),
		metrics.NewMeanAbsolutePercentageError(),
		metrics.NewRootMeanSquaredError(),
		metrics.NewR2Score(),
		metrics.NewTopKCategoricalAccuracy(5),
		metrics.NewSparseTopKCategoricalAccuracy(5),
	}
}

func TestConfigRoundTrip(t *testing.T) {
	for _, m := range savableMetrics() {
		b, err := metrics.MarshalConfig(m)
		if err != nil {
			t.Fatalf("%s: %v", m.Name(), err)
		}
		got, err := metrics.UnmarshalConfig(b)
		if err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		b2, _ := metrics.MarshalConfig(got)
		if string(b) != string(b2) || got.Name() != m.Name() {
			t.Errorf("%s → %s (%s)", b, b2, got.Name())
		}
	}
	if b, _ := metrics.MarshalConfig(metrics.NewAccuracy()); string(b) != `"accuracy"` {
		t.Errorf("accuracy saves as %s", b)
	}
	b, _ := metrics.MarshalConfig(metrics.NewPrecision(metrics.WithClassID(2)))
	if want := `{"class_name":"Precision","config":{"name":"precision","dtype":"float32","thresholds":0.5,"top_k":null,"class_id":2}}`; string(b) != want {
		t.Errorf("got %s, want %s", b, want)
	}
}

// TestStateRoundTrip feeds two batches to a metric, or one batch, a save
// and a restore into a fresh metric and the second batch: the results
// must be equal.
func TestStateRoundTrip(t *testing.T) {
	yTrue := tensor.FromSlice([]float32{0, 1, 2, 1}, 4)
	yPred := tensor.FromSlice([]float32{0.8, 0.1, 0.1, 0.2, 0.7, 0.1, 0.5, 0.4, 0.1, 0.3, 0.3, 0.4}, 4, 3)
	yBin := tensor.FromSlice([]float32{1, 0, 1, 1}, 4, 1)
	pBin := tensor.FromSlice([]float32{0.9, 0.2, 0.4, 0.6}, 4, 1)
	fresh := savableMetrics()
	for i, m := range savableMetrics() {
		yt, yp := yTrue, yPred
		switch m.Name() {
		case "binary_accuracy", "mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error", "root_mean_squared_error", "r2_score":
			yt, yp = yBin, pBin
		case "categorical_accuracy", "top_k_categorical_accuracy":
			yt = tensor.FromSlice([]float32{1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0}, 4, 3)
		}
		m.Update(yt, yp)
		st, err := m.(encoding.BinaryMarshaler).MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		m.Update(yt, yp)
		r := fresh[i]
		if err := r.(encoding.BinaryUnmarshaler).UnmarshalBinary(st); err != nil {
			t.Fatalf("%s: %v", m.Name(), err)
		}
		r.Update(yt, yp)
		if r.Result() != m.Result() {
			t.Errorf("%s: restored %v, uninterrupted %v", m.Name(), r.Result(), m.Result())
		}
	}
	bad := []struct {
		m    metrics.Metric
		st   string
		want string
	}{
		{metrics.NewAccuracy(), `{"kind": 9, "correct": 1, "total": 2}`, "kind must be in [0, 3]"},
		{metrics.NewAccuracy(), `{"kind": 0, "correct": 1, "total": 2, "x": 1}`, `unknown key "x"`},
		{metrics.NewPrecision(), `{"kind": 1, "tp": 0, "fp": 0, "fn": 0, "class_tp": [1], "class_fp": [], "class_fn": [1]}`, "want the same number"},
		{metrics.NewPrecision(metrics.WithClassID(4)), `{"kind": 1, "tp": 0, "fp": 0, "fn": 0, "class_tp": [1], "class_fp": [1], "class_fn": [1]}`, "watches class 4"},
		{metrics.NewMeanSquaredError(), `{"sum": "lots", "count": 1}`, "sum: want a number"},
	}
	for _, c := range bad {
		err := c.m.(encoding.BinaryUnmarshaler).UnmarshalBinary([]byte(c.st))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.st, err, c.want)
		}
	}
}

func TestUnmarshalConfigRejects(t *testing.T) {
	cases := []struct{ in, want string }{
		{`"aucc"`, `unknown metric "aucc"`},
		{`{"class_name": "SpecificityAtSensitivity", "config": {}}`, `unknown metric class "SpecificityAtSensitivity"`},
		{`{"class_name": "Precision"}`, `config is missing`},
		{`{"class_name": "Precision", "config": {"name": "p", "thresholds": 2}}`, `thresholds must be in [0, 1]`},
		{`{"class_name": "Recall", "config": {"name": "r", "class_id": -1}}`, `class_id must be >= 0`},
		{`{"class_name": "Recall", "config": {"thresholds": 0.5}}`, `name is missing`},
		{`{"class_name": "Recall", "config": {"name": "r", "top_k": 1}}`, `top_k is not supported here, got 1`},
		{`{"class_name": "Recall", "config": {"name": "r", "top_kk": 1}}`, `unknown key "top_kk"`},
		{`{"class_name": "Recall", "config": {"name": "r", "dtype": "int32"}}`, `dtype must be a float type, got "int32"`},
		{`{"class_name": "AUC", "config": {"multi_label": true}}`, `multi_label=true and from_logits=false: only false is supported here`},
		{`{"class_name": "AUC", "config": {"num_thresholds": 1}}`, `NumThresholds must be > 1, got 1`},
		{`{"class_name": "MeanIoU", "config": {"num_classes": 3, "ignore_class": 255}}`, `ignore_class is not supported here, got 255`},
		{`{"class_name": "MeanIoU", "config": {}}`, `NumClasses must be > 0, got 0`},
		{`{"class_name": "F1Score", "config": {"beta": 2}}`, `F1Score takes no beta, got 2`},
		{`{"class_name": "FBetaScore", "config": {"average": "median"}}`, `Average must be`},
		{`{"class_name": "TruePositives", "config": {"thresholds": [0.5, 0.2]}}`, `thresholds must increase`},
		{`{"class_name": "TruePositives", "config": {"thresholds": "half"}}`, `thresholds: want a number or a list of numbers`},
		{`{"class_name": "PrecisionAtRecall", "config": {"precision": 0.5}}`, `PrecisionAtRecall takes recall`},
		{`{"class_name": "RecallAtPrecision", "config": {"precision": 1.5}}`, `the target must be in [0, 1], got 1.5`},
		{`{"class_name": "TopKCategoricalAccuracy", "config": {"k": 0}}`, `k must be >= 1, got 0`},
	}
	for _, c := range cases {
		_, err := metrics.UnmarshalConfig([]byte(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.in, err, c.want)
		}
	}
}
