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

type gruBeforeCase struct {
	Name                         string
	Units                        int
	Backwards                    bool
	Shape                        []int
	X, Kernel, W, Y, DX, DKernel []float64
	Recurrent                    []float64 `json:"recurrent_kernel"`
	DRecurrent                   []float64 `json:"drecurrent_kernel"`
	Bias, DBias, H0, DH0, Mask   []float64
	InMasks                      []float64 `json:"in_masks"`
	RecMasks                     []float64 `json:"rec_masks"`
}

func gruBeforeCases(t *testing.T) []gruBeforeCase {
	t.Helper()
	b, err := os.ReadFile("testdata/gru_reset_before_ref.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct{ Cases []gruBeforeCase }
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.Cases) != 7 {
		t.Fatalf("%d cases", len(ref.Cases))
	}
	return ref.Cases
}

// TestGRUResetBeforeReference checks tensor.GRUResetBefore, Keras's GRU
// with reset_after=False, against Keras's GRUCell formula stepped in
// float64 under torch autograd (testdata/gen/gru_reset_before_ref.py):
// the outputs of every step and the gradients of the input, the weights
// and the initial state, forward and go_backwards, with and without bias,
// with masks, an initial state and dropout masks per gate.
func TestGRUResetBeforeReference(t *testing.T) {
	for _, c := range gruBeforeCases(t) {
		t.Run(c.Name, func(t *testing.T) {
			n, steps, f, u := c.Shape[0], c.Shape[1], c.Shape[2], c.Units
			x := tensor.New(c.Shape, f32(c.X)).RequireGrad()
			kernel := tensor.New([]int{f, 3 * u}, f32(c.Kernel)).RequireGrad()
			rec := tensor.New([]int{u, 3 * u}, f32(c.Recurrent)).RequireGrad()
			var bias, h0 *tensor.Tensor
			if c.Bias != nil {
				bias = tensor.New([]int{3 * u}, f32(c.Bias)).RequireGrad()
			}
			o := tensor.RNNOptions{Act: tensor.RNNTanh, RecAct: tensor.RNNSigmoid, Backwards: c.Backwards, InMasks: f32(c.InMasks), RecMasks: f32(c.RecMasks)}
			if c.H0 != nil {
				h0 = tensor.New([]int{n, u}, f32(c.H0)).RequireGrad()
				o.H0 = h0
			}
			if c.Mask != nil {
				o.Mask = tensor.New([]int{n, steps}, f32(c.Mask))
			}
			if c.InMasks == nil {
				o.InMasks, o.RecMasks = nil, nil
			}
			y := tensor.GRUResetBefore(x, kernel, rec, bias, o)
			if err := tt.AllClose(y.Data(), f32(c.Y), 1e-5, 1e-4); err != nil {
				t.Errorf("output: %v", err)
			}
			tensor.Backward(y.Mul(tensor.New(y.Shape(), f32(c.W))).Sum())
			grads := []struct {
				name string
				got  *tensor.Tensor
				want []float64
			}{{"dx", x, c.DX}, {"dkernel", kernel, c.DKernel}, {"drecurrent_kernel", rec, c.DRecurrent}}
			if bias != nil {
				grads = append(grads, struct {
					name string
					got  *tensor.Tensor
					want []float64
				}{"dbias", bias, c.DBias})
			}
			if h0 != nil {
				grads = append(grads, struct {
					name string
					got  *tensor.Tensor
					want []float64
				}{"dh0", h0, c.DH0})
			}
			for _, g := range grads {
				if err := tt.AllClose(g.got.Grad().Data(), f32(g.want), 1e-5, 1e-4); err != nil {
					t.Errorf("%s: %v", g.name, err)
				}
			}
		})
	}
}

// TestGRUNoResetAfterLayer checks the layer on the same cases: its
// weights (bias (3·units)), the last state or every step, and the mask.
func TestGRUNoResetAfterLayer(t *testing.T) {
	for _, c := range gruBeforeCases(t) {
		if c.H0 != nil {
			continue
		}
		for _, seqs := range []bool{false, true} {
			l := &layers.GRU{Units: c.Units, NoResetAfter: true, GoBackwards: c.Backwards, ReturnSequences: seqs, NoBias: c.Bias == nil}
			if _, err := l.Build(c.Shape[1:], rand.New(rand.NewPCG(1, 2))); err != nil {
				t.Fatal(err)
			}
			ws := l.Weights()
			if c.Bias != nil {
				if s := ws[2].Value.Shape(); len(s) != 1 || s[0] != 3*c.Units {
					t.Fatalf("bias shape %v, want [%d]", s, 3*c.Units)
				}
			}
			for i, v := range [][]float64{c.Kernel, c.Recurrent, c.Bias} {
				if v != nil {
					copy(ws[i].Value.Data(), f32(v))
				}
			}
			x := tensor.New(c.Shape, f32(c.X))
			var mask *tensor.Tensor
			if c.Mask != nil {
				mask = tensor.New(c.Shape[:2], f32(c.Mask))
			}
			y, m := l.CallMasked(x, mask, false)
			if (m != nil) != (seqs && mask != nil) {
				t.Errorf("%s: output mask %v", c.Name, m)
			}
			n, steps, u := c.Shape[0], c.Shape[1], c.Units
			want := f32(c.Y)
			if !seqs {
				last := make([]float32, 0, n*u)
				for b := range n {
					last = append(last, want[(b*steps+steps-1)*u:(b*steps+steps)*u]...)
				}
				want = last
			}
			if err := tt.AllClose(y.Data(), want, 1e-5, 1e-4); err != nil {
				t.Errorf("%s, sequences %v: %v", c.Name, seqs, err)
			}
		}
	}
}

// TestGRUNoResetAfterGradCheck checks the gradients of the layer, its
// options and Bidirectional around it against finite differences.
func TestGRUNoResetAfterGradCheck(t *testing.T) {
	for _, c := range []struct {
		name string
		l    layers.Layer
	}{
		{"GRU", &layers.GRU{Units: 3, NoResetAfter: true}},
		{"sigmoid, hard_sigmoid, no bias, sequences, backwards", &layers.GRU{Units: 2, NoResetAfter: true, Activation: activations.Sigmoid, RecurrentActivation: activations.HardSigmoid, NoBias: true, ReturnSequences: true, GoBackwards: true}},
		{"Bidirectional", &layers.Bidirectional{Layer: &layers.GRU{Units: 2, NoResetAfter: true, ReturnSequences: true}}},
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
	// With dropout masks drawn by a training call, a fixed seed repeating them.
	l := &layers.GRU{Units: 2, NoResetAfter: true, Dropout: 0.3, RecurrentDropout: 0.3, Seed: 9, ReturnSequences: true}
	if _, err := l.Build([]int{3, 2}, rand.New(rand.NewPCG(1, 1))); err != nil {
		t.Fatal(err)
	}
	params := []*tensor.Tensor{tt.Rand(4, -1, 1, 2, 3, 2)}
	for _, w := range l.Weights() {
		params = append(params, w.Value)
	}
	tt.GradCheck(t, func(xs ...*tensor.Tensor) *tensor.Tensor {
		if err := l.SetRandomState(nil); err != nil {
			t.Fatal(err)
		}
		return l.Call(xs[0], true)
	}, params, tt.GradCheckOptions{})
}

// TestGRUNoResetAfterConfig checks reset_after=False in the config both
// ways, and that Bidirectional's copies keep it.
func TestGRUNoResetAfterConfig(t *testing.T) {
	keras := `{"class_name":"GRU","config":{"name":"gru","trainable":true,"dtype":"float32","return_sequences":false,"return_state":false,"go_backwards":false,"stateful":false,"unroll":false,"zero_output_for_mask":false,` +
		`"units":5,"activation":"tanh","recurrent_activation":"sigmoid","use_bias":true,"kernel_initializer":{"class_name":"GlorotUniform","config":{}},` +
		`"recurrent_initializer":{"class_name":"Orthogonal","config":{"gain":1.0}},"bias_initializer":{"class_name":"Zeros","config":{}},` +
		`"kernel_regularizer":null,"recurrent_regularizer":null,"bias_regularizer":null,"activity_regularizer":null,"kernel_constraint":null,"recurrent_constraint":null,"bias_constraint":null,` +
		`"dropout":0.0,"recurrent_dropout":0.0,"reset_after":false,"seed":null}}`
	got, _, err := layers.UnmarshalLayer([]byte(keras))
	if err != nil {
		t.Fatal(err)
	}
	g := got.(*layers.GRU)
	if !g.NoResetAfter || g.Units != 5 {
		t.Fatalf("decoded %+v", g)
	}
	b, err := layers.MarshalLayer(g, "gru")
	if err != nil || !strings.Contains(string(b), `"reset_after":false`) {
		t.Fatalf("%s: %v", b, err)
	}
	bi := &layers.Bidirectional{Layer: &layers.GRU{Units: 2, NoResetAfter: true}}
	if _, err := bi.Build([]int{3, 2}, rand.New(rand.NewPCG(1, 1))); err != nil {
		t.Fatal(err)
	}
	for _, w := range bi.Weights() {
		if strings.HasSuffix(w.Name, "bias") && len(w.Value.Shape()) != 1 {
			t.Errorf("%s: shape %v, want (3·units)", w.Name, w.Value.Shape())
		}
	}
	if len(bi.Weights()) != 6 {
		t.Errorf("%d weights", len(bi.Weights()))
	}
}

// TestGRUNoResetAfterAllocations checks that a training step allocates
// nothing, with masks and dropout too.
func TestGRUNoResetAfterAllocations(t *testing.T) {
	for _, l := range []*layers.GRU{{Units: 16, NoResetAfter: true, ReturnSequences: true}, {Units: 8, NoResetAfter: true, Dropout: 0.2, RecurrentDropout: 0.2, Seed: 3}} {
		if _, err := l.Build([]int{10, 8}, rand.New(rand.NewPCG(1, 1))); err != nil {
			t.Fatal(err)
		}
		arena := tensor.NewArena()
		x := tt.Rand(1, -1, 1, 4, 10, 8).RequireGrad().InArena(arena)
		mask := tensor.Full(1, 4, 10)
		mask.Data()[3] = 0
		step := func() {
			y, _ := l.CallMasked(x, mask, true)
			tensor.Backward(y.Sum())
			arena.Reset()
		}
		step()
		if n := testing.AllocsPerRun(10, step); n != 0 {
			t.Errorf("%+v: a step allocates %v times, want 0", l, n)
		}
	}
}

// TestGRUNoResetAfterStates checks return_state with an initial state
// (the gradients against finite differences, the state equal to the last
// step) and stateful (two halves give the whole sequence's last state).
func TestGRUNoResetAfterStates(t *testing.T) {
	l := &layers.GRU{Units: 2, NoResetAfter: true, ReturnSequences: true, ReturnState: true}
	out, err := l.BuildMulti([][]int{{4, 3}, {2}}, rand.New(rand.NewPCG(3, 4)))
	if err != nil {
		t.Fatal(err)
	}
	params := []*tensor.Tensor{tt.Rand(7, -1, 1, 2, 4, 3), tt.Rand(8, -1, 1, 2, 2)}
	for _, w := range l.Weights() {
		params = append(params, w.Value)
	}
	outs := make([]*tensor.Tensor, len(out))
	tt.GradCheck(t, func(xs ...*tensor.Tensor) *tensor.Tensor {
		l.CallMulti(xs[:2], true, outs)
		return outs[0].Sum().Add(outs[1].MulScalar(2).Sum())
	}, params, tt.GradCheckOptions{})
	l.CallMulti(params[:2], false, outs)
	last := tensor.Crop(outs[0], [][2]int{{0, 0}, {3, 0}, {0, 0}}).Reshape(2, 2)
	if err := tt.AllClose(outs[1].Data(), last.Data(), 0, 0); err != nil {
		t.Errorf("state: %v", err)
	}

	x := tt.Rand(5, -1, 1, 3, 8, 2)
	whole, half := &layers.GRU{Units: 3, NoResetAfter: true}, &layers.GRU{Units: 3, NoResetAfter: true, Stateful: true}
	if _, err := whole.Build([]int{8, 2}, rand.New(rand.NewPCG(1, 1))); err != nil {
		t.Fatal(err)
	}
	if _, err := half.Build([]int{4, 2}, rand.New(rand.NewPCG(1, 1))); err != nil {
		t.Fatal(err)
	}
	half.Call(tensor.Crop(x, [][2]int{{0, 0}, {0, 4}, {0, 0}}), false)
	got := half.Call(tensor.Crop(x, [][2]int{{0, 0}, {4, 0}, {0, 0}}), false)
	if err := tt.AllClose(got.Data(), whole.Call(x, false).Data(), 1e-6, 1e-6); err != nil {
		t.Errorf("stateful: %v", err)
	}
}
