package models_test

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/callbacks"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/tensor"
)

// blobs returns n points in d dimensions around `classes` well-separated
// centres, with their class labels.
func blobs(seed uint64, n, d, classes int) (x, y *tensor.Tensor) {
	rng := rand.New(rand.NewPCG(seed, 3))
	centres := make([][]float32, classes)
	for c := range centres {
		centres[c] = make([]float32, d)
		for j := range centres[c] {
			centres[c][j] = float32(rng.NormFloat64() * 4)
		}
	}
	x, y = tensor.Zeros(n, d), tensor.Zeros(n)
	for i := 0; i < n; i++ {
		c := rng.IntN(classes)
		y.Data()[i] = float32(c)
		for j := 0; j < d; j++ {
			x.Data()[i*d+j] = centres[c][j] + float32(rng.NormFloat64())
		}
	}
	return x, y
}

func mlp(in, hidden, classes int) *models.Sequential {
	m := models.NewSequential(
		&layers.Dense{Units: hidden, Activation: activations.ReLU, InputShape: []int{in}},
		&layers.Dense{Units: classes, Activation: activations.Softmax},
	)
	m.Out = &bytes.Buffer{}
	return m
}

func compile(t *testing.T, m *models.Sequential) {
	t.Helper()
	err := m.Compile(models.CompileConfig{
		Optimizer: &optimizers.Adam{LearningRate: 0.01},
		Loss:      losses.SparseCategoricalCrossentropy{},
		Metrics:   []metrics.Metric{metrics.NewAccuracy()},
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestSummary compares the summary of the course's MNIST model with Keras
// 3's output when not on a terminal (76 columns).
func TestSummary(t *testing.T) {
	cases := []struct {
		golden string
		layers []layers.Layer
	}{
		{"testdata/model_a_76.golden", []layers.Layer{
			&layers.Flatten{InputShape: []int{28, 28}},
			&layers.Dense{Units: 256, Activation: activations.ReLU},
			&layers.Dense{Units: 10, Activation: activations.Softmax},
		}},
		{"testdata/model_a_76.golden", []layers.Layer{
			&layers.Input{Shape: []int{28, 28}},
			&layers.Flatten{},
			&layers.Dense{Units: 256, Activation: activations.ReLU},
			&layers.Dense{Units: 10, Activation: activations.Softmax},
		}},
	}
	for _, c := range cases {
		want, err := os.ReadFile(c.golden)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := models.NewSequential(c.layers...).SummaryTo(&buf, 0); err != nil {
			t.Fatal(err)
		}
		if buf.String() != string(want) {
			t.Errorf("summary:\n%s\nwant:\n%s", buf.String(), want)
		}
	}
}

func TestSummaryUnbuilt(t *testing.T) {
	var buf bytes.Buffer
	m := models.NewSequential(&layers.Flatten{}, &layers.Dense{Units: 3})
	if err := m.SummaryTo(&buf, 0); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "0 (unbuilt)") || !strings.Contains(buf.String(), "dense (Dense)") {
		t.Errorf("unbuilt summary:\n%s", buf.String())
	}
}

func TestFitLearnsBlobs(t *testing.T) {
	x, y := blobs(1, 600, 8, 4)
	m := mlp(8, 16, 4)
	compile(t, m)
	h, err := m.Fit(x, y, models.FitConfig{Epochs: 5, Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	if got := h.History["accuracy"][4]; got < 0.95 {
		t.Errorf("training accuracy after 5 epochs = %.3f, want >= 0.95", got)
	}
	if l := h.History["loss"]; !(l[4] < l[0]) {
		t.Errorf("loss did not fall: %v", l)
	}
	if h.Params["steps"] != 19 || h.Params["epochs"] != 5 { // ceil(600/32)
		t.Errorf("params = %v", h.Params)
	}
	if got := strings.Join(h.Keys(), ","); got != "accuracy,loss" {
		t.Errorf("keys = %s", got)
	}
}

// TestFitRepeatable checks that one seed gives bit-identical weights and that
// another seed gives different ones.
func TestFitRepeatable(t *testing.T) {
	x, y := blobs(2, 300, 6, 3)
	run := func(seed uint64) []float32 {
		m := models.NewSequential(
			&layers.Dense{Units: 12, Activation: activations.ReLU, InputShape: []int{6}},
			&layers.Dense{Units: 3, Activation: activations.Softmax},
		)
		m.SetSeed(seed)
		compile(t, m)
		if _, err := m.Fit(x, y, models.FitConfig{Epochs: 2, Verbose: models.Silent}); err != nil {
			t.Fatal(err)
		}
		var all []float32
		for _, w := range m.Weights() {
			all = append(all, w.Data()...)
		}
		return all
	}
	a, b, c := run(7), run(7), run(8)
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			t.Fatalf("same seed, weight %d differs: %v vs %v", i, a[i], b[i])
		}
	}
	same := true
	for i := range a {
		if a[i] != c[i] {
			same = false
		}
	}
	if same {
		t.Error("different seeds gave identical weights")
	}
}

// TestValidationSplit checks Keras's rule: the validation rows are the last
// floor-complement of the data, taken before shuffling, and the reported
// val_loss is the loss on exactly those rows after the epoch.
func TestValidationSplit(t *testing.T) {
	x, y := blobs(3, 100, 5, 3)
	m := mlp(5, 8, 3)
	compile(t, m)
	h, err := m.Fit(x, y, models.FitConfig{Epochs: 1, ValidationSplit: 0.2, Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	if h.Params["steps"] != 3 { // 80 training rows / 32
		t.Errorf("steps = %d, want 3", h.Params["steps"])
	}
	got, err := m.Evaluate(x.Slice(80, 100), y.Slice(80, 100), models.EvaluateConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	if v := h.History["val_loss"][0]; math.Abs(v-got["loss"]) > 1e-6 {
		t.Errorf("val_loss = %v, loss on the last 20 rows = %v", v, got["loss"])
	}
	if _, ok := h.History["val_accuracy"]; !ok {
		t.Errorf("no val_accuracy in %v", h.Keys())
	}
}

// TestValidationSplitSteps checks the step count Keras gives for MNIST-sized
// data: 60,000 rows with validation_split 0.2 leave 48,000 rows, 1500 steps.
func TestValidationSplitSteps(t *testing.T) {
	if testing.Short() {
		t.Skip("trains 1500 steps")
	}
	x, y := tensor.Zeros(60000, 1), tensor.Zeros(60000)
	m := models.NewSequential(&layers.Dense{Units: 2, Activation: activations.Softmax, InputShape: []int{1}})
	m.Out = &bytes.Buffer{}
	compile(t, m)
	h, err := m.Fit(x, y, models.FitConfig{ValidationSplit: 0.2, Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	if h.Params["steps"] != 1500 {
		t.Errorf("steps = %d, want 1500", h.Params["steps"])
	}
}

func TestProgressOutput(t *testing.T) {
	x, y := blobs(4, 64, 3, 2)
	m := mlp(3, 4, 2)
	compile(t, m)
	var buf bytes.Buffer
	m.Out = &buf
	if _, err := m.Fit(x, y, models.FitConfig{Epochs: 2, ValidationData: &models.Data{X: x, Y: y}}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 4 || lines[0] != "Epoch 1/2" || lines[2] != "Epoch 2/2" {
		t.Fatalf("output:\n%s", buf.String())
	}
	for _, l := range []string{lines[1], lines[3]} {
		if !strings.HasPrefix(l, "2/2 ━━━━━━━━━━━━━━━━━━━━ ") || !strings.Contains(l, "/step - accuracy: ") ||
			!strings.Contains(l, " - loss: ") || !strings.Contains(l, " - val_accuracy: ") || !strings.Contains(l, " - val_loss: ") {
			t.Errorf("progress line %q", l)
		}
	}
	buf.Reset()
	if _, err := m.Fit(x, y, models.FitConfig{Verbose: models.OneLine}); err != nil {
		t.Fatal(err)
	}
	if l := buf.String(); !strings.HasPrefix(l, "2/2 - ") || strings.Contains(l, "Epoch") {
		t.Errorf("verbose 2 output %q", l)
	}
}

func TestBadInput(t *testing.T) {
	x, y := blobs(5, 10, 4, 3)
	nan := x.Clone()
	nan.Data()[7] = float32(math.NaN())
	badLabel := y.Clone()
	badLabel.Data()[3] = 3
	frac := y.Clone()
	frac.Data()[2] = 1.5
	cases := []struct {
		name string
		x, y *tensor.Tensor
		cfg  models.FitConfig
		want string
	}{
		{"nil x", nil, y, models.FitConfig{}, "x is nil"},
		{"nil y", x, nil, models.FitConfig{}, "y is nil"},
		{"empty", tensor.Zeros(0, 4), tensor.Zeros(0), models.FitConfig{}, "x is empty"},
		{"wrong features", tensor.Zeros(10, 5), y, models.FitConfig{}, "per-example shape [5], model expects [4]"},
		{"one example", tensor.Zeros(4), y, models.FitConfig{}, "model expects [4]"},
		{"rows differ", x, tensor.Zeros(9), models.FitConfig{}, "y has 9 rows but x has 10"},
		{"NaN input", nan, y, models.FitConfig{}, "NaN at flat index 7"},
		{"label out of range", x, badLabel, models.FitConfig{}, "label 3 is 3"},
		{"fractional label", x, frac, models.FitConfig{}, "label 2 is 1.5"},
		{"negative epochs", x, y, models.FitConfig{Epochs: -1}, "Epochs must be positive, got -1"},
		{"bad split", x, y, models.FitConfig{ValidationSplit: 1}, "ValidationSplit must be in [0, 1), got 1"},
		{"split too small", x, y, models.FitConfig{ValidationSplit: 0.95}, "leaves an empty"},
		{"bad verbose", x, y, models.FitConfig{Verbose: 3}, "Verbose must be"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := mlp(4, 5, 3)
			compile(t, m)
			c.cfg.Verbose = min(c.cfg.Verbose, 3)
			if c.cfg.Verbose == 0 {
				c.cfg.Verbose = models.Silent
			}
			_, err := m.Fit(c.x, c.y, c.cfg)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error = %v, want it to contain %q", err, c.want)
			}
		})
	}
	m := mlp(4, 5, 3)
	if _, err := m.Fit(x, y, models.FitConfig{}); !errors.Is(err, models.ErrNotCompiled) {
		t.Errorf("fit before compile: %v", err)
	}
	if _, err := m.Predict(tensor.Zeros(2, 3), models.PredictConfig{}); err == nil {
		t.Error("predict with a wrong shape succeeded")
	}
	if err := models.NewSequential(&layers.Dense{Units: 0, InputShape: []int{3}}).Compile(models.CompileConfig{Loss: losses.MeanSquaredError{}}); err == nil || !strings.Contains(err.Error(), "Units must be > 0, got 0") {
		t.Errorf("compile with Units 0: %v", err)
	}
	if err := m.Compile(models.CompileConfig{}); err == nil {
		t.Error("compile without a loss succeeded")
	}
}

func TestPredictMatchesCall(t *testing.T) {
	x, y := blobs(6, 70, 4, 3)
	m := mlp(4, 6, 3)
	compile(t, m)
	if _, err := m.Fit(x, y, models.FitConfig{Verbose: models.Silent}); err != nil {
		t.Fatal(err)
	}
	p32, err := m.Predict(x, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	p7, err := m.Predict(x, models.PredictConfig{BatchSize: 7, Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	if got := p32.Shape(); len(got) != 2 || got[0] != 70 || got[1] != 3 {
		t.Fatalf("shape %v", got)
	}
	for i := range p32.Data() {
		if math.Abs(float64(p32.Data()[i]-p7.Data()[i])) > 1e-6 {
			t.Fatalf("batch sizes disagree at %d: %v vs %v", i, p32.Data()[i], p7.Data()[i])
		}
	}
	for r := 0; r < 70; r++ {
		var s float32
		for _, v := range p32.Row(r).Data() {
			s += v
		}
		if math.Abs(float64(s-1)) > 1e-5 {
			t.Fatalf("row %d sums to %v", r, s)
		}
	}
	if m.Weights()[0].RequiresGrad() == false {
		t.Error("Predict left the weights without gradient tracking")
	}
}

// TestEarlyStopping trains on labels that carry no signal, so the model can
// only memorise: validation loss rises and training must stop early, with
// the best epoch's weights restored.
func TestEarlyStopping(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	x, y := tensor.Zeros(64, 10), tensor.Zeros(64)
	vx, vy := tensor.Zeros(64, 10), tensor.Zeros(64)
	for i := range x.Data() {
		x.Data()[i] = float32(rng.NormFloat64())
		vx.Data()[i] = float32(rng.NormFloat64())
	}
	for i := range y.Data() {
		y.Data()[i] = float32(rng.IntN(2))
		vy.Data()[i] = float32(rng.IntN(2))
	}
	m := models.NewSequential(
		&layers.Dense{Units: 64, Activation: activations.ReLU, InputShape: []int{10}},
		&layers.Dense{Units: 2, Activation: activations.Softmax},
	)
	m.Out = &bytes.Buffer{}
	if err := m.Compile(models.CompileConfig{Optimizer: &optimizers.Adam{LearningRate: 0.01}, Loss: losses.SparseCategoricalCrossentropy{}}); err != nil {
		t.Fatal(err)
	}
	es := &callbacks.EarlyStopping{Patience: 2, RestoreBestWeights: true}
	h, err := m.Fit(x, y, models.FitConfig{Epochs: 100, ValidationData: &models.Data{X: vx, Y: vy}, Callbacks: []callbacks.Callback{es}, Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	vl := h.History["val_loss"]
	if len(vl) == 100 || es.StoppedEpoch < 0 {
		t.Fatalf("did not stop early: val_loss %v", vl)
	}
	if es.StoppedEpoch != es.BestEpoch+2 {
		t.Errorf("stopped at %d, best %d, patience 2", es.StoppedEpoch, es.BestEpoch)
	}
	best := vl[es.BestEpoch]
	for _, v := range vl {
		if v < best {
			t.Errorf("best epoch %d has val_loss %v but %v was seen", es.BestEpoch, best, v)
		}
	}
	got, err := m.Evaluate(vx, vy, models.EvaluateConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(got["loss"]-best) > 1e-6 {
		t.Errorf("restored weights give val loss %v, best epoch had %v", got["loss"], best)
	}
}

func TestKFold(t *testing.T) {
	x, y := blobs(10, 100, 4, 2)
	cv, err := models.KFold(x, y, func(fold int) (*models.Sequential, error) {
		m := mlp(4, 8, 2)
		m.SetSeed(uint64(fold))
		err := m.Compile(models.CompileConfig{Optimizer: &optimizers.Adam{LearningRate: 0.01}, Loss: losses.SparseCategoricalCrossentropy{},
			Metrics: []metrics.Metric{metrics.NewAccuracy()}})
		return m, err
	}, models.KFoldConfig{K: 3, Fit: models.FitConfig{Epochs: 10, Verbose: models.Silent}})
	if err != nil {
		t.Fatal(err)
	}
	if len(cv.Folds) != 3 {
		t.Fatalf("%d folds", len(cv.Folds))
	}
	if cv.Mean["val_accuracy"] < 0.9 {
		t.Errorf("mean val_accuracy %v", cv.Mean["val_accuracy"])
	}
	var sum float64
	for _, f := range cv.Folds {
		sum += f["val_loss"]
	}
	if math.Abs(sum/3-cv.Mean["val_loss"]) > 1e-12 {
		t.Errorf("mean %v, folds %v", cv.Mean["val_loss"], cv.Folds)
	}
	if _, err := models.KFold(x, y, nil, models.KFoldConfig{K: 1}); err == nil {
		t.Error("K=1 accepted")
	}
}
