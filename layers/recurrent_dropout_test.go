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

// TestRecurrentDropoutReference checks the recurrent ops with a dropout
// mask per gate on the input and on h (Keras's implementation 1, which
// its cells use with recurrent_dropout) against the same recurrence
// stepped in torch with the same masks (testdata/gen/recurrent_ref.py):
// outputs and the gradients of the input and every weight.
func TestRecurrentDropoutReference(t *testing.T) {
	b, err := os.ReadFile("testdata/recurrent_dropout_ref.json")
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
			InMasks                      []float64 `json:"in_masks"`
			RecMasks                     []float64 `json:"rec_masks"`
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
			gates := map[string]int{"LSTM": 4, "GRU": 3, "SimpleRNN": 1}[c.Layer]
			f, u := c.Shape[2], c.Units
			x := tensor.New(c.Shape, f32(c.X)).RequireGrad()
			kernel := tensor.New([]int{f, gates * u}, f32(c.Kernel)).RequireGrad()
			rec := tensor.New([]int{u, gates * u}, f32(c.Recurrent)).RequireGrad()
			bshape := []int{gates * u}
			if c.Layer == "GRU" {
				bshape = []int{2, gates * u}
			}
			bias := tensor.New(bshape, f32(c.Bias)).RequireGrad()
			o := tensor.RNNOptions{Act: tensor.RNNTanh, RecAct: tensor.RNNSigmoid, InMasks: f32(c.InMasks), RecMasks: f32(c.RecMasks)}
			var seq *tensor.Tensor
			switch c.Layer {
			case "LSTM":
				seq = tensor.LSTM(x, kernel, rec, bias, o)
			case "GRU":
				seq = tensor.GRU(x, kernel, rec, bias, o)
			default:
				seq = tensor.SimpleRNN(x, kernel, rec, bias, o)
			}
			y := seq
			if !c.Sequences {
				s := seq.Shape()
				y = tensor.Crop(seq, [][2]int{{0, 0}, {s[1] - 1, 0}, {0, 0}}).Reshape(s[0], s[2])
			}
			if err := tt.AllClose(y.Data(), f32(c.Y), 1e-5, 1e-4); err != nil {
				t.Errorf("output: %v", err)
			}
			tensor.Backward(y.Mul(tensor.New(c.YShape, f32(c.W))).Sum())
			for _, g := range []struct {
				name string
				got  *tensor.Tensor
				want []float64
			}{{"dx", x, c.DX}, {"dkernel", kernel, c.DKernel}, {"drecurrent_kernel", rec, c.DRecurrent}, {"dbias", bias, c.DBias}} {
				if err := tt.AllClose(g.got.Grad().Data(), f32(g.want), 1e-5, 1e-4); err != nil {
					t.Errorf("%s: %v", g.name, err)
				}
			}
		})
	}
}

// TestRecurrentDropoutLayers checks the layers' side: dropout only in
// training, the same masks for the same seed, other masks for the next
// batch, a finite-difference check with the masks drawn, the configs,
// and the rates refused.
func TestRecurrentDropoutLayers(t *testing.T) {
	for _, l := range []layers.Layer{
		&layers.LSTM{Units: 3, Dropout: 0.3, RecurrentDropout: 0.3, Seed: 5},
		&layers.GRU{Units: 3, Dropout: 0.4, Seed: 5},
		&layers.SimpleRNN{Units: 3, RecurrentDropout: 0.5, Seed: 5, ReturnSequences: true},
	} {
		if _, err := l.Build([]int{4, 2}, rand.New(rand.NewPCG(1, 1))); err != nil {
			t.Fatal(err)
		}
		x := tt.Rand(3, -1, 1, 5, 4, 2)
		inf1, inf2 := l.Call(x, false), l.Call(x, false)
		tr1, tr2 := l.Call(x, true), l.Call(x, true)
		if tt.AllClose(inf1.Data(), inf2.Data(), 0, 0) != nil {
			t.Errorf("%s: inference is not deterministic", l.ClassName())
		}
		if tt.AllClose(tr1.Data(), inf1.Data(), 1e-6, 1e-6) == nil || tt.AllClose(tr1.Data(), tr2.Data(), 1e-6, 1e-6) == nil {
			t.Errorf("%s: training calls should drop, and differently from batch to batch", l.ClassName())
		}
		// Built again (the same weights), the stream starts again.
		if _, err := l.Build([]int{4, 2}, rand.New(rand.NewPCG(1, 1))); err != nil {
			t.Fatal(err)
		}
		if tt.AllClose(l.Call(x, true).Data(), tr1.Data(), 0, 0) != nil {
			t.Errorf("%s: the first training call after Build drew other masks", l.ClassName())
		}
		b, err := layers.MarshalLayer(l, "r")
		if err != nil || !strings.Contains(string(b), `"seed":5`) {
			t.Fatalf("%s: %v", b, err)
		}
		back, _, err := layers.UnmarshalLayer(b)
		if err != nil {
			t.Fatal(err)
		}
		if b2, _ := layers.MarshalLayer(back, "r"); string(b2) != string(b) {
			t.Errorf("round trip %s, want %s", b2, b)
		}
	}
	// The gradient with the masks a training call draws: a fixed seed
	// repeats them for every evaluation of the check.
	l := &layers.LSTM{Units: 2, Dropout: 0.3, RecurrentDropout: 0.3, Seed: 9, ReturnSequences: true}
	if _, err := l.Build([]int{3, 2}, rand.New(rand.NewPCG(1, 1))); err != nil {
		t.Fatal(err)
	}
	params := []*tensor.Tensor{tt.Rand(4, -1, 1, 2, 3, 2)}
	for _, w := range l.Weights() {
		params = append(params, w.Value)
	}
	tt.GradCheck(t, func(xs ...*tensor.Tensor) *tensor.Tensor {
		if err := l.SetRandomState(nil); err != nil { // restart the stream
			t.Fatal(err)
		}
		return l.Call(xs[0], true)
	}, params, tt.GradCheckOptions{})
	for _, c := range []struct {
		l    layers.Layer
		want string
	}{
		{&layers.LSTM{Units: 2, Dropout: 1}, "layers: LSTM: Dropout must be in [0, 1), got 1"},
		{&layers.GRU{Units: 2, RecurrentDropout: -0.1}, "layers: GRU: RecurrentDropout must be in [0, 1), got -0.1"},
	} {
		if _, err := c.l.Build([]int{3, 2}, nil); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want %q", err, c.want)
		}
	}
}
