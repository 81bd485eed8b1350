package layers_test

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/tensor"
	tt "github.com/neuron-go/neuron/tensor/tensortest"
)

// TestStatefulCarriesStates checks Keras's stateful semantics with an
// independent result: two calls on the halves of a sequence give the
// last states of one call on the whole sequence; ResetStates starts from
// zeros again; another batch size is an error.
func TestStatefulCarriesStates(t *testing.T) {
	x := tt.Rand(5, -1, 1, 3, 8, 2)
	first := tensor.Crop(x, [][2]int{{0, 0}, {0, 4}, {0, 0}})
	second := tensor.Crop(x, [][2]int{{0, 0}, {4, 0}, {0, 0}})
	for _, mk := range []func(stateful bool, steps int) layers.Layer{
		func(s bool, _ int) layers.Layer { return &layers.LSTM{Units: 3, Stateful: s} },
		func(s bool, _ int) layers.Layer { return &layers.GRU{Units: 3, Stateful: s} },
		func(s bool, _ int) layers.Layer {
			return &layers.SimpleRNN{Units: 3, Stateful: s, ReturnSequences: true}
		},
	} {
		whole, half := mk(false, 8), mk(true, 4)
		if _, err := whole.Build([]int{8, 2}, rand.New(rand.NewPCG(1, 1))); err != nil {
			t.Fatal(err)
		}
		if _, err := half.Build([]int{4, 2}, rand.New(rand.NewPCG(1, 1))); err != nil {
			t.Fatal(err)
		}
		want := whole.Call(x, false)
		a := half.Call(first, false)
		b := half.Call(second, false)
		name := half.ClassName()
		if seq := len(b.Shape()) == 3; seq {
			// The second half's outputs are the whole sequence's last four.
			w := tensor.Crop(want, [][2]int{{0, 0}, {4, 0}, {0, 0}})
			if err := tt.AllClose(b.Data(), w.Data(), 1e-6, 1e-6); err != nil {
				t.Errorf("%s: second half: %v", name, err)
			}
		} else if err := tt.AllClose(b.Data(), want.Data(), 1e-6, 1e-6); err != nil {
			t.Errorf("%s: second half's last state: %v", name, err)
		}
		half.(interface{ ResetStates() }).ResetStates()
		if err := tt.AllClose(half.Call(first, false).Data(), a.Data(), 0, 0); err != nil {
			t.Errorf("%s: after ResetStates: %v", name, err)
		}
		var err error
		func() {
			defer tensor.RecoverShapeError(&err)
			half.Call(tensor.Crop(first, [][2]int{{0, 1}, {0, 0}, {0, 0}}), false)
		}()
		if err == nil || !strings.Contains(err.Error(), "stateful: a batch of 2 sequences, but the states are for batches of 3") {
			t.Errorf("%s: another batch size: %v", name, err)
		}
		c, err2 := layers.MarshalLayer(half, "r")
		if err2 != nil || !strings.Contains(string(c), `"stateful":true`) {
			t.Errorf("%s: config %s: %v", name, c, err2)
		}
		if back, _, err := layers.UnmarshalLayer(c); err != nil {
			t.Errorf("%s: %v", name, err)
		} else if b2, _ := layers.MarshalLayer(back, "r"); string(b2) != string(c) {
			t.Errorf("round trip %s, want %s", b2, c)
		}
	}
}

// TestStatefulTrainingStep checks that a stateful layer trains (the
// gradient flows within a batch, not into the stored states) and that a
// step allocates nothing.
func TestStatefulTrainingStep(t *testing.T) {
	l := &layers.LSTM{Units: 3, Stateful: true}
	if _, err := l.Build([]int{5, 2}, rand.New(rand.NewPCG(1, 1))); err != nil {
		t.Fatal(err)
	}
	arena := tensor.NewArena()
	x := tt.Rand(2, -1, 1, 4, 5, 2).RequireGrad().InArena(arena)
	step := func() {
		tensor.Backward(l.Call(x, true).Sum())
		arena.Reset()
	}
	step()
	if n := testing.AllocsPerRun(10, step); n != 0 {
		t.Errorf("a stateful step allocates %v times, want 0", n)
	}
	// The gradient of the input, from the states a warm-up batch left
	// (not of the weights: the stored states depend on them, but no
	// gradient flows into them, as in Keras).
	warm := tt.Rand(8, -1, 1, 4, 5, 2)
	tt.GradCheck(t, func(xs ...*tensor.Tensor) *tensor.Tensor {
		l.ResetStates()
		l.Call(warm, false)
		return l.Call(xs[0], true)
	}, []*tensor.Tensor{tt.Rand(7, -1, 1, 4, 5, 2)}, tt.GradCheckOptions{})
}
