package layers_test

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/tensor"
	tt "github.com/neuron-go/neuron/tensor/tensortest"
)

// TestRecurrentStatesReference checks return_state and initial_state
// against torch's nn.LSTM and nn.GRU given initial states
// (testdata/gen/recurrent_ref.py): the output, the last h and c, and the
// gradients of the input, the weights and the initial states.
func TestRecurrentStatesReference(t *testing.T) {
	b, err := os.ReadFile("testdata/recurrent_states_ref.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Cases []struct {
			Name, Layer                  string
			Units                        int
			Sequences                    bool
			Shape                        []int
			YShape                       []int `json:"y_shape"`
			X, Kernel, W, Y, DX, DKernel []float64
			Recurrent                    []float64 `json:"recurrent_kernel"`
			DRecurrent                   []float64 `json:"drecurrent_kernel"`
			Bias, DBias                  []float64
			H0, C0, WH, WC, H, C         []float64
			DH0, DC0                     []float64
		}
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.Cases) != 3 {
		t.Fatalf("%d cases", len(ref.Cases))
	}
	for _, c := range ref.Cases {
		t.Run(c.Name, func(t *testing.T) {
			n, u := c.Shape[0], c.Units
			var l layers.MultiLayer
			in := [][]int{c.Shape[1:], {u}}
			if c.Layer == "LSTM" {
				l = &layers.LSTM{Units: u, ReturnSequences: c.Sequences, ReturnState: true}
				in = append(in, []int{u})
			} else {
				l = &layers.GRU{Units: u, ReturnSequences: c.Sequences, ReturnState: true}
			}
			out, err := l.BuildMulti(in, rand.New(rand.NewPCG(1, 2)))
			if err != nil {
				t.Fatal(err)
			}
			if len(out) != len(in) {
				t.Fatalf("outputs %v for inputs %v", out, in)
			}
			ws := l.Weights()
			for i, v := range [][]float64{c.Kernel, c.Recurrent, c.Bias} {
				copy(ws[i].Value.Data(), f32(v))
			}
			x := tensor.New(c.Shape, f32(c.X)).RequireGrad()
			h0 := tensor.New([]int{n, u}, f32(c.H0)).RequireGrad()
			xs := []*tensor.Tensor{x, h0}
			var c0 *tensor.Tensor
			if c.C0 != nil {
				c0 = tensor.New([]int{n, u}, f32(c.C0)).RequireGrad()
				xs = append(xs, c0)
			}
			outs := make([]*tensor.Tensor, len(out))
			l.CallMulti(xs, true, outs)
			loss := outs[0].Mul(tensor.New(c.YShape, f32(c.W))).Sum().Add(outs[1].Mul(tensor.New([]int{n, u}, f32(c.WH))).Sum())
			checks := []struct {
				name string
				got  []float32
				want []float64
			}{{"y", outs[0].Data(), c.Y}, {"h", outs[1].Data(), c.H}}
			if c0 != nil {
				loss = loss.Add(outs[2].Mul(tensor.New([]int{n, u}, f32(c.WC))).Sum())
				checks = append(checks, struct {
					name string
					got  []float32
					want []float64
				}{"c", outs[2].Data(), c.C})
			}
			tensor.Backward(loss)
			checks = append(checks, []struct {
				name string
				got  []float32
				want []float64
			}{{"dx", x.Grad().Data(), c.DX}, {"dkernel", ws[0].Value.Grad().Data(), c.DKernel}, {"drecurrent_kernel", ws[1].Value.Grad().Data(), c.DRecurrent},
				{"dbias", ws[2].Value.Grad().Data(), c.DBias}, {"dh0", h0.Grad().Data(), c.DH0}}...)
			if c0 != nil {
				checks = append(checks, struct {
					name string
					got  []float32
					want []float64
				}{"dc0", c0.Grad().Data(), c.DC0})
			}
			for _, k := range checks {
				if err := tt.AllClose(k.got, f32(k.want), 1e-5, 1e-4); err != nil {
					t.Errorf("%s: %v", k.name, err)
				}
			}
		})
	}
}

func TestRecurrentStatesGradCheck(t *testing.T) {
	for _, c := range []struct {
		name  string
		l     layers.MultiLayer
		state int
	}{
		{"LSTM sequences", &layers.LSTM{Units: 2, ReturnSequences: true, ReturnState: true}, 2},
		{"LSTM backwards", &layers.LSTM{Units: 2, GoBackwards: true, ReturnState: true}, 2},
		{"GRU", &layers.GRU{Units: 2, ReturnState: true}, 1},
		{"SimpleRNN sequences", &layers.SimpleRNN{Units: 2, ReturnSequences: true, ReturnState: true}, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := [][]int{{4, 3}}
			for range c.state {
				in = append(in, []int{2})
			}
			out, err := c.l.BuildMulti(in, rand.New(rand.NewPCG(3, 4)))
			if err != nil {
				t.Fatal(err)
			}
			params := []*tensor.Tensor{tt.Rand(7, -1, 1, 2, 4, 3)}
			for i := range c.state {
				params = append(params, tt.Rand(uint64(8+i), -1, 1, 2, 2))
			}
			for _, w := range c.l.Weights() {
				params = append(params, w.Value)
			}
			outs := make([]*tensor.Tensor, len(out))
			tt.GradCheck(t, func(xs ...*tensor.Tensor) *tensor.Tensor {
				c.l.CallMulti(xs[:1+c.state], true, outs)
				// Weigh the outputs differently so that each one counts.
				sum := outs[0].Sum()
				for i, o := range outs[1:] {
					sum = sum.Add(o.MulScalar(float32(i + 2)).Sum())
				}
				return sum
			}, params, tt.GradCheckOptions{})
		})
	}
}

func TestRecurrentStatesErrors(t *testing.T) {
	if _, err := (&layers.LSTM{Units: 2, ReturnState: true}).Build([]int{3, 2}, rand.New(rand.NewPCG(1, 1))); err == nil ||
		!strings.Contains(err.Error(), "layers: LSTM: ReturnState gives 3 outputs; apply the layer with models.ApplyMulti in a functional model") {
		t.Errorf("Build with ReturnState: %v", err)
	}
	for _, c := range []struct {
		l    layers.MultiLayer
		in   [][]int
		want string
	}{
		{&layers.LSTM{Units: 2}, [][]int{{3, 2}, {2}}, "layers: LSTM: takes the sequence and optionally 2 initial state(s), got 2 inputs"},
		{&layers.GRU{Units: 2}, [][]int{{3, 2}, {3}}, "layers: GRU: initial state 0 must be (None, 2), got [3]"},
		{&layers.SimpleRNN{Units: 2}, [][]int{{3, 2}, {2}, {2}}, "takes the sequence and optionally 1 initial state(s), got 3 inputs"},
	} {
		if _, err := c.l.BuildMulti(c.in, rand.New(rand.NewPCG(1, 1))); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want %q", c.in, err, c.want)
		}
	}
	b, err := layers.MarshalLayer(&layers.GRU{Units: 2, ReturnState: true}, "gru")
	if err != nil || !strings.Contains(string(b), `"return_state":true`) {
		t.Fatalf("%s: %v", b, err)
	}
	if l, _, err := layers.UnmarshalLayer(b); err != nil || !l.(*layers.GRU).ReturnState {
		t.Errorf("round trip: %v", err)
	}
}
