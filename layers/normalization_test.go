package layers_test

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/initializers"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/tensor"
	tt "github.com/neuron-go/neuron/tensor/tensortest"
)

// TestNormalizationReference checks LayerNormalization,
// GroupNormalization and UnitNormalization (outputs and gradients of
// sum(w·y) for x, gamma and beta) against torch's layer_norm, group_norm
// and normalize (testdata/gen/normalization_ref.py).
func TestNormalizationReference(t *testing.T) {
	b, err := os.ReadFile("testdata/normalization_ref.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Cases []struct {
			Kind, Name               string
			Shape, Axis              []int
			Groups                   int
			X, W, Y, DX, Gamma, Beta []float64
			DGamma                   []float64 `json:"dgamma"`
			DBeta                    []float64 `json:"dbeta"`
		}
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.Cases) < 9 {
		t.Fatalf("%d cases", len(ref.Cases))
	}
	for _, c := range ref.Cases {
		t.Run(c.Kind+"/"+c.Name, func(t *testing.T) {
			var l layers.Layer
			switch c.Kind {
			case "layer":
				l = &layers.LayerNormalization{Axis: c.Axis}
			case "group":
				l = &layers.GroupNormalization{Groups: c.Groups}
			case "unit":
				l = &layers.UnitNormalization{Axis: c.Axis}
			}
			if _, err := l.Build(c.Shape[1:], nil); err != nil {
				t.Fatal(err)
			}
			ws := l.Weights()
			if c.Gamma != nil {
				if len(ws) != 2 || ws[0].Name != "gamma" || ws[1].Name != "beta" || !ws[0].Trainable || !ws[1].Trainable {
					t.Fatalf("weights %v", ws)
				}
				copy(ws[0].Value.Data(), f32(c.Gamma))
				copy(ws[1].Value.Data(), f32(c.Beta))
			} else if len(ws) != 0 {
				t.Fatalf("weights %v", ws)
			}
			x := tensor.New(c.Shape, f32(c.X)).RequireGrad()
			y := l.Call(x, true)
			if err := tt.AllClose(y.Data(), f32(c.Y), 1e-5, 1e-4); err != nil {
				t.Errorf("output: %v", err)
			}
			tensor.Backward(y.Mul(tensor.New(c.Shape, f32(c.W))).Sum())
			if err := tt.AllClose(x.Grad().Data(), f32(c.DX), 1e-4, 1e-3); err != nil {
				t.Errorf("dx: %v", err)
			}
			if c.Gamma != nil {
				if err := tt.AllClose(ws[0].Value.Grad().Data(), f32(c.DGamma), 1e-4, 1e-4); err != nil {
					t.Errorf("dgamma: %v", err)
				}
				if err := tt.AllClose(ws[1].Value.Grad().Data(), f32(c.DBeta), 1e-4, 1e-4); err != nil {
					t.Errorf("dbeta: %v", err)
				}
			}
			// Inference computes the same.
			y2 := l.Call(x.Detach(), false)
			if err := tt.AllClose(y2.Data(), y.Data(), 0, 0); err != nil {
				t.Errorf("inference: %v", err)
			}
		})
	}
}

func TestNormalizationGradCheck(t *testing.T) {
	for _, c := range []struct {
		l  layers.Layer
		in []int
	}{
		{&layers.LayerNormalization{}, []int{3, 5}},
		{&layers.LayerNormalization{Axis: []int{2, 3}, Epsilon: 0.2}, []int{2, 3, 4}},
		{&layers.LayerNormalization{NoScale: true}, []int{6}},
		{&layers.LayerNormalization{NoCenter: true}, []int{6}},
		{&layers.GroupNormalization{Groups: 2}, []int{3, 3, 4}},
		{&layers.GroupNormalization{Groups: -1, NoCenter: true}, []int{5, 3}},
		{&layers.GroupNormalization{Groups: 1, NoScale: true, Epsilon: 0.5}, []int{4, 2}},
		{&layers.UnitNormalization{}, []int{3, 4}},
		{&layers.UnitNormalization{Axis: []int{-2, -1}}, []int{3, 4}},
	} {
		if _, err := c.l.Build(c.in, nil); err != nil {
			t.Fatal(err)
		}
		x := tt.Rand(9, -2, 2, append([]int{2}, c.in...)...)
		params := []*tensor.Tensor{x}
		for _, w := range c.l.Weights() {
			copy(w.Value.Data(), tt.Rand(4, 0.5, 1.5, w.Value.Shape()...).Data())
			params = append(params, w.Value)
		}
		tt.GradCheck(t, func(xs ...*tensor.Tensor) *tensor.Tensor { return c.l.Call(xs[0], true) }, params, tt.GradCheckOptions{})
	}
	// A zero vector: the clamped norm gives the gradient 1/eps·gy, finite.
	l := &layers.UnitNormalization{}
	if _, err := l.Build([]int{3}, nil); err != nil {
		t.Fatal(err)
	}
	x := tensor.Zeros(1, 3).RequireGrad()
	y := l.Call(x, true)
	tensor.Backward(y.Sum())
	for _, g := range x.Grad().Data() {
		if g != 1e12 {
			t.Errorf("gradient at a zero vector %v, want 1e12", x.Grad().Data())
		}
	}
}

func TestNormalizationConfig(t *testing.T) {
	for _, c := range []struct {
		l    layers.Layer
		in   []int
		want string
	}{
		{&layers.LayerNormalization{}, []int{4}, `"axis":-1,"epsilon":0.001,"center":true,"scale":true,"rms_scaling":false,` +
			`"beta_initializer":{"class_name":"Zeros","config":{}},"gamma_initializer":{"class_name":"Ones","config":{}},` +
			`"beta_regularizer":null,"gamma_regularizer":null,"beta_constraint":null,"gamma_constraint":null}}`},
		{&layers.LayerNormalization{Axis: []int{1, 2}, Epsilon: 1e-5, NoCenter: true, GammaRegularizer: layers.L2(0.1),
			GammaInitializer: initializers.Constant{Value: 2}}, []int{3, 4},
			`"axis":[1,2],"epsilon":0.00001,"center":false,"scale":true,"rms_scaling":false,` +
				`"beta_initializer":{"class_name":"Zeros","config":{}},"gamma_initializer":{"class_name":"Constant","config":{"value":2}},` +
				`"beta_regularizer":null,"gamma_regularizer":{"class_name":"L1L2","config":{"l1":0,"l2":0.1}},"beta_constraint":null,"gamma_constraint":null}}`},
		{&layers.GroupNormalization{}, []int{5, 5, 64}, `"groups":32,"axis":-1,"epsilon":0.001,"center":true,"scale":true,` +
			`"beta_initializer":{"class_name":"Zeros","config":{}},"gamma_initializer":{"class_name":"Ones","config":{}},` +
			`"beta_regularizer":null,"gamma_regularizer":null,"beta_constraint":null,"gamma_constraint":null}}`},
		{&layers.GroupNormalization{Groups: -1, NoScale: true}, []int{5, 6}, `"groups":-1,"axis":-1,"epsilon":0.001,"center":true,"scale":false,`},
		{&layers.UnitNormalization{}, []int{4}, `"dtype":"float32","axis":-1}}`},
		{&layers.UnitNormalization{Axis: []int{-2, -1}}, []int{3, 4}, `"dtype":"float32","axis":[-2,-1]}}`},
	} {
		b, err := layers.MarshalLayer(c.l, "n")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), c.want) {
			t.Errorf("%T config %s\nwant it to contain %s", c.l, b, c.want)
		}
		l, _, err := layers.UnmarshalLayer(b)
		if err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if b2, _ := layers.MarshalLayer(l, "n"); string(b2) != string(b) {
			t.Errorf("round trip %s\nwant %s", b2, b)
		}
		// The loaded layer plans and computes as the original.
		out, ws, err := l.(layers.Planner).Plan(c.in)
		if err != nil || !slices.Equal(out, c.in) {
			t.Fatalf("%T: Plan %v %v", l, out, err)
		}
		if _, err := c.l.Build(c.in, rand.New(rand.NewPCG(1, 1))); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Build(c.in, rand.New(rand.NewPCG(1, 1))); err != nil {
			t.Fatal(err)
		}
		if got := l.Weights(); len(got) != len(ws) {
			t.Errorf("%T: Plan %d weights, Build %d", l, len(ws), len(got))
		} else {
			for i := range ws {
				if got[i].Name != ws[i].Name || !slices.Equal(got[i].Value.Shape(), ws[i].Shape) {
					t.Errorf("%T: Plan %v, Build %s %v", l, ws[i], got[i].Name, got[i].Value.Shape())
				}
			}
		}
		x := tt.Rand(3, -1, 1, append([]int{2}, c.in...)...)
		if err := tt.AllClose(l.Call(x, false).Data(), c.l.Call(x, false).Data(), 0, 0); err != nil {
			t.Errorf("%T: loaded layer computes differently: %v", l, err)
		}
	}
	for _, c := range []struct{ class, cfg, want string }{
		{"LayerNormalization", `"axis":0`, "axis: [0] includes the batch axis 0"},
		{"LayerNormalization", `"axis":null`, "axis: null is not allowed"},
		{"LayerNormalization", `"axis":[]`, "axis: want an integer or a non-empty list"},
		{"LayerNormalization", `"axis":"x"`, "axis"},
		{"LayerNormalization", `"epsilon":0`, "epsilon must be positive and finite, got 0"},
		{"LayerNormalization", `"rms_scaling":true`, "rms_scaling"},
		{"LayerNormalization", `"groups":2`, "groups: not a key of LayerNormalization"},
		{"LayerNormalization", `"gamma_constraint":{"class_name":"NonNeg","config":{}}`, "constraints are not supported"},
		{"LayerNormalization", `"beta_initializer":{"class_name":"Nope","config":{}}`, "beta_initializer"},
		{"GroupNormalization", `"groups":0`, "groups must be a positive integer or -1, got 0"},
		{"GroupNormalization", `"groups":-3`, "groups must be a positive integer or -1, got -3"},
		{"GroupNormalization", `"groups":null`, "groups must be a positive integer or -1, got null"},
		{"GroupNormalization", `"axis":1`, "axis: only -1"},
		{"GroupNormalization", `"epsilon":-1`, "epsilon must be positive and finite, got -1"},
		{"GroupNormalization", `"rms_scaling":false`, "rms_scaling: not a key"},
		{"UnitNormalization", `"axis":[0,1]`, "includes the batch axis"},
		{"UnitNormalization", `"epsilon":1`, "epsilon"},
	} {
		_, _, err := layers.UnmarshalLayer([]byte(`{"class_name":"` + c.class + `","config":{"name":"n",` + c.cfg + `}}`))
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.class) {
			t.Errorf("%s %s: error %v, want it to name the class and contain %q", c.class, c.cfg, err, c.want)
		}
	}
}

func TestNormalizationBuildErrors(t *testing.T) {
	for _, c := range []struct {
		l    layers.Layer
		in   []int
		want string
	}{
		{&layers.LayerNormalization{Axis: []int{1}}, []int{4, 3}, "layers: LayerNormalization: Axis [1] is not supported: only the last axes"},
		{&layers.LayerNormalization{Axis: []int{0}}, []int{4}, "layers: LayerNormalization: Axis [0] includes the batch axis"},
		{&layers.LayerNormalization{Axis: []int{3}}, []int{4}, "layers: LayerNormalization: Axis 3 is out of range"},
		{&layers.LayerNormalization{Axis: []int{-1, 2}}, []int{4, 3}, "layers: LayerNormalization: Axis [-1 2] repeats axis 2"},
		{&layers.LayerNormalization{Epsilon: -1}, []int{4}, "layers: LayerNormalization: Epsilon must be positive and finite, got -1"},
		{&layers.GroupNormalization{}, []int{4, 16}, "layers: GroupNormalization: Groups 32 cannot be more than the 16 channels"},
		{&layers.GroupNormalization{Groups: 3}, []int{4, 16}, "layers: GroupNormalization: Groups 3 must divide the 16 channels"},
		{&layers.GroupNormalization{Groups: -2}, []int{4, 16}, "layers: GroupNormalization: Groups must be positive or -1, got -2"},
		{&layers.GroupNormalization{Groups: 2, Axis: 1}, []int{4, 16}, "layers: GroupNormalization: Axis 1 is not supported"},
		{&layers.GroupNormalization{Groups: 2, Epsilon: -1}, []int{4}, "layers: GroupNormalization: Epsilon must be positive"},
		{&layers.GroupNormalization{Groups: 1}, []int{}, "want examples of rank >= 1"},
		{&layers.UnitNormalization{Axis: []int{1}}, []int{4, 3}, "layers: UnitNormalization: Axis [1] is not supported"},
	} {
		_, _, perr := c.l.(layers.Planner).Plan(c.in)
		if _, err := c.l.Build(c.in, nil); err == nil || !strings.Contains(err.Error(), c.want) || perr == nil || perr.Error() != err.Error() {
			t.Errorf("%+v on %v: error %v (Plan: %v), want it to contain %q", c.l, c.in, err, perr, c.want)
		}
	}
}

func TestNormalizationAllocations(t *testing.T) {
	for _, l := range []layers.Layer{&layers.LayerNormalization{}, &layers.GroupNormalization{Groups: 4}, &layers.UnitNormalization{}} {
		if _, err := l.Build([]int{6, 6, 16}, nil); err != nil {
			t.Fatal(err)
		}
		arena := tensor.NewArena()
		x := tt.Rand(1, -1, 1, 8, 6, 6, 16).RequireGrad().InArena(arena)
		step := func() {
			tensor.Backward(l.Call(x, true).Sum())
			arena.Reset()
		}
		step()
		if n := testing.AllocsPerRun(10, step); n != 0 {
			t.Errorf("%s: a step allocates %v times, want 0", l.ClassName(), n)
		}
	}
}
