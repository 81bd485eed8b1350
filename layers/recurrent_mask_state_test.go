package layers_test

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/tensor"
	tt "github.com/neuron-go/neuron/tensor/tensortest"
)

// maskStateCase is a case of testdata/recurrent_mask_state_ref.json
// (testdata/gen/recurrent_mask_state_ref.py).
type maskStateCase struct {
	Name, Layer, Merge                  string
	Units                               int
	Sequences, Backwards, Bidirectional bool
	Shape                               []int
	Mask, X, DX                         []float64
	Sides                               []struct {
		Kernel, Bias, DKernel, DBias []float64
		Recurrent                    []float64 `json:"recurrent_kernel"`
		DRecurrent                   []float64 `json:"drecurrent_kernel"`
	}
	Initial, DInitial [][][]float64
	Outputs           []struct {
		Shape    []int
		Value, W []float64
	}
}

// maskStateLayer makes the case's layer: a recurrent layer with
// ReturnState, or a Bidirectional around one.
func maskStateLayer(c *maskStateCase) layers.MultiLayer {
	var r layers.Layer
	switch c.Layer {
	case "LSTM":
		r = &layers.LSTM{Units: c.Units, ReturnSequences: c.Sequences, GoBackwards: c.Backwards, ReturnState: true}
	case "GRU":
		r = &layers.GRU{Units: c.Units, ReturnSequences: c.Sequences, GoBackwards: c.Backwards, ReturnState: true}
	default:
		r = &layers.SimpleRNN{Units: c.Units, ReturnSequences: c.Sequences, GoBackwards: c.Backwards, ReturnState: true}
	}
	if c.Bidirectional {
		return &layers.Bidirectional{Layer: r, MergeMode: c.Merge}
	}
	return r.(layers.MultiLayer)
}

func loadMaskStateCases(t *testing.T) []maskStateCase {
	t.Helper()
	b, err := os.ReadFile("testdata/recurrent_mask_state_ref.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct{ Cases []maskStateCase }
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.Cases) != 13 {
		t.Fatalf("%d cases", len(ref.Cases))
	}
	return ref.Cases
}

// TestRecurrentMaskedStatesReference checks LSTM, GRU and SimpleRNN with
// return_state, and Bidirectional around them, on masked sequences
// (padding at the end, the front, in the middle, a fully masked example),
// with and without initial states, against Keras's masked recurrence
// stepped in float64 and, for the sequences padded at the end, torch's
// layers on packed sequences: the outputs, their masks (the output keeps
// the mask with return_sequences, the states carry none), and the
// gradients of the input, the weights and the initial states.
func TestRecurrentMaskedStatesReference(t *testing.T) {
	for _, c := range loadMaskStateCases(t) {
		t.Run(c.Name, func(t *testing.T) {
			n, u := c.Shape[0], c.Units
			l := maskStateLayer(&c)
			in := [][]int{c.Shape[1:]}
			xs := []*tensor.Tensor{tensor.New(c.Shape, f32(c.X)).RequireGrad()}
			var inits []*tensor.Tensor
			for _, side := range c.Initial {
				for _, s := range side {
					in = append(in, []int{u})
					v := tensor.New([]int{n, u}, f32(s)).RequireGrad()
					xs, inits = append(xs, v), append(inits, v)
				}
			}
			shapes, err := l.BuildMulti(in, rand.New(rand.NewPCG(1, 2)))
			if err != nil {
				t.Fatal(err)
			}
			if len(shapes) != len(c.Outputs) {
				t.Fatalf("%d outputs, want %d", len(shapes), len(c.Outputs))
			}
			ws := l.Weights()
			if len(ws) != 3*len(c.Sides) {
				t.Fatalf("%d weights", len(ws))
			}
			for i, s := range c.Sides {
				for j, v := range [][]float64{s.Kernel, s.Recurrent, s.Bias} {
					copy(ws[3*i+j].Value.Data(), f32(v))
				}
			}
			mask := tensor.New(c.Shape[:2], f32(c.Mask))
			masks := make([]*tensor.Tensor, len(xs))
			masks[0] = mask
			outs, oms := make([]*tensor.Tensor, len(shapes)), make([]*tensor.Tensor, len(shapes))
			l.(layers.MaskedMulti).CallMultiMasked(xs, masks, true, outs, oms)
			var loss *tensor.Tensor
			for i, o := range c.Outputs {
				if !equalInts(outs[i].Shape(), o.Shape) {
					t.Fatalf("output %d has shape %v, want %v", i, outs[i].Shape(), o.Shape)
				}
				if err := tt.AllClose(outs[i].Data(), f32(o.Value), 1e-5, 1e-4); err != nil {
					t.Errorf("output %d: %v", i, err)
				}
				want := i == 0 && c.Sequences
				if (oms[i] != nil) != want || want && oms[i] != mask {
					t.Errorf("output %d: mask %v, want the input's mask: %v", i, oms[i], want)
				}
				term := outs[i].Mul(tensor.New(o.Shape, f32(o.W))).Sum()
				if loss == nil {
					loss = term
				} else {
					loss = loss.Add(term)
				}
			}
			tensor.Backward(loss)
			check := func(what string, got []float32, want []float64) {
				t.Helper()
				if err := tt.AllClose(got, f32(want), 1e-5, 1e-4); err != nil {
					t.Errorf("%s: %v", what, err)
				}
			}
			check("dx", xs[0].Grad().Data(), c.DX)
			for i, s := range c.Sides {
				check("dkernel", ws[3*i].Value.Grad().Data(), s.DKernel)
				check("drecurrent_kernel", ws[3*i+1].Value.Grad().Data(), s.DRecurrent)
				check("dbias", ws[3*i+2].Value.Grad().Data(), s.DBias)
			}
			k := 0
			for _, side := range c.DInitial {
				for _, s := range side {
					check("dinitial", inits[k].Grad().Data(), s)
					k++
				}
			}
		})
	}
}

// TestRecurrentMaskedStatesGradCheck checks the gradients through the
// masked state outputs by finite differences, with a mask padding at the
// front, at the end and in the middle, and initial states.
func TestRecurrentMaskedStatesGradCheck(t *testing.T) {
	mask := tensor.New([]int{3, 4}, []float32{0, 1, 1, 1, 1, 1, 0, 0, 1, 0, 1, 0})
	for _, c := range []struct {
		name  string
		l     layers.MultiLayer
		state int // initial states given
	}{
		{"LSTM sequences", &layers.LSTM{Units: 2, ReturnSequences: true, ReturnState: true}, 2},
		{"LSTM backwards", &layers.LSTM{Units: 2, GoBackwards: true, ReturnState: true}, 0},
		{"GRU", &layers.GRU{Units: 2, ReturnState: true}, 1},
		{"SimpleRNN backwards sequences", &layers.SimpleRNN{Units: 2, ReturnSequences: true, GoBackwards: true, ReturnState: true}, 1},
		{"Bidirectional LSTM", &layers.Bidirectional{Layer: &layers.LSTM{Units: 2, ReturnSequences: true, ReturnState: true}}, 4},
		{"Bidirectional GRU sum", &layers.Bidirectional{Layer: &layers.GRU{Units: 2, ReturnState: true}, MergeMode: "sum"}, 0},
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
			params := []*tensor.Tensor{tt.Rand(7, -1, 1, 3, 4, 3)}
			for i := range c.state {
				params = append(params, tt.Rand(uint64(8+i), -1, 1, 3, 2))
			}
			for _, w := range c.l.Weights() {
				params = append(params, w.Value)
			}
			outs, oms := make([]*tensor.Tensor, len(out)), make([]*tensor.Tensor, len(out))
			masks := make([]*tensor.Tensor, 1+c.state)
			masks[0] = mask
			tt.GradCheck(t, func(xs ...*tensor.Tensor) *tensor.Tensor {
				c.l.(layers.MaskedMulti).CallMultiMasked(xs[:1+c.state], masks, true, outs, oms)
				sum := outs[0].Sum()
				for i, o := range outs[1:] {
					sum = sum.Add(o.MulScalar(float32(i + 2)).Sum())
				}
				return sum
			}, params, tt.GradCheckOptions{})
		})
	}
}
