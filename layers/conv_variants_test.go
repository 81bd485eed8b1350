package layers_test

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/tensor"
	tt "github.com/neuron-go/neuron/tensor/tensortest"
)

// convRefCase is a case of testdata/conv_ref.json (testdata/gen/conv_ref.py):
// a layer's Keras config, its input and weights in Keras's layouts, and
// torch's output and gradients of sum(w·y).
type convRefCase struct {
	Name, Layer string
	Config      map[string]any
	Shape       []int
	YShape      []int `json:"y_shape"`
	X, W, Y, DX []float64
	Weights     []struct {
		Name        string
		Shape       []int
		Value, Grad []float64
	}
}

// TestConvReference checks the convolution layers' outputs and the
// gradients of their input and every weight against torch's conv1d,
// conv2d (dilation, groups) and conv_transpose2d.
func TestConvReference(t *testing.T) {
	b, err := os.ReadFile("testdata/conv_ref.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct{ Cases []convRefCase }
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, c := range ref.Cases {
		if !slices.Contains(convClasses, c.Layer) {
			t.Errorf("%s: unknown class %s", c.Name, c.Layer)
			continue
		}
		seen[c.Layer] = true
		t.Run(c.Name, func(t *testing.T) {
			l := poolingLayer(t, c.Layer, c.Config)
			out, err := l.Build(c.Shape[1:], seededRNG(1))
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(out) != fmt.Sprint(c.YShape[1:]) {
				t.Fatalf("Build: output shape %v, want %v", out, c.YShape[1:])
			}
			ws := l.Weights()
			if len(ws) != len(c.Weights) {
				t.Fatalf("%d weights, want %d", len(ws), len(c.Weights))
			}
			for i, w := range ws {
				if w.Name != c.Weights[i].Name || fmt.Sprint(w.Value.Shape()) != fmt.Sprint(c.Weights[i].Shape) {
					t.Fatalf("weight %d: %s %v, want %s %v", i, w.Name, w.Value.Shape(), c.Weights[i].Name, c.Weights[i].Shape)
				}
				copy(w.Value.Data(), f32(c.Weights[i].Value))
			}
			x := tensor.New(c.Shape, f32(c.X)).RequireGrad()
			y := l.Call(x, true)
			if fmt.Sprint(y.Shape()) != fmt.Sprint(c.YShape) {
				t.Fatalf("Call: shape %v, want %v", y.Shape(), c.YShape)
			}
			if err := tt.AllClose(y.Data(), f32(c.Y), 1e-5, 1e-5); err != nil {
				t.Errorf("output: %v", err)
			}
			tensor.Backward(y.Mul(tensor.New(c.YShape, f32(c.W))).Sum())
			if err := tt.AllClose(x.Grad().Data(), f32(c.DX), 1e-5, 1e-5); err != nil {
				t.Errorf("input gradient: %v", err)
			}
			for i, w := range ws {
				if err := tt.AllClose(w.Value.Grad().Data(), f32(c.Weights[i].Grad), 1e-5, 1e-5); err != nil {
					t.Errorf("%s gradient: %v", w.Name, err)
				}
			}
		})
	}
	for _, class := range convClasses {
		if !seen[class] {
			t.Errorf("no reference case for %s", class)
		}
	}
}

// convClasses are the convolution layers.
var convClasses = []string{"Conv1D", "Conv2D", "DepthwiseConv2D", "SeparableConv2D", "Conv2DTranspose"}

// convGradLayers are convolution layers with their per-example inputs, for
// the gradient and allocation checks.
func convGradLayers() []struct {
	l  layers.Layer
	in []int
} {
	return []struct {
		l  layers.Layer
		in []int
	}{
		{&layers.Conv1D{Filters: 3, KernelSize: 3, Padding: "causal", DilationRate: 2, Activation: activations.Tanh}, []int{9, 2}},
		{&layers.Conv1D{Filters: 4, KernelSize: 2, Strides: 2, Groups: 2, Padding: "same"}, []int{7, 4}},
		{&layers.Conv2D{Filters: 4, KernelSize: [2]int{3, 3}, Groups: 2, Padding: "same", Activation: activations.ReLU}, []int{5, 5, 4}},
		{&layers.Conv2D{Filters: 3, KernelSize: [2]int{2, 3}, DilationRate: [2]int{2, 1}}, []int{6, 5, 2}},
		{&layers.DepthwiseConv2D{KernelSize: [2]int{3, 3}, Padding: "same", Activation: activations.ReLU}, []int{5, 4, 3}},
		{&layers.DepthwiseConv2D{KernelSize: [2]int{2, 3}, DepthMultiplier: 2, Strides: [2]int{2, 1}}, []int{5, 6, 2}},
		{&layers.DepthwiseConv2D{KernelSize: [2]int{2, 2}, DilationRate: [2]int{2, 2}, NoBias: true}, []int{5, 5, 2}},
		{&layers.SeparableConv2D{Filters: 3, KernelSize: [2]int{3, 3}, DepthMultiplier: 2, Padding: "same", Activation: activations.Sigmoid}, []int{5, 4, 2}},
		{&layers.SeparableConv2D{Filters: 2, KernelSize: [2]int{2, 2}, DilationRate: [2]int{2, 1}, Activation: activations.Tanh}, []int{5, 5, 3}},
		{&layers.Conv2DTranspose{Filters: 3, KernelSize: [2]int{3, 3}, Strides: [2]int{2, 2}, Padding: "same", Activation: activations.Sigmoid}, []int{3, 4, 2}},
		{&layers.Conv2DTranspose{Filters: 2, KernelSize: [2]int{3, 2}, Strides: [2]int{2, 3}, OutputPadding: []int{1, 2}}, []int{3, 3, 2}},
		{&layers.Conv2DTranspose{Filters: 2, KernelSize: [2]int{2, 2}, DilationRate: [2]int{2, 2}, NoBias: true}, []int{3, 3, 3}},
	}
}

// TestConvGradCheck checks each convolution layer's gradients of the
// input and of every weight against finite differences.
func TestConvGradCheck(t *testing.T) {
	for i, c := range convGradLayers() {
		t.Run(fmt.Sprint(i, c.l.ClassName()), func(t *testing.T) {
			if _, err := c.l.Build(c.in, seededRNG(2)); err != nil {
				t.Fatal(err)
			}
			x := tt.Rand(5, -1, 1, append([]int{2}, c.in...)...)
			params := []*tensor.Tensor{x}
			for j, w := range c.l.Weights() {
				copy(w.Value.Data(), tt.Rand(uint64(6+j), -1, 1, w.Value.Shape()...).Data())
				params = append(params, w.Value)
			}
			tt.GradCheck(t, func(xs ...*tensor.Tensor) *tensor.Tensor { return c.l.Call(xs[0], true) }, params, tt.GradCheckOptions{})
		})
	}
}

// TestConvAllocations checks that a steady-state forward and backward
// pass of each convolution layer allocates nothing once its arena is warm.
func TestConvAllocations(t *testing.T) {
	for i, c := range convGradLayers() {
		if _, err := c.l.Build(c.in, seededRNG(2)); err != nil {
			t.Fatal(err)
		}
		arena := tensor.NewArena()
		x := tt.Rand(1, -1, 1, append([]int{8}, c.in...)...).RequireGrad().InArena(arena)
		step := func() {
			tensor.Backward(c.l.Call(x, true).Sum())
			arena.Reset()
		}
		step()
		if n := testing.AllocsPerRun(10, step); n != 0 {
			t.Errorf("%d %s: a step allocates %v times, want 0", i, c.l.ClassName(), n)
		}
	}
}

func TestConvWeightShapes(t *testing.T) {
	for _, c := range []struct {
		l      layers.Layer
		in     []int
		out    string
		shapes string
	}{
		{&layers.Conv1D{Filters: 8, KernelSize: 3}, []int{20, 4}, "[18 8]", "kernel[3 4 8] bias[8]"},
		{&layers.Conv1D{Filters: 8, KernelSize: 3, Strides: 2, Padding: "same", NoBias: true}, []int{20, 4}, "[10 8]", "kernel[3 4 8]"},
		{&layers.Conv1D{Filters: 6, KernelSize: 3, DilationRate: 4, Padding: "causal", Groups: 2}, []int{20, 4}, "[20 6]", "kernel[3 2 6] bias[6]"},
		{&layers.Conv1D{Filters: 6, KernelSize: 3, DilationRate: 4}, []int{20, 4}, "[12 6]", "kernel[3 4 6] bias[6]"},
		{&layers.Conv2D{Filters: 8, KernelSize: [2]int{3, 3}, Groups: 4}, []int{10, 10, 8}, "[8 8 8]", "kernel[3 3 2 8] bias[8]"},
		{&layers.Conv2D{Filters: 8, KernelSize: [2]int{3, 3}, DilationRate: [2]int{2, 3}}, []int{10, 10, 1}, "[6 4 8]", "kernel[3 3 1 8] bias[8]"},
		{&layers.Conv2D{Filters: 8, KernelSize: [2]int{3, 3}, DilationRate: [2]int{2, 3}, Padding: "same"}, []int{10, 10, 1}, "[10 10 8]", "kernel[3 3 1 8] bias[8]"},
		{&layers.DepthwiseConv2D{KernelSize: [2]int{3, 3}}, []int{10, 10, 4}, "[8 8 4]", "kernel[3 3 4 1] bias[4]"},
		{&layers.DepthwiseConv2D{KernelSize: [2]int{3, 2}, DepthMultiplier: 3, Strides: [2]int{2, 2}, Padding: "same", NoBias: true}, []int{10, 9, 4}, "[5 5 12]", "kernel[3 2 4 3]"},
		{&layers.SeparableConv2D{Filters: 16, KernelSize: [2]int{3, 3}}, []int{10, 10, 4}, "[8 8 16]", "depthwise_kernel[3 3 4 1] pointwise_kernel[1 1 4 16] bias[16]"},
		{&layers.SeparableConv2D{Filters: 6, KernelSize: [2]int{3, 3}, DepthMultiplier: 2, DilationRate: [2]int{2, 2}, Padding: "same", NoBias: true}, []int{7, 7, 3}, "[7 7 6]", "depthwise_kernel[3 3 3 2] pointwise_kernel[1 1 6 6]"},
		// Keras's output size: (in−1)·s + max(span, s) for "valid", in·s for "same".
		{&layers.Conv2DTranspose{Filters: 8, KernelSize: [2]int{3, 3}}, []int{5, 6, 4}, "[7 8 8]", "kernel[3 3 8 4] bias[8]"},
		{&layers.Conv2DTranspose{Filters: 8, KernelSize: [2]int{3, 3}, Strides: [2]int{2, 2}, Padding: "same"}, []int{5, 6, 4}, "[10 12 8]", "kernel[3 3 8 4] bias[8]"},
		{&layers.Conv2DTranspose{Filters: 2, KernelSize: [2]int{2, 2}, Strides: [2]int{3, 3}}, []int{5, 6, 4}, "[15 18 2]", "kernel[2 2 2 4] bias[2]"},
		{&layers.Conv2DTranspose{Filters: 2, KernelSize: [2]int{3, 3}, Strides: [2]int{3, 2}, OutputPadding: []int{2, 0}}, []int{5, 6, 4}, "[17 13 2]", "kernel[3 3 2 4] bias[2]"},
		{&layers.Conv2DTranspose{Filters: 2, KernelSize: [2]int{3, 4}, Strides: [2]int{2, 2}, Padding: "same", OutputPadding: []int{0, 1}}, []int{5, 6, 4}, "[9 11 2]", "kernel[3 4 2 4] bias[2]"},
		{&layers.Conv2DTranspose{Filters: 2, KernelSize: [2]int{3, 3}, DilationRate: [2]int{2, 3}, NoBias: true}, []int{5, 6, 4}, "[9 12 2]", "kernel[3 3 2 4]"},
	} {
		out, err := c.l.Build(c.in, seededRNG(1))
		if err != nil {
			t.Errorf("%T %+v: %v", c.l, c.l, err)
			continue
		}
		var shapes []string
		for _, w := range c.l.Weights() {
			shapes = append(shapes, fmt.Sprint(w.Name, w.Value.Shape()))
		}
		if fmt.Sprint(out) != c.out || strings.Join(shapes, " ") != c.shapes {
			t.Errorf("%T %+v: output %v, weights %s; want %s, %s", c.l, c.l, out, strings.Join(shapes, " "), c.out, c.shapes)
		}
	}
}

func TestConvBuildErrors(t *testing.T) {
	k3 := [2]int{3, 3}
	for _, c := range []struct {
		l    layers.Layer
		in   []int
		want string
	}{
		{&layers.Conv2D{Filters: 6, KernelSize: k3, Groups: 4}, []int{8, 8, 4}, "layers: Conv2D: Groups 4 must divide the 6 filters"},
		{&layers.Conv2D{Filters: 6, KernelSize: k3, Groups: 3}, []int{8, 8, 4}, "layers: Conv2D: Groups 3 must divide the 4 input channels"},
		{&layers.Conv2D{Filters: 6, KernelSize: k3, Groups: -1}, []int{8, 8, 4}, "layers: Conv2D: Groups must be positive, got -1"},
		{&layers.Conv2D{Filters: 6, KernelSize: k3, DilationRate: [2]int{0, 2}}, []int{8, 8, 4}, "layers: Conv2D: DilationRate must be positive, got [0 2]"},
		{&layers.Conv2D{Filters: 6, KernelSize: k3, DilationRate: [2]int{-1, -1}}, []int{8, 8, 4}, "DilationRate must be positive, got [-1 -1]"},
		{&layers.Conv2D{Filters: 6, KernelSize: k3, DilationRate: [2]int{2, 2}, Strides: [2]int{1, 2}}, []int{8, 8, 4},
			"layers: Conv2D: Strides [1 2] > 1 cannot be combined with DilationRate [2 2] > 1"},
		{&layers.Conv2D{Filters: 6, KernelSize: k3, DilationRate: [2]int{4, 1}}, []int{8, 8, 4},
			`layers: Conv2D: the 3x3 kernel dilated by [4 1] (spanning 9x3) does not fit the 8x8 input with "valid" padding`},
		{&layers.Conv2D{Filters: 6, KernelSize: k3, Padding: "causal"}, []int{8, 8, 4}, `layers: Conv2D: Padding must be "valid" or "same", got "causal"`},
		{&layers.Conv1D{Filters: 6, KernelSize: 3, Groups: 4}, []int{8, 4}, "layers: Conv1D: Groups 4 must divide the 6 filters"},
		{&layers.Conv1D{Filters: 4, KernelSize: 3, Groups: 4}, []int{8, 6}, "layers: Conv1D: Groups 4 must divide the 6 input channels"},
		{&layers.Conv1D{Filters: 4, KernelSize: 3, DilationRate: -2}, []int{8, 6}, "layers: Conv1D: DilationRate must be positive, got -2"},
		{&layers.Conv1D{Filters: 4, KernelSize: 3, DilationRate: 2, Strides: 2}, []int{8, 6}, "layers: Conv1D: Strides 2 > 1 cannot be combined with DilationRate 2 > 1"},
		{&layers.Conv1D{Filters: 4, KernelSize: 5, DilationRate: 2}, []int{8, 6}, `layers: Conv1D: the kernel of 5 steps (spanning 9 with DilationRate 2) does not fit the 8-step input with "valid" padding`},
		{&layers.Conv1D{Filters: 4, KernelSize: 0}, []int{8, 6}, "layers: Conv1D: KernelSize must be positive, got 0"},
		{&layers.Conv1D{Filters: 0, KernelSize: 2}, []int{8, 6}, "layers: Conv1D: Filters must be > 0, got 0"},
		{&layers.Conv1D{Filters: 2, KernelSize: 2, Strides: -1}, []int{8, 6}, "layers: Conv1D: Strides must be positive, got -1"},
		{&layers.Conv1D{Filters: 2, KernelSize: 2, Padding: "full"}, []int{8, 6}, `layers: Conv1D: Padding must be "valid", "same" or "causal", got "full"`},
		{&layers.Conv1D{Filters: 2, KernelSize: 2}, []int{8, 6, 1}, "layers: Conv1D: want examples of rank 2 (steps, channels), got shape [8 6 1]"},
		{&layers.DepthwiseConv2D{KernelSize: k3, DepthMultiplier: -1}, []int{8, 8, 4}, "layers: DepthwiseConv2D: DepthMultiplier must be positive, got -1"},
		{&layers.DepthwiseConv2D{KernelSize: [2]int{0, 3}}, []int{8, 8, 4}, "layers: DepthwiseConv2D: KernelSize must be positive, got [0 3]"},
		{&layers.DepthwiseConv2D{KernelSize: k3, DilationRate: [2]int{2, 2}, Strides: [2]int{2, 2}}, []int{8, 8, 4},
			"layers: DepthwiseConv2D: Strides [2 2] > 1 cannot be combined with DilationRate [2 2] > 1"},
		{&layers.DepthwiseConv2D{KernelSize: k3}, []int{2, 8, 4}, `layers: DepthwiseConv2D: the 3x3 kernel does not fit the 2x8 input with "valid" padding`},
		{&layers.DepthwiseConv2D{KernelSize: k3}, []int{8, 8}, "layers: DepthwiseConv2D: want examples of rank 3"},
		{&layers.SeparableConv2D{KernelSize: k3}, []int{8, 8, 4}, "layers: SeparableConv2D: Filters must be > 0, got 0"},
		{&layers.SeparableConv2D{Filters: 2, KernelSize: k3, DilationRate: [2]int{0, 1}}, []int{8, 8, 4}, "layers: SeparableConv2D: DilationRate must be positive, got [0 1]"},
		{&layers.SeparableConv2D{Filters: 2, KernelSize: k3, DilationRate: [2]int{3, 3}}, []int{6, 8, 4},
			`layers: SeparableConv2D: the 3x3 kernel dilated by [3 3] (spanning 7x7) does not fit the 6x8 input with "valid" padding`},
		{&layers.SeparableConv2D{Filters: 2, KernelSize: k3, Padding: "causal"}, []int{8, 8, 4}, `layers: SeparableConv2D: Padding must be "valid" or "same", got "causal"`},
		{&layers.Conv2DTranspose{Filters: 2, KernelSize: k3, Strides: [2]int{2, 2}, OutputPadding: []int{2, 0}}, []int{4, 4, 2},
			"layers: Conv2DTranspose: OutputPadding [2 0] must be less than Strides [2 2] on each axis (Keras refuses it)"},
		{&layers.Conv2DTranspose{Filters: 2, KernelSize: k3, OutputPadding: []int{1, 0}}, []int{4, 4, 2}, "OutputPadding [1 0] must be less than Strides [1 1]"},
		{&layers.Conv2DTranspose{Filters: 2, KernelSize: k3, Strides: [2]int{2, 2}, OutputPadding: []int{-1, 0}}, []int{4, 4, 2}, "layers: Conv2DTranspose: OutputPadding must be >= 0, got [-1 0]"},
		{&layers.Conv2DTranspose{Filters: 2, KernelSize: k3, Strides: [2]int{2, 2}, OutputPadding: []int{1}}, []int{4, 4, 2}, "OutputPadding must have 2 values (height, width) or be nil, got [1]"},
		{&layers.Conv2DTranspose{Filters: 2, KernelSize: [2]int{2, 2}, Strides: [2]int{2, 2}, Padding: "same", OutputPadding: []int{0, 0}}, []int{4, 4, 2},
			`layers: Conv2DTranspose: OutputPadding [0 0] with "same" padding gives a 6x6 output, which the 2x2 kernel with Strides [2 2] does not map back to the 4x4 input`},
		{&layers.Conv2DTranspose{Filters: 2, KernelSize: k3, DilationRate: [2]int{2, 2}, Strides: [2]int{2, 1}}, []int{4, 4, 2},
			"layers: Conv2DTranspose: Strides [2 1] > 1 cannot be combined with DilationRate [2 2] > 1"},
		{&layers.Conv2DTranspose{Filters: 2, KernelSize: k3, DilationRate: [2]int{-1, 1}}, []int{4, 4, 2}, "layers: Conv2DTranspose: DilationRate must be positive, got [-1 1]"},
		{&layers.Conv2DTranspose{KernelSize: k3}, []int{4, 4, 2}, "layers: Conv2DTranspose: Filters must be > 0, got 0"},
		{&layers.Conv2DTranspose{Filters: 2, KernelSize: k3}, []int{4, 4}, "layers: Conv2DTranspose: want examples of rank 3 (height, width, channels), got shape [4 4]"},
		{&layers.Conv2DTranspose{Filters: 2, KernelSize: k3, Strides: [2]int{1 << 40, 1}}, []int{4, 4, 2}, "would be more than 2147483648 values high or wide"},
		{&layers.Conv2D{Filters: 2, KernelSize: k3, DilationRate: [2]int{1 << 62, 1}, Padding: "same"}, []int{4, 4, 2}, "spans more than 2147483648 positions"},
		{&layers.Conv1D{Filters: 2, KernelSize: 3, DilationRate: 1 << 62, Padding: "causal"}, []int{4, 2}, "spans more than 2147483648 steps"},
	} {
		_, err := c.l.Build(c.in, seededRNG(1))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%T %+v: error %v, want it to contain %q", c.l, c.l, err, c.want)
		}
		// Plan agrees.
		_, _, perr := c.l.(layers.Planner).Plan(c.in)
		if perr == nil || err == nil || perr.Error() != err.Error() {
			t.Errorf("%T: Plan: %v; Build: %v", c.l, perr, err)
		}
	}
}

// TestConvConfigRefused checks that saved configs with out-of-range
// values are refused on load with an error naming the key.
func TestConvConfigRefused(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{"class_name":"Conv2D","config":{"name":"c","filters":4,"kernel_size":[3,3],"groups":0}}`, "groups must be positive, got 0"},
		{`{"class_name":"Conv2D","config":{"name":"c","filters":4,"kernel_size":[3,3],"groups":3}}`, "groups 3 must divide the 4 filters"},
		{`{"class_name":"Conv2D","config":{"name":"c","filters":4,"kernel_size":[3,3],"dilation_rate":[0,1]}}`, "dilation_rate must be positive, got [0 1]"},
		{`{"class_name":"Conv2D","config":{"name":"c","filters":4,"kernel_size":[3,3],"dilation_rate":[2,2],"strides":[2,2]}}`, "strides [2 2] > 1 cannot be combined with dilation_rate [2 2] > 1"},
		{`{"class_name":"Conv2D","config":{"name":"c","filters":4,"kernel_size":[3,3],"padding":"causal"}}`, `padding must be "valid" or "same", got "causal"`},
		{`{"class_name":"Conv2D","config":{"name":"c","filters":4,"kernel_size":[3,3],"dilation_rate":2}}`, "dilation_rate"},
		{`{"class_name":"Conv1D","config":{"name":"c","filters":4,"kernel_size":[3],"padding":"full"}}`, `layers: Conv1D: config: padding must be "valid", "same" or "causal", got "full"`},
		{`{"class_name":"Conv1D","config":{"name":"c","filters":4,"kernel_size":[0]}}`, "kernel_size must be positive, got [0]"},
		{`{"class_name":"Conv1D","config":{"name":"c","filters":4,"kernel_size":[3],"strides":[-1]}}`, "strides must be positive, got [-1]"},
		{`{"class_name":"Conv1D","config":{"name":"c","filters":4,"kernel_size":[3],"dilation_rate":[-3]}}`, "dilation_rate must be positive, got [-3]"},
		{`{"class_name":"Conv1D","config":{"name":"c","filters":4,"kernel_size":[3],"groups":-2}}`, "groups must be positive, got -2"},
		{`{"class_name":"Conv1D","config":{"name":"c","filters":0,"kernel_size":[3]}}`, "filters must be > 0, got 0"},
		{`{"class_name":"Conv1D","config":{"name":"c","filters":4,"kernel_size":[3],"data_format":"channels_first"}}`, "data_format"},
		{`{"class_name":"Conv1D","config":{"name":"c","filters":4,"kernel_size":[3, 3]}}`, "kernel_size"},
		{`{"class_name":"DepthwiseConv2D","config":{"name":"c","kernel_size":[3,3],"depth_multiplier":0}}`, "layers: DepthwiseConv2D: config: depth_multiplier must be positive, got 0"},
		{`{"class_name":"DepthwiseConv2D","config":{"name":"c","kernel_size":[3,3],"dilation_rate":[2,-1]}}`, "dilation_rate must be positive, got [2 -1]"},
		{`{"class_name":"DepthwiseConv2D","config":{"name":"c","kernel_size":[3,3],"depthwise_initializer":{"class_name":"Foo","config":{}}}}`, `depthwise_initializer: unknown initializer class "Foo"`},
		{`{"class_name":"DepthwiseConv2D","config":{"name":"c","kernel_size":[3,3],"groups":1}}`, `unknown key "groups"`},
		{`{"class_name":"SeparableConv2D","config":{"name":"c","filters":0,"kernel_size":[3,3]}}`, "filters must be > 0, got 0"},
		{`{"class_name":"SeparableConv2D","config":{"name":"c","filters":2,"kernel_size":[3,3],"depth_multiplier":-1}}`, "depth_multiplier must be positive, got -1"},
		{`{"class_name":"SeparableConv2D","config":{"name":"c","filters":2,"kernel_size":[3,3],"strides":[2,2],"dilation_rate":[2,2]}}`, "strides [2 2] > 1 cannot be combined"},
		{`{"class_name":"SeparableConv2D","config":{"name":"c","filters":2,"kernel_size":[3,3],"pointwise_regularizer":{"class_name":"L2","config":{"l2":-1}}}}`, "pointwise_regularizer: factors must be >= 0"},
		{`{"class_name":"Conv2DTranspose","config":{"name":"c","filters":2,"kernel_size":[3,3],"output_padding":[1,1]}}`, "output_padding [1 1] must be >= 0 and less than strides [1 1] on each axis"},
		{`{"class_name":"Conv2DTranspose","config":{"name":"c","filters":2,"kernel_size":[3,3],"strides":[2,2],"output_padding":[-1,1]}}`, "output_padding [-1 1] must be >= 0"},
		{`{"class_name":"Conv2DTranspose","config":{"name":"c","filters":2,"kernel_size":[3,3],"output_padding":[0]}}`, "output_padding"},
		{`{"class_name":"Conv2DTranspose","config":{"name":"c","filters":-2,"kernel_size":[3,3]}}`, "filters must be > 0, got -2"},
		{`{"class_name":"Conv2DTranspose","config":{"name":"c","filters":2,"kernel_size":[3,3],"padding":"causal"}}`, `padding must be "valid" or "same", got "causal"`},
		{`{"class_name":"Conv2DTranspose","config":{"name":"c","filters":2,"kernel_size":[3,3],"groups":2}}`, `unknown key "groups"`},
	} {
		_, _, err := layers.UnmarshalLayer([]byte(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.in, err, c.want)
		}
	}
}

// TestConvKerasKeys checks the saved configs against Keras 3's keys and
// values.
func TestConvKerasKeys(t *testing.T) {
	for _, c := range []struct {
		l    layers.Layer
		want string
	}{
		{&layers.Conv1D{Filters: 8, KernelSize: 3, Padding: "causal", DilationRate: 2},
			`"filters":8,"kernel_size":[3],"strides":[1],"padding":"causal","data_format":"channels_last","dilation_rate":[2],"groups":1,"activation":"linear","use_bias":true,` +
				`"kernel_initializer":{"class_name":"GlorotUniform","config":{}},"bias_initializer":{"class_name":"Zeros","config":{}}}}`},
		{&layers.Conv2D{Filters: 8, KernelSize: [2]int{3, 3}, Groups: 2},
			`"filters":8,"kernel_size":[3,3],"strides":[1,1],"padding":"valid","data_format":"channels_last","dilation_rate":[1,1],"groups":2,"activation":"linear"`},
		{&layers.DepthwiseConv2D{KernelSize: [2]int{3, 3}, DepthMultiplier: 2},
			`"depth_multiplier":2,"kernel_size":[3,3],"strides":[1,1],"padding":"valid","data_format":"channels_last","dilation_rate":[1,1],"activation":"linear","use_bias":true,` +
				`"depthwise_initializer":{"class_name":"GlorotUniform","config":{}},"bias_initializer":{"class_name":"Zeros","config":{}}}}`},
		{&layers.SeparableConv2D{Filters: 4, KernelSize: [2]int{3, 3}},
			`"depth_multiplier":1,"filters":4,"kernel_size":[3,3],"strides":[1,1],"padding":"valid","data_format":"channels_last","dilation_rate":[1,1],"activation":"linear","use_bias":true,` +
				`"depthwise_initializer":{"class_name":"GlorotUniform","config":{}},"pointwise_initializer":{"class_name":"GlorotUniform","config":{}},"bias_initializer":{"class_name":"Zeros","config":{}}}}`},
		{&layers.Conv2DTranspose{Filters: 4, KernelSize: [2]int{3, 3}, Strides: [2]int{2, 2}},
			`"filters":4,"kernel_size":[3,3],"strides":[2,2],"padding":"valid","output_padding":null,"data_format":"channels_last","dilation_rate":[1,1],"activation":"linear","use_bias":true,` +
				`"kernel_initializer":{"class_name":"GlorotUniform","config":{}},"bias_initializer":{"class_name":"Zeros","config":{}}}}`},
		{&layers.Conv2DTranspose{Filters: 4, KernelSize: [2]int{3, 3}, Strides: [2]int{2, 2}, OutputPadding: []int{1, 0}}, `"output_padding":[1,0],`},
	} {
		b, err := layers.MarshalLayer(c.l, "x")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), c.want) {
			t.Errorf("%T: %s\nwant it to contain %s", c.l, b, c.want)
		}
	}
}

// TestSeparableReLU checks that a SeparableConv2D with ReLU, whose
// pointwise step runs fused with the activation, gives the values and
// gradients of the linear layer followed by ReLU.
func TestSeparableReLU(t *testing.T) {
	relu := &layers.SeparableConv2D{Filters: 3, KernelSize: [2]int{3, 3}, DepthMultiplier: 2, Padding: "same", Activation: activations.ReLU}
	lin := &layers.SeparableConv2D{Filters: 3, KernelSize: [2]int{3, 3}, DepthMultiplier: 2, Padding: "same"}
	for _, l := range []layers.Layer{relu, lin} {
		if _, err := l.Build([]int{5, 4, 2}, seededRNG(2)); err != nil {
			t.Fatal(err)
		}
	}
	x1 := tt.Rand(5, -1, 1, 2, 5, 4, 2).RequireGrad()
	x2 := tt.Rand(5, -1, 1, 2, 5, 4, 2).RequireGrad()
	y1, y2 := relu.Call(x1, true), lin.Call(x2, true).ReLU()
	if err := tt.AllClose(y1.Data(), y2.Data(), 0, 0); err != nil {
		t.Fatal(err)
	}
	w := tt.Rand(9, -1, 1, y1.Shape()...)
	tensor.Backward(y1.Mul(w).Sum())
	tensor.Backward(y2.Mul(w).Sum())
	if err := tt.AllClose(x1.Grad().Data(), x2.Grad().Data(), 1e-6, 1e-6); err != nil {
		t.Errorf("input gradient: %v", err)
	}
	for i, w1 := range relu.Weights() {
		if err := tt.AllClose(w1.Value.Grad().Data(), lin.Weights()[i].Value.Grad().Data(), 1e-6, 1e-6); err != nil {
			t.Errorf("%s gradient: %v", w1.Name, err)
		}
	}
}

// TestConvLoadsKerasConfigs loads configs as Keras 3 writes them (every
// key, nulls, the initializers' module and registered_name).
func TestConvLoadsKerasConfigs(t *testing.T) {
	ki := `"kernel_initializer":{"module":"keras.initializers","class_name":"GlorotUniform","config":{"seed":null},"registered_name":null},` +
		`"bias_initializer":{"module":"keras.initializers","class_name":"Zeros","config":{},"registered_name":null},` +
		`"kernel_regularizer":null,"bias_regularizer":null,"activity_regularizer":null,"kernel_constraint":null,"bias_constraint":null`
	di := strings.ReplaceAll(ki, `"kernel_`, `"depthwise_`)
	pi := `"pointwise_initializer":{"module":"keras.initializers","class_name":"GlorotUniform","config":{"seed":null},"registered_name":null},` +
		`"pointwise_regularizer":null,"pointwise_constraint":null,`
	head := `"trainable":true,"dtype":"float32",`
	for _, c := range []struct{ in, want string }{
		{`{"class_name":"Conv1D","config":{"name":"conv1d",` + head + `"filters":8,"kernel_size":[3],"strides":[1],"padding":"causal","data_format":"channels_last","dilation_rate":[2],"groups":1,"activation":"relu","use_bias":true,` + ki + `}}`, "Conv1D"},
		{`{"class_name":"Conv2D","config":{"name":"conv2d",` + head + `"filters":8,"kernel_size":[3,3],"strides":[1,1],"padding":"same","data_format":"channels_last","dilation_rate":[2,2],"groups":2,"activation":"linear","use_bias":true,` + ki + `}}`, "Conv2D"},
		{`{"class_name":"DepthwiseConv2D","config":{"name":"depthwise_conv2d",` + head + `"depth_multiplier":2,"kernel_size":[3,3],"strides":[1,1],"padding":"valid","data_format":"channels_last","dilation_rate":[1,1],"activation":"linear","use_bias":true,` + di + `}}`, "DepthwiseConv2D"},
		{`{"class_name":"SeparableConv2D","config":{"name":"separable_conv2d",` + head + `"depth_multiplier":1,"filters":4,"kernel_size":[3,3],"strides":[1,1],"padding":"valid","data_format":"channels_last","dilation_rate":[1,1],"activation":"linear","use_bias":true,` + pi + di + `}}`, "SeparableConv2D"},
		{`{"class_name":"Conv2DTranspose","config":{"name":"conv2d_transpose",` + head + `"filters":8,"kernel_size":[3,3],"strides":[2,2],"padding":"same","output_padding":null,"data_format":"channels_last","dilation_rate":[1,1],"activation":"relu","use_bias":true,` + ki + `}}`, "Conv2DTranspose"},
	} {
		l, _, err := layers.UnmarshalLayer([]byte(c.in))
		if err != nil || l.ClassName() != c.want {
			t.Errorf("%s: %v", c.want, err)
		}
	}
	_, _, err := layers.UnmarshalLayer([]byte(`{"class_name":"Conv1D","config":{"name":"c","filters":8,"kernel_size":[3],"activity_regularizer":{"class_name":"L2","config":{"l2":0.1}}}}`))
	if err == nil || !strings.Contains(err.Error(), "layers: Conv1D: config: activity_regularizer: not supported") {
		t.Errorf("an activity regularizer: %v", err)
	}
}
