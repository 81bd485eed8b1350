package metrics_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/tensor"
)

// batch is one Update: targets, predictions, and the precision and recall
// expected over every batch so far.
type batch struct {
	yTrue, yPred *tensor.Tensor
	prec, rec    float64
}

// Categorical data used by several cases: 3 classes, labels 0 1 2 1 then
// 2 0 1. Counted by hand below for each variant.
var (
	predA = []float32{
		0.7, 0.2, 0.1, // argmax 0; > 0.5 at 0
		0.1, 0.6, 0.3, // argmax 1; > 0.5 at 1
		0.2, 0.7, 0.1, // argmax 1; > 0.5 at 1
		0.4, 0.3, 0.3, // argmax 0; nothing > 0.5
	}
	labelsA = []float32{0, 1, 2, 1}
	oneHotA = []float32{1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0}
	predB   = []float32{
		0.1, 0.1, 0.8, // argmax 2; > 0.5 at 2
		0.3, 0.6, 0.1, // argmax 1; > 0.5 at 1
		0.2, 0.5, 0.3, // argmax 1; 0.5 is not > 0.5
	}
	labelsB = []float32{2, 0, 1}
	oneHotB = []float32{0, 0, 1, 1, 0, 0, 0, 1, 0}
)

func TestPrecisionRecall(t *testing.T) {
	fs := func(shape []int, v ...float32) *tensor.Tensor { return tensor.FromSlice(v, shape...) }
	// withColumn appends a never-used fourth class to 3-class predictions.
	withColumn := func(p []float32) []float32 {
		var out []float32
		for i := 0; i < len(p); i += 3 {
			out = append(out, p[i], p[i+1], p[i+2], 0)
		}
		return out
	}
	cases := []struct {
		name    string
		opts    []metrics.ConfusionOption
		batches []batch
	}{
		{
			// Batch 1: TP idx 0, FP idx 1, FN idx 2.
			// Batch 2: TP idx 0 and 3, FN idx 1 (0.5 is not > 0.5) and 4, FP idx 2.
			// Total TP 3, FP 2, FN 3.
			name: "binary",
			batches: []batch{
				{fs([]int{4, 1}, 1, 0, 1, 0), fs([]int{4, 1}, 0.9, 0.6, 0.4, 0.2), 1.0 / 2, 1.0 / 2},
				{fs([]int{5, 1}, 1, 1, 0, 1, 1), fs([]int{5, 1}, 0.7, 0.5, 0.51, 0.8, 0.1), 3.0 / 5, 3.0 / 6},
			},
		},
		{
			// Targets of shape (n) with predictions (n, 1) are still binary.
			name: "binary/rank-1 targets",
			batches: []batch{
				{fs([]int{4}, 1, 0, 1, 0), fs([]int{4, 1}, 0.9, 0.6, 0.4, 0.2), 1.0 / 2, 1.0 / 2},
			},
		},
		{
			// Threshold 0.3: positives idx 0, 1, 2 → TP 2, FP 1, FN 0.
			name: "binary/threshold 0.3",
			opts: []metrics.ConfusionOption{metrics.WithThreshold(0.3)},
			batches: []batch{
				{fs([]int{4, 1}, 1, 0, 1, 0), fs([]int{4, 1}, 0.9, 0.6, 0.4, 0.2), 2.0 / 3, 2.0 / 2},
			},
		},
		{
			name: "binary/class 0",
			opts: []metrics.ConfusionOption{metrics.WithClassID(0)},
			batches: []batch{
				{fs([]int{4, 1}, 1, 0, 1, 0), fs([]int{4, 1}, 0.9, 0.6, 0.4, 0.2), 1.0 / 2, 1.0 / 2},
			},
		},
		{
			// Keras casts targets to bool: any non-zero target is positive.
			// TP idx 0 (0.3) and 2, FN idx 1 (−1).
			name: "binary/non-zero targets are positive",
			batches: []batch{
				{fs([]int{3, 1}, 0.3, -1, 1), fs([]int{3, 1}, 0.9, 0.1, 0.8), 2.0 / 2, 2.0 / 3},
			},
		},
		{
			// Every element is a decision (micro average).
			// A: TP (0,0) (1,1); FP (2,1); FN (2,2) (3,1).  TP 2, FP 1, FN 2.
			// B: TP (0,2); FP (1,1); FN (1,0) (2,1).       TP 1, FP 1, FN 2.
			name: "one-hot",
			batches: []batch{
				{fs([]int{4, 3}, oneHotA...), fs([]int{4, 3}, predA...), 2.0 / 3, 2.0 / 4},
				{fs([]int{3, 3}, oneHotB...), fs([]int{3, 3}, predB...), 3.0 / 5, 3.0 / 7},
			},
		},
		{
			// Column 1 only. A: TP row 1, FP row 2, FN row 3.
			// B: FP row 1, FN row 2.  Total TP 1, FP 2, FN 2.
			name: "one-hot/class 1",
			opts: []metrics.ConfusionOption{metrics.WithClassID(1)},
			batches: []batch{
				{fs([]int{4, 3}, oneHotA...), fs([]int{4, 3}, predA...), 1.0 / 2, 1.0 / 2},
				{fs([]int{3, 3}, oneHotB...), fs([]int{3, 3}, predB...), 1.0 / 3, 1.0 / 3},
			},
		},
		{
			// Column 2 only. A: FN row 2 (no positive prediction: precision 0).
			// B: TP row 0.  Total TP 1, FP 0, FN 1.
			name: "one-hot/class 2",
			opts: []metrics.ConfusionOption{metrics.WithClassID(2)},
			batches: []batch{
				{fs([]int{4, 3}, oneHotA...), fs([]int{4, 3}, predA...), 0, 0},
				{fs([]int{3, 3}, oneHotB...), fs([]int{3, 3}, predB...), 1, 1.0 / 2},
			},
		},
		{
			// Multi-label: row 0 TP col 0, FP col 1, FN col 2; row 1 TP col 2.
			name: "multi-label",
			batches: []batch{
				{fs([]int{2, 3}, 1, 0, 1, 0, 0, 1), fs([]int{2, 3}, 0.8, 0.7, 0.2, 0.1, 0.4, 0.9), 2.0 / 3, 2.0 / 3},
			},
		},
		{
			// Argmax predictions A: 0 1 1 0 against labels 0 1 2 1.
			//   class 0: TP 1, FP 1, FN 0   class 1: TP 1, FP 1, FN 1
			//   class 2: TP 0, FP 0, FN 1
			//   precision (1/2 + 1/2 + 0)/3 = 1/3, recall (1 + 1/2 + 0)/3 = 1/2
			// B: 2 1 1 against 2 0 1, labels of shape (n, 1). Totals:
			//   class 0: TP 1, FP 1, FN 1   class 1: TP 2, FP 2, FN 1
			//   class 2: TP 1, FP 0, FN 1
			//   precision (1/2 + 2/4 + 1)/3 = 2/3, recall (1/2 + 2/3 + 1/2)/3 = 5/9
			name: "sparse/macro",
			batches: []batch{
				{fs([]int{4}, labelsA...), fs([]int{4, 3}, predA...), 1.0 / 3, 1.0 / 2},
				{fs([]int{3, 1}, labelsB...), fs([]int{3, 3}, predB...), 2.0 / 3, 5.0 / 9},
			},
		},
		{
			// A fourth class that is never a label nor a prediction does not
			// enter the average.
			name: "sparse/macro skips absent classes",
			batches: []batch{
				{fs([]int{4}, labelsA...), fs([]int{4, 4}, withColumn(predA)...), 1.0 / 3, 1.0 / 2},
				{fs([]int{3}, labelsB...), fs([]int{3, 4}, withColumn(predB)...), 2.0 / 3, 5.0 / 9},
			},
		},
		{
			// Class 2 predicted but never a label: precision 0, recall
			// undefined for class 2 counts as 0 as well. Predictions 2 0,
			// labels 0 0. class 0: TP 1, FN 1; class 2: FP 1.
			// precision (1 + 0)/2, recall (1/2 + 0)/2.
			name: "sparse/class only predicted",
			batches: []batch{
				{fs([]int{2}, 0, 0), fs([]int{2, 3}, 0.1, 0.2, 0.7, 0.8, 0.1, 0.1), 1.0 / 2, 1.0 / 4},
			},
		},
		{
			// Class 1 one-vs-rest: A TP 1, FP 1, FN 1; B adds TP 1, FP 1.
			name: "sparse/class 1",
			opts: []metrics.ConfusionOption{metrics.WithClassID(1)},
			batches: []batch{
				{fs([]int{4}, labelsA...), fs([]int{4, 3}, predA...), 1.0 / 2, 1.0 / 2},
				{fs([]int{3}, labelsB...), fs([]int{3, 3}, predB...), 2.0 / 4, 2.0 / 3},
			},
		},
		{
			// Class 2: A FN 1 (never predicted: precision 0); B TP 1.
			name: "sparse/class 2",
			opts: []metrics.ConfusionOption{metrics.WithClassID(2)},
			batches: []batch{
				{fs([]int{4}, labelsA...), fs([]int{4, 3}, predA...), 0, 0},
				{fs([]int{3}, labelsB...), fs([]int{3, 3}, predB...), 1, 1.0 / 2},
			},
		},
		{
			// The threshold does not apply to the argmax prediction.
			name: "sparse/threshold ignored",
			opts: []metrics.ConfusionOption{metrics.WithThreshold(0.9)},
			batches: []batch{
				{fs([]int{4}, labelsA...), fs([]int{4, 3}, predA...), 1.0 / 3, 1.0 / 2},
			},
		},
		{
			// A label outside [0, classes) is a wrong prediction: FP of the
			// predicted class 0, no class's FN. Class 0: TP 1, FP 1.
			name: "sparse/label out of range",
			batches: []batch{
				{fs([]int{2}, 0, 7), fs([]int{2, 2}, 0.9, 0.1, 0.6, 0.4), 1.0 / 2, 1},
			},
		},
	}
	for _, c := range cases {
		for _, kind := range []string{"precision", "recall"} {
			t.Run(c.name+"/"+kind, func(t *testing.T) {
				var m metrics.Metric
				if kind == "precision" {
					m = metrics.NewPrecision(c.opts...)
				} else {
					m = metrics.NewRecall(c.opts...)
				}
				if m.Name() != kind {
					t.Errorf("Name() = %q, want %q", m.Name(), kind)
				}
				if got := m.Result(); got != 0 {
					t.Errorf("Result() before Update = %v, want 0", got)
				}
				check := func(stage string, i int, want float64) {
					t.Helper()
					if got := m.Result(); math.Abs(got-want) > 1e-12 {
						t.Errorf("%s: after batch %d: Result() = %.6f, want %.6f", stage, i+1, got, want)
					}
				}
				for i, b := range c.batches {
					m.Update(b.yTrue, b.yPred)
					if kind == "precision" {
						check("first pass", i, b.prec)
					} else {
						check("first pass", i, b.rec)
					}
				}
				// Reset forgets everything; a second pass gives the same values.
				m.Reset()
				if got := m.Result(); got != 0 {
					t.Errorf("Result() after Reset = %v, want 0", got)
				}
				for i, b := range c.batches {
					m.Update(b.yTrue, b.yPred)
					if kind == "precision" {
						check("after Reset", i, b.prec)
					} else {
						check("after Reset", i, b.rec)
					}
				}
			})
		}
	}
}

// TestPrecisionResetChangesKind checks that the kind of targets is decided
// again after Reset: one metric can serve binary and then integer data.
func TestPrecisionResetChangesKind(t *testing.T) {
	m := metrics.NewPrecision()
	m.Update(tensor.FromSlice([]float32{1, 0}, 2, 1), tensor.FromSlice([]float32{0.9, 0.8}, 2, 1))
	if got := m.Result(); got != 0.5 {
		t.Fatalf("binary: Result() = %v, want 0.5", got)
	}
	m.Reset()
	m.Update(tensor.FromSlice(labelsA, 4), tensor.FromSlice(predA, 4, 3))
	if got, want := m.Result(), 1.0/3; math.Abs(got-want) > 1e-12 {
		t.Fatalf("sparse after Reset: Result() = %v, want %v", got, want)
	}
}

func TestConfusionOptions(t *testing.T) {
	p := metrics.NewPrecision(metrics.WithName("precision_cat"), metrics.WithClassID(1))
	if p.Name() != "precision_cat" {
		t.Errorf("Name() = %q, want precision_cat", p.Name())
	}
	mustPanic(t, "WithClassID(-1)", func() { metrics.WithClassID(-1) })
	mustPanic(t, "class 3 of 3 (one-hot)", func() {
		metrics.NewRecall(metrics.WithClassID(3)).Update(tensor.FromSlice(oneHotA, 4, 3), tensor.FromSlice(predA, 4, 3))
	})
	mustPanic(t, "class 3 of 3 (sparse)", func() {
		metrics.NewRecall(metrics.WithClassID(3)).Update(tensor.FromSlice(labelsA, 4), tensor.FromSlice(predA, 4, 3))
	})
	mustPanic(t, "size mismatch", func() {
		metrics.NewPrecision().Update(tensor.FromSlice([]float32{1, 0, 1}, 3, 1), tensor.FromSlice([]float32{1, 0}, 2, 1))
	})
	mustPanic(t, "label count mismatch", func() {
		metrics.NewPrecision().Update(tensor.FromSlice(labelsB, 3), tensor.FromSlice(predA, 4, 3))
	})
}

func TestMeanSquaredError(t *testing.T) {
	m := metrics.NewMeanSquaredError()
	if m.Name() != "mean_squared_error" {
		t.Errorf("Name() = %q", m.Name())
	}
	// Per-example means: ((0−1)² + 0)/2 = 0.5 and (0 + (3−5)²)/2 = 2.
	m.Update(tensor.FromSlice([]float32{0, 1, 2, 3}, 2, 2), tensor.FromSlice([]float32{1, 1, 2, 5}, 2, 2))
	if got := m.Result(); got != 1.25 {
		t.Errorf("after batch 1: %v, want 1.25", got)
	}
	// (1 + 4)/2 = 2.5; every example weighs the same: (0.5 + 2 + 2.5)/3.
	m.Update(tensor.FromSlice([]float32{1, 1}, 1, 2), tensor.FromSlice([]float32{0, 3}, 1, 2))
	if got, want := m.Result(), 5.0/3; math.Abs(got-want) > 1e-12 {
		t.Errorf("after batch 2: %v, want %v", got, want)
	}
	m.Reset()
	if got := m.Result(); got != 0 {
		t.Errorf("after Reset: %v, want 0", got)
	}
	// Targets (n) against predictions (n, 1).
	m.Update(tensor.FromSlice([]float32{1, 2, 3}, 3), tensor.FromSlice([]float32{1, 0, 4}, 3, 1))
	if got, want := m.Result(), 5.0/3; math.Abs(got-want) > 1e-12 {
		t.Errorf("rank-1 targets: %v, want %v", got, want)
	}
	mustPanic(t, "size mismatch", func() {
		m.Update(tensor.FromSlice([]float32{1, 2}, 2), tensor.FromSlice([]float32{1, 0, 4}, 3, 1))
	})
}

func TestGet(t *testing.T) {
	for _, name := range []string{
		"accuracy", "acc", "sparse_categorical_accuracy", "categorical_accuracy", "binary_accuracy",
		"precision", "recall", "mean_squared_error", "mse",
	} {
		m, err := metrics.Get(name)
		if err != nil {
			t.Errorf("Get(%q): %v", name, err)
			continue
		}
		if m.Name() != name {
			t.Errorf("Get(%q).Name() = %q; Keras keeps the string passed", name, m.Name())
		}
		if m.Result() != 0 {
			t.Errorf("Get(%q).Result() = %v before Update, want 0", name, m.Result())
		}
	}
	for name, want := range map[string]string{
		"precision": "*metrics.Precision", "recall": "*metrics.Recall",
		"mse": "*metrics.MeanSquaredError", "mean_squared_error": "*metrics.MeanSquaredError",
	} {
		m, _ := metrics.Get(name)
		if got := fmt.Sprintf("%T", m); got != want {
			t.Errorf("Get(%q) is %s, want %s", name, got, want)
		}
	}
	// Every Get returns a fresh metric.
	a, _ := metrics.Get("precision")
	b, _ := metrics.Get("precision")
	if a == b {
		t.Error("Get returned the same metric twice")
	}
	_, err := metrics.Get("no_such_metric")
	if err == nil || !strings.Contains(err.Error(), `"no_such_metric"`) || !strings.Contains(err.Error(), "precision") {
		t.Errorf("Get(unknown) error = %v, want one naming the name and the known names", err)
	}
	names := metrics.Names()
	for i := 1; i < len(names); i++ {
		if names[i-1] >= names[i] {
			t.Errorf("Names() not sorted: %q before %q", names[i-1], names[i])
		}
	}
}

func mustPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s: no panic", what)
		}
	}()
	f()
}

func ExampleGet() {
	m, err := metrics.Get("precision")
	if err != nil {
		panic(err)
	}
	yTrue := tensor.FromSlice([]float32{1, 0, 1, 1}, 4, 1)
	yPred := tensor.FromSlice([]float32{0.9, 0.8, 0.3, 0.7}, 4, 1)
	m.Update(yTrue, yPred) // predicted positive: 0.9 (right), 0.8 (wrong), 0.7 (right)
	fmt.Printf("%s: %.4f\n", m.Name(), m.Result())
	// Output: precision: 0.6667
}

func ExampleNewRecall() {
	// Integer labels with a softmax output: the macro average over classes
	// of the recall of the argmax prediction.
	r := metrics.NewRecall()
	labels := tensor.FromSlice([]float32{0, 0, 1, 2}, 4)
	probs := tensor.FromSlice([]float32{
		0.8, 0.1, 0.1, // 0, right
		0.3, 0.6, 0.1, // 1, wrong
		0.2, 0.7, 0.1, // 1, right
		0.1, 0.2, 0.7, // 2, right
	}, 4, 3)
	r.Update(labels, probs)
	fmt.Printf("recall: %.4f\n", r.Result()) // (1/2 + 1 + 1) / 3
	// Output: recall: 0.8333
}
