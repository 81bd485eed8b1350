package saving_test

import (
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/saving"
	"github.com/neuron-go/neuron/tensor"
)

// A functional model with Bidirectional(merge_mode=None), whose two
// outputs feed an Add, trains, saves (merge_mode null, as Keras writes it)
// and loads back to the same predictions and summary.
func TestBidirectionalMergeModeNoneModel(t *testing.T) {
	in := models.Input([]int{6, 3}, "seq")
	sides, err := models.ApplyMulti(&layers.Bidirectional{Layer: &layers.GRU{Units: 4}, MergeMode: "none"}, in)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := models.ApplyMulti(&layers.Add{}, sides...)
	if err != nil {
		t.Fatal(err)
	}
	out := models.Apply(&layers.Dense{Units: 1}, sum[0])
	m, err := models.NewModel([]*models.Node{in}, []*models.Node{out})
	if err != nil {
		t.Fatal(err)
	}
	m.SetSeed(3)
	if err := m.Compile(models.CompileConfig{Optimizer: optimizers.NewAdam(), Loss: losses.MeanSquaredError{}}); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(5, 5))
	x, y := tensor.Zeros(32, 6, 3), tensor.Zeros(32, 1)
	for i := range x.Data() {
		x.Data()[i] = float32(r.NormFloat64())
	}
	for i := range y.Data() {
		y.Data()[i] = float32(r.NormFloat64())
	}
	if _, err := m.Fit([]models.Array{x}, []models.Array{y}, models.FitConfig{Epochs: 2, BatchSize: 8, Verbose: models.Silent}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := saving.Save(m, path); err != nil {
		t.Fatal(err)
	}
	cfg, err := saving.ModelConfig(m)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(cfg), `"merge_mode":null`) {
		t.Errorf("the config does not hold merge_mode null:\n%s", cfg)
	}
	got, err := saving.LoadModel(path)
	if err != nil {
		t.Fatal(err)
	}
	p1, _ := m.Predict([]models.Array{x}, models.PredictConfig{Verbose: models.Silent})
	p2, _ := got.Predict([]models.Array{x}, models.PredictConfig{Verbose: models.Silent})
	if !slices.Equal(p1[0].Data(), p2[0].Data()) {
		t.Error("predictions differ after loading")
	}
	var s1, s2 strings.Builder
	_ = m.SummaryTo(&s1, 100)
	_ = got.SummaryTo(&s2, 100)
	if s1.String() != s2.String() {
		t.Errorf("summaries differ:\n%s\n%s", s1.String(), s2.String())
	}
	t.Log(s1.String())
}
