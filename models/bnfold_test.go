package models_test

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/tensor"
)

// foldCNN is a model where a BatchNormalization follows a linear Conv2D
// and a linear Dense, the pattern whose normalization is folded into the
// layer before it at inference.
func foldCNN() *models.Sequential {
	m := models.NewSequential(
		&layers.Conv2D{Filters: 8, KernelSize: [2]int{3, 3}, InputShape: []int{28, 28, 1}},
		&layers.BatchNormalization{Momentum: 0.5},
		&layers.ReLU{},
		&layers.MaxPooling2D{},
		&layers.Conv2D{Filters: 12, KernelSize: [2]int{3, 3}, NoBias: true},
		&layers.BatchNormalization{Momentum: 0.5, NoScale: true},
		&layers.Activation{Activation: activations.ReLU},
		&layers.GlobalAveragePooling2D{},
		&layers.Dense{Units: 16},
		&layers.BatchNormalization{Momentum: 0.5, NoCenter: true},
		&layers.ReLU{},
		&layers.Dense{Units: 10, Activation: activations.Softmax},
	)
	m.Out = &bytes.Buffer{}
	m.SetSeed(9)
	return m
}

// unfused runs the model's layers one by one at inference, so that no
// pair of them is fused.
func unfused(m *models.Sequential, x *tensor.Tensor) []float32 {
	h := x
	for _, l := range m.Layers() {
		h = l.Call(h, false)
	}
	return h.Data()
}

// TestBatchNormFoldedAtInference checks that Predict, which runs a
// BatchNormalization after a linear Conv2D or Dense folded into the
// layer's kernel and bias, predicts what the layers called one by one
// predict, to 1e-5, also after the weights change: by training, by
// writing to a kernel, and by writing to a moving variance.
func TestBatchNormFoldedAtInference(t *testing.T) {
	x, y := images(4, 48, true)
	m := foldCNN()
	compileAdam(t, m, optimizers.NewAdam())
	check := func(when string) {
		t.Helper()
		p, err := m.Predict(x, models.PredictConfig{Verbose: models.Silent, BatchSize: 16})
		if err != nil {
			t.Fatal(err)
		}
		want := unfused(m, x)
		got := p.Data()
		worst, differ := 0.0, false
		for i := range want {
			worst = max(worst, math.Abs(float64(got[i]-want[i])))
			differ = differ || got[i] != want[i]
		}
		if worst > 1e-5 {
			t.Errorf("%s: fused predictions differ from the unfused ones by %g", when, worst)
		}
		if !differ {
			t.Errorf("%s: the predictions are bit-identical to the unfused ones: was anything fused?", when)
		}
		ev, err := m.Evaluate(x, y, models.EvaluateConfig{Verbose: models.Silent})
		if err != nil {
			t.Fatal(err)
		}
		wantAcc := 0
		for r := range y.Data() {
			best := 0
			for j := range 10 {
				if want[r*10+j] > want[r*10+best] {
					best = j
				}
			}
			if best == int(y.Data()[r]) {
				wantAcc++
			}
		}
		if got, want := ev["accuracy"], float64(wantAcc)/float64(y.Size()); math.Abs(got-want) > 1e-9 {
			t.Errorf("%s: Evaluate's accuracy %v, the unfused predictions' %v", when, got, want)
		}
	}
	if _, err := m.Fit(x, y, models.FitConfig{Epochs: 2, BatchSize: 16, Verbose: models.Silent}); err != nil {
		t.Fatal(err)
	}
	check("after training")
	if _, err := m.Fit(x, y, models.FitConfig{Epochs: 1, BatchSize: 16, Verbose: models.Silent}); err != nil {
		t.Fatal(err)
	}
	check("after more training")
	conv := m.Layers()[0].(*layers.Conv2D)
	for i := range conv.Weights()[0].Value.Data() {
		conv.Weights()[0].Value.Data()[i] *= -1.5
	}
	check("after writing to the kernel")
	bn := m.Layers()[9].(*layers.BatchNormalization)
	mv := bn.Weights()[2].Value.Data() // NoCenter: gamma, moving_mean, moving_variance
	for i := range mv {
		mv[i] *= 4
	}
	check("after writing to a moving variance")
}

// TestBatchNormNotFoldedInTraining checks that a linear Conv2D and the
// BatchNormalization after it train as two layers: the gradient reaches
// the kernel and the batch's statistics are used.
func TestBatchNormNotFoldedInTraining(t *testing.T) {
	conv := &layers.Conv2D{Filters: 4, KernelSize: [2]int{3, 3}}
	bn := &layers.BatchNormalization{}
	out, err := conv.Build([]int{6, 6, 2}, rand.New(rand.NewPCG(1, 2)))
	if err == nil {
		_, err = bn.Build(out, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	x := tensor.Zeros(3, 6, 6, 2)
	if _, ok := conv.CallFused(bn, x, true); ok {
		t.Error("a Conv2D and a BatchNormalization were fused in training")
	}
	if _, ok := conv.CallFused(bn, x, false); ok {
		t.Error("a Conv2D and a BatchNormalization were fused at inference while the kernel wants a gradient")
	}
}

// TestBatchNormFoldedInFunctionalModel checks the same fold in a
// functional model, whose graph fuses a step with the next when nothing
// else reads its output: the Conv2D read by the BatchNormalization alone
// is folded, the Dense whose output also feeds an Add is not.
func TestBatchNormFoldedInFunctionalModel(t *testing.T) {
	in := models.Input([]int{28, 28, 1}, "")
	h := models.Apply(&layers.Conv2D{Filters: 6, KernelSize: [2]int{3, 3}}, in)
	h = models.Apply(&layers.BatchNormalization{Momentum: 0.5}, h)
	h = models.Apply(&layers.ReLU{}, h)
	h = models.Apply(&layers.GlobalAveragePooling2D{}, h)
	d := models.Apply(&layers.Dense{Units: 6}, h)
	n := models.Apply(&layers.BatchNormalization{Momentum: 0.5}, d)
	h = models.Apply(&layers.Add{}, d, n)
	out := models.Apply(&layers.Dense{Units: 10, Activation: activations.Softmax}, h)
	m, err := models.NewModel([]*models.Node{in}, []*models.Node{out})
	if err != nil {
		t.Fatal(err)
	}
	m.Out = &bytes.Buffer{}
	m.SetSeed(2)
	err = m.Compile(models.CompileConfig{Optimizer: optimizers.NewAdam(), Loss: losses.SparseCategoricalCrossentropy{}})
	if err != nil {
		t.Fatal(err)
	}
	x, y := images(5, 32, true)
	if _, err := m.Fit([]models.Array{x}, []models.Array{y}, models.FitConfig{Epochs: 2, BatchSize: 8, Verbose: models.Silent}); err != nil {
		t.Fatal(err)
	}
	p, err := m.Predict([]models.Array{x}, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	ls := m.Layers()
	// Input, Conv2D, BN, ReLU, GAP, Dense, BN, Add, Dense.
	h1 := x
	for _, l := range ls[1:6] {
		h1 = l.(layers.Layer).Call(h1, false)
	}
	n1 := ls[6].(layers.Layer).Call(h1, false)
	sum := h1.Add(n1)
	want := ls[8].(layers.Layer).Call(sum, false).Data()
	for i, v := range p[0].Data() {
		if math.Abs(float64(v-want[i])) > 1e-5 {
			t.Fatalf("value %d: %v predicted, %v from the layers one by one", i, v, want[i])
		}
	}
}
