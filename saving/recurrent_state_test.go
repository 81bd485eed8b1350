package saving_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/callbacks"
	"github.com/neuron-go/neuron/internal/safetensors"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/saving"
	"github.com/neuron-go/neuron/tensor"
)

// TestEncoderDecoderSaveLoad builds the encoder-decoder of Keras's
// sequence-to-sequence tutorial (an LSTM with return_state whose last h
// and c start a second LSTM, initial_state=[h, c]), trains it briefly,
// and checks that the file lists the states as Keras's kwargs
// initial_state and loads back to the same predictions.
func TestEncoderDecoderSaveLoad(t *testing.T) {
	enc, dec := models.Input([]int{5, 3}, "encoder_inputs"), models.Input([]int{4, 2}, "decoder_inputs")
	states, err := models.ApplyMulti(&layers.LSTM{Units: 6, ReturnState: true}, enc)
	if err != nil {
		t.Fatal(err)
	}
	seq, err := models.ApplyMulti(&layers.LSTM{Units: 6, ReturnSequences: true}, dec, states[1], states[2])
	if err != nil {
		t.Fatal(err)
	}
	out := models.Apply(&layers.TimeDistributed{Layer: &layers.Dense{Units: 2}}, seq[0])
	m, err := models.NewModel([]*models.Node{enc, dec}, []*models.Node{out})
	if err != nil {
		t.Fatal(err)
	}
	m.SetSeed(3)
	if err := m.Compile(models.CompileConfig{Optimizer: optimizers.NewAdam(), Loss: losses.MeanSquaredError{}}); err != nil {
		t.Fatal(err)
	}
	x1, x2, y := tensor.Zeros(64, 5, 3), tensor.Zeros(64, 4, 2), tensor.Zeros(64, 4, 2)
	for i := range x1.Data() {
		x1.Data()[i] = float32(i%7) / 7
	}
	for i := range x2.Data() {
		x2.Data()[i] = float32(i%5) / 5
		y.Data()[i] = float32(i%3) / 3
	}
	xs := []models.Array{x1, x2}
	if _, err := m.Fit(xs, []models.Array{y}, models.FitConfig{Epochs: 2, BatchSize: 16, Verbose: models.Silent}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "seq2seq.neuron")
	if err := saving.Save(m, path); err != nil {
		t.Fatal(err)
	}
	back, err := saving.LoadModel(path)
	if err != nil {
		t.Fatal(err)
	}
	p1, err := m.Predict(xs, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	p2, err := back.Predict(xs, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range p1[0].Data() {
		if p2[0].Data()[i] != v {
			t.Fatalf("prediction %d: %v after loading, %v before", i, p2[0].Data()[i], v)
		}
	}
	var buf bytes.Buffer
	if _, err := saving.Write(&buf, m); err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.Open(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	cfg := f.Meta["model_config"]
	if !strings.Contains(cfg, `"kwargs":{"initial_state":[{"class_name":"__keras_tensor__"`) || !strings.Contains(cfg, `"return_state":true`) {
		t.Errorf("config lacks Keras's initial_state kwargs or return_state:\n%s", cfg)
	}
}

// rnnDropoutModel is a text model whose recurrent layers draw dropout
// masks: Embedding → Bidirectional(LSTM, dropout and recurrent_dropout)
// → GRU(dropout) → Dense.
func rnnDropoutModel(t *testing.T) *models.Sequential {
	m := models.NewSequential(
		&layers.Input{Shape: []int{6}},
		&layers.Embedding{InputDim: 9, OutputDim: 3, MaskZero: true},
		&layers.Bidirectional{Layer: &layers.LSTM{Units: 3, ReturnSequences: true, Dropout: 0.2, RecurrentDropout: 0.3}},
		&layers.GRU{Units: 2, Dropout: 0.25},
		&layers.Dense{Units: 2, Activation: activations.Softmax},
	)
	m.SetSeed(11)
	if err := m.Compile(models.CompileConfig{Optimizer: optimizers.NewAdam(), Loss: losses.SparseCategoricalCrossentropy{}}); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestRecurrentDropoutResumesExactly interrupts the training of a model
// whose recurrent layers draw dropout masks and resumes it from backups:
// the weights and history equal an uninterrupted run's, so the layers'
// random streams travel in the backups.
func TestRecurrentDropoutResumesExactly(t *testing.T) {
	x, y := tensor.Zeros(40, 6), tensor.Zeros(40)
	for i := range x.Data() {
		if i%6 >= i/6%4 {
			x.Data()[i] = float32(1 + i%8)
		}
	}
	for i := range y.Data() {
		y.Data()[i] = float32(i % 2)
	}
	fit := func(cbs ...callbacks.Callback) models.FitConfig {
		return models.FitConfig{Epochs: 2, BatchSize: 8, Verbose: models.Silent, Callbacks: cbs}
	}
	ref := rnnDropoutModel(t)
	refH, err := ref.Fit(x, y, fit())
	if err != nil {
		t.Fatal(err)
	}
	for _, stops := range [][]int{{3}, {5, 4}} {
		dir := t.TempDir()
		for _, after := range stops {
			m := rnnDropoutModel(t)
			if _, err := m.Fit(x, y, fit(&saving.BackupAndRestore{Dir: dir, SaveEvery: 1}, &interrupt{after: after})); !errors.Is(err, errInterrupted) {
				t.Fatalf("interrupted run: %v", err)
			}
		}
		m := rnnDropoutModel(t)
		h, err := m.Fit(x, y, fit(&saving.BackupAndRestore{Dir: dir, SaveEvery: 1}))
		if err != nil {
			t.Fatal(err)
		}
		if weightsSHA256(m) != weightsSHA256(ref) || !reflect.DeepEqual(h.History, refH.History) {
			t.Errorf("stops %v: the resumed run differs from the uninterrupted one: %v vs %v", stops, h.History, refH.History)
		}
	}
}

// TestMaskedBidirectionalStatesSaveLoad saves a functional model whose
// Bidirectional(LSTM) returns its states on a sequence masked by an
// Embedding(mask_zero=True), with a second LSTM started from those
// states, and loads it back to the same predictions.
func TestMaskedBidirectionalStatesSaveLoad(t *testing.T) {
	tokens := models.Input([]int{6}, "tokens")
	e := models.Apply(&layers.Embedding{InputDim: 9, OutputDim: 3, MaskZero: true}, tokens)
	bs, err := models.ApplyMulti(&layers.Bidirectional{Layer: &layers.LSTM{Units: 3, ReturnSequences: true, ReturnState: true}, MergeMode: "ave"}, e)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := models.ApplyMulti(&layers.LSTM{Units: 3}, bs[0], bs[1], bs[2])
	if err != nil {
		t.Fatal(err)
	}
	out := models.Apply(&layers.Dense{Units: 2}, models.Apply(&layers.Concatenate{}, dec[0], bs[3], bs[4]))
	m, err := models.NewModel([]*models.Node{tokens}, []*models.Node{out})
	if err != nil {
		t.Fatal(err)
	}
	m.SetSeed(4)
	x := tensor.FromSlice([]float32{0, 0, 1, 2, 3, 4, 5, 6, 0, 0, 0, 0, 7, 0, 8, 0, 1, 2}, 3, 6)
	p1, err := m.Predict([]models.Array{x}, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"m.neuron", "m.keras"} {
		path := filepath.Join(t.TempDir(), name)
		if err := saving.Save(m, path); err != nil {
			t.Fatal(err)
		}
		back, err := saving.LoadModel(path)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		p2, err := back.Predict([]models.Array{x}, models.PredictConfig{Verbose: models.Silent})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(p1[0].Data(), p2[0].Data()) {
			t.Errorf("%s: predictions %v after loading, %v before", name, p2[0].Data(), p1[0].Data())
		}
	}
}
