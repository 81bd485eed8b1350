package saving_test

import (
	"bytes"
	"encoding/json"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/internal/safetensors"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/saving"
	"github.com/neuron-go/neuron/tensor"
)

// encoderModel is a small functional model with a Dropout, to be used as
// a layer.
func encoderModel(t testing.TB, in int) *models.Model {
	t.Helper()
	x := models.Input([]int{in}, "features")
	h := models.Apply(&layers.Dropout{Rate: 0.5}, models.Apply(&layers.Dense{Units: 5, Activation: activations.ReLU}, x))
	enc, err := models.NewModel([]*models.Node{x}, []*models.Node{models.Apply(&layers.Dense{Units: 3}, h)})
	if err != nil {
		t.Fatal(err)
	}
	enc.SetSeed(3)
	return enc
}

// nestedModels is an outer model that applies one encoder to two inputs
// (so the nested model has two calls), with a model nested two deep on
// the way to the output.
func nestedModels(t testing.TB) *models.Model {
	t.Helper()
	enc := encoderModel(t, 4)
	// A model holding a model, used as a layer in turn.
	y := models.Input([]int{3}, "z")
	inner := encoderModel(t, 3)
	mid, err := models.NewModel([]*models.Node{y}, []*models.Node{models.Apply(&layers.Dense{Units: 3, Activation: activations.Tanh}, models.ApplyNamed("inner", inner.AsLayer(), y))})
	if err != nil {
		t.Fatal(err)
	}
	a, b := models.Input([]int{4}, "a"), models.Input([]int{4}, "b")
	ha := models.ApplyNamed("encoder", enc.AsLayer(), a)
	hb := models.ApplyNamed("encoder", enc.AsLayer(), b)
	h := models.ApplyNamed("mid", mid.AsLayer(), models.Apply(&layers.Add{}, ha, hb))
	out := models.Apply(&layers.Dense{Units: 3, Activation: activations.Softmax}, h)
	m, err := models.NewModel([]*models.Node{a, b}, []*models.Node{out})
	if err != nil {
		t.Fatal(err)
	}
	m.Out = &bytes.Buffer{}
	m.SetSeed(5)
	if err := m.Compile(models.CompileConfig{Optimizer: optimizers.NewAdam(), Loss: losses.SparseCategoricalCrossentropy{}, Metrics: []metrics.Metric{metrics.NewAccuracy()}}); err != nil {
		t.Fatal(err)
	}
	return m
}

func nestedData(n int) (x, y []models.Array) {
	a, b, l := tensor.Zeros(n, 4), tensor.Zeros(n, 4), tensor.Zeros(n)
	for i := range a.Data() {
		a.Data()[i] = float32(math.Sin(float64(i)))
		b.Data()[i] = float32(math.Cos(float64(3 * i)))
	}
	for i := range l.Data() {
		l.Data()[i] = float32(i % 3)
	}
	return []models.Array{a, b}, []models.Array{l}
}

// TestNestedSaveLoad saves a trained model holding nested models, loads
// it, and checks that it predicts bit for bit as the original, has its
// summary and weight names, and trains on exactly as the original, the
// nested Dropout layers' random states included.
func TestNestedSaveLoad(t *testing.T) {
	m := nestedModels(t)
	x, y := nestedData(40)
	fit := models.FitConfig{Epochs: 2, BatchSize: 8, Verbose: models.Silent}
	if _, err := m.Fit(x, y, fit); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "nested.safetensors")
	if err := saving.Save(m, path); err != nil {
		t.Fatal(err)
	}
	got, err := saving.LoadModel(path)
	if err != nil {
		t.Fatal(err)
	}
	got.Out = &bytes.Buffer{}
	if !slices.Equal(got.WeightNames(), m.WeightNames()) {
		t.Fatalf("weight names %q, want %q", got.WeightNames(), m.WeightNames())
	}
	if !slices.Contains(m.WeightNames(), "mid/inner/dense/kernel") {
		t.Errorf("weight names %q lack mid/inner/dense/kernel", m.WeightNames())
	}
	var s1, s2 bytes.Buffer
	if err := m.SummaryTo(&s1, 0); err != nil {
		t.Fatal(err)
	}
	if err := got.SummaryTo(&s2, 0); err != nil {
		t.Fatal(err)
	}
	if s1.String() != s2.String() {
		t.Errorf("summary of the loaded model:\n%s\nwant\n%s", &s2, &s1)
	}
	p1, err := m.Predict(x, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	p2, err := got.Predict(x, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	if i := sameBits(p1[0].Data(), p2[0].Data()); i >= 0 {
		t.Fatalf("prediction %d differs", i)
	}
	fit.Epochs = 1
	if _, err := m.Fit(x, y, fit); err != nil {
		t.Fatal(err)
	}
	if _, err := got.Fit(x, y, fit); err != nil {
		t.Fatal(err)
	}
	w1, w2 := modelWeights(m), modelWeights(got)
	for i := range w1 {
		if j := sameBits(w1[i], w2[i]); j >= 0 {
			t.Fatalf("after training on, weight %d (%s) differs at %d", i, m.WeightNames()[i], j)
		}
	}
}

// TestNestedConfigLayout checks the model_config of a nested model against
// Keras 3's layout for a nested Functional: module, class and registered
// names, the inner config, and node indices that count a nested
// Functional's calls from 1.
func TestNestedConfigLayout(t *testing.T) {
	m := nestedModels(t)
	var buf bytes.Buffer
	if _, err := saving.Write(&buf, m); err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.Open(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Config struct {
			Layers []struct {
				Module         string          `json:"module"`
				ClassName      string          `json:"class_name"`
				RegisteredName *string         `json:"registered_name"`
				Name           string          `json:"name"`
				Config         json.RawMessage `json:"config"`
				BuildConfig    json.RawMessage `json:"build_config"`
				InboundNodes   []struct {
					Args []json.RawMessage `json:"args"`
				} `json:"inbound_nodes"`
			} `json:"layers"`
			OutputLayers [][3]any `json:"output_layers"`
		} `json:"config"`
	}
	if err := json.Unmarshal([]byte(f.Meta["model_config"]), &cfg); err != nil {
		t.Fatal(err)
	}
	byName := map[string]int{}
	for i, l := range cfg.Config.Layers {
		byName[l.Name] = i
	}
	enc := cfg.Config.Layers[byName["encoder"]]
	if enc.Module != "keras.src.models.functional" || enc.ClassName != "Functional" || enc.RegisteredName == nil || *enc.RegisteredName != "Functional" {
		t.Errorf("encoder entry: module %q, class_name %q, registered_name %v", enc.Module, enc.ClassName, enc.RegisteredName)
	}
	if string(enc.BuildConfig) != `{"input_shape":[null,4]}` {
		t.Errorf("encoder build_config %s", enc.BuildConfig)
	}
	var inner struct {
		Name        string   `json:"name"`
		InputLayers [][3]any `json:"input_layers"`
		Layers      []struct {
			ClassName string `json:"class_name"`
		} `json:"layers"`
	}
	if err := json.Unmarshal(enc.Config, &inner); err != nil {
		t.Fatal(err)
	}
	if inner.Name != "encoder" || len(inner.Layers) != 4 || inner.Layers[0].ClassName != "InputLayer" || inner.InputLayers[0][0] != "features" {
		t.Errorf("encoder config: %s", enc.Config)
	}
	if n := len(enc.InboundNodes); n != 2 {
		t.Fatalf("encoder has %d inbound nodes, want 2", n)
	}
	add := cfg.Config.Layers[byName["add"]]
	arg := string(add.InboundNodes[0].Args[0])
	if !strings.Contains(arg, `"keras_history":["encoder",1,0]`) || !strings.Contains(arg, `"keras_history":["encoder",2,0]`) {
		t.Errorf("add's inputs %s, want encoder's nodes 1 and 2", arg)
	}
	if !strings.Contains(string(cfg.Config.Layers[byName["dense"]].InboundNodes[0].Args[0]), `"keras_history":["mid",1,0]`) {
		t.Errorf("dense's input: %s", cfg.Config.Layers[byName["dense"]].InboundNodes[0].Args[0])
	}
}

// TestNestedConfigRejects checks the loader's errors on a damaged nested
// config: node 0 of a nested Functional, and an input of the wrong shape.
func TestNestedConfigRejects(t *testing.T) {
	m := nestedModels(t)
	var buf bytes.Buffer
	if _, err := saving.Write(&buf, m); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	for _, c := range []struct{ name, from, to, want string }{
		{"node 0", `"keras_history":["encoder",1,0]`, `"keras_history":["encoder",0,0]`, `node 0 of the nested model "encoder", whose calls count from 1`},
		{"input shape", `"batch_shape":[null,4]`, `"batch_shape":[null,5]`, `layer "encoder": inbound_nodes[0]: input 0 of the nested model has shape [4], applied to [5]`},
	} {
		b := resealed(t, good, c.from, c.to)
		_, err := saving.ReadModel(bytes.NewReader(b), int64(len(b)))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want one containing %q", c.name, err, c.want)
		}
	}
}

// resealed replaces from by to in the model_config of a model file and
// writes it again with a valid checksum.
func resealed(t *testing.T, file []byte, from, to string) []byte {
	t.Helper()
	f, err := safetensors.Open(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		t.Fatal(err)
	}
	meta := map[string]string{}
	for k, v := range f.Meta {
		if k != safetensors.ChecksumKey {
			meta[k] = v
		}
	}
	if !strings.Contains(meta["model_config"], from) {
		t.Fatalf("model_config has no %s", from)
	}
	meta["model_config"] = strings.Replace(meta["model_config"], from, to, 1)
	var ts []safetensors.Tensor
	for _, e := range f.Entries {
		d := make([]float32, e.Len())
		if err := f.Read(e.Name, d); err != nil {
			t.Fatal(err)
		}
		ts = append(ts, safetensors.Tensor{Name: e.Name, Shape: e.Shape, Data: d})
	}
	var b bytes.Buffer
	if err := safetensors.Write(&b, meta, ts, true); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestNestedNamedAfterModel checks that a model used as a layer takes the
// model's name, as in Keras, and keeps it through a save and a load.
func TestNestedNamedAfterModel(t *testing.T) {
	enc := encoderModel(t, 4)
	enc.Name = "encoder"
	x := models.Input([]int{4}, "x")
	m, err := models.NewModel([]*models.Node{x}, []*models.Node{models.Apply(&layers.Dense{Units: 2}, models.Apply(enc.AsLayer(), x))})
	if err != nil {
		t.Fatal(err)
	}
	if names := m.LayerNames(); !slices.Equal(names, []string{"x", "encoder", "dense"}) {
		t.Fatalf("layer names %q", names)
	}
	var buf bytes.Buffer
	if _, err := saving.Write(&buf, m); err != nil {
		t.Fatal(err)
	}
	got, err := saving.ReadModel(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.WeightNames(), m.WeightNames()) || got.WeightNames()[0] != "encoder/dense/kernel" {
		t.Errorf("weight names %q, want %q", got.WeightNames(), m.WeightNames())
	}
}
