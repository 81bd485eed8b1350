package layers_test

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/tensor"
	tt "github.com/neuron-go/neuron/tensor/tensortest"
)

// mask35 marks padding at the start, at the end and in between, for
// 3 sequences of 5 steps.
var mask35 = []float32{0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 1, 0, 1, 1, 0}

func TestMaskedGradCheck(t *testing.T) {
	mask := tensor.FromSlice(mask35, 3, 5)
	for _, c := range []struct {
		name string
		l    layers.Layer
	}{
		{"LSTM", &layers.LSTM{Units: 2, ReturnSequences: true}},
		{"GRU backwards", &layers.GRU{Units: 2, GoBackwards: true}},
		{"SimpleRNN", &layers.SimpleRNN{Units: 2}},
		{"Bidirectional LSTM sequences", &layers.Bidirectional{Layer: &layers.LSTM{Units: 2, ReturnSequences: true}}},
		{"Bidirectional GRU", &layers.Bidirectional{Layer: &layers.GRU{Units: 2}, MergeMode: "sum"}},
		{"GlobalAveragePooling1D", &layers.GlobalAveragePooling1D{}},
		{"Masking", &layers.Masking{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := c.l.Build([]int{5, 2}, rand.New(rand.NewPCG(3, 4))); err != nil {
				t.Fatal(err)
			}
			params := []*tensor.Tensor{tt.Rand(7, -1, 1, 3, 5, 2)}
			for _, w := range c.l.Weights() {
				params = append(params, w.Value)
			}
			m := c.l.(layers.Masked)
			tt.GradCheck(t, func(xs ...*tensor.Tensor) *tensor.Tensor {
				y, _ := m.CallMasked(xs[0], mask, true)
				return y
			}, params, tt.GradCheckOptions{})
		})
	}
}

// TestMaskedPaddingIsSkipped checks Keras's meaning of a mask with an
// independent result: a masked recurrent layer's last state on a padded
// sequence equals the layer's state on the sequence without the padding,
// wherever the padding is; masked steps of Bidirectional's sequence
// output are 0; GlobalAveragePooling1D averages the kept steps only.
func TestMaskedPaddingIsSkipped(t *testing.T) {
	x := tt.Rand(2, -1, 1, 3, 5, 2)
	mask := tensor.FromSlice(mask35, 3, 5)
	for _, l := range []layers.Layer{&layers.LSTM{Units: 3}, &layers.GRU{Units: 3}, &layers.SimpleRNN{Units: 3}, &layers.GRU{Units: 3, GoBackwards: true}} {
		if _, err := l.Build([]int{5, 2}, rand.New(rand.NewPCG(3, 4))); err != nil {
			t.Fatal(err)
		}
		got, outMask := l.(layers.Masked).CallMasked(x, mask, false)
		if outMask != nil {
			t.Errorf("%s without return_sequences kept the mask", l.ClassName())
		}
		for b := range 3 {
			// The kept steps alone, as a shorter sequence.
			var kept []float32
			for s := range 5 {
				if mask35[b*5+s] != 0 {
					kept = append(kept, x.Data()[(b*5+s)*2:(b*5+s+1)*2]...)
				}
			}
			short := tensor.FromSlice(kept, 1, len(kept)/2, 2)
			want := callUnbuilt(t, l, short)
			if err := tt.AllClose(got.Row(b).Data(), want.Data(), 1e-6, 1e-6); err != nil {
				t.Errorf("%s example %d: %v", l.ClassName(), b, err)
			}
		}
	}
	bi := &layers.Bidirectional{Layer: &layers.LSTM{Units: 2, ReturnSequences: true}}
	if _, err := bi.Build([]int{5, 2}, rand.New(rand.NewPCG(1, 1))); err != nil {
		t.Fatal(err)
	}
	y, m := bi.CallMasked(x, mask, false)
	if m != mask {
		t.Error("Bidirectional with return_sequences did not pass the mask on")
	}
	for i, keep := range mask35 {
		for j := range 4 {
			if v := y.Data()[i*4+j]; keep == 0 && v != 0 {
				t.Errorf("masked step %d: output %v, want 0", i, v)
			}
		}
	}
	pool := &layers.GlobalAveragePooling1D{}
	if _, err := pool.Build([]int{5, 2}, nil); err != nil {
		t.Fatal(err)
	}
	p, _ := pool.CallMasked(x, mask, false)
	// Example 2 keeps steps 0, 2 and 3.
	for j := range 2 {
		want := (x.At(2, 0, j) + x.At(2, 2, j) + x.At(2, 3, j)) / 3
		if d := p.At(2, j) - want; d > 1e-6 || d < -1e-6 {
			t.Errorf("masked mean feature %d: %v, want %v", j, p.At(2, j), want)
		}
	}
}

// callUnbuilt runs a recurrent layer, built for 5 steps, on a shorter
// sequence: a copy built for that length with the same weights.
func callUnbuilt(t *testing.T, l layers.Layer, x *tensor.Tensor) *tensor.Tensor {
	t.Helper()
	var c layers.Layer
	switch r := l.(type) {
	case *layers.LSTM:
		c = &layers.LSTM{Units: r.Units}
	case *layers.GRU:
		c = &layers.GRU{Units: r.Units, GoBackwards: r.GoBackwards}
	case *layers.SimpleRNN:
		c = &layers.SimpleRNN{Units: r.Units}
	}
	if _, err := c.Build(x.Shape()[1:], rand.New(rand.NewPCG(9, 9))); err != nil {
		t.Fatal(err)
	}
	for i, w := range c.Weights() {
		copy(w.Value.Data(), l.Weights()[i].Value.Data())
	}
	return c.Call(x, false)
}

func TestEmbeddingMaskZeroAndMasking(t *testing.T) {
	e := &layers.Embedding{InputDim: 5, OutputDim: 2, MaskZero: true}
	if _, err := e.Build([]int{4}, rand.New(rand.NewPCG(1, 1))); err != nil {
		t.Fatal(err)
	}
	_, m := e.CallMasked(tensor.FromSlice([]float32{0, 0, 3, 1, 2, 0, 4, 0}, 2, 4), nil, false)
	if m == nil || tt.AllClose(m.Data(), []float32{0, 0, 1, 1, 1, 0, 1, 0}, 0, 0) != nil {
		t.Errorf("mask %v, want [0 0 1 1 1 0 1 0]", m)
	}
	b, _ := layers.MarshalLayer(e, "embedding")
	if !strings.Contains(string(b), `"mask_zero":true`) {
		t.Errorf("config %s lacks mask_zero", b)
	}
	back, _, err := layers.UnmarshalLayer(b)
	if err != nil || !back.(*layers.Embedding).MaskZero {
		t.Errorf("round trip: %v", err)
	}
	// Masking: a step all of whose features are MaskValue is padding and
	// becomes 0.
	mk := &layers.Masking{MaskValue: -1}
	if _, err := mk.Build([]int{3, 2}, nil); err != nil {
		t.Fatal(err)
	}
	y, m := mk.CallMasked(tensor.FromSlice([]float32{-1, -1, -1, 2, 3, 4}, 1, 3, 2), nil, false)
	if tt.AllClose(m.Data(), []float32{0, 1, 1}, 0, 0) != nil || tt.AllClose(y.Data(), []float32{0, 0, -1, 2, 3, 4}, 0, 0) != nil {
		t.Errorf("Masking: y %v, mask %v", y.Data(), m.Data())
	}
	if _, err := (&layers.Masking{}).Build([]int{3}, nil); err == nil || !strings.Contains(err.Error(), "want examples of rank 2 (steps, features), got shape [3]") {
		t.Errorf("Masking on rank 1: %v", err)
	}
	if l, _, err := layers.UnmarshalLayer([]byte(`{"class_name":"Masking","config":{"name":"masking","mask_value":-1.0}}`)); err != nil || l.(*layers.Masking).MaskValue != -1 {
		t.Errorf("Keras Masking config: %v", err)
	}
	if !layers.PropagatesMask(&layers.Dense{}) || layers.PropagatesMask(&layers.Flatten{}) {
		t.Error("PropagatesMask: Dense passes masks on, Flatten does not (as Keras)")
	}
}
