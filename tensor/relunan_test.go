package tensor_test

import (
	"math"
	"testing"

	"github.com/neuron-go/neuron/tensor"
	tt "github.com/neuron-go/neuron/tensor/tensortest"
)

// nanBits is a quiet NaN with a payload, so that the test can tell it came
// through unchanged.
const nanBits = 0xffc00321

func sameBits(t *testing.T, what string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: value %d is %#x, want %#x", what, i, math.Float32bits(got[i]), math.Float32bits(want[i]))
		}
	}
}

// TestReLUPropagatesNaN checks that ReLU keeps a NaN (relu(NaN) = NaN, as
// IEEE maximum, Keras and PyTorch give) and that its gradient there is 0,
// as TensorFlow's ReluGrad and JAX's g·(x > 0) give.
func TestReLUPropagatesNaN(t *testing.T) {
	x := tensor.FromSlice([]float32{math.Float32frombits(nanBits), -1, float32(math.Copysign(0, -1)), 0, 2}, 5).RequireGrad()
	y := x.ReLU()
	want := []float32{math.Float32frombits(nanBits), 0, 0, 0, 2}
	sameBits(t, "ReLU", y.Data(), want)
	tensor.Backward(y.Mul(tensor.FromSlice([]float32{3, 3, 3, 3, 3}, 5)).Sum())
	sameBits(t, "ReLU gradient", x.Grad().Data(), []float32{0, 0, 0, 0, 3})
}

// TestFusedConvReLUNaN checks that the fused Conv2D+ReLU and
// Conv2D+ReLU+MaxPool2D keep a NaN of the input or the bias, bit for bit as
// the separate operations do, on the direct kernels (a small receptive
// field) and on the matrix-product path (a large one).
func TestFusedConvReLUNaN(t *testing.T) {
	for _, c := range []struct {
		name    string
		c, f    int
		padding string
		nanBias bool
	}{
		{"direct", 1, 32, "valid", false},
		{"direct same", 1, 32, "same", false},
		{"direct NaN bias", 1, 16, "same", true},
		{"matrix product", 8, 16, "valid", false},
		{"matrix product NaN bias", 8, 16, "same", true},
	} {
		x := tt.Rand(1, -1, 1, 2, 8, 8, c.c)
		x.Data()[(3*8+4)*c.c] = math.Float32frombits(nanBits) // image 0, row 3, column 4
		w := tt.Rand(2, -1, 1, 3, 3, c.c, c.f)
		b := tt.Rand(3, -1, 1, c.f)
		if c.nanBias {
			b.Data()[1] = math.Float32frombits(nanBits)
		}
		s := [2]int{1, 1}
		sep := tensor.Conv2D(x, w, b, s, c.padding).ReLU()
		fused := tensor.Conv2DReLU(x, w, b, s, c.padding)
		sameBits(t, c.name+": Conv2DReLU", fused.Data(), sep.Data())
		nan := 0
		for _, v := range fused.Data() {
			if v != v {
				nan++
			}
		}
		// The NaN input reaches the 9 outputs (of each filter) whose
		// window covers it; a NaN bias reaches every output of its filter.
		want := 9 * c.f
		if c.nanBias {
			want = 9*(c.f-1) + 2*8*8
		}
		if nan != want {
			t.Errorf("%s: %d NaN outputs, want %d", c.name, nan, want)
		}
		pool := [2]int{2, 2}
		pooled := tensor.Conv2DReLUMaxPool2D(x, w, b, s, c.padding, pool, pool, "valid")
		sameBits(t, c.name+": Conv2DReLUMaxPool2D", pooled.Data(), tensor.MaxPool2D(sep, pool, pool, "valid").Data())
	}
}

// TestMaxPoolNaN checks that a NaN anywhere in a window makes its maximum
// NaN, with the gradient going to the window's last NaN, as PyTorch 1.13's
// max_pool2d gives for these inputs (its kernel tests val > max ||
// isnan(val)).
func TestMaxPoolNaN(t *testing.T) {
	nan := float32(math.NaN())
	for _, c := range []struct {
		x, grad []float32
	}{
		{[]float32{1, nan, nan, 0.5}, []float32{0, 0, 1, 0}},
		{[]float32{3, 2, nan, 5}, []float32{0, 0, 1, 0}},
	} {
		for _, fused := range []bool{false, true} {
			x := tensor.FromSlice(append([]float32(nil), c.x...), 1, 2, 2, 1).RequireGrad()
			var y *tensor.Tensor
			if fused {
				// The fused Conv2D + ReLU + MaxPool2D path with a 1×1
				// identity kernel.
				w := tensor.FromSlice([]float32{1}, 1, 1, 1, 1)
				y = tensor.Conv2DReLUMaxPool2D(x, w, nil, [2]int{1, 1}, "valid", [2]int{2, 2}, [2]int{2, 2}, "valid")
			} else {
				y = tensor.MaxPool2D(x, [2]int{2, 2}, [2]int{2, 2}, "valid")
			}
			if v := y.Data()[0]; v == v {
				t.Errorf("fused=%v, x %v: max %v, want NaN", fused, c.x, v)
			}
			tensor.Backward(y.Sum())
			want := c.grad
			if fused {
				want = make([]float32, 4) // the ReLU's gradient at NaN is 0
			}
			for i, g := range x.Grad().Data() {
				if g != want[i] {
					t.Errorf("fused=%v, x %v: gradient %v, want %v", fused, c.x, x.Grad().Data(), want)
					break
				}
			}
		}
	}
}
