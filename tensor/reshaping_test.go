package tensor_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/neuron-go/neuron/tensor"
	tt "github.com/neuron-go/neuron/tensor/tensortest"
)

func TestPadCropRepeatPermuteValues(t *testing.T) {
	x := tensor.FromSlice([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	for _, c := range []struct {
		name  string
		got   *tensor.Tensor
		shape []int
		want  []float32
	}{
		// numpy.pad(x, ((1, 0), (0, 2)))
		{"pad", tensor.Pad(x, [][2]int{{1, 0}, {0, 2}}), []int{3, 5}, []float32{0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 4, 5, 6, 0, 0}},
		// x[0:1, 1:3]
		{"crop", tensor.Crop(x, [][2]int{{0, 1}, {1, 0}}), []int{1, 2}, []float32{2, 3}},
		// numpy.repeat(x, 2, axis=1)
		{"repeat axis 1", x.Repeat(2, 1), []int{2, 6}, []float32{1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6}},
		// numpy.repeat(x, 2, axis=0)
		{"repeat axis 0", x.Repeat(2, 0), []int{4, 3}, []float32{1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6}},
		// numpy.flip(x, axis=1), numpy.flip(x, axis=0)
		{"reverse axis 1", x.Reverse(1), []int{2, 3}, []float32{3, 2, 1, 6, 5, 4}},
		{"reverse axis 0", x.Reverse(-2), []int{2, 3}, []float32{4, 5, 6, 1, 2, 3}},
		// numpy.transpose(x)
		{"permute", tensor.Permute(x, []int{1, 0}), []int{3, 2}, []float32{1, 4, 2, 5, 3, 6}},
	} {
		if fmt.Sprint(c.got.Shape()) != fmt.Sprint(c.shape) {
			t.Errorf("%s: shape %v, want %v", c.name, c.got.Shape(), c.shape)
		}
		if err := tt.AllClose(c.got.Data(), c.want, 0, 0); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	// numpy.transpose(np.arange(24).reshape(2,3,4), (2,0,1))[1,1] = [13, 17, 21]
	y := tensor.Permute(tensor.FromSlice(iota(24), 2, 3, 4), []int{2, 0, 1})
	if fmt.Sprint(y.Shape()) != "[4 2 3]" || y.At(1, 1, 0) != 13 || y.At(1, 1, 1) != 17 || y.At(1, 1, 2) != 21 {
		t.Errorf("permute 3D: shape %v, row %v %v %v", y.Shape(), y.At(1, 1, 0), y.At(1, 1, 1), y.At(1, 1, 2))
	}
}

func iota(n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(i)
	}
	return s
}

func TestReshapingGradCheck(t *testing.T) {
	x := tt.Rand(2, -1, 1, 2, 3, 4, 2)
	for name, f := range map[string]func(xs ...*tensor.Tensor) *tensor.Tensor{
		"pad": func(xs ...*tensor.Tensor) *tensor.Tensor {
			return tensor.Pad(xs[0], [][2]int{{0, 0}, {1, 2}, {2, 0}, {0, 0}})
		},
		"crop": func(xs ...*tensor.Tensor) *tensor.Tensor {
			return tensor.Crop(xs[0], [][2]int{{0, 0}, {1, 1}, {0, 2}, {0, 1}})
		},
		"repeat":  func(xs ...*tensor.Tensor) *tensor.Tensor { return xs[0].Repeat(3, 2) },
		"reverse": func(xs ...*tensor.Tensor) *tensor.Tensor { return xs[0].Reverse(1) },
		"permute": func(xs ...*tensor.Tensor) *tensor.Tensor { return tensor.Permute(xs[0], []int{0, 3, 1, 2}) },
		"noise": func(xs ...*tensor.Tensor) *tensor.Tensor {
			return tensor.GaussianNoise(xs[0], 0.5, rand.New(rand.NewPCG(1, 2)))
		},
		"gauss drop": func(xs ...*tensor.Tensor) *tensor.Tensor {
			return tensor.GaussianDropout(xs[0], 0.3, rand.New(rand.NewPCG(1, 2)))
		},
		"spatial drop": func(xs ...*tensor.Tensor) *tensor.Tensor {
			return tensor.DropoutNoiseShape(xs[0], 0.5, []int{2, 1, 1, 2}, rand.New(rand.NewPCG(1, 2)))
		},
	} {
		t.Run(name, func(t *testing.T) { tt.GradCheck(t, f, []*tensor.Tensor{x}, tt.GradCheckOptions{}) })
	}
}

// TestDropoutNoiseShape checks that a spatial mask keeps or drops whole
// channels of an image, scaling kept ones by 1/(1 − rate).
func TestDropoutNoiseShape(t *testing.T) {
	x := tensor.Full(1, 4, 3, 3, 8)
	y := tensor.DropoutNoiseShape(x, 0.5, []int{4, 1, 1, 8}, rand.New(rand.NewPCG(3, 4)))
	kept := 0
	for n := range 4 {
		for c := range 8 {
			v := y.At(n, 0, 0, c)
			if v != 0 && v != 2 {
				t.Fatalf("value %v, want 0 or 2", v)
			}
			for i := range 3 {
				for j := range 3 {
					if y.At(n, i, j, c) != v {
						t.Fatalf("image %d channel %d is not dropped as a whole", n, c)
					}
				}
			}
			if v == 2 {
				kept++
			}
		}
	}
	if kept == 0 || kept == 32 {
		t.Errorf("%d of 32 channels kept", kept)
	}
}
