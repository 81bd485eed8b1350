package layers_test

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/tensor"
	tt "github.com/neuron-go/neuron/tensor/tensortest"
)

type augmenter interface {
	layers.Layer
	layers.Seeder
	layers.RandomStater
}

// TestAugmentationReference checks the layers, with ranges of one value
// so that the draw is known, against Keras's transforms and a numpy port
// of its affine_transform (testdata/gen/image_ref.py).
func TestAugmentationReference(t *testing.T) {
	b, err := os.ReadFile("testdata/augmentation_ref.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Cases []struct {
			Class  string
			Config json.RawMessage
			Shape  []int
			X, Y   []float64
		}
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.Cases) != 6 {
		t.Fatalf("%d cases", len(ref.Cases))
	}
	for _, c := range ref.Cases {
		cfg := strings.TrimSuffix(strings.TrimPrefix(string(c.Config), "{"), "}")
		l, _, err := layers.UnmarshalLayer([]byte(`{"class_name":"` + c.Class + `","config":{"name":"a",` + cfg + `}}`))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.Build(c.Shape[1:], nil); err != nil {
			t.Fatal(err)
		}
		x := tensor.New(c.Shape, f32(c.X))
		if err := tt.AllClose(l.Call(x, true).Data(), f32(c.Y), 1e-4, 1e-5); err != nil {
			t.Errorf("%s %s: %v", c.Class, c.Config, err)
		}
		if l.Call(x, false) != x {
			t.Errorf("%s: inference changed the input", c.Class)
		}
		// With one value per range the layer is deterministic, so it can
		// be differentiated numerically.
		tt.GradCheck(t, func(xs ...*tensor.Tensor) *tensor.Tensor { return l.Call(xs[0], true) },
			[]*tensor.Tensor{tt.Rand(4, 0, 1, 1, c.Shape[1], c.Shape[2], c.Shape[3])}, tt.GradCheckOptions{})
	}
}

func augmenters() []augmenter {
	return []augmenter{
		&layers.RandomFlip{},
		&layers.RandomFlip{Mode: "horizontal"},
		&layers.RandomTranslation{HeightFactor: layers.Factor{0.2}, WidthFactor: layers.Factor{-0.1, 0.3}},
		&layers.RandomRotation{Factor: layers.Factor{0.1}, FillMode: "constant", FillValue: 0.5},
		&layers.RandomZoom{HeightFactor: layers.Factor{0.3}, Interpolation: "nearest", FillMode: "wrap"},
		&layers.RandomZoom{HeightFactor: layers.Factor{-0.2, 0.1}, WidthFactor: layers.Factor{0.2}, FillMode: "nearest"},
		&layers.RandomContrast{Factor: layers.Factor{0.5}, ValueRange: [2]float32{0, 1}},
	}
}

// TestAugmentationRandomness checks that the draws differ per image and
// per call, repeat under the same seed, and resume from a saved random
// state, as Dropout's.
func TestAugmentationRandomness(t *testing.T) {
	x := tt.Rand(5, 0, 1, 16, 6, 7, 2)
	for _, l := range augmenters() {
		name := l.ClassName()
		if _, err := l.Build([]int{6, 7, 2}, nil); err != nil {
			t.Fatal(err)
		}
		if s, err := l.RandomState(); s != nil || err != nil {
			t.Errorf("%s: unseeded state %v, %v", name, s, err)
		}
		l.SeedFrom(rand.New(rand.NewPCG(3, 4)))
		y1 := append([]float32(nil), l.Call(x, true).Data()...)
		st, err := l.RandomState()
		if err != nil || st == nil {
			t.Fatalf("%s: state %v, %v", name, st, err)
		}
		y2 := append([]float32(nil), l.Call(x, true).Data()...)
		if reflect.DeepEqual(y1, y2) {
			t.Errorf("%s: two calls drew the same", name)
		}
		changed := 0
		per := len(y1) / 16
		for i := range 16 {
			if !reflect.DeepEqual(y1[i*per:(i+1)*per], x.Data()[i*per:(i+1)*per]) {
				changed++
			}
		}
		if changed < 3 || (changed == 16 && strings.HasPrefix(name, "RandomFlip")) {
			t.Errorf("%s: %d of 16 images changed", name, changed)
		}
		// The same model seed repeats the draws.
		if _, err := l.Build([]int{6, 7, 2}, nil); err != nil {
			t.Fatal(err)
		}
		l.SeedFrom(rand.New(rand.NewPCG(3, 4)))
		if got := l.Call(x, true).Data(); !reflect.DeepEqual(got, y1) {
			t.Errorf("%s: the same seed drew differently", name)
		}
		// A restored state resumes.
		if err := l.SetRandomState(st); err != nil {
			t.Fatal(err)
		}
		if got := l.Call(x, true).Data(); !reflect.DeepEqual(got, y2) {
			t.Errorf("%s: a restored state drew differently", name)
		}
	}
	// Seed fixes the stream whatever the model's seed.
	a := &layers.RandomRotation{Factor: layers.Factor{0.5}, Seed: 9}
	b := &layers.RandomRotation{Factor: layers.Factor{0.5}, Seed: 9}
	for i, l := range []*layers.RandomRotation{a, b} {
		if _, err := l.Build([]int{6, 7, 2}, nil); err != nil {
			t.Fatal(err)
		}
		l.SeedFrom(rand.New(rand.NewPCG(uint64(i), 1)))
	}
	if !reflect.DeepEqual(a.Call(x, true).Data(), b.Call(x, true).Data()) {
		t.Error("Seed did not fix the stream")
	}
}

// TestRandomFlipModes checks that each image is either unchanged or
// flipped as the mode says (both axes at once for
// horizontal_and_vertical, as in Keras).
func TestRandomFlipModes(t *testing.T) {
	x := tt.Rand(6, 0, 1, 40, 3, 4, 1)
	for _, c := range []struct {
		mode string
		h, v bool
	}{{"", true, true}, {"horizontal", true, false}, {"vertical", false, true}} {
		l := &layers.RandomFlip{Mode: c.mode, Seed: 1}
		if _, err := l.Build([]int{3, 4, 1}, nil); err != nil {
			t.Fatal(err)
		}
		y := l.Call(x, true).Data()
		flipped := 0
		for i := range 40 {
			img := tensor.FromSlice(x.Data()[i*12:(i+1)*12], 1, 3, 4, 1)
			f := tensor.FlipImages(img, []float32{1}, c.h, c.v).Data()
			switch got := y[i*12 : (i+1)*12]; {
			case reflect.DeepEqual(got, f):
				flipped++
			case !reflect.DeepEqual(got, img.Data()):
				t.Fatalf("%q: image %d is neither itself nor flipped", c.mode, i)
			}
		}
		if flipped < 10 || flipped > 30 {
			t.Errorf("%q: %d of 40 images flipped", c.mode, flipped)
		}
	}
}

func TestAugmentationConfig(t *testing.T) {
	for _, c := range []struct {
		l    layers.Layer
		want string
	}{
		{&layers.RandomFlip{}, `"seed":null,"mode":"horizontal_and_vertical","data_format":"channels_last"}}`},
		{&layers.RandomFlip{Mode: "vertical", Seed: 4}, `"seed":4,"mode":"vertical","data_format":"channels_last"}}`},
		{&layers.RandomTranslation{HeightFactor: layers.Factor{0.1}, WidthFactor: layers.Factor{-0.2, 0.3}},
			`"height_factor":0.1,"width_factor":[-0.2,0.3],"fill_mode":"reflect","interpolation":"bilinear","seed":null,"fill_value":0,"data_format":"channels_last"}}`},
		{&layers.RandomRotation{Factor: layers.Factor{0.2}, FillMode: "constant", FillValue: 1, Interpolation: "nearest"},
			`"factor":[-0.2,0.2],"fill_mode":"constant","interpolation":"nearest","seed":null,"fill_value":1,"data_format":"channels_last"}}`},
		{&layers.RandomZoom{HeightFactor: layers.Factor{0.2}},
			`"height_factor":0.2,"width_factor":null,"fill_mode":"reflect","interpolation":"bilinear","seed":null,"fill_value":0,"data_format":"channels_last"}}`},
		{&layers.RandomZoom{HeightFactor: layers.Factor{-0.3, 0.1}, WidthFactor: layers.Factor{0.5}, Seed: 2},
			`"height_factor":[-0.3,0.1],"width_factor":0.5,"fill_mode":"reflect","interpolation":"bilinear","seed":2,"fill_value":0,"data_format":"channels_last"}}`},
		{&layers.RandomContrast{Factor: layers.Factor{0.2}}, `"factor":[0,0.2],"value_range":[0,255],"seed":null}}`},
	} {
		b, err := layers.MarshalLayer(c.l, "a")
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
		if b2, _ := layers.MarshalLayer(l, "a"); string(b2) != string(b) {
			t.Errorf("round trip %s\nwant %s", b2, b)
		}
		if _, _, err := l.(layers.Planner).Plan([]int{5, 5, 3}); err != nil {
			t.Errorf("%s: Plan: %v", b, err)
		}
	}
	for _, c := range []struct{ class, cfg, want string }{
		{"RandomFlip", `"mode":"diagonal"`, `mode: unknown "diagonal"`},
		{"RandomFlip", `"data_format":"channels_first"`, "data_format"},
		{"RandomTranslation", `"height_factor":0.1`, "width_factor is missing"},
		{"RandomTranslation", `"height_factor":1.5,"width_factor":0`, "height_factor: layers: RandomTranslation: factor must be in [-1, 1], got 1.5"},
		{"RandomTranslation", `"height_factor":[0.1,0.2,0.3],"width_factor":0`, "must hold one or two values"},
		{"RandomTranslation", `"height_factor":"a","width_factor":0`, "want a number or a list of two numbers"},
		{"RandomTranslation", `"height_factor":0.1,"width_factor":0,"fill_mode":"mirror"`, `fill_mode, interpolation: unknown "mirror"`},
		{"RandomTranslation", `"height_factor":0.1,"width_factor":0,"factor":0.1`, "factor: not a key"},
		{"RandomRotation", `"fill_mode":"wrap"`, "factor is missing"},
		{"RandomRotation", `"factor":[-2,0.5]`, "factor values must be in [-1, 1]"},
		{"RandomRotation", `"factor":0.1,"interpolation":"bicubic"`, `unknown "reflect" or "bicubic"`},
		{"RandomZoom", `"height_factor":-1`, "height_factor: layers: RandomZoom: factor must be in (-1, 1], got -1"},
		{"RandomZoom", `"height_factor":0.1,"width_factor":[0.1,-1]`, "width_factor"},
		{"RandomContrast", `"value_range":[0,1]`, "factor is missing"},
		{"RandomContrast", `"factor":1.5`, "factor must be in [0, 1], got 1.5"},
		{"RandomContrast", `"factor":[-0.5,-0.1]`, "factor must be two numbers"},
		{"RandomContrast", `"factor":0.1,"value_range":[1,0]`, "value_range must be two numbers, the first below the second"},
	} {
		_, _, err := layers.UnmarshalLayer([]byte(`{"class_name":"` + c.class + `","config":{"name":"n",` + c.cfg + `}}`))
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.class) {
			t.Errorf("%s %s: error %v, want it to name the class and contain %q", c.class, c.cfg, err, c.want)
		}
	}
}

func TestAugmentationErrors(t *testing.T) {
	for _, c := range []struct {
		l    layers.Layer
		in   []int
		want string
	}{
		{&layers.RandomFlip{}, []int{4, 4}, "layers: RandomFlip: want examples of rank 3 (height, width, channels)"},
		{&layers.RandomFlip{Mode: "both"}, []int{4, 4, 1}, `layers: RandomFlip: unknown Mode "both"`},
		{&layers.RandomTranslation{HeightFactor: layers.Factor{0.1}}, []int{4, 4, 1}, "layers: RandomTranslation: WidthFactor is not set"},
		{&layers.RandomTranslation{HeightFactor: layers.Factor{0.1}, WidthFactor: layers.Factor{2}}, []int{4, 4, 1}, "layers: RandomTranslation: WidthFactor must be in [-1, 1], got 2"},
		{&layers.RandomTranslation{HeightFactor: layers.Factor{0.1}, WidthFactor: layers.Factor{0}, FillMode: "mirror"}, []int{4, 4, 1}, `layers: RandomTranslation: unknown FillMode "mirror"`},
		{&layers.RandomRotation{}, []int{4, 4, 1}, "layers: RandomRotation: Factor is not set"},
		{&layers.RandomRotation{Factor: layers.Factor{0.1}, Interpolation: "bicubic"}, []int{4, 4, 1}, `layers: RandomRotation: unknown Interpolation "bicubic"`},
		{&layers.RandomRotation{Factor: layers.Factor{0.1, 0.2, 0.3}}, []int{4, 4, 1}, "layers: RandomRotation: Factor must hold one or two values"},
		{&layers.RandomZoom{HeightFactor: layers.Factor{-1}}, []int{4, 4, 1}, "layers: RandomZoom: HeightFactor must be in (-1, 1], got -1"},
		{&layers.RandomZoom{HeightFactor: layers.Factor{0.1}, WidthFactor: layers.Factor{-1, 0}}, []int{4, 4, 1}, "layers: RandomZoom: WidthFactor values must be in (-1, 1]"},
		{&layers.RandomContrast{}, []int{4, 4, 1}, "layers: RandomContrast: Factor is not set"},
		{&layers.RandomContrast{Factor: layers.Factor{-0.1}}, []int{4, 4, 1}, "layers: RandomContrast: Factor must be in [0, 1], got -0.1"},
		{&layers.RandomContrast{Factor: layers.Factor{0.1}, ValueRange: [2]float32{1, 1}}, []int{4, 4, 1}, "layers: RandomContrast: ValueRange must be finite"},
		{&layers.RandomContrast{Factor: layers.Factor{0.1}}, []int{4}, "layers: RandomContrast: want examples of rank 3"},
	} {
		_, _, perr := c.l.(layers.Planner).Plan(c.in)
		if _, err := c.l.Build(c.in, nil); err == nil || !strings.Contains(err.Error(), c.want) || perr == nil || perr.Error() != err.Error() {
			t.Errorf("%+v on %v: error %v (Plan %v), want it to contain %q", c.l, c.in, err, perr, c.want)
		}
	}
}

func TestAugmentationAllocations(t *testing.T) {
	for _, l := range augmenters() {
		if _, err := l.Build([]int{8, 8, 3}, nil); err != nil {
			t.Fatal(err)
		}
		l.SeedFrom(rand.New(rand.NewPCG(1, 2)))
		arena := tensor.NewArena()
		x := tt.Rand(1, 0, 1, 8, 8, 8, 3).RequireGrad().InArena(arena)
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
