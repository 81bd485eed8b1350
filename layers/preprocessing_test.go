package layers_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/data"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/tensor"
	tt "github.com/neuron-go/neuron/tensor/tensortest"
)

type normRef struct {
	Name                              string
	Shape, Axis                       []int
	Invert                            bool
	Data, Mean, Variance, X, W, Y, DX []float64
}

func readNormRef(t *testing.T) []normRef {
	b, err := os.ReadFile("testdata/preprocessing_ref.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct{ Normalization []normRef }
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.Normalization) < 5 {
		t.Fatalf("%d cases", len(ref.Normalization))
	}
	return ref.Normalization
}

// TestNormalizationAdaptReference checks Adapt, AdaptDataset and the
// output and gradient against Keras's formulas computed in numpy
// (testdata/gen/preprocessing_ref.py).
func TestNormalizationAdaptReference(t *testing.T) {
	for _, c := range readNormRef(t) {
		for _, via := range []string{"Adapt", "AdaptDataset"} {
			t.Run(c.Name+"/"+via, func(t *testing.T) {
				axis := c.Axis
				if axis == nil {
					axis = []int{}
				}
				if len(axis) == 1 && axis[0] == -1 {
					axis = nil
				}
				l := &layers.Normalization{Axis: axis, Invert: c.Invert}
				d := tensor.New(c.Shape, f32(c.Data))
				var err error
				if via == "Adapt" {
					err = l.Adapt(d)
				} else {
					// Batches of 3 and a shorter last one: the combined
					// statistics must equal the whole data's.
					var ds *data.Dataset
					if ds, err = data.FromArrays(d, nil); err == nil {
						if ds, err = ds.Batch(3, false); err == nil {
							err = l.AdaptDataset(ds)
						}
					}
				}
				if err != nil {
					t.Fatal(err)
				}
				ws := l.Weights()
				if len(ws) != 3 || ws[0].Name != "mean" || ws[1].Name != "variance" || ws[2].Name != "count" || ws[0].Trainable || ws[1].Trainable || ws[2].Trainable {
					t.Fatalf("weights %v", ws)
				}
				if err := tt.AllClose(ws[0].Value.Data(), f32(c.Mean), 1e-5, 1e-5); err != nil {
					t.Errorf("mean: %v", err)
				}
				if err := tt.AllClose(ws[1].Value.Data(), f32(c.Variance), 1e-5, 1e-5); err != nil {
					t.Errorf("variance: %v", err)
				}
				xs := append([]int{2}, c.Shape[1:]...)
				x := tensor.New(xs, f32(c.X)).RequireGrad()
				y := l.Call(x, true)
				if err := tt.AllClose(y.Data(), f32(c.Y), 1e-5, 1e-5); err != nil {
					t.Errorf("output: %v", err)
				}
				tensor.Backward(y.Mul(tensor.New(xs, f32(c.W))).Sum())
				if err := tt.AllClose(x.Grad().Data(), f32(c.DX), 1e-5, 1e-5); err != nil {
					t.Errorf("dx: %v", err)
				}
				// The same statistics given as Mean and Variance.
				f := &layers.Normalization{Axis: axis, Invert: c.Invert, Mean: f32(c.Mean), Variance: f32(c.Variance)}
				if _, err := f.Build(c.Shape[1:], nil); err != nil {
					t.Fatal(err)
				}
				if len(f.Weights()) != 0 {
					t.Errorf("fixed statistics made weights %v", f.Weights())
				}
				if err := tt.AllClose(f.Call(x.Detach(), false).Data(), f32(c.Y), 1e-5, 1e-5); err != nil {
					t.Errorf("fixed statistics: output: %v", err)
				}
			})
		}
	}
}

func TestRescalingNormalizationGradCheck(t *testing.T) {
	for _, l := range []layers.Layer{
		&layers.Rescaling{Scale: 1.0 / 255},
		&layers.Rescaling{Scale: -2, Offset: 1},
		&layers.Normalization{Mean: []float32{1, 2, 3}, Variance: []float32{4, 0.25, 9}},
		&layers.Normalization{Mean: []float32{1}, Variance: []float32{4}, Invert: true},
	} {
		if _, err := l.Build([]int{2, 3}, nil); err != nil {
			t.Fatal(err)
		}
		tt.GradCheck(t, func(xs ...*tensor.Tensor) *tensor.Tensor { return l.Call(xs[0], true) }, []*tensor.Tensor{tt.Rand(2, -3, 3, 4, 2, 3)}, tt.GradCheckOptions{})
	}
	l := &layers.Rescaling{Scale: 1.0 / 127.5, Offset: -1}
	if _, err := l.Build([]int{3}, nil); err != nil {
		t.Fatal(err)
	}
	y := l.Call(tensor.FromSlice([]float32{0, 127.5, 255}, 1, 3), false).Data()
	if err := tt.AllClose(y, []float32{-1, 0, 1}, 1e-6, 0); err != nil {
		t.Errorf("Rescaling to [-1, 1]: %v", err)
	}
}

func TestRescalingNormalizationConfig(t *testing.T) {
	for _, c := range []struct {
		l    layers.Layer
		want string
	}{
		{&layers.Rescaling{Scale: 0.5}, `"scale":0.5,"offset":0}}`},
		{&layers.Rescaling{Scale: 2, Offset: -1}, `"scale":2,"offset":-1}}`},
		{&layers.Normalization{}, `"axis":[-1],"invert":false,"mean":null,"variance":null}}`},
		{&layers.Normalization{Axis: []int{}, Invert: true}, `"axis":[],"invert":true,"mean":null,"variance":null}}`},
		{&layers.Normalization{Axis: []int{1, 2}, Mean: []float32{1, 2}, Variance: []float32{3, 4}}, `"axis":[1,2],"invert":false,"mean":[1,2],"variance":[3,4]}}`},
		{&layers.Normalization{Mean: []float32{5}, Variance: []float32{2}}, `"axis":[-1],"invert":false,"mean":5,"variance":2}}`},
	} {
		b, err := layers.MarshalLayer(c.l, "p")
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
		if b2, _ := layers.MarshalLayer(l, "p"); string(b2) != string(b) {
			t.Errorf("round trip %s\nwant %s", b2, b)
		}
	}
	// What Keras writes for a per-pixel mean of 2×2 images, and axis=None.
	l, _, err := layers.UnmarshalLayer([]byte(`{"class_name":"Normalization","config":{"name":"n","axis":[1,2],"invert":false,"mean":[[1,2],[3,4]],"variance":[[1,1],[4,4]]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Build([]int{2, 2}, nil); err != nil {
		t.Fatal(err)
	}
	y := l.Call(tensor.FromSlice([]float32{1, 4, 5, 6}, 1, 2, 2), false).Data()
	if err := tt.AllClose(y, []float32{0, 2, 1, 1}, 1e-6, 0); err != nil {
		t.Errorf("nested mean: %v", err)
	}
	if l, _, err = layers.UnmarshalLayer([]byte(`{"class_name":"Normalization","config":{"name":"n","axis":null}}`)); err != nil || l.(*layers.Normalization).Axis == nil || len(l.(*layers.Normalization).Axis) != 0 {
		t.Errorf("axis null: %v %v", l, err)
	}
	for _, c := range []struct{ class, cfg, want string }{
		{"Rescaling", `"offset":1`, "scale is missing"},
		{"Rescaling", `"scale":0`, "scale must be finite and not 0, got 0"},
		{"Rescaling", `"scale":[1,2,3]`, "scale"},
		{"Normalization", `"axis":0`, "axis: [0] includes the batch axis 0"},
		{"Normalization", `"axis":"x"`, "axis: want an integer, a list of integers or null"},
		{"Normalization", `"mean":1`, "mean, variance: both must be set, or neither"},
		{"Normalization", `"mean":[1,2],"variance":[1]`, "mean, variance: 2 and 1 values"},
		{"Normalization", `"mean":1,"variance":-1`, "variance must be >= 0 and finite, got -1"},
		{"Normalization", `"mean":"a","variance":1`, "mean: want a number or a list of numbers"},
		{"Normalization", `"mean":[],"variance":[]`, "mean: the list is empty"},
		{"Normalization", `"mean":1e300,"variance":1`, "mean: 1e+300 is out of the range of float32"},
		{"Normalization", `"epsilon":1`, "epsilon"},
	} {
		_, _, err := layers.UnmarshalLayer([]byte(`{"class_name":"` + c.class + `","config":{"name":"n",` + c.cfg + `}}`))
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.class) {
			t.Errorf("%s %s: error %v, want it to name the class and contain %q", c.class, c.cfg, err, c.want)
		}
	}
}

func TestRescalingNormalizationErrors(t *testing.T) {
	for _, c := range []struct {
		l    layers.Layer
		in   []int
		want string
	}{
		{&layers.Rescaling{}, []int{3}, "layers: Rescaling: Scale is 0"},
		{&layers.Normalization{Axis: []int{0}}, []int{3}, "layers: Normalization: Axis [0] includes the batch axis"},
		{&layers.Normalization{Axis: []int{3}}, []int{3}, "layers: Normalization: Axis 3 is out of range"},
		{&layers.Normalization{Axis: []int{1, -2}}, []int{3, 2}, "layers: Normalization: Axis [1 -2] repeats axis 1"},
		{&layers.Normalization{Mean: []float32{1}}, []int{3}, "set both Mean and Variance"},
		{&layers.Normalization{Mean: []float32{1, 2}, Variance: []float32{1, 2}}, []int{3}, "Mean and Variance have 2 values; want 1 or 3"},
		{&layers.Normalization{Mean: []float32{1}, Variance: []float32{-1}}, []int{3}, "Variance must be >= 0 and finite, got -1"},
	} {
		_, _, perr := c.l.(layers.Planner).Plan(c.in)
		if _, err := c.l.Build(c.in, nil); err == nil || !strings.Contains(err.Error(), c.want) || perr == nil || perr.Error() != err.Error() {
			t.Errorf("%+v on %v: error %v (Plan %v), want it to contain %q", c.l, c.in, err, perr, c.want)
		}
	}
	l := &layers.Normalization{}
	if err := l.Adapt(tensor.Zeros(4, 3)); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		err  error
		want string
	}{
		{l.Adapt(tensor.Zeros(4, 2)), "built for examples of shape [3], got a batch of shape [4 2]"},
		{l.Adapt(tensor.Zeros(0, 3)), "want a non-empty batch"},
		{(&layers.Normalization{Mean: []float32{1}, Variance: []float32{1}}).Adapt(tensor.Zeros(2, 3)), "the layer has fixed Mean and Variance"},
		{l.AdaptDataset(nil), "AdaptDataset: the dataset is nil"},
		{l.AdaptDataset(data.New(func(func(data.Element) bool) error { return nil })), "the dataset has no elements"},
	} {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) || !strings.Contains(c.err.Error(), "layers: Normalization") {
			t.Errorf("error %v, want it to contain %q", c.err, c.want)
		}
	}
}

func TestRescalingNormalizationAllocations(t *testing.T) {
	for _, l := range []layers.Layer{
		&layers.Rescaling{Scale: 0.5, Offset: 1},
		&layers.Normalization{},
		&layers.Normalization{Invert: true, Axis: []int{1, 2}},
	} {
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

// rowsArray is a data.Array that is not a tensor, so that Adapt reads it
// in chunks.
type rowsArray struct{ t *tensor.Tensor }

func (a rowsArray) Rank() int                                  { return a.t.Rank() }
func (a rowsArray) Dim(i int) int                              { return a.t.Dim(i) }
func (a rowsArray) TakeRowsInto(dst *tensor.Tensor, idx []int) { a.t.TakeRowsInto(dst, idx) }

// TestAdaptArray adapts from an array of 10000 examples (three chunks):
// the statistics equal those of the whole tensor.
func TestAdaptArray(t *testing.T) {
	x := tt.Rand(8, -3, 7, 10000, 2, 2)
	whole, chunked := &layers.Normalization{}, &layers.Normalization{}
	if err := whole.Adapt(x); err != nil {
		t.Fatal(err)
	}
	if err := chunked.Adapt(rowsArray{x}); err != nil {
		t.Fatal(err)
	}
	for i, w := range whole.Weights()[:2] {
		if err := tt.AllClose(chunked.Weights()[i].Value.Data(), w.Value.Data(), 1e-5, 1e-5); err != nil {
			t.Errorf("%s: %v", w.Name, err)
		}
	}
	// The mean of uniform [-3, 7) is 2, its variance 100/12.
	if err := tt.AllClose(whole.Weights()[0].Value.Data(), []float32{2, 2}, 0.1, 0); err != nil {
		t.Errorf("mean: %v", err)
	}
	if err := tt.AllClose(whole.Weights()[1].Value.Data(), []float32{100.0 / 12, 100.0 / 12}, 0.3, 0); err != nil {
		t.Errorf("variance: %v", err)
	}
	d := &layers.Discretization{NumBins: 2}
	if err := d.Adapt(rowsArray{x}); err != nil {
		t.Fatal(err)
	}
	if len(d.BinBoundaries) != 1 || d.BinBoundaries[0] < 1.8 || d.BinBoundaries[0] > 2.2 {
		t.Errorf("median boundary %v, want about 2", d.BinBoundaries)
	}
	var nilT *tensor.Tensor
	for _, err := range []error{(&layers.Normalization{}).Adapt(nil), (&layers.Normalization{}).Adapt(nilT), (&layers.Discretization{NumBins: 2}).Adapt(rowsArray{tensor.Zeros(0, 2)})} {
		if err == nil || !strings.Contains(err.Error(), "Adapt:") {
			t.Errorf("error %v", err)
		}
	}
}
