package onnx_test

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/neuron-go/neuron/layers"
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

// moveFirst returns the values of a tensor of shape dims with axis moved
// first, and their shape.
func moveFirst(data []float32, dims []int, axis int) ([]float32, []int) {
	if axis == 0 {
		return data, dims
	}
	outer, inner := 1, 1
	for _, d := range dims[:axis] {
		outer *= d
	}
	for _, d := range dims[axis+1:] {
		inner *= d
	}
	n := dims[axis]
	out := make([]float32, 0, len(data))
	for b := range n {
		for o := range outer {
			out = append(out, data[(o*n+b)*inner:(o*n+b+1)*inner]...)
		}
	}
	shape := append([]int{n}, dims[:axis]...)
	return out, append(shape, dims[axis+1:]...)
}

// Models exported by PyTorch's exporter (testdata/pytorch/gen_more.py):
// time-major LSTM/GRU, bidirectional layers whose directions are summed,
// multiplied or averaged, GELU written out with Erf, and pooling with
// ceil_mode. Time-major inputs and outputs are taken and given with the
// batch axis first: the test moves PyTorch's batch axis first.
func TestImportPyTorchMore(t *testing.T) {
	dir := filepath.Join("testdata", "pytorch")
	b, err := os.ReadFile(filepath.Join(dir, "more.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases map[string]struct {
		X          []float32 `json:"x"`
		XDims      []int     `json:"x_dims"`
		XBatchAxis int       `json:"x_batch_axis"`
		Y          []float32 `json:"y"`
		YDims      []int     `json:"y_dims"`
		YBatchAxis int       `json:"y_batch_axis"`
	}
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	// The layer each model must be read as.
	wantLayer := map[string]string{
		"bilstm_sum":            "Bidirectional sum",
		"bilstm_mul":            "Bidirectional mul",
		"bigru_ave":             "Bidirectional ave",
		"bilstm_time_major_sum": "Bidirectional sum",
		"bigru_state_sum":       "Bidirectional sum",
		"gelu":                  "Activation gelu",
	}
	if len(cases) != 10 {
		t.Fatalf("%d cases in more.json", len(cases))
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			model, err := onnx.Import(filepath.Join(dir, name+".onnx"))
			if err != nil {
				t.Fatal(err)
			}
			x, xd := moveFirst(c.X, c.XDims, c.XBatchAxis)
			ys, err := model.Predict([]models.Array{tensor.FromSlice(x, xd...)}, models.PredictConfig{Verbose: models.Silent})
			if err != nil {
				t.Fatal(err)
			}
			y, yd := moveFirst(c.Y, c.YDims, c.YBatchAxis)
			if !slices.Equal(ys[0].Shape(), yd) {
				t.Fatalf("shape %v, want %v", ys[0].Shape(), yd)
			}
			for i, w := range y {
				if g := ys[0].Data()[i]; math.Abs(float64(g-w)) > 1e-5 {
					t.Fatalf("y[%d] = %v, PyTorch %v", i, g, w)
				}
			}
			if want, ok := wantLayer[name]; ok {
				var got []string
				for _, l := range model.Layers() {
					switch l := l.(type) {
					case *layers.Bidirectional:
						got = append(got, "Bidirectional "+l.MergeMode)
					case *layers.Activation:
						got = append(got, "Activation "+l.Activation.Name())
					}
				}
				if !slices.Contains(got, want) {
					t.Errorf("the model has %v, not a %s", got, want)
				}
			}
		})
	}
}
