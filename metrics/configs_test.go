package metrics_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/neuron-go/neuron/metrics"
)

// TestArgumentMetricConfigs saves the metrics that take arguments, checks
// each config against the one Keras 3 writes for the same metric (keys and
// values of get_config in keras/src/metrics/*.py, None as null), and reads
// it back to the same config.
func TestArgumentMetricConfigs(t *testing.T) {
	must := func(m metrics.Metric, err error) metrics.Metric {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	tp := func(th ...float64) metrics.Metric { return must(metrics.NewTruePositives(th...)) }
	for _, c := range []struct {
		m    metrics.Metric
		want string // Keras's config of the same metric
	}{
		{must(metrics.NewAUC(metrics.AUCConfig{NumThresholds: 50, Curve: "PR"})),
			`{"class_name":"AUC","config":{"name":"auc","dtype":"float32","num_thresholds":50,"curve":"PR","summation_method":"interpolation","multi_label":false,"num_labels":null,"label_weights":null,"from_logits":false}}`},
		{must(metrics.NewF1Score(metrics.FBetaConfig{Average: "macro", Threshold: 0.4})),
			`{"class_name":"F1Score","config":{"name":"f1_score","dtype":"float32","average":"macro","threshold":0.4}}`},
		{must(metrics.NewFBetaScore(metrics.FBetaConfig{Beta: 2})),
			`{"class_name":"FBetaScore","config":{"name":"fbeta_score","dtype":"float32","average":null,"beta":2,"threshold":null}}`},
		{must(metrics.NewMeanIoU(metrics.MeanIoUConfig{NumClasses: 4, OneHotPred: true})),
			`{"class_name":"MeanIoU","config":{"num_classes":4,"name":"mean_io_u","dtype":"float32","ignore_class":null,"sparse_y_true":true,"sparse_y_pred":false,"axis":-1}}`},
		{tp(), `{"class_name":"TruePositives","config":{"name":"true_positives","dtype":"float32","thresholds":0.5}}`},
		{tp(0.2, 0.7), `{"class_name":"TruePositives","config":{"name":"true_positives","dtype":"float32","thresholds":[0.2,0.7]}}`},
		{must(metrics.NewFalseNegatives(0.3)), `{"class_name":"FalseNegatives","config":{"name":"false_negatives","dtype":"float32","thresholds":0.3}}`},
		{must(metrics.NewPrecisionAtRecall(0.8, 0)),
			`{"class_name":"PrecisionAtRecall","config":{"name":"precision_at_recall","dtype":"float32","num_thresholds":200,"recall":0.8,"class_id":null}}`},
		{must(metrics.NewRecallAtPrecision(0.6, 100)),
			`{"class_name":"RecallAtPrecision","config":{"name":"recall_at_precision","dtype":"float32","num_thresholds":100,"precision":0.6,"class_id":null}}`},
		{metrics.NewSparseTopKCategoricalAccuracy(2),
			`{"class_name":"SparseTopKCategoricalAccuracy","config":{"name":"sparse_top_k_categorical_accuracy","dtype":"float32","k":2}}`},
	} {
		b, err := metrics.MarshalConfig(c.m)
		if err != nil {
			t.Fatalf("%s: %v", c.m.Name(), err)
		}
		var got, want any
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(c.want), &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got  %s\n want %s", c.m.Name(), b, c.want)
		}
		back, err := metrics.UnmarshalConfig([]byte(c.want))
		if err != nil {
			t.Fatalf("%s: %v", c.want, err)
		}
		b2, _ := metrics.MarshalConfig(back)
		if string(b2) != string(b) || back.Name() != c.m.Name() {
			t.Errorf("round trip: %s → %s", b, b2)
		}
	}
}
