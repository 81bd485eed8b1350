package models_test

import (
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/saving"
	"github.com/neuron-go/neuron/tensor"
)

// sumData is the made-up problem of the examples: is the sum of the four
// inputs positive?
func sumData(n int) (x, y *tensor.Tensor) {
	rng := rand.New(rand.NewPCG(1, 2))
	x, y = tensor.Zeros(n, 4), tensor.Zeros(n)
	for i := range n {
		var s float32
		for j := range 4 {
			v := float32(rng.NormFloat64())
			x.Data()[i*4+j] = v
			s += v
		}
		if s > 0 {
			y.Data()[i] = 1
		}
	}
	return x, y
}

func compiledCustom(t *testing.T, seed uint64) *models.Model {
	t.Helper()
	m, err := models.FromLayer(&residualMLP{}, []int{4})
	if err != nil {
		t.Fatal(err)
	}
	m.SetSeed(seed)
	m.Out = io.Discard
	if err := m.Compile(models.CompileConfig{Optimizer: optimizers.NewAdam(), Loss: losses.SparseCategoricalCrossentropy{},
		Metrics: []metrics.Metric{metrics.NewAccuracy()}}); err != nil {
		t.Fatal(err)
	}
	return m
}

func weightValues(ws []*tensor.Tensor) [][]float32 {
	out := make([][]float32, len(ws))
	for i, w := range ws {
		out[i] = slices.Clone(w.Data())
	}
	return out
}

func sameValues(a, b [][]float32) bool {
	return slices.EqualFunc(a, b, func(x, y []float32) bool { return slices.Equal(x, y) })
}

// TestCustomModelSeed checks that the model's seed reaches a custom
// model's weights and its Dropout (through SeedFrom): the same seed trains
// to the same weights bit for bit, another seed to others.
func TestCustomModelSeed(t *testing.T) {
	x, y := sumData(128)
	train := func(seed uint64) [][]float32 {
		m := compiledCustom(t, seed)
		if _, err := m.Fit([]models.Array{x}, []models.Array{y}, models.FitConfig{Epochs: 2, Verbose: models.Silent}); err != nil {
			t.Fatal(err)
		}
		return weightValues(m.Weights())
	}
	if a, b := train(5), train(5); !sameValues(a, b) {
		t.Error("two runs with seed 5 end with different weights")
	}
	if a, b := train(5), train(6); sameValues(a, b) {
		t.Error("seeds 5 and 6 end with the same weights")
	}
}

// TestCustomTrainingLoopIsFit checks that the custom training loop of
// Example_customTrainingLoop (Call, the loss, tensor.Backward, the
// optimizer's step) is Fit's training step: without shuffling, the two end
// with the same weights bit for bit, Dropout included.
func TestCustomTrainingLoopIsFit(t *testing.T) {
	x, y := sumData(96)
	fitted := compiledCustom(t, 3)
	if _, err := fitted.Fit([]models.Array{x}, []models.Array{y}, models.FitConfig{Epochs: 2, NoShuffle: true, Verbose: models.Silent}); err != nil {
		t.Fatal(err)
	}

	m, err := models.FromLayer(&residualMLP{}, []int{4})
	if err != nil {
		t.Fatal(err)
	}
	m.SetSeed(3)
	opt := optimizers.NewAdam()
	opt.Build(m.Weights())
	lossFn := losses.SparseCategoricalCrossentropy{}
	for range 2 {
		for lo := 0; lo < 96; lo += 32 {
			pred := m.Call([]*tensor.Tensor{x.Slice(lo, lo+32)}, true)[0]
			tensor.Backward(lossFn.Call(y.Slice(lo, lo+32), pred))
			opt.Apply(m.Weights())
			for _, w := range m.Weights() {
				w.ZeroGrad()
			}
		}
	}
	if !sameValues(weightValues(fitted.Weights()), weightValues(m.Weights())) {
		t.Error("the custom loop and Fit end with different weights")
	}
}

// TestCustomModelTrainStepDoesNotAllocate checks that a custom model
// written with tensor operations trains without allocating per step, as
// the built-in layers do.
func TestCustomModelTrainStepDoesNotAllocate(t *testing.T) {
	m := compiledCustom(t, 0)
	arena := tensor.NewArena()
	x, y := sumData(32)
	xs := []*tensor.Tensor{tensor.Zeros(32, 4).InArena(arena)}
	copy(xs[0].Data(), x.Data())
	ys := []*tensor.Tensor{y}
	step := func() {
		m.TrainStep(xs, ys)
		arena.Reset()
	}
	step()
	if allocs := testing.AllocsPerRun(10, step); allocs != 0 {
		t.Errorf("a training step makes %v allocations, want 0", allocs)
	}
}

// twoOut is a custom layer with two outputs.
type twoOut struct{}

func (twoOut) ClassName() string { return "TwoOut" }
func (twoOut) BuildMulti(in [][]int, _ *rand.Rand) ([][]int, error) {
	return [][]int{in[0], in[0]}, nil
}
func (twoOut) CallMulti(xs []*tensor.Tensor, _ bool, outs []*tensor.Tensor) {
	outs[0], outs[1] = xs[0], xs[0]
}
func (twoOut) Weights() []*layers.Weight { return nil }

// twoKernels returns two weights named "kernel".
type twoKernels struct{ a, b *layers.Weight }

func (*twoKernels) ClassName() string { return "TwoKernels" }
func (l *twoKernels) Build(in []int, _ *rand.Rand) ([]int, error) {
	l.a = &layers.Weight{Name: "kernel", Value: tensor.Zeros(in...).RequireGrad(), Trainable: true}
	l.b = &layers.Weight{Name: "kernel", Value: tensor.Zeros(in...).RequireGrad(), Trainable: true}
	return in, nil
}
func (l *twoKernels) Call(x *tensor.Tensor, _ bool) *tensor.Tensor {
	return x.Mul(l.a.Value).Add(l.b.Value)
}
func (l *twoKernels) Weights() []*layers.Weight {
	if l.a == nil {
		return nil
	}
	return []*layers.Weight{l.a, l.b}
}

// TestFromLayerErrors checks FromLayer's errors and the refusal of a
// layer whose weights share a name, in a functional model and in a
// Sequential.
func TestFromLayerErrors(t *testing.T) {
	cases := []struct {
		name  string
		layer models.Callable
		shape [][]int
		want  string
	}{
		{"nil layer", (*residualMLP)(nil), [][]int{{4}}, "FromLayer: the layer is a nil *models_test.residualMLP"},
		{"no shape", &residualMLP{}, nil, "FromLayer ResidualMLP: no input shape"},
		{"bad shape", &residualMLP{}, [][]int{{0}}, "FromLayer ResidualMLP: inputShapes[0]: models: Input \"\": shape [0] has a non-positive dimension"},
		{"two inputs", &residualMLP{}, [][]int{{4}, {4}}, "it takes one input, got 2"},
		{"two outputs", twoOut{}, [][]int{{4}}, "FromLayer TwoOut: the layer has 2 outputs"},
		{"shared weight names", &twoKernels{}, [][]int{{4}}, `layer two_kernels (TwoKernels): two weights are named "kernel"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := models.FromLayer(c.layer, c.shape...)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
	seq := models.NewSequential(&layers.Input{Shape: []int{4}}, &twoKernels{})
	if err := seq.Build(); err == nil || !strings.Contains(err.Error(), `models: build: layer two_kernels (TwoKernels): two weights are named "kernel"`) {
		t.Errorf("Sequential.Build: %v", err)
	}
}

// gatedSum is a custom model with two inputs: softmax(a ⊙ w + b).
type gatedSum struct{ w *layers.Weight }

func (*gatedSum) ClassName() string { return "GatedSum" }
func (g *gatedSum) BuildMulti(in [][]int, _ *rand.Rand) ([][]int, error) {
	g.w = &layers.Weight{Name: "w", Value: tensor.Full(1, in[0]...).RequireGrad(), Trainable: true}
	return [][]int{in[0]}, nil
}
func (g *gatedSum) CallMulti(xs []*tensor.Tensor, _ bool, outs []*tensor.Tensor) {
	outs[0] = xs[0].Mul(g.w.Value).Add(xs[1]).Softmax()
}
func (g *gatedSum) Weights() []*layers.Weight {
	if g.w == nil {
		return nil
	}
	return []*layers.Weight{g.w}
}

// TestFromLayerTwoInputs trains a custom model with two inputs: Fit takes
// one array per input.
func TestFromLayerTwoInputs(t *testing.T) {
	m, err := models.FromLayer(&gatedSum{}, []int{2}, []int{2})
	if err != nil {
		t.Fatal(err)
	}
	if got := m.InputNames(); !slices.Equal(got, []string{"input_layer", "input_layer_1"}) {
		t.Errorf("inputs %v", got)
	}
	if err := m.Compile(models.CompileConfig{Optimizer: &optimizers.SGD{LearningRate: 0.5}, Loss: losses.SparseCategoricalCrossentropy{}}); err != nil {
		t.Fatal(err)
	}
	// The class is the larger of a's two values; b is noise-free zero.
	a, b, y := tensor.Zeros(64, 2), tensor.Zeros(64, 2), tensor.Zeros(64)
	for i := range 64 {
		a.Data()[2*i+i%2] = 0.5
		y.Data()[i] = float32(i % 2)
	}
	h, err := m.Fit([]models.Array{a, b}, []models.Array{y}, models.FitConfig{Epochs: 5, Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	if l := h.History["loss"]; l[len(l)-1] >= l[0] {
		t.Errorf("the loss did not fall: %v", l)
	}
	if w := m.Weights()[0].Data(); w[0] <= 1 || w[1] <= 1 {
		t.Errorf("w = %v, want both above their initial 1", w)
	}
}

// savableMLP is residualMLP with a config, registered as a custom layer
// is, so that a model of it can be saved and loaded.
type savableMLP struct{ residualMLP }

func (*savableMLP) ClassName() string    { return "SavableMLP" }
func (*savableMLP) Config() (any, error) { return struct{}{}, nil }

// RandomState and SetRandomState implement layers.RandomStater with the
// Dropout's generator, so that a file holds where its masks are.
func (m *savableMLP) RandomState() ([]byte, error)  { return m.dropout.RandomState() }
func (m *savableMLP) SetRandomState(b []byte) error { return m.dropout.SetRandomState(b) }

// Plan implements layers.Planner: the loader checks a file's weights
// against it before allocating any.
func (*savableMLP) Plan(in []int) ([]int, []layers.WeightShape, error) {
	if len(in) != 1 {
		return nil, nil, fmt.Errorf("want examples of shape (features,), got %v", in)
	}
	f := in[0]
	return []int{2}, []layers.WeightShape{
		{Name: "hidden/kernel", Shape: []int{f, 16}}, {Name: "hidden/bias", Shape: []int{16}},
		{Name: "back/kernel", Shape: []int{16, f}}, {Name: "back/bias", Shape: []int{f}},
		{Name: "alpha", Shape: []int{f}},
		{Name: "head/kernel", Shape: []int{f, 2}}, {Name: "head/bias", Shape: []int{2}},
	}, nil
}

func init() {
	layers.Register("SavableMLP", func(b []byte) (layers.Layer, error) {
		var c struct{}
		if err := layers.DecodeConfig(b, &c); err != nil {
			return nil, err
		}
		return &savableMLP{}, nil
	})
}

// TestCustomModelSaveLoad saves a trained custom model whose class is
// registered and loads it back: the same predictions bit for bit, and the
// same training afterwards (the optimizer's state and the Dropout's
// random state come back too).
func TestCustomModelSaveLoad(t *testing.T) {
	x, y := sumData(64)
	m, err := models.FromLayer(&savableMLP{}, []int{4})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(models.CompileConfig{Optimizer: optimizers.NewAdam(), Loss: losses.SparseCategoricalCrossentropy{}}); err != nil {
		t.Fatal(err)
	}
	fit := models.FitConfig{Epochs: 2, Verbose: models.Silent}
	if _, err := m.Fit([]models.Array{x}, []models.Array{y}, fit); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "mlp.safetensors")
	if err := saving.Save(m, path); err != nil {
		t.Fatal(err)
	}
	got, err := saving.LoadModel(path)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.WeightNames(), m.WeightNames()) {
		t.Errorf("weights %v, saved %v", got.WeightNames(), m.WeightNames())
	}
	p1, err := m.Predict([]models.Array{x}, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	p2, err := got.Predict([]models.Array{x}, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p1[0].Data(), p2[0].Data()) {
		t.Error("the loaded model predicts otherwise")
	}
	for _, mm := range []*models.Model{m, got} {
		if _, err := mm.Fit([]models.Array{x}, []models.Array{y}, fit); err != nil {
			t.Fatal(err)
		}
	}
	if !sameValues(weightValues(m.Weights()), weightValues(got.Weights())) {
		t.Error("the loaded model trains on to other weights")
	}
}
