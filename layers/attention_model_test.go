package layers_test

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/internal/safetensors"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/saving"
	"github.com/neuron-go/neuron/tensor"
)

// attentionModel is a small transformer encoder classifier over token
// ids, with every attention layer: positions added to the embeddings,
// MultiHeadAttention with dropout, residual Add and LayerNormalization,
// a Dense feed-forward block, Attention and AdditiveAttention over the
// result, pooled and classified.
func attentionModel(t testing.TB) *models.Model {
	t.Helper()
	tokens := models.Input([]int{8}, "tokens")
	x := models.Apply(&layers.Embedding{InputDim: 10, OutputDim: 8}, tokens)
	x = models.Apply(&layers.Add{}, x, models.Apply(&layers.PositionEmbedding{SequenceLength: 8}, x))
	a := models.Apply(&layers.MultiHeadAttention{NumHeads: 2, KeyDim: 4, Dropout: 0.1}, x, x)
	x = models.Apply(&layers.LayerNormalization{Epsilon: 1e-6}, models.Apply(&layers.Add{}, x, a))
	f := models.Apply(&layers.Dense{Units: 8}, models.Apply(&layers.Dense{Units: 16, Activation: activations.ReLU}, x))
	x = models.Apply(&layers.LayerNormalization{Epsilon: 1e-6}, models.Apply(&layers.Add{}, x, f))
	c := models.Apply(&layers.Attention{UseScale: true, UseCausalMask: true}, x, x)
	d := models.Apply(&layers.AdditiveAttention{}, x, c, x)
	e := models.Apply(&layers.Attention{ScoreMode: "concat", Dropout: 0.1}, d, x)
	out := models.Apply(&layers.Dense{Units: 2, Activation: activations.Softmax}, models.Apply(&layers.GlobalAveragePooling1D{}, e))
	m, err := models.NewModel([]*models.Node{tokens}, []*models.Node{out})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(models.CompileConfig{Optimizer: optimizers.NewAdam(), Loss: losses.SparseCategoricalCrossentropy{}}); err != nil {
		t.Fatal(err)
	}
	return m
}

// tokenData is sequences of 8 ids in [0, 10); the class is whether id 3
// occurs before id 7 (a task that needs the positions).
func tokenData(n int) (x, y []models.Array) {
	r := rand.New(rand.NewPCG(5, 1))
	xs, ys := tensor.Zeros(n, 8), tensor.Zeros(n)
	for i := range n {
		first3, first7 := 9, 9
		for j := range 8 {
			v := r.IntN(10)
			xs.Data()[i*8+j] = float32(v)
			if v == 3 && first3 == 9 {
				first3 = j
			}
			if v == 7 && first7 == 9 {
				first7 = j
			}
		}
		if first3 < first7 {
			ys.Data()[i] = 1
		}
	}
	return []models.Array{xs}, []models.Array{ys}
}

// TestAttentionModelSaveLoad trains the model, saves it, loads it back and
// checks that it predicts bit for bit the same, with the weights under
// Keras's names and shapes.
func TestAttentionModelSaveLoad(t *testing.T) {
	m := attentionModel(t)
	x, y := tokenData(64)
	if _, err := m.Fit(x, y, models.FitConfig{Epochs: 2, BatchSize: 16, Verbose: models.Silent}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := saving.Write(&buf, m); err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.Open(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"class_name":"MultiHeadAttention"`, `"class_name":"Attention"`, `"class_name":"AdditiveAttention"`,
		`"class_name":"PositionEmbedding"`, `"num_heads":2`, `"use_causal_mask":true`, `"score_mode":"concat"`} {
		if !strings.Contains(f.Meta["model_config"], want) {
			t.Errorf("the saved model lacks %s", want)
		}
	}
	shapes := map[string][]int{}
	for _, ti := range f.Entries {
		shapes[ti.Name] = ti.Shape
	}
	for name, want := range map[string][]int{
		"multi_head_attention/query/kernel": {8, 2, 4}, "multi_head_attention/query/bias": {2, 4},
		"multi_head_attention/attention_output/kernel": {2, 4, 8}, "multi_head_attention/attention_output/bias": {8},
		"attention/scale": {}, "additive_attention/scale": {8}, "attention_1/concat_score_weight": {},
		"position_embedding/embeddings": {8, 8},
	} {
		if got, ok := shapes[name]; !ok || !slices.Equal(got, want) {
			t.Errorf("weight %s: %v (saved: %v), want %v", name, got, ok, want)
		}
	}
	got, err := saving.ReadModel(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	p1, err := m.Predict(x, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	p2, err := got.Predict(x, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p1[0].Data(), p2[0].Data()) {
		t.Error("predictions differ after loading")
	}
}

// TestAttentionModelFitAllocationsDoNotGrowWithSteps checks that training
// allocates nothing per step.
func TestAttentionModelFitAllocationsDoNotGrowWithSteps(t *testing.T) {
	m := attentionModel(t)
	fit := func(steps int) float64 {
		x, y := tokenData(steps * 32)
		return testing.AllocsPerRun(3, func() {
			if _, err := m.Fit(x, y, models.FitConfig{Verbose: models.Silent}); err != nil {
				t.Fatal(err)
			}
		})
	}
	fit(10)
	short, long := fit(10), fit(40)
	if long-short >= 30 {
		t.Errorf("30 more steps cost %v more allocations (%v and %v), want fewer than 30", long-short, short, long)
	}
}

// TestAttentionModelSummary checks the summary rows of the attention
// layers: Keras 3's output shapes, parameter counts and inputs.
func TestAttentionModelSummary(t *testing.T) {
	m := attentionModel(t)
	var buf bytes.Buffer
	if err := m.SummaryTo(&buf, 160); err != nil {
		t.Fatal(err)
	}
	for _, row := range [][]string{
		{"position_embedding (PositionEmbedding)", "(None, 8, 8)", " 64 ", "embedding[0][0]"},
		// 4 projections of 8·8 weights and 8 biases.
		{"multi_head_attention (MultiHeadAttention)", "(None, 8, 8)", " 288 ", "add[0][0], add[0][0]"},
		{"dense (Dense)", "(None, 8, 16)", " 144 "},
		{"attention (Attention)", "(None, 8, 8)", " 1 ", "layer_normalization_1[0][0],"},
		{"additive_attention (AdditiveAttention)", "(None, 8, 8)", " 8 ", "layer_normalization_1[0][0],"},
	} {
		found := false
		for _, line := range strings.Split(buf.String(), "\n") {
			ok := true
			for _, cell := range row {
				ok = ok && strings.Contains(line, cell)
			}
			found = found || ok
		}
		if !found {
			t.Errorf("no summary row with %q:\n%s", row, buf.String())
		}
	}
}

// TestAttentionScoresOutput uses MultiHeadAttention's attention scores as
// a second output of a model, with an attention mask as an input: the
// scores of a masked key are 0, and the model saves and loads.
func TestAttentionScoresOutput(t *testing.T) {
	q, mask := models.Input([]int{4, 6}, "q"), models.Input([]int{4, 5}, "mask")
	v := models.Input([]int{5, 3}, "v")
	outs, err := models.ApplyMulti(&layers.MultiHeadAttention{NumHeads: 2, KeyDim: 3, AttentionMask: true, ReturnAttentionScores: true}, q, v, mask)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(outs[0].Shape(), []int{4, 6}) || !slices.Equal(outs[1].Shape(), []int{2, 4, 5}) {
		t.Fatalf("output shapes %v and %v", outs[0].Shape(), outs[1].Shape())
	}
	// A model's outputs come from distinct layers (they are named after
	// them): the scores go through an Identity.
	m, err := models.NewModel([]*models.Node{q, v, mask}, []*models.Node{outs[0], models.Apply(&layers.Identity{}, outs[1])})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(models.CompileConfig{Optimizer: optimizers.NewAdam(), Loss: losses.MeanSquaredError{}}); err != nil {
		t.Fatal(err)
	}
	mk := tensor.Full(1, 3, 4, 5)
	for b := range 3 {
		for i := range 4 {
			mk.Data()[(b*4+i)*5+2] = 0 // no query attends to key 2
		}
	}
	xs := []models.Array{tensor.Full(0.5, 3, 4, 6), tensor.Full(-0.25, 3, 5, 3), mk}
	ys := []models.Array{tensor.Zeros(3, 4, 6), tensor.Zeros(3, 2, 4, 5)}
	if _, err := m.Fit(xs, ys, models.FitConfig{Epochs: 1, Verbose: models.Silent}); err != nil {
		t.Fatal(err)
	}
	pred, err := m.Predict(xs, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range pred[1].Data() {
		if i%5 == 2 && p != 0 {
			t.Fatalf("score %d of a masked key is %v", i, p)
		}
	}
	var buf bytes.Buffer
	if _, err := saving.Write(&buf, m); err != nil {
		t.Fatal(err)
	}
	got, err := saving.ReadModel(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	p2, err := got.Predict(xs, models.PredictConfig{Verbose: models.Silent})
	if err != nil || !slices.Equal(p2[1].Data(), pred[1].Data()) || !slices.Equal(p2[0].Data(), pred[0].Data()) {
		t.Errorf("predictions differ after loading (%v)", err)
	}
}
