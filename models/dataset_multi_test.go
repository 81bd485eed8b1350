package models_test

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/data"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/tensor"
)

// modelBits is every weight of m, bit for bit.
func modelBits(ws []*tensor.Tensor) []uint32 {
	var out []uint32
	for _, w := range ws {
		for _, v := range w.Data() {
			out = append(out, math.Float32bits(v))
		}
	}
	return out
}

// A two-input, two-output model trained on FromArraysMulti batches, with
// sample weights, ends bit for bit where Fit on the same arrays without
// shuffling does, with the same history; EvaluateDataset and
// PredictDataset agree with Evaluate and Predict.
func TestFitDatasetMultiInputWeighted(t *testing.T) {
	x, y := twoTowerData(3, 90)
	vx, vy := twoTowerData(4, 30)
	sw := tensor.Zeros(90)
	for i := range sw.Data() {
		sw.Data()[i] = float32(i%4) * 0.5
	}
	a := twoTower(t)
	ha, err := a.Fit(x, y, models.FitConfig{Epochs: 2, BatchSize: 16, NoShuffle: true, Verbose: models.Silent,
		SampleWeight: sw, ValidationData: &models.Data{Inputs: vx, Targets: vy}})
	if err != nil {
		t.Fatal(err)
	}
	ds, err := data.FromArraysMulti(x, y, sw)
	if err != nil {
		t.Fatal(err)
	}
	if ds, err = ds.Batch(16, false); err != nil {
		t.Fatal(err)
	}
	vds, _ := data.FromArraysMulti(vx, vy, nil)
	vds, _ = vds.Batch(16, false)
	b := twoTower(t)
	hb, err := b.FitDataset(ds, models.FitConfig{Epochs: 2, Verbose: models.Silent, ValidationData: &models.Data{Dataset: vds}})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(modelBits(a.Weights()), modelBits(b.Weights())) {
		t.Error("the dataset run ends with other weights than the array run")
	}
	if !reflect.DeepEqual(ha.History, hb.History) {
		t.Errorf("histories differ:\narrays  %v\ndataset %v", ha.History, hb.History)
	}
	la, err := a.Evaluate(vx, vy, models.EvaluateConfig{BatchSize: 16, Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	lb, err := b.EvaluateDataset(vds, models.EvaluateConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(la, lb) {
		t.Errorf("Evaluate %v, EvaluateDataset %v", la, lb)
	}
	pa, err := a.Predict(vx, models.PredictConfig{BatchSize: 7, Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	pds, _ := data.FromArraysMulti(vx, []models.Array(nil), nil)
	pds, _ = pds.Batch(7, false)
	pb, err := b.PredictDataset(pds, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	for i := range pa {
		if !reflect.DeepEqual(pa[i].Data(), pb[i].Data()) || !reflect.DeepEqual(pa[i].Shape(), pb[i].Shape()) {
			t.Errorf("output %d: Predict and PredictDataset differ", i)
		}
	}
}

// ClassWeight applies to a dataset's targets as to arrays.
func TestFitDatasetClassWeight(t *testing.T) {
	x, y := dsData(80)
	cw := map[int]float64{0: 1, 1: 3, 2: 0.5}
	a := dsModel(t)
	if _, err := a.Fit(x, y, models.FitConfig{Epochs: 2, BatchSize: 16, NoShuffle: true, Verbose: models.Silent, ClassWeight: cw}); err != nil {
		t.Fatal(err)
	}
	ds, _ := data.FromArrays(x, y)
	ds, _ = ds.Batch(16, false)
	b := dsModel(t)
	if _, err := b.FitDataset(ds, models.FitConfig{Epochs: 2, Verbose: models.Silent, ClassWeight: cw}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(modelBits(a.Weights()), modelBits(b.Weights())) {
		t.Error("class weights: the dataset run ends with other weights than the array run")
	}
}

func TestFitDatasetMultiErrors(t *testing.T) {
	x, y := twoTowerData(3, 20)
	bad := tensor.Zeros(20)
	bad.Data()[3] = -1
	for _, c := range []struct {
		name string
		ds   func() (*data.Dataset, error)
		want string
	}{
		{"one input for two", func() (*data.Dataset, error) { return data.FromArraysMulti(x[:1], y, nil) }, "has 1 inputs"},
		{"one target for two", func() (*data.Dataset, error) { return data.FromArraysMulti(x, y[:1], nil) }, "has 1 targets"},
		{"negative weight", func() (*data.Dataset, error) { return data.FromArraysMulti(x, y, bad) }, "sample weight 3 is -1"},
		{"inputs swapped", func() (*data.Dataset, error) { return data.FromArraysMulti([]models.Array{x[1], x[0]}, y, nil) }, "x[0] (a) of per-example shape [5], model expects [6]"},
	} {
		ds, err := c.ds()
		if err != nil {
			t.Fatal(err)
		}
		ds, _ = ds.Batch(8, false)
		_, err = twoTower(t).FitDataset(ds, models.FitConfig{Verbose: models.Silent})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	xs, ys := dsData(20)
	ds, _ := data.FromArrays(xs, ys)
	ds, _ = ds.Batch(8, false)
	if _, err := dsModel(t).FitDataset(ds, models.FitConfig{Verbose: models.Silent, SampleWeight: ys}); err == nil || !strings.Contains(err.Error(), "data.Element.W") {
		t.Errorf("SampleWeight with a dataset: %v", err)
	}
}
