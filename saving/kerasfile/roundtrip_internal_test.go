package kerasfile

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/saving"
	"github.com/neuron-go/neuron/tensor"
)

// trainedSequential is a small model of the layers whose variables Keras
// keeps in sublayers, trained for two steps so that the optimizer has
// state.
func trainedSequential(t *testing.T, opt optimizers.Optimizer) (*models.Sequential, *tensor.Tensor) {
	t.Helper()
	m := models.NewSequential(
		&layers.Conv2D{Filters: 2, KernelSize: [2]int{3, 3}, InputShape: []int{6, 6, 1}},
		&layers.BatchNormalization{},
		&layers.Reshape{TargetShape: []int{8, 4}},
		&layers.LSTM{Units: 3, ReturnSequences: true},
		&layers.Bidirectional{Layer: &layers.GRU{Units: 2}},
		&layers.Dense{Units: 3, Activation: activations.Softmax},
	)
	m.Out = io.Discard
	if err := m.Compile(models.CompileConfig{Optimizer: opt, Loss: losses.SparseCategoricalCrossentropy{}}); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	xs := make([]float32, 4*36)
	for i := range xs {
		xs[i] = rng.Float32()
	}
	x := tensor.FromSlice(xs, 4, 6, 6, 1)
	y := tensor.FromSlice([]float32{0, 1, 2, 1}, 4)
	if _, err := m.Fit(x, y, models.FitConfig{Epochs: 2, BatchSize: 4, Verbose: models.Silent}); err != nil {
		t.Fatal(err)
	}
	return m, x
}

func predict(t *testing.T, m saving.Model, x *tensor.Tensor) []float32 {
	t.Helper()
	switch m := m.(type) {
	case *models.Sequential:
		y, err := m.Predict(x, models.PredictConfig{Verbose: models.Silent})
		if err != nil {
			t.Fatal(err)
		}
		return y.Data()
	case *models.Model:
		y, err := m.Predict([]models.Array{x}, models.PredictConfig{Verbose: models.Silent})
		if err != nil {
			t.Fatal(err)
		}
		return y[0].Data()
	}
	t.Fatalf("model %T", m)
	return nil
}

// TestRoundTrip3 writes a trained model in Keras 3's layout (to an
// in-memory tree) and reads it back: same predictions, same optimizer
// state, and the Keras group paths Keras's saving_lib uses.
func TestRoundTrip3(t *testing.T) {
	for _, opt := range []optimizers.Optimizer{optimizers.NewAdam(), &optimizers.RMSprop{LearningRate: 0.01, Rho: 0.9, Momentum: 0.5, Epsilon: 1e-7}} {
		m, x := trainedSequential(t, opt)
		e, err := export(m)
		if err != nil {
			t.Fatal(err)
		}
		root, err := e.weights3()
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"layers/conv2d/vars/1", "layers/batch_normalization/vars/3", "layers/lstm/cell/vars/2",
			"layers/bidirectional/forward_layer/cell/vars/0", "layers/bidirectional/backward_layer/cell/vars/2", "layers/dense/vars/1", "optimizer/vars/0"} {
			if _, ok, _ := lookupDataset(root, p); !ok {
				t.Errorf("%s: no dataset %s", opt.Name(), p)
			}
		}
		for p, want := range map[string]string{"layers/lstm/cell/vars": "lstm_cell", "layers/bidirectional/forward_layer/vars": "forward_gru",
			"layers/bidirectional/backward_layer/cell/vars": "gru_cell", "layers/reshape/vars": "reshape"} {
			g, ok, _ := lookupGroup(root, p)
			if n, _, _ := g.attr("name"); !ok || n != want {
				t.Errorf("%s: name %v, want %q", p, n, want)
			}
		}
		tr, err := translateModel(mustJSON(e.config), nil, false)
		if err != nil {
			t.Fatal(err)
		}
		m2, err := load3(tr, root, 1<<30)
		if err != nil {
			t.Fatal(err)
		}
		if a, b := predict(t, m, x), predict(t, m2, x); !slices.Equal(a, b) {
			t.Errorf("%s: predictions differ: %v vs %v", opt.Name(), a, b)
		}
		s1, _ := m.TrainingState()
		s2, _ := m2.TrainingState()
		if s1.Optimizer.Iterations != s2.Optimizer.Iterations || len(s1.Optimizer.Slots) != len(s2.Optimizer.Slots) {
			t.Fatalf("%s: optimizer state %d/%d slots vs %d/%d", opt.Name(), s1.Optimizer.Iterations, len(s1.Optimizer.Slots), s2.Optimizer.Iterations, len(s2.Optimizer.Slots))
		}
		for j := range s1.Optimizer.Slots {
			for i := range s1.Optimizer.Slots[j].Values {
				if !slices.Equal(s1.Optimizer.Slots[j].Values[i], s2.Optimizer.Slots[j].Values[i]) {
					t.Errorf("%s: slot %s[%d] differs", opt.Name(), s1.Optimizer.Slots[j].Name, i)
				}
			}
		}
		if s1.LearningRate != s2.LearningRate && m.Optimizer().LR() != m2.Optimizer().LR() {
			t.Errorf("%s: learning rate %v vs %v", opt.Name(), m.Optimizer().LR(), m2.Optimizer().LR())
		}
	}
}

// TestRoundTripLegacy does the same through the legacy .h5 layout.
func TestRoundTripLegacy(t *testing.T) {
	m, x := trainedSequential(t, optimizers.NewAdam())
	w, err := h5WriterTree(m)
	if err != nil {
		t.Fatal(err)
	}
	m2, err := loadLegacy(w, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := predict(t, m, x), predict(t, m2, x); !slices.Equal(a, b) {
		t.Errorf("predictions differ: %v vs %v", a, b)
	}
	s1, _ := m.TrainingState()
	s2, _ := m2.TrainingState()
	if s1.Optimizer.Iterations != s2.Optimizer.Iterations {
		t.Errorf("iterations %d vs %d", s1.Optimizer.Iterations, s2.Optimizer.Iterations)
	}
	for j := range s1.Optimizer.Slots {
		for i := range s1.Optimizer.Slots[j].Values {
			if !slices.Equal(s1.Optimizer.Slots[j].Values[i], s2.Optimizer.Slots[j].Values[i]) {
				t.Errorf("slot %s[%d] differs", s1.Optimizer.Slots[j].Name, i)
			}
		}
	}
	var wn []string
	g, _, _ := lookupGroup(w, "model_weights/lstm")
	v, _, _ := g.attr("weight_names")
	wn = v.([]string)
	if want := []string{"sequential/lstm/lstm_cell/kernel", "sequential/lstm/lstm_cell/recurrent_kernel", "sequential/lstm/lstm_cell/bias"}; !slices.Equal(wn, want) {
		t.Errorf("lstm weight_names %q, want %q", wn, want)
	}
}

// trainedFunctional is a functional model with MultiHeadAttention,
// TimeDistributed, Embedding-free sequence layers and a nested model.
func trainedFunctional(t *testing.T) (*models.Model, *tensor.Tensor) {
	t.Helper()
	ein := models.Input([]int{6, 4}, "enc_in")
	eout := models.Apply(&layers.LayerNormalization{Epsilon: 1e-3}, models.Apply(&layers.Dense{Units: 4, Activation: activations.ReLU}, ein))
	enc, err := models.NewModel([]*models.Node{ein}, []*models.Node{eout})
	if err != nil {
		t.Fatal(err)
	}
	enc.Name = "encoder"
	x := models.Input([]int{6, 4}, "tokens")
	a := models.Apply(&layers.MultiHeadAttention{NumHeads: 2, KeyDim: 3}, x, x)
	h := models.Apply(&layers.Add{}, x, a)
	h = models.ApplyNamed("encoder", enc.AsLayer(), h)
	h = models.Apply(&layers.TimeDistributed{Layer: &layers.Dense{Units: 2}}, h)
	h = models.Apply(&layers.GlobalAveragePooling1D{}, h)
	out := models.Apply(&layers.Dense{Units: 3, Activation: activations.Softmax}, h)
	m, err := models.NewModel([]*models.Node{x}, []*models.Node{out})
	if err != nil {
		t.Fatal(err)
	}
	m.Out = io.Discard
	err = m.Compile(models.CompileConfig{Optimizer: optimizers.NewAdam(), OutputLosses: map[string]losses.Loss{m.OutputNames()[0]: losses.SparseCategoricalCrossentropy{}}})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	xs := make([]float32, 5*24)
	for i := range xs {
		xs[i] = rng.Float32()
	}
	xt := tensor.FromSlice(xs, 5, 6, 4)
	y := tensor.FromSlice([]float32{0, 1, 2, 1, 0}, 5)
	if _, err := m.Fit([]models.Array{xt}, []models.Array{y}, models.FitConfig{Epochs: 2, BatchSize: 5, Verbose: models.Silent}); err != nil {
		t.Fatal(err)
	}
	return m, xt
}

func TestRoundTripFunctional(t *testing.T) {
	m, x := trainedFunctional(t)
	e, err := export(m)
	if err != nil {
		t.Fatal(err)
	}
	root, err := e.weights3()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"layers/multi_head_attention/_query_dense/vars/0", "layers/multi_head_attention/_output_dense/vars/1",
		"layers/functional/layers/dense/vars/0", "layers/functional/layers/layer_normalization/vars/1",
		"layers/time_distributed/layer/vars/1", "layers/dense/vars/0"} {
		if _, ok, _ := lookupDataset(root, p); !ok {
			t.Errorf("no dataset %s", p)
		}
	}
	// Every saveable's vars group carries its name, as Keras 3.16's
	// H5IOStore.make writes it; containers have none.
	for p, want := range map[string]string{"vars": "functional", "layers/functional/vars": "encoder",
		"layers/multi_head_attention/_query_dense/vars": "query", "layers/time_distributed/layer/vars": "dense",
		"layers/functional/layers/dense/vars": "dense", "layers/add/vars": "add"} {
		g, ok, _ := lookupGroup(root, p)
		if !ok {
			t.Errorf("no group %s", p)
			continue
		}
		if n, _, _ := g.attr("name"); n != want {
			t.Errorf("%s: name %v, want %q", p, n, want)
		}
	}
	if _, ok, _ := lookupGroup(root, "layers/functional/layers/vars"); ok {
		t.Errorf("a vars group for the nested model's layers list")
	}
	tr, err := translateModel(mustJSON(e.config), nil, false)
	if err != nil {
		t.Fatal(err)
	}
	m2, err := load3(tr, root, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := predict(t, m, x), predict(t, m2, x); !slices.Equal(a, b) {
		t.Errorf("predictions differ: %v vs %v", a, b)
	}
	lt, err := h5WriterTree(m)
	if err != nil {
		t.Fatal(err)
	}
	m3, err := loadLegacy(lt, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := predict(t, m, x), predict(t, m3, x); !slices.Equal(a, b) {
		t.Errorf("legacy: predictions differ: %v vs %v", a, b)
	}
}

// TestFiniteErr checks the NaN and infinity scan for every length up to
// 40 values, every alignment of the slice, every position of the bad
// value and every kind of non-finite value, and that finite extremes pass.
func TestFiniteErr(t *testing.T) {
	bads := []float32{
		float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)),
		math.Float32frombits(0x7f800001), // signalling NaN
		math.Float32frombits(0xffffffff), // negative NaN, all mantissa bits
	}
	finite := []float32{1, -math.MaxFloat32, math.SmallestNonzeroFloat32, 0, math.MaxFloat32, -0.5, math.Float32frombits(0x807fffff)}
	buf := make([]float32, 48)
	for off := range 2 {
		for n := range 41 {
			d := buf[off : off+n]
			for i := range d {
				d[i] = finite[i%len(finite)]
			}
			if err := finiteErr(d, 0, "w"); err != nil {
				t.Fatalf("offset %d, %d finite values: %v", off, n, err)
			}
			for at := range n {
				for _, bad := range bads {
					d[at] = bad
					err := finiteErr(d, 100, "dense/kernel")
					if want := fmt.Sprintf("weight dense/kernel holds %v at index %d", bad, 100+at); err == nil || !strings.Contains(err.Error(), want) {
						t.Fatalf("offset %d, n %d, %v at %d: err = %v, want %q", off, n, bad, at, err, want)
					}
				}
				d[at] = finite[at%len(finite)]
			}
		}
	}
	if err := finiteErr([]float32{float32(math.NaN())}, 0, ""); err != nil {
		t.Errorf("an unnamed slice is not checked: %v", err)
	}
}

// TestNormalizationState writes an adapted Normalization as Keras keeps
// it (mean, variance, and count as an int64) and reads it back.
func TestNormalizationState(t *testing.T) {
	norm := &layers.Normalization{}
	m := models.NewSequential(norm, &layers.Dense{Units: 1})
	if err := norm.Adapt(tensor.FromSlice([]float32{1, 2, 3, 5, 6, 7}, 3, 2)); err != nil {
		t.Fatal(err)
	}
	if err := m.Build(2); err != nil {
		t.Fatal(err)
	}
	e, err := export(m)
	if err != nil {
		t.Fatal(err)
	}
	root, err := e.weights3()
	if err != nil {
		t.Fatal(err)
	}
	d, ok, _ := lookupDataset(root, "layers/normalization/vars/2")
	// Keras keeps count at 0 (it is there for old files).
	if !ok || !d.(*memDataset).isInt || d.(*memDataset).ival != 0 {
		t.Fatalf("count: %+v, want the int64 0", d)
	}
	mean, _, _ := lookupDataset(root, "layers/normalization/vars/0")
	if got, want := mean.(*memDataset).values, []float32{10.0 / 3, 14.0 / 3}; !slices.Equal(got, want) {
		t.Errorf("mean %v, want %v (the columns' means)", got, want)
	}
	tr, err := translateModel(mustJSON(e.config), nil, false)
	if err != nil {
		t.Fatal(err)
	}
	m2, err := load3(tr, root, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	x := tensor.FromSlice([]float32{1, 2, 9, 9}, 2, 2)
	if a, b := predict(t, m, x), predict(t, m2, x); !slices.Equal(a, b) {
		t.Errorf("predictions %v vs %v", a, b)
	}
}
