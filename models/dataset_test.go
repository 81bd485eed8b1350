package models_test

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/callbacks"
	"github.com/neuron-go/neuron/data"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/tensor"
)

func dsModel(t *testing.T) *models.Sequential {
	t.Helper()
	m := models.NewSequential(&layers.Dense{Units: 8, Activation: activations.ReLU}, &layers.Dense{Units: 3, Activation: activations.Softmax})
	m.SetSeed(7)
	if err := m.Compile(models.CompileConfig{Optimizer: optimizers.NewAdam(), Loss: losses.SparseCategoricalCrossentropy{}, Metrics: []metrics.Metric{metrics.NewAccuracy()}}); err != nil {
		t.Fatal(err)
	}
	return m
}

func dsData(n int) (*tensor.Tensor, *tensor.Tensor) {
	x := make([]float32, n*4)
	y := make([]float32, n)
	for i := range x {
		x[i] = float32(math.Sin(float64(i) * 0.37))
	}
	for i := range y {
		y[i] = float32(i % 3)
	}
	return tensor.FromSlice(x, n, 4), tensor.FromSlice(y, n)
}

// A Dataset of the arrays' batches in order trains bit for bit as the
// arrays without shuffling, validation included.
func TestFitDatasetMatchesArrays(t *testing.T) {
	x, y := dsData(100)
	vx, vy := dsData(30)
	a := dsModel(t)
	var out bytes.Buffer
	a.Out = &out
	ha, err := a.Fit(x, y, models.FitConfig{Epochs: 3, BatchSize: 16, NoShuffle: true, Verbose: models.Silent, ValidationData: &models.Data{X: vx, Y: vy}})
	if err != nil {
		t.Fatal(err)
	}
	ds, _ := data.FromArrays(x, y)
	ds, _ = ds.Batch(16, false)
	vds, _ := data.FromArrays(vx, vy)
	vds, _ = vds.Batch(16, false)
	b := dsModel(t)
	b.Out = &out
	hb, err := b.FitDataset(ds, models.FitConfig{Epochs: 3, Verbose: models.Silent, ValidationData: &models.Data{Dataset: vds}})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range ha.Keys() {
		for i := range ha.History[k] {
			if ha.History[k][i] != hb.History[k][i] {
				t.Fatalf("%s[%d]: arrays %v, dataset %v", k, i, ha.History[k][i], hb.History[k][i])
			}
		}
	}
	if hb.Params["steps"] != 7 {
		t.Errorf("steps = %d, want 7 (learned from the first pass)", hb.Params["steps"])
	}
	ea, _ := a.Evaluate(vx, vy, models.EvaluateConfig{BatchSize: 16, Verbose: models.Silent})
	eb, err := b.EvaluateDataset(vds, models.EvaluateConfig{Verbose: models.Silent})
	if err != nil || ea["loss"] != eb["loss"] || ea["accuracy"] != eb["accuracy"] {
		t.Fatalf("evaluate: arrays %v, dataset %v (%v)", ea, eb, err)
	}
	pa, _ := a.Predict(vx, models.PredictConfig{BatchSize: 16, Verbose: models.Silent})
	pb, err := b.PredictDataset(vds, models.PredictConfig{Verbose: models.Silent})
	if err != nil || !equalData(pa.Data(), pb.Data()) {
		t.Fatalf("predict differs (%v)", err)
	}
}

func equalData(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// With StepsPerEpoch the epochs read on through the dataset; one that
// runs out ends its epoch early and the next starts the dataset again.
func TestFitDatasetStepsPerEpoch(t *testing.T) {
	x, y := dsData(100)
	ds, _ := data.FromArrays(x, y)
	ds, _ = ds.Batch(10, false) // 10 batches
	m := dsModel(t)
	var out bytes.Buffer
	m.Out = &out
	var steps []int
	cb := &stepCounter{}
	h, err := m.FitDataset(ds, models.FitConfig{Epochs: 3, StepsPerEpoch: 4, Verbose: models.OneLine, Callbacks: []callbacks.Callback{cb}})
	if err != nil {
		t.Fatal(err)
	}
	steps = cb.perEpoch
	if want := []int{4, 4, 2}; !equalInts(steps, want) {
		t.Errorf("steps per epoch %v, want %v", steps, want)
	}
	if len(h.Epoch) != 3 || !strings.Contains(out.String(), "4/4") {
		t.Errorf("history %v, output %q", h.Epoch, out.String())
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestFitDatasetErrors(t *testing.T) {
	x, y := dsData(20)
	ds, _ := data.FromArrays(x, y)
	m := dsModel(t)
	// Unbatched: rows of shape [4] feed a model as batches of 4 features?
	// No: a row of rank 1 is a batch of 4 scalars, which does not fit.
	if _, err := m.FitDataset(ds, models.FitConfig{Verbose: models.Silent}); err == nil {
		t.Error("an unbatched dataset trained")
	}
	b, _ := ds.Batch(5, false)
	if _, err := m.FitDataset(b, models.FitConfig{Verbose: models.Silent, BatchSize: 8}); err == nil || !strings.Contains(err.Error(), "BatchSize") {
		t.Errorf("BatchSize with a dataset: %v", err)
	}
	empty := b.Take(0)
	if _, err := m.FitDataset(empty, models.FitConfig{Verbose: models.Silent}); err == nil || !strings.Contains(err.Error(), "no batch") {
		t.Errorf("empty dataset: %v", err)
	}
	noY, _ := data.FromArrays(x, nil)
	noY, _ = noY.Batch(5, false)
	if _, err := m.FitDataset(noY, models.FitConfig{Verbose: models.Silent}); err == nil || !strings.Contains(err.Error(), "no targets") {
		t.Errorf("no targets: %v", err)
	}
}

type stepCounter struct{ perEpoch []int }

func (c *stepCounter) OnTrainBegin(callbacks.Model) error { return nil }
func (c *stepCounter) OnEpochBegin(int) error             { c.perEpoch = append(c.perEpoch, 0); return nil }
func (c *stepCounter) OnBatchEnd(int, callbacks.Logs) error {
	c.perEpoch[len(c.perEpoch)-1]++
	return nil
}
func (c *stepCounter) OnEpochEnd(int, callbacks.Logs) error { return nil }
func (c *stepCounter) OnTrainEnd(callbacks.Logs) error      { return nil }
