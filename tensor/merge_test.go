package tensor_test

import (
	"math"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/tensor"
	tt "github.com/neuron-go/neuron/tensor/tensortest"
)

// TestMaximumMinimumTies checks TensorFlow's rule by hand: at a tie the
// whole gradient goes to the first operand (x ≥ y for Maximum, x ≤ y for
// Minimum), and a NaN operand sends it to the second.
func TestMaximumMinimumTies(t *testing.T) {
	nan := float32(math.NaN())
	for _, tc := range []struct {
		name       string
		f          func(x, y *tensor.Tensor) *tensor.Tensor
		x, y       []float32
		want       []float32
		gx, gy     []float32
		nanAtIndex int
	}{
		{"Maximum", (*tensor.Tensor).Maximum, []float32{1, 2, 5, nan, 0}, []float32{1, 3, 4, 0, nan},
			[]float32{1, 3, 5, nan, nan}, []float32{1, 0, 1, 0, 0}, []float32{0, 1, 0, 1, 1}, 3},
		{"Minimum", (*tensor.Tensor).Minimum, []float32{1, 2, 5, nan, 0}, []float32{1, 3, 4, 0, nan},
			[]float32{1, 2, 4, nan, nan}, []float32{1, 1, 0, 0, 0}, []float32{0, 0, 1, 1, 1}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := tensor.FromSlice(tc.x).RequireGrad()
			y := tensor.FromSlice(tc.y).RequireGrad()
			out := tc.f(x, y)
			for i, v := range out.Data() {
				w := tc.want[i]
				if v != w && !(math.IsNaN(float64(v)) && math.IsNaN(float64(w))) {
					t.Errorf("value %d: got %v, want %v", i, v, w)
				}
			}
			// Backward through a weighted sum that skips the NaN results,
			// so that the gradients stay finite.
			tensor.Backward(nanFree(out).Sum())
			if err := tt.AllClose(x.Grad().Data(), tc.gx, 0, 0); err != nil {
				t.Errorf("x gradient: %v", err)
			}
			if err := tt.AllClose(y.Grad().Data(), tc.gy, 0, 0); err != nil {
				t.Errorf("y gradient: %v", err)
			}
		})
	}
}

// nanFree returns t with its NaNs replaced by 0 through a Custom op whose
// gradient passes g through unchanged.
func nanFree(t *tensor.Tensor) *tensor.Tensor {
	d := make([]float32, t.Size())
	for i, v := range t.Data() {
		if !math.IsNaN(float64(v)) {
			d[i] = v
		}
	}
	out := tensor.FromSlice(d, t.Shape()...)
	return tensor.Custom("nanFree", out, []*tensor.Tensor{t}, func(g []float32) {
		dst := tensor.GradOf(t)
		for i, v := range g {
			dst[i] += v
		}
	})
}

func TestMaximumBroadcasts(t *testing.T) {
	x := tensor.FromSlice([]float32{1, 5, -1, 2, 0, 7}, 2, 3)
	y := tensor.FromSlice([]float32{2, 2, 2}, 3)
	if err := tt.AllClose(x.Maximum(y).Data(), []float32{2, 5, 2, 2, 2, 7}, 0, 0); err != nil {
		t.Error("Maximum:", err)
	}
	if err := tt.AllClose(x.Minimum(y).Data(), []float32{1, 2, -1, 2, 0, 2}, 0, 0); err != nil {
		t.Error("Minimum:", err)
	}
}

func TestConcatValues(t *testing.T) {
	a := tensor.FromSlice([]float32{1, 2, 3, 4}, 2, 2)
	b := tensor.FromSlice([]float32{5, 6}, 2, 1)
	got := tensor.Concat(-1, a, b)
	if s := got.Shape(); len(s) != 2 || s[0] != 2 || s[1] != 3 {
		t.Fatalf("shape %v, want [2 3]", s)
	}
	if err := tt.AllClose(got.Data(), []float32{1, 2, 5, 3, 4, 6}, 0, 0); err != nil {
		t.Error(err)
	}
	c := tensor.FromSlice([]float32{7, 8}, 1, 2)
	if err := tt.AllClose(tensor.Concat(0, a, c).Data(), []float32{1, 2, 3, 4, 7, 8}, 0, 0); err != nil {
		t.Error("axis 0:", err)
	}
}

func TestBatchDotValues(t *testing.T) {
	// x[b] is 2×3, y[b] is 2×2; axes (1, 1) sum over the rows:
	// out[b] = x[b]ᵀ·y[b], 3×2.
	x := tensor.FromSlice([]float32{1, 2, 3, 4, 5, 6, 0, 1, 0, 1, 0, 1}, 2, 2, 3)
	y := tensor.FromSlice([]float32{1, 0, 0, 1, 2, 3, 4, 5}, 2, 2, 2)
	got := tensor.BatchDot(x, y, 1, 1)
	want := []float32{1, 4, 2, 5, 3, 6, 4, 5, 2, 3, 4, 5}
	if s := got.Shape(); len(s) != 3 || s[1] != 3 || s[2] != 2 {
		t.Fatalf("shape %v, want [2 3 2]", s)
	}
	if err := tt.AllClose(got.Data(), want, 0, 0); err != nil {
		t.Error(err)
	}
	// Two batches of vectors give [B, 1].
	v := tensor.BatchDot(tensor.FromSlice([]float32{1, 2, 3, 4}, 2, 2), tensor.FromSlice([]float32{5, 6, 7, 8}, 2, 2), -1, -1)
	if s := v.Shape(); len(s) != 2 || s[0] != 2 || s[1] != 1 {
		t.Fatalf("vector shape %v, want [2 1]", s)
	}
	if err := tt.AllClose(v.Data(), []float32{17, 53}, 0, 0); err != nil {
		t.Error("vectors:", err)
	}
}

func TestBatchDotRejects(t *testing.T) {
	x, y := tensor.Zeros(2, 3), tensor.Zeros(2, 4)
	for _, tc := range []struct {
		name   string
		x, y   *tensor.Tensor
		ax, ay int
		msg    string
	}{
		{"sizes", x, y, 1, 1, "differ"},
		{"batch axis", x, x, 0, 1, "batch axis"},
		{"range", x, x, 2, 1, "out of range"},
		{"rank 1", tensor.Zeros(3), x, 0, 1, "rank 2"},
		{"batch sizes", x, tensor.Zeros(3, 3), 1, 1, "batch sizes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			func() {
				defer tensor.RecoverShapeError(&err)
				tensor.BatchDot(tc.x, tc.y, tc.ax, tc.ay)
			}()
			if err == nil || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("got %v, want an error with %q", err, tc.msg)
			}
		})
	}
}

func TestL2NormalizeAxisValues(t *testing.T) {
	x := tensor.FromSlice([]float32{3, 4, 0, 0, 1e-9, 0}, 3, 2)
	got := x.L2NormalizeAxis(-1, 1e-7)
	// The last row's norm is below ε = 1e-7, so it is divided by ε.
	if err := tt.AllClose(got.Data(), []float32{0.6, 0.8, 0, 0, 0.01, 0}, 1e-7, 1e-6); err != nil {
		t.Error(err)
	}
	// Along axis 0 of a 2×2: columns (1, 1)/√2 and (0, 2)/2.
	c := tensor.FromSlice([]float32{1, 0, 1, 2}, 2, 2).L2NormalizeAxis(0, 1e-7)
	r := float32(1 / math.Sqrt2)
	if err := tt.AllClose(c.Data(), []float32{r, 0, r, 1}, 1e-7, 1e-6); err != nil {
		t.Error("axis 0:", err)
	}
}

// TestMergeOpsDoNotAllocate checks that the merge operations, forward and
// backward, borrow everything from the arena in steady state, Concat of
// more than three inputs included.
func TestMergeOpsDoNotAllocate(t *testing.T) {
	arena := tensor.NewArena()
	ws := make([]*tensor.Tensor, 5)
	xs := make([]*tensor.Tensor, 5)
	for i := range ws {
		ws[i] = tt.Rand(uint64(i+1), -1, 1, 4, 3).RequireGrad()
		xs[i] = tt.Rand(uint64(i+10), -1, 1, 4, 3).InArena(arena)
	}
	hs := make([]*tensor.Tensor, 5)
	step := func() {
		for i := range hs {
			hs[i] = xs[i].Mul(ws[i])
		}
		c := tensor.Concat(-1, hs...)                                  // [4, 15]
		m := hs[0].Maximum(hs[1]).Minimum(hs[2])                       // [4, 3]
		d := tensor.BatchDot(m.L2NormalizeAxis(-1, 1e-7), hs[3], 1, 1) // [4, 1]
		loss := c.Sum().Add(d.Sum())
		tensor.Backward(loss)
		for _, w := range ws {
			w.ZeroGrad()
		}
		arena.Reset()
	}
	step()
	if n := testing.AllocsPerRun(10, step); n != 0 {
		t.Errorf("a step allocates %v times, want 0", n)
	}
}
