package models_test

import (
	"bytes"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/saving"
	"github.com/neuron-go/neuron/tensor"
)

// TestBidirectionalModel trains Embedding → Bidirectional(LSTM) →
// TimeDistributed(Dense) → GlobalAveragePooling1D → Dense on a task that
// needs the order of the tokens (does token 1 come before token 2?),
// checks the summary rows, and that a saved model loads to the same
// predictions.
func TestBidirectionalModel(t *testing.T) {
	m := models.NewSequential(
		&layers.Input{Shape: []int{6}},
		&layers.Embedding{InputDim: 6, OutputDim: 4},
		&layers.Bidirectional{Layer: &layers.LSTM{Units: 5, ReturnSequences: true}},
		&layers.TimeDistributed{Layer: &layers.Dense{Units: 3, Activation: activations.ReLU}},
		&layers.GlobalAveragePooling1D{},
		&layers.Dense{Units: 1, Activation: activations.Sigmoid},
	)
	out := &bytes.Buffer{}
	m.Out = out
	m.SetSeed(2)
	err := m.Compile(models.CompileConfig{Optimizer: &optimizers.Adam{LearningRate: 0.02}, Loss: losses.BinaryCrossentropy{}, Metrics: []metrics.Metric{metrics.NewBinaryAccuracy()}})
	if err != nil {
		t.Fatal(err)
	}
	n := 384
	x, y := tensor.Zeros(n, 6), tensor.Zeros(n, 1)
	for i := range n {
		row := x.Data()[i*6 : i*6+6]
		for j := range row {
			row[j] = float32(3 + (i*7+j*5)%3)
		}
		a, b := i%6, (i/6)%5
		if b >= a {
			b++
		}
		row[a], row[b] = 1, 2
		if a < b {
			y.Data()[i] = 1
		}
	}
	m.Summary()
	for _, row := range []string{"bidirectional (Bidirectional)", "(None, 6, 10)", "time_distributed", "(TimeDistributed)", "(None, 6, 3)"} {
		if !strings.Contains(out.String(), row) {
			t.Errorf("summary lacks %q:\n%s", row, out)
		}
	}
	// Bidirectional: 2 × (4·20 + 5·20 + 20) = 400; TimeDistributed: 10·3 + 3 = 33.
	if got, want := m.CountParams(), 24+400+33+4; got != want {
		t.Errorf("CountParams %d, want %d", got, want)
	}
	h, err := m.Fit(x, y, models.FitConfig{Epochs: 25, BatchSize: 32, Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	if acc := h.History["binary_accuracy"]; acc[len(acc)-1] < 0.95 {
		t.Errorf("accuracy %v after 25 epochs, want >= 0.95", acc[len(acc)-1])
	}
	path := filepath.Join(t.TempDir(), "bi.neuron")
	if err := saving.Save(m, path); err != nil {
		t.Fatal(err)
	}
	back, err := saving.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	p1, err := m.Predict(x, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	p2, err := back.Predict(x, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range p1.Data() {
		if p2.Data()[i] != v {
			t.Fatalf("prediction %d: %v after loading, %v before", i, p2.Data()[i], v)
		}
	}
}

// maskedTextModel is Embedding(mask_zero) → Bidirectional(LSTM with
// dropout and recurrent_dropout) → GlobalAveragePooling1D → Dense, as a
// Keras text classifier is written.
func maskedTextModel(t *testing.T) *models.Sequential {
	m := models.NewSequential(
		&layers.Input{Shape: []int{8}},
		&layers.Embedding{InputDim: 12, OutputDim: 4, MaskZero: true},
		&layers.Bidirectional{Layer: &layers.LSTM{Units: 3, ReturnSequences: true, Dropout: 0.2, RecurrentDropout: 0.2}},
		&layers.Dropout{Rate: 0.1},
		&layers.GlobalAveragePooling1D{},
		&layers.Dense{Units: 2, Activation: activations.Softmax},
	)
	m.Out = io.Discard
	m.SetSeed(4)
	if err := m.Compile(models.CompileConfig{Optimizer: optimizers.NewAdam(), Loss: losses.SparseCategoricalCrossentropy{}}); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestMaskZeroPadding checks that with mask_zero the padding does not
// count, whichever side it is on (pad_sequences's "pre" and "post"), and
// that a masked model's training step allocates nothing.
func TestMaskZeroPadding(t *testing.T) {
	m := maskedTextModel(t)
	tokens := [][]float32{{3, 5, 7}, {1, 2, 3, 4, 5, 6}, {11}, {9, 9, 1, 10, 2, 3, 4, 8}}
	pre, post := tensor.Zeros(len(tokens), 8), tensor.Zeros(len(tokens), 8)
	for i, s := range tokens {
		copy(pre.Data()[i*8+8-len(s):], s)
		copy(post.Data()[i*8:], s)
	}
	p1, err := m.Predict(pre, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	p2, err := m.Predict(post, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	for i := range p1.Data() {
		if d := p1.Data()[i] - p2.Data()[i]; d > 1e-6 || d < -1e-6 {
			t.Fatalf("row %d: pre-padded %v, post-padded %v", i/2, p1.Row(i/2).Data(), p2.Row(i/2).Data())
		}
	}
	arena := tensor.NewArena()
	x := tensor.Zeros(32, 8).InArena(arena)
	y := tensor.Zeros(32)
	for i := range x.Data() {
		if i%8 >= i/8%8 {
			x.Data()[i] = float32(1 + i%11)
		}
	}
	for i := range y.Data() {
		y.Data()[i] = float32(i % 2)
	}
	step := func() {
		m.TrainStep(x, y)
		arena.Reset()
	}
	step()
	if allocs := testing.AllocsPerRun(10, step); allocs != 0 {
		t.Errorf("a masked training step allocates %v times, want 0", allocs)
	}
}

// TestStatefulFit trains a stateful LSTM as Keras's stateful time-series
// examples do (fixed batch size, no shuffling, ResetStates between
// epochs) and checks that a last batch of another size is an error.
func TestStatefulFit(t *testing.T) {
	lstm := &layers.LSTM{Units: 4, Stateful: true}
	m := models.NewSequential(&layers.Input{Shape: []int{5, 1}}, lstm, &layers.Dense{Units: 1})
	m.Out = io.Discard
	if err := m.Compile(models.CompileConfig{Optimizer: optimizers.NewAdam(), Loss: losses.MeanSquaredError{}}); err != nil {
		t.Fatal(err)
	}
	x, y := tensor.Zeros(32, 5, 1), tensor.Zeros(32, 1)
	for i := range x.Data() {
		x.Data()[i] = float32(i%9) / 9
	}
	for e := 0; e < 2; e++ {
		if _, err := m.Fit(x, y, models.FitConfig{Epochs: 1, BatchSize: 8, NoShuffle: true, Verbose: models.Silent}); err != nil {
			t.Fatal(err)
		}
		lstm.ResetStates()
	}
	_, err := m.Fit(x, y, models.FitConfig{Epochs: 1, BatchSize: 10, NoShuffle: true, Verbose: models.Silent})
	if err == nil || !strings.Contains(err.Error(), "stateful: a batch of 2 sequences, but the states are for batches of 10") {
		t.Errorf("Fit with another batch size: %v", err)
	}
}

// TestMaskThroughAttention checks that masks go through layers of several
// inputs as Keras's do: Embedding(mask_zero) → MultiHeadAttention (the
// masks of query and value join its attention mask) → Add (the inputs'
// masks combined) → GlobalAveragePooling1D (the real steps only). The same
// model (its weights) on sequences of 3 tokens without padding must then
// give what it gives on those tokens padded to 7, at either end.
func TestMaskThroughAttention(t *testing.T) {
	build := func(steps int) *models.Model {
		x := models.Input([]int{steps}, "tokens")
		e := models.Apply(&layers.Embedding{InputDim: 10, OutputDim: 8, MaskZero: true}, x)
		h := models.Apply(&layers.Add{}, e, models.Apply(&layers.MultiHeadAttention{NumHeads: 2, KeyDim: 4}, e, e))
		y := models.Apply(&layers.Dense{Units: 1, Activation: activations.Sigmoid}, models.Apply(&layers.GlobalAveragePooling1D{}, h))
		m, err := models.NewModel([]*models.Node{x}, []*models.Node{y})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	long, short := build(7), build(3)
	for i, w := range short.Weights() { // the same layers' weights
		copy(w.Data(), long.Weights()[i].Data())
	}
	tokens := [][]float32{{3, 5, 7}, {1, 2, 3}, {9, 9, 4}}
	pre, post, plain := tensor.Zeros(3, 7), tensor.Zeros(3, 7), tensor.Zeros(3, 3)
	for i, s := range tokens {
		copy(pre.Data()[i*7+4:], s)
		copy(post.Data()[i*7:], s)
		copy(plain.Data()[i*3:], s)
	}
	want, err := short.Predict([]models.Array{plain}, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range []*tensor.Tensor{pre, post} {
		got, err := long.Predict([]models.Array{x}, models.PredictConfig{Verbose: models.Silent})
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range want[0].Data() {
			if d := got[0].Data()[i] - v; d > 1e-5 || d < -1e-5 {
				t.Errorf("row %d: padded %v, unpadded %v", i, got[0].Data()[i], v)
			}
		}
	}
}
