package tensor_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/neuron-go/neuron/tensor"
	tt "github.com/neuron-go/neuron/tensor/tensortest"
)

// distinctValues returns a tensor whose values are a random permutation of
// (i − n/2)·spacing: no ties, and far enough apart that a finite-difference
// step never changes which element of a window is the largest.
func distinctValues(seed uint64, spacing float32, shape ...int) *tensor.Tensor {
	t := tensor.Zeros(shape...)
	d := t.Data()
	for i, p := range rand.New(rand.NewPCG(seed, 2)).Perm(len(d)) {
		d[i] = (float32(p) - float32(len(d))/2) * spacing
	}
	return t
}

// naiveMaxPool is max pooling by definition: the maximum over the window
// positions that fall inside the input (TensorFlow pads with −∞).
func naiveMaxPool(x *tensor.Tensor, pool, strides [2]int, padding string) ([]int, []float32) {
	n, h, w, c := x.Dim(0), x.Dim(1), x.Dim(2), x.Dim(3)
	oh, pt := tensor.ConvOutputSize(h, pool[0], strides[0], padding)
	ow, pl := tensor.ConvOutputSize(w, pool[1], strides[1], padding)
	var out []float32
	for in := 0; in < n; in++ {
		for i := 0; i < oh; i++ {
			for j := 0; j < ow; j++ {
				for ch := 0; ch < c; ch++ {
					m := float32(math.Inf(-1))
					for p := 0; p < pool[0]; p++ {
						for q := 0; q < pool[1]; q++ {
							y, z := i*strides[0]-pt+p, j*strides[1]-pl+q
							if y >= 0 && y < h && z >= 0 && z < w {
								m = max(m, x.At(in, y, z, ch))
							}
						}
					}
					out = append(out, m)
				}
			}
		}
	}
	return []int{n, oh, ow, c}, out
}

type poolCase struct {
	shape         []int
	pool, strides [2]int
	padding       string
}

var poolCases = []poolCase{
	{[]int{2, 4, 4, 3}, [2]int{2, 2}, [2]int{2, 2}, "valid"},
	{[]int{1, 5, 5, 2}, [2]int{2, 2}, [2]int{2, 2}, "valid"}, // odd: last row and column dropped
	{[]int{1, 5, 5, 2}, [2]int{2, 2}, [2]int{2, 2}, "same"},  // odd: last window overhangs
	{[]int{2, 4, 5, 2}, [2]int{3, 3}, [2]int{1, 1}, "valid"}, // overlapping windows
	{[]int{1, 4, 5, 2}, [2]int{3, 3}, [2]int{1, 1}, "same"},
	{[]int{1, 6, 7, 1}, [2]int{3, 2}, [2]int{2, 1}, "same"},
	{[]int{1, 7, 6, 3}, [2]int{3, 3}, [2]int{2, 2}, "valid"},
	{[]int{1, 3, 3, 4}, [2]int{2, 2}, [2]int{2, 2}, "valid"}, // 3 → 1, as in the course CNN
}

func (c poolCase) String() string {
	return fmt.Sprintf("x%v_p%dx%d_s%dx%d_%s", c.shape, c.pool[0], c.pool[1], c.strides[0], c.strides[1], c.padding)
}

func TestMaxPool2DForward(t *testing.T) {
	cases := append(poolCases[:len(poolCases):len(poolCases)],
		poolCase{[]int{8, 26, 26, 8}, [2]int{2, 2}, [2]int{2, 2}, "valid"}, // runs on several goroutines
	)
	for i, c := range cases {
		t.Run(c.String(), func(t *testing.T) {
			x := tt.Rand(uint64(i), -1, 1, c.shape...)
			got := tensor.MaxPool2D(x, c.pool, c.strides, c.padding)
			shape, want := naiveMaxPool(x, c.pool, c.strides, c.padding)
			if fmt.Sprint(got.Shape()) != fmt.Sprint(shape) {
				t.Fatalf("shape %v, want %v", got.Shape(), shape)
			}
			if err := tt.AllClose(got.Data(), want, 0, 0); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestMaxPool2DGradients(t *testing.T) {
	for i, c := range poolCases {
		t.Run(c.String(), func(t *testing.T) {
			x := distinctValues(uint64(i), 0.05, c.shape...)
			f := func(v ...*tensor.Tensor) *tensor.Tensor { return tensor.MaxPool2D(v[0], c.pool, c.strides, c.padding) }
			tt.GradCheck(t, f, []*tensor.Tensor{x}, tt.GradCheckOptions{Seed: uint64(i)})
		})
	}
}

// TestMaxPool2DTies checks that a tie sends the whole gradient to the first
// maximal element of the window in row-major order, as TensorFlow does.
func TestMaxPool2DTies(t *testing.T) {
	// One 2×2 window, two channels: channel 0 has its maximum at positions
	// (0,1) and (1,0), channel 1 everywhere.
	x := tensor.New([]int{1, 2, 2, 2}, []float32{
		1, 5, 3, 5,
		3, 5, 2, 5,
	}).RequireGrad()
	y := tensor.MaxPool2D(x, [2]int{2, 2}, [2]int{2, 2}, "valid")
	if err := tt.AllClose(y.Data(), []float32{3, 5}, 0, 0); err != nil {
		t.Fatal(err)
	}
	tensor.Backward(y.Sum())
	want := []float32{0, 1, 1, 0, 0, 0, 0, 0}
	if err := tt.AllClose(x.Grad().Data(), want, 0, 0); err != nil {
		t.Errorf("gradient %v, want %v: %v", x.Grad().Data(), want, err)
	}
}

func TestMaxPool2DShapes(t *testing.T) {
	for _, c := range []struct {
		in            []int
		pool, strides [2]int
		padding       string
		want          []int
	}{
		{[]int{2, 26, 26, 32}, [2]int{2, 2}, [2]int{2, 2}, "valid", []int{2, 13, 13, 32}},
		{[]int{2, 11, 11, 64}, [2]int{2, 2}, [2]int{2, 2}, "valid", []int{2, 5, 5, 64}},
		{[]int{2, 3, 3, 64}, [2]int{2, 2}, [2]int{2, 2}, "valid", []int{2, 1, 1, 64}},
		{[]int{1, 28, 28, 1}, [2]int{2, 2}, [2]int{2, 2}, "same", []int{1, 14, 14, 1}},
		{[]int{1, 5, 5, 1}, [2]int{2, 2}, [2]int{2, 2}, "same", []int{1, 3, 3, 1}},
		{[]int{1, 5, 5, 1}, [2]int{3, 3}, [2]int{1, 1}, "same", []int{1, 5, 5, 1}},
	} {
		got := tensor.MaxPool2D(tensor.Zeros(c.in...), c.pool, c.strides, c.padding).Shape()
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("MaxPool2D(%v, %v, %v, %s) shape %v, want %v", c.in, c.pool, c.strides, c.padding, got, c.want)
		}
	}
}

func TestMaxPool2DShapeErrors(t *testing.T) {
	for _, c := range []struct {
		name          string
		x             *tensor.Tensor
		pool, strides [2]int
		padding       string
	}{
		{"rank 3", tensor.Zeros(4, 4, 1), [2]int{2, 2}, [2]int{2, 2}, "valid"},
		{"pool larger than input", tensor.Zeros(1, 1, 4, 1), [2]int{2, 2}, [2]int{2, 2}, "valid"},
		{"zero pool", tensor.Zeros(1, 4, 4, 1), [2]int{0, 2}, [2]int{2, 2}, "valid"},
		{"negative stride", tensor.Zeros(1, 4, 4, 1), [2]int{2, 2}, [2]int{2, -1}, "valid"},
		{"bad padding", tensor.Zeros(1, 4, 4, 1), [2]int{2, 2}, [2]int{2, 2}, "causal"},
	} {
		mustShapeError(t, c.name, func() { tensor.MaxPool2D(c.x, c.pool, c.strides, c.padding) })
	}
}

// BenchmarkMaxPool2D times the 2×2 poolings of the course CNN at batch 32,
// on random inputs (so which element wins is unpredictable), without and
// with the argmax bookkeeping and backward pass of training. As in Fit, the
// batch is bound to an arena that is reset after each step.
func BenchmarkMaxPool2D(b *testing.B) {
	for _, in := range [][]int{{32, 26, 26, 32}, {32, 11, 11, 64}, {32, 3, 3, 64}} {
		arena := tensor.NewArena()
		x := tt.Rand(1, -1, 1, in...).InArena(arena)
		name := fmt.Sprintf("%dx%dx%d", in[1], in[2], in[3])
		b.Run(name+"/forward", func(b *testing.B) {
			for b.Loop() {
				tensor.MaxPool2D(x, [2]int{2, 2}, [2]int{2, 2}, "valid")
				arena.Reset()
			}
		})
		b.Run(name+"/forward+backward", func(b *testing.B) {
			anchor := tensor.Scalar(0).RequireGrad()
			for b.Loop() {
				y := tensor.MaxPool2D(hiddenView(x, anchor), [2]int{2, 2}, [2]int{2, 2}, "valid")
				tensor.Backward(tensor.Custom("seed", tensor.Scalar(0), []*tensor.Tensor{y}, func([]float32) {}))
				arena.Reset()
			}
		})
	}
}
