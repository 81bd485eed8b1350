package layers_test

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/tensor"
	tt "github.com/neuron-go/neuron/tensor/tensortest"
)

// TestRecurrentReference checks LSTM's, GRU's and SimpleRNN's outputs and the gradients of its
// inputs and Keras-layout weights against torch
// (testdata/gen/recurrent_ref.py).
func TestRecurrentReference(t *testing.T) {
	b, err := os.ReadFile("testdata/recurrent_ref.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Cases []struct {
			Name, Layer                  string
			Units                        int
			Backwards, Sequences         bool
			Shape                        []int
			YShape                       []int `json:"y_shape"`
			X, Kernel, W, Y, DX, DKernel []float64
			Recurrent                    []float64 `json:"recurrent_kernel"`
			Bias, DBias                  []float64
			DRecurrent                   []float64 `json:"drecurrent_kernel"`
			Mask                         []float64
		}
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.Cases) == 0 {
		t.Fatal("no cases")
	}
	for _, c := range ref.Cases {
		t.Run(c.Name, func(t *testing.T) {
			var l layers.Layer
			switch c.Layer {
			case "LSTM":
				l = &layers.LSTM{Units: c.Units, GoBackwards: c.Backwards, ReturnSequences: c.Sequences}
			case "GRU":
				l = &layers.GRU{Units: c.Units, GoBackwards: c.Backwards, ReturnSequences: c.Sequences}
			default:
				l = &layers.SimpleRNN{Units: c.Units, GoBackwards: c.Backwards, ReturnSequences: c.Sequences}
			}
			if _, err := l.Build(c.Shape[1:], rand.New(rand.NewPCG(1, 2))); err != nil {
				t.Fatal(err)
			}
			ws := l.Weights()
			for i, v := range [][]float64{c.Kernel, c.Recurrent, c.Bias} {
				copy(ws[i].Value.Data(), f32(v))
			}
			x := tensor.New(c.Shape, f32(c.X)).RequireGrad()
			y := l.Call(x, true)
			if c.Mask != nil {
				var m *tensor.Tensor
				y, m = l.(layers.Masked).CallMasked(x, tensor.New(c.Shape[:2], f32(c.Mask)), true)
				if (m != nil) != c.Sequences {
					t.Errorf("output mask %v with return_sequences %v", m, c.Sequences)
				}
			}
			if err := tt.AllClose(y.Data(), f32(c.Y), 1e-5, 1e-4); err != nil {
				t.Errorf("output: %v", err)
			}
			tensor.Backward(y.Mul(tensor.New(c.YShape, f32(c.W))).Sum())
			for _, g := range []struct {
				name string
				got  *tensor.Tensor
				want []float64
			}{{"dx", x, c.DX}, {"dkernel", ws[0].Value, c.DKernel}, {"drecurrent_kernel", ws[1].Value, c.DRecurrent}, {"dbias", ws[2].Value, c.DBias}} {
				if err := tt.AllClose(g.got.Grad().Data(), f32(g.want), 1e-5, 1e-4); err != nil {
					t.Errorf("%s: %v", g.name, err)
				}
			}
		})
	}
}

func TestRecurrentGradCheck(t *testing.T) {
	for _, c := range []struct {
		name string
		l    layers.Layer
	}{
		{"LSTM", &layers.LSTM{Units: 3}},
		{"LSTM relu, hard_sigmoid, sequences, backwards", &layers.LSTM{Units: 2, Activation: activations.ReLU, RecurrentActivation: activations.HardSigmoid, ReturnSequences: true, GoBackwards: true}},
		{"LSTM linear, no bias", &layers.LSTM{Units: 2, Activation: activations.Linear, NoBias: true}},
		{"GRU", &layers.GRU{Units: 3}},
		{"GRU sigmoid, hard_sigmoid, no bias, sequences", &layers.GRU{Units: 2, Activation: activations.Sigmoid, RecurrentActivation: activations.HardSigmoid, NoBias: true, ReturnSequences: true}},
		{"SimpleRNN", &layers.SimpleRNN{Units: 3}},
		{"SimpleRNN relu, backwards, sequences", &layers.SimpleRNN{Units: 2, Activation: activations.ReLU, GoBackwards: true, ReturnSequences: true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := c.l.Build([]int{4, 3}, rand.New(rand.NewPCG(3, 4))); err != nil {
				t.Fatal(err)
			}
			params := []*tensor.Tensor{tt.Rand(7, -1, 1, 2, 4, 3)}
			for _, w := range c.l.Weights() {
				params = append(params, w.Value)
			}
			tt.GradCheck(t, func(xs ...*tensor.Tensor) *tensor.Tensor { return c.l.Call(xs[0], true) }, params, tt.GradCheckOptions{})
		})
	}
}

func TestLSTMBuildAndConfig(t *testing.T) {
	l := &layers.LSTM{Units: 4}
	out, err := l.Build([]int{7, 3}, rand.New(rand.NewPCG(1, 1)))
	if err != nil || len(out) != 1 || out[0] != 4 {
		t.Fatalf("Build: %v %v", out, err)
	}
	// unit_forget_bias: the forget gate's slice of the bias is 1.
	bias := l.Weights()[2].Value.Data()
	for j, v := range bias {
		if want := float32(0); j >= 4 && j < 8 {
			want = 1
			if v != want {
				t.Errorf("bias[%d] = %v, want 1 (unit_forget_bias)", j, v)
			}
		} else if v != want {
			t.Errorf("bias[%d] = %v, want 0", j, v)
		}
	}
	for _, c := range []struct {
		l    *layers.LSTM
		in   []int
		want string
	}{
		{&layers.LSTM{}, []int{3, 2}, "layers: LSTM: Units must be > 0, got 0"},
		{&layers.LSTM{Units: 2}, []int{3}, "layers: LSTM: want examples of rank 2 (steps, features), got shape [3]"},
		{&layers.LSTM{Units: 2, Activation: activations.GELU}, []int{3, 2}, `layers: LSTM: Activation "gelu" is not supported by the recurrent layers`},
	} {
		if _, err := c.l.Build(c.in, rand.New(rand.NewPCG(1, 1))); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", c.l, err, c.want)
		}
	}
	// A config as Keras 3's LSTM.get_config writes it.
	keras := `{"class_name":"LSTM","config":{"name":"lstm","trainable":true,"dtype":"float32","return_sequences":true,"return_state":false,"go_backwards":false,"stateful":false,"unroll":false,"zero_output_for_mask":false,` +
		`"units":32,"activation":"tanh","recurrent_activation":"sigmoid","use_bias":true,"kernel_initializer":{"class_name":"GlorotUniform","config":{}},` +
		`"recurrent_initializer":{"class_name":"Orthogonal","config":{"gain":1.0}},"bias_initializer":{"class_name":"Zeros","config":{}},"unit_forget_bias":true,` +
		`"kernel_regularizer":null,"recurrent_regularizer":null,"bias_regularizer":null,"activity_regularizer":null,"kernel_constraint":null,"recurrent_constraint":null,"bias_constraint":null,` +
		`"dropout":0.0,"recurrent_dropout":0.0,"seed":null}}`
	got, name, err := layers.UnmarshalLayer([]byte(keras))
	if err != nil {
		t.Fatal(err)
	}
	if g := got.(*layers.LSTM); name != "lstm" || g.Units != 32 || !g.ReturnSequences {
		t.Errorf("decoded %q %+v", name, g)
	}
	b, err := layers.MarshalLayer(got, "lstm")
	if err != nil {
		t.Fatal(err)
	}
	back, _, err := layers.UnmarshalLayer(b)
	if err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	if b2, _ := layers.MarshalLayer(back, "lstm"); string(b2) != string(b) {
		t.Errorf("round trip %s, want %s", b2, b)
	}
	for _, c := range []struct{ cfg, want string }{
		{`"units":2,"dropout":1.5`, "dropout, recurrent_dropout: must be in [0, 1), got 1.5 and 0"},
		{`"units":0`, "units must be > 0, got 0"},
		{`"units":2,"activation":"gelu"`, `activation "gelu" is not supported`},
	} {
		if _, _, err := layers.UnmarshalLayer([]byte(`{"class_name":"LSTM","config":{"name":"l",` + c.cfg + `}}`)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.cfg, err, c.want)
		}
	}
}

func TestRecurrentAllocations(t *testing.T) {
	for _, l := range []layers.Layer{&layers.LSTM{Units: 16}, &layers.GRU{Units: 16, ReturnSequences: true}, &layers.SimpleRNN{Units: 16}} {
		if _, err := l.Build([]int{10, 8}, rand.New(rand.NewPCG(1, 1))); err != nil {
			t.Fatal(err)
		}
		arena := tensor.NewArena()
		x := tt.Rand(1, -1, 1, 4, 10, 8).RequireGrad().InArena(arena)
		step := func() {
			tensor.Backward(l.Call(x, true).Sum())
			arena.Reset()
		}
		step()
		if n := testing.AllocsPerRun(10, step); n != 0 {
			t.Errorf("%s: a step allocates %v times, want 0", l.ClassName(), n)
		}
	}
}

func TestGRUAndSimpleRNNConfigs(t *testing.T) {
	for _, c := range []struct {
		l          layers.Layer
		has, hasnt []string
	}{
		{&layers.GRU{Units: 8}, []string{`"units":8`, `"activation":"tanh"`, `"recurrent_activation":"sigmoid"`, `"reset_after":true`, `"class_name":"Orthogonal"`}, []string{"unit_forget_bias"}},
		{&layers.SimpleRNN{Units: 4, Activation: activations.ReLU, ReturnSequences: true}, []string{`"units":4`, `"activation":"relu"`, `"return_sequences":true`}, []string{"recurrent_activation", "reset_after", "unit_forget_bias"}},
	} {
		b, err := layers.MarshalLayer(c.l, "r")
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range c.has {
			if !strings.Contains(string(b), k) {
				t.Errorf("%s lacks %s: %s", c.l.ClassName(), k, b)
			}
		}
		for _, k := range c.hasnt {
			if strings.Contains(string(b), k) {
				t.Errorf("%s has %s: %s", c.l.ClassName(), k, b)
			}
		}
		back, _, err := layers.UnmarshalLayer(b)
		if err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if b2, _ := layers.MarshalLayer(back, "r"); string(b2) != string(b) {
			t.Errorf("round trip %s, want %s", b2, b)
		}
	}
	for _, c := range []struct{ in, want string }{
		{`{"class_name":"GRU","config":{"name":"g","units":2,"unit_forget_bias":true}}`, "unit_forget_bias: not a key of GRU"},
		{`{"class_name":"SimpleRNN","config":{"name":"s","units":2,"recurrent_activation":"sigmoid"}}`, "recurrent_activation: not a key of SimpleRNN"},
	} {
		if _, _, err := layers.UnmarshalLayer([]byte(c.in)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.in, err, c.want)
		}
	}
}
