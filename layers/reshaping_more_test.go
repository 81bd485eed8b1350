package layers_test

import (
	"math"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/tensor"
	tt "github.com/neuron-go/neuron/tensor/tensortest"
)

// TestReshapingReference checks the padding, cropping, up-sampling,
// Permute and RepeatVector layers against torch
// (testdata/gen/reshaping_ref.py).
func TestReshapingReference(t *testing.T) { checkLayerReference(t, "testdata/reshaping_ref.json") }

func TestReshapingBuildErrors(t *testing.T) {
	for _, c := range []struct {
		l    layers.Layer
		in   []int
		want string
	}{
		{&layers.ZeroPadding2D{Padding: [2][2]int{{-1, 0}, {0, 0}}}, []int{4, 4, 1}, "layers: ZeroPadding2D: Padding must be >= 0"},
		{&layers.ZeroPadding2D{}, []int{4, 4}, "want examples of rank 3 (height, width, channels), got shape [4 4]"},
		{&layers.ZeroPadding1D{}, []int{4, 4, 1}, "layers: ZeroPadding1D: want examples of rank 2 (steps, features)"},
		{&layers.Cropping2D{Cropping: [2][2]int{{2, 2}, {0, 0}}}, []int{4, 4, 1}, "layers: Cropping2D: Cropping [[2 2] [0 0]] leaves nothing of the input of shape [4 4 1]"},
		{&layers.Cropping1D{}, []int{2, 3}, "layers: Cropping1D: Cropping [[1 1]] leaves nothing"},
		{&layers.UpSampling2D{Size: [2]int{0, 2}}, []int{4, 4, 1}, "layers: UpSampling2D: Size must be positive, got [0 2]"},
		{&layers.UpSampling2D{Interpolation: "bilinear"}, []int{4, 4, 1}, `Interpolation "bilinear" is not supported`},
		{&layers.UpSampling1D{Size: -1}, []int{4, 1}, "layers: UpSampling1D: Size must be positive, got -1"},
		{&layers.Permute{Dims: []int{1, 1}}, []int{4, 4}, "layers: Permute: Dims must be a permutation of 1, …, 2, got [1 1]"},
		{&layers.Permute{Dims: []int{0, 1}}, []int{4, 4}, "Dims must be a permutation"},
		{&layers.Permute{Dims: []int{2, 1}}, []int{4, 4, 1}, "layers: Permute: Dims [2 1] needs examples of rank 2, got shape [4 4 1]"},
		{&layers.RepeatVector{}, []int{4}, "layers: RepeatVector: N must be > 0, got 0"},
		{&layers.RepeatVector{N: 2}, []int{4, 2}, "want examples of rank 1 (features)"},
		{&layers.GaussianNoise{Stddev: 1.5}, []int{4}, "layers: GaussianNoise: Stddev must be in [0, 1], got 1.5"},
		{&layers.GaussianDropout{Rate: 1}, []int{4}, "layers: GaussianDropout: Rate must be in [0, 1), got 1"},
		{&layers.SpatialDropout2D{Rate: 0.5}, []int{4, 4}, "layers: SpatialDropout2D: want examples of rank 3"},
		{&layers.SpatialDropout1D{Rate: -0.1}, []int{4, 4}, "layers: SpatialDropout1D: Rate must be in [0, 1), got -0.1"},
		{&layers.ActivityRegularization{L1: -1}, []int{4}, "layers: ActivityRegularization: L1 and L2 must be >= 0 and finite, got -1 and 0"},
	} {
		if _, err := c.l.Build(c.in, nil); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%T%+v on %v: error %v, want it to contain %q", c.l, c.l, c.in, err, c.want)
		}
	}
}

// TestReshapingKerasConfigs checks the config keys Keras 3 writes for each
// layer's get_config and that each config loads back to the same layer.
func TestReshapingKerasConfigs(t *testing.T) {
	for _, c := range []struct {
		l    layers.Layer
		want string
	}{
		{&layers.ZeroPadding2D{}, `"padding":[[1,1],[1,1]],"data_format":"channels_last"}`},
		{&layers.ZeroPadding1D{Padding: [2]int{0, 2}}, `"padding":[0,2],"data_format":"channels_last"}`},
		{&layers.Cropping2D{Cropping: [2][2]int{{1, 2}, {3, 4}}}, `"cropping":[[1,2],[3,4]],"data_format":"channels_last"}`},
		{&layers.Cropping1D{}, `"cropping":[1,1]}`},
		{&layers.UpSampling2D{}, `"size":[2,2],"data_format":"channels_last","interpolation":"nearest"}`},
		{&layers.UpSampling1D{}, `"size":2}`},
		{&layers.Permute{Dims: []int{2, 1}}, `"dims":[2,1]}`},
		{&layers.RepeatVector{N: 3}, `"n":3}`},
		{&layers.Identity{}, `"dtype":"float32"}`},
		{&layers.GaussianNoise{Stddev: 0.1}, `"stddev":0.1,"seed":null}`},
		{&layers.GaussianDropout{Rate: 0.2, Seed: 7}, `"rate":0.2,"seed":7}`},
		{&layers.SpatialDropout1D{Rate: 0.3}, `"rate":0.3,"seed":null}`},
		{&layers.SpatialDropout2D{Rate: 0.3}, `"rate":0.3,"seed":null,"data_format":"channels_last"}`},
		{&layers.ActivityRegularization{L1: 0.01}, `"l1":0.01,"l2":0}`},
	} {
		b, err := layers.MarshalLayer(c.l, "x")
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
		if b2, _ := layers.MarshalLayer(back, "x"); string(b2) != string(b) {
			t.Errorf("%T: round trip %s, want %s", c.l, b2, b)
		}
	}
	for _, c := range []struct{ in, want string }{
		{`{"class_name":"ZeroPadding2D","config":{"name":"a","padding":[[1,-1],[0,0]]}}`, "padding must be >= 0"},
		{`{"class_name":"ZeroPadding2D","config":{"name":"a","cropping":[[1,1],[0,0]]}}`, "cropping: not a key of ZeroPadding2D"},
		{`{"class_name":"Cropping1D","config":{"name":"a","cropping":[1]}}`, "cropping"},
		{`{"class_name":"UpSampling2D","config":{"name":"a","interpolation":"bicubic"}}`, `interpolation: "bicubic" is not supported`},
		{`{"class_name":"Permute","config":{"name":"a","dims":[1,3]}}`, "dims: must be a permutation"},
		{`{"class_name":"RepeatVector","config":{"name":"a"}}`, "n must be > 0, got 0"},
		{`{"class_name":"GaussianNoise","config":{"name":"a"}}`, "stddev must be in [0, 1], got nothing"},
		{`{"class_name":"GaussianDropout","config":{"name":"a","rate":1}}`, "rate must be in [0, 1), got 1"},
		{`{"class_name":"SpatialDropout1D","config":{"name":"a","rate":0.1,"data_format":"channels_last"}}`, "data_format: not a key of this layer"},
		{`{"class_name":"ActivityRegularization","config":{"name":"a","l2":-3}}`, "l1, l2: must be >= 0"},
	} {
		if _, _, err := layers.UnmarshalLayer([]byte(c.in)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.in, err, c.want)
		}
	}
}

// TestNoiseLayers checks the noise layers' statistics against their
// definitions, that they pass inputs through outside training, and that a
// seed repeats the draws.
func TestNoiseLayers(t *testing.T) {
	const n = 1 << 16
	x := tensor.Full(2, n)
	moments := func(v []float32) (mean, std float64) {
		for _, a := range v {
			mean += float64(a)
		}
		mean /= float64(len(v))
		for _, a := range v {
			std += (float64(a) - mean) * (float64(a) - mean)
		}
		return mean, math.Sqrt(std / float64(len(v)))
	}
	// 2 + N(0, 0.5²): mean 2, std 0.5; standard error of the mean 0.5/256.
	gn := &layers.GaussianNoise{Stddev: 0.5, Seed: 3}
	if _, err := gn.Build([]int{n}, nil); err != nil {
		t.Fatal(err)
	}
	y := gn.Call(x.Reshape(1, n), true)
	if m, s := moments(y.Data()); math.Abs(m-2) > 5*0.5/256 || math.Abs(s-0.5) > 0.01 {
		t.Errorf("GaussianNoise: mean %v, std %v, want 2 and 0.5", m, s)
	}
	// 2·N(1, 0.2/0.8): mean 2, std 2·0.5 = 1.
	gd := &layers.GaussianDropout{Rate: 0.2, Seed: 3}
	if _, err := gd.Build([]int{n}, nil); err != nil {
		t.Fatal(err)
	}
	y = gd.Call(x.Reshape(1, n), true)
	if m, s := moments(y.Data()); math.Abs(m-2) > 5*1.0/256 || math.Abs(s-1) > 0.02 {
		t.Errorf("GaussianDropout: mean %v, std %v, want 2 and 1", m, s)
	}
	for _, l := range []layers.Layer{gn, gd, &layers.SpatialDropout1D{Rate: 0.5}} {
		xi := tensor.Full(2, 1, 8, 4)
		if _, err := l.Build([]int{8, 4}, nil); err != nil {
			if _, err := l.Build([]int{32}, nil); err != nil {
				t.Fatal(err)
			}
			xi = xi.Reshape(1, 32)
		}
		if l.Call(xi, false) != xi {
			t.Errorf("%s: not the identity outside training", l.ClassName())
		}
	}
	// The same seed, the same noise.
	a := &layers.GaussianNoise{Stddev: 0.5, Seed: 9}
	b := &layers.GaussianNoise{Stddev: 0.5, Seed: 9}
	a.Build([]int{4}, nil)
	b.Build([]int{4}, nil)
	if err := tt.AllClose(a.Call(tensor.Zeros(2, 4), true).Data(), b.Call(tensor.Zeros(2, 4), true).Data(), 0, 0); err != nil {
		t.Errorf("seeded GaussianNoise differs: %v", err)
	}
}

// TestSpatialDropout checks that SpatialDropout1D drops whole features of
// a sequence and scales the kept ones by 1/(1 − rate).
func TestSpatialDropout(t *testing.T) {
	l := &layers.SpatialDropout1D{Rate: 0.5, Seed: 1}
	if _, err := l.Build([]int{5, 16}, nil); err != nil {
		t.Fatal(err)
	}
	y := l.Call(tensor.Full(1, 3, 5, 16), true)
	dropped := 0
	for n := range 3 {
		for f := range 16 {
			v := y.At(n, 0, f)
			if v != 0 && v != 2 {
				t.Fatalf("value %v, want 0 or 2", v)
			}
			for s := range 5 {
				if y.At(n, s, f) != v {
					t.Fatalf("sequence %d feature %d not dropped as a whole", n, f)
				}
			}
			if v == 0 {
				dropped++
			}
		}
	}
	if dropped == 0 || dropped == 48 {
		t.Errorf("%d of 48 features dropped", dropped)
	}
}

// TestActivityRegularization checks Keras 3's activity loss,
// (l1·Σ|x| + l2·Σx²) / batch, computed by hand.
func TestActivityRegularization(t *testing.T) {
	l := &layers.ActivityRegularization{L1: 0.1, L2: 0.01}
	if _, err := l.Build([]int{2}, nil); err != nil {
		t.Fatal(err)
	}
	x := tensor.FromSlice([]float32{1, -2, 3, -4}, 2, 2)
	if l.Call(x, true) != x {
		t.Error("ActivityRegularization changed its input")
	}
	// Σ|x| = 10, Σx² = 30: (0.1·10 + 0.01·30) / 2 = 0.65.
	p := l.RegularizationLoss()
	if p == nil || math.Abs(float64(p.Item())-0.65) > 1e-6 {
		t.Fatalf("loss %v, want 0.65", p)
	}
	if l.RegularizationLoss() != nil {
		t.Error("the loss is returned twice")
	}
	l.Call(x, false)
	if l.RegularizationLoss() != nil {
		t.Error("a loss outside training")
	}
}

func TestReshapingAllocations(t *testing.T) {
	for _, c := range []struct {
		l     layers.Layer
		shape []int
	}{
		{&layers.ZeroPadding2D{}, []int{4, 6, 6, 8}},
		{&layers.Cropping2D{Cropping: [2][2]int{{1, 1}, {1, 1}}}, []int{4, 6, 6, 8}},
		{&layers.UpSampling2D{}, []int{4, 6, 6, 8}},
		{&layers.UpSampling1D{}, []int{4, 6, 8}},
		{&layers.Permute{Dims: []int{2, 1}}, []int{4, 6, 8}},
		{&layers.RepeatVector{N: 3}, []int{4, 8}},
		{&layers.GaussianNoise{Stddev: 0.1}, []int{4, 8}},
		{&layers.GaussianDropout{Rate: 0.1}, []int{4, 8}},
		{&layers.SpatialDropout2D{Rate: 0.3}, []int{4, 6, 6, 8}},
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
