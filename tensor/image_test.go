package tensor_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/neuron-go/neuron/tensor"
	tt "github.com/neuron-go/neuron/tensor/tensortest"
)

func f64to32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// TestAffineTransformReference checks every interpolation and fill mode
// against a numpy port of Keras's map_coordinates
// (testdata/gen/image_ref.py), and RandomContrast's formula.
func TestAffineTransformReference(t *testing.T) {
	b, err := os.ReadFile("testdata/image_ref.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Affine []struct {
			Interpolation string
			FillMode      string  `json:"fill_mode"`
			FillValue     float32 `json:"fill_value"`
			Shape         []int
			X, Y          []float64
			Transforms    []float64
		}
		Contrast struct {
			Shape  []int
			X, Y   []float64
			Factor []float64
		}
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.Affine) != 8 {
		t.Fatalf("%d cases", len(ref.Affine))
	}
	for _, c := range ref.Affine {
		x := tensor.New(c.Shape, f64to32(c.X))
		y := tensor.AffineTransform(x, f64to32(c.Transforms), c.Interpolation, c.FillMode, c.FillValue)
		if err := tt.AllClose(y.Data(), f64to32(c.Y), 1e-5, 1e-5); err != nil {
			t.Errorf("%s %s: %v", c.Interpolation, c.FillMode, err)
		}
	}
	c := ref.Contrast
	y := tensor.AdjustContrast(tensor.New(c.Shape, f64to32(c.X)), f64to32(c.Factor), 0, 255)
	if err := tt.AllClose(y.Data(), f64to32(c.Y), 1e-3, 1e-5); err != nil {
		t.Errorf("contrast: %v", err)
	}
}

func TestImageOpsGradients(t *testing.T) {
	rot := []float32{0.8, -0.6, 1.5, 0.6, 0.8, -0.7, 0, 0}
	shift := []float32{1, 0, 0.4, 0, 1, -1.3, 0, 0}
	for _, interp := range []string{tensor.Bilinear, tensor.Nearest} {
		for _, mode := range []string{tensor.FillReflect, tensor.FillWrap, tensor.FillConstant, tensor.FillNearest} {
			tr := append(append([]float32(nil), rot...), shift...)
			tt.GradCheck(t, func(xs ...*tensor.Tensor) *tensor.Tensor {
				return tensor.AffineTransform(xs[0], tr, interp, mode, 0.5)
			}, []*tensor.Tensor{tt.Rand(1, -1, 1, 2, 4, 5, 2)}, tt.GradCheckOptions{})
		}
	}
	tt.GradCheck(t, func(xs ...*tensor.Tensor) *tensor.Tensor {
		return tensor.FlipImages(xs[0], []float32{1, 0, 1}, true, true)
	}, []*tensor.Tensor{tt.Rand(2, -1, 1, 3, 3, 4, 2)}, tt.GradCheckOptions{})
	tt.GradCheck(t, func(xs ...*tensor.Tensor) *tensor.Tensor {
		return tensor.FlipImages(xs[0], []float32{1, 1}, true, false)
	}, []*tensor.Tensor{tt.Rand(2, -1, 1, 2, 3, 4, 1)}, tt.GradCheckOptions{})
	// Values well inside [lo, hi], so that no clip is near.
	tt.GradCheck(t, func(xs ...*tensor.Tensor) *tensor.Tensor {
		return tensor.AdjustContrast(xs[0], []float32{0.6, 1.4}, -10, 10)
	}, []*tensor.Tensor{tt.Rand(3, -1, 1, 2, 3, 2, 3)}, tt.GradCheckOptions{})
	// And with some values clipped.
	tt.GradCheck(t, func(xs ...*tensor.Tensor) *tensor.Tensor {
		return tensor.AdjustContrast(xs[0], []float32{1.7, 1.2}, -0.8, 0.8)
	}, []*tensor.Tensor{tensor.FromSlice([]float32{-1, 0.1, 0.5, 0.2, -0.3, 0.9, 0.05, -0.6}, 2, 2, 2, 1)}, tt.GradCheckOptions{})
}

func TestFlipImages(t *testing.T) {
	x := tensor.FromSlice([]float32{1, 2, 3, 4, 5, 6}, 1, 2, 3, 1)
	for _, c := range []struct {
		h, v bool
		want []float32
	}{
		{true, false, []float32{3, 2, 1, 6, 5, 4}},
		{false, true, []float32{4, 5, 6, 1, 2, 3}},
		{true, true, []float32{6, 5, 4, 3, 2, 1}},
	} {
		if err := tt.AllClose(tensor.FlipImages(x, []float32{1}, c.h, c.v).Data(), c.want, 0, 0); err != nil {
			t.Errorf("h=%v v=%v: %v", c.h, c.v, err)
		}
	}
	if err := tt.AllClose(tensor.FlipImages(x, []float32{0}, true, true).Data(), x.Data(), 0, 0); err != nil {
		t.Errorf("no flip: %v", err)
	}
}
