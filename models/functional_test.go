package models_test

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
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

// sum is a two-input layer for these tests: the element-wise sum of its
// inputs, which must have one shape.
type sum struct{}

func (*sum) ClassName() string { return "Sum" }

func (*sum) BuildMulti(in [][]int, _ *rand.Rand) ([][]int, error) {
	if len(in) != 2 || !slices.Equal(in[0], in[1]) {
		return nil, fmt.Errorf("Sum needs two inputs of one shape, got %v", in)
	}
	return [][]int{in[0]}, nil
}

func (*sum) CallMulti(xs []*tensor.Tensor, _ bool, outs []*tensor.Tensor) {
	outs[0] = xs[0].Add(xs[1])
}

func (*sum) Weights() []*layers.Weight { return nil }

// refGraph builds the graph of testdata/gen/functional_ref.py.
func refGraph(t testing.TB) *models.Model {
	t.Helper()
	a, b := models.Input([]int{3}, "a"), models.Input([]int{2}, "b")
	h1 := models.Apply(&layers.Dense{Units: 4, Activation: activations.ReLU}, a)
	h2 := models.Apply(&layers.Dense{Units: 4}, b)
	s := models.Apply(&sum{}, h1, h2)
	out1 := models.Apply(&layers.Dense{Units: 3, Activation: activations.Softmax}, s)
	shared := &layers.Dense{Units: 4, Activation: activations.Tanh}
	t2 := models.Apply(shared, models.Apply(shared, s))
	out2 := models.Apply(&layers.Dense{Units: 1}, t2)
	m, err := models.NewModel([]*models.Node{a, b}, []*models.Node{out1, out2})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

type functionalRef struct {
	A, B, Y1, Y2, Out1, Out2 []float32
	Loss, Out1Loss, Out2Loss float64 `json:"-"`
	Weights, After           map[string][]float32
}

func readFunctionalRef(t *testing.T) functionalRef {
	b, err := os.ReadFile("testdata/functional_step.json")
	if err != nil {
		t.Fatal(err)
	}
	var r functionalRef
	var losses struct {
		Loss     float64 `json:"loss"`
		Out1Loss float64 `json:"out1_loss"`
		Out2Loss float64 `json:"out2_loss"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &losses); err != nil {
		t.Fatal(err)
	}
	r.Loss, r.Out1Loss, r.Out2Loss = losses.Loss, losses.Out1Loss, losses.Out2Loss
	return r
}

func near(a, b float64) bool { return math.Abs(a-b) <= 2e-6*(1+math.Abs(b)) }

// TestFunctionalOneStepMatchesTorch checks a two-input, two-output graph
// with a residual sum and a shared layer against torch: the predictions,
// the total and per-output losses Fit reports under Keras 3's keys, and
// every weight after one SGD step.
func TestFunctionalOneStepMatchesTorch(t *testing.T) {
	ref := readFunctionalRef(t)
	m := refGraph(t)
	if got, want := m.LayerNames(), []string{"a", "b", "dense", "dense_1", "sum", "dense_2", "dense_3", "dense_4"}; !slices.Equal(got, want) {
		t.Fatalf("layer names %v, want %v", got, want)
	}
	if got, want := m.OutputNames(), []string{"dense_2", "dense_4"}; !slices.Equal(got, want) {
		t.Fatalf("output names %v, want %v", got, want)
	}
	names := m.WeightNames()
	for i, w := range m.Weights() {
		v, ok := ref.Weights[names[i]]
		if !ok || len(v) != w.Size() {
			t.Fatalf("weight %s: reference has %d values, model %d", names[i], len(v), w.Size())
		}
		copy(w.Data(), v)
	}
	err := m.Compile(models.CompileConfig{
		Optimizer: &optimizers.SGD{LearningRate: 0.1},
		OutputLosses: map[string]losses.Loss{
			"dense_2": losses.SparseCategoricalCrossentropy{},
			"dense_4": losses.MeanSquaredError{},
		},
		LossWeights:   map[string]float64{"dense_4": 0.5},
		OutputMetrics: map[string][]metrics.Metric{"dense_2": {metrics.NewAccuracy()}},
	})
	if err != nil {
		t.Fatal(err)
	}
	x := []models.Array{tensor.FromSlice(ref.A, 4, 3), tensor.FromSlice(ref.B, 4, 2)}
	y := []models.Array{tensor.FromSlice(ref.Y1, 4), tensor.FromSlice(ref.Y2, 4, 1)}
	pred, err := m.Predict(x, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range [][]float32{ref.Out1, ref.Out2} {
		for j, v := range pred[i].Data() {
			if !near(float64(v), float64(want[j])) {
				t.Fatalf("output %d value %d = %v, torch %v", i, j, v, want[j])
			}
		}
	}
	h, err := m.Fit(x, y, models.FitConfig{BatchSize: 4, NoShuffle: true, Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := h.Keys(), []string{"dense_2_accuracy", "dense_2_loss", "dense_4_loss", "loss"}; !slices.Equal(got, want) {
		t.Fatalf("history keys %v, want %v", got, want)
	}
	for k, want := range map[string]float64{"loss": ref.Loss, "dense_2_loss": ref.Out1Loss, "dense_4_loss": ref.Out2Loss} {
		if got := h.History[k][0]; !near(got, want) {
			t.Errorf("%s = %v, torch %v", k, got, want)
		}
	}
	for i, w := range m.Weights() {
		want := ref.After[names[i]]
		for j, v := range w.Data() {
			if !near(float64(v), float64(want[j])) {
				t.Fatalf("%s[%d] after one step = %v, torch %v", names[i], j, v, want[j])
			}
		}
	}
}

// TestFunctionalChainEqualsSequential checks that a functional model that
// is a chain trains exactly as the Sequential of the same layers: same
// initial weights from the same seed, same history and weights bit for
// bit (one engine, one order of random draws).
func TestFunctionalChainEqualsSequential(t *testing.T) {
	seq := course.FashionDNN()
	seq.SetSeed(3)
	in := models.Input([]int{28, 28}, "")
	x := in
	for _, l := range course.FashionDNN().Layers() {
		x = models.Apply(l, x)
	}
	fn, err := models.NewModel([]*models.Node{in}, []*models.Node{x})
	if err != nil {
		t.Fatal(err)
	}
	fn.SetSeed(3)
	compile := func(c interface {
		Compile(models.CompileConfig) error
	}) {
		if err := c.Compile(models.CompileConfig{Optimizer: optimizers.NewAdam(), Loss: losses.SparseCategoricalCrossentropy{}, Metrics: []metrics.Metric{metrics.NewAccuracy()}}); err != nil {
			t.Fatal(err)
		}
	}
	compile(seq)
	compile(fn)
	xs, ys := tensor.Zeros(200, 28, 28), tensor.Zeros(200)
	r := rand.New(rand.NewPCG(5, 6))
	for i := range xs.Data() {
		xs.Data()[i] = r.Float32()
	}
	for i := range ys.Data() {
		ys.Data()[i] = float32(r.IntN(10))
	}
	cfg := models.FitConfig{Epochs: 2, ValidationSplit: 0.2, Verbose: models.Silent}
	h1, err := seq.Fit(xs, ys, cfg)
	if err != nil {
		t.Fatal(err)
	}
	h2, err := fn.Fit([]models.Array{xs}, []models.Array{ys}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(h1.Keys(), h2.Keys()) {
		t.Fatalf("keys %v and %v", h1.Keys(), h2.Keys())
	}
	for _, k := range h1.Keys() {
		if !slices.Equal(h1.History[k], h2.History[k]) {
			t.Errorf("%s: Sequential %v, functional %v", k, h1.History[k], h2.History[k])
		}
	}
	w1, w2 := seq.Weights(), fn.Weights()
	for i := range w1 {
		if !slices.Equal(w1[i].Data(), w2[i].Data()) {
			t.Fatalf("weight %s differs", seq.WeightNames()[i])
		}
	}
}

// TestFunctionalValidationAppliesToAll checks that ValidationSplit holds
// out the last rows of every input and target array, and that
// ValidationData takes one array per input and output: the val_ values of
// an epoch equal Evaluate on those rows with the weights the epoch ends
// with, under Keras's keys.
func TestFunctionalValidationAppliesToAll(t *testing.T) {
	m := refGraph(t)
	if err := m.Compile(models.CompileConfig{
		Optimizer:    &optimizers.SGD{LearningRate: 0.1},
		Loss:         losses.MeanSquaredError{},
		OutputLosses: map[string]losses.Loss{"dense_2": losses.SparseCategoricalCrossentropy{}},
		Metrics:      []metrics.Metric{metrics.NewAccuracy(), metrics.NewMeanAbsoluteError()},
	}); err != nil {
		t.Fatal(err)
	}
	n := 10
	a, b, y1, y2 := tensor.Zeros(n, 3), tensor.Zeros(n, 2), tensor.Zeros(n), tensor.Zeros(n, 1)
	r := rand.New(rand.NewPCG(8, 9))
	for _, tt := range []*tensor.Tensor{a, b, y2} {
		for i := range tt.Data() {
			tt.Data()[i] = float32(r.NormFloat64())
		}
	}
	for i := range n {
		y1.Data()[i] = float32(i % 3)
	}
	x, y := []models.Array{a, b}, []models.Array{y1, y2}
	h, err := m.Fit(x, y, models.FitConfig{ValidationSplit: 0.3, Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"dense_2_accuracy", "dense_2_loss", "dense_4_loss", "dense_4_mean_absolute_error", "loss",
		"val_dense_2_accuracy", "val_dense_2_loss", "val_dense_4_loss", "val_dense_4_mean_absolute_error", "val_loss"}
	if got := h.Keys(); !slices.Equal(got, want) {
		t.Fatalf("keys %v, want %v", got, want)
	}
	// The last 3 rows (floor(10·0.7) = 7) of every array are held out.
	vx := []models.Array{a.Slice(7, 10), b.Slice(7, 10)}
	vy := []models.Array{y1.Slice(7, 10), y2.Slice(7, 10)}
	ev, err := m.Evaluate(vx, vy, models.EvaluateConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range ev {
		if got := h.History["val_"+k][0]; got != v {
			t.Errorf("val_%s = %v, Evaluate on the last 3 rows gives %v", k, got, v)
		}
	}
	if math.Abs(ev["loss"]-(ev["dense_2_loss"]+ev["dense_4_loss"])) > 1e-6 {
		t.Errorf("evaluate: loss %v is not the sum of the output losses %v + %v", ev["loss"], ev["dense_2_loss"], ev["dense_4_loss"])
	}
	h2, err := m.Fit(x, y, models.FitConfig{Verbose: models.Silent, ValidationData: &models.Data{Inputs: vx, Targets: vy}})
	if err != nil {
		t.Fatal(err)
	}
	ev2, err := m.Evaluate(vx, vy, models.EvaluateConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range ev2 {
		if got := h2.History["val_"+k][0]; got != v {
			t.Errorf("ValidationData: val_%s = %v, Evaluate gives %v", k, got, v)
		}
	}
}

// TestFunctionalErrors checks that bad graphs and bad arguments are errors
// naming what is wrong, not panics.
func TestFunctionalErrors(t *testing.T) {
	a, b := models.Input([]int{3}, "a"), models.Input([]int{2}, "b")
	d := models.Apply(&layers.Dense{Units: 4}, a)
	other := models.Input([]int{3}, "other")
	graphCases := []struct {
		name    string
		ins     []*models.Node
		outs    []*models.Node
		wantErr string
	}{
		{"wrong shape", []*models.Node{a, b}, []*models.Node{models.Apply(&sum{}, d, b)}, "Sum applied to (None, 4), (None, 2)"},
		{"dense on a bad rank", []*models.Node{a}, []*models.Node{models.Apply(&layers.Conv2D{Filters: 2, KernelSize: [2]int{3, 3}}, a)}, "Conv2D applied to (None, 3)"},
		{"output from another input", []*models.Node{a}, []*models.Node{models.Apply(&layers.Dense{Units: 1}, other)}, `depends on the Input "other"`},
		{"input twice", []*models.Node{a, a}, []*models.Node{d}, "inputs[0] and inputs[1] are the same Input"},
		{"unused input", []*models.Node{a, b}, []*models.Node{d}, `inputs[1] ("b") is not used by any output`},
		{"not an input", []*models.Node{d}, []*models.Node{d}, "not an Input"},
		{"nil output", []*models.Node{a}, []*models.Node{nil}, "outputs[0] is nil"},
		{"no inputs", nil, []*models.Node{d}, "inputs is empty"},
		{"two inputs to Dense", []*models.Node{a}, []*models.Node{models.Apply(&layers.Dense{Units: 1}, a, a)}, "it takes one input, got 2"},
		{"nil layer", []*models.Node{a}, []*models.Node{models.Apply((*layers.Dense)(nil), a)}, "nil *layers.Dense"},
		{"bad input shape", []*models.Node{models.Input([]int{0, 2}, "z")}, []*models.Node{a}, "non-positive dimension"},
		{"same output twice", []*models.Node{a}, []*models.Node{d, d}, "same node"},
	}
	for _, tc := range graphCases {
		_, err := models.NewModel(tc.ins, tc.outs)
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.wantErr)
		}
	}

	// A shared layer applied to an input of another shape.
	shared := &layers.Dense{Units: 2}
	models.Apply(shared, a)
	if err := models.Apply(shared, b).Err(); err == nil || !strings.Contains(err.Error(), "already built with kernel of shape [3 2]; these inputs need [2 2]") {
		t.Errorf("shared layer on another shape: %v", err)
	}

	m := refGraph(t)
	compileCases := []struct {
		name    string
		cfg     models.CompileConfig
		wantErr string
	}{
		{"unknown loss output", models.CompileConfig{Loss: losses.MeanSquaredError{}, OutputLosses: map[string]losses.Loss{"dense_9": losses.MeanSquaredError{}}}, `OutputLosses names "dense_9", which is not an output; the outputs are "dense_2", "dense_4"`},
		{"unknown weight output", models.CompileConfig{Loss: losses.MeanSquaredError{}, LossWeights: map[string]float64{"x": 1}}, `LossWeights names "x"`},
		{"unknown metric output", models.CompileConfig{Loss: losses.MeanSquaredError{}, OutputMetrics: map[string][]metrics.Metric{"y": nil}}, `OutputMetrics names "y"`},
		{"no loss", models.CompileConfig{}, "no loss"},
		{"NaN weight", models.CompileConfig{Loss: losses.MeanSquaredError{}, LossWeights: map[string]float64{"dense_2": math.NaN()}}, "must be finite"},
		{"metric list length", models.CompileConfig{Loss: losses.MeanSquaredError{}, Metrics: []metrics.Metric{metrics.NewAccuracy()}}, "Metrics has 1 metrics for a model with 2 outputs"},
	}
	acc := metrics.NewAccuracy()
	compileCases = append(compileCases, struct {
		name    string
		cfg     models.CompileConfig
		wantErr string
	}{"shared metric", models.CompileConfig{Loss: losses.MeanSquaredError{}, Metrics: []metrics.Metric{acc, acc}}, "is given twice"})
	for _, tc := range compileCases {
		err := m.Compile(tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.wantErr)
		}
	}
	if err := models.NewSequential(&layers.Dense{Units: 1}).Compile(models.CompileConfig{Loss: losses.MeanSquaredError{}, LossWeights: map[string]float64{"dense": 1}}); err == nil {
		t.Error("Sequential accepted LossWeights")
	}

	if err := m.Compile(models.CompileConfig{Loss: losses.MeanSquaredError{}}); err != nil {
		t.Fatal(err)
	}
	x4 := []models.Array{tensor.Zeros(4, 3), tensor.Zeros(4, 2)}
	y4 := []models.Array{tensor.Zeros(4, 3), tensor.Zeros(4, 1)}
	fitCases := []struct {
		name    string
		x, y    []models.Array
		cfg     models.FitConfig
		wantErr string
	}{
		{"one input array", x4[:1], y4, models.FitConfig{}, "got 1 input arrays, the model has 2 inputs"},
		{"three target arrays", x4, append(y4, y4[0]), models.FitConfig{}, "got 3 target arrays, the model has 2 outputs"},
		{"rows differ", []models.Array{tensor.Zeros(4, 3), tensor.Zeros(5, 2)}, y4, models.FitConfig{}, "x[1] (b) has 5 rows but x[0] (a) has 4"},
		{"target rows", x4, []models.Array{tensor.Zeros(4, 3), tensor.Zeros(3, 1)}, models.FitConfig{}, "y[1] (dense_4) has 3 rows but x has 4"},
		{"input shape", []models.Array{tensor.Zeros(4, 3), tensor.Zeros(4, 3)}, y4, models.FitConfig{}, "x[1] (b) has per-example shape [3], model expects [2]"},
		{"nil input", []models.Array{nil, tensor.Zeros(4, 2)}, y4, models.FitConfig{}, "x[0] (a) is nil"},
		{"validation X/Y", x4, y4, models.FitConfig{ValidationData: &models.Data{X: x4[0], Y: y4[0]}}, "set ValidationData.Inputs and Targets"},
		{"validation count", x4, y4, models.FitConfig{ValidationData: &models.Data{Inputs: x4[:1], Targets: y4}}, "ValidationData.Inputs has 1 arrays, the model has 2 inputs"},
		{"validation shape", x4, y4, models.FitConfig{ValidationData: &models.Data{Inputs: []models.Array{x4[0], x4[0]}, Targets: y4}}, "ValidationData.Inputs[1] (b) has per-example shape [3]"},
	}
	for _, tc := range fitCases {
		_, err := m.Fit(tc.x, tc.y, tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.wantErr)
		}
	}
	if _, err := m.Predict(x4[1:], models.PredictConfig{}); err == nil {
		t.Error("Predict took one array for two inputs")
	}
	if _, err := models.ArraysByName(m.InputNames(), map[string]models.Array{"a": x4[0], "c": x4[1]}); err == nil || !strings.Contains(err.Error(), `no array for "b"`) {
		t.Errorf("ArraysByName: %v", err)
	}
}

// TestFunctionalSharedLayerSharesWeights checks that a layer applied twice
// has one set of weights in the model.
func TestFunctionalSharedLayerSharesWeights(t *testing.T) {
	m := refGraph(t)
	if got := len(m.Weights()); got != 10 {
		t.Fatalf("%d weights, want 10 (5 Dense layers, the shared one counted once)", got)
	}
	if got, want := m.CountParams(), 3*4+4+2*4+4+4*3+3+4*4+4+4*1+1; got != want {
		t.Fatalf("CountParams %d, want %d", got, want)
	}
}

// TestFunctionalTrainStepDoesNotAllocate checks that a steady-state
// training step of a model with branches, a merge and a shared layer makes
// no heap allocation.
func TestFunctionalTrainStepDoesNotAllocate(t *testing.T) {
	relu, softmax := activations.ReLU, activations.Softmax
	a, b := models.Input([]int{3}, "a"), models.Input([]int{2}, "b")
	s := models.Apply(&sum{}, models.Apply(&layers.Dense{Units: 4, Activation: relu}, a), models.Apply(&layers.Dense{Units: 4, Activation: relu}, b))
	shared := &layers.Dense{Units: 4, Activation: relu}
	out1 := models.Apply(&layers.Dense{Units: 3, Activation: softmax}, s)
	out2 := models.Apply(&layers.Dense{Units: 2, Activation: softmax}, models.Apply(shared, models.Apply(shared, s)))
	m, err := models.NewModel([]*models.Node{a, b}, []*models.Node{out1, out2})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(models.CompileConfig{
		Optimizer:   optimizers.NewAdam(),
		Loss:        losses.SparseCategoricalCrossentropy{},
		LossWeights: map[string]float64{"dense_4": 0.5},
		Metrics:     []metrics.Metric{metrics.NewAccuracy(), metrics.NewAccuracy()},
	}); err != nil {
		t.Fatal(err)
	}
	arena := tensor.NewArena()
	x := []*tensor.Tensor{tensor.Zeros(32, 3).InArena(arena), tensor.Zeros(32, 2).InArena(arena)}
	y := []*tensor.Tensor{tensor.Zeros(32), tensor.Zeros(32)}
	for i := range x[0].Data() {
		x[0].Data()[i] = float32(i%7) / 7
	}
	for i := range y[0].Data() {
		y[0].Data()[i] = float32(i % 3)
		y[1].Data()[i] = float32(i % 2)
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

// TestFunctionalSummary compares the summary with what Keras 3's
// print_summary renders through rich for the same layers (see
// testdata/gen/functional_summary_ref.py): the "Connected to" layout at 76
// and 108 columns for a graph, and the three-column layout, InputLayer
// row included, for a chain.
func TestFunctionalSummary(t *testing.T) {
	m := refGraph(t)
	for _, width := range []int{76, 108} {
		want, err := os.ReadFile(fmt.Sprintf("testdata/functional_summary_%d.golden", width))
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		if err := m.SummaryTo(&b, width); err != nil {
			t.Fatal(err)
		}
		if b.String() != string(want) {
			t.Errorf("width %d: got\n%s\nwant\n%s", width, b.String(), want)
		}
	}
	in := models.Input([]int{28, 28}, "")
	out := models.Apply(&layers.Dense{Units: 10}, models.Apply(&layers.Dense{Units: 256}, models.Apply(&layers.Flatten{}, in)))
	chain, err := models.NewModel([]*models.Node{in}, []*models.Node{out})
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("testdata/functional_chain_summary_76.golden")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := chain.SummaryTo(&b, 0); err != nil {
		t.Fatal(err)
	}
	if b.String() != string(want) {
		t.Errorf("chain: got\n%s\nwant\n%s", b.String(), want)
	}
}

// TestNestedModel uses a model as a layer of another: the outer model
// computes the inner one's function, trains the inner weights (shared
// with the inner model), and shows the nested model as one row.
func TestNestedModel(t *testing.T) {
	in := models.Input([]int{4}, "features")
	enc, err := models.NewModel([]*models.Node{in}, []*models.Node{models.Apply(&layers.Dense{Units: 2}, models.Apply(&layers.Dense{Units: 3, Activation: activations.ReLU}, in))})
	if err != nil {
		t.Fatal(err)
	}
	x := models.Input([]int{4}, "")
	head := &layers.Dense{Units: 1}
	outer, err := models.NewModel([]*models.Node{x}, []*models.Node{models.Apply(head, models.Apply(enc.AsLayer(), x))})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(outer.Weights()), 6; got != want {
		t.Fatalf("outer model has %d weights, want %d", got, want)
	}
	data := tensor.Zeros(16, 4)
	target := tensor.Zeros(16, 1)
	for i := range data.Data() {
		data.Data()[i] = float32(i%9)/9 - 0.4
	}
	for i := range target.Data() {
		target.Data()[i] = float32(i % 2)
	}
	check := func() {
		t.Helper()
		p, err := outer.Predict([]models.Array{data}, models.PredictConfig{Verbose: models.Silent})
		if err != nil {
			t.Fatal(err)
		}
		e, err := enc.Predict([]models.Array{data}, models.PredictConfig{Verbose: models.Silent})
		if err != nil {
			t.Fatal(err)
		}
		k, b := head.Weights()[0].Value.Data(), head.Weights()[1].Value.Data()
		for i := range 16 {
			want := e[0].At(i, 0)*k[0] + e[0].At(i, 1)*k[1] + b[0]
			if got := p[0].At(i, 0); math.Abs(float64(got-want)) > 1e-6 {
				t.Fatalf("row %d: outer %v, head(encoder) %v", i, got, want)
			}
		}
	}
	check()
	before := slices.Clone(enc.Weights()[0].Data())
	if err := outer.Compile(models.CompileConfig{Optimizer: &optimizers.SGD{LearningRate: 0.1}, Loss: losses.MeanSquaredError{}}); err != nil {
		t.Fatal(err)
	}
	if _, err := outer.Fit([]models.Array{data}, []models.Array{target}, models.FitConfig{Verbose: models.Silent}); err != nil {
		t.Fatal(err)
	}
	if slices.Equal(before, enc.Weights()[0].Data()) {
		t.Fatal("training the outer model left the inner model's weights unchanged")
	}
	check()
	var b strings.Builder
	if err := outer.SummaryTo(&b, 76); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "│ functional (Functional)         │ (None, 2)              │            23 │") {
		t.Errorf("summary has no row for the nested model:\n%s", b.String())
	}
	if err := models.Apply(enc.AsLayer(), models.Input([]int{5}, "")).Err(); err == nil || !strings.Contains(err.Error(), "input 0 (features) has shape (None, 4), applied to (None, 5)") {
		t.Errorf("nested model on the wrong shape: %v", err)
	}
}

// TestApplyNamed checks that names given to layers name the outputs and
// the log keys, and that clashing names are errors.
func TestApplyNamed(t *testing.T) {
	x := models.Input([]int{3}, "x")
	h := models.Apply(&layers.Dense{Units: 4}, x)
	cls := models.ApplyNamed("class", &layers.Dense{Units: 2, Activation: activations.Softmax}, h)
	box := models.ApplyNamed("box", &layers.Dense{Units: 4}, h)
	m, err := models.NewModel([]*models.Node{x}, []*models.Node{cls, box})
	if err != nil {
		t.Fatal(err)
	}
	if got := m.OutputNames(); !slices.Equal(got, []string{"class", "box"}) {
		t.Fatalf("output names %v", got)
	}
	if err := m.Compile(models.CompileConfig{
		OutputLosses:  map[string]losses.Loss{"class": losses.SparseCategoricalCrossentropy{}, "box": losses.MeanSquaredError{}},
		OutputMetrics: map[string][]metrics.Metric{"class": {metrics.NewAccuracy()}},
	}); err != nil {
		t.Fatal(err)
	}
	h2, err := m.Fit([]models.Array{tensor.Zeros(4, 3)}, []models.Array{tensor.Zeros(4), tensor.Zeros(4, 4)}, models.FitConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := h2.Keys(), []string{"box_loss", "class_accuracy", "class_loss", "loss"}; !slices.Equal(got, want) {
		t.Errorf("keys %v, want %v", got, want)
	}
	if !slices.Contains(m.WeightNames(), "class/kernel") {
		t.Errorf("weight names %v", m.WeightNames())
	}
	a := models.ApplyNamed("same", &layers.Dense{Units: 1}, x)
	b := models.ApplyNamed("same", &layers.Dense{Units: 1}, x)
	if _, err := models.NewModel([]*models.Node{x}, []*models.Node{a, b}); err == nil || !strings.Contains(err.Error(), `both named "same"`) {
		t.Errorf("duplicate names: %v", err)
	}
	shared := &layers.Dense{Units: 3}
	c := models.ApplyNamed("one", shared, models.ApplyNamed("two", shared, x))
	if _, err := models.NewModel([]*models.Node{x}, []*models.Node{c}); err == nil || !strings.Contains(err.Error(), "named both") {
		t.Errorf("a shared layer with two names: %v", err)
	}
}

// TestKFoldModel cross-validates a two-input, two-output model and checks
// each fold against training the same model by hand on the same rows.
func TestKFoldModel(t *testing.T) {
	x, y := twoTowerData(5, 30)
	cfg := models.KFoldConfig{K: 3, Fit: models.FitConfig{BatchSize: 8, Verbose: models.Silent}}
	res, err := models.KFoldModel(x, y, func(int) (*models.Model, error) { return twoTower(t), nil }, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Folds) != 3 {
		t.Fatalf("%d folds", len(res.Folds))
	}
	// Fold 1 holds out rows 10..19 (no shuffling).
	rows := func(as []models.Array, lo, hi int) []models.Array {
		var out []models.Array
		for _, a := range as {
			out = append(out, a.(*tensor.Tensor).Slice(lo, hi))
		}
		return out
	}
	cat := func(as []models.Array) []models.Array {
		var out []models.Array
		for _, a := range as {
			tt := a.(*tensor.Tensor)
			per := tt.Size() / 30
			d := append(slices.Clone(tt.Data()[:10*per]), tt.Data()[20*per:]...)
			out = append(out, tensor.FromSlice(d, append([]int{20}, tt.Shape()[1:]...)...))
		}
		return out
	}
	m := twoTower(t)
	fc := cfg.Fit
	fc.ValidationData = &models.Data{Inputs: rows(x, 10, 20), Targets: rows(y, 10, 20)}
	h, err := m.Fit(cat(x), cat(y), fc)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h.History {
		if res.Folds[1][k] != v[0] {
			t.Errorf("fold 1 %s = %v, by hand %v", k, res.Folds[1][k], v[0])
		}
	}
	if _, err := models.KFoldModel(x, y[:1], nil, cfg); err == nil {
		t.Error("nil newModel accepted")
	}
	if _, err := models.KFoldModel([]models.Array{x[0], tensor.Zeros(29, 5)}, y, func(int) (*models.Model, error) { return twoTower(t), nil }, cfg); err == nil || !strings.Contains(err.Error(), "has 29 rows") {
		t.Errorf("rows differ: %v", err)
	}
}

// TestFunctionalFitAllocationsDoNotGrowWithSteps checks the whole Fit loop
// of a two-input, two-output model, with the progress bar: 30 more steps
// cost fewer than 30 more allocations (none per step).
func TestFunctionalFitAllocationsDoNotGrowWithSteps(t *testing.T) {
	relu, softmax := activations.ReLU, activations.Softmax
	a, b := models.Input([]int{3}, "a"), models.Input([]int{2}, "b")
	s := models.Apply(&sum{}, models.Apply(&layers.Dense{Units: 4, Activation: relu}, a), models.Apply(&layers.Dense{Units: 4, Activation: relu}, b))
	out1 := models.Apply(&layers.Dense{Units: 3, Activation: softmax}, s)
	out2 := models.Apply(&layers.Dense{Units: 2, Activation: softmax}, s)
	m, err := models.NewModel([]*models.Node{a, b}, []*models.Node{out1, out2})
	if err != nil {
		t.Fatal(err)
	}
	m.Out = io.Discard
	if err := m.Compile(models.CompileConfig{Optimizer: optimizers.NewAdam(), Loss: losses.SparseCategoricalCrossentropy{},
		Metrics: []metrics.Metric{metrics.NewAccuracy(), metrics.NewAccuracy()}}); err != nil {
		t.Fatal(err)
	}
	fit := func(steps int) float64 {
		n := steps * 32
		x := []models.Array{tensor.Zeros(n, 3), tensor.Zeros(n, 2)}
		y := []models.Array{tensor.Zeros(n), tensor.Zeros(n)}
		return testing.AllocsPerRun(3, func() {
			if _, err := m.Fit(x, y, models.FitConfig{Verbose: models.ProgressBar}); err != nil {
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

// TestNewModelKeepingWeights checks that a loader's model keeps the
// tensors Apply allocated (NewModel draws new ones from the seed), and that
// a later SetSeed draws the weights NewModel and SetSeed would.
func TestNewModelKeepingWeights(t *testing.T) {
	graph := func() (*layers.Dense, *models.Node, *models.Node) {
		x := models.Input([]int{6}, "x")
		d := &layers.Dense{Units: 4}
		return d, x, models.Apply(&layers.Dropout{Rate: 0.5}, models.Apply(d, x))
	}
	d, x, y := graph()
	applied := d.Weights()[0].Value
	before := slices.Clone(applied.Data())
	kept, err := models.NewModelKeepingWeights([]*models.Node{x}, []*models.Node{y}, 7)
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Weights()[0].Value; got != applied || !slices.Equal(got.Data(), before) {
		t.Fatal("NewModelKeepingWeights replaced or changed the kernel Apply made")
	}
	if kept.Weights()[0] != applied {
		t.Fatal("the model's first weight is not the layer's kernel")
	}

	d2, x2, y2 := graph()
	applied2 := d2.Weights()[0].Value
	drawn, err := models.NewModel([]*models.Node{x2}, []*models.Node{y2})
	if err != nil {
		t.Fatal(err)
	}
	if d2.Weights()[0].Value == applied2 {
		t.Fatal("NewModel kept the kernel Apply made; it draws the weights from the model's seed")
	}
	drawn.SetSeed(7)
	kept.SetSeed(7)
	if !slices.Equal(d.Weights()[0].Value.Data(), d2.Weights()[0].Value.Data()) {
		t.Fatal("after SetSeed(7) the kernels differ between NewModelKeepingWeights and NewModel")
	}
	// The seed given to NewModelKeepingWeights is the model's, for its
	// random layers too: the same dropout masks as after SetSeed.
	d3, x3, y3 := graph()
	seeded, err := models.NewModelKeepingWeights([]*models.Node{x3}, []*models.Node{y3}, 7)
	if err != nil {
		t.Fatal(err)
	}
	copy(d3.Weights()[0].Value.Data(), d.Weights()[0].Value.Data())
	copy(d3.Weights()[1].Value.Data(), d.Weights()[1].Value.Data())
	in := tensor.New([]int{3, 6}, []float32{1, 2, 3, 4, 5, 6, 6, 5, 4, 3, 2, 1, 1, 0, 1, 0, 1, 0})
	a := kept.Call([]*tensor.Tensor{in}, true)[0]
	b := seeded.Call([]*tensor.Tensor{in}, true)[0]
	if !slices.Equal(a.Data(), b.Data()) {
		t.Fatalf("training outputs with seed 7 differ: %v vs %v", a.Data(), b.Data())
	}
}

// TestTwoIdentityLayers checks that two Identity layers are two layers of
// a model (values of size zero may share an address in Go).
func TestTwoIdentityLayers(t *testing.T) {
	x := models.Input([]int{3}, "x")
	a, b := &layers.Identity{}, &layers.Identity{}
	y := models.Apply(b, models.Apply(a, x))
	m, err := models.NewModel([]*models.Node{x}, []*models.Node{y})
	if err != nil {
		t.Fatal(err)
	}
	if got := m.LayerNames(); len(got) != 3 {
		t.Fatalf("layers %v, want the input and two identities", got)
	}
}
