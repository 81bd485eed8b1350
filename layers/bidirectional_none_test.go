package layers_test

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/tensor"
)

// MergeMode "none" (Keras's None) gives the forward and the backward
// outputs as two: with the same weights, exactly the halves of concat's
// output, sequences and last steps, with and without a mask.
func TestBidirectionalMergeModeNone(t *testing.T) {
	x := tensor.Zeros(2, 5, 3)
	r := rand.New(rand.NewPCG(4, 4))
	for i := range x.Data() {
		x.Data()[i] = float32(r.NormFloat64())
	}
	mask := tensor.FromSlice([]float32{1, 1, 1, 0, 0, 1, 1, 1, 1, 1}, 2, 5)
	for _, seq := range []bool{true, false} {
		for _, m := range []*tensor.Tensor{nil, mask} {
			none := &layers.Bidirectional{Layer: &layers.LSTM{Units: 2, ReturnSequences: seq}, MergeMode: "none"}
			cat := &layers.Bidirectional{Layer: &layers.LSTM{Units: 2, ReturnSequences: seq}}
			outs, err := none.BuildMulti([][]int{{5, 3}}, rand.New(rand.NewPCG(1, 1)))
			if err != nil {
				t.Fatal(err)
			}
			want := []int{2}
			if seq {
				want = []int{5, 2}
			}
			if !reflect.DeepEqual(outs, [][]int{want, want}) {
				t.Fatalf("outputs %v", outs)
			}
			if _, err := cat.Build([]int{5, 3}, rand.New(rand.NewPCG(1, 1))); err != nil {
				t.Fatal(err)
			}
			ys, ms := make([]*tensor.Tensor, 2), make([]*tensor.Tensor, 2)
			none.CallMultiMasked([]*tensor.Tensor{x}, []*tensor.Tensor{m}, false, ys, ms)
			c, cm := cat.CallMasked(x, m, false)
			var halves [2][]float32 // the forward and backward halves of each row
			for k, v := range c.Data() {
				halves[k%4/2] = append(halves[k%4/2], v)
			}
			for i := range ys {
				if !reflect.DeepEqual(ys[i].Data(), halves[i]) {
					t.Errorf("seq %v, mask %v: output %d differs from concat's half", seq, m != nil, i)
				}
				if (ms[i] == nil) != (cm == nil) {
					t.Errorf("seq %v: output mask %d %v, concat's %v", seq, i, ms[i], cm)
				}
			}
		}
	}
	if _, err := (&layers.Bidirectional{Layer: &layers.LSTM{Units: 2}, MergeMode: "none"}).Build([]int{5, 3}, rand.New(rand.NewPCG(1, 1))); err == nil || !strings.Contains(err.Error(), "ApplyMulti") {
		t.Errorf("Build with MergeMode none: %v", err)
	}
	if _, err := (&layers.Bidirectional{Layer: &layers.LSTM{Units: 2}, MergeMode: "max"}).BuildMulti([][]int{{5, 3}}, rand.New(rand.NewPCG(1, 1))); err == nil || !strings.Contains(err.Error(), `"none", got "max"`) {
		t.Errorf("MergeMode max: %v", err)
	}
	// Keras writes None as null, and reads it back.
	b, err := layers.MarshalLayer(&layers.Bidirectional{Layer: &layers.GRU{Units: 2}, MergeMode: "none"}, "bidirectional")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"merge_mode":null`) {
		t.Errorf("config %s", b)
	}
	back, _, err := layers.UnmarshalLayer(b)
	if err != nil {
		t.Fatal(err)
	}
	if back.(*layers.Bidirectional).MergeMode != "none" {
		t.Errorf("read back as %q", back.(*layers.Bidirectional).MergeMode)
	}
}
