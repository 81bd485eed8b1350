package layers_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/tensor"
	tt "github.com/neuron-go/neuron/tensor/tensortest"
)

func TestReshape(t *testing.T) {
	for _, c := range []struct {
		in, target, want []int
	}{
		{[]int{28, 28}, []int{28, 28, 1}, []int{28, 28, 1}},
		{[]int{784}, []int{28, 28, 1}, []int{28, 28, 1}},
		{[]int{28, 28}, []int{-1, 28, 1}, []int{28, 28, 1}},
		{[]int{3, 3, 64}, []int{-1}, []int{576}},
		{[]int{6, 4}, []int{2, -1, 3}, []int{2, 4, 3}},
	} {
		l := &layers.Reshape{TargetShape: c.target}
		out, err := l.Build(c.in, nil)
		if err != nil {
			t.Errorf("%v → %v: %v", c.in, c.target, err)
			continue
		}
		if fmt.Sprint(out) != fmt.Sprint(c.want) {
			t.Errorf("%v → %v: output shape %v, want %v", c.in, c.target, out, c.want)
		}
		x := tt.Rand(1, -1, 1, append([]int{2}, c.in...)...).RequireGrad()
		y := l.Call(x, false)
		if fmt.Sprint(y.Shape()) != fmt.Sprint(append([]int{2}, c.want...)) {
			t.Errorf("%v → %v: Call shape %v", c.in, c.target, y.Shape())
		}
		if err := tt.AllClose(y.Data(), x.Data(), 0, 0); err != nil {
			t.Errorf("%v → %v: values changed: %v", c.in, c.target, err)
		}
		tensor.Backward(y.Sum())
		if g := x.Grad(); g == nil || g.Data()[0] != 1 {
			t.Errorf("%v → %v: gradient does not flow through", c.in, c.target)
		}
	}
	if got := (&layers.Reshape{InputShape: []int{28, 28}}).ModelInputShape(); fmt.Sprint(got) != "[28 28]" {
		t.Errorf("ModelInputShape %v", got)
	}
}

func TestReshapeBuildErrors(t *testing.T) {
	for _, c := range []struct {
		in, target []int
		want       string
	}{
		{[]int{28, 28}, nil, "layers: Reshape: TargetShape is empty"},
		{[]int{28, 28}, []int{27, 27, 1}, "layers: Reshape: cannot reshape examples of shape [28 28] (784 values) to [27 27 1] (729 values)"},
		{[]int{28, 28}, []int{-1, 5}, "784 is not a multiple of 5"},
		{[]int{28, 28}, []int{-1, -1}, "more than one -1"},
		{[]int{28, 28}, []int{0, 784}, "must have positive dimensions"},
		{[]int{28, 28}, []int{-2, 784}, "must have positive dimensions"},
	} {
		_, err := (&layers.Reshape{TargetShape: c.target}).Build(c.in, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v → %v: error %v, want it to contain %q", c.in, c.target, err, c.want)
		}
	}
}
