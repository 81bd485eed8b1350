package metrics_test

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/tensor"
)

// TestFBetaAgainstSklearn checks FBetaScore and F1Score against
// scikit-learn's fbeta_score (testdata/gen/metrics_fscore_ref.py), to
// within Keras's ε = 1e-7 in the divisions, fed in two batches, and a
// state saved after the first batch.
func TestFBetaAgainstSklearn(t *testing.T) {
	b, err := os.ReadFile("testdata/fscore_ref.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		YTrue        []float64 `json:"y_true"`
		YPred        []float64 `json:"y_pred"`
		Rows         int
		Classes      int
		SampleWeight []float64 `json:"sample_weight"`
		Cases        []struct {
			Beta     float64
			Average  string
			Weighted bool
			Want     []float64
		}
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	n, k := ref.Rows, ref.Classes
	yt, yp, w := f32s(ref.YTrue), f32s(ref.YPred), f32s(ref.SampleWeight)
	half := n / 2
	for _, c := range ref.Cases {
		newM := func() *metrics.FBetaScore {
			var m *metrics.FBetaScore
			var err error
			if c.Beta == 1 {
				m, err = metrics.NewF1Score(metrics.FBetaConfig{Average: c.Average})
			} else {
				m, err = metrics.NewFBetaScore(metrics.FBetaConfig{Average: c.Average, Beta: c.Beta})
			}
			if err != nil {
				t.Fatal(err)
			}
			return m
		}
		feed := func(m *metrics.FBetaScore, lo, hi int) {
			a, p := tensor.FromSlice(yt[lo*k:hi*k], hi-lo, k), tensor.FromSlice(yp[lo*k:hi*k], hi-lo, k)
			if c.Weighted {
				m.UpdateWeighted(a, p, tensor.FromSlice(w[lo:hi], hi-lo))
			} else {
				m.Update(a, p)
			}
		}
		m := newM()
		feed(m, 0, half)
		saved, err := m.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		feed(m, half, n)
		got := m.Values()
		if c.Average == "macro" || c.Average == "weighted" {
			got = []float64{m.Result()}
		}
		if len(got) != len(c.Want) {
			t.Fatalf("beta %v average %q: %d values, want %d", c.Beta, c.Average, len(got), len(c.Want))
		}
		for i := range got {
			if math.Abs(got[i]-c.Want[i]) > 1e-6 {
				t.Errorf("beta %v average %q weighted %v: %v, scikit-learn %v", c.Beta, c.Average, c.Weighted, got, c.Want)
				break
			}
		}
		r := newM()
		if err := r.UnmarshalBinary(saved); err != nil {
			t.Fatal(err)
		}
		feed(r, half, n)
		if r.Result() != m.Result() {
			t.Errorf("restored %v, uninterrupted %v", r.Result(), m.Result())
		}
	}
	if _, err := metrics.NewFBetaScore(metrics.FBetaConfig{Average: "samples"}); err == nil {
		t.Error(`Average "samples": no error`)
	}
}
