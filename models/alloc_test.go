package models_test

import (
	"io"
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/internal/course"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/tensor"
)

// courseModels are the three course programs' models, with their
// per-example input shapes, and two models with BatchNormalization.
var courseModels = []struct {
	name  string
	build func() *models.Sequential
	in    []int
}{
	{"mnist dnn", course.MNISTDNN, []int{28, 28}},
	{"fashion dnn with dropout", course.FashionDNN, []int{28, 28}},
	{"fashion cnn", course.FashionCNN, []int{28, 28, 1}},
	{"fashion cnn with batch normalization", course.FashionCNNBN, []int{28, 28, 1}},
	{"batch normalization after linear conv and dense", foldCNN, []int{28, 28, 1}},
}

// TestTrainStepDoesNotAllocate checks that a steady-state training step of
// each course model (forward, loss, backward, Adam, accuracy) makes no heap
// allocation: tensors, graph nodes and buffers all come from the arena or
// from pools.
func TestTrainStepDoesNotAllocate(t *testing.T) {
	for _, tc := range courseModels {
		t.Run(tc.name, func(t *testing.T) {
			m := tc.build()
			if err := course.Compile(m); err != nil {
				t.Fatal(err)
			}
			arena := tensor.NewArena()
			x := tensor.Zeros(append([]int{32}, tc.in...)...).InArena(arena)
			y := tensor.Zeros(32)
			for i := range x.Data() {
				x.Data()[i] = float32(i%251) / 251
			}
			for i := range y.Data() {
				y.Data()[i] = float32(i % 10)
			}
			step := func() {
				m.TrainStep(x, y)
				arena.Reset()
			}
			step() // warm-up: the arena, the optimizer's slots, the pools
			if allocs := testing.AllocsPerRun(10, step); allocs != 0 {
				t.Errorf("a training step allocates %v times, want 0", allocs)
			}
		})
	}
}

// TestFitAllocationsDoNotGrowWithSteps checks the same through Fit, silent
// and with each progress display: an epoch of 40 steps allocates no more
// than one of 10, give or take the odd refill of a pool after a garbage
// collection (fewer than one allocation per step).
func TestFitAllocationsDoNotGrowWithSteps(t *testing.T) {
	m := course.MNISTDNN()
	if err := course.Compile(m); err != nil {
		t.Fatal(err)
	}
	m.Out = io.Discard
	for _, v := range []models.Verbosity{models.Silent, models.ProgressBar, models.OneLine} {
		fit := func(steps int) float64 {
			x, y := tensor.Zeros(steps*32, 28, 28), tensor.Zeros(steps*32)
			for i := range y.Data() {
				y.Data()[i] = float32(i % 10)
			}
			return testing.AllocsPerRun(3, func() {
				if _, err := m.Fit(x, y, models.FitConfig{Verbose: v}); err != nil {
					t.Fatal(err)
				}
			})
		}
		fit(10) // warm-up
		short, long := fit(10), fit(40)
		t.Logf("verbose %d: allocations of a Fit call: %v with 10 steps, %v with 40", v, short, long)
		if long-short >= 30 {
			t.Errorf("verbose %d: 30 more steps cost %v more allocations, want fewer than 30 (none per step)", v, long-short)
		}
	}
}

// TestResidualCNNTrainStepDoesNotAllocate checks a functional model with
// branches made of built-in layers only, examples/fashion_resnet's residual
// network (a skip connection around two "same" convolutions, joined by
// Add, twice): a steady-state training step makes no heap allocation.
func TestResidualCNNTrainStepDoesNotAllocate(t *testing.T) {
	m, err := course.FashionResNet(0)
	if err != nil {
		t.Fatal(err)
	}
	arena := tensor.NewArena()
	x := []*tensor.Tensor{tensor.Zeros(32, 28, 28, 1).InArena(arena)}
	y := []*tensor.Tensor{tensor.Zeros(32)}
	for i := range x[0].Data() {
		x[0].Data()[i] = float32(i%251) / 251
	}
	for i := range y[0].Data() {
		y[0].Data()[i] = float32(i % 10)
	}
	step := func() {
		m.TrainStep(x, y)
		arena.Reset()
	}
	step()
	if allocs := testing.AllocsPerRun(10, step); allocs != 0 {
		t.Errorf("a training step allocates %v times, want 0", allocs)
	}
}

// TestTransformerTrainStepDoesNotAllocate checks a training step of a
// transformer encoder classifier (Embedding, PositionEmbedding, every
// attention layer with dropout and masks, LayerNormalization, Dense on
// sequences, pooling): no heap allocation.
func TestTransformerTrainStepDoesNotAllocate(t *testing.T) {
	tokens, mask := models.Input([]int{16}, "tokens"), models.Input([]int{16, 16}, "mask")
	x := models.Apply(&layers.Embedding{InputDim: 20, OutputDim: 16}, tokens)
	x = models.Apply(&layers.Add{}, x, models.Apply(&layers.PositionEmbedding{SequenceLength: 16}, x))
	a := models.Apply(&layers.MultiHeadAttention{NumHeads: 4, KeyDim: 4, Dropout: 0.1, AttentionMask: true, UseCausalMask: true}, x, x, x, mask)
	x = models.Apply(&layers.LayerNormalization{Epsilon: 1e-6}, models.Apply(&layers.Add{}, x, a))
	f := models.Apply(&layers.Dense{Units: 16}, models.Apply(&layers.Dense{Units: 32, Activation: activations.ReLU}, x))
	x = models.Apply(&layers.LayerNormalization{Epsilon: 1e-6}, models.Apply(&layers.Add{}, x, f))
	x = models.Apply(&layers.Attention{UseScale: true, Dropout: 0.1}, x, x)
	x = models.Apply(&layers.AdditiveAttention{}, x, x)
	out := models.Apply(&layers.Dense{Units: 3, Activation: activations.Softmax}, models.Apply(&layers.GlobalAveragePooling1D{}, x))
	m, err := models.NewModel([]*models.Node{tokens, mask}, []*models.Node{out})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(models.CompileConfig{Optimizer: optimizers.NewAdam(), Loss: losses.SparseCategoricalCrossentropy{}}); err != nil {
		t.Fatal(err)
	}
	arena := tensor.NewArena()
	xs := []*tensor.Tensor{tensor.Zeros(32, 16).InArena(arena), tensor.Full(1, 32, 16, 16).InArena(arena)}
	y := []*tensor.Tensor{tensor.Zeros(32)}
	for i := range xs[0].Data() {
		xs[0].Data()[i] = float32(i % 20)
	}
	for i := range y[0].Data() {
		y[0].Data()[i] = float32(i % 3)
	}
	step := func() {
		m.TrainStep(xs, y)
		arena.Reset()
	}
	step()
	if allocs := testing.AllocsPerRun(10, step); allocs != 0 {
		t.Errorf("a training step allocates %v times, want 0", allocs)
	}
}

// TestMaskedSequenceTrainStepDoesNotAllocate checks a training step of a
// sequence tagger whose output carries a mask (Embedding mask_zero → LSTM
// return_sequences → Dense), with the mask weighting the loss and the
// accuracy over per-step labels.
func TestMaskedSequenceTrainStepDoesNotAllocate(t *testing.T) {
	m := models.NewSequential(
		&layers.Input{Shape: []int{6}},
		&layers.Embedding{InputDim: 10, OutputDim: 4, MaskZero: true},
		&layers.LSTM{Units: 5, ReturnSequences: true},
		&layers.Dense{Units: 3, Activation: activations.Softmax},
	)
	m.Out = io.Discard
	if err := m.Compile(models.CompileConfig{Optimizer: &optimizers.Adam{}, Loss: losses.SparseCategoricalCrossentropy{}, Metrics: []metrics.Metric{metrics.NewSparseCategoricalAccuracy()}}); err != nil {
		t.Fatal(err)
	}
	arena := tensor.NewArena()
	x := tensor.Zeros(8, 6).InArena(arena)
	y := tensor.Zeros(8, 6)
	for i := range x.Data() {
		if i%6 < 4+i/6%3 {
			x.Data()[i] = float32(1 + i%9)
		}
		y.Data()[i] = float32(i % 3)
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
