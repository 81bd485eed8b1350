package kerasfile_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/saving/kerasfile"
)

// bidirectionalNames prints, for a legacy .h5 or a .keras file, the names
// of each Bidirectional's layers in the model's config and, for .h5, the
// weight_names of the layers in model_weights.
const bidirectionalNames = `
import sys, json, h5py, zipfile
p = sys.argv[1]
if p.endswith(".keras"):
    cfg = json.loads(zipfile.ZipFile(p).read("config.json"))
    f = None
else:
    f = h5py.File(p, "r")
    cfg = json.loads(f.attrs["model_config"])
for l in cfg["config"]["layers"]:
    c = l["config"]
    if l["class_name"] == "Bidirectional":
        print(c["name"], c["layer"]["config"]["name"], c["backward_layer"]["config"]["name"])
if f is not None:
    g = f["model_weights"]
    for n in g.attrs["layer_names"]:
        n = n.decode() if isinstance(n, bytes) else n
        print(n, [w.decode() if isinstance(w, bytes) else w for w in g[n].attrs["weight_names"]])
`

// A model built as the one Keras 3.13 wrote to keras3_bigru_autoscale.h5
// (two Bidirectional GRUs) saves, as .h5 and .keras, the names Keras gave
// its layers: forward_gru and backward_gru in the first Bidirectional,
// forward_gru_1 and backward_gru_1 in the second, in the configs and in
// the weights' paths.
func TestBidirectionalKerasNames(t *testing.T) {
	m := models.NewSequential(&layers.Input{Shape: []int{30, 39}},
		&layers.Bidirectional{Layer: &layers.GRU{Units: 128, ReturnSequences: true}},
		&layers.Dropout{Rate: 0.3},
		&layers.Bidirectional{Layer: &layers.GRU{Units: 64}},
		&layers.Dropout{Rate: 0.2},
		&layers.Dense{Units: 64, Activation: activations.ReLU},
		&layers.Dense{Units: 2})
	if err := m.Compile(models.CompileConfig{Optimizer: optimizers.NewAdam(), Loss: losses.MeanSquaredError{}}); err != nil {
		t.Fatal(err)
	}
	if err := m.Build(); err != nil {
		t.Fatal(err)
	}
	keras := python(t, bidirectionalNames, "testdata/keras3_bigru_autoscale.h5")
	if !strings.Contains(keras, "bidirectional_1 forward_gru_1 backward_gru_1") {
		t.Fatalf("the fixture's names are not the ones expected:\n%s", keras)
	}
	dir := t.TempDir()
	h5 := filepath.Join(dir, "m.h5")
	if err := kerasfile.Save(m, h5); err != nil {
		t.Fatal(err)
	}
	if got := python(t, bidirectionalNames, h5); got != keras {
		t.Errorf("the names differ from Keras's file:\n%s", diffLines(strings.Split(keras, "\n"), strings.Split(got, "\n")))
	}
	k := filepath.Join(dir, "m.keras")
	if err := kerasfile.Save(m, k); err != nil {
		t.Fatal(err)
	}
	want := strings.Join(strings.Split(keras, "\n")[:2], "\n") + "\n"
	if got := python(t, bidirectionalNames, k); got != want {
		t.Errorf(".keras: the names differ from Keras's:\n%s", diffLines(strings.Split(want, "\n"), strings.Split(got, "\n")))
	}
	// Loaded again, the layers keep the names.
	for _, p := range []string{h5, k} {
		l, err := kerasfile.Load(p)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, w := range l.NamedWeights() {
			names = append(names, w.Name)
		}
		if j := strings.Join(names, " "); !strings.Contains(j, "bidirectional_1/forward_gru_1/kernel") || !strings.Contains(j, "bidirectional/backward_gru/bias") {
			t.Errorf("%s: weights %v", p, names)
		}
	}
}
