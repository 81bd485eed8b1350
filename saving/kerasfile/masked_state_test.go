package kerasfile_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/saving/kerasfile"
	"github.com/neuron-go/neuron/tensor"
)

// TestMaskedReturnStateFile saves a functional model whose recurrent
// layers return their states on masked sequences (Embedding(mask_zero)
// → LSTM(return_sequences, return_state) and Bidirectional(GRU(
// return_state))) as .keras and .h5 and loads it back: Keras's configs
// (return_state in the Bidirectional's layer, the nodes' output indices)
// and the same predictions, the masked states included.
func TestMaskedReturnStateFile(t *testing.T) {
	tokens := models.Input([]int{5}, "tokens")
	e := models.Apply(&layers.Embedding{InputDim: 9, OutputDim: 3, MaskZero: true}, tokens)
	ls, err := models.ApplyMulti(&layers.LSTM{Units: 4, ReturnSequences: true, ReturnState: true}, e)
	if err != nil {
		t.Fatal(err)
	}
	bs, err := models.ApplyMulti(&layers.Bidirectional{Layer: &layers.GRU{Units: 3, ReturnState: true}, MergeMode: "sum"}, e)
	if err != nil {
		t.Fatal(err)
	}
	pooled := models.Apply(&layers.GlobalAveragePooling1D{}, ls[0])
	out := models.Apply(&layers.Concatenate{}, pooled, ls[1], ls[2], bs[0], bs[1], bs[2])
	m, err := models.NewModel([]*models.Node{tokens}, []*models.Node{models.Apply(&layers.Dense{Units: 2}, out)})
	if err != nil {
		t.Fatal(err)
	}
	m.SetSeed(9)
	x := tensor.New([]int{3, 5}, []float32{0, 0, 3, 4, 5, 1, 2, 0, 0, 0, 6, 0, 7, 8, 0})
	want := predictAll(t, m, x)
	dir := t.TempDir()
	for _, name := range []string{"m.keras", "m.h5"} {
		p := filepath.Join(dir, name)
		if err := kerasfile.Save(m, p); err != nil {
			t.Fatal(err)
		}
		back, err := kerasfile.Load(p)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := predictAll(t, back, x); !slices.Equal(got, want) {
			t.Errorf("%s: predictions %v, want %v", name, got, want)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "m.h5"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := string(b)
	for _, s := range []string{`"class_name": "Bidirectional"`, `"return_state": true`, `"merge_mode": "sum"`} {
		if !strings.Contains(cfg, s) && !strings.Contains(cfg, strings.ReplaceAll(s, ": ", ":")) {
			t.Errorf("the config lacks %s", s)
		}
	}
}
