package layers_test

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/initializers"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/tensor"
	tt "github.com/neuron-go/neuron/tensor/tensortest"
)

// awayFromKinks returns values in [-3, 3] none of which is within 0.1 of
// the kinks at 0, 0.5 (the thresholds below) and 2.
func awayFromKinks(seed uint64, shape ...int) *tensor.Tensor {
	x := tt.Rand(seed, -3, 3, shape...)
	for i, v := range x.Data() {
		for _, k := range []float32{0, 0.5, 2} {
			if v > k-0.1 && v < k+0.1 {
				x.Data()[i] = k + 0.25
			}
		}
	}
	return x
}

func TestActivationLayersValues(t *testing.T) {
	x := tensor.FromSlice([]float32{-2, -0.5, 0.25, 1, 3, 7}, 1, 6)
	cases := []struct {
		l    layers.Layer
		want []float32
	}{
		{&layers.Activation{Activation: activations.ReLU6}, []float32{0, 0, 0.25, 1, 3, 6}},
		{&layers.ReLU{}, []float32{0, 0, 0.25, 1, 3, 7}},
		{&layers.ReLU{MaxValue: 2.5}, []float32{0, 0, 0.25, 1, 2.5, 2.5}},
		// Below the threshold 0.5: 0.1·(x − 0.5).
		{&layers.ReLU{NegativeSlope: 0.1, Threshold: 0.5, MaxValue: 4}, []float32{-0.25, -0.1, -0.025, 1, 3, 4}},
		{&layers.LeakyReLU{}, []float32{-0.6, -0.15, 0.25, 1, 3, 7}},
		{&layers.LeakyReLU{NegativeSlope: 0.01}, []float32{-0.02, -0.005, 0.25, 1, 3, 7}},
		// e^−2 − 1 = −0.86466472, e^−0.5 − 1 = −0.39346934.
		{&layers.ELU{}, []float32{-0.86466472, -0.39346934, 0.25, 1, 3, 7}},
		{&layers.ELU{Alpha: 2}, []float32{-1.72932943, -0.78693868, 0.25, 1, 3, 7}},
		// PReLU starts with alpha = 0: a ReLU.
		{&layers.PReLU{}, []float32{0, 0, 0.25, 1, 3, 7}},
		{&layers.PReLU{AlphaInitializer: initializers.Constant{Value: 0.25}}, []float32{-0.5, -0.125, 0.25, 1, 3, 7}},
	}
	for _, c := range cases {
		if _, err := c.l.Build([]int{6}, rand.New(rand.NewPCG(1, 2))); err != nil {
			t.Fatalf("%T: %v", c.l, err)
		}
		if err := tt.AllClose(c.l.Call(x, false).Data(), c.want, 1e-6, 1e-6); err != nil {
			t.Errorf("%T%+v: %v", c.l, c.l, err)
		}
	}
	// Softmax over axis 1 of a (1, 2, 2) batch: columns sum to 1.
	sm := &layers.Softmax{Axis: 1}
	if _, err := sm.Build([]int{2, 2}, nil); err != nil {
		t.Fatal(err)
	}
	// softmax([0, 1]) = [0.26894142, 0.73105858]; softmax([2, 2]) = [0.5, 0.5].
	got := sm.Call(tensor.FromSlice([]float32{0, 2, 1, 2}, 1, 2, 2), false).Data()
	if err := tt.AllClose(got, []float32{0.26894142, 0.5, 0.73105858, 0.5}, 1e-7, 1e-6); err != nil {
		t.Error(err)
	}
}

func TestActivationLayersGradients(t *testing.T) {
	for _, l := range []layers.Layer{
		&layers.Activation{Activation: activations.GELU},
		&layers.ReLU{MaxValue: 2, NegativeSlope: 0.2, Threshold: 0.5},
		&layers.LeakyReLU{},
		&layers.ELU{Alpha: 0.7},
		&layers.Softmax{},
		&layers.Softmax{Axis: 1},
		&layers.Softmax{Axis: -2},
	} {
		if _, err := l.Build([]int{3, 4}, nil); err != nil {
			t.Fatalf("%T: %v", l, err)
		}
		tt.GradCheck(t, func(xs ...*tensor.Tensor) *tensor.Tensor { return l.Call(xs[0], true) },
			[]*tensor.Tensor{awayFromKinks(1, 2, 3, 4)}, tt.GradCheckOptions{})
	}
	for _, shared := range [][]int{nil, {1}, {1, 2}} {
		p := &layers.PReLU{AlphaInitializer: initializers.RandomUniform{Min: 0, Max: 1}, SharedAxes: shared}
		if _, err := p.Build([]int{3, 4}, rand.New(rand.NewPCG(3, 4))); err != nil {
			t.Fatal(err)
		}
		alpha := p.Weights()[0].Value
		tt.GradCheck(t, func(xs ...*tensor.Tensor) *tensor.Tensor { return p.Call(xs[0], true) },
			[]*tensor.Tensor{awayFromKinks(2, 2, 3, 4), alpha}, tt.GradCheckOptions{})
	}
}

func TestPReLUWeightShape(t *testing.T) {
	for _, c := range []struct {
		shared []int
		want   []int
	}{{nil, []int{5, 5, 3}}, {[]int{1, 2}, []int{1, 1, 3}}, {[]int{3}, []int{5, 5, 1}}} {
		p := &layers.PReLU{SharedAxes: c.shared}
		_, ws, err := p.Plan([]int{5, 5, 3})
		if err != nil {
			t.Fatal(err)
		}
		if ws[0].Name != "alpha" || !equalInts(ws[0].Shape, c.want) {
			t.Errorf("SharedAxes %v: weight %s %v, want alpha %v", c.shared, ws[0].Name, ws[0].Shape, c.want)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestActivationLayersBuildErrors(t *testing.T) {
	for _, c := range []struct {
		l    layers.Layer
		want string
	}{
		{&layers.ReLU{MaxValue: -1}, "layers: ReLU: max_value must be a finite number >= 0, got -1"},
		{&layers.ReLU{NegativeSlope: -0.1}, "layers: ReLU: negative_slope must be a finite number >= 0, got -0.1"},
		{&layers.ReLU{Threshold: -2}, "layers: ReLU: threshold must be a finite number >= 0, got -2"},
		{&layers.LeakyReLU{NegativeSlope: -0.3}, "layers: LeakyReLU: NegativeSlope must be a finite number >= 0, got -0.3"},
		{&layers.Softmax{Axis: 3}, "layers: Softmax: Axis 3 is out of range for inputs of shape (None, 3, 4)"},
		{&layers.Softmax{Axis: -3}, "layers: Softmax: Axis -3 is out of range"},
		{&layers.PReLU{SharedAxes: []int{0}}, "layers: PReLU: SharedAxes holds 0, want axes in [1, 2]"},
		{&layers.PReLU{SharedAxes: []int{3}}, "layers: PReLU: SharedAxes holds 3"},
	} {
		if _, err := c.l.Build([]int{3, 4}, nil); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%T%+v: error %v, want it to contain %q", c.l, c.l, err, c.want)
		}
	}
}

// TestActivationLayersKerasConfigs checks the keys Keras 3's get_config
// writes for each layer and that each config loads back to the same layer.
func TestActivationLayersKerasConfigs(t *testing.T) {
	for _, c := range []struct {
		l    layers.Layer
		want string
	}{
		{&layers.Activation{Activation: activations.GELU}, `"activation":"gelu"}`},
		{&layers.Activation{}, `"activation":"linear"}`},
		{&layers.ReLU{}, `"max_value":null,"negative_slope":0,"threshold":0}`},
		{&layers.ReLU{MaxValue: 6, NegativeSlope: 0.5, Threshold: 1}, `"max_value":6,"negative_slope":0.5,"threshold":1}`},
		{&layers.LeakyReLU{}, `"negative_slope":0.3}`},
		{&layers.ELU{}, `"dtype":"float32"}`},
		{&layers.ELU{Alpha: 0.5}, `"alpha":0.5}`},
		{&layers.Softmax{}, `"axis":-1}`},
		{&layers.Softmax{Axis: 1}, `"axis":1}`},
		{&layers.PReLU{}, `"alpha_initializer":{"class_name":"Zeros","config":{}},"alpha_regularizer":null,"alpha_constraint":null,"shared_axes":null}`},
		{&layers.PReLU{SharedAxes: []int{1, 2}, AlphaRegularizer: layers.L2(0.01)},
			`"alpha_regularizer":{"class_name":"L1L2","config":{"l1":0,"l2":0.01}},"alpha_constraint":null,"shared_axes":[1,2]}`},
	} {
		b, err := layers.MarshalLayer(c.l, "x")
		if err != nil {
			t.Fatalf("%T: %v", c.l, err)
		}
		if !strings.Contains(string(b), `"class_name":"`+c.l.ClassName()+`"`) || !strings.HasSuffix(string(b), c.want+"}") {
			t.Errorf("%T: %s\nwant it to end with %s}", c.l, b, c.want)
		}
		back, _, err := layers.UnmarshalLayer(b)
		if err != nil {
			t.Fatalf("%T: %v", c.l, err)
		}
		if b2, _ := layers.MarshalLayer(back, "x"); string(b2) != string(b) {
			t.Errorf("%T: round trip %s, want %s", c.l, b2, b)
		}
	}
	for _, c := range []struct{ in, want string }{
		{`{"class_name":"Activation","config":{"name":"a"}}`, "activation is missing"},
		{`{"class_name":"Activation","config":{"name":"a","activation":"celu"}}`, `unknown activation "celu"`},
		{`{"class_name":"ReLU","config":{"name":"a","max_value":-1}}`, "max_value must be a finite number >= 0, got -1"},
		{`{"class_name":"ReLU","config":{"name":"a","threshold":-0.5}}`, "threshold must be a finite number >= 0, got -0.5"},
		{`{"class_name":"ReLU","config":{"name":"a","max_value":0}}`, "max_value 0"},
		{`{"class_name":"LeakyReLU","config":{"name":"a","negative_slope":-1}}`, "negative_slope must be a finite number > 0 (0 is ReLU), got -1"},
		{`{"class_name":"LeakyReLU","config":{"name":"a","alpha":0.1}}`, `unknown key "alpha"`},
		{`{"class_name":"ELU","config":{"name":"a","alpha":0}}`, "alpha must be finite and not 0"},
		{`{"class_name":"Softmax","config":{"name":"a","axis":[1,2]}}`, "only a single integer axis is supported"},
		{`{"class_name":"Softmax","config":{"name":"a","axis":0}}`, "axis 0, the batch axis, is not supported"},
		{`{"class_name":"PReLU","config":{"name":"a","shared_axes":[0]}}`, "shared_axes must hold axes >= 1, got [0]"},
		{`{"class_name":"PReLU","config":{"name":"a","alpha_initializer":{"class_name":"Nope","config":{}}}}`, `alpha_initializer: unknown initializer class "Nope"`},
	} {
		if _, _, err := layers.UnmarshalLayer([]byte(c.in)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.in, err, c.want)
		}
	}
	// A config as Keras 3 writes it loads (LeakyReLU's default slope, ELU
	// without alpha, PReLU with its defaults).
	for _, in := range []string{
		`{"class_name":"LeakyReLU","config":{"name":"leaky_re_lu","trainable":true,"dtype":"float32","negative_slope":0.3}}`,
		`{"class_name":"ELU","config":{"name":"elu","trainable":true,"dtype":"float32"}}`,
		`{"class_name":"PReLU","config":{"name":"p_re_lu","trainable":true,"dtype":"float32","alpha_initializer":{"class_name":"Zeros","config":{}},"alpha_regularizer":null,"alpha_constraint":null,"shared_axes":[1,2]}}`,
	} {
		if _, _, err := layers.UnmarshalLayer([]byte(in)); err != nil {
			t.Errorf("%s: %v", in, err)
		}
	}
}

// TestActivationLayersReference checks the activation layers' outputs and
// input gradients, built from Keras configs, against torch autograd
// (testdata/gen/activation_layers_ref.py).
func TestActivationLayersReference(t *testing.T) {
	checkLayerReference(t, "testdata/activation_layers_ref.json")
}
