package layers_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/initializers"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/tensor"
	tt "github.com/neuron-go/neuron/tensor/tensortest"
)

type attentionCase struct {
	Name, Layer             string
	NumHeads                int    `json:"num_heads"`
	KeyDim                  int    `json:"key_dim"`
	ValueDim                int    `json:"value_dim"`
	OutputShape             []int  `json:"output_shape"`
	UseBias                 bool   `json:"use_bias"`
	ScoreMode               string `json:"score_mode"`
	UseScale                bool   `json:"use_scale"`
	Causal                  bool
	HasKey                  bool  `json:"has_key"`
	QueryShape              []int `json:"query_shape"`
	ValueShape              []int `json:"value_shape"`
	KeyShape                []int `json:"key_shape"`
	Query, Value, Key, Mask []float64
	Weights, DWeights       [][]float64
	WeightNames             []string `json:"weight_names"`
	YShape                  []int    `json:"y_shape"`
	Y, W, Scores            []float64
	DQuery, DValue, DKey    []float64
}

func loadAttentionCases(t *testing.T) []attentionCase {
	b, err := os.ReadFile("testdata/attention_ref.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct{ Cases []attentionCase }
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.Cases) == 0 {
		t.Fatal("no cases")
	}
	return ref.Cases
}

// layer makes the case's layer, with the attention scores as a second
// output.
func (c *attentionCase) layer() layers.MultiLayer {
	switch c.Layer {
	case "MultiHeadAttention":
		vd := c.ValueDim
		if vd == c.KeyDim {
			vd = 0
		}
		return &layers.MultiHeadAttention{NumHeads: c.NumHeads, KeyDim: c.KeyDim, ValueDim: vd, OutputShape: c.OutputShape,
			NoBias: !c.UseBias, UseCausalMask: c.Causal, AttentionMask: c.Mask != nil, ReturnAttentionScores: true}
	case "AdditiveAttention":
		return &layers.AdditiveAttention{NoScale: !c.UseScale, UseCausalMask: c.Causal, ReturnAttentionScores: true}
	}
	mode := c.ScoreMode
	if mode == "dot" {
		mode = ""
	}
	return &layers.Attention{UseScale: c.UseScale, ScoreMode: mode, UseCausalMask: c.Causal, ReturnAttentionScores: true}
}

// inputs returns the case's input tensors: query, value, key (if any),
// mask (if any).
func (c *attentionCase) inputs() []*tensor.Tensor {
	xs := []*tensor.Tensor{tensor.New(c.QueryShape, f32(c.Query)), tensor.New(c.ValueShape, f32(c.Value))}
	if c.HasKey {
		xs = append(xs, tensor.New(c.KeyShape, f32(c.Key)))
	}
	if c.Mask != nil {
		xs = append(xs, tensor.New([]int{c.QueryShape[0], c.QueryShape[1], c.ValueShape[1]}, f32(c.Mask)))
	}
	return xs
}

func perExample(xs []*tensor.Tensor) [][]int {
	in := make([][]int, len(xs))
	for i, x := range xs {
		in[i] = x.Shape()[1:]
	}
	return in
}

// TestAttentionReference checks MultiHeadAttention, Attention and
// AdditiveAttention (outputs, attention scores, and the gradients of the
// inputs and of every weight, in Keras's names and layouts) against
// torch (testdata/gen/attention_ref.py).
func TestAttentionReference(t *testing.T) {
	for _, c := range loadAttentionCases(t) {
		t.Run(c.Layer+"/"+c.Name, func(t *testing.T) {
			l := c.layer()
			xs := c.inputs()
			outShapes, err := l.BuildMulti(perExample(xs), rand.New(rand.NewPCG(1, 2)))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(outShapes[0], c.YShape[1:]) {
				t.Errorf("output shape %v, want %v", outShapes[0], c.YShape[1:])
			}
			ws := l.Weights()
			if len(ws) != len(c.WeightNames) {
				t.Fatalf("%d weights, want %d (%v)", len(ws), len(c.WeightNames), c.WeightNames)
			}
			for i, w := range ws {
				if w.Name != c.WeightNames[i] || w.Value.Size() != len(c.Weights[i]) {
					t.Fatalf("weight %d is %s %v, want %s of %d values", i, w.Name, w.Value.Shape(), c.WeightNames[i], len(c.Weights[i]))
				}
				copy(w.Value.Data(), f32(c.Weights[i]))
			}
			for i := range xs {
				if i < 3 && (i < 2 || c.HasKey) {
					xs[i].RequireGrad()
				}
			}
			outs := make([]*tensor.Tensor, 2)
			l.CallMulti(xs, true, outs)
			if err := tt.AllClose(outs[0].Data(), f32(c.Y), 1e-5, 1e-4); err != nil {
				t.Errorf("output: %v", err)
			}
			if err := tt.AllClose(outs[1].Data(), f32(c.Scores), 1e-5, 1e-4); err != nil {
				t.Errorf("attention scores: %v", err)
			}
			tensor.Backward(outs[0].Mul(tensor.New(c.YShape, f32(c.W))).Sum())
			grads := []struct {
				name string
				x    *tensor.Tensor
				want []float64
			}{{"dquery", xs[0], c.DQuery}, {"dvalue", xs[1], c.DValue}}
			if c.HasKey {
				grads = append(grads, struct {
					name string
					x    *tensor.Tensor
					want []float64
				}{"dkey", xs[2], c.DKey})
			}
			for i, w := range ws {
				grads = append(grads, struct {
					name string
					x    *tensor.Tensor
					want []float64
				}{"d" + w.Name, w.Value, c.DWeights[i]})
			}
			for _, g := range grads {
				if err := tt.AllClose(g.x.Grad().Data(), f32(g.want), 1e-5, 1e-4); err != nil {
					t.Errorf("%s: %v", g.name, err)
				}
			}
		})
	}
}

// TestAttentionGradCheck checks the layers' gradients of the inputs and
// every weight against central differences, with dropout fixed by a seed.
func TestAttentionGradCheck(t *testing.T) {
	for _, c := range loadAttentionCases(t) {
		t.Run(c.Layer+"/"+c.Name, func(t *testing.T) {
			l := c.layer()
			xs := c.inputs()
			if _, err := l.BuildMulti(perExample(xs), rand.New(rand.NewPCG(1, 2))); err != nil {
				t.Fatal(err)
			}
			ws := l.Weights()
			n := len(xs)
			var mask *tensor.Tensor
			if c.Mask != nil {
				mask, n = xs[n-1], n-1
			}
			checked := append(append([]*tensor.Tensor(nil), xs[:n]...), nil)[:n]
			for _, w := range ws {
				checked = append(checked, w.Value)
			}
			outs := make([]*tensor.Tensor, 2)
			f := func(in ...*tensor.Tensor) *tensor.Tensor {
				for i, w := range ws {
					w.Value = in[n+i]
				}
				call := append([]*tensor.Tensor(nil), in[:n]...)
				if mask != nil {
					call = append(call, mask)
				}
				l.CallMulti(call, false, outs)
				return outs[0]
			}
			tt.GradCheck(t, f, checked, tt.GradCheckOptions{})
		})
	}
}

// TestAttentionDropout checks that dropout is active only in training,
// is repeatable from a seed, and keeps the gradients right.
func TestAttentionDropout(t *testing.T) {
	for _, mk := range []func() layers.MultiLayer{
		func() layers.MultiLayer {
			return &layers.MultiHeadAttention{NumHeads: 2, KeyDim: 3, Dropout: 0.3, Seed: 5}
		},
		func() layers.MultiLayer { return &layers.Attention{Dropout: 0.3, Seed: 5} },
		func() layers.MultiLayer { return &layers.AdditiveAttention{Dropout: 0.3, Seed: 5} },
	} {
		l := mk()
		t.Run(l.ClassName(), func(t *testing.T) {
			x := tt.Rand(1, -1, 1, 2, 6, 4)
			if _, err := l.BuildMulti([][]int{{6, 4}, {6, 4}}, rand.New(rand.NewPCG(1, 2))); err != nil {
				t.Fatal(err)
			}
			outs := make([]*tensor.Tensor, 1)
			l.CallMulti([]*tensor.Tensor{x, x}, false, outs)
			a := outs[0].Clone()
			l.CallMulti([]*tensor.Tensor{x, x}, true, outs)
			b := outs[0].Clone()
			if reflect.DeepEqual(a.Data(), b.Data()) {
				t.Error("dropout changed nothing in training")
			}
			l2 := mk()
			l2.BuildMulti([][]int{{6, 4}, {6, 4}}, rand.New(rand.NewPCG(1, 2)))
			l2.CallMulti([]*tensor.Tensor{x, x}, true, outs)
			if !reflect.DeepEqual(outs[0].Data(), b.Data()) {
				t.Error("the same seed drew other masks")
			}
		})
	}
}

// TestAttentionRejects checks the errors for bad settings and inputs:
// they name the layer and the argument or the shapes.
func TestAttentionRejects(t *testing.T) {
	for _, tc := range []struct {
		l    layers.MultiLayer
		in   [][]int
		want string
	}{
		{&layers.MultiHeadAttention{NumHeads: 2, KeyDim: 0}, [][]int{{4, 8}, {4, 8}}, "MultiHeadAttention: KeyDim must be a positive integer, got 0"},
		{&layers.MultiHeadAttention{NumHeads: 0, KeyDim: 4}, [][]int{{4, 8}, {4, 8}}, "MultiHeadAttention: NumHeads must be a positive integer, got 0"},
		{&layers.MultiHeadAttention{NumHeads: 2, KeyDim: 4, ValueDim: -1}, [][]int{{4, 8}, {4, 8}}, "ValueDim"},
		{&layers.MultiHeadAttention{NumHeads: 2, KeyDim: 4, Dropout: 1}, [][]int{{4, 8}, {4, 8}}, "Dropout must be in [0, 1)"},
		{&layers.MultiHeadAttention{NumHeads: 2, KeyDim: 4}, [][]int{{4, 8}}, "takes [query, value] or [query, value, key], got 1 inputs"},
		{&layers.MultiHeadAttention{NumHeads: 2, KeyDim: 4}, [][]int{{4, 8}, {5, 8}, {6, 8}}, "value and key must have the same number of steps"},
		{&layers.MultiHeadAttention{NumHeads: 2, KeyDim: 4, AttentionMask: true}, [][]int{{4, 8}, {5, 8}, {5, 4}}, "attention_mask must have shape [4 5] per example (query steps, value steps), got [5 4]"},
		{&layers.MultiHeadAttention{NumHeads: 2, KeyDim: 4, AttentionMask: true}, [][]int{{4, 8}, {5, 8}}, "AttentionMask is set"},
		{&layers.MultiHeadAttention{NumHeads: 2, KeyDim: 4}, [][]int{{2, 4, 8}, {2, 4, 8}}, "query has shape [2 4 8]"},
		{&layers.MultiHeadAttention{NumHeads: 2, KeyDim: 4, AttentionAxes: []int{2}}, [][]int{{4, 8}, {4, 8}}, "AttentionAxes [2] is not supported"},
		{&layers.MultiHeadAttention{NumHeads: 2, KeyDim: 4, OutputShape: []int{0}}, [][]int{{4, 8}, {4, 8}}, "OutputShape must have positive dimensions"},
		{&layers.Attention{}, [][]int{{4, 8}, {5, 6}}, "Attention: query and key must have the same width (last axis), got shapes [4 8] and [5 6]"},
		{&layers.Attention{}, [][]int{{4, 8}, {5, 8}, {6, 8}}, "value and key must have the same number of steps"},
		{&layers.Attention{ScoreMode: "general"}, [][]int{{4, 8}, {5, 8}}, `ScoreMode must be "dot" or "concat", got "general"`},
		{&layers.Attention{Dropout: -0.1}, [][]int{{4, 8}, {5, 8}}, "Dropout must be in [0, 1)"},
		{&layers.AdditiveAttention{}, [][]int{{4, 8}, {5, 3}}, "AdditiveAttention: query and key must have the same width"},
		{&layers.AdditiveAttention{}, [][]int{{4, 8}}, "AdditiveAttention: takes [query, value] or [query, value, key], got 1 inputs"},
	} {
		_, err := tc.l.BuildMulti(tc.in, rand.New(rand.NewPCG(1, 2)))
		_, _, perr := tc.l.(layers.MultiPlanner).PlanMulti(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%T %v: got %v, want %q", tc.l, tc.in, err, tc.want)
		}
		if perr == nil || err == nil || perr.Error() != err.Error() {
			t.Errorf("%T %v: PlanMulti says %v, BuildMulti %v", tc.l, tc.in, perr, err)
		}
	}
	// One input, as in a Sequential model, is refused by Build.
	if _, err := (&layers.MultiHeadAttention{NumHeads: 2, KeyDim: 4}).Build([]int{4, 8}, nil); err == nil || !strings.Contains(err.Error(), "same node twice for self-attention") {
		t.Errorf("Build on one input: %v", err)
	}
	// A mask of the wrong shape at call time is a *tensor.ShapeError.
	l := &layers.MultiHeadAttention{NumHeads: 2, KeyDim: 4, AttentionMask: true}
	if _, err := l.BuildMulti([][]int{{4, 8}, {5, 8}, {4, 5}}, rand.New(rand.NewPCG(1, 2))); err != nil {
		t.Fatal(err)
	}
	var err error
	func() {
		defer tensor.RecoverShapeError(&err)
		l.CallMulti([]*tensor.Tensor{tensor.Zeros(2, 4, 8), tensor.Zeros(2, 5, 8), tensor.Zeros(2, 5, 4)}, false, make([]*tensor.Tensor, 1))
	}()
	if err == nil {
		t.Error("a mask of the wrong shape was accepted")
	}
}

// attentionSavable are the attention layers with varied settings, for
// the config round trip and the fuzz corpus.
func attentionSavable() []layers.Layer {
	return []layers.Layer{
		&layers.MultiHeadAttention{NumHeads: 4, KeyDim: 32},
		&layers.MultiHeadAttention{NumHeads: 2, KeyDim: 3, ValueDim: 5, Dropout: 0.1, NoBias: true, OutputShape: []int{7}, AttentionAxes: []int{1},
			KernelInitializer: initializers.HeNormal{}, BiasInitializer: initializers.Ones{}, KernelRegularizer: layers.L2(0.01), Seed: 3,
			UseCausalMask: true, AttentionMask: true, ReturnAttentionScores: true},
		&layers.Attention{},
		&layers.Attention{UseScale: true, ScoreMode: "concat", Dropout: 0.2, Seed: 4, UseCausalMask: true, ReturnAttentionScores: true},
		&layers.AdditiveAttention{},
		&layers.AdditiveAttention{NoScale: true, Dropout: 0.5, UseCausalMask: true},
	}
}

// TestAttentionConfig checks Keras's keys and the round trip of the
// configs.
func TestAttentionConfig(t *testing.T) {
	base := `"name":"m","trainable":true,"dtype":"float32"`
	for _, tc := range []struct {
		l    layers.Layer
		want string
	}{
		{&layers.MultiHeadAttention{NumHeads: 4, KeyDim: 32}, `{"class_name":"MultiHeadAttention","config":{` + base + `,"num_heads":4,"key_dim":32,"value_dim":32,"dropout":0,"use_bias":true,"use_gate":false,"output_shape":null,"attention_axes":null,"sliding_window":null,"kernel_initializer":{"class_name":"GlorotUniform","config":{}},"bias_initializer":{"class_name":"Zeros","config":{}},"kernel_regularizer":null,"bias_regularizer":null,"activity_regularizer":null,"kernel_constraint":null,"bias_constraint":null,"seed":null}}`},
		{&layers.Attention{}, `{"class_name":"Attention","config":{` + base + `,"use_scale":false,"score_mode":"dot","dropout":0,"seed":null}}`},
		{&layers.AdditiveAttention{}, `{"class_name":"AdditiveAttention","config":{` + base + `,"use_scale":true,"dropout":0,"seed":null}}`},
	} {
		b, err := layers.MarshalLayer(tc.l, "m")
		if err != nil || string(b) != tc.want {
			t.Errorf("saved as\n%s (%v)\nwant\n%s", b, err, tc.want)
		}
	}
	for _, l := range attentionSavable() {
		b, err := layers.MarshalLayer(l, "m")
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := layers.UnmarshalLayer(b)
		if err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		b2, err := layers.MarshalLayer(got, "m")
		if err != nil || string(b2) != string(b) {
			t.Errorf("saved again:\n%s\n%s (%v)", b, b2, err)
		}
		if _, ok := got.(layers.MultiLayer); !ok {
			t.Errorf("loaded %T is not a MultiLayer", got)
		}
	}
	// output_shape as Keras also writes it, an integer.
	l, _, err := layers.UnmarshalLayer([]byte(`{"class_name":"MultiHeadAttention","config":{"name":"m","num_heads":2,"key_dim":4,"output_shape":16,"value_dim":null}}`))
	if err != nil || !reflect.DeepEqual(l.(*layers.MultiHeadAttention).OutputShape, []int{16}) {
		t.Errorf("output_shape 16: %#v, %v", l, err)
	}
	for _, tc := range []struct{ spec, want string }{
		{`{"class_name":"MultiHeadAttention","config":{"name":"m","num_heads":0,"key_dim":4}}`, "num_heads must be a positive integer, got 0"},
		{`{"class_name":"MultiHeadAttention","config":{"name":"m","num_heads":2,"key_dim":0}}`, "key_dim must be a positive integer, got 0"},
		{`{"class_name":"MultiHeadAttention","config":{"name":"m","num_heads":2,"key_dim":4,"use_gate":true}}`, "use_gate"},
		{`{"class_name":"MultiHeadAttention","config":{"name":"m","num_heads":2,"key_dim":4,"sliding_window":3}}`, "sliding_window"},
		{`{"class_name":"MultiHeadAttention","config":{"name":"m","num_heads":2,"key_dim":4,"output_shape":"x"}}`, "output_shape"},
		{`{"class_name":"MultiHeadAttention","config":{"name":"m","num_heads":2,"key_dim":4,"attention_axes":[1,2]}}`, "AttentionAxes"},
		{`{"class_name":"Attention","config":{"name":"a","score_mode":"general"}}`, "score_mode"},
		{`{"class_name":"Attention","config":{"name":"a","dropout":1}}`, "dropout must be in [0, 1)"},
		{`{"class_name":"AdditiveAttention","config":{"name":"a","score_mode":"dot"}}`, "score_mode"},
	} {
		if l, _, err := layers.UnmarshalLayer([]byte(tc.spec)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, %v; want an error with %q", tc.spec, l, err, tc.want)
		}
	}
}

// TestAttentionPlanMatchesBuild checks that PlanMulti predicts BuildMulti's
// shapes and weights.
func TestAttentionPlanMatchesBuild(t *testing.T) {
	for i, l := range attentionSavable() {
		ml := l.(layers.MultiLayer)
		in := [][]int{{5, 6}, {7, 6}}
		if m, ok := l.(*layers.MultiHeadAttention); ok && m.AttentionMask {
			in = append(in, []int{5, 7})
		}
		out, ws, err := l.(layers.MultiPlanner).PlanMulti(in)
		if err != nil {
			t.Fatalf("%d %T: %v", i, l, err)
		}
		got, err := ml.BuildMulti(in, rand.New(rand.NewPCG(1, 1)))
		if err != nil || !reflect.DeepEqual(out, got) {
			t.Errorf("%d %T: PlanMulti %v, BuildMulti %v (%v)", i, l, out, got, err)
		}
		w := ml.Weights()
		if len(w) != len(ws) {
			t.Fatalf("%d %T: %d planned weights, %d built", i, l, len(ws), len(w))
		}
		for j := range w {
			if w[j].Name != ws[j].Name || !reflect.DeepEqual(w[j].Value.Shape(), ws[j].Shape) {
				t.Errorf("%d %T: planned %s %v, built %s %v", i, l, ws[j].Name, ws[j].Shape, w[j].Name, w[j].Value.Shape())
			}
		}
	}
}

// TestMultiHeadAttentionInit checks EinsumDense's fans: glorot_uniform's
// limit over (dim, heads·key_dim) for the query kernel and
// (heads·value_dim, dim) for the output one.
func TestMultiHeadAttentionInit(t *testing.T) {
	l := &layers.MultiHeadAttention{NumHeads: 4, KeyDim: 32}
	if _, err := l.BuildMulti([][]int{{16, 64}, {16, 64}}, rand.New(rand.NewPCG(1, 2))); err != nil {
		t.Fatal(err)
	}
	for _, w := range l.Weights() {
		limit := float32(0)
		switch w.Name {
		case "query/kernel", "key/kernel", "value/kernel":
			limit = float32(sqrt(6.0 / (64 + 128)))
		case "attention_output/kernel":
			limit = float32(sqrt(6.0 / (128 + 64)))
		}
		var mx float32
		for _, v := range w.Value.Data() {
			mx = max(mx, v, -v)
		}
		if mx > limit || (limit > 0 && mx < 0.9*limit) {
			t.Errorf("%s %v: largest |value| %v, limit %v", w.Name, w.Value.Shape(), mx, limit)
		}
	}
}

func sqrt(x float64) float64 {
	z := x
	for range 50 {
		z = (z + x/z) / 2
	}
	return z
}

// TestAttentionStepDoesNotAllocate runs each attention layer forward and
// backward in an arena, in training (with dropout), as a step does.
func TestAttentionLayersStepDoesNotAllocate(t *testing.T) {
	for _, tc := range []struct {
		l      layers.MultiLayer
		shapes [][]int
	}{
		{&layers.MultiHeadAttention{NumHeads: 2, KeyDim: 4, Dropout: 0.2}, [][]int{{6, 8}, {6, 8}}},
		{&layers.MultiHeadAttention{NumHeads: 2, KeyDim: 4, ValueDim: 3, OutputShape: []int{5}, UseCausalMask: true, AttentionMask: true, ReturnAttentionScores: true}, [][]int{{6, 8}, {7, 5}, {7, 3}, {6, 7}}},
		{&layers.Attention{UseScale: true, Dropout: 0.2, UseCausalMask: true}, [][]int{{6, 4}, {6, 4}}},
		{&layers.Attention{UseScale: true, ScoreMode: "concat"}, [][]int{{6, 4}, {5, 3}, {5, 4}}},
		{&layers.AdditiveAttention{Dropout: 0.1, ReturnAttentionScores: true}, [][]int{{6, 4}, {5, 4}}},
	} {
		t.Run(fmt.Sprintf("%s%v", tc.l.ClassName(), tc.shapes), func(t *testing.T) {
			outShapes, err := tc.l.BuildMulti(tc.shapes, rand.New(rand.NewPCG(1, 2)))
			if err != nil {
				t.Fatal(err)
			}
			arena := tensor.NewArena()
			ws := make([]*tensor.Tensor, len(tc.shapes))
			bs := make([]*tensor.Tensor, len(tc.shapes))
			xs := make([]*tensor.Tensor, len(tc.shapes))
			for i, s := range tc.shapes {
				shape := append([]int{3}, s...)
				ws[i] = tt.Rand(uint64(i+1), 0, 1, shape...).RequireGrad()
				bs[i] = tt.Rand(uint64(i+20), 0, 1, shape...).InArena(arena)
			}
			outs := make([]*tensor.Tensor, len(outShapes))
			step := func() {
				for i := range xs {
					xs[i] = bs[i].Mul(ws[i])
				}
				tc.l.CallMulti(xs, true, outs)
				tensor.Backward(outs[0].Sum())
				for _, w := range ws {
					w.ZeroGrad()
				}
				for _, w := range tc.l.Weights() {
					w.Value.ZeroGrad()
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

// TestDenseOnSequences checks Dense on examples of rank 2 (Keras's Dense
// multiplies the last axis): the same as on the flattened rows, with the
// gradients checked by central differences.
func TestDenseOnSequences(t *testing.T) {
	d := &layers.Dense{Units: 3}
	out, err := d.Build([]int{4, 5}, rand.New(rand.NewPCG(1, 2)))
	if err != nil || !reflect.DeepEqual(out, []int{4, 3}) {
		t.Fatalf("Build: %v, %v", out, err)
	}
	x := tt.Rand(3, -1, 1, 2, 4, 5)
	got := d.Call(x, false)
	want := d.Call(x.Reshape(8, 5), false)
	if !reflect.DeepEqual(got.Shape(), []int{2, 4, 3}) || !reflect.DeepEqual(got.Data(), want.Data()) {
		t.Errorf("on sequences %v %v, on rows %v", got.Shape(), got.Data(), want.Data())
	}
	ws := d.Weights()
	tt.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor {
		ws[0].Value, ws[1].Value = in[1], in[2]
		return d.Call(in[0], false)
	}, []*tensor.Tensor{x, ws[0].Value, ws[1].Value}, tt.GradCheckOptions{})
}
