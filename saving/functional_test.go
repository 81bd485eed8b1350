package saving_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/callbacks"
	"github.com/neuron-go/neuron/internal/safetensors"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/saving"
	"github.com/neuron-go/neuron/tensor"
)

// twoTower is a two-input, two-output model with a layer shared by both
// branches and a Dropout, compiled with Adam, per-output losses, a loss
// weight and metrics.
func twoTower(t testing.TB) *models.Model {
	t.Helper()
	a, b := models.Input([]int{6}, "a"), models.Input([]int{5}, "b")
	shared := &layers.Dense{Units: 4, Activation: activations.ReLU}
	ha := models.Apply(shared, models.Apply(&layers.Dense{Units: 4, Activation: activations.ReLU}, a))
	hb := models.Apply(shared, models.Apply(&layers.Dense{Units: 4}, b))
	out1 := models.Apply(&layers.Dense{Units: 3, Activation: activations.Softmax}, models.Apply(&layers.Dropout{Rate: 0.3}, ha))
	out2 := models.Apply(&layers.Dense{Units: 1}, hb)
	m, err := models.NewModel([]*models.Node{a, b}, []*models.Node{out1, out2})
	if err != nil {
		t.Fatal(err)
	}
	m.SetSeed(7)
	if err := m.Compile(models.CompileConfig{
		Optimizer:     optimizers.NewAdam(),
		OutputLosses:  map[string]losses.Loss{"dense_3": losses.SparseCategoricalCrossentropy{}, "dense_4": losses.MeanSquaredError{}},
		LossWeights:   map[string]float64{"dense_4": 0.25},
		OutputMetrics: map[string][]metrics.Metric{"dense_3": {metrics.NewAccuracy()}, "dense_4": {metrics.NewMeanAbsoluteError()}},
	}); err != nil {
		t.Fatal(err)
	}
	return m
}

func twoTowerData(seed uint64, n int) (x, y []models.Array) {
	r := rand.New(rand.NewPCG(seed, 1))
	a, b, y1, y2 := tensor.Zeros(n, 6), tensor.Zeros(n, 5), tensor.Zeros(n), tensor.Zeros(n, 1)
	for _, tt := range []*tensor.Tensor{a, b, y2} {
		for i := range tt.Data() {
			tt.Data()[i] = float32(r.NormFloat64())
		}
	}
	for i := range y1.Data() {
		y1.Data()[i] = float32(r.IntN(3))
	}
	return []models.Array{a, b}, []models.Array{y1, y2}
}

func modelWeights(m *models.Model) [][]float32 {
	var out [][]float32
	for _, l := range m.Layers() {
		for _, w := range l.Weights() {
			out = append(out, slices.Clone(w.Value.Data()))
		}
	}
	return out
}

// TestFunctionalSaveLoadRoundTrip saves a trained two-input, two-output
// model, loads it, and checks that it predicts bit for bit as the
// original, has the same summary, and trains on exactly as the original
// does (optimizer slots, dropout stream and compile settings restored).
func TestFunctionalSaveLoadRoundTrip(t *testing.T) {
	x, y := twoTowerData(1, 40)
	m := twoTower(t)
	if _, err := m.Fit(x, y, models.FitConfig{Epochs: 2, BatchSize: 8, Verbose: models.Silent}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := saving.Save(m, path); err != nil {
		t.Fatal(err)
	}
	got, err := saving.LoadModel(path)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.LayerNames(), m.LayerNames()) || !slices.Equal(got.OutputNames(), m.OutputNames()) || !slices.Equal(got.InputNames(), m.InputNames()) {
		t.Fatalf("names: %v %v %v, want %v %v %v", got.LayerNames(), got.InputNames(), got.OutputNames(), m.LayerNames(), m.InputNames(), m.OutputNames())
	}
	p1, err := m.Predict(x, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	p2, err := got.Predict(x, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	for i := range p1 {
		if !slices.Equal(p1[i].Data(), p2[i].Data()) {
			t.Fatalf("output %d differs after loading", i)
		}
	}
	var s1, s2 strings.Builder
	_ = m.SummaryTo(&s1, 108)
	_ = got.SummaryTo(&s2, 108)
	if s1.String() != s2.String() {
		t.Errorf("summaries differ:\n%s\n%s", s1.String(), s2.String())
	}
	cfg := models.FitConfig{Epochs: 3, InitialEpoch: 2, BatchSize: 8, Verbose: models.Silent}
	h1, err := m.Fit(x, y, cfg)
	if err != nil {
		t.Fatal(err)
	}
	h2, err := got.Fit(x, y, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(h1.History, h2.History) {
		t.Errorf("training after loading differs: %v, want %v", h2.History, h1.History)
	}
	if !reflect.DeepEqual(modelWeights(m), modelWeights(got)) {
		t.Error("weights differ after one more epoch")
	}
}

// TestFunctionalConfigLayout checks the saved model_config against Keras
// 3's functional layout, as Functional.get_config and serialize_node write
// it.
func TestFunctionalConfigLayout(t *testing.T) {
	m := twoTower(t)
	var buf bytes.Buffer
	if _, err := saving.Write(&buf, m); err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.Open(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		ClassName string `json:"class_name"`
		Config    struct {
			Name   string `json:"name"`
			Layers []struct {
				ClassName    string `json:"class_name"`
				Name         string `json:"name"`
				Module       string `json:"module"`
				InboundNodes []struct {
					Args   []json.RawMessage `json:"args"`
					Kwargs map[string]any    `json:"kwargs"`
				} `json:"inbound_nodes"`
			} `json:"layers"`
			InputLayers  [][]any `json:"input_layers"`
			OutputLayers [][]any `json:"output_layers"`
		} `json:"config"`
	}
	if err := json.Unmarshal([]byte(f.Meta["model_config"]), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.ClassName != "Functional" || cfg.Config.Name != "functional" {
		t.Fatalf("class_name %q, name %q", cfg.ClassName, cfg.Config.Name)
	}
	var names []string
	inbound := map[string][]string{}
	for _, l := range cfg.Config.Layers {
		names = append(names, l.Name)
		if l.Module != "keras.layers" {
			t.Errorf("%s: module %q", l.Name, l.Module)
		}
		for _, n := range l.InboundNodes {
			var kt struct {
				ClassName string `json:"class_name"`
				Config    struct {
					Shape        []any `json:"shape"`
					KerasHistory []any `json:"keras_history"`
				} `json:"config"`
			}
			if err := json.Unmarshal(n.Args[0], &kt); err != nil {
				t.Fatal(err)
			}
			if kt.ClassName != "__keras_tensor__" || kt.Config.Shape[0] != nil {
				t.Errorf("%s: arg %s", l.Name, n.Args[0])
			}
			inbound[l.Name] = append(inbound[l.Name], fmt.Sprint(kt.Config.KerasHistory))
		}
	}
	// map_graph's order, worked out by hand: depths a 4, dense 3, b 3,
	// dense_1 (the shared layer, max of its nodes) 2, dense_2 2, dropout 1,
	// dense_3 0, dense_4 0; ties in the order a walk from the outputs
	// first meets them (dense before b, dense_1 before dense_2).
	if want := []string{"a", "dense", "b", "dense_1", "dense_2", "dropout", "dense_3", "dense_4"}; !slices.Equal(names, want) {
		t.Errorf("layers %v, want %v", names, want)
	}
	wantInbound := map[string][]string{
		"dense": {"[a 0 0]"}, "dense_1": {"[dense 0 0]", "[dense_2 0 0]"}, "dense_2": {"[b 0 0]"},
		"dropout": {"[dense_1 0 0]"}, "dense_3": {"[dropout 0 0]"}, "dense_4": {"[dense_1 1 0]"},
	}
	if !reflect.DeepEqual(inbound, wantInbound) {
		t.Errorf("inbound nodes %v, want %v", inbound, wantInbound)
	}
	if got := fmt.Sprint(cfg.Config.InputLayers, cfg.Config.OutputLayers); got != "[[a 0 0] [b 0 0]] [[dense_3 0 0] [dense_4 0 0]]" {
		t.Errorf("input_layers, output_layers = %s", got)
	}
}

// TestFunctionalLoadRejectsBadGraphs edits a saved config and checks that
// dangling nodes and unknown layer names are errors, not panics.
func TestFunctionalLoadRejectsBadGraphs(t *testing.T) {
	m := twoTower(t)
	var buf bytes.Buffer
	if _, err := saving.Write(&buf, m); err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.Open(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	mc := f.Meta["model_config"]
	cases := []struct{ old, new, want string }{
		{`"keras_history":["dense_1",1,0]`, `"keras_history":["dense_1",5,0]`, "dangling"},
		{`"keras_history":["dense",0,0]`, `"keras_history":["nowhere",0,0]`, `names layer "nowhere"`},
		{`"output_layers":[["dense_3",0,0]`, `"output_layers":[["dense_9",0,0]`, `names layer "dense_9"`},
		{`"keras_history":["dense",0,0]`, `"keras_history":["dense",0,3]`, "names output 3"},
		{`"keras_history":["dense",0,0]`, `"keras_history":["dense_3",0,0]`, "never made"},
	}
	for _, tc := range cases {
		if !strings.Contains(mc, tc.old) {
			t.Fatalf("config has no %s: %s", tc.old, mc)
		}
		meta := maps(f.Meta)
		meta["model_config"] = strings.Replace(mc, tc.old, tc.new, 1)
		var out bytes.Buffer
		var tensors []safetensors.Tensor
		for _, e := range f.Entries {
			d := make([]float32, prodInts(e.Shape))
			if err := f.Read(e.Name, d); err != nil {
				t.Fatal(err)
			}
			tensors = append(tensors, safetensors.Tensor{Name: e.Name, Shape: e.Shape, Data: d})
		}
		delete(meta, safetensors.ChecksumKey)
		if err := safetensors.Write(&out, meta, tensors, true); err != nil {
			t.Fatal(err)
		}
		_, err := saving.ReadModel(bytes.NewReader(out.Bytes()), int64(out.Len()))
		if !errors.Is(err, saving.ErrInvalidFile) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s → %s: error %v, want ErrInvalidFile containing %q", tc.old, tc.new, err, tc.want)
		}
	}
}

func maps(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

func prodInts(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// TestFunctionalBackupAndRestoreResumesExactly interrupts the training of
// the two-tower model at several points and checks that resuming from the
// backups ends with the weights and history of a run never interrupted,
// per-output losses and metrics included.
func TestFunctionalBackupAndRestoreResumesExactly(t *testing.T) {
	x, y := twoTowerData(2, 50)
	xv, yv := twoTowerData(3, 12)
	fit := func(cbs ...callbacks.Callback) models.FitConfig {
		return models.FitConfig{Epochs: 3, BatchSize: 8, Verbose: models.Silent, Callbacks: cbs,
			ValidationData: &models.Data{Inputs: xv, Targets: yv}}
	}
	ref := twoTower(t)
	refH, err := ref.Fit(x, y, fit())
	if err != nil {
		t.Fatal(err)
	}
	for _, stops := range [][]int{{3}, {7}, {10, 4}} {
		dir := t.TempDir()
		for _, after := range stops {
			m := twoTower(t)
			_, err := m.Fit(x, y, fit(&saving.BackupAndRestore{Dir: dir, SaveEvery: 2}, &interrupt{after: after}))
			if !errors.Is(err, errInterrupted) {
				t.Fatalf("stops %v: interrupted run: %v", stops, err)
			}
		}
		m := twoTower(t)
		h, err := m.Fit(x, y, fit(&saving.BackupAndRestore{Dir: dir, SaveEvery: 2}))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(modelWeights(m), modelWeights(ref)) {
			t.Errorf("stops %v: final weights differ from the uninterrupted run", stops)
		}
		if !reflect.DeepEqual(h.History, refH.History) {
			t.Errorf("stops %v: history differs:\n got %v\nwant %v", stops, h.History, refH.History)
		}
	}
	// ModelCheckpoint saves a functional model that LoadModel reads.
	path := filepath.Join(t.TempDir(), "best.safetensors")
	m := twoTower(t)
	if _, err := m.Fit(x, y, fit(&saving.ModelCheckpoint{FilePath: path, SaveBestOnly: true})); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
	if _, err := saving.LoadModel(path); err != nil {
		t.Fatal(err)
	}
}

// savableSum is sum made savable the way a merge layer is: it implements
// layers.MultiLayer for the graph and layers.Layer with Config for the
// registry, whose decoders return Layers.
type savableSum struct{ sum }

func (*savableSum) ClassName() string { return "TestSavableSum" }

func (*savableSum) Build([]int, *rand.Rand) ([]int, error) {
	return nil, errors.New("TestSavableSum takes two inputs")
}

func (*savableSum) Call(x *tensor.Tensor, _ bool) *tensor.Tensor { return x }

func (*savableSum) Config() (any, error) { return struct{}{}, nil }

func (s *savableSum) PlanMulti(in [][]int) ([][]int, []layers.WeightShape, error) {
	out, err := s.BuildMulti(in, nil)
	return out, nil, err
}

func init() {
	layers.Register("TestSavableSum", func(b []byte) (layers.Layer, error) {
		var c struct{}
		if err := layers.DecodeConfig(b, &c); err != nil {
			return nil, err
		}
		return &savableSum{}, nil
	})
}

// TestFunctionalSaveLoadMergeLayer saves and loads a model with a layer of
// two inputs: its inbound node holds the inputs as one list, as Keras
// writes a merge layer's call, and the loaded model predicts bit for bit
// as the saved one.
func TestFunctionalSaveLoadMergeLayer(t *testing.T) {
	a, b := models.Input([]int{6}, "a"), models.Input([]int{5}, "b")
	s := models.Apply(&savableSum{}, models.Apply(&layers.Dense{Units: 4}, a), models.Apply(&layers.Dense{Units: 4}, b))
	m, err := models.NewModel([]*models.Node{a, b}, []*models.Node{models.Apply(&layers.Dense{Units: 2}, s)})
	if err != nil {
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
	if !strings.Contains(f.Meta["model_config"], `"args":[[{"class_name":"__keras_tensor__","config":{"shape":[null,4],"dtype":"float32","keras_history":["dense",0,0]}},{"class_name":"__keras_tensor__","config":{"shape":[null,4],"dtype":"float32","keras_history":["dense_1",0,0]}}]]`) {
		t.Errorf("the merge layer's inbound node is not a list of two tensors:\n%s", f.Meta["model_config"])
	}
	got, err := saving.ReadModel(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	x, _ := twoTowerData(6, 9)
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
