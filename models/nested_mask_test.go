package models_test

import (
	"math"
	"testing"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/tensor"
)

// Masks cross the boundary of a nested model both ways, as a Keras
// Functional called on masked tensors propagates them: an Embedding's
// padding mask made inside a nested encoder reaches the outer LSTM, and
// an outer Embedding's mask reaches an LSTM inside a nested model. Each
// predicts bit for bit as the same layers in one flat model with the same
// weights, on sequences with padding.
func TestMasksCrossNestedModels(t *testing.T) {
	tokens := tensor.FromSlice([]float32{3, 1, 4, 0, 0, 2, 7, 0, 0, 0, 5, 9, 2, 6, 5}, 3, 5)
	build := func(nodes func(x *models.Node) *models.Node) *models.Model {
		x := models.Input([]int{5}, "tokens")
		m, err := models.NewModel([]*models.Node{x}, []*models.Node{nodes(x)})
		if err != nil {
			t.Fatal(err)
		}
		m.SetSeed(1)
		return m
	}
	emb := func() *layers.Embedding { return &layers.Embedding{InputDim: 10, OutputDim: 4, MaskZero: true} }
	flat := build(func(x *models.Node) *models.Node {
		return models.Apply(&layers.Dense{Units: 1}, models.Apply(&layers.LSTM{Units: 3}, models.Apply(emb(), x)))
	})
	// The mask made inside the nested model.
	enc := build(func(x *models.Node) *models.Node { return models.Apply(emb(), x) })
	inner := build(func(x *models.Node) *models.Node {
		return models.Apply(&layers.Dense{Units: 1}, models.Apply(&layers.LSTM{Units: 3}, models.Apply(enc.AsLayer(), x)))
	})
	// The mask made outside and used inside.
	seqIn := models.Input([]int{5, 4}, "embedded")
	rnn, err := models.NewModel([]*models.Node{seqIn}, []*models.Node{models.Apply(&layers.LSTM{Units: 3}, seqIn)})
	if err != nil {
		t.Fatal(err)
	}
	outer := build(func(x *models.Node) *models.Node {
		return models.Apply(&layers.Dense{Units: 1}, models.Apply(rnn.AsLayer(), models.Apply(emb(), x)))
	})
	want, err := flat.Predict([]models.Array{tokens}, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	for name, m := range map[string]*models.Model{"mask made inside": inner, "mask used inside": outer} {
		// The same weights in the same order: embeddings, LSTM, Dense.
		for i, w := range m.Weights() {
			copy(w.Data(), flat.Weights()[i].Data())
		}
		got, err := m.Predict([]models.Array{tokens}, models.PredictConfig{Verbose: models.Silent})
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range got[0].Data() {
			if math.Float32bits(v) != math.Float32bits(want[0].Data()[i]) {
				t.Errorf("%s: row %d: %v, the flat model %v", name, i, v, want[0].Data()[i])
			}
		}
	}
}
