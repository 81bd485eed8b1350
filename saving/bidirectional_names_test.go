package saving_test

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/saving"
	"github.com/neuron-go/neuron/tensor"
)

// oldNames reads the predictions saved beside the files neuron wrote
// before Bidirectional named its layers as Keras does.
func oldNames(t *testing.T) map[string][]float32 {
	t.Helper()
	b, err := os.ReadFile("testdata/bidirectional_old_names.json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string][]float32
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func closeTo(t *testing.T, what string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if math.Abs(float64(got[i]-want[i])) > 1e-5 {
			t.Fatalf("%s[%d] = %v, want %v", what, i, got[i], want[i])
		}
	}
}

func weightNames(ws []*layers.Weight) []string {
	var out []string
	for _, w := range ws {
		out = append(out, w.Name)
	}
	return out
}

// Files saved when both Bidirectionals' layers were forward_gru and
// backward_gru load with those names, predict as when saved, keep the
// names when saved again and go on training; a model built anew names
// the second one's layers forward_gru_1 and backward_gru_1, as Keras.
func TestBidirectionalOldNamesLoad(t *testing.T) {
	want := oldNames(t)
	x := tensor.New([]int{8, 5, 3}, want["x"])
	old := "bidirectional_1/forward_gru/kernel"
	seq, err := saving.Load("testdata/bidirectional_old_names.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	fn, err := saving.LoadModel("testdata/bidirectional_old_names_functional.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	p, err := seq.Predict(x, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	closeTo(t, "sequential", p.Data(), want["sequential"])
	ps, err := fn.Predict([]models.Array{x}, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	closeTo(t, "functional", ps[0].Data(), want["functional"])
	for _, m := range []saving.Model{seq, fn} {
		if names := weightNames(m.NamedWeights()); !slices.Contains(names, old) {
			t.Errorf("%T: weights %v, want %s among them", m, names, old)
		}
		cfg, err := saving.ModelConfig(m)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(cfg), "forward_gru_1") || !strings.Contains(string(cfg), `"name":"forward_gru"`) {
			t.Errorf("%T: the config renames the layers: %s", m, cfg)
		}
	}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := saving.Save(seq, path); err != nil {
		t.Fatal(err)
	}
	seq2, err := saving.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if names := weightNames(seq2.NamedWeights()); !slices.Contains(names, old) {
		t.Errorf("saved again, the weights are renamed: %v", names)
	}
	y := tensor.Zeros(8, 1)
	if _, err := seq.Fit(x, y, models.FitConfig{Epochs: 1, BatchSize: 4, Verbose: models.Silent}); err != nil {
		t.Fatal(err)
	}

	fresh := models.NewSequential(&layers.Input{Shape: []int{5, 3}},
		&layers.Bidirectional{Layer: &layers.GRU{Units: 3, ReturnSequences: true}},
		&layers.Bidirectional{Layer: &layers.GRU{Units: 2}},
		&layers.Dense{Units: 1})
	if err := fresh.Build(); err != nil {
		t.Fatal(err)
	}
	wantNames := []string{"bidirectional/forward_gru/kernel", "bidirectional/forward_gru/recurrent_kernel", "bidirectional/forward_gru/bias",
		"bidirectional/backward_gru/kernel", "bidirectional/backward_gru/recurrent_kernel", "bidirectional/backward_gru/bias",
		"bidirectional_1/forward_gru_1/kernel", "bidirectional_1/forward_gru_1/recurrent_kernel", "bidirectional_1/forward_gru_1/bias",
		"bidirectional_1/backward_gru_1/kernel", "bidirectional_1/backward_gru_1/recurrent_kernel", "bidirectional_1/backward_gru_1/bias",
		"dense/kernel", "dense/bias"}
	if got := weightNames(fresh.NamedWeights()); !slices.Equal(got, wantNames) {
		t.Errorf("weights %v, want %v", got, wantNames)
	}

	// In a functional model too, and a plain GRU counts with the wrapped
	// ones: Keras names the GRUs gru, gru_1, gru_2 in the order it makes them.
	in := models.Input([]int{5, 3}, "seq")
	h := models.Apply(&layers.GRU{Units: 3, ReturnSequences: true}, in)
	h = models.Apply(&layers.Bidirectional{Layer: &layers.GRU{Units: 2}}, h)
	f, err := models.NewModel([]*models.Node{in}, []*models.Node{h})
	if err != nil {
		t.Fatal(err)
	}
	got := weightNames(f.NamedWeights())
	if !slices.Contains(got, "gru/kernel") || !slices.Contains(got, "bidirectional/forward_gru_1/kernel") || !slices.Contains(got, "bidirectional/backward_gru_1/bias") {
		t.Errorf("functional: weights %v, want gru/… and bidirectional/forward_gru_1/…", got)
	}
}
