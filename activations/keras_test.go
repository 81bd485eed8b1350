package activations_test

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/tensor"
)

// TestAgainstReference compares the activations with
// testdata/activations_ref.json, written by
// testdata/gen/activations_ref.py with PyTorch in float64 (numpy and
// Keras 3's formulas where PyTorch differs).
func TestAgainstReference(t *testing.T) {
	b, err := os.ReadFile("testdata/activations_ref.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref map[string]json.RawMessage
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	get := func(key string) []*float64 {
		var v []*float64
		if err := json.Unmarshal(ref[key], &v); err != nil || len(v) == 0 {
			t.Fatalf("reference %q: %v", key, err)
		}
		return v
	}
	var xs []float32
	for _, v := range get("x") {
		xs = append(xs, float32(*v))
	}
	byName := func(name string) func(*tensor.Tensor) *tensor.Tensor {
		a, err := activations.Get(name)
		if err != nil {
			t.Fatal(err)
		}
		return a.Apply
	}
	relu := func(o tensor.ReLUOptions) func(*tensor.Tensor) *tensor.Tensor {
		return func(x *tensor.Tensor) *tensor.Tensor { return x.ReLUWith(o) }
	}
	cases := []struct {
		key string
		f   func(*tensor.Tensor) *tensor.Tensor
	}{
		{"elu", byName("elu")},
		{"elu_alpha_0.5", func(x *tensor.Tensor) *tensor.Tensor { return x.ELU(0.5) }},
		{"selu", byName("selu")},
		{"gelu", byName("gelu")},
		{"gelu_tanh", func(x *tensor.Tensor) *tensor.Tensor { return x.GELU(true) }},
		{"silu", byName("silu")},
		{"silu", byName("swish")},
		{"softplus", byName("softplus")},
		{"softsign", byName("softsign")},
		{"leaky_relu", byName("leaky_relu")},
		{"leaky_relu_0.3", func(x *tensor.Tensor) *tensor.Tensor { return x.LeakyReLU(0.3) }},
		{"relu6", byName("relu6")},
		{"hard_sigmoid", byName("hard_sigmoid")},
		{"hard_silu", byName("hard_silu")},
		{"hard_silu", byName("hard_swish")},
		// PyTorch's hardswish is the same function as Keras 3's hard_silu.
		{"hardswish_torch", byName("hard_silu")},
		{"mish", byName("mish")},
		{"exponential_finite", byName("exponential")},
		{"relu_slope0.1_max4_thr1", relu(tensor.ReLUOptions{NegativeSlope: 0.1, MaxValue: 4, HasMaxValue: true, Threshold: 1})},
		{"relu_slope0.1_max6", relu(tensor.ReLUOptions{NegativeSlope: 0.1, MaxValue: 6, HasMaxValue: true})},
		{"relu_max6", relu(tensor.ReLUOptions{MaxValue: 6, HasMaxValue: true})},
		{"relu_max2.5", relu(tensor.ReLUOptions{MaxValue: 2.5, HasMaxValue: true})},
		{"relu_thr-1", relu(tensor.ReLUOptions{Threshold: -1})},
		{"relu_thr2_slope0.5", relu(tensor.ReLUOptions{NegativeSlope: 0.5, Threshold: 2})},
	}
	for _, c := range cases {
		want := get(c.key)
		got := c.f(tensor.FromSlice(xs)).Data()
		for i, w := range want {
			if w == nil {
				continue
			}
			// float32 results of float64 references: a few ulps.
			if d := math.Abs(float64(got[i]) - *w); d > 1e-37 && d > 4e-7*math.Abs(*w) {
				t.Errorf("%s(%v) = %v, want %v", c.key, xs[i], got[i], *w)
			}
		}
	}
	var in, want [][]float64
	if err := json.Unmarshal(ref["log_softmax_in"], &in); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(ref["log_softmax"], &want); err != nil {
		t.Fatal(err)
	}
	var flat []float32
	for _, r := range in {
		for _, v := range r {
			flat = append(flat, float32(v))
		}
	}
	got := byName("log_softmax")(tensor.FromSlice(flat, len(in), len(in[0]))).Data()
	for i := range flat {
		w := want[i/len(in[0])][i%len(in[0])]
		if math.Abs(float64(got[i])-w) > 1e-6*math.Max(1, math.Abs(w)) {
			t.Errorf("log_softmax[%d] = %v, want %v", i, got[i], w)
		}
	}
}

// TestKerasNames checks that every name in Keras 3's activations
// registry that neuron implements loads, aliases included.
func TestKerasNames(t *testing.T) {
	for _, name := range []string{"linear", "relu", "sigmoid", "tanh", "softmax", "elu", "selu", "gelu", "silu",
		"swish", "softplus", "softsign", "leaky_relu", "relu6", "hard_sigmoid", "hard_silu", "hard_swish",
		"exponential", "log_softmax", "mish"} {
		var cfg struct{ Activation activations.Activation }
		if err := json.Unmarshal([]byte(`{"Activation":"`+name+`"}`), &cfg); err != nil || cfg.Activation.Name() != name {
			t.Errorf("%q loads as %v, %v", name, cfg.Activation, err)
		}
	}
}
