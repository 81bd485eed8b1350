package models_test

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/tensor"
)

// maskedOutputsRef is models/testdata/masked_outputs.json, written by
// testdata/gen/masked_outputs_ref.py with torch.
type maskedOutputsRef struct {
	Tokens, TagsY []float32 `json:"-"`
	RawTokens     []int     `json:"tokens"`
	RawTagsY      []int     `json:"tags_y"`
	LevelY        []float32 `json:"level_y"`
	Tags, Level   []float32
	Logs          map[string]float64
	Weights       map[string][]float32
	After         map[string][]float32
}

// TestMaskedOutputsMatchTorch checks a functional model with two masked
// sequence outputs (Embedding(mask_zero) → two LSTM(return_sequences) →
// Dense heads) against torch and Keras 3's formulas: the predictions at the
// kept steps, Evaluate's and Fit's per-output losses and metrics (sparse
// top-k and accuracy on one head, mean absolute error on the other, each
// over the kept steps only) under Keras's keys, and every weight after one
// SGD step on the masked, weighted sum of the losses.
func TestMaskedOutputsMatchTorch(t *testing.T) {
	b, err := os.ReadFile("testdata/masked_outputs.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref maskedOutputsRef
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	for _, v := range ref.RawTokens {
		ref.Tokens = append(ref.Tokens, float32(v))
	}
	for _, v := range ref.RawTagsY {
		ref.TagsY = append(ref.TagsY, float32(v))
	}
	x := models.Input([]int{6}, "tokens")
	e := models.Apply(&layers.Embedding{InputDim: 8, OutputDim: 3, MaskZero: true}, x)
	tags := models.ApplyNamed("tags", &layers.Dense{Units: 3, Activation: activations.Softmax},
		models.Apply(&layers.LSTM{Units: 4, ReturnSequences: true}, e))
	level := models.ApplyNamed("level", &layers.Dense{Units: 1},
		models.Apply(&layers.LSTM{Units: 2, ReturnSequences: true}, e))
	m, err := models.NewModel([]*models.Node{x}, []*models.Node{tags, level})
	if err != nil {
		t.Fatal(err)
	}
	m.Out = &bytes.Buffer{}
	names := m.WeightNames()
	for i, w := range m.Weights() {
		v, ok := ref.Weights[names[i]]
		if !ok || len(v) != w.Size() {
			t.Fatalf("weight %s: reference has %d values, model %d", names[i], len(v), w.Size())
		}
		copy(w.Data(), v)
	}
	err = m.Compile(models.CompileConfig{
		Optimizer: &optimizers.SGD{LearningRate: 0.1},
		OutputLosses: map[string]losses.Loss{
			"tags":  losses.SparseCategoricalCrossentropy{},
			"level": losses.MeanSquaredError{},
		},
		LossWeights: map[string]float64{"level": 0.5},
		OutputMetrics: map[string][]metrics.Metric{
			"tags":  {metrics.NewSparseTopKCategoricalAccuracy(2), metrics.NewSparseCategoricalAccuracy()},
			"level": {metrics.NewMeanAbsoluteError()},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	xs := []models.Array{tensor.FromSlice(ref.Tokens, 4, 6)}
	ys := []models.Array{tensor.FromSlice(ref.TagsY, 4, 6), tensor.FromSlice(ref.LevelY, 4, 6, 1)}
	pred, err := m.Predict(xs, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range [][]float32{ref.Tags, ref.Level} {
		per := len(want) / 24
		for j, v := range pred[i].Data() {
			if ref.Tokens[j/per] == 0 {
				continue // a padded step's output is not compared (nor counted)
			}
			if !near(float64(v), float64(want[j])) {
				t.Fatalf("output %d value %d = %v, torch %v", i, j, v, want[j])
			}
		}
	}
	checkLogs := func(what string, got map[string]float64) {
		t.Helper()
		for k, want := range ref.Logs {
			v, ok := got[k]
			if !ok {
				t.Errorf("%s: no %q in %v", what, k, got)
				continue
			}
			if math.Abs(v-want) > 1e-5*(1+math.Abs(want)) {
				t.Errorf("%s: %s = %v, want %v", what, k, v, want)
			}
		}
	}
	got, err := m.Evaluate(xs, ys, models.EvaluateConfig{BatchSize: 4, Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	checkLogs("Evaluate", got)
	h, err := m.Fit(xs, ys, models.FitConfig{BatchSize: 4, NoShuffle: true, Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	last := map[string]float64{}
	for k, v := range h.History {
		last[k] = v[len(v)-1]
	}
	checkLogs("Fit", last) // the step's logs are of the weights before it
	for i, w := range m.Weights() {
		want := ref.After[names[i]]
		for j, v := range w.Data() {
			if math.Abs(float64(v)-float64(want[j])) > 1e-6*(1+math.Abs(float64(want[j]))) {
				t.Fatalf("%s[%d] after one step = %v, torch %v", names[i], j, v, want[j])
			}
		}
	}
}

// batchMSE is a loss of one's own that returns one value for the batch
// (Keras: def batch_mse(y_true, y_pred): return ops.mean(ops.square(y_true
// - y_pred))): not a losses.PerExampleLoss.
type batchMSE struct{}

func (batchMSE) Name() string { return "batch_mse" }

func (batchMSE) Call(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	return yPred.Sub(yTrue).Square().Mean()
}

// stepAbs is a per-example loss of one's own: |y − p| averaged over the
// last axis, one value per (example, step), with a reduction.
type stepAbs struct{ r losses.Reduction }

func (stepAbs) Name() string { return "step_abs" }

func (l stepAbs) Call(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	return losses.Reduce(l.PerExample(yTrue, yPred), l.r)
}

func (stepAbs) PerExample(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	return yPred.Sub(yTrue).Abs().MeanAxis(-1, false)
}

func (l stepAbs) LossReduction() losses.Reduction { return l.r }

// TestMaskedCustomLosses checks losses of one's own on a masked sequence
// output (Embedding(mask_zero) → LSTM(return_sequences) → Dense(2)) against
// Keras 3's Loss.__call__ written out on Predict's output: values v and the
// mask m (total entries, valid kept), apply_mask's weights
// w = m·total/valid for sum_over_batch_size and w = m for the others, and
// reduce_values: sum(v·w)/total, sum(v·w), sum(v·w)/sum(w). A loss that
// returns one value L for the batch is broadcast over w, which gives L (0
// if no step is kept).
func TestMaskedCustomLosses(t *testing.T) {
	tokens := tensor.FromSlice([]float32{1, 2, 0, 0, 0, 3, 4, 0, 2, 2, 2, 1}, 3, 4)
	y := tensor.Zeros(3, 4, 2)
	for i := range y.Data() {
		y.Data()[i] = float32(i%5)/4 - 0.5
	}
	build := func(loss losses.Loss) *models.Sequential {
		m := models.NewSequential(
			&layers.Input{Shape: []int{4}},
			&layers.Embedding{InputDim: 5, OutputDim: 3, MaskZero: true},
			&layers.LSTM{Units: 3, ReturnSequences: true},
			&layers.Dense{Units: 2},
		)
		m.Out = &bytes.Buffer{}
		m.SetSeed(7)
		if err := m.Compile(models.CompileConfig{Optimizer: &optimizers.SGD{LearningRate: 0.1}, Loss: loss}); err != nil {
			t.Fatal(err)
		}
		return m
	}
	pred := func(m *models.Sequential, x *tensor.Tensor) []float32 {
		p, err := m.Predict(x, models.PredictConfig{Verbose: models.Silent})
		if err != nil {
			t.Fatal(err)
		}
		return p.Data()
	}
	// keras reduces values v (one per step, or one for the batch) as
	// reduce_weighted_values with the mask of x.
	keras := func(x *tensor.Tensor, v []float64, r losses.Reduction) float64 {
		n := x.Size()
		var valid float64
		for _, tok := range x.Data() {
			if tok != 0 {
				valid++
			}
		}
		var sum, wsum float64
		for i, tok := range x.Data() {
			var w float64
			if tok != 0 {
				w = 1
				if r == losses.SumOverBatchSize && valid > 0 {
					w = float64(n) / valid // divide_no_nan(total, valid)
				}
			}
			vi := v[0]
			if len(v) > 1 {
				vi = v[i]
			}
			sum += vi * w
			wsum += w
		}
		switch r {
		case losses.Sum:
			return sum
		case losses.MeanWithSampleWeight:
			if wsum == 0 {
				return 0
			}
			return sum / wsum
		}
		return sum / float64(n)
	}
	allPad := tensor.Zeros(3, 4)
	for _, x := range []*tensor.Tensor{tokens, allPad} {
		// A loss that returns one value for the batch.
		m := build(batchMSE{})
		p := pred(m, x)
		var se float64
		for i, v := range p {
			d := float64(v - y.Data()[i])
			se += d * d
		}
		want := keras(x, []float64{se / float64(len(p))}, losses.SumOverBatchSize)
		got, err := m.Evaluate(x, y, models.EvaluateConfig{Verbose: models.Silent})
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got["loss"]-want) > 1e-6 {
			t.Errorf("batch_mse, all padded %v: loss %v, want %v", x == allPad, got["loss"], want)
		}
		// Per-step values, each reduction.
		for _, r := range []losses.Reduction{losses.SumOverBatchSize, losses.Sum, losses.MeanWithSampleWeight} {
			m := build(stepAbs{r})
			p := pred(m, x)
			v := make([]float64, 12)
			for i := range v {
				v[i] = (math.Abs(float64(p[2*i]-y.Data()[2*i])) + math.Abs(float64(p[2*i+1]-y.Data()[2*i+1]))) / 2
			}
			want := keras(x, v, r)
			got, err := m.Evaluate(x, y, models.EvaluateConfig{Verbose: models.Silent})
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got["loss"]-want) > 1e-5*(1+math.Abs(want)) {
				t.Errorf("step_abs %s, all padded %v: loss %v, want %v", r, x == allPad, got["loss"], want)
			}
		}
	}
	// A loss that returns one value for the batch sees the padded steps
	// (Keras's mask only scales it), but a batch with no kept step gives 0
	// and no gradient: the weights stay.
	m := build(batchMSE{})
	before := append([]float32(nil), m.Weights()[len(m.Weights())-1].Data()...)
	h, err := m.Fit(allPad, y, models.FitConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	if l := h.History["loss"][0]; l != 0 {
		t.Errorf("batch_mse on all-padded sequences: loss %v, want 0", l)
	}
	for i, v := range m.Weights()[len(m.Weights())-1].Data() {
		if v != before[i] {
			t.Errorf("batch_mse on all-padded sequences: bias[%d] %v → %v, want unchanged", i, before[i], v)
		}
	}
}
