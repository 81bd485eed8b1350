package layers_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/tensor"
	tt "github.com/neuron-go/neuron/tensor/tensortest"
)

type bnStep struct {
	X, W, Y, DX    []float64
	DGamma         []float64 `json:"dgamma"`
	DBeta          []float64 `json:"dbeta"`
	MovingMean     []float64 `json:"moving_mean"`
	MovingVariance []float64 `json:"moving_variance"`
}

// TestBatchNormalizationReference checks training steps (outputs,
// gradients, moving statistics) and inference against torch and Keras's
// update rule (testdata/gen/batchnorm_ref.py).
func TestBatchNormalizationReference(t *testing.T) {
	b, err := os.ReadFile("testdata/batchnorm_ref.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Cases []struct {
			Name        string
			Shape       []int
			Gamma, Beta []float64
			Steps       []bnStep
			Infer       bnStep
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
			l := &layers.BatchNormalization{}
			if _, err := l.Build(c.Shape[1:], nil); err != nil {
				t.Fatal(err)
			}
			ws := l.Weights()
			if len(ws) != 4 || ws[0].Name != "gamma" || ws[1].Name != "beta" || ws[2].Name != "moving_mean" || ws[3].Name != "moving_variance" {
				t.Fatalf("weights %v", ws)
			}
			if !ws[0].Trainable || !ws[1].Trainable || ws[2].Trainable || ws[3].Trainable {
				t.Errorf("trainable flags %v %v %v %v, want gamma and beta only", ws[0].Trainable, ws[1].Trainable, ws[2].Trainable, ws[3].Trainable)
			}
			copy(ws[0].Value.Data(), f32(c.Gamma))
			copy(ws[1].Value.Data(), f32(c.Beta))
			check := func(what string, s bnStep, training bool) {
				ws[0].Value.ZeroGrad()
				ws[1].Value.ZeroGrad()
				x := tensor.New(c.Shape, f32(s.X)).RequireGrad()
				y := l.Call(x, training)
				if err := tt.AllClose(y.Data(), f32(s.Y), 1e-5, 1e-4); err != nil {
					t.Errorf("%s: output: %v", what, err)
				}
				tensor.Backward(y.Mul(tensor.New(c.Shape, f32(s.W))).Sum())
				for _, g := range []struct {
					name string
					want []float64
					data []float32
				}{
					{"dx", s.DX, x.Grad().Data()},
					{"dgamma", s.DGamma, ws[0].Value.Grad().Data()},
					{"dbeta", s.DBeta, ws[1].Value.Grad().Data()},
				} {
					if err := tt.AllClose(g.data, f32(g.want), 1e-4, 1e-4); err != nil {
						t.Errorf("%s: %s: %v", what, g.name, err)
					}
				}
				if training {
					if err := tt.AllClose(ws[2].Value.Data(), f32(s.MovingMean), 1e-6, 1e-5); err != nil {
						t.Errorf("%s: moving_mean: %v", what, err)
					}
					if err := tt.AllClose(ws[3].Value.Data(), f32(s.MovingVariance), 1e-6, 1e-5); err != nil {
						t.Errorf("%s: moving_variance: %v", what, err)
					}
				}
			}
			for i, s := range c.Steps {
				check("training step "+string(rune('1'+i)), s, true)
			}
			mm := append([]float32(nil), ws[2].Value.Data()...)
			check("inference", c.Infer, false)
			if err := tt.AllClose(ws[2].Value.Data(), mm, 0, 0); err != nil {
				t.Errorf("inference changed moving_mean: %v", err)
			}
		})
	}
}

func TestBatchNormalizationGradCheck(t *testing.T) {
	for _, training := range []bool{true, false} {
		for _, l := range []*layers.BatchNormalization{{}, {NoScale: true}, {NoCenter: true, Epsilon: 0.5}} {
			if _, err := l.Build([]int{3, 4}, nil); err != nil {
				t.Fatal(err)
			}
			x := tt.Rand(9, -2, 2, 5, 3, 4)
			params := []*tensor.Tensor{x}
			for _, w := range l.Weights() {
				if w.Trainable {
					copy(w.Value.Data(), tt.Rand(4, 0.5, 1.5, w.Value.Shape()...).Data())
					params = append(params, w.Value)
				}
			}
			tt.GradCheck(t, func(xs ...*tensor.Tensor) *tensor.Tensor { return l.Call(xs[0], training) }, params, tt.GradCheckOptions{})
		}
	}
}

func TestBatchNormalizationConfig(t *testing.T) {
	b, err := layers.MarshalLayer(&layers.BatchNormalization{}, "batch_normalization")
	if err != nil {
		t.Fatal(err)
	}
	want := `"axis":-1,"momentum":0.99,"epsilon":0.001,"center":true,"scale":true,` +
		`"beta_initializer":{"class_name":"Zeros","config":{}},"gamma_initializer":{"class_name":"Ones","config":{}},` +
		`"moving_mean_initializer":{"class_name":"Zeros","config":{}},"moving_variance_initializer":{"class_name":"Ones","config":{}},` +
		`"beta_regularizer":null,"gamma_regularizer":null,"beta_constraint":null,"gamma_constraint":null,` +
		`"synchronized":false,"renorm":false,"renorm_clipping":null,"renorm_momentum":0.99}}`
	if !strings.HasSuffix(string(b), want) {
		t.Errorf("config %s\nwant it to end with %s", b, want)
	}
	l, _, err := layers.UnmarshalLayer(b)
	if err != nil {
		t.Fatal(err)
	}
	if b2, _ := layers.MarshalLayer(l, "batch_normalization"); string(b2) != string(b) {
		t.Errorf("round trip %s", b2)
	}
	l, _, err = layers.UnmarshalLayer([]byte(`{"class_name":"BatchNormalization","config":{"name":"bn","momentum":0.9,"center":false,"synchronized":true}}`))
	if err != nil {
		t.Fatal(err)
	}
	if bn := l.(*layers.BatchNormalization); bn.Momentum != 0.9 || !bn.NoCenter || bn.NoScale {
		t.Errorf("decoded %+v", bn)
	}
	for _, c := range []struct{ cfg, want string }{
		{`"axis":1`, "axis: only -1"},
		{`"momentum":1`, "momentum must be in (0, 1), got 1"},
		{`"epsilon":-1`, "epsilon must be positive and finite, got -1"},
		{`"renorm":true`, "renorm: batch renormalization is not supported"},
		{`"gamma_constraint":{"class_name":"NonNeg","config":{}}`, "constraints on BatchNormalization are not supported"},
		{`"beta_initializer":{"class_name":"Nope","config":{}}`, "beta_initializer"},
	} {
		_, _, err := layers.UnmarshalLayer([]byte(`{"class_name":"BatchNormalization","config":{"name":"bn",` + c.cfg + `}}`))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.cfg, err, c.want)
		}
	}
}

func TestBatchNormalizationBuildErrors(t *testing.T) {
	for _, c := range []struct {
		l    *layers.BatchNormalization
		in   []int
		want string
	}{
		{&layers.BatchNormalization{Axis: 1}, []int{4, 3}, "layers: BatchNormalization: Axis 1 is not supported"},
		{&layers.BatchNormalization{Momentum: 1}, []int{4}, "Momentum must be in (0, 1), got 1"},
		{&layers.BatchNormalization{Momentum: -0.5}, []int{4}, "Momentum must be in (0, 1), got -0.5"},
		{&layers.BatchNormalization{Epsilon: -1}, []int{4}, "Epsilon must be positive and finite, got -1"},
		{&layers.BatchNormalization{}, []int{}, "want examples of rank >= 1"},
	} {
		if _, err := c.l.Build(c.in, nil); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v on %v: error %v, want it to contain %q", c.l, c.in, err, c.want)
		}
	}
}

func TestBatchNormalizationAllocations(t *testing.T) {
	l := &layers.BatchNormalization{}
	if _, err := l.Build([]int{6, 6, 16}, nil); err != nil {
		t.Fatal(err)
	}
	arena := tensor.NewArena()
	x := tt.Rand(1, -1, 1, 8, 6, 6, 16).RequireGrad().InArena(arena)
	for _, training := range []bool{true, false} {
		step := func() {
			tensor.Backward(l.Call(x, training).Sum())
			arena.Reset()
		}
		step()
		if n := testing.AllocsPerRun(10, step); n != 0 {
			t.Errorf("training=%v: a step allocates %v times, want 0", training, n)
		}
	}
}
