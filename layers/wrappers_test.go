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

// TestBidirectionalReference checks Bidirectional(LSTM) and
// Bidirectional(GRU) with every merge mode, outputs and the gradients of
// the input and of both layers' weights, against torch's bidirectional
// nn.LSTM and nn.GRU (testdata/gen/bidirectional_ref.py).
func TestBidirectionalReference(t *testing.T) {
	b, err := os.ReadFile("testdata/bidirectional_ref.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Cases []struct {
			Name, Layer       string
			Units             int
			Sequences         bool
			MergeMode         string `json:"merge_mode"`
			Shape             []int
			YShapeJSON        []int `json:"y_shape"`
			X, W, Y, DX       []float64
			Weights, DWeights [][]float64
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
			var inner layers.Layer = &layers.LSTM{Units: c.Units, ReturnSequences: c.Sequences}
			if c.Layer == "GRU" {
				inner = &layers.GRU{Units: c.Units, ReturnSequences: c.Sequences}
			}
			l := &layers.Bidirectional{Layer: inner, MergeMode: c.MergeMode}
			out, err := l.Build(c.Shape[1:], rand.New(rand.NewPCG(1, 2)))
			if err != nil {
				t.Fatal(err)
			}
			if want := c.YShapeJSON[1:]; len(out) != len(want) || out[len(out)-1] != want[len(want)-1] {
				t.Errorf("Build: %v, want %v", out, want)
			}
			ws := l.Weights()
			if len(ws) != 6 || ws[0].Name != "forward_"+strings.ToLower(c.Layer)+"/kernel" || ws[5].Name != "backward_"+strings.ToLower(c.Layer)+"/bias" {
				t.Fatalf("weights %d, first %q, last %q", len(ws), ws[0].Name, ws[len(ws)-1].Name)
			}
			for i, v := range c.Weights {
				copy(ws[i].Value.Data(), f32(v))
			}
			x := tensor.New(c.Shape, f32(c.X)).RequireGrad()
			y := l.Call(x, true)
			if err := tt.AllClose(y.Data(), f32(c.Y), 1e-5, 1e-4); err != nil {
				t.Errorf("output: %v", err)
			}
			tensor.Backward(y.Mul(tensor.New(c.YShapeJSON, f32(c.W))).Sum())
			if err := tt.AllClose(x.Grad().Data(), f32(c.DX), 1e-5, 1e-4); err != nil {
				t.Errorf("dx: %v", err)
			}
			for i, w := range ws {
				if err := tt.AllClose(w.Value.Grad().Data(), f32(c.DWeights[i]), 1e-5, 1e-4); err != nil {
					t.Errorf("d %s: %v", w.Name, err)
				}
			}
		})
	}
}

// TestTimeDistributedDense checks TimeDistributed(Dense) against Dense's
// formula applied to each step, y[n, t] = relu(x[n, t]·kernel + bias), in
// float64.
func TestTimeDistributedDense(t *testing.T) {
	l := &layers.TimeDistributed{Layer: &layers.Dense{Units: 3, Activation: activations.ReLU}}
	out, err := l.Build([]int{4, 5}, rand.New(rand.NewPCG(1, 2)))
	if err != nil || len(out) != 2 || out[0] != 4 || out[1] != 3 {
		t.Fatalf("Build: %v %v", out, err)
	}
	ws := l.Weights()
	copy(ws[1].Value.Data(), []float32{0.1, -0.2, 0.3})
	x := tt.Rand(5, -1, 1, 2, 4, 5)
	y := l.Call(x, false)
	k, bias := ws[0].Value.Data(), ws[1].Value.Data()
	for n := range 2 {
		for s := range 4 {
			for j := range 3 {
				v := float64(bias[j])
				for i := range 5 {
					v += float64(x.At(n, s, i)) * float64(k[i*3+j])
				}
				v = max(v, 0)
				if g := float64(y.At(n, s, j)); g-v > 1e-6 || v-g > 1e-6 {
					t.Fatalf("y[%d, %d, %d] = %v, want %v", n, s, j, g, v)
				}
			}
		}
	}
}

func TestWrappersGradCheck(t *testing.T) {
	for _, c := range []struct {
		name string
		l    layers.Layer
		in   []int
	}{
		{"Bidirectional LSTM concat", &layers.Bidirectional{Layer: &layers.LSTM{Units: 2, ReturnSequences: true}}, []int{3, 2}},
		{"Bidirectional GRU ave", &layers.Bidirectional{Layer: &layers.GRU{Units: 2}, MergeMode: "ave"}, []int{3, 2}},
		{"Bidirectional SimpleRNN mul, own backward layer", &layers.Bidirectional{Layer: &layers.SimpleRNN{Units: 2},
			BackwardLayer: &layers.SimpleRNN{Units: 2, GoBackwards: true, Activation: activations.ReLU}, MergeMode: "mul"}, []int{3, 2}},
		{"TimeDistributed Dense", &layers.TimeDistributed{Layer: &layers.Dense{Units: 3, Activation: activations.Tanh}}, []int{3, 2}},
		{"TimeDistributed Conv2D", &layers.TimeDistributed{Layer: &layers.Conv2D{Filters: 2, KernelSize: [2]int{2, 2}}}, []int{2, 3, 3, 1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := c.l.Build(c.in, rand.New(rand.NewPCG(3, 4))); err != nil {
				t.Fatal(err)
			}
			params := []*tensor.Tensor{tt.Rand(7, -1, 1, append([]int{2}, c.in...)...)}
			for _, w := range c.l.Weights() {
				params = append(params, w.Value)
			}
			tt.GradCheck(t, func(xs ...*tensor.Tensor) *tensor.Tensor { return c.l.Call(xs[0], true) }, params, tt.GradCheckOptions{})
		})
	}
}

// TestWrapperConfigs checks the configs against Keras 3's layout
// (Bidirectional: merge_mode, layer named forward_…, backward_layer with
// go_backwards; TimeDistributed: layer), their round trip, and the
// errors.
func TestWrapperConfigs(t *testing.T) {
	b, err := layers.MarshalLayer(&layers.Bidirectional{Layer: &layers.LSTM{Units: 8, ReturnSequences: true}}, "bidirectional")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"class_name":"Bidirectional"`, `"merge_mode":"concat"`, `"layer":{"class_name":"LSTM","config":{"name":"forward_lstm"`,
		`"backward_layer":{"class_name":"LSTM","config":{"name":"backward_lstm"`, `"go_backwards":true`} {
		if !strings.Contains(string(b), k) {
			t.Errorf("config lacks %s: %s", k, b)
		}
	}
	back, name, err := layers.UnmarshalLayer(b)
	if err != nil || name != "bidirectional" {
		t.Fatalf("%s: %v", b, err)
	}
	if b2, _ := layers.MarshalLayer(back, "bidirectional"); string(b2) != string(b) {
		t.Errorf("round trip %s, want %s", b2, b)
	}
	td, err := layers.MarshalLayer(&layers.TimeDistributed{Layer: &layers.Dense{Units: 2}}, "time_distributed")
	if err != nil || !strings.Contains(string(td), `"layer":{"class_name":"Dense","config":{"name":"dense"`) {
		t.Fatalf("%s: %v", td, err)
	}
	if l, _, err := layers.UnmarshalLayer(td); err != nil || l.(*layers.TimeDistributed).Layer.(*layers.Dense).Units != 2 {
		t.Errorf("TimeDistributed round trip: %v", err)
	}
	for _, c := range []struct {
		l    layers.Layer
		in   []int
		want string
	}{
		{&layers.Bidirectional{}, []int{3, 2}, "layers: Bidirectional: Layer is nil"},
		{&layers.Bidirectional{Layer: (*layers.LSTM)(nil)}, []int{3, 2}, "layers: Bidirectional: Layer is nil"},
		{&layers.Bidirectional{Layer: &layers.Dense{Units: 2}}, []int{3, 2}, "Layer must be a recurrent layer (a config with go_backwards and return_sequences), got Dense"},
		{&layers.Bidirectional{Layer: &layers.LSTM{Units: 2}, MergeMode: "max"}, []int{3, 2}, `MergeMode must be "concat", "sum", "mul", "ave" or "none", got "max"`},
		{&layers.Bidirectional{Layer: &layers.LSTM{Units: 2}, BackwardLayer: &layers.LSTM{Units: 2}}, []int{3, 2}, "must have different go_backwards, both are false"},
		{&layers.Bidirectional{Layer: &layers.LSTM{Units: 2}, BackwardLayer: &layers.LSTM{Units: 2, GoBackwards: true, ReturnSequences: true}}, []int{3, 2}, "the same return_sequences, got false and true"},
		{&layers.Bidirectional{Layer: &layers.LSTM{Units: 2}, BackwardLayer: &layers.LSTM{Units: 3, GoBackwards: true}}, []int{3, 2}, "the forward layer gives [2] per example, the backward one [3]"},
		{&layers.Bidirectional{Layer: &layers.LSTM{Units: 2}}, []int{3}, "layers: Bidirectional: layers: LSTM: want examples of rank 2"},
		{&layers.TimeDistributed{}, []int{3, 2}, "layers: TimeDistributed: Layer is nil"},
		{&layers.TimeDistributed{Layer: &layers.Dense{Units: 2}}, []int{3}, "want examples of rank >= 2 (steps, …), got shape [3]"},
	} {
		if _, err := c.l.Build(c.in, rand.New(rand.NewPCG(1, 1))); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%T: error %v, want %q", c.l, err, c.want)
		}
	}
	for _, c := range []struct{ in, want string }{
		{`{"class_name":"Bidirectional","config":{"name":"b","merge_mode":"none","layer":{"class_name":"LSTM","config":{"name":"l","units":2}}}}`, `merge_mode: "none" is written null`},
		{`{"class_name":"Bidirectional","config":{"name":"b","merge_mode":"concat"}}`, "layer is missing"},
		{`{"class_name":"Bidirectional","config":{"name":"b","merge_mode":"concat","layer":{"class_name":"Nope","config":{"name":"l"}}}}`, `unknown layer class "Nope"`},
		{`{"class_name":"TimeDistributed","config":{"name":"t","layer":null}}`, "layer is missing"},
	} {
		if _, _, err := layers.UnmarshalLayer([]byte(c.in)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.in, err, c.want)
		}
	}
}

func TestWrapperAllocations(t *testing.T) {
	for _, l := range []layers.Layer{&layers.Bidirectional{Layer: &layers.LSTM{Units: 4, ReturnSequences: true}},
		&layers.Bidirectional{Layer: &layers.GRU{Units: 4}, MergeMode: "sum"},
		&layers.TimeDistributed{Layer: &layers.Dense{Units: 3}}} {
		if _, err := l.Build([]int{5, 3}, rand.New(rand.NewPCG(1, 1))); err != nil {
			t.Fatal(err)
		}
		arena := tensor.NewArena()
		x := tt.Rand(1, -1, 1, 4, 5, 3).RequireGrad().InArena(arena)
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
