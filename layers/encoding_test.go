package layers_test

import (
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/data"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/tensor"
	tt "github.com/neuron-go/neuron/tensor/tensortest"
)

func TestCategoryEncoding(t *testing.T) {
	nan := float32(math.NaN())
	for _, c := range []struct {
		l         *layers.CategoryEncoding
		in        []int
		x         []float32
		wantShape []int
		want      []float32
	}{
		// Keras's docstring examples.
		{&layers.CategoryEncoding{NumTokens: 4, OutputMode: "one_hot"}, []int{1}, []float32{3, 2, 0, 1},
			[]int{4, 4}, []float32{0, 0, 0, 1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0}},
		{&layers.CategoryEncoding{NumTokens: 4}, []int{2}, []float32{0, 1, 0, 0, 1, 2, 3, 1},
			[]int{4, 4}, []float32{1, 1, 0, 0, 1, 0, 0, 0, 0, 1, 1, 0, 0, 1, 0, 1}},
		{&layers.CategoryEncoding{NumTokens: 4, OutputMode: "count"}, []int{3}, []float32{0, 1, 1, 2, 2, 3},
			[]int{2, 4}, []float32{1, 2, 0, 0, 0, 0, 2, 1}},
		{&layers.CategoryEncoding{NumTokens: 3, OutputMode: "one_hot"}, []int{2}, []float32{2, 0, 1, 1},
			[]int{2, 2, 3}, []float32{0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 1, 0}},
		// Out of range, negative, NaN and fractional ids.
		{&layers.CategoryEncoding{NumTokens: 3, OutputMode: "count"}, []int{5}, []float32{3, -1, nan, 1.7, -0.5},
			[]int{1, 3}, []float32{1, 1, 0}},
	} {
		out, err := c.l.Build(c.in, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !slicesEqual(out, c.wantShape[1:]) {
			t.Errorf("%+v: Build %v, want %v", c.l, out, c.wantShape[1:])
		}
		x := tensor.FromSlice(c.x, append([]int{len(c.x) / c.in[0]}, c.in...)...).RequireGrad()
		y := c.l.Call(x, true)
		if !slicesEqual(y.Shape(), c.wantShape) || y.RequiresGrad() {
			t.Errorf("%+v: output shape %v (requires grad %v), want %v", c.l, y.Shape(), y.RequiresGrad(), c.wantShape)
		}
		if err := tt.AllClose(y.Data(), c.want, 0, 0); err != nil {
			t.Errorf("%+v: %v", c.l, err)
		}
	}
}

func slicesEqual(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestDiscretizationReference checks Adapt and AdaptDataset against
// Keras's quantile summaries and numpy.digitize
// (testdata/gen/preprocessing_ref.py).
func TestDiscretizationReference(t *testing.T) {
	b, err := os.ReadFile("testdata/preprocessing_ref.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Discretization []struct {
			Name          string
			Shape         []int
			Batch         int
			NumBins       int `json:"num_bins"`
			Epsilon       float64
			Data, X       []float64
			BinBoundaries []float64 `json:"bin_boundaries"`
			Digitized     []float64
		}
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.Discretization) < 4 {
		t.Fatalf("%d cases", len(ref.Discretization))
	}
	for _, c := range ref.Discretization {
		t.Run(c.Name, func(t *testing.T) {
			l := &layers.Discretization{NumBins: c.NumBins, Epsilon: c.Epsilon}
			d := tensor.New(c.Shape, f32(c.Data))
			if c.Batch == 0 {
				err = l.Adapt(d)
			} else {
				var ds *data.Dataset
				if ds, err = data.FromArrays(d, nil); err == nil {
					if ds, err = ds.Batch(c.Batch, false); err == nil {
						err = l.AdaptDataset(ds)
					}
				}
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := tt.AllClose(l.BinBoundaries, f32(c.BinBoundaries), 1e-6, 1e-5); err != nil {
				t.Errorf("bin boundaries %v: %v", l.BinBoundaries, err)
			}
			copy(l.BinBoundaries, f32(c.BinBoundaries)) // digitize with exactly numpy's boundaries
			if _, err := l.Build(c.Shape[1:], nil); err != nil {
				t.Fatal(err)
			}
			y := l.Call(tensor.New(append([]int{4}, c.Shape[1:]...), f32(c.X)), false)
			if err := tt.AllClose(y.Data(), f32(c.Digitized), 0, 0); err != nil {
				t.Errorf("digitize: %v", err)
			}
		})
	}
	// Encoded buckets, and values on a boundary go up (numpy.digitize).
	l := &layers.Discretization{BinBoundaries: []float32{0, 1, 2}, OutputMode: "one_hot"}
	if _, err := l.Build([]int{1}, nil); err != nil {
		t.Fatal(err)
	}
	y := l.Call(tensor.FromSlice([]float32{-1, 0, 1.5, 2}, 4, 1), false)
	if err := tt.AllClose(y.Data(), []float32{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}, 0, 0); err != nil || !slicesEqual(y.Shape(), []int{4, 4}) {
		t.Errorf("one_hot %v: %v", y.Shape(), err)
	}
}

func TestEncodingConfig(t *testing.T) {
	for _, c := range []struct {
		l    layers.Layer
		want string
	}{
		{&layers.CategoryEncoding{NumTokens: 5}, `"num_tokens":5,"output_mode":"multi_hot","sparse":false}}`},
		{&layers.CategoryEncoding{NumTokens: 2, OutputMode: "count"}, `"num_tokens":2,"output_mode":"count","sparse":false}}`},
		{&layers.Discretization{BinBoundaries: []float32{0, 1.5}}, `"bin_boundaries":[0,1.5],"num_bins":null,"epsilon":0.01,"output_mode":"int","sparse":false}}`},
		{&layers.Discretization{NumBins: 3, Epsilon: 0.1, OutputMode: "multi_hot"}, `"bin_boundaries":null,"num_bins":3,"epsilon":0.1,"output_mode":"multi_hot","sparse":false}}`},
		{&layers.Discretization{NumBins: 3, BinBoundaries: []float32{-1, 1}}, `"bin_boundaries":[-1,1],"num_bins":3,"epsilon":0.01,"output_mode":"int","sparse":false}}`},
	} {
		b, err := layers.MarshalLayer(c.l, "e")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(string(b), c.want) {
			t.Errorf("config %s\nwant it to end with %s", b, c.want)
		}
		l, _, err := layers.UnmarshalLayer(b)
		if err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if b2, _ := layers.MarshalLayer(l, "e"); string(b2) != string(b) {
			t.Errorf("round trip %s\nwant %s", b2, b)
		}
	}
	l, _, err := layers.UnmarshalLayer([]byte(`{"class_name":"CategoryEncoding","config":{"name":"e","num_tokens":3,"output_mode":"binary"}}`))
	if err != nil || l.(*layers.CategoryEncoding).OutputMode != "multi_hot" {
		t.Errorf("binary: %+v %v", l, err)
	}
	for _, c := range []struct{ class, cfg, want string }{
		{"CategoryEncoding", `"output_mode":"count"`, "num_tokens is missing"},
		{"CategoryEncoding", `"num_tokens":0`, "num_tokens must be >= 1, got 0"},
		{"CategoryEncoding", `"num_tokens":2,"output_mode":"tf_idf"`, `output_mode: unknown "tf_idf"`},
		{"CategoryEncoding", `"num_tokens":2,"sparse":true`, "sparse: sparse outputs are not supported"},
		{"Discretization", `"epsilon":0.1`, "bin_boundaries, num_bins: one of them must be set"},
		{"Discretization", `"num_bins":-1`, "num_bins must be >= 0, got -1"},
		{"Discretization", `"bin_boundaries":[2,1]`, "bin_boundaries must be sorted in increasing order"},
		{"Discretization", `"num_bins":2,"epsilon":0`, "epsilon must be in (0, 1], got 0"},
		{"Discretization", `"num_bins":2,"output_mode":"binary"`, `output_mode: unknown "binary"`},
		{"Discretization", `"num_bins":2,"sparse":true`, "sparse: sparse outputs are not supported"},
	} {
		_, _, err := layers.UnmarshalLayer([]byte(`{"class_name":"` + c.class + `","config":{"name":"n",` + c.cfg + `}}`))
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.class) {
			t.Errorf("%s %s: error %v, want it to name the class and contain %q", c.class, c.cfg, err, c.want)
		}
	}
}

func TestEncodingErrors(t *testing.T) {
	for _, c := range []struct {
		l    layers.Layer
		in   []int
		want string
	}{
		{&layers.CategoryEncoding{}, []int{2}, "layers: CategoryEncoding: NumTokens must be >= 1, got 0"},
		{&layers.CategoryEncoding{NumTokens: 2, OutputMode: "int"}, []int{2}, `layers: CategoryEncoding: unknown OutputMode "int"`},
		{&layers.CategoryEncoding{NumTokens: 2}, []int{2, 3}, `layers: CategoryEncoding: OutputMode "multi_hot" wants examples of rank 1`},
		{&layers.Discretization{}, []int{2}, "layers: Discretization: set BinBoundaries, or NumBins and call Adapt"},
		{&layers.Discretization{NumBins: 3}, []int{2}, "layers: Discretization: BinBoundaries are not set: call Adapt"},
		{&layers.Discretization{BinBoundaries: []float32{1, 0}}, []int{2}, "layers: Discretization: BinBoundaries must be sorted"},
		{&layers.Discretization{BinBoundaries: []float32{1}, Epsilon: 2}, []int{2}, "layers: Discretization: Epsilon must be in (0, 1], got 2"},
		{&layers.Discretization{BinBoundaries: []float32{1}, OutputMode: "binary"}, []int{2}, `layers: Discretization: unknown OutputMode "binary"`},
	} {
		_, _, perr := c.l.(layers.Planner).Plan(c.in)
		if _, err := c.l.Build(c.in, nil); err == nil || !strings.Contains(err.Error(), c.want) || perr == nil || perr.Error() != err.Error() {
			t.Errorf("%+v on %v: error %v (Plan %v), want it to contain %q", c.l, c.in, err, perr, c.want)
		}
	}
	for _, c := range []struct {
		err  error
		want string
	}{
		{(&layers.Discretization{BinBoundaries: []float32{1}}).Adapt(tensor.Zeros(3, 1)), "Adapt needs NumBins > 0, got 0"},
		{(&layers.Discretization{NumBins: 2}).Adapt(tensor.Zeros(0, 1)), "Adapt: the data is empty"},
		{(&layers.Discretization{NumBins: 2}).AdaptDataset(nil), "AdaptDataset: the dataset is nil"},
	} {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) || !strings.Contains(c.err.Error(), "layers: Discretization") {
			t.Errorf("error %v, want it to contain %q", c.err, c.want)
		}
	}
}

func TestEncodingAllocations(t *testing.T) {
	for _, c := range []struct {
		l  layers.Layer
		in []int
	}{
		{&layers.CategoryEncoding{NumTokens: 10, OutputMode: "one_hot"}, []int{1}},
		{&layers.CategoryEncoding{NumTokens: 10}, []int{4}},
		{&layers.Discretization{BinBoundaries: []float32{0.2, 0.5, 0.7}, OutputMode: "count"}, []int{4}},
	} {
		if _, err := c.l.Build(c.in, nil); err != nil {
			t.Fatal(err)
		}
		arena := tensor.NewArena()
		x := tt.Rand(1, 0, 10, append([]int{32}, c.in...)...).InArena(arena)
		step := func() {
			c.l.Call(x, true)
			arena.Reset()
		}
		step()
		if n := testing.AllocsPerRun(10, step); n != 0 {
			t.Errorf("%s: a step allocates %v times, want 0", c.l.ClassName(), n)
		}
	}
}
