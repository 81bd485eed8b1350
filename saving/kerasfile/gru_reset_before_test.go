package kerasfile_test

import (
	"encoding/json"
	"io"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/saving/kerasfile"
	"github.com/neuron-go/neuron/tensor"
)

// TestGRUResetBeforeFiles saves a model with GRU(reset_after=False),
// alone and in a Bidirectional, to .keras and .h5 and loads it back: the
// same predictions, reset_after false in the config, and the bias as
// Keras lays it out for reset_after=False, one (3·units) dataset, as
// h5py (libhdf5) reads the files.
func TestGRUResetBeforeFiles(t *testing.T) {
	m := models.NewSequential(
		&layers.GRU{Units: 3, NoResetAfter: true, ReturnSequences: true, InputShape: []int{5, 2}},
		&layers.Bidirectional{Layer: &layers.GRU{Units: 2, NoResetAfter: true}},
		&layers.Dense{Units: 1},
	)
	m.Out = io.Discard
	if err := m.Compile(models.CompileConfig{Optimizer: optimizers.NewAdam(), Loss: losses.MeanSquaredError{}}); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(4, 5))
	xs := make([]float32, 4*5*2)
	for i := range xs {
		xs[i] = rng.Float32()*2 - 1
	}
	x := tensor.FromSlice(xs, 4, 5, 2)
	if _, err := m.Fit(x, tensor.FromSlice([]float32{0.1, -0.2, 0.3, 0.4}, 4, 1), models.FitConfig{Epochs: 2, BatchSize: 4, Verbose: models.Silent}); err != nil {
		t.Fatal(err)
	}
	want := predictAll(t, m, x)
	dir := t.TempDir()
	for _, ext := range []string{"keras", "h5"} {
		p := filepath.Join(dir, "m."+ext)
		if err := kerasfile.Save(m, p); err != nil {
			t.Fatal(err)
		}
		back, err := kerasfile.Load(p)
		if err != nil {
			t.Fatalf("%s: %v", ext, err)
		}
		if got := predictAll(t, back, x); !slices.Equal(got, want) {
			t.Errorf("%s: predictions %v, want %v", ext, got, want)
		}
		out := python(t, `
import sys, json, h5py, zipfile, io
p = sys.argv[1]
if p.endswith(".keras"):
    z = zipfile.ZipFile(p)
    cfg = json.loads(z.read("config.json"))
    f = h5py.File(io.BytesIO(z.read("model.weights.h5")), "r")
else:
    f = h5py.File(p, "r")
    cfg = json.loads(f.attrs["model_config"])
def resets(o):
    if isinstance(o, dict):
        if o.get("class_name") == "GRU":
            yield o["config"]["reset_after"]
        for v in o.values():
            yield from resets(v)
    elif isinstance(o, list):
        for v in o:
            yield from resets(v)
biases = []
def visit(name, o):
    if isinstance(o, h5py.Dataset) and len(o.shape) == 1 and name.split("/")[0] in ("layers", "model_weights"):
        biases.append(list(o.shape))
f.visititems(visit)
print(json.dumps({"reset_after": list(resets(cfg)), "biases": sorted(biases)}))
`, p)
		var got struct {
			ResetAfter []bool  `json:"reset_after"`
			Biases     [][]int `json:"biases"`
		}
		if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &got); err != nil {
			t.Fatalf("%s: %v: %s", ext, err, out)
		}
		// The GRU, and Bidirectional's layer and backward_layer.
		if !slices.Equal(got.ResetAfter, []bool{false, false, false}) {
			t.Errorf("%s: reset_after %v in the config, want false for every GRU", ext, got.ResetAfter)
		}
		// Dense's bias, the two sides' and the first GRU's.
		if w := [][]int{{1}, {6}, {6}, {9}}; !slices.EqualFunc(got.Biases, w, slices.Equal) {
			t.Errorf("%s: the weights of rank 1 are %v, want %v", ext, got.Biases, w)
		}
	}
}
