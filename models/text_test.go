package models_test

import (
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/callbacks"
	"github.com/neuron-go/neuron/data"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/saving"
	"github.com/neuron-go/neuron/tensor"
)

// reviews makes n short texts; label 1 for those that hold "good".
func reviews(n int) (data.Strings, *tensor.Tensor) {
	words := []string{"the", "film", "plot", "was", "acting", "music", "long", "Quite", "very"}
	texts := make(data.Strings, n)
	y := tensor.Zeros(n, 1)
	for i := range texts {
		var b strings.Builder
		for j := range 3 + i%4 {
			fmt.Fprintf(&b, "%s ", words[(i*7+j*3)%len(words)])
		}
		if i%2 == 0 {
			b.WriteString("GOOD!")
			y.Data()[i] = 1
		} else {
			b.WriteString("bad.")
		}
		texts[i] = b.String()
	}
	return texts, y
}

func compileText(t *testing.T, m interface {
	Compile(models.CompileConfig) error
}) {
	t.Helper()
	err := m.Compile(models.CompileConfig{Optimizer: &optimizers.Adam{LearningRate: 0.02}, Loss: losses.BinaryCrossentropy{},
		Metrics: []metrics.Metric{metrics.NewBinaryAccuracy()}})
	if err != nil {
		t.Fatal(err)
	}
}

// A model that starts with TextVectorization trains on texts exactly as
// the same layers after it train on the vectorized texts (Keras's
// end-to-end model and its dataset.map(vectorize_layer) twin), and a saved
// one predicts from texts bit for bit.
func TestTextInputs(t *testing.T) {
	texts, y := reviews(96)
	vec := &layers.TextVectorization{MaxTokens: 20, OutputSequenceLength: 6}
	if err := vec.Adapt(texts); err != nil {
		t.Fatal(err)
	}
	rest := func() []layers.Layer {
		return []layers.Layer{
			&layers.Embedding{InputDim: 20, OutputDim: 8},
			&layers.GlobalAveragePooling1D{},
			&layers.Dense{Units: 1, Activation: activations.Sigmoid},
		}
	}
	end := models.NewSequential(append([]layers.Layer{vec}, rest()...)...)
	core := models.NewSequential(append([]layers.Layer{&layers.Input{Shape: []int{6}}}, rest()...)...)
	end.Out, core.Out = io.Discard, io.Discard
	compileText(t, end)
	compileText(t, core)
	ids, err := vec.Vectorize(texts)
	if err != nil {
		t.Fatal(err)
	}
	cfg := models.FitConfig{Epochs: 15, BatchSize: 16, ValidationSplit: 0.25, Verbose: models.Silent}
	hEnd, err := end.Fit(texts, y, cfg)
	if err != nil {
		t.Fatal(err)
	}
	hCore, err := core.Fit(ids, y, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(hEnd.History, hCore.History) {
		t.Errorf("training on texts: %v\non their indices: %v", hEnd.History, hCore.History)
	}
	if acc := hEnd.History["val_binary_accuracy"]; acc[len(acc)-1] < 0.95 {
		t.Errorf("validation accuracy %v, want >= 0.95", acc[len(acc)-1])
	}
	probe := data.Strings{"the film was good", "the plot was bad", "GOOD", "never seen words"}
	pEnd, err := end.Predict(probe, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	pids, _ := vec.Vectorize(probe)
	pCore, err := core.Predict(pids, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(pEnd.Data(), pCore.Data()) {
		t.Errorf("Predict on texts %v, on indices %v", pEnd.Data(), pCore.Data())
	}
	if logs, err := end.Evaluate(texts, y, models.EvaluateConfig{Verbose: models.Silent}); err != nil || logs["binary_accuracy"] < 0.95 {
		t.Errorf("Evaluate on texts: %v, %v", logs, err)
	}

	path := filepath.Join(t.TempDir(), "text.safetensors")
	if err := saving.Save(end, path); err != nil {
		t.Fatal(err)
	}
	loaded, err := saving.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	loaded.Out = io.Discard
	pLoaded, err := loaded.Predict(probe, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(pLoaded.Data(), pEnd.Data()) {
		t.Errorf("loaded model predicts %v, the saved one %v", pLoaded.Data(), pEnd.Data())
	}
	if got := loaded.Layers()[0].(*layers.TextVectorization).GetVocabulary(true); !reflect.DeepEqual(got, vec.GetVocabulary(true)) {
		t.Errorf("loaded vocabulary %q, want %q", got, vec.GetVocabulary(true))
	}
	var sb strings.Builder
	end.Out = &sb
	end.Summary()
	if !strings.Contains(sb.String(), "(TextVectorization)") || !strings.Contains(sb.String(), "(None, 6)") {
		t.Errorf("summary:\n%s", sb.String())
	}

	// The functional end-to-end model: Input(shape=(1,), dtype="string") → vec → the trained core.
	ids0 := models.Input([]int{6}, "ids")
	h := ids0
	for _, l := range core.Layers() {
		h = models.Apply(l, h) // the trained layers keep their weights
	}
	coreM, err := models.NewModel([]*models.Node{ids0}, []*models.Node{h})
	if err != nil {
		t.Fatal(err)
	}
	in := models.Input([]int{1}, "text")
	out := models.Apply(coreM.AsLayer(), models.Apply(vec, in))
	e2e, err := models.NewModel([]*models.Node{in}, []*models.Node{out})
	if err != nil {
		t.Fatal(err)
	}
	e2e.Out = io.Discard
	outs, err := e2e.Predict([]models.Array{probe}, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(outs[0].Data(), pCore.Data()) {
		t.Errorf("functional end-to-end model predicts %v, the core on indices %v", outs[0].Data(), pCore.Data())
	}
}

func TestTextInputErrors(t *testing.T) {
	texts, y := reviews(8)
	vec := &layers.TextVectorization{OutputSequenceLength: 4}
	if err := vec.Adapt(texts); err != nil {
		t.Fatal(err)
	}
	end := models.NewSequential(vec, &layers.Embedding{InputDim: 50, OutputDim: 2}, &layers.Flatten{}, &layers.Dense{Units: 1})
	end.Out = io.Discard
	compileText(t, end)
	dense := models.NewSequential(&layers.Dense{Units: 1, InputShape: []int{1}})
	dense.Out = io.Discard
	compileText(t, dense)
	cases := []struct {
		name string
		run  func() error
		want string
	}{
		{"numbers into TextVectorization", func() error {
			_, err := end.Predict(tensor.Zeros(2, 1), models.PredictConfig{Verbose: models.Silent})
			return err
		}, "takes texts, not numbers"},
		{"texts into Dense", func() error {
			_, err := dense.Predict(texts, models.PredictConfig{Verbose: models.Silent})
			return err
		}, "x holds texts (data.Strings), but its input feeds Dense, which takes numbers"},
		{"validation numbers", func() error {
			_, err := end.Fit(texts, y, models.FitConfig{Verbose: models.Silent, ValidationData: &models.Data{X: tensor.Zeros(8, 1), Y: y}})
			return err
		}, "ValidationData.X must hold texts"},
		{"texts into several layers", func() error {
			in := models.Input([]int{1}, "t")
			a := models.Apply(&layers.Dense{Units: 1}, models.Apply(&layers.Flatten{}, models.Apply(&layers.Embedding{InputDim: 50, OutputDim: 2}, models.Apply(vec, in))))
			b := models.Apply(&layers.Dense{Units: 1}, in)
			m, err := models.NewModel([]*models.Node{in}, []*models.Node{models.Apply(&layers.Add{}, a, b)})
			if err != nil {
				return err
			}
			_, err = m.Predict([]models.Array{texts}, models.PredictConfig{Verbose: models.Silent})
			return err
		}, "feeds several layers"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := c.run(); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

// Vectorizing a batch of texts inside Fit allocates nothing per step.
func TestTextFitAllocationsDoNotGrowWithSteps(t *testing.T) {
	texts, _ := reviews(64)
	vec := &layers.TextVectorization{MaxTokens: 20, OutputSequenceLength: 6}
	if err := vec.Adapt(texts); err != nil {
		t.Fatal(err)
	}
	m := models.NewSequential(vec, &layers.Embedding{InputDim: 20, OutputDim: 8}, &layers.GlobalAveragePooling1D{}, &layers.Dense{Units: 1, Activation: activations.Sigmoid})
	m.Out = io.Discard
	compileText(t, m)
	fit := func(steps int) float64 {
		x, y := reviews(steps * 32)
		return testing.AllocsPerRun(3, func() {
			if _, err := m.Fit(x, y, models.FitConfig{Verbose: models.Silent}); err != nil {
				t.Fatal(err)
			}
		})
	}
	fit(10)
	short, long := fit(10), fit(40)
	t.Logf("allocations of a Fit call on texts: %v with 10 steps, %v with 40", short, long)
	if long-short >= 30 {
		t.Errorf("30 more steps cost %v more allocations, want fewer than 30 (none per step)", long-short)
	}
}

// predictEachEpoch predicts on texts from inside Fit, as a callback that
// tracks predictions would.
type predictEachEpoch struct {
	callbacks.Base
	m     *models.Sequential
	texts data.Strings
	err   error
}

func (p *predictEachEpoch) OnEpochEnd(int, callbacks.Logs) error {
	_, p.err = p.m.Predict(p.texts, models.PredictConfig{Verbose: models.Silent})
	return p.err
}

func TestTextPredictInsideFit(t *testing.T) {
	texts, y := reviews(64)
	vec := &layers.TextVectorization{MaxTokens: 20, OutputSequenceLength: 6}
	if err := vec.Adapt(texts); err != nil {
		t.Fatal(err)
	}
	m := models.NewSequential(vec, &layers.Embedding{InputDim: 20, OutputDim: 4}, &layers.Flatten{}, &layers.Dense{Units: 1, Activation: activations.Sigmoid})
	m.Out = io.Discard
	compileText(t, m)
	cb := &predictEachEpoch{m: m, texts: texts[:5]}
	if _, err := m.Fit(texts, y, models.FitConfig{Epochs: 3, ValidationSplit: 0.25, Verbose: models.Silent, Callbacks: []callbacks.Callback{cb}}); err != nil || cb.err != nil {
		t.Fatalf("Fit with a callback that predicts: %v, %v", err, cb.err)
	}
}
