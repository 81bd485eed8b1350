package layers_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/tensor"
	tt "github.com/neuron-go/neuron/tensor/tensortest"
)

func TestMaxPooling2DShapes(t *testing.T) {
	for _, c := range []struct {
		layer *layers.MaxPooling2D
		in    []int
		want  []int
	}{
		{&layers.MaxPooling2D{}, []int{26, 26, 32}, []int{13, 13, 32}},
		{&layers.MaxPooling2D{}, []int{11, 11, 64}, []int{5, 5, 64}},
		{&layers.MaxPooling2D{}, []int{3, 3, 64}, []int{1, 1, 64}},
		{&layers.MaxPooling2D{Padding: "same"}, []int{5, 5, 2}, []int{3, 3, 2}},
		{&layers.MaxPooling2D{Padding: "same"}, []int{28, 28, 1}, []int{14, 14, 1}},
		{&layers.MaxPooling2D{PoolSize: [2]int{3, 3}}, []int{9, 10, 1}, []int{3, 3, 1}},                       // strides default to the pool size
		{&layers.MaxPooling2D{Strides: [2]int{1, 1}}, []int{4, 4, 1}, []int{3, 3, 1}},                         // overlapping windows
		{&layers.MaxPooling2D{PoolSize: [2]int{3, 1}, Strides: [2]int{1, 1}}, []int{4, 4, 1}, []int{2, 4, 1}}, // non-square
	} {
		out, err := c.layer.Build(c.in, nil)
		if err != nil {
			t.Errorf("%+v on %v: %v", *c.layer, c.in, err)
			continue
		}
		if fmt.Sprint(out) != fmt.Sprint(c.want) {
			t.Errorf("%+v on %v: output shape %v, want %v", *c.layer, c.in, out, c.want)
		}
		y := c.layer.Call(tensor.Zeros(append([]int{2}, c.in...)...), false)
		if fmt.Sprint(y.Shape()) != fmt.Sprint(append([]int{2}, c.want...)) {
			t.Errorf("%+v: Call output shape %v, want [2 %v]", *c.layer, y.Shape(), c.want)
		}
	}
}

func TestMaxPooling2DBuildErrors(t *testing.T) {
	for _, c := range []struct {
		layer *layers.MaxPooling2D
		in    []int
		want  string
	}{
		{&layers.MaxPooling2D{PoolSize: [2]int{0, 2}}, []int{4, 4, 1}, "layers: MaxPooling2D: PoolSize must be positive, got [0 2]"},
		{&layers.MaxPooling2D{Strides: [2]int{-1, 2}}, []int{4, 4, 1}, "layers: MaxPooling2D: Strides must be positive, got [-1 2]"},
		{&layers.MaxPooling2D{Padding: "full"}, []int{4, 4, 1}, `Padding must be "valid" or "same", got "full"`},
		{&layers.MaxPooling2D{}, []int{4, 4}, "want examples of rank 3 (height, width, channels), got shape [4 4]"},
		{&layers.MaxPooling2D{}, []int{1, 4, 3}, `layers: MaxPooling2D: the 2x2 pool does not fit the 1x4 input with "valid" padding`},
	} {
		_, err := c.layer.Build(c.in, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v on %v: error %v, want it to contain %q", *c.layer, c.in, err, c.want)
		}
	}
}

func TestMaxPooling2DCall(t *testing.T) {
	l := &layers.MaxPooling2D{PoolSize: [2]int{3, 3}, Strides: [2]int{2, 2}, Padding: "same"}
	if _, err := l.Build([]int{7, 6, 3}, nil); err != nil {
		t.Fatal(err)
	}
	x := tt.Rand(1, -1, 1, 2, 7, 6, 3)
	want := tensor.MaxPool2D(x, [2]int{3, 3}, [2]int{2, 2}, "same")
	if err := tt.AllClose(l.Call(x, true).Data(), want.Data(), 0, 0); err != nil {
		t.Error(err)
	}
	if l.Weights() != nil {
		t.Errorf("MaxPooling2D has weights")
	}
}
