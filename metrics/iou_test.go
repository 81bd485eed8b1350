package metrics_test

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/tensor"
)

// TestMeanIoUAgainstSklearn checks MeanIoU on one-hot targets and softmax
// scores against scikit-learn's jaccard_score and its confusion_matrix
// (testdata/gen/metrics_fscore_ref.py), with and without sample weights.
func TestMeanIoUAgainstSklearn(t *testing.T) {
	b, err := os.ReadFile("testdata/fscore_ref.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		YTrue        []float64 `json:"y_true"`
		YPred        []float64 `json:"y_pred"`
		Rows         int
		Classes      int
		SampleWeight []float64   `json:"sample_weight"`
		IoU          float64     `json:"iou"`
		IoUWeighted  float64     `json:"iou_weighted"`
		CMWeighted   [][]float64 `json:"cm_weighted"`
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	n, k := ref.Rows, ref.Classes
	yt, yp := tensor.FromSlice(f32s(ref.YTrue), n, k), tensor.FromSlice(f32s(ref.YPred), n, k)
	m, err := metrics.NewMeanIoU(metrics.MeanIoUConfig{NumClasses: k, OneHotTrue: true, OneHotPred: true})
	if err != nil {
		t.Fatal(err)
	}
	m.Update(yt, yp)
	if got := m.Result(); math.Abs(got-ref.IoU) > 1e-12 {
		t.Errorf("MeanIoU %v, scikit-learn %v", got, ref.IoU)
	}
	m.Reset()
	m.UpdateWeighted(yt, yp, tensor.FromSlice(f32s(ref.SampleWeight), n))
	if got := m.Result(); math.Abs(got-ref.IoUWeighted) > 1e-9 {
		t.Errorf("weighted MeanIoU %v, scikit-learn %v", got, ref.IoUWeighted)
	}
	for i, row := range m.Matrix() {
		for j, v := range row {
			if math.Abs(v-ref.CMWeighted[i][j]) > 1e-9 {
				t.Fatalf("confusion matrix %v, scikit-learn %v", m.Matrix(), ref.CMWeighted)
			}
		}
	}
	if _, err := metrics.NewMeanIoU(metrics.MeanIoUConfig{}); err == nil {
		t.Error("NewMeanIoU without NumClasses: no error")
	}
}
