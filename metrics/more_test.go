package metrics_test

import (
	"math"
	"testing"

	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/tensor"
)

func closeTo(got, want float64) bool { return math.Abs(got-want) <= 1e-6*math.Max(1, math.Abs(want)) }

// TestRegressionMetrics accumulates two batches; the expected values are
// printed by testdata/gen/metrics_more_ref.py from Keras 3's formulas.
func TestRegressionMetrics(t *testing.T) {
	t1 := tensor.FromSlice([]float32{1, 2, 0, -1, 3, 0.5}, 3, 2)
	p1 := tensor.FromSlice([]float32{1.5, 1, 0.2, -2, 2, 0.5}, 3, 2)
	t2 := tensor.FromSlice([]float32{2, 4}, 1, 2)
	p2 := tensor.FromSlice([]float32{2.5, 3}, 1, 2)
	cases := []struct {
		name string
		want float64
	}{
		{"mean_absolute_error", 0.65},
		{"mae", 0.65},
		{"mean_absolute_percentage_error", 25000035.41666667},
		{"mape", 25000035.41666667},
		{"root_mean_squared_error", 0.7533259586659682},
		{"r2_score", 0.7364109589041096},
	}
	for _, c := range cases {
		m, err := metrics.Get(c.name)
		if err != nil {
			t.Fatal(err)
		}
		if m.Name() != c.name {
			t.Errorf("Get(%q).Name() = %q", c.name, m.Name())
		}
		if m.Result() != 0 {
			t.Errorf("%s before any batch = %v, want 0", c.name, m.Result())
		}
		m.Update(t1, p1)
		m.Update(t2, p2)
		if got := m.Result(); !closeTo(got, c.want) {
			t.Errorf("%s = %.10g, want %.10g", c.name, got, c.want)
		}
		m.Reset()
		m.Update(t2, p2)
		m.Update(t1, p1)
		if got := m.Result(); !closeTo(got, c.want) {
			t.Errorf("%s after Reset, batches swapped = %.10g, want %.10g", c.name, got, c.want)
		}
	}
}

func TestR2ScoreConstantTargets(t *testing.T) {
	m := metrics.NewR2Score()
	m.Update(tensor.FromSlice([]float32{1, 1, 1}, 3, 1), tensor.FromSlice([]float32{1, 2, 1}, 3, 1))
	if got := m.Result(); got != 0 {
		t.Errorf("R2 of constant targets, imperfect predictions = %v, want 0 (Keras maps inf to 0)", got)
	}
	// (n) targets against (n) predictions: one column.
	m = metrics.NewR2Score()
	m.Update(tensor.FromSlice([]float32{1, 2, 3}, 3), tensor.FromSlice([]float32{1, 2, 4}, 3))
	// SS_res = 1, SS_tot = 2.
	if got := m.Result(); !closeTo(got, 0.5) {
		t.Errorf("R2 = %v, want 0.5", got)
	}
}

func TestTopKAccuracy(t *testing.T) {
	scores := tensor.FromSlice([]float32{
		0.1, 0.5, 0.2, 0.2,
		0.4, 0.3, 0.2, 0.1,
		0.25, 0.25, 0.25, 0.25,
		0, 0.1, 0.2, 0.7,
	}, 4, 4)
	labels := []float32{2, 3, 0, 3}
	oneHot := make([]float32, 16)
	for i, c := range labels {
		oneHot[i*4+int(c)] = 1
	}
	for _, k := range []struct {
		k    int
		want float64
	}{{1, 0.5}, {2, 0.75}, {5, 1}} {
		sp := metrics.NewSparseTopKCategoricalAccuracy(k.k)
		cat := metrics.NewTopKCategoricalAccuracy(k.k)
		// Two batches of two rows.
		for b := range 2 {
			sp.Update(tensor.FromSlice(labels[2*b:2*b+2], 2), tensor.FromSlice(scores.Data()[8*b:8*b+8], 2, 4))
			cat.Update(tensor.FromSlice(oneHot[8*b:8*b+8], 2, 4), tensor.FromSlice(scores.Data()[8*b:8*b+8], 2, 4))
		}
		if got := sp.Result(); got != k.want {
			t.Errorf("sparse top-%d = %v, want %v", k.k, got, k.want)
		}
		if got := cat.Result(); got != k.want {
			t.Errorf("top-%d = %v, want %v", k.k, got, k.want)
		}
	}
	for name, k := range map[string]int{"top_k_categorical_accuracy": 5, "sparse_top_k_categorical_accuracy": 5} {
		m, err := metrics.Get(name)
		if err != nil {
			t.Fatal(err)
		}
		if m.Name() != name || m.(*metrics.TopKAccuracy).K() != k {
			t.Errorf("Get(%q) = %q with k %d", name, m.Name(), m.(*metrics.TopKAccuracy).K())
		}
	}
	b, err := metrics.MarshalConfig(metrics.NewTopKCategoricalAccuracy(3))
	if err != nil {
		t.Fatal(err)
	}
	if m, err := metrics.UnmarshalConfig(b); err != nil || m.(*metrics.TopKAccuracy).K() != 3 {
		t.Errorf("top-3 accuracy saved as %s loads as %v, %v", b, m, err)
	}
}

// TestSequenceWeights checks weighted metrics on sequence outputs: one
// weight per example broadcasts along the steps (Keras broadcasts
// sample_weight to the values' shape), one per (example, step) entry (an
// output's mask, as the models give) counts each entry by its own.
func TestSequenceWeights(t *testing.T) {
	// Squared errors per entry: 1, 4 / 9, 16.
	yTrue := tensor.Zeros(2, 2, 1)
	yPred := tensor.FromSlice([]float32{1, 2, 3, 4}, 2, 2, 1)
	perExample := tensor.FromSlice([]float32{3, 1}, 2)
	perEntry := tensor.FromSlice([]float32{1, 0, 1, 0}, 4)
	for _, c := range []struct {
		name string
		w    *tensor.Tensor
		want float64
	}{
		{"per example", perExample, (3*1 + 3*4 + 9 + 16) / 8.0},
		{"per entry", perEntry, (1 + 9) / 2.0},
	} {
		m := metrics.NewMeanSquaredError()
		m.UpdateWeighted(yTrue, yPred, c.w)
		if got := m.Result(); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("mse %s: %v, want %v", c.name, got, c.want)
		}
		e := metrics.NewMeanAbsoluteError()
		e.UpdateWeighted(yTrue, yPred, c.w)
		wantAbs := map[string]float64{"per example": (3*1 + 3*2 + 3 + 4) / 8.0, "per entry": (1 + 3) / 2.0}[c.name]
		if got := e.Result(); math.Abs(got-wantAbs) > 1e-9 {
			t.Errorf("mae %s: %v, want %v", c.name, got, wantAbs)
		}
	}
	// Argmax per step: 0, 1 / 2, 0 against labels 0, 0 / 2, 0: right,
	// wrong / right, right.
	p := tensor.FromSlice([]float32{.8, .1, .1, .2, .7, .1, .1, .1, .8, .6, .3, .1}, 2, 2, 3)
	labels := tensor.FromSlice([]float32{0, 0, 2, 0}, 2, 2)
	a := metrics.NewSparseCategoricalAccuracy()
	a.UpdateWeighted(labels, p, perExample)
	if got, want := a.Result(), (3+1+1)/8.0; math.Abs(got-want) > 1e-9 {
		t.Errorf("accuracy per example: %v, want %v", got, want)
	}
	a.Reset()
	a.UpdateWeighted(labels, p, tensor.FromSlice([]float32{0, 1, 1, 0}, 4))
	if got, want := a.Result(), 0.5; got != want {
		t.Errorf("accuracy per entry: %v, want %v", got, want)
	}
}
