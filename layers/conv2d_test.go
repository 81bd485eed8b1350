package layers_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/initializers"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/tensor"
	tt "github.com/neuron-go/neuron/tensor/tensortest"
)

var (
	_ layers.InputShaper = (*layers.Conv2D)(nil)
	_ layers.Regularized = (*layers.Conv2D)(nil)
	_ layers.InputShaper = (*layers.Reshape)(nil)
	_ layers.Seeder      = (*layers.Dropout)(nil)
)

func seededRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0)) }

// paramCount sums the sizes of a layer's weights.
func paramCount(l layers.Layer) int {
	n := 0
	for _, w := range l.Weights() {
		n += w.Value.Size()
	}
	return n
}

// TestCourseCNN builds the convolutional part of the course model on
// Fashion-MNIST images and checks Keras's output shapes and parameter counts
// (model.summary() of the Keras program), then runs a batch through it and
// back.
func TestCourseCNN(t *testing.T) {
	stack := []struct {
		layer  layers.Layer
		shape  []int
		params int
	}{
		{&layers.Conv2D{Filters: 32, KernelSize: [2]int{3, 3}, Activation: activations.ReLU, InputShape: []int{28, 28, 1}}, []int{26, 26, 32}, 320},
		{&layers.MaxPooling2D{PoolSize: [2]int{2, 2}}, []int{13, 13, 32}, 0},
		{&layers.Conv2D{Filters: 64, KernelSize: [2]int{3, 3}, Activation: activations.ReLU}, []int{11, 11, 64}, 18_496},
		{&layers.MaxPooling2D{}, []int{5, 5, 64}, 0},
		{&layers.Conv2D{Filters: 64, KernelSize: [2]int{3, 3}, Activation: activations.ReLU}, []int{3, 3, 64}, 36_928},
		{&layers.MaxPooling2D{}, []int{1, 1, 64}, 0},
		{&layers.Flatten{}, []int{64}, 0},
	}
	rng := seededRNG(1)
	shape := stack[0].layer.(layers.InputShaper).ModelInputShape()
	for i, s := range stack {
		out, err := s.layer.Build(shape, rng)
		if err != nil {
			t.Fatalf("layer %d (%s): %v", i, s.layer.ClassName(), err)
		}
		if fmt.Sprint(out) != fmt.Sprint(s.shape) {
			t.Errorf("layer %d (%s): output shape %v, want %v", i, s.layer.ClassName(), out, s.shape)
		}
		if p := paramCount(s.layer); p != s.params {
			t.Errorf("layer %d (%s): %d parameters, want %d", i, s.layer.ClassName(), p, s.params)
		}
		shape = out
	}
	x := tt.Rand(2, 0, 1, 3, 28, 28, 1)
	for _, s := range stack {
		x = s.layer.Call(x, true)
	}
	if fmt.Sprint(x.Shape()) != "[3 64]" {
		t.Fatalf("output shape %v, want [3 64]", x.Shape())
	}
	tensor.Backward(x.Sum())
	for i, s := range stack {
		for _, w := range s.layer.Weights() {
			if g := w.Value.Grad(); g == nil || g.Size() != w.Value.Size() {
				t.Errorf("layer %d (%s): no gradient for %s", i, s.layer.ClassName(), w.Name)
			}
		}
	}
}

func TestConv2DOutputShapes(t *testing.T) {
	for _, c := range []struct {
		in      []int
		kernel  [2]int
		strides [2]int
		padding string
		filters int
		want    []int
	}{
		{[]int{28, 28, 1}, [2]int{3, 3}, [2]int{}, "", 8, []int{26, 26, 8}},
		{[]int{28, 28, 1}, [2]int{3, 3}, [2]int{1, 1}, "same", 8, []int{28, 28, 8}},
		{[]int{28, 28, 1}, [2]int{3, 3}, [2]int{2, 2}, "same", 4, []int{14, 14, 4}},
		{[]int{28, 28, 1}, [2]int{3, 3}, [2]int{2, 2}, "valid", 4, []int{13, 13, 4}},
		{[]int{5, 5, 3}, [2]int{3, 3}, [2]int{2, 2}, "same", 2, []int{3, 3, 2}},
		{[]int{5, 5, 3}, [2]int{3, 3}, [2]int{2, 2}, "SAME", 2, []int{3, 3, 2}},
		{[]int{7, 5, 2}, [2]int{3, 1}, [2]int{2, 1}, "valid", 2, []int{3, 5, 2}},
		{[]int{3, 3, 2}, [2]int{5, 5}, [2]int{1, 1}, "same", 2, []int{3, 3, 2}},
	} {
		l := &layers.Conv2D{Filters: c.filters, KernelSize: c.kernel, Strides: c.strides, Padding: c.padding}
		out, err := l.Build(c.in, seededRNG(1))
		if err != nil {
			t.Errorf("%+v: %v", c, err)
			continue
		}
		if fmt.Sprint(out) != fmt.Sprint(c.want) {
			t.Errorf("%+v: output shape %v, want %v", c, out, c.want)
		}
		// Call agrees with Build.
		y := l.Call(tensor.Zeros(append([]int{2}, c.in...)...), false)
		if fmt.Sprint(y.Shape()) != fmt.Sprint(append([]int{2}, c.want...)) {
			t.Errorf("%+v: Call output shape %v, want [2 %v]", c, y.Shape(), c.want)
		}
	}
}

func TestConv2DBuildErrors(t *testing.T) {
	k3 := [2]int{3, 3}
	for _, c := range []struct {
		name  string
		layer *layers.Conv2D
		in    []int
		want  string
	}{
		{"no filters", &layers.Conv2D{KernelSize: k3}, []int{28, 28, 1}, "layers: Conv2D: Filters must be > 0, got 0"},
		{"negative filters", &layers.Conv2D{Filters: -2, KernelSize: k3}, []int{28, 28, 1}, "Filters must be > 0, got -2"},
		{"no kernel size", &layers.Conv2D{Filters: 2}, []int{28, 28, 1}, "layers: Conv2D: KernelSize must be positive, got [0 0]"},
		{"half kernel size", &layers.Conv2D{Filters: 2, KernelSize: [2]int{3, 0}}, []int{28, 28, 1}, "KernelSize must be positive, got [3 0]"},
		{"half strides", &layers.Conv2D{Filters: 2, KernelSize: k3, Strides: [2]int{2, 0}}, []int{28, 28, 1}, "layers: Conv2D: Strides must be positive, got [2 0]"},
		{"negative strides", &layers.Conv2D{Filters: 2, KernelSize: k3, Strides: [2]int{-1, -1}}, []int{28, 28, 1}, "Strides must be positive"},
		{"padding", &layers.Conv2D{Filters: 2, KernelSize: k3, Padding: "full"}, []int{28, 28, 1}, `layers: Conv2D: Padding must be "valid" or "same", got "full"`},
		{"rank 2", &layers.Conv2D{Filters: 2, KernelSize: k3}, []int{28, 28}, "layers: Conv2D: want examples of rank 3 (height, width, channels), got shape [28 28] (add Reshape{TargetShape: []int{28, 28, 1}} first"},
		{"rank 1", &layers.Conv2D{Filters: 2, KernelSize: k3}, []int{784}, "got shape [784] (add a Reshape layer first)"},
		{"kernel too big", &layers.Conv2D{Filters: 2, KernelSize: k3}, []int{2, 28, 1}, `layers: Conv2D: the 3x3 kernel does not fit the 2x28 input with "valid" padding`},
	} {
		_, err := c.layer.Build(c.in, seededRNG(1))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.name, err, c.want)
		}
	}
}

// TestConv2DWeights checks the kernel layout, Keras's default initializers
// (Glorot uniform with fans = receptive field × channels, zero bias), NoBias,
// custom initializers and that one seed gives the same weights.
func TestConv2DWeights(t *testing.T) {
	l := &layers.Conv2D{Filters: 16, KernelSize: [2]int{5, 3}}
	if _, err := l.Build([]int{12, 10, 4}, seededRNG(7)); err != nil {
		t.Fatal(err)
	}
	ws := l.Weights()
	if len(ws) != 2 || ws[0].Name != "kernel" || ws[1].Name != "bias" || !ws[0].Trainable || !ws[1].Trainable {
		t.Fatalf("weights %v, want trainable kernel and bias", ws)
	}
	if got := fmt.Sprint(ws[0].Value.Shape(), ws[1].Value.Shape()); got != "[5 3 4 16] [16]" {
		t.Errorf("weight shapes %s, want [5 3 4 16] [16]", got)
	}
	limit := math.Sqrt(6 / float64(5*3*4+5*3*16))
	var maxAbs float64
	for _, v := range ws[0].Value.Data() {
		maxAbs = max(maxAbs, math.Abs(float64(v)))
	}
	if maxAbs > limit || maxAbs < 0.9*limit {
		t.Errorf("largest |kernel| %.4f, want just under the Glorot limit %.4f", maxAbs, limit)
	}
	for _, v := range ws[1].Value.Data() {
		if v != 0 {
			t.Fatalf("bias %v, want zeros", ws[1].Value.Data())
		}
	}

	again := &layers.Conv2D{Filters: 16, KernelSize: [2]int{5, 3}}
	_, _ = again.Build([]int{12, 10, 4}, seededRNG(7))
	if err := tt.AllClose(again.Weights()[0].Value.Data(), ws[0].Value.Data(), 0, 0); err != nil {
		t.Errorf("same seed, different kernel: %v", err)
	}

	nb := &layers.Conv2D{Filters: 2, KernelSize: [2]int{1, 1}, NoBias: true,
		KernelInitializer: initializers.Ones{}, BiasInitializer: initializers.Ones{}}
	_, _ = nb.Build([]int{3, 3, 2}, seededRNG(1))
	if ws := nb.Weights(); len(ws) != 1 || ws[0].Value.Data()[0] != 1 {
		t.Errorf("NoBias with Ones: weights %v, want one kernel of ones", ws)
	}
	if (&layers.Conv2D{}).Weights() != nil {
		t.Errorf("unbuilt layer has weights")
	}
}

// TestConv2DCall checks that the layer is the tensor operation followed by
// the activation, with its strides and padding.
func TestConv2DCall(t *testing.T) {
	l := &layers.Conv2D{Filters: 3, KernelSize: [2]int{3, 2}, Strides: [2]int{2, 1}, Padding: "same",
		Activation: activations.ReLU, BiasInitializer: initializers.Constant{Value: 0.1}}
	if _, err := l.Build([]int{7, 6, 2}, seededRNG(3)); err != nil {
		t.Fatal(err)
	}
	x := tt.Rand(4, -1, 1, 2, 7, 6, 2)
	got := l.Call(x, false)
	ws := l.Weights()
	want := tensor.Conv2D(x, ws[0].Value, ws[1].Value, [2]int{2, 1}, "same").ReLU()
	if err := tt.AllClose(got.Data(), want.Data(), 0, 0); err != nil {
		t.Error(err)
	}
}

func TestConv2DCallWrongShape(t *testing.T) {
	l := &layers.Conv2D{Filters: 2, KernelSize: [2]int{3, 3}}
	if _, err := l.Build([]int{8, 8, 1}, seededRNG(1)); err != nil {
		t.Fatal(err)
	}
	for _, shape := range [][]int{{2, 9, 8, 1}, {2, 8, 8}, {8, 8, 1}} {
		func() {
			defer func() {
				var se *tensor.ShapeError
				if err, ok := recover().(error); !ok || !errors.As(err, &se) {
					t.Errorf("input %v: want a *tensor.ShapeError panic", shape)
				}
			}()
			l.Call(tensor.Zeros(shape...), false)
		}()
	}
}

func TestConv2DRegularization(t *testing.T) {
	l := &layers.Conv2D{Filters: 2, KernelSize: [2]int{2, 2}, BiasInitializer: initializers.Ones{},
		KernelRegularizer: layers.L2(0.01), BiasRegularizer: layers.L1(0.5)}
	if _, err := l.Build([]int{4, 4, 3}, seededRNG(1)); err != nil {
		t.Fatal(err)
	}
	var sq float64
	for _, v := range l.Weights()[0].Value.Data() {
		sq += float64(v) * float64(v)
	}
	want := 0.01*sq + 0.5*2
	if got := float64(l.RegularizationLoss().Item()); math.Abs(got-want) > 1e-6 {
		t.Errorf("RegularizationLoss %v, want %v", got, want)
	}
	if (&layers.Conv2D{Filters: 1, KernelSize: [2]int{1, 1}}).RegularizationLoss() != nil {
		t.Errorf("RegularizationLoss without regularizers is not nil")
	}
}
