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

// mergeModel is a functional model that uses every merge layer.
func mergeModel(t testing.TB) *models.Model {
	t.Helper()
	a, b := models.Input([]int{6}, "a"), models.Input([]int{4}, "b")
	da := models.Apply(&layers.Dense{Units: 4, Activation: activations.Tanh}, a)
	db := models.Apply(&layers.Dense{Units: 4, Activation: activations.Tanh}, b)
	add := models.Apply(&layers.Add{}, da, db)
	sub := models.Apply(&layers.Subtract{}, da, db)
	mul := models.Apply(&layers.Multiply{}, da, db)
	avg := models.Apply(&layers.Average{}, add, sub, mul)
	mx := models.Apply(&layers.Maximum{}, avg, da, db)
	mn := models.Apply(&layers.Minimum{}, avg, da)
	dot := models.Apply(&layers.Dot{Axes: []int{1}, Normalize: true}, da, db)
	cat := models.Apply(&layers.Concatenate{}, mx, mn, dot)
	out := models.Apply(&layers.Dense{Units: 3, Activation: activations.Softmax}, cat)
	m, err := models.NewModel([]*models.Node{a, b}, []*models.Node{out})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(models.CompileConfig{Optimizer: optimizers.NewAdam(), Loss: losses.SparseCategoricalCrossentropy{}}); err != nil {
		t.Fatal(err)
	}
	return m
}

func mergeData(n int) (x, y []models.Array) {
	r := rand.New(rand.NewPCG(3, 1))
	a, b, c := tensor.Zeros(n, 6), tensor.Zeros(n, 4), tensor.Zeros(n)
	for _, t := range []*tensor.Tensor{a, b} {
		for i := range t.Data() {
			t.Data()[i] = float32(r.NormFloat64())
		}
	}
	for i := range c.Data() {
		c.Data()[i] = float32(r.IntN(3))
	}
	return []models.Array{a, b}, []models.Array{c}
}

// TestMergeModelSaveLoad trains a model of merge layers, saves it, loads
// it back and checks that it predicts bit for bit the same, and that the
// file names the layers with Keras's classes and keys.
func TestMergeModelSaveLoad(t *testing.T) {
	m := mergeModel(t)
	x, y := mergeData(64)
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
	for _, want := range []string{`"class_name":"Add"`, `"class_name":"Subtract"`, `"class_name":"Average"`,
		`"class_name":"Maximum"`, `"class_name":"Minimum"`, `"class_name":"Multiply"`,
		`"axis":-1`, `"axes":1,"normalize":true`} {
		if !strings.Contains(f.Meta["model_config"], want) {
			t.Errorf("the saved model lacks %s", want)
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

// TestMergeModelFitAllocationsDoNotGrowWithSteps checks that training a
// model of merge layers allocates nothing per step: an epoch of 40 steps
// costs fewer than 30 allocations more than one of 10.
func TestMergeModelFitAllocationsDoNotGrowWithSteps(t *testing.T) {
	m := mergeModel(t)
	fit := func(steps int) float64 {
		x, y := mergeData(steps * 32)
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

// TestMergeModelRejects checks that applying a merge layer to nodes of
// incompatible shapes fails with an error naming the layer and the shapes.
func TestMergeModelRejects(t *testing.T) {
	a, b := models.Input([]int{3}, "a"), models.Input([]int{4}, "b")
	for _, l := range []models.Callable{&layers.Add{}, &layers.Dot{Axes: []int{1}}, &layers.Concatenate{Axis: 1}} {
		out := models.Apply(l, a, b)
		_, err := models.NewModel([]*models.Node{a, b}, []*models.Node{out})
		if l, ok := l.(*layers.Concatenate); ok {
			// [3] and [4] join along axis 1 into [7].
			if err != nil {
				t.Errorf("%s: %v", l.ClassName(), err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), "[3]") || !strings.Contains(err.Error(), "[4]") {
			t.Errorf("%T: got %v, want an error naming [3] and [4]", l, err)
		}
	}
	// As a one-input layer in a Sequential model, a merge layer is refused.
	s := models.NewSequential(&layers.Input{Shape: []int{3}}, &layers.Add{})
	if err := s.Compile(models.CompileConfig{Optimizer: optimizers.NewAdam(), Loss: losses.MeanSquaredError{}}); err == nil || !strings.Contains(err.Error(), "list of inputs") {
		t.Errorf("Sequential with Add: %v", err)
	}
}
