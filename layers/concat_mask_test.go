package layers_test

import (
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/tensor"
)

// Concatenate's output mask is Keras's compute_mask: masks broadcast to
// their inputs (all-true for an unmasked input), concatenated along the
// axis, reduced with any over the last axis.
func TestConcatenateMasks(t *testing.T) {
	a, b := tensor.Zeros(2, 3, 4), tensor.Zeros(2, 2, 4)
	ma := tensor.FromSlice([]float32{1, 1, 0, 1, 0, 0}, 2, 3)
	mb := tensor.FromSlice([]float32{0, 1, 1, 0}, 2, 2)
	a2 := tensor.Zeros(2, 3, 5)
	ma2 := tensor.FromSlice([]float32{0, 1, 1, 0, 0, 1}, 2, 3)
	for _, c := range []struct {
		name   string
		axis   int
		xs, ms []*tensor.Tensor
		want   []float32 // nil: no mask
	}{
		{"steps, both masked", 1, []*tensor.Tensor{a, b}, []*tensor.Tensor{ma, mb}, []float32{1, 1, 0, 0, 1, 1, 0, 0, 1, 0}},
		{"steps, second unmasked", 1, []*tensor.Tensor{a, b}, []*tensor.Tensor{ma, nil}, []float32{1, 1, 0, 1, 1, 1, 0, 0, 1, 1}},
		{"steps, none masked", 1, []*tensor.Tensor{a, b}, []*tensor.Tensor{nil, nil}, nil},
		{"features, both masked", -1, []*tensor.Tensor{a, a2}, []*tensor.Tensor{ma, ma2}, []float32{1, 1, 1, 1, 0, 1}},
		{"features, one unmasked", -1, []*tensor.Tensor{a, a2}, []*tensor.Tensor{ma, nil}, nil},
	} {
		l := &layers.Concatenate{Axis: c.axis}
		in := make([][]int, len(c.xs))
		for i, x := range c.xs {
			in[i] = x.Shape()[1:]
		}
		if _, err := l.BuildMulti(in, rand.New(rand.NewPCG(1, 1))); err != nil {
			t.Fatal(err)
		}
		outs, oms := make([]*tensor.Tensor, 1), make([]*tensor.Tensor, 1)
		l.CallMultiMasked(c.xs, c.ms, false, outs, oms)
		switch {
		case c.want == nil && oms[0] != nil:
			t.Errorf("%s: mask %v, want none", c.name, oms[0].Data())
		case c.want != nil && (oms[0] == nil || !reflect.DeepEqual(oms[0].Data(), c.want)):
			t.Errorf("%s: mask %v, want %v", c.name, oms[0], c.want)
		}
	}
}
