package saving_test

import (
	"io"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/saving"
	"github.com/neuron-go/neuron/tensor"
)

// TestGRUResetBeforeSaveLoad saves a model with GRU(reset_after=False),
// alone and in a Bidirectional, to neuron's files and loads it back: the
// layers keep NoResetAfter and the predictions are the same.
func TestGRUResetBeforeSaveLoad(t *testing.T) {
	m := models.NewSequential(
		&layers.GRU{Units: 3, NoResetAfter: true, ReturnSequences: true, InputShape: []int{5, 2}},
		&layers.Bidirectional{Layer: &layers.GRU{Units: 2, NoResetAfter: true}},
		&layers.Dense{Units: 1},
	)
	m.Out = io.Discard
	if err := m.Build(); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(4, 5))
	xs := make([]float32, 4*5*2)
	for i := range xs {
		xs[i] = rng.Float32()*2 - 1
	}
	x := tensor.FromSlice(xs, 4, 5, 2)
	want, err := m.Predict(x, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "gru")
	if err := saving.Save(m, p); err != nil {
		t.Fatal(err)
	}
	back, err := saving.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if g, ok := back.Layers()[0].(*layers.GRU); !ok || !g.NoResetAfter {
		t.Fatalf("first layer %#v, want a GRU with NoResetAfter", back.Layers()[0])
	}
	got, err := back.Predict(x, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Data(), want.Data()) {
		t.Errorf("predictions %v, want %v", got.Data(), want.Data())
	}
}
