package onnx_test

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/onnx"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/tensor"
)

// CNTK's MNIST model from the ONNX model zoo (testdata/mnist, MIT): the
// imported model takes the file's NCHW input and gives the logits PyTorch
// computes from the same weights, and the shipped labels.
func TestImportMNIST(t *testing.T) {
	dir := filepath.Join("testdata", "mnist")
	model, err := onnx.Import(filepath.Join(dir, "model.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	if got := model.InputNames(); len(got) != 1 || got[0] != "Input3" {
		t.Errorf("inputs %v, want [Input3]", got)
	}
	if got := model.OutputNames(); len(got) != 1 || got[0] != "Plus214_Output_0" {
		t.Errorf("outputs %v, want [Plus214_Output_0]", got)
	}
	if s := model.Inputs()[0].Shape(); len(s) != 3 || s[0] != 1 || s[1] != 28 || s[2] != 28 {
		t.Errorf("input shape %v, want (1, 28, 28): channels first, as in the file", s)
	}
	var want []struct {
		Input  []float32 `json:"input"`
		Logits []float32 `json:"logits"`
		Label  int       `json:"label"`
	}
	readJSON(t, filepath.Join(dir, "expected.json"), &want)
	for i, w := range want {
		x := tensor.FromSlice(w.Input, 1, 1, 28, 28)
		ys, err := model.Predict([]models.Array{x}, models.PredictConfig{Verbose: models.Silent})
		if err != nil {
			t.Fatal(err)
		}
		got := ys[0].Data()
		best := 0
		for j, v := range got {
			// The logits reach thousands: compare relatively.
			if d := math.Abs(float64(v - w.Logits[j])); d > 1e-5*max(1, math.Abs(float64(w.Logits[j]))) {
				t.Errorf("example %d logit %d: %v, want %v (PyTorch)", i, j, v, w.Logits[j])
			}
			if v > got[best] {
				best = j
			}
		}
		if best != w.Label {
			t.Errorf("example %d: class %d, label %d", i, best, w.Label)
		}
	}
}

// The imported model fine-tunes: its weights are the model's own and
// training moves them. Labels chosen to disagree with the model's
// predictions give a loss that Fit must lower.
func TestImportedModelFineTunes(t *testing.T) {
	model, err := onnx.Import(filepath.Join("testdata", "mnist", "model.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	if err := model.Compile(models.CompileConfig{
		Optimizer: optimizers.NewAdam(),
		Loss:      losses.SparseCategoricalCrossentropy{FromLogits: true},
	}); err != nil {
		t.Fatal(err)
	}
	x := tensor.Zeros(8, 1, 28, 28)
	y := tensor.Zeros(8)
	for i := range 8 {
		for j := range 28 * 28 {
			if (j/28+i)%4 == 0 {
				x.Data()[i*784+j] = 255
			}
		}
		y.Data()[i] = float32(i % 2)
	}
	h, err := model.Fit([]models.Array{x}, []models.Array{y}, models.FitConfig{Epochs: 5, BatchSize: 8, Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	loss := h.History["loss"]
	if !(loss[len(loss)-1] < loss[0]) {
		t.Errorf("loss %v did not fall", loss)
	}
}
