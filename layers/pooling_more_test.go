package layers_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/tensor"
	tt "github.com/neuron-go/neuron/tensor/tensortest"
)

// poolingLayer makes the layer of a case of a reference file from its
// Keras class name and config.
func poolingLayer(t *testing.T, class string, config map[string]any) layers.Layer {
	t.Helper()
	config["name"] = "p"
	b, err := json.Marshal(map[string]any{"class_name": class, "config": config})
	if err != nil {
		t.Fatal(err)
	}
	l, _, err := layers.UnmarshalLayer(b)
	if err != nil {
		t.Fatalf("%s %v: %v", class, config, err)
	}
	return l
}

func f32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// TestPoolingReference checks the pooling layers' outputs and input
// gradients against torch autograd over windows placed by TensorFlow's
// padding rule (testdata/gen/pooling_ref.py).
func TestPoolingReference(t *testing.T) { checkLayerReference(t, "testdata/pooling_ref.json") }

// checkLayerReference runs the cases of a reference file written by one of
// the testdata/gen scripts: each builds a layer from its Keras config, runs
// it in training mode on x and compares y and the gradient of sum(w·y)
// with respect to x.
func checkLayerReference(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Cases []struct {
			Name, Layer string
			Config      map[string]any
			Shape       []int
			YShape      []int `json:"y_shape"`
			X, W, Y, DX []float64
		}
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.Cases) == 0 {
		t.Fatal("no cases")
	}
	for _, c := range ref.Cases {
		t.Run(c.Name, func(t *testing.T) {
			l := poolingLayer(t, c.Layer, c.Config)
			out, err := l.Build(c.Shape[1:], nil)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(out) != fmt.Sprint(c.YShape[1:]) {
				t.Fatalf("Build: output shape %v, want %v", out, c.YShape[1:])
			}
			x := tensor.New(c.Shape, f32(c.X)).RequireGrad()
			y := l.Call(x, true)
			if fmt.Sprint(y.Shape()) != fmt.Sprint(c.YShape) {
				t.Fatalf("Call: shape %v, want %v", y.Shape(), c.YShape)
			}
			if err := tt.AllClose(y.Data(), f32(c.Y), 1e-6, 1e-5); err != nil {
				t.Errorf("output: %v", err)
			}
			tensor.Backward(y.Mul(tensor.New(c.YShape, f32(c.W))).Sum())
			if err := tt.AllClose(x.Grad().Data(), f32(c.DX), 1e-6, 1e-5); err != nil {
				t.Errorf("input gradient: %v", err)
			}
		})
	}
}

func TestPoolingGradCheck(t *testing.T) {
	for _, c := range []struct {
		l     layers.Layer
		shape []int
	}{
		{&layers.AveragePooling2D{PoolSize: [2]int{3, 2}, Strides: [2]int{2, 1}, Padding: "same"}, []int{2, 5, 4, 2}},
		{&layers.AveragePooling2D{PoolSize: [2]int{2, 2}, Strides: [2]int{1, 1}}, []int{1, 4, 4, 3}},
		{&layers.AveragePooling1D{PoolSize: 3, Strides: 1, Padding: "same"}, []int{2, 6, 2}},
		{&layers.MaxPooling1D{Padding: "same"}, []int{2, 5, 3}},
		{&layers.GlobalAveragePooling2D{}, []int{2, 3, 4, 2}},
		{&layers.GlobalMaxPooling2D{KeepDims: true}, []int{2, 3, 4, 2}},
		{&layers.GlobalAveragePooling1D{KeepDims: true}, []int{2, 5, 3}},
		{&layers.GlobalMaxPooling1D{}, []int{2, 5, 3}},
	} {
		t.Run(c.l.ClassName(), func(t *testing.T) {
			if _, err := c.l.Build(c.shape[1:], nil); err != nil {
				t.Fatal(err)
			}
			x := tt.Rand(3, -1, 1, c.shape...)
			tt.GradCheck(t, func(xs ...*tensor.Tensor) *tensor.Tensor { return c.l.Call(xs[0], true) }, []*tensor.Tensor{x}, tt.GradCheckOptions{})
		})
	}
}

func TestPoolingBuildErrors(t *testing.T) {
	for _, c := range []struct {
		l    layers.Layer
		in   []int
		want string
	}{
		{&layers.AveragePooling2D{}, []int{4, 4, 1}, "layers: AveragePooling2D: PoolSize is required"},
		{&layers.AveragePooling2D{PoolSize: [2]int{2, -1}}, []int{4, 4, 1}, "PoolSize must be positive, got [2 -1]"},
		{&layers.AveragePooling2D{PoolSize: [2]int{5, 5}}, []int{4, 4, 1}, `the 5x5 pool does not fit the 4x4 input with "valid" padding`},
		{&layers.AveragePooling1D{}, []int{4, 1}, "layers: AveragePooling1D: PoolSize is required"},
		{&layers.MaxPooling1D{PoolSize: -2}, []int{4, 1}, "layers: MaxPooling1D: PoolSize must be positive, got -2"},
		{&layers.MaxPooling1D{Strides: -1}, []int{4, 1}, "layers: MaxPooling1D: Strides must be positive, got -1"},
		{&layers.MaxPooling1D{Padding: "causal"}, []int{4, 1}, `Padding must be "valid" or "same", got "causal"`},
		{&layers.MaxPooling1D{PoolSize: 5}, []int{4, 1}, `layers: MaxPooling1D: the pool of 5 steps does not fit the 4-step input with "valid" padding`},
		{&layers.MaxPooling1D{}, []int{4, 4, 1}, "want examples of rank 2 (steps, features), got shape [4 4 1]"},
		{&layers.GlobalAveragePooling2D{}, []int{4, 4}, "layers: GlobalAveragePooling2D: want examples of rank 3 (height, width, channels), got shape [4 4]"},
		{&layers.GlobalMaxPooling1D{}, []int{4}, "layers: GlobalMaxPooling1D: want examples of rank 2 (steps, features), got shape [4]"},
		{&layers.GlobalMaxPooling2D{}, []int{0, 4, 1}, "GlobalMaxPooling2D"},
	} {
		_, err := c.l.Build(c.in, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%T%+v on %v: error %v, want it to contain %q", c.l, c.l, c.in, err, c.want)
		}
	}
}

// TestPoolingKerasConfigs checks the keys Keras 3 writes for the pooling
// layers (BasePooling.get_config, BaseGlobalPooling.get_config) and that
// each config loads back to the same layer.
func TestPoolingKerasConfigs(t *testing.T) {
	for _, c := range []struct {
		l    layers.Layer
		want string
	}{
		{&layers.AveragePooling2D{PoolSize: [2]int{3, 3}}, `"pool_size":[3,3],"strides":[3,3],"padding":"valid","data_format":"channels_last"}`},
		{&layers.MaxPooling1D{}, `"pool_size":[2],"strides":[2],"padding":"valid","data_format":"channels_last"}`},
		{&layers.AveragePooling1D{PoolSize: 4, Strides: 1, Padding: "SAME"}, `"pool_size":[4],"strides":[1],"padding":"same","data_format":"channels_last"}`},
		{&layers.GlobalAveragePooling2D{}, `"data_format":"channels_last","keepdims":false}`},
		{&layers.GlobalMaxPooling2D{KeepDims: true}, `"data_format":"channels_last","keepdims":true}`},
		{&layers.GlobalAveragePooling1D{}, `"keepdims":false}`},
		{&layers.GlobalMaxPooling1D{}, `"keepdims":false}`},
	} {
		b, err := layers.MarshalLayer(c.l, "p")
		if err != nil {
			t.Fatalf("%T: %v", c.l, err)
		}
		if !strings.Contains(string(b), `"class_name":"`+c.l.ClassName()+`"`) || !strings.HasSuffix(string(b), c.want+"}") {
			t.Errorf("%T: %s\nwant it to end with %s}", c.l, b, c.want)
		}
		back, _, err := layers.UnmarshalLayer(b)
		if err != nil {
			t.Fatalf("%T: %v", c.l, err)
		}
		b2, _ := layers.MarshalLayer(back, "p")
		if string(b2) != string(b) {
			t.Errorf("%T: round trip %s, want %s", c.l, b2, b)
		}
	}
	for _, c := range []struct{ in, want string }{
		{`{"class_name":"AveragePooling2D","config":{"name":"a","strides":[1,1]}}`, "pool_size must be positive"},
		{`{"class_name":"AveragePooling1D","config":{"name":"a","pool_size":[0]}}`, "pool_size must be positive"},
		{`{"class_name":"MaxPooling1D","config":{"name":"a","pool_size":[2,2]}}`, "pool_size"},
		{`{"class_name":"MaxPooling1D","config":{"name":"a","data_format":"channels_first"}}`, `data_format: only "channels_last" is supported`},
		{`{"class_name":"GlobalAveragePooling2D","config":{"name":"a","keepdims":1}}`, "keepdims"},
	} {
		_, _, err := layers.UnmarshalLayer([]byte(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.in, err, c.want)
		}
	}
}

// TestPoolingAllocations checks that a steady-state forward and backward
// pass of each pooling layer allocates nothing once its arena is warm.
func TestPoolingAllocations(t *testing.T) {
	for _, c := range []struct {
		l     layers.Layer
		shape []int
	}{
		{&layers.AveragePooling2D{PoolSize: [2]int{2, 2}, Padding: "same"}, []int{8, 7, 7, 16}},
		{&layers.AveragePooling1D{PoolSize: 2}, []int{8, 20, 4}},
		{&layers.MaxPooling1D{}, []int{8, 20, 4}},
		{&layers.GlobalAveragePooling2D{}, []int{8, 7, 7, 16}},
		{&layers.GlobalMaxPooling2D{}, []int{8, 7, 7, 16}},
		{&layers.GlobalAveragePooling1D{}, []int{8, 20, 4}},
		{&layers.GlobalMaxPooling1D{KeepDims: true}, []int{8, 20, 4}},
	} {
		if _, err := c.l.Build(c.shape[1:], nil); err != nil {
			t.Fatal(err)
		}
		arena := tensor.NewArena()
		x := tt.Rand(1, -1, 1, c.shape...).RequireGrad().InArena(arena)
		step := func() {
			tensor.Backward(c.l.Call(x, true).Sum())
			arena.Reset()
		}
		step()
		if n := testing.AllocsPerRun(10, step); n != 0 {
			t.Errorf("%s: a step allocates %v times, want 0", c.l.ClassName(), n)
		}
	}
}
