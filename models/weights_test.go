package models_test

import (
	"io"
	"math"
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
	tt "github.com/neuron-go/neuron/tensor/tensortest"
)

// weightedData is a 3-class problem of 10 rows with integer labels.
func weightedData() (x, y *tensor.Tensor) {
	x = tt.Rand(3, -1, 1, 10, 4)
	y = tensor.Zeros(10)
	for i := range y.Data() {
		y.Data()[i] = float32(i % 3)
	}
	return x, y
}

func weightedModel(t *testing.T, cfg models.CompileConfig) *models.Sequential {
	t.Helper()
	m := models.NewSequential(&layers.Dense{Units: 3, Activation: activations.Softmax, InputShape: []int{4}})
	m.SetSeed(7)
	if cfg.Optimizer == nil {
		cfg.Optimizer = optimizers.NewSGD()
	}
	if cfg.Loss == nil {
		cfg.Loss = losses.SparseCategoricalCrossentropy{}
	}
	if err := m.Compile(cfg); err != nil {
		t.Fatal(err)
	}
	m.Out = io.Discard
	return m
}

// TestEvaluateSampleWeightByHand compares Evaluate's weighted loss and
// weighted accuracy with Keras's formulas computed by hand from Predict:
// loss = Σ wᵢ·(−log pᵢ[yᵢ]) / n for sum_over_batch_size, Σ wᵢ·lᵢ for sum,
// Σ wᵢ·lᵢ / Σ wᵢ for mean_with_sample_weight; weighted accuracy
// Σ wᵢ·[argmax pᵢ = yᵢ] / Σ wᵢ; the plain accuracy ignores the weights.
func TestEvaluateSampleWeightByHand(t *testing.T) {
	x, y := weightedData()
	w := tensor.FromSlice([]float32{0, 1, 2, 0.5, 3, 1, 1, 0, 2, 4}, 10)
	for _, r := range []losses.Reduction{"", losses.Sum, losses.MeanWithSampleWeight} {
		m := weightedModel(t, models.CompileConfig{
			Loss:            losses.SparseCategoricalCrossentropy{Reduction: r},
			Metrics:         []metrics.Metric{metrics.NewAccuracy()},
			WeightedMetrics: []metrics.Metric{metrics.NewAccuracy()},
		})
		p, err := m.Predict(x, models.PredictConfig{Verbose: models.Silent})
		if err != nil {
			t.Fatal(err)
		}
		// One batch of 10, so that the per-batch reduction is the whole.
		logs, err := m.Evaluate(x, y, models.EvaluateConfig{BatchSize: 10, Verbose: models.Silent, SampleWeight: w})
		if err != nil {
			t.Fatal(err)
		}
		var sum, sw, acc, wacc float64
		for i := range 10 {
			row := p.Row(i).Data()
			k := int(y.Data()[i])
			wi := float64(w.Data()[i])
			sum += wi * -math.Log(float64(row[k]))
			sw += wi
			if p.Row(i).ArgMax()[0] == k {
				acc++
				wacc += wi
			}
		}
		want := sum / 10
		switch r {
		case losses.Sum:
			want = sum
		case losses.MeanWithSampleWeight:
			want = sum / sw
		}
		if math.Abs(logs["loss"]-want) > 1e-5*want {
			t.Errorf("reduction %q: loss %v, by hand %v", r, logs["loss"], want)
		}
		if math.Abs(logs["accuracy"]-acc/10) > 1e-12 || math.Abs(logs["weighted_accuracy"]-wacc/sw) > 1e-9 {
			t.Errorf("accuracy %v and weighted_accuracy %v, by hand %v and %v", logs["accuracy"], logs["weighted_accuracy"], acc/10, wacc/sw)
		}
	}
}

// TestClassWeightIsSampleWeight checks Keras's class_weight_to_sample_weights:
// ClassWeight trains exactly as the sample weights it maps to, for integer
// and one-hot targets; and unit weights train exactly as no weights.
func TestClassWeightIsSampleWeight(t *testing.T) {
	x, y := weightedData()
	cw := map[int]float64{0: 0.5, 1: 2, 2: 1}
	sw := tensor.Zeros(10)
	for i, v := range y.Data() {
		sw.Data()[i] = float32(cw[int(v)])
	}
	fit := func(loss losses.Loss, y *tensor.Tensor, cfg models.FitConfig) []float64 {
		m := weightedModel(t, models.CompileConfig{Loss: loss})
		cfg.Epochs, cfg.BatchSize, cfg.Verbose = 3, 4, models.Silent
		h, err := m.Fit(x, y, cfg)
		if err != nil {
			t.Fatal(err)
		}
		return h.History["loss"]
	}
	a := fit(nil, y, models.FitConfig{ClassWeight: cw})
	b := fit(nil, y, models.FitConfig{SampleWeight: sw})
	c := fit(nil, y, models.FitConfig{})
	ones := tensor.Zeros(10).AddScalar(1)
	d := fit(nil, y, models.FitConfig{SampleWeight: ones})
	onehot := tensor.Zeros(10, 3)
	for i, v := range y.Data() {
		onehot.Data()[i*3+int(v)] = 1
	}
	e := fit(losses.CategoricalCrossentropy{}, onehot, models.FitConfig{ClassWeight: cw})
	for i := range a {
		if a[i] != b[i] || c[i] != d[i] {
			t.Errorf("epoch %d: ClassWeight %v vs SampleWeight %v; no weights %v vs unit weights %v", i, a[i], b[i], c[i], d[i])
		}
		if math.Abs(e[i]-a[i]) > 1e-6 {
			t.Errorf("epoch %d: one-hot targets with ClassWeight %v, integer labels %v", i, e[i], a[i])
		}
	}
	if a[0] == c[0] {
		t.Errorf("class weights changed nothing: %v", a)
	}
}

// TestValidationSampleWeight checks that ValidationData.SampleWeight
// weights val_loss as Evaluate's SampleWeight does, and that a
// ValidationSplit splits the sample weights with the data.
func TestValidationSampleWeight(t *testing.T) {
	x, y := weightedData()
	w := tensor.FromSlice([]float32{1, 1, 2, 0.5, 3, 1, 1, 0, 2, 4}, 10)
	m := weightedModel(t, models.CompileConfig{})
	h, err := m.Fit(x, y, models.FitConfig{Verbose: models.Silent, ValidationData: &models.Data{X: x.Slice(6, 10), Y: y.Slice(6, 10), SampleWeight: w.Slice(6, 10)}})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := m.Evaluate(x.Slice(6, 10), y.Slice(6, 10), models.EvaluateConfig{Verbose: models.Silent, SampleWeight: w.Slice(6, 10)})
	if err != nil {
		t.Fatal(err)
	}
	if got := h.History["val_loss"][0]; got != ev["loss"] {
		t.Errorf("val_loss %v, Evaluate with the weights %v", got, ev["loss"])
	}
	m2 := weightedModel(t, models.CompileConfig{})
	h2, err := m2.Fit(x, y, models.FitConfig{Verbose: models.Silent, NoShuffle: true, ValidationSplit: 0.4, SampleWeight: w})
	if err != nil {
		t.Fatal(err)
	}
	ev2, err := m2.Evaluate(x.Slice(6, 10), y.Slice(6, 10), models.EvaluateConfig{Verbose: models.Silent, SampleWeight: w.Slice(6, 10)})
	if err != nil {
		t.Fatal(err)
	}
	if got := h2.History["val_loss"][0]; got != ev2["loss"] {
		t.Errorf("val_loss with ValidationSplit %v, Evaluate of the last rows with their weights %v", got, ev2["loss"])
	}
}

// TestWeightErrors checks that bad weights are errors naming the argument.
func TestWeightErrors(t *testing.T) {
	x, y := weightedData()
	m := weightedModel(t, models.CompileConfig{})
	cases := []struct {
		cfg  models.FitConfig
		want string
	}{
		{models.FitConfig{ClassWeight: map[int]float64{0: 1, 1: 2}}, "ClassWeight has no weight for class 2 (y[2])"},
		{models.FitConfig{ClassWeight: map[int]float64{0: 1, 1: -2, 2: 1}}, "ClassWeight[1] is -2"},
		{models.FitConfig{ClassWeight: map[int]float64{0: 1, 1: math.NaN(), 2: 1}}, "ClassWeight[1] is NaN"},
		{models.FitConfig{ClassWeight: map[int]float64{}}, "ClassWeight is empty"},
		{models.FitConfig{SampleWeight: tensor.Zeros(9)}, "SampleWeight has 9 weights for 10 examples"},
		{models.FitConfig{SampleWeight: tensor.Zeros(10, 2)}, "SampleWeight must have shape (n) or (n, 1)"},
		{models.FitConfig{SampleWeight: tensor.FromSlice([]float32{1, 1, 1, -1, 1, 1, 1, 1, 1, 1}, 10)}, "SampleWeight[3] is -1"},
		{models.FitConfig{SampleWeight: tensor.Zeros(10), ClassWeight: map[int]float64{0: 1}}, "SampleWeight and ClassWeight are both set"},
		{models.FitConfig{ValidationData: &models.Data{X: x, Y: y, SampleWeight: tensor.Zeros(3)}}, "ValidationData.SampleWeight has 3 weights for 10 examples"},
	}
	for _, c := range cases {
		c.cfg.Verbose = models.Silent
		_, err := m.Fit(x, y, c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Fit(%+v) = %v, want an error containing %q", c.cfg, err, c.want)
		}
	}
	if _, err := m.Evaluate(x, y, models.EvaluateConfig{SampleWeight: tensor.Zeros(4), Verbose: models.Silent}); err == nil || !strings.Contains(err.Error(), "evaluate: SampleWeight has 4 weights") {
		t.Errorf("Evaluate with 4 weights: %v", err)
	}
	// A custom loss without per-example values cannot be weighted.
	c := weightedModel(t, models.CompileConfig{Loss: smoothedSparseCE{0.1}})
	if _, err := c.Fit(x, y, models.FitConfig{SampleWeight: tensor.Zeros(10), Verbose: models.Silent}); err == nil || !strings.Contains(err.Error(), "losses.PerExampleLoss") {
		t.Errorf("weights with a custom loss: %v", err)
	}
	// A weighted metric must take weights; reduction "none" cannot train.
	bad := models.NewSequential(&layers.Dense{Units: 3, InputShape: []int{4}})
	if err := bad.Compile(models.CompileConfig{Loss: losses.MeanSquaredError{}, WeightedMetrics: []metrics.Metric{metrics.NewPrecision()}}); err == nil || !strings.Contains(err.Error(), "WeightedMetrics[0]") {
		t.Errorf("Compile with a metric that cannot weight: %v", err)
	}
	if err := bad.Compile(models.CompileConfig{Loss: losses.MeanSquaredError{Reduction: losses.None}}); err == nil || !strings.Contains(err.Error(), `Reduction "none"`) {
		t.Errorf("Compile with reduction none: %v", err)
	}
}

// TestCustomLossTakesTargetsAsTheyAre checks Keras's rule for a loss of
// one's own: targets of any per-example shape reach it, with only their row
// count and finiteness checked, while a built-in loss still names the
// mismatch and the way to integer labels.
func TestCustomLossTakesTargetsAsTheyAre(t *testing.T) {
	x, y := weightedData()
	var seen []int
	m := weightedModel(t, models.CompileConfig{Loss: shapeSpy{&seen}})
	if _, err := m.Fit(x, y, models.FitConfig{Verbose: models.Silent, BatchSize: 10}); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 || seen[0] != 10 {
		t.Errorf("the loss saw targets of shape %v, want [10]", seen)
	}
	if _, err := m.Fit(x, y.Slice(0, 9), models.FitConfig{Verbose: models.Silent}); err == nil || !strings.Contains(err.Error(), "rows") {
		t.Errorf("9 targets for 10 rows: %v", err)
	}
	nan := y.Clone()
	nan.Data()[4] = float32(math.NaN())
	if _, err := m.Fit(x, nan, models.FitConfig{Verbose: models.Silent}); err == nil || !strings.Contains(err.Error(), "finite") {
		t.Errorf("a NaN target: %v", err)
	}
	mse := weightedModel(t, models.CompileConfig{Loss: losses.CategoricalCrossentropy{}})
	_, err := mse.Fit(x, y, models.FitConfig{Verbose: models.Silent})
	if err == nil || !strings.Contains(err.Error(), "losses.SparseCategoricalCrossentropy") {
		t.Errorf("integer labels for categorical_crossentropy: %v", err)
	}
}

// shapeSpy is a custom loss that records the shape of its targets.
type shapeSpy struct{ seen *[]int }

func (shapeSpy) Name() string { return "spy" }
func (s shapeSpy) Call(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	*s.seen = yTrue.Shape()
	return yPred.Square().Mean()
}

// TestFitWithSampleWeightDoesNotAllocatePerStep extends the allocation
// test to a Fit with sample weights: 30 more steps cost fewer than 30
// allocations.
func TestFitWithSampleWeightDoesNotAllocatePerStep(t *testing.T) {
	m := course.MNISTDNN()
	if err := course.Compile(m); err != nil {
		t.Fatal(err)
	}
	m.Out = io.Discard
	fit := func(steps int) float64 {
		x, y := tensor.Zeros(steps*32, 28, 28), tensor.Zeros(steps*32)
		for i := range y.Data() {
			y.Data()[i] = float32(i % 10)
		}
		cw := map[int]float64{0: 2, 1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 1, 7: 1, 8: 1, 9: 0.5}
		return testing.AllocsPerRun(3, func() {
			if _, err := m.Fit(x, y, models.FitConfig{Verbose: models.Silent, ClassWeight: cw}); err != nil {
				t.Fatal(err)
			}
		})
	}
	fit(10)
	short, long := fit(10), fit(40)
	t.Logf("allocations of a Fit call with class weights: %v with 10 steps, %v with 40", short, long)
	if long-short >= 30 {
		t.Errorf("30 more steps cost %v more allocations, want fewer than 30 (none per step)", long-short)
	}
}
