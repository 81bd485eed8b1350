package metrics_test

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/tensor"
)

func f32s(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// TestAUCAgainstReference checks AUC against testdata/auc_ref.json
// (testdata/gen/metrics_auc_ref.py): scikit-learn's roc_auc_score, which a
// 1001-threshold AUC reproduces on predictions between its thresholds, and
// Keras's formulas for the default 200 thresholds, ROC and PR, each
// summation method, with and without sample weights, fed in three batches;
// and that a state saved in the middle restores the same result bit for bit.
func TestAUCAgainstReference(t *testing.T) {
	b, err := os.ReadFile("testdata/auc_ref.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		YTrue, YPred, SampleWeight []float64
		Cases                      []struct {
			Name          string
			NumThresholds int `json:"num_thresholds"`
			Curve         string
			Summation     string
			Weighted      bool
			Want          float64
		}
	}
	ref.YTrue, ref.YPred, ref.SampleWeight = nil, nil, nil
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	for k, dst := range map[string]*[]float64{"y_true": &ref.YTrue, "y_pred": &ref.YPred, "sample_weight": &ref.SampleWeight} {
		if err := json.Unmarshal(raw[k], dst); err != nil {
			t.Fatal(err)
		}
	}
	if err := json.Unmarshal(raw["cases"], &ref.Cases); err != nil {
		t.Fatal(err)
	}
	n := len(ref.YTrue)
	y, p, w := f32s(ref.YTrue), f32s(ref.YPred), f32s(ref.SampleWeight)
	for _, c := range ref.Cases {
		t.Run(c.Name, func(t *testing.T) {
			a, err := metrics.NewAUC(metrics.AUCConfig{NumThresholds: c.NumThresholds, Curve: c.Curve, SummationMethod: c.Summation})
			if err != nil {
				t.Fatal(err)
			}
			var saved []byte
			for lo := 0; lo < n; lo += 128 {
				hi := min(lo+128, n)
				yt := tensor.FromSlice(y[lo:hi], hi-lo, 1)
				yp := tensor.FromSlice(p[lo:hi], hi-lo, 1)
				if c.Weighted {
					a.UpdateWeighted(yt, yp, tensor.FromSlice(w[lo:hi], hi-lo))
				} else {
					a.Update(yt, yp)
				}
				if lo == 128 {
					if saved, err = a.MarshalBinary(); err != nil {
						t.Fatal(err)
					}
				}
			}
			got := a.Result()
			if math.Abs(got-c.Want) > 1e-9 {
				t.Errorf("AUC = %.12f, reference %.12f", got, c.Want)
			}
			r, _ := metrics.NewAUC(metrics.AUCConfig{NumThresholds: c.NumThresholds, Curve: c.Curve, SummationMethod: c.Summation})
			if err := r.UnmarshalBinary(saved); err != nil {
				t.Fatal(err)
			}
			yt := tensor.FromSlice(y[256:], n-256, 1)
			yp := tensor.FromSlice(p[256:], n-256, 1)
			if c.Weighted {
				r.UpdateWeighted(yt, yp, tensor.FromSlice(w[256:], n-256))
			} else {
				r.Update(yt, yp)
			}
			if r.Result() != got {
				t.Errorf("restored AUC %v, uninterrupted %v", r.Result(), got)
			}
		})
	}
	if _, err := metrics.NewAUC(metrics.AUCConfig{Curve: "PRGAIN"}); err == nil {
		t.Error("NewAUC with Curve PRGAIN: no error")
	}
	if _, err := metrics.NewAUC(metrics.AUCConfig{NumThresholds: 1}); err == nil {
		t.Error("NewAUC with 1 threshold: no error")
	}
	a, _ := metrics.NewAUC(metrics.AUCConfig{})
	yt, yp := tensor.FromSlice(y[:64], 64, 1), tensor.FromSlice(p[:64], 64, 1)
	if allocs := testing.AllocsPerRun(10, func() { a.Update(yt, yp); _ = a.Result() }); allocs != 0 {
		t.Errorf("AUC Update and Result allocate %v times, want 0", allocs)
	}
}
