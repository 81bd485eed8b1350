package layers_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/tensor"
	tt "github.com/neuron-go/neuron/tensor/tensortest"
)

// mergeCase is one entry of testdata/merge_ref.json, written by
// testdata/gen/merge_ref.py from Keras 3's merge formulas in PyTorch.
type mergeCase struct {
	Layer       string          `json:"layer"`
	Args        json.RawMessage `json:"args"`
	Shapes      [][]int         `json:"shapes"`
	Inputs      [][]float32     `json:"inputs"`
	OutputShape []int           `json:"output_shape"`
	Output      []float64       `json:"output"`
	W           []float32       `json:"w"`
	Grads       [][]float64     `json:"grads"`
}

// newMerge makes the layer of a fixture case from its Keras arguments.
func newMerge(t testing.TB, name string, args json.RawMessage) layers.MultiLayer {
	t.Helper()
	var a struct {
		Axis      *int            `json:"axis"`
		Axes      json.RawMessage `json:"axes"`
		Normalize bool            `json:"normalize"`
	}
	if err := json.Unmarshal(args, &a); err != nil {
		t.Fatal(err)
	}
	switch name {
	case "Add":
		return &layers.Add{}
	case "Subtract":
		return &layers.Subtract{}
	case "Multiply":
		return &layers.Multiply{}
	case "Average":
		return &layers.Average{}
	case "Maximum":
		return &layers.Maximum{}
	case "Minimum":
		return &layers.Minimum{}
	case "Concatenate":
		l := &layers.Concatenate{}
		if a.Axis != nil {
			l.Axis = *a.Axis
		}
		return l
	case "Dot":
		var one int
		var axes []int
		if err := json.Unmarshal(a.Axes, &one); err == nil {
			axes = []int{one}
		} else if err := json.Unmarshal(a.Axes, &axes); err != nil {
			t.Fatal(err)
		}
		return &layers.Dot{Axes: axes, Normalize: a.Normalize}
	}
	t.Fatalf("unknown layer %s", name)
	return nil
}

func loadMergeCases(t testing.TB) (batch int, cases []mergeCase) {
	t.Helper()
	b, err := os.ReadFile("testdata/merge_ref.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Batch int         `json:"batch"`
		Cases []mergeCase `json:"cases"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) < 20 {
		t.Fatalf("the fixture has %d cases", len(f.Cases))
	}
	return f.Batch, f.Cases
}

func f64to32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

func callMerge(l layers.MultiLayer, xs []*tensor.Tensor) *tensor.Tensor {
	outs := make([]*tensor.Tensor, 1)
	l.CallMulti(xs, true, outs)
	return outs[0]
}

// TestMergeReference checks every merge layer's output shape, values and
// input gradients against PyTorch computing Keras's formulas, and its
// gradients against central differences.
func TestMergeReference(t *testing.T) {
	batch, cases := loadMergeCases(t)
	for i, c := range cases {
		t.Run(fmt.Sprintf("%d_%s%s_%v", i, c.Layer, c.Args, c.Shapes), func(t *testing.T) {
			l := newMerge(t, c.Layer, c.Args)
			out, err := l.BuildMulti(c.Shapes, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(out) != 1 || !slices.Equal(out[0], c.OutputShape) {
				t.Fatalf("BuildMulti gives %v, want [%v]", out, c.OutputShape)
			}
			plan, ws, err := l.(layers.MultiPlanner).PlanMulti(c.Shapes)
			if err != nil || !reflect.DeepEqual(plan, out) || ws != nil {
				t.Errorf("PlanMulti gives %v, %v, %v; want BuildMulti's shapes and no weights", plan, ws, err)
			}
			xs := make([]*tensor.Tensor, len(c.Inputs))
			for j, d := range c.Inputs {
				xs[j] = tensor.FromSlice(slices.Clone(d), append([]int{batch}, c.Shapes[j]...)...).RequireGrad()
			}
			y := callMerge(l, xs)
			if want := append([]int{batch}, c.OutputShape...); !slices.Equal(y.Shape(), want) {
				t.Fatalf("CallMulti gives shape %v, want %v", y.Shape(), want)
			}
			if err := tt.AllClose(y.Data(), f64to32(c.Output), 1e-5, 1e-5); err != nil {
				t.Errorf("output: %v", err)
			}
			tensor.Backward(y.Mul(tensor.FromSlice(c.W, y.Shape()...)).Sum())
			for j, x := range xs {
				if err := tt.AllClose(x.Grad().Data(), f64to32(c.Grads[j]), 1e-5, 1e-5); err != nil {
					t.Errorf("gradient of input %d: %v", j, err)
				}
			}
			for _, x := range xs {
				x.ZeroGrad()
			}
			tt.GradCheck(t, func(xs ...*tensor.Tensor) *tensor.Tensor { return callMerge(l, xs) }, xs, tt.GradCheckOptions{})
		})
	}
}

// TestMergeTies checks TensorFlow's rule at ties, by hand: the whole
// gradient goes to the first of the tied inputs, also through Keras's
// fold over three inputs.
func TestMergeTies(t *testing.T) {
	for _, tc := range []struct {
		l    layers.MultiLayer
		want []float32 // the output
		gs   [][]float32
	}{
		// x0 = [1 2 3], x1 = [1 5 3], x2 = [1 2 4].
		{&layers.Maximum{}, []float32{1, 5, 4}, [][]float32{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}},
		{&layers.Minimum{}, []float32{1, 2, 3}, [][]float32{{1, 1, 1}, {0, 0, 0}, {0, 0, 0}}},
	} {
		t.Run(tc.l.ClassName(), func(t *testing.T) {
			xs := []*tensor.Tensor{
				tensor.FromSlice([]float32{1, 2, 3}, 1, 3).RequireGrad(),
				tensor.FromSlice([]float32{1, 5, 3}, 1, 3).RequireGrad(),
				tensor.FromSlice([]float32{1, 2, 4}, 1, 3).RequireGrad(),
			}
			y := callMerge(tc.l, xs)
			if err := tt.AllClose(y.Data(), tc.want, 0, 0); err != nil {
				t.Errorf("output: %v", err)
			}
			tensor.Backward(y.Sum())
			for j, x := range xs {
				var got []float32
				if g := x.Grad(); g != nil {
					got = g.Data()
				} else {
					got = make([]float32, 3)
				}
				if err := tt.AllClose(got, tc.gs[j], 0, 0); err != nil {
					t.Errorf("gradient of input %d: %v", j, err)
				}
			}
		})
	}
}

// TestMergeHandValues checks a few results computed by hand.
func TestMergeHandValues(t *testing.T) {
	a := tensor.FromSlice([]float32{1, 2, 3, 4}, 2, 2)
	b := tensor.FromSlice([]float32{10, 20, 30, 40}, 2, 2)
	for _, tc := range []struct {
		l    layers.MultiLayer
		xs   []*tensor.Tensor
		want []float32
	}{
		{&layers.Add{}, []*tensor.Tensor{a, b, a}, []float32{12, 24, 36, 48}},
		{&layers.Subtract{}, []*tensor.Tensor{b, a}, []float32{9, 18, 27, 36}},
		{&layers.Multiply{}, []*tensor.Tensor{a, b}, []float32{10, 40, 90, 160}},
		{&layers.Average{}, []*tensor.Tensor{a, b}, []float32{5.5, 11, 16.5, 22}},
		{&layers.Concatenate{}, []*tensor.Tensor{a, b}, []float32{1, 2, 10, 20, 3, 4, 30, 40}},
		{&layers.Dot{Axes: []int{1}}, []*tensor.Tensor{a, b}, []float32{50, 250}},
		// cos of (1,2),(10,20) and (3,4),(30,40): both 1.
		{&layers.Dot{Axes: []int{-1}, Normalize: true}, []*tensor.Tensor{a, b}, []float32{1, 1}},
	} {
		t.Run(tc.l.ClassName(), func(t *testing.T) {
			if err := tt.AllClose(callMerge(tc.l, tc.xs).Data(), tc.want, 0, 1e-6); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestMergeRejects checks that BuildMulti refuses inputs Keras refuses,
// with an error that names the layer and every shape.
func TestMergeRejects(t *testing.T) {
	for _, tc := range []struct {
		l    layers.MultiLayer
		in   [][]int
		want []string
	}{
		{&layers.Add{}, [][]int{{3, 4}, {3, 4}, {5}}, []string{"Add", "[3 4], [3 4], [5]", "incompatible"}},
		{&layers.Add{}, nil, []string{"Add", "at least 1 input"}},
		{&layers.Multiply{}, [][]int{{2, 3}, {3, 2}}, []string{"Multiply", "[2 3], [3 2]"}},
		{&layers.Maximum{}, [][]int{{4}, {0}}, []string{"Maximum", "positive"}},
		{&layers.Subtract{}, [][]int{{3}, {3}, {3}}, []string{"Subtract", "exactly 2 inputs", "[3], [3], [3]"}},
		{&layers.Subtract{}, [][]int{{3}}, []string{"Subtract", "exactly 2 inputs"}},
		{&layers.Average{}, [][]int{{1, 1, 1, 1, 1, 1, 1, 2}, {2}}, []string{"Average", "at most 8"}},
		{&layers.Concatenate{}, [][]int{{2, 3}, {3, 3}}, []string{"Concatenate", "[2 3], [3 3]", "except on the concatenation axis"}},
		{&layers.Concatenate{}, [][]int{{2, 3}, {3}}, []string{"Concatenate", "one rank", "[2 3], [3]"}},
		{&layers.Concatenate{Axis: 3}, [][]int{{2, 3}, {2, 3}}, []string{"Concatenate", "Axis 3 is out of range", "[2 3], [2 3]"}},
		{&layers.Concatenate{Axis: -3}, [][]int{{2, 3}, {2, 3}}, []string{"Concatenate", "Axis -3", "batch"}},
		{&layers.Dot{Axes: []int{1}}, [][]int{{3}, {4}}, []string{"Dot", "3 (at axis 1) != 4 (at axis 1)", "[3], [4]"}},
		{&layers.Dot{Axes: []int{2}}, [][]int{{3}, {3}}, []string{"Dot", "out of range", "[3], [3]"}},
		{&layers.Dot{Axes: []int{-3}}, [][]int{{3, 2}, {3, 2}}, []string{"Dot", "batch axis"}},
		{&layers.Dot{Axes: []int{1, 2, 3}}, [][]int{{3}, {3}}, []string{"Dot", "one axis or two"}},
		{&layers.Dot{}, [][]int{{3}, {3}}, []string{"Dot", "one axis or two"}},
		{&layers.Dot{Axes: []int{1}}, [][]int{{3}, {3}, {3}}, []string{"Dot", "exactly 2 inputs"}},
	} {
		t.Run(fmt.Sprintf("%s%v", tc.l.ClassName(), tc.in), func(t *testing.T) {
			out, err := tc.l.BuildMulti(tc.in, nil)
			if err == nil {
				t.Fatalf("accepted, output %v", out)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

// TestMergeBuildRefusesOneInput checks that a merge layer used as a
// one-input layer fails at Build, as Keras's merge layers called on a
// tensor rather than a list do.
func TestMergeBuildRefusesOneInput(t *testing.T) {
	for _, l := range []layers.Layer{&layers.Add{}, &layers.Subtract{}, &layers.Multiply{}, &layers.Average{},
		&layers.Maximum{}, &layers.Minimum{}, &layers.Concatenate{}, &layers.Dot{Axes: []int{1}}} {
		if _, err := l.Build([]int{4}, nil); err == nil || !strings.Contains(err.Error(), l.ClassName()) || !strings.Contains(err.Error(), "list of inputs") {
			t.Errorf("%s: Build of one input: %v", l.ClassName(), err)
		}
		if _, _, err := l.(layers.Planner).Plan([]int{4}); err == nil {
			t.Errorf("%s: Plan of one input accepted", l.ClassName())
		}
	}
}

// TestMergeConfig checks the saved form of each merge layer, Keras's keys
// exactly, and that it loads back to the same layer.
func TestMergeConfig(t *testing.T) {
	base := `"name":"m","trainable":true,"dtype":"float32"`
	for _, tc := range []struct {
		l    layers.Layer
		want string
	}{
		{&layers.Add{}, `{"class_name":"Add","config":{` + base + `}}`},
		{&layers.Subtract{}, `{"class_name":"Subtract","config":{` + base + `}}`},
		{&layers.Multiply{}, `{"class_name":"Multiply","config":{` + base + `}}`},
		{&layers.Average{}, `{"class_name":"Average","config":{` + base + `}}`},
		{&layers.Maximum{}, `{"class_name":"Maximum","config":{` + base + `}}`},
		{&layers.Minimum{}, `{"class_name":"Minimum","config":{` + base + `}}`},
		{&layers.Concatenate{}, `{"class_name":"Concatenate","config":{` + base + `,"axis":-1}}`},
		{&layers.Concatenate{Axis: 1}, `{"class_name":"Concatenate","config":{` + base + `,"axis":1}}`},
		{&layers.Dot{Axes: []int{1}}, `{"class_name":"Dot","config":{` + base + `,"axes":1,"normalize":false}}`},
		{&layers.Dot{Axes: []int{1, -2}, Normalize: true}, `{"class_name":"Dot","config":{` + base + `,"axes":[1,-2],"normalize":true}}`},
	} {
		t.Run(tc.want, func(t *testing.T) {
			b, err := layers.MarshalLayer(tc.l, "m")
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tc.want {
				t.Fatalf("saved as\n%s\nwant\n%s", b, tc.want)
			}
			l, name, err := layers.UnmarshalLayer(b)
			if err != nil {
				t.Fatal(err)
			}
			want := tc.l
			if c, ok := want.(*layers.Concatenate); ok && c.Axis == 0 {
				want = &layers.Concatenate{Axis: -1}
			}
			if name != "m" || !reflect.DeepEqual(l, want) {
				t.Errorf("loaded %#v named %q, want %#v", l, name, want)
			}
			if _, ok := l.(layers.MultiLayer); !ok {
				t.Errorf("loaded %T is not a MultiLayer", l)
			}
		})
	}
}

// TestMergeConfigRejects checks the decoders' errors on bad configs.
func TestMergeConfigRejects(t *testing.T) {
	for _, tc := range []struct{ spec, want string }{
		{`{"class_name":"Concatenate","config":{"name":"c","axis":0}}`, "batch axis"},
		{`{"class_name":"Concatenate","config":{"name":"c","axis":"1"}}`, "axis"},
		{`{"class_name":"Add","config":{"name":"a","axis":1}}`, "axis"},
		{`{"class_name":"Dot","config":{"name":"d"}}`, "axes is missing"},
		{`{"class_name":"Dot","config":{"name":"d","axes":[1,2,3]}}`, "two integers"},
		{`{"class_name":"Dot","config":{"name":"d","axes":[0,1]}}`, "batch axis"},
		{`{"class_name":"Dot","config":{"name":"d","axes":"x"}}`, "axes"},
		{`{"class_name":"Dot","config":{"name":"d","axes":1,"normalize":1}}`, "normalize"},
	} {
		if l, _, err := layers.UnmarshalLayer([]byte(tc.spec)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, %v; want an error with %q", tc.spec, l, err, tc.want)
		}
	}
	// Concatenate without axis is Keras's default, -1.
	l, _, err := layers.UnmarshalLayer([]byte(`{"class_name":"Concatenate","config":{"name":"c"}}`))
	if err != nil || l.(*layers.Concatenate).Axis != -1 {
		t.Errorf("Concatenate without axis: %#v, %v", l, err)
	}
	// Two loaded layers are two layers, not one shared.
	a1, _, _ := layers.UnmarshalLayer([]byte(`{"class_name":"Add","config":{"name":"a"}}`))
	a2, _, _ := layers.UnmarshalLayer([]byte(`{"class_name":"Add","config":{"name":"b"}}`))
	if a1 == a2 {
		t.Error("two decoded Add layers are the same pointer")
	}
}

// mergeSavable are merge layers for the layer fuzz target's corpus.
func mergeSavable() []layers.Layer {
	return []layers.Layer{&layers.Add{}, &layers.Subtract{}, &layers.Multiply{}, &layers.Average{},
		&layers.Maximum{}, &layers.Minimum{}, &layers.Concatenate{Axis: 2},
		&layers.Dot{Axes: []int{1}}, &layers.Dot{Axes: []int{-1, 2}, Normalize: true}}
}

// TestMergeStepDoesNotAllocate runs each merge layer forward and backward
// in an arena, as a training step does, and checks that steady-state steps
// make no heap allocation.
func TestMergeStepDoesNotAllocate(t *testing.T) {
	for _, tc := range []struct {
		l      layers.MultiLayer
		shapes [][]int
	}{
		{&layers.Add{}, [][]int{{4, 3}, {4, 3}, {4, 3}}},
		{&layers.Add{}, [][]int{{4, 3}, {3}}},
		{&layers.Subtract{}, [][]int{{6}, {6}}},
		{&layers.Multiply{}, [][]int{{4, 3}, {4, 3}}},
		{&layers.Average{}, [][]int{{5}, {5}, {5}}},
		{&layers.Maximum{}, [][]int{{4, 3}, {4, 3}, {4, 3}}},
		{&layers.Minimum{}, [][]int{{4, 3}, {4, 3}}},
		{&layers.Concatenate{}, [][]int{{2, 3}, {2, 1}, {2, 2}, {2, 4}, {2, 2}}},
		{&layers.Concatenate{Axis: 1}, [][]int{{2, 3}, {1, 3}}},
		{&layers.Dot{Axes: []int{1}}, [][]int{{8}, {8}}},
		{&layers.Dot{Axes: []int{2, 1}, Normalize: true}, [][]int{{3, 4, 2}, {4, 5}}},
	} {
		t.Run(fmt.Sprintf("%s%v", tc.l.ClassName(), tc.shapes), func(t *testing.T) {
			if _, err := tc.l.BuildMulti(tc.shapes, nil); err != nil {
				t.Fatal(err)
			}
			arena := tensor.NewArena()
			// Weights on the heap, scaled by the inputs (bound to the
			// arena), so that the layer's inputs need gradients as in a
			// model.
			ws := make([]*tensor.Tensor, len(tc.shapes))
			bs := make([]*tensor.Tensor, len(tc.shapes))
			xs := make([]*tensor.Tensor, len(tc.shapes))
			for i, s := range tc.shapes {
				shape := append([]int{4}, s...)
				ws[i] = tt.Rand(uint64(i+1), -1, 1, shape...).RequireGrad()
				bs[i] = tt.Rand(uint64(i+20), -1, 1, shape...).InArena(arena)
			}
			outs := make([]*tensor.Tensor, 1)
			step := func() {
				for i := range xs {
					xs[i] = bs[i].Mul(ws[i])
				}
				tc.l.CallMulti(xs, true, outs)
				tensor.Backward(outs[0].Sum())
				for _, w := range ws {
					w.ZeroGrad()
				}
				arena.Reset()
			}
			step()
			if n := testing.AllocsPerRun(20, step); n != 0 {
				t.Errorf("a step allocates %v times, want 0", n)
			}
		})
	}
}

// TestMergeNaN checks that a NaN input gives NaN, not a hidden value.
func TestMergeNaN(t *testing.T) {
	nan := float32(math.NaN())
	x := tensor.FromSlice([]float32{nan, 1}, 1, 2)
	y := tensor.FromSlice([]float32{0, 2}, 1, 2)
	for _, l := range []layers.MultiLayer{&layers.Maximum{}, &layers.Minimum{}, &layers.Add{}} {
		if v := callMerge(l, []*tensor.Tensor{x, y}).Data()[0]; !math.IsNaN(float64(v)) {
			t.Errorf("%s of NaN and 0 gives %v", l.ClassName(), v)
		}
	}
}

// TestMergeCallPanicsWithShapeError checks that CallMulti on inputs that
// BuildMulti would refuse panics with a *tensor.ShapeError, as the
// MultiLayer contract says, which a caller can recover as an error.
func TestMergeCallPanicsWithShapeError(t *testing.T) {
	x3, x4 := tensor.Zeros(2, 3), tensor.Zeros(2, 4)
	for _, tc := range []struct {
		l  layers.MultiLayer
		xs []*tensor.Tensor
	}{
		{&layers.Add{}, nil},
		{&layers.Add{}, []*tensor.Tensor{x3, x4}},
		{&layers.Maximum{}, []*tensor.Tensor{x3, x4}},
		{&layers.Subtract{}, []*tensor.Tensor{x3}},
		{&layers.Concatenate{Axis: 1}, []*tensor.Tensor{x3, tensor.Zeros(3, 3)}},
		{&layers.Dot{Axes: []int{1}}, []*tensor.Tensor{x3, x4}},
		{&layers.Dot{Axes: []int{1}}, []*tensor.Tensor{x3}},
	} {
		var err error
		func() {
			defer tensor.RecoverShapeError(&err)
			callMerge(tc.l, tc.xs)
		}()
		if err == nil {
			t.Errorf("%s on %d inputs: no error", tc.l.ClassName(), len(tc.xs))
		}
	}
}
