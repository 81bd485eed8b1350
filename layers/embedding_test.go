package layers_test

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/tensor"
	tt "github.com/neuron-go/neuron/tensor/tensortest"
)

// TestEmbedding checks the lookup and its gradient by hand: index 2
// appears twice, so its row gets the sum of both output gradients.
func TestEmbedding(t *testing.T) {
	l := &layers.Embedding{InputDim: 4, OutputDim: 2}
	out, err := l.Build([]int{3}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 || out[0] != 3 || out[1] != 2 {
		t.Fatalf("output shape %v, want [3 2]", out)
	}
	w := l.Weights()[0]
	if w.Name != "embeddings" || w.Value.Dim(0) != 4 || w.Value.Dim(1) != 2 {
		t.Fatalf("weight %s %v", w.Name, w.Value.Shape())
	}
	for _, v := range w.Value.Data() {
		if v < -0.05 || v > 0.05 {
			t.Fatalf("initial value %v outside Keras's uniform(-0.05, 0.05)", v)
		}
	}
	copy(w.Value.Data(), []float32{0, 1, 10, 11, 20, 21, 30, 31})
	y := l.Call(tensor.FromSlice([]float32{2, 0, 2, 3, 3, 1}, 2, 3), true)
	if err := tt.AllClose(y.Data(), []float32{20, 21, 0, 1, 20, 21, 30, 31, 30, 31, 10, 11}, 0, 0); err != nil {
		t.Error(err)
	}
	g := tensor.FromSlice([]float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 2, 3, 2)
	tensor.Backward(y.Mul(g).Sum())
	// row 0 ← (3, 4); row 1 ← (11, 12); row 2 ← (1, 2) + (5, 6); row 3 ← (7, 8) + (9, 10).
	if err := tt.AllClose(w.Value.Grad().Data(), []float32{3, 4, 11, 12, 6, 8, 16, 18}, 0, 0); err != nil {
		t.Errorf("gradient: %v", err)
	}
	idx := tensor.FromSlice([]float32{3, 1, 0, 2, 2, 1}, 2, 3)
	tt.GradCheck(t, func(xs ...*tensor.Tensor) *tensor.Tensor { return tensor.Gather(xs[0], idx) }, []*tensor.Tensor{tt.Rand(1, -1, 1, 4, 2)}, tt.GradCheckOptions{})
}

func TestEmbeddingBadIndices(t *testing.T) {
	l := &layers.Embedding{InputDim: 10, OutputDim: 2}
	if _, err := l.Build([]int{2}, rand.New(rand.NewPCG(1, 2))); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		x    []float32
		want string
	}{
		{[]float32{1, 2, 3, 10}, "example 1 holds 10, not an index in [0, 10)"},
		{[]float32{-1, 2, 3, 4}, "example 0 holds -1, not an index in [0, 10)"},
		{[]float32{1, 2, 2.5, 4}, "example 1 holds 2.5, not an index in [0, 10)"},
		{[]float32{1, float32(nan()), 3, 4}, "example 0 holds NaN, not an index in [0, 10)"},
	} {
		func() {
			var err error
			defer func() {
				if err == nil || !strings.Contains(err.Error(), c.want) {
					t.Errorf("%v: error %v, want it to contain %q", c.x, err, c.want)
				}
			}()
			defer tensor.RecoverShapeError(&err)
			l.Call(tensor.FromSlice(c.x, 2, 2), false)
		}()
	}
	for _, c := range []struct {
		l    *layers.Embedding
		want string
	}{
		{&layers.Embedding{OutputDim: 2}, "layers: Embedding: InputDim must be > 0, got 0"},
		{&layers.Embedding{InputDim: 2, OutputDim: -1}, "layers: Embedding: OutputDim must be > 0, got -1"},
		{&layers.Embedding{InputDim: 1 << 40, OutputDim: 1 << 20}, "Embedding"},
	} {
		if _, err := c.l.Build([]int{3}, rand.New(rand.NewPCG(1, 2))); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", c.l, err, c.want)
		}
	}
}

func nan() float64 { var z float64; return z / z }

// TestEmbeddingConfig reads a config as Keras 3's Embedding.get_config
// writes it and writes it back.
func TestEmbeddingConfig(t *testing.T) {
	keras := `{"class_name":"Embedding","config":{"name":"embedding","trainable":true,"dtype":"float32","input_dim":1000,"output_dim":64,` +
		`"embeddings_initializer":{"class_name":"RandomUniform","config":{"minval":-0.05,"maxval":0.05}},` +
		`"embeddings_regularizer":null,"activity_regularizer":null,"embeddings_constraint":null,"mask_zero":false,"quantization_config":null}}`
	l, name, err := layers.UnmarshalLayer([]byte(keras))
	if err != nil {
		t.Fatal(err)
	}
	e := l.(*layers.Embedding)
	if name != "embedding" || e.InputDim != 1000 || e.OutputDim != 64 {
		t.Errorf("decoded %q %+v", name, e)
	}
	b, err := layers.MarshalLayer(l, "embedding")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"input_dim":1000`, `"output_dim":64`, `"mask_zero":false`, `"embeddings_regularizer":null`, `"class_name":"RandomUniform"`} {
		if !strings.Contains(string(b), k) {
			t.Errorf("config lacks %s: %s", k, b)
		}
	}
	for _, c := range []struct{ cfg, want string }{
		{`"input_dim":0,"output_dim":2`, "input_dim must be > 0, got 0"},
		{`"input_dim":5`, "output_dim must be > 0, got 0"},
	} {
		if _, _, err := layers.UnmarshalLayer([]byte(`{"class_name":"Embedding","config":{"name":"e",` + c.cfg + `}}`)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.cfg, err, c.want)
		}
	}
}

func TestEmbeddingAllocations(t *testing.T) {
	l := &layers.Embedding{InputDim: 1000, OutputDim: 16}
	if _, err := l.Build([]int{20}, rand.New(rand.NewPCG(1, 2))); err != nil {
		t.Fatal(err)
	}
	arena := tensor.NewArena()
	x := tensor.Zeros(8, 20).InArena(arena)
	for i := range x.Data() {
		x.Data()[i] = float32(i * 7 % 1000)
	}
	step := func() {
		tensor.Backward(l.Call(x, true).Sum())
		arena.Reset()
	}
	step()
	if n := testing.AllocsPerRun(10, step); n != 0 {
		t.Errorf("a step allocates %v times, want 0", n)
	}
}
