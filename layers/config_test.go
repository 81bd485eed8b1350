package layers_test

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/initializers"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/tensor"
)

// savable are built-in layers with varied settings, each with an input
// shape it can be built for.
func savable() []struct {
	l  layers.Layer
	in []int
} {
	return []struct {
		l  layers.Layer
		in []int
	}{
		{&layers.Input{Shape: []int{28, 28}}, []int{28, 28}},
		{&layers.Flatten{InputShape: []int{28, 28}}, []int{28, 28}},
		{&layers.Flatten{}, []int{3, 4, 5}},
		{&layers.Dense{Units: 256, Activation: activations.ReLU}, []int{784}},
		{&layers.Dense{Units: 3, NoBias: true, InputShape: []int{7}, KernelInitializer: initializers.HeNormal{},
			KernelRegularizer: layers.L2(0.01), BiasRegularizer: layers.L1L2{L1: 0.5, L2: 0.25}}, []int{7}},
		{&layers.Dense{Units: 2, BiasInitializer: initializers.Constant{Value: 0.1}, KernelInitializer: initializers.RandomUniform{Min: -1, Max: 2}}, []int{4}},
		{&layers.Dense{Units: 2, KernelInitializer: initializers.RandomNormal{Mean: 1, Stddev: 0.5}, BiasInitializer: initializers.Ones{}}, []int{4}},
		{&layers.Dense{Units: 3}, []int{5, 4}},
		{&layers.Conv2D{Filters: 32, KernelSize: [2]int{3, 3}, Activation: activations.ReLU, InputShape: []int{28, 28, 1}}, []int{28, 28, 1}},
		{&layers.Conv2D{Filters: 4, KernelSize: [2]int{3, 2}, Strides: [2]int{2, 1}, Padding: "same", NoBias: true, KernelInitializer: initializers.HeUniform{}}, []int{9, 8, 3}},
		{&layers.Conv2D{Filters: 6, KernelSize: [2]int{3, 3}, DilationRate: [2]int{2, 1}, Groups: 3, Padding: "same", KernelRegularizer: layers.L2(0.1)}, []int{9, 8, 3}},
		{&layers.Conv1D{Filters: 4, KernelSize: 3, Padding: "causal", DilationRate: 2, Groups: 2, Activation: activations.ReLU, InputShape: []int{10, 2}}, []int{10, 2}},
		{&layers.Conv1D{Filters: 3, KernelSize: 2, Strides: 2, NoBias: true, KernelInitializer: initializers.HeNormal{}}, []int{9, 4}},
		{&layers.DepthwiseConv2D{KernelSize: [2]int{3, 3}, DepthMultiplier: 2, Padding: "same", DepthwiseRegularizer: layers.L1(0.01), InputShape: []int{8, 8, 3}}, []int{8, 8, 3}},
		{&layers.DepthwiseConv2D{KernelSize: [2]int{2, 3}, DilationRate: [2]int{2, 1}, NoBias: true, DepthwiseInitializer: initializers.HeUniform{}, Activation: activations.ReLU}, []int{7, 6, 2}},
		{&layers.SeparableConv2D{Filters: 5, KernelSize: [2]int{3, 3}, Strides: [2]int{2, 2}, Padding: "same", PointwiseInitializer: initializers.LecunNormal{}, PointwiseRegularizer: layers.L2(0.1)}, []int{9, 8, 3}},
		{&layers.SeparableConv2D{Filters: 2, KernelSize: [2]int{2, 2}, DepthMultiplier: 3, DilationRate: [2]int{2, 2}, NoBias: true, Activation: activations.ReLU}, []int{7, 7, 2}},
		{&layers.Conv2DTranspose{Filters: 4, KernelSize: [2]int{3, 3}, Strides: [2]int{2, 2}, Padding: "same", Activation: activations.ReLU, InputShape: []int{7, 7, 8}}, []int{7, 7, 8}},
		{&layers.Conv2DTranspose{Filters: 2, KernelSize: [2]int{3, 2}, Strides: [2]int{2, 3}, OutputPadding: []int{1, 2}, NoBias: true, KernelInitializer: initializers.GlorotNormal{}}, []int{4, 5, 3}},
		{&layers.Conv2DTranspose{Filters: 3, KernelSize: [2]int{3, 3}, DilationRate: [2]int{2, 2}, BiasRegularizer: layers.L2(0.5), BiasInitializer: initializers.Ones{}}, []int{4, 4, 2}},
		{&layers.MaxPooling2D{PoolSize: [2]int{2, 2}}, []int{26, 26, 32}},
		{&layers.MaxPooling2D{PoolSize: [2]int{3, 3}, Strides: [2]int{1, 2}, Padding: "same"}, []int{7, 7, 2}},
		{&layers.Dropout{Rate: 0.2}, []int{128}},
		{&layers.Dropout{Rate: 0.5, Seed: 42}, []int{3, 3}},
		{&layers.Reshape{TargetShape: []int{28, 28, 1}, InputShape: []int{28, 28}}, []int{28, 28}},
		{&layers.Reshape{TargetShape: []int{-1, 2}}, []int{3, 4}},
		{&layers.LayerNormalization{Axis: []int{2, 3}, NoCenter: true}, []int{4, 3, 2}},
		{&layers.GroupNormalization{Groups: 2, GammaRegularizer: layers.L2(0.1)}, []int{4, 4, 6}},
		{&layers.UnitNormalization{}, []int{5}},
		{&layers.Rescaling{Scale: 1.0 / 255}, []int{28, 28, 1}},
		{&layers.Normalization{}, []int{3}},
		{&layers.Normalization{Axis: []int{}, Mean: []float32{2}, Variance: []float32{4}, Invert: true}, []int{3}},
		{&layers.CategoryEncoding{NumTokens: 4, OutputMode: "one_hot"}, []int{1}},
		{&layers.Discretization{BinBoundaries: []float32{0, 1}, OutputMode: "count"}, []int{3}},
		{&layers.RandomFlip{Mode: "horizontal"}, []int{8, 8, 3}},
		{&layers.RandomTranslation{HeightFactor: layers.Factor{0.1}, WidthFactor: layers.Factor{-0.1, 0.2}, FillMode: "constant"}, []int{8, 8, 3}},
		{&layers.RandomRotation{Factor: layers.Factor{0.1}, Seed: 3}, []int{8, 8, 3}},
		{&layers.RandomZoom{HeightFactor: layers.Factor{0.2}, Interpolation: "nearest"}, []int{8, 8, 3}},
		{&layers.RandomContrast{Factor: layers.Factor{0.3}}, []int{8, 8, 3}},
		{&layers.Embedding{InputDim: 50, OutputDim: 4}, []int{7}},
		{&layers.LSTM{Units: 3, ReturnSequences: true}, []int{5, 2}},
		{&layers.GRU{Units: 2, GoBackwards: true, NoBias: true}, []int{5, 2}},
		{&layers.SimpleRNN{Units: 2, Activation: activations.ReLU}, []int{5, 2}},
		{&layers.Bidirectional{Layer: &layers.LSTM{Units: 3, ReturnSequences: true}}, []int{5, 2}},
		{&layers.Bidirectional{Layer: &layers.GRU{Units: 2}, BackwardLayer: &layers.GRU{Units: 2, GoBackwards: true, Activation: activations.ReLU}, MergeMode: "sum"}, []int{5, 2}},
		{&layers.TimeDistributed{Layer: &layers.Dense{Units: 3, Activation: activations.ReLU}}, []int{5, 2}},
		{&layers.PositionEmbedding{SequenceLength: 16}, []int{12, 8}},
		{&layers.PositionEmbedding{SequenceLength: 4, Initializer: initializers.RandomNormal{Stddev: 0.02}}, []int{4, 3, 2}},
	}
}

// TestMarshalRoundTrip saves each layer, loads it back and checks that the
// result builds to the same shapes, produces the same output from the same
// weights, and saves to the same JSON.
func TestMarshalRoundTrip(t *testing.T) {
	for _, c := range savable() {
		b, err := layers.MarshalLayer(c.l, "some_name")
		if err != nil {
			t.Fatalf("%T: %v", c.l, err)
		}
		got, name, err := layers.UnmarshalLayer(b)
		if err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if name != "some_name" || got.ClassName() != c.l.ClassName() {
			t.Errorf("%s: got %s named %q", b, got.ClassName(), name)
		}
		b2, err := layers.MarshalLayer(got, "some_name")
		if err != nil || string(b2) != string(b) {
			t.Errorf("saved again:\n%s\n%s (%v)", b, b2, err)
		}
		// Same shapes and same weights' initial values from the same rng.
		out1, err1 := c.l.Build(c.in, rand.New(rand.NewPCG(1, 2)))
		out2, err2 := got.Build(c.in, rand.New(rand.NewPCG(1, 2)))
		if err1 != nil || err2 != nil || !slices.Equal(out1, out2) {
			t.Errorf("%s: Build gave %v, %v and %v, %v", b, out1, err1, out2, err2)
		}
		w1, w2 := c.l.Weights(), got.Weights()
		if len(w1) != len(w2) {
			t.Fatalf("%s: %d and %d weights", b, len(w1), len(w2))
		}
		for i := range w1 {
			if !reflect.DeepEqual(w1[i].Value.Data(), w2[i].Value.Data()) {
				t.Errorf("%s: weight %s initialised differently", b, w1[i].Name)
			}
		}
		if r1, ok := c.l.(layers.Regularized); ok {
			p1, p2 := r1.RegularizationLoss(), got.(layers.Regularized).RegularizationLoss()
			if (p1 == nil) != (p2 == nil) || p1 != nil && p1.Item() != p2.Item() {
				t.Errorf("%s: regularization differs", b)
			}
		}
	}
}

// TestKerasKeys checks the saved form of the course's layers against
// Keras's keys and values.
func TestKerasKeys(t *testing.T) {
	b, err := layers.MarshalLayer(&layers.Dense{Units: 256, Activation: activations.ReLU}, "dense")
	if err != nil {
		t.Fatal(err)
	}
	want := `{"class_name":"Dense","config":{"name":"dense","trainable":true,"dtype":"float32","units":256,"activation":"relu","use_bias":true,` +
		`"kernel_initializer":{"class_name":"GlorotUniform","config":{}},"bias_initializer":{"class_name":"Zeros","config":{}}}}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	b, _ = layers.MarshalLayer(&layers.Conv2D{Filters: 32, KernelSize: [2]int{3, 3}, InputShape: []int{28, 28, 1}}, "conv2d")
	for _, k := range []string{`"batch_input_shape":[null,28,28,1]`, `"filters":32`, `"kernel_size":[3,3]`, `"strides":[1,1]`, `"padding":"valid"`, `"data_format":"channels_last"`, `"activation":"linear"`} {
		if !strings.Contains(string(b), k) {
			t.Errorf("Conv2D config lacks %s: %s", k, b)
		}
	}
	b, _ = layers.MarshalLayer(&layers.MaxPooling2D{}, "max_pooling2d")
	if !strings.Contains(string(b), `"pool_size":[2,2],"strides":[2,2]`) {
		t.Errorf("MaxPooling2D: %s", b)
	}
	b, _ = layers.MarshalLayer(&layers.Dropout{Rate: 0.2}, "dropout")
	if !strings.Contains(string(b), `"rate":0.2}`) {
		t.Errorf("Dropout: %s", b)
	}
	b, _ = layers.MarshalLayer(&layers.Reshape{TargetShape: []int{28, 28, 1}}, "reshape")
	if !strings.Contains(string(b), `"target_shape":[28,28,1]`) {
		t.Errorf("Reshape: %s", b)
	}
	b, _ = layers.MarshalLayer(&layers.Input{Shape: []int{28, 28}}, "input_layer")
	if !strings.Contains(string(b), `"class_name":"InputLayer"`) || !strings.Contains(string(b), `"batch_shape":[null,28,28]`) {
		t.Errorf("Input: %s", b)
	}
}

// TestPlanMatchesBuild checks that Plan predicts Build's output shape and
// weights, and leaves the layer as it was.
func TestPlanMatchesBuild(t *testing.T) {
	for _, c := range savable() {
		p := c.l.(layers.Planner)
		out, ws, err := p.Plan(c.in)
		if err != nil {
			t.Fatalf("%T: %v", c.l, err)
		}
		if len(c.l.Weights()) != 0 {
			t.Fatalf("%T: Plan created weights", c.l)
		}
		got, err := c.l.Build(c.in, rand.New(rand.NewPCG(1, 1)))
		if err != nil || !slices.Equal(out, got) {
			t.Errorf("%T: Plan says %v, Build %v (%v)", c.l, out, got, err)
		}
		w := c.l.Weights()
		if len(w) != len(ws) {
			t.Fatalf("%T: Plan says %d weights, Build made %d", c.l, len(ws), len(w))
		}
		for i := range w {
			if w[i].Name != ws[i].Name || !slices.Equal(w[i].Value.Shape(), ws[i].Shape) {
				t.Errorf("%T: Plan says %s %v, Build made %s %v", c.l, ws[i].Name, ws[i].Shape, w[i].Name, w[i].Value.Shape())
			}
		}
	}
	// And the errors agree.
	bad := []struct {
		l  layers.Layer
		in []int
	}{
		{&layers.Dense{Units: 0}, []int{3}},
		{&layers.Dense{Units: 2}, []int{}},
		{&layers.Dense{Units: 2}, []int{0, 3}},
		{&layers.Conv2D{Filters: 2, KernelSize: [2]int{5, 5}}, []int{3, 3, 1}},
		{&layers.Conv2D{Filters: 2, KernelSize: [2]int{3, 3}}, []int{9, 9}},
		{&layers.Conv2D{Filters: 0, KernelSize: [2]int{3, 3}}, []int{9, 9, 1}},
		{&layers.Conv2D{Filters: 2, KernelSize: [2]int{3, 3}, Padding: "full"}, []int{9, 9, 1}},
		{&layers.MaxPooling2D{PoolSize: [2]int{4, 4}}, []int{3, 3, 1}},
		{&layers.Reshape{TargetShape: []int{5}}, []int{3, 3}},
		{&layers.Dropout{Rate: 1}, []int{3}},
	}
	for _, c := range bad {
		_, _, perr := c.l.(layers.Planner).Plan(c.in)
		_, berr := c.l.Build(c.in, rand.New(rand.NewPCG(1, 1)))
		if perr == nil || berr == nil || perr.Error() != berr.Error() {
			t.Errorf("%T %v: Plan: %v; Build: %v", c.l, c.in, perr, berr)
		}
	}
}

func TestUnmarshalRejects(t *testing.T) {
	cases := []struct{ in, want string }{
		{`{"class_name": "Lambda", "config": {"name": "x"}}`, `unknown layer class "Lambda"`},
		{`{"class_name": "Dense"}`, `config is missing`},
		{`{"config": {}}`, `class_name is missing`},
		{`{"class_name": "Dense", "config": {"units": 3}}`, `config.name is missing`},
		{`{"class_name": "Dense", "config": {"name": "d", "units": 3, "units": 4}}`, `duplicate key "units"`},
		{`{"class_name": "Dense", "config": {"name": "d", "units": "3"}}`, `units: want an integer, got "3"`},
		{`{"class_name": "Dense", "config": {"name": "d", "units": 0}}`, `units must be > 0, got 0`},
		{`{"class_name": "Dense", "config": {"name": "d", "Units": 3}}`, `unknown key "Units"`},
		{`{"class_name": "Dense", "config": {"name": "d", "units": 3, "activation": "celu"}}`, `activation: activations: unknown activation "celu"`},
		{`{"class_name": "Dense", "config": {"name": "d", "units": 3, "trainable": false}}`, `trainable is false`},
		{`{"class_name": "Dense", "config": {"name": "d", "units": 3, "dtype": "float16"}}`, `dtype is "float16"`},
		{`{"class_name": "Dense", "config": {"name": "d", "units": 3, "kernel_initializer": {"class_name": "STFT", "config": {}}}}`, `kernel_initializer: unknown initializer class "STFT"`},
		{`{"class_name": "Dense", "config": {"name": "d", "units": 3, "kernel_initializer": {"class_name": "RandomUniform", "config": {"minval": 1, "maxval": 0}}}}`, `minval 1 must be less than maxval 0`},
		{`{"class_name": "Dense", "config": {"name": "d", "units": 3, "kernel_regularizer": {"class_name": "L1L2", "config": {"l1": -1}}}}`, `kernel_regularizer: factors must be >= 0`},
		{`{"class_name": "Dense", "config": {"name": "d", "units": 3, "bias_regularizer": {"class_name": "OrthogonalRegularizer"}}}`, `unknown regularizer class`},
		{`{"class_name": "Dense", "config": {"name": "d", "units": 3, "batch_input_shape": [3, 4]}}`, `batch_input_shape: want [null, d1, d2, …]`},
		{`{"class_name": "Dense", "config": {"name": "d", "units": 3, "batch_input_shape": [null, 0]}}`, `must be positive integers`},
		{`{"class_name": "Conv2D", "config": {"name": "c", "filters": 2, "kernel_size": [3]}}`, `kernel_size: want 2 elements, got 1`},
		{`{"class_name": "Conv2D", "config": {"name": "c", "filters": 2, "kernel_size": [3, 3], "strides": [0, 1]}}`, `strides must be positive`},
		{`{"class_name": "Conv2D", "config": {"name": "c", "filters": 2, "kernel_size": [3, 3], "data_format": "channels_first"}}`, `data_format: only "channels_last"`},
		{`{"class_name": "Conv2D", "config": {"name": "c", "filters": 2, "kernel_size": [3, 3], "padding": "causal"}}`, `padding must be "valid" or "same"`},
		{`{"class_name": "MaxPooling2D", "config": {"name": "m", "pool_size": [0, 2]}}`, `pool_size must be positive`},
		{`{"class_name": "Dropout", "config": {"name": "d"}}`, `rate is missing`},
		{`{"class_name": "Dropout", "config": {"name": "d", "rate": 1.5}}`, `rate must be in [0, 1)`},
		{`{"class_name": "Reshape", "config": {"name": "r"}}`, `target_shape is missing`},
		{`{"class_name": "InputLayer", "config": {"name": "i"}}`, `batch_shape is missing`},
		{`{"class_name": "Flatten", "config": {"name": "f", "data_format": 1}}`, `data_format: want a string`},
	}
	for _, c := range cases {
		_, _, err := layers.UnmarshalLayer([]byte(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s:\n got %v\nwant %q", c.in, err, c.want)
		}
	}
	_, _, err := layers.UnmarshalLayer([]byte(`{"class_name": "Lambda", "config": {"name": "x"}}`))
	if !errors.Is(err, layers.ErrUnknownClass) {
		t.Errorf("unknown class does not wrap ErrUnknownClass: %v", err)
	}
}

// scale is a custom layer registered for the test.
type scale struct{ By float32 }

func (*scale) ClassName() string { return "TestScale" }
func (*scale) Build(in []int, _ *rand.Rand) ([]int, error) {
	return append([]int(nil), in...), nil
}
func (s *scale) Call(x *tensor.Tensor, _ bool) *tensor.Tensor { return x.MulScalar(s.By) }
func (*scale) Weights() []*layers.Weight                      { return nil }
func (s *scale) Config() (any, error) {
	return struct {
		By float32 `json:"by"`
	}{s.By}, nil
}

func TestRegister(t *testing.T) {
	layers.Register("TestScale", func(b []byte) (layers.Layer, error) {
		var c struct {
			By float32 `json:"by"`
		}
		if err := layers.DecodeConfig(b, &c); err != nil {
			return nil, err
		}
		return &scale{c.By}, nil
	})
	if !slices.Contains(layers.Registered(), "TestScale") || !slices.Contains(layers.Registered(), "Dense") {
		t.Errorf("Registered() = %v", layers.Registered())
	}
	b, err := layers.MarshalLayer(&scale{2}, "test_scale")
	if err != nil {
		t.Fatal(err)
	}
	l, _, err := layers.UnmarshalLayer(b)
	if err != nil || l.(*scale).By != 2 {
		t.Errorf("custom layer: %v, %v", l, err)
	}
	_, _, err = layers.UnmarshalLayer([]byte(`{"class_name": "TestScale", "config": {"name": "s", "by": 1, "extra": 1}}`))
	if err == nil || !strings.Contains(err.Error(), `unknown key "extra"`) {
		t.Errorf("custom layer with an extra key: %v", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("registering Dense again did not panic")
		}
	}()
	layers.Register("Dense", func([]byte) (layers.Layer, error) { return nil, nil })
}

func TestMarshalRejects(t *testing.T) {
	type noConfig struct{ layers.Flatten }
	if _, err := layers.MarshalLayer(&noConfig{}, "x"); err != nil {
		// Flatten's methods are promoted: it saves as a Flatten.
		t.Errorf("embedded Flatten: %v", err)
	}
	if _, err := layers.MarshalLayer(&layers.Dense{Units: 2, KernelRegularizer: customReg{}}, "d"); err == nil || !strings.Contains(err.Error(), "kernel_regularizer") {
		t.Errorf("custom regularizer: %v", err)
	}
	if _, err := layers.MarshalLayer(&layers.Dense{Units: 2, KernelInitializer: customInit{}}, "d"); err == nil || !strings.Contains(err.Error(), "kernel_initializer") {
		t.Errorf("custom initializer: %v", err)
	}
}

type customReg struct{}

func (customReg) Penalty(w *tensor.Tensor) *tensor.Tensor { return w.Sum() }

type customInit struct{}

func (customInit) Init(shape []int, _ *rand.Rand) []float32 {
	return make([]float32, shape[0]*shape[1])
}
func (customInit) Name() string { return "custom" }

func TestDropoutRandomState(t *testing.T) {
	a := &layers.Dropout{Rate: 0.5}
	if _, err := a.Build([]int{64}, nil); err != nil {
		t.Fatal(err)
	}
	if s, err := a.RandomState(); s != nil || err != nil {
		t.Errorf("unseeded: %v, %v", s, err)
	}
	a.SeedFrom(rand.New(rand.NewPCG(3, 4)))
	x := tensor.Full(1, 64)
	a.Call(x, true)
	st, err := a.RandomState()
	if err != nil {
		t.Fatal(err)
	}
	want := a.Call(x, true).Data()
	b := &layers.Dropout{Rate: 0.5}
	if err := b.SetRandomState(st); err != nil {
		t.Fatal(err)
	}
	if got := b.Call(x, true).Data(); !reflect.DeepEqual(got, want) {
		t.Errorf("restored state drew another mask")
	}
	if err := b.SetRandomState([]byte("pcg:short")); err == nil {
		t.Error("bad state accepted")
	}
}

// FuzzUnmarshalLayer feeds arbitrary JSON to the layer decoder: it must
// return a layer or an error, never panic, and what it returns must save
// and plan without a panic.
//
//	go test ./layers -run '^$' -fuzz FuzzUnmarshalLayer -fuzztime 60s
func FuzzUnmarshalLayer(f *testing.F) {
	for _, c := range savable() {
		b, err := layers.MarshalLayer(c.l, "x")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, l := range append(mergeSavable(), attentionSavable()...) {
		b, err := layers.MarshalLayer(l, "x")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		l, _, err := layers.UnmarshalLayer(b)
		if err != nil {
			return
		}
		if _, err := layers.MarshalLayer(l, "x"); err != nil {
			t.Fatalf("a decoded layer does not save: %v", err)
		}
		_, _, _ = l.(layers.Planner).Plan([]int{6, 6, 2})
	})
}
