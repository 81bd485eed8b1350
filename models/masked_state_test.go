package models_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/tensor"
)

// maskedStateModel is Embedding(mask_zero=True) → LSTM(return_sequences,
// return_state) and Bidirectional(GRU(return_state)) in a functional
// model: outputs the per-step Dense on the LSTM's sequence (which keeps
// the mask), the LSTM's h and c, the Bidirectional's forward and backward
// h, and a Dense on them all.
func maskedStateModel(t *testing.T) (*models.Model, *layers.Embedding, *layers.LSTM, *layers.Bidirectional) {
	t.Helper()
	emb := &layers.Embedding{InputDim: 10, OutputDim: 3, MaskZero: true}
	lstm := &layers.LSTM{Units: 4, ReturnSequences: true, ReturnState: true}
	bi := &layers.Bidirectional{Layer: &layers.GRU{Units: 3, ReturnState: true}}
	tokens := models.Input([]int{6}, "tokens")
	e := models.Apply(emb, tokens)
	ls, err := models.ApplyMulti(lstm, e)
	if err != nil {
		t.Fatal(err)
	}
	bs, err := models.ApplyMulti(bi, e)
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) != 3 || len(bs) != 3 {
		t.Fatalf("%d and %d outputs", len(ls), len(bs))
	}
	tags := models.ApplyNamed("tags", &layers.Dense{Units: 2}, ls[0])
	all := models.Apply(&layers.Concatenate{}, ls[1], ls[2], bs[0], bs[1], bs[2])
	score := models.ApplyNamed("score", &layers.Dense{Units: 2}, all)
	outs := []*models.Node{tags}
	for i, n := range []*models.Node{ls[1], ls[2], bs[1], bs[2]} {
		// Outputs are named after their layers, one layer each.
		outs = append(outs, models.ApplyNamed([]string{"h", "c", "forward_h", "backward_h"}[i], &layers.Identity{}, n))
	}
	m, err := models.NewModel([]*models.Node{tokens}, append(outs, score))
	if err != nil {
		t.Fatal(err)
	}
	m.SetSeed(5)
	return m, emb, lstm, bi
}

// maskedTokens are token sequences padded at the front, at the end, in
// the middle, and not at all.
func maskedTokens() *tensor.Tensor {
	return tensor.New([]int{4, 6}, []float32{
		0, 0, 3, 4, 5, 6,
		1, 2, 3, 0, 0, 0,
		7, 0, 8, 0, 9, 1,
		2, 3, 4, 5, 6, 7,
	})
}

// TestMaskedReturnStateInModel checks that a functional model carries
// the Embedding's mask into recurrent layers called with return_state
// (as a MultiLayer): the states equal the layers' own given the mask
// (which layers' tests check against Keras's recurrence and torch's
// packed sequences), and differ from the unmasked ones where a row is
// padded.
func TestMaskedReturnStateInModel(t *testing.T) {
	m, emb, lstm, bi := maskedStateModel(t)
	x := maskedTokens()
	got, err := m.Predict([]models.Array{x}, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	e := emb.Call(x, false)
	mask := tensor.StepMask(x, 0)
	lo, lm := make([]*tensor.Tensor, 3), make([]*tensor.Tensor, 3)
	lstm.CallMultiMasked([]*tensor.Tensor{e}, []*tensor.Tensor{mask}, false, lo, lm)
	bo, bm := make([]*tensor.Tensor, 3), make([]*tensor.Tensor, 3)
	bi.CallMultiMasked([]*tensor.Tensor{e}, []*tensor.Tensor{mask}, false, bo, bm)
	want := []*tensor.Tensor{lo[1], lo[2], bo[1], bo[2]}
	for i, w := range want {
		g := got[1+i].Data()
		for j, v := range w.Data() {
			if g[j] != v {
				t.Fatalf("output %d, value %d: %v, want %v (the masked state)", 1+i, j, g[j], v)
			}
		}
	}
	// Unmasked, the states of the padded rows differ.
	lstm.CallMulti([]*tensor.Tensor{e}, false, lo)
	if lo[1].Data()[4] == got[1].Data()[4] {
		t.Errorf("the model's h of a row padded at the end equals the unmasked layer's")
	}
}

// TestMaskedReturnStateTrainStepDoesNotAllocate checks a training step
// of the model, whose per-step output carries the mask into its loss:
// no heap allocation.
func TestMaskedReturnStateTrainStepDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items")
	}
	m, _, _, _ := maskedStateModel(t)
	// The per-step tags and the score are trained (the states are
	// outputs without a loss).
	ce := losses.SparseCategoricalCrossentropy{FromLogits: true}
	if err := m.Compile(models.CompileConfig{Optimizer: optimizers.NewAdam(), OutputLosses: map[string]losses.Loss{"tags": ce, "score": ce}}); err != nil {
		t.Fatal(err)
	}
	arena := tensor.NewArena()
	x := []*tensor.Tensor{tensor.Zeros(8, 6).InArena(arena)}
	for i := range x[0].Data() {
		if i%6 < 3+i/6%4 {
			x[0].Data()[i] = float32(1 + i%9)
		}
	}
	shapes := [][]int{{8, 6}, {8, 4}, {8, 4}, {8, 3}, {8, 3}, {8}}
	ys := make([]*tensor.Tensor, len(shapes))
	for i, s := range shapes {
		ys[i] = tensor.Zeros(s...).InArena(arena)
		for j := range ys[i].Data() {
			ys[i].Data()[j] = float32(j % 2)
		}
	}
	step := func() {
		m.TrainStep(x, ys)
		arena.Reset()
	}
	step()
	if allocs := testing.AllocsPerRun(10, step); allocs != 0 {
		t.Errorf("a training step allocates %v times, want 0", allocs)
	}
}

// TestMaskedReturnStatePredictorConcurrent runs the model from several
// goroutines through a Predictor (the race detector checks that the
// Bidirectional's call arguments are not shared): each call gives
// Predict's outputs.
func TestMaskedReturnStatePredictorConcurrent(t *testing.T) {
	m, _, _, _ := maskedStateModel(t)
	x := maskedTokens()
	want, err := m.Predict([]models.Array{x}, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	p, err := m.NewPredictor(models.PredictorConfig{})
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			for range 5 {
				got, err := p.Predict(context.Background(), x)
				if err != nil {
					errs <- err
					return
				}
				for i := range want {
					if !slices.Equal(got[i].Data(), want[i].Data()) {
						errs <- fmt.Errorf("output %d differs from Predict's", i)
						return
					}
				}
			}
			errs <- nil
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
