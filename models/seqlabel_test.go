package models_test

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/data"
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

// maskedTagger is seqTagger with Embedding(mask_zero=True): token 0 pads.
func maskedTagger(t *testing.T) *models.Sequential {
	t.Helper()
	m := models.NewSequential(
		&layers.Input{Shape: []int{4}},
		&layers.Embedding{InputDim: 6, OutputDim: 3, MaskZero: true},
		&layers.LSTM{Units: 4, ReturnSequences: true},
		&layers.Dense{Units: 3, Activation: activations.Softmax},
	)
	m.Out = &bytes.Buffer{}
	m.SetSeed(5)
	err := m.Compile(models.CompileConfig{
		Optimizer:       &optimizers.SGD{LearningRate: 0.1},
		Loss:            losses.SparseCategoricalCrossentropy{},
		Metrics:         []metrics.Metric{metrics.NewSparseCategoricalAccuracy()},
		WeightedMetrics: []metrics.Metric{metrics.NewSparseCategoricalAccuracy()},
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestMaskedSequenceLoss checks that the output's mask (Embedding
// mask_zero → LSTM return_sequences → Dense) weights the loss and the
// metrics as Keras's apply_mask: the loss is the mean of −log p[label] over
// the kept steps only (sum(w·m·l)/sum(m) with sample weights w), computed by
// hand from Predict's output; the accuracy counts kept steps only; and the
// targets at padded steps change nothing, not even the trained weights.
func TestMaskedSequenceLoss(t *testing.T) {
	x := tensor.FromSlice([]float32{1, 2, 3, 0, 5, 4, 0, 0, 2, 2, 1, 5}, 3, 4)
	labels := []float32{0, 1, 2, 0, 2, 2, 0, 0, 1, 0, 1, 2}
	other := []float32{0, 1, 2, 2, 2, 2, 1, 2, 1, 0, 1, 2} // differs at padding only
	w := []float32{1, 0.5, 2}
	m := maskedTagger(t)
	p, err := m.Predict(x, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	pd := p.Data()
	var sum, wsum, valid, correct, wcorrect, wtotal float64
	for i, k := range labels {
		if x.Data()[i] == 0 {
			continue
		}
		row := pd[i*3 : i*3+3]
		l := -math.Log(float64(row[int(k)]))
		sum += l
		wsum += float64(w[i/4]) * l
		valid++
		best := 0
		for j := range row {
			if row[j] > row[best] {
				best = j
			}
		}
		if best == int(k) {
			correct++
			wcorrect += float64(w[i/4])
		}
		wtotal += float64(w[i/4])
	}
	wantWeighted := wsum / valid
	// Keras's evaluate averages the batch losses by their rows: with
	// batches of 2 and 1 rows, (2·loss(rows 0-1) + loss(row 2)) / 3, each
	// batch's loss the mean over its kept steps.
	kept := func(lo, hi int) float64 {
		var s, n float64
		for i := lo * 4; i < hi*4; i++ {
			if x.Data()[i] != 0 {
				s -= math.Log(float64(pd[i*3+int(labels[i])]))
				n++
			}
		}
		return s / n
	}
	wantLoss := (2*kept(0, 2) + kept(2, 3)) / 3
	if d := kept(0, 3) - sum/valid; math.Abs(d) > 1e-12 {
		t.Fatalf("hand formulas disagree: %v vs %v", kept(0, 3), sum/valid)
	}
	for _, ys := range [][]float32{labels, other} {
		y := tensor.FromSlice(append([]float32(nil), ys...), 3, 4)
		got, err := m.Evaluate(x, y, models.EvaluateConfig{Verbose: models.Silent, BatchSize: 2})
		if err != nil {
			t.Fatal(err)
		}
		if d := got["loss"] - wantLoss; math.Abs(d) > 1e-5 {
			t.Errorf("loss %v, want %v (the batches' means over their kept steps)", got["loss"], wantLoss)
		}
		if d := got["sparse_categorical_accuracy"] - correct/valid; math.Abs(d) > 1e-9 {
			t.Errorf("accuracy %v, want %v", got["sparse_categorical_accuracy"], correct/valid)
		}
		got, err = m.Evaluate(x, y, models.EvaluateConfig{Verbose: models.Silent, BatchSize: 3, SampleWeight: tensor.FromSlice(append([]float32(nil), w...), 3)})
		if err != nil {
			t.Fatal(err)
		}
		if d := got["loss"] - wantWeighted; math.Abs(d) > 1e-5 {
			t.Errorf("weighted loss %v, want %v", got["loss"], wantWeighted)
		}
		if d := got["weighted_sparse_categorical_accuracy"] - wcorrect/wtotal; math.Abs(d) > 1e-6 {
			t.Errorf("weighted accuracy %v, want %v", got["weighted_sparse_categorical_accuracy"], wcorrect/wtotal)
		}
		if d := got["sparse_categorical_accuracy"] - correct/valid; math.Abs(d) > 1e-9 {
			t.Errorf("unweighted accuracy with sample weights %v, want %v", got["sparse_categorical_accuracy"], correct/valid)
		}
	}
	// EvaluateDataset applies the mask too: one batch of the 3 rows.
	ds, err := data.FromArrays(x, tensor.FromSlice(append([]float32(nil), other...), 3, 4))
	if err != nil {
		t.Fatal(err)
	}
	if ds, err = ds.Batch(3, false); err != nil {
		t.Fatal(err)
	}
	got, err := m.EvaluateDataset(ds, models.EvaluateConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	if d := got["loss"] - sum/valid; math.Abs(d) > 1e-5 {
		t.Errorf("EvaluateDataset: loss %v, want %v", got["loss"], sum/valid)
	}
	if d := got["sparse_categorical_accuracy"] - correct/valid; math.Abs(d) > 1e-9 {
		t.Errorf("EvaluateDataset: accuracy %v, want %v", got["sparse_categorical_accuracy"], correct/valid)
	}
	// Training with either padding targets, with and without sample
	// weights, gives the same history and weights.
	for _, sw := range []*tensor.Tensor{nil, tensor.FromSlice(w, 3)} {
		var hist [2][]float64
		var ws [2][]*tensor.Tensor
		for j, ys := range [][]float32{labels, other} {
			mm := maskedTagger(t)
			y := tensor.FromSlice(append([]float32(nil), ys...), 3, 4)
			cfg := models.FitConfig{Epochs: 5, BatchSize: 2, Verbose: models.Silent}
			if sw != nil {
				cfg.SampleWeight = sw
			}
			h, err := mm.Fit(x, y, cfg)
			if err != nil {
				t.Fatal(err)
			}
			hist[j], ws[j] = h.History["loss"], mm.Weights()
		}
		for e := range hist[0] {
			if hist[0][e] != hist[1][e] {
				t.Errorf("weights %v: epoch %d loss %v vs %v with other padding targets", sw != nil, e, hist[0][e], hist[1][e])
			}
		}
		for k := range ws[0] {
			a, b := ws[0][k].Data(), ws[1][k].Data()
			for i := range a {
				if a[i] != b[i] {
					t.Fatalf("weights %v: weight %d[%d] %v vs %v with other padding targets", sw != nil, k, i, a[i], b[i])
				}
			}
		}
	}
}
