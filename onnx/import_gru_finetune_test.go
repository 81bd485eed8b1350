package onnx_test

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/onnx"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/tensor"
)

// TestImportedGRUResetBeforeFineTunes fine-tunes the bidirectional GRU
// nodes with linear_before_reset=0 of testdata/gru_reset_before, imported
// as Bidirectional GRUs with NoResetAfter: three steps of SGD on the mean
// squared error give the losses, falling, and the first step's gradients
// that torch autograd gives for Keras's reset_after=False GRU from the
// files' weights (finetune.json, made by
// testdata/gen/gru_reset_before_finetune.py).
func TestImportedGRUResetBeforeFineTunes(t *testing.T) {
	dir := filepath.Join("testdata", "gru_reset_before")
	var inputs map[string]struct {
		X     []float32 `json:"x"`
		XDims []int     `json:"x_dims"`
	}
	readJSON(t, filepath.Join(dir, "bidirectional.json"), &inputs)
	var refs map[string]struct {
		Target     []float32            `json:"target"`
		TargetDims []int                `json:"target_dims"`
		LR         float64              `json:"learning_rate"`
		Losses     []float64            `json:"losses"`
		Gradients  map[string][]float64 `json:"gradients"`
	}
	readJSON(t, filepath.Join(dir, "finetune.json"), &refs)
	if len(refs) != 2 {
		t.Fatalf("%d cases", len(refs))
	}
	for name, ref := range refs {
		t.Run(name, func(t *testing.T) {
			m, err := onnx.Import(filepath.Join(dir, "bidirectional_"+name+".onnx"))
			if err != nil {
				t.Fatal(err)
			}
			if gs := grus(m); len(gs) != 1 || !gs[0].NoResetAfter {
				t.Fatalf("GRU layers %+v, want one Bidirectional GRU with NoResetAfter", gs)
			}
			if err := m.Compile(models.CompileConfig{Optimizer: &optimizers.SGD{LearningRate: ref.LR}, Loss: losses.MeanSquaredError{}}); err != nil {
				t.Fatal(err)
			}
			in := inputs[name]
			xd, dims := moveFirst(in.X, in.XDims, 1)
			x := []models.Array{tensor.FromSlice(xd, dims...)}
			y := []models.Array{tensor.FromSlice(ref.Target, ref.TargetDims...)}
			// The GRU's weights by side and name ("forward/kernel"), as
			// the reference names them, with their values before training.
			before := map[string][]float32{}
			current := map[string][]float32{}
			for _, w := range m.NamedWeights() {
				parts := strings.Split(w.Name, "/")
				if len(parts) < 3 {
					continue
				}
				side := strings.SplitN(parts[len(parts)-2], "_", 2)[0]
				key := side + "/" + parts[len(parts)-1]
				before[key] = append([]float32(nil), w.Value.Data()...)
				current[key] = w.Value.Data()
			}
			if len(before) != len(ref.Gradients) {
				t.Fatalf("weights %v, want those of %d references", keys(before), len(ref.Gradients))
			}
			var got []float64
			for step := range ref.Losses {
				h, err := m.Fit(x, y, models.FitConfig{Epochs: 1, BatchSize: ref.TargetDims[0], NoShuffle: true, Verbose: models.Silent})
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, h.History["loss"][0])
				if step > 0 {
					continue
				}
				// Plain SGD moved each weight by -lr·gradient.
				for k, g := range ref.Gradients {
					b, c := before[k], current[k]
					if len(b) != len(g) {
						t.Fatalf("%s: %d values, the reference %d", k, len(b), len(g))
					}
					for i := range g {
						d := float64(b[i]-c[i]) / ref.LR
						if math.Abs(d-g[i]) > 1e-6+1e-4*math.Abs(g[i]) {
							t.Fatalf("gradient of %s[%d] = %v, torch's %v", k, i, d, g[i])
						}
					}
				}
			}
			for i, l := range ref.Losses {
				if math.Abs(got[i]-l) > 1e-5*l {
					t.Errorf("loss at step %d = %v, the reference %v (all: %v, want %v)", i, got[i], l, got, ref.Losses)
				}
			}
			if !(got[len(got)-1] < got[0]) {
				t.Errorf("losses %v did not fall", got)
			}
		})
	}
}
