package models_test

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/tensor"
)

// seqTagger returns an unmasked sequence tagger: tokens (n, 4) → per-step
// class probabilities (n, 4, 3).
func seqTagger(t *testing.T, loss losses.Loss, ms ...metrics.Metric) *models.Sequential {
	t.Helper()
	m := models.NewSequential(
		&layers.Input{Shape: []int{4}},
		&layers.Embedding{InputDim: 6, OutputDim: 3},
		&layers.LSTM{Units: 4, ReturnSequences: true},
		&layers.Dense{Units: 3, Activation: activations.Softmax},
	)
	m.Out = &bytes.Buffer{}
	m.SetSeed(3)
	if err := m.Compile(models.CompileConfig{Optimizer: &optimizers.SGD{LearningRate: 0.1}, Loss: loss, Metrics: ms}); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestPerStepSparseLabels checks that sparse labels (n, steps) and
// (n, steps, 1) train and evaluate a sequence output (n, steps, classes),
// with Keras's sum_over_batch_size: the mean of −log p[label] over every
// (example, step) entry, computed here by hand from Predict's output; with
// sample weights each example's weight multiplies its steps and the divisor
// stays the number of entries.
func TestPerStepSparseLabels(t *testing.T) {
	x := tensor.FromSlice([]float32{1, 2, 3, 4, 5, 4, 3, 2, 2, 2, 1, 5}, 3, 4)
	labels := []float32{0, 1, 2, 1, 2, 2, 0, 0, 1, 0, 1, 2}
	w := []float32{1, 0.5, 2}
	m := seqTagger(t, losses.SparseCategoricalCrossentropy{}, metrics.NewSparseCategoricalAccuracy())
	p, err := m.Predict(x, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	pd := p.Data()
	var sum, wsum, correct float64
	onehot := tensor.Zeros(3, 4, 3)
	for i, k := range labels {
		row := pd[i*3 : i*3+3]
		l := -math.Log(float64(row[int(k)]))
		sum += l
		wsum += float64(w[i/4]) * l
		best := 0
		for j := range row {
			if row[j] > row[best] {
				best = j
			}
		}
		if best == int(k) {
			correct++
		}
		onehot.Data()[i*3+int(k)] = 1
	}
	wantLoss, wantWeighted, wantAcc := sum/12, wsum/12, correct/12
	for _, shape := range [][]int{{3, 4}, {3, 4, 1}} {
		y := tensor.FromSlice(append([]float32(nil), labels...), shape...)
		got, err := m.Evaluate(x, y, models.EvaluateConfig{Verbose: models.Silent})
		if err != nil {
			t.Fatalf("labels %v: %v", shape, err)
		}
		if d := got["loss"] - wantLoss; math.Abs(d) > 1e-5 {
			t.Errorf("labels %v: loss %v, want %v", shape, got["loss"], wantLoss)
		}
		if got["sparse_categorical_accuracy"] != wantAcc {
			t.Errorf("labels %v: accuracy %v, want %v", shape, got["sparse_categorical_accuracy"], wantAcc)
		}
		got, err = m.Evaluate(x, y, models.EvaluateConfig{Verbose: models.Silent, SampleWeight: tensor.FromSlice(append([]float32(nil), w...), 3)})
		if err != nil {
			t.Fatalf("labels %v, weighted: %v", shape, err)
		}
		if d := got["loss"] - wantWeighted; math.Abs(d) > 1e-5 {
			t.Errorf("labels %v: weighted loss %v, want %v", shape, got["loss"], wantWeighted)
		}
	}
	// Categorical crossentropy on one-hot (n, steps, classes) targets gives
	// the same loss.
	c := seqTagger(t, losses.CategoricalCrossentropy{}, metrics.NewCategoricalAccuracy())
	got, err := c.Evaluate(x, onehot, models.EvaluateConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	if d := got["loss"] - wantLoss; math.Abs(d) > 1e-5 {
		t.Errorf("one-hot: loss %v, want %v", got["loss"], wantLoss)
	}
	if got["categorical_accuracy"] != wantAcc {
		t.Errorf("one-hot: accuracy %v, want %v", got["categorical_accuracy"], wantAcc)
	}
	// Training on per-step labels lowers the loss.
	y := tensor.FromSlice(append([]float32(nil), labels...), 3, 4)
	h, err := m.Fit(x, y, models.FitConfig{Epochs: 30, BatchSize: 3, Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	if l := h.History["loss"]; !(l[len(l)-1] < l[0]) {
		t.Errorf("loss %v → %v after 30 epochs, want lower", l[0], l[len(l)-1])
	}
	// Labels that do not match the steps are an error naming both shapes.
	_, err = m.Evaluate(x, tensor.Zeros(3, 5), models.EvaluateConfig{Verbose: models.Silent})
	if err == nil || !strings.Contains(err.Error(), "labels of per-example shape [5] for predictions [4 3]: want [4] or [4 1]") {
		t.Errorf("labels (3, 5) for output (3, 4, 3): error %v", err)
	}
	_, err = m.Evaluate(x, tensor.Zeros(3), models.EvaluateConfig{Verbose: models.Silent})
	if err == nil || !strings.Contains(err.Error(), "labels of per-example shape [] for predictions [4 3]") {
		t.Errorf("labels (3) for output (3, 4, 3): error %v", err)
	}
}
