package onnx_test

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/onnx"
	"github.com/neuron-go/neuron/tensor"
)

// Batch-first LSTM, GRU and bidirectional LSTM exported by PyTorch's
// exporter (testdata/pytorch/gen.py): the imports give PyTorch's outputs.
func TestImportPyTorchRecurrent(t *testing.T) {
	dir := filepath.Join("testdata", "pytorch")
	b, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want struct {
		X     []float32 `json:"x"`
		XDims []int     `json:"x_dims"`
		Cases map[string]struct {
			Dims []int     `json:"dims"`
			Y    []float32 `json:"y"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	for name, c := range want.Cases {
		t.Run(name, func(t *testing.T) {
			model, err := onnx.Import(filepath.Join(dir, name+".onnx"))
			if err != nil {
				t.Fatal(err)
			}
			ys, err := model.Predict([]models.Array{tensor.FromSlice(want.X, want.XDims...)}, models.PredictConfig{Verbose: models.Silent})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ys[0].Shape(), c.Dims) {
				t.Fatalf("shape %v, want %v", ys[0].Shape(), c.Dims)
			}
			for i, w := range c.Y {
				if g := ys[0].Data()[i]; math.Abs(float64(g-w)) > 1e-5 {
					t.Fatalf("y[%d] = %v, PyTorch %v", i, g, w)
				}
			}
		})
	}
}
