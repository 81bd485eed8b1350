package tensor_test

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"testing"

	"github.com/neuron-go/neuron/tensor"
	tt "github.com/neuron-go/neuron/tensor/tensortest"
)

// convCase is one convolution configuration: input [n,h,w,c], kernel
// [kh,kw,c,f].
type convCase struct {
	n, h, w, c, kh, kw, f int
	strides               [2]int
	padding               string
	bias                  bool
}

func (c convCase) String() string {
	b := "nobias"
	if c.bias {
		b = "bias"
	}
	return fmt.Sprintf("x%dx%dx%dx%d_k%dx%dx%d_s%dx%d_%s_%s", c.n, c.h, c.w, c.c, c.kh, c.kw, c.f, c.strides[0], c.strides[1], c.padding, b)
}

// tensors returns random input, kernel and (optionally) bias for the case.
func (c convCase) tensors(seed uint64) (x, w, b *tensor.Tensor) {
	x = tt.Rand(seed, -1, 1, c.n, c.h, c.w, c.c)
	w = tt.Rand(seed+1, -1, 1, c.kh, c.kw, c.c, c.f)
	if c.bias {
		b = tt.Rand(seed+2, -1, 1, c.f)
	}
	return x, w, b
}

// naiveConv2D is the definition of a TensorFlow "valid"/"same" convolution
// written as plain loops over every output and kernel element, in float64.
func naiveConv2D(x, w, b *tensor.Tensor, strides [2]int, padding string) (shape []int, out []float32) {
	n, h, wd, c := x.Dim(0), x.Dim(1), x.Dim(2), x.Dim(3)
	kh, kw, f := w.Dim(0), w.Dim(1), w.Dim(3)
	var oh, ow, pt, pl int
	if padding == "valid" {
		oh, ow = (h-kh)/strides[0]+1, (wd-kw)/strides[1]+1
	} else {
		oh, ow = (h+strides[0]-1)/strides[0], (wd+strides[1]-1)/strides[1]
		pt = max((oh-1)*strides[0]+kh-h, 0) / 2
		pl = max((ow-1)*strides[1]+kw-wd, 0) / 2
	}
	for in := 0; in < n; in++ {
		for i := 0; i < oh; i++ {
			for j := 0; j < ow; j++ {
				for o := 0; o < f; o++ {
					var s float64
					if b != nil {
						s = float64(b.At(o))
					}
					for p := 0; p < kh; p++ {
						for q := 0; q < kw; q++ {
							y, z := i*strides[0]-pt+p, j*strides[1]-pl+q
							if y < 0 || y >= h || z < 0 || z >= wd {
								continue
							}
							for ch := 0; ch < c; ch++ {
								s += float64(x.At(in, y, z, ch)) * float64(w.At(p, q, ch, o))
							}
						}
					}
					out = append(out, float32(s))
				}
			}
		}
	}
	return []int{n, oh, ow, f}, out
}

// convCases covers valid and same padding, strides 1 and 2 (and mixed),
// odd sizes, windows that overhang on one side only, 1×1 kernels (which
// skip im2col) and more than one image and channel.
var convCases = []convCase{
	{2, 5, 5, 1, 3, 3, 2, [2]int{1, 1}, "valid", true},
	{2, 5, 5, 1, 3, 3, 2, [2]int{1, 1}, "valid", false},
	{2, 5, 5, 2, 3, 3, 3, [2]int{1, 1}, "same", true},
	{1, 5, 5, 2, 3, 3, 2, [2]int{2, 2}, "same", true},
	{1, 6, 6, 2, 3, 3, 2, [2]int{2, 2}, "same", false},
	{1, 7, 6, 2, 3, 2, 2, [2]int{2, 2}, "valid", true},
	{2, 4, 5, 3, 2, 2, 2, [2]int{1, 2}, "same", true},
	{1, 5, 4, 2, 4, 3, 2, [2]int{1, 1}, "same", true},
	{1, 3, 3, 2, 5, 5, 2, [2]int{1, 1}, "same", true},
	{2, 4, 3, 3, 1, 1, 4, [2]int{1, 1}, "valid", true},
	{2, 4, 3, 3, 1, 1, 4, [2]int{1, 1}, "same", false},
	{1, 5, 5, 3, 1, 1, 2, [2]int{2, 2}, "valid", true},
	{1, 7, 7, 2, 2, 2, 2, [2]int{3, 3}, "same", true},
	// Small receptive fields and filter counts that are multiples of 8
	// take the direct kernels (on CPUs with AVX2 or AVX-512).
	{2, 6, 6, 1, 3, 3, 8, [2]int{1, 1}, "valid", true},
	{2, 5, 6, 1, 3, 3, 16, [2]int{1, 1}, "same", false},
	{1, 7, 6, 2, 3, 3, 8, [2]int{2, 2}, "same", true},
	{1, 6, 7, 3, 2, 3, 24, [2]int{2, 1}, "valid", true},
	{2, 3, 3, 1, 5, 5, 8, [2]int{1, 1}, "same", true},
	{1, 4, 4, 2, 2, 2, 32, [2]int{3, 3}, "same", true},
}

func TestConv2DForward(t *testing.T) {
	// Larger cases as well, so that im2col runs on several goroutines.
	cases := append(convCases[:len(convCases):len(convCases)],
		convCase{8, 13, 13, 8, 3, 3, 16, [2]int{1, 1}, "valid", true},
		convCase{8, 14, 14, 8, 3, 3, 16, [2]int{2, 2}, "same", true},
		convCase{6, 11, 9, 5, 3, 3, 7, [2]int{1, 1}, "same", false},
		convCase{8, 28, 28, 1, 3, 3, 32, [2]int{1, 1}, "valid", true}, // as the course CNN's first layer
		convCase{4, 15, 14, 3, 3, 3, 16, [2]int{2, 2}, "same", true},
	)
	// Two rounds: the second reuses im2col buffers that the first left
	// dirty, so missing zero-fill at the borders would show.
	for round := 0; round < 2; round++ {
		for i, c := range cases {
			t.Run(fmt.Sprintf("%d/%v", round, c), func(t *testing.T) {
				x, w, b := c.tensors(uint64(10 * i))
				got := tensor.Conv2D(x, w, b, c.strides, c.padding)
				shape, want := naiveConv2D(x, w, b, c.strides, c.padding)
				if fmt.Sprint(got.Shape()) != fmt.Sprint(shape) {
					t.Fatalf("shape %v, want %v", got.Shape(), shape)
				}
				if err := tt.AllClose(got.Data(), want, 1e-5, 1e-5); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

func TestConv2DGradients(t *testing.T) {
	for i, c := range convCases {
		t.Run(c.String(), func(t *testing.T) {
			x, w, b := c.tensors(uint64(10 * i))
			xs := []*tensor.Tensor{x, w}
			if b != nil {
				xs = append(xs, b)
			}
			f := func(v ...*tensor.Tensor) *tensor.Tensor {
				var bias *tensor.Tensor
				if len(v) > 2 {
					bias = v[2]
				}
				return tensor.Conv2D(v[0], v[1], bias, c.strides, c.padding)
			}
			tt.GradCheck(t, f, xs, tt.GradCheckOptions{Seed: uint64(i)})
		})
	}
}

// TestConv2DPartialGradients checks that the gradients that are computed are
// right when only some inputs require them (the first layer of a model: the
// images do not), and that the others are left alone.
func TestConv2DPartialGradients(t *testing.T) {
	c := convCase{2, 6, 5, 2, 3, 3, 3, [2]int{1, 1}, "same", true}
	x, w, b := c.tensors(1)
	xw, ww, bw := x.Clone().RequireGrad(), w.Clone().RequireGrad(), b.Clone().RequireGrad()
	tensor.Backward(tensor.Conv2D(xw, ww, bw, c.strides, c.padding).Square().Sum())
	for _, which := range []string{"x", "w", "b", "wb"} {
		t.Run(which, func(t *testing.T) {
			xi, wi, bi := x.Clone(), w.Clone(), b.Clone()
			for _, r := range which {
				map[rune]*tensor.Tensor{'x': xi, 'w': wi, 'b': bi}[r].RequireGrad()
			}
			tensor.Backward(tensor.Conv2D(xi, wi, bi, c.strides, c.padding).Square().Sum())
			for _, p := range []struct {
				got, want *tensor.Tensor
			}{{xi, xw}, {wi, ww}, {bi, bw}} {
				if !p.got.RequiresGrad() {
					if p.got.Grad() != nil {
						t.Errorf("gradient computed for an input that does not require it")
					}
					continue
				}
				if err := tt.AllClose(p.got.Grad().Data(), p.want.Grad().Data(), 0, 0); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

// TestConv2DDeterministic checks that the result and the gradients do not
// depend on the number of CPUs (im2col and col2im split over images).
func TestConv2DDeterministic(t *testing.T) {
	for _, c := range []convCase{
		{16, 13, 13, 8, 3, 3, 16, [2]int{1, 1}, "same", true},
		{16, 28, 28, 1, 3, 3, 32, [2]int{1, 1}, "same", true},   // direct kernels
		{20, 13, 13, 32, 3, 3, 64, [2]int{1, 1}, "valid", true}, // Winograd, in three chunks
	} {
		testConv2DDeterministic(t, c)
	}
}

func testConv2DDeterministic(t *testing.T, c convCase) {
	t.Helper()
	run := func(procs int) (out, dx, dw, db []float32) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		x, w, b := c.tensors(3)
		x.RequireGrad()
		w.RequireGrad()
		b.RequireGrad()
		y := tensor.Conv2DReLU(x, w, b, c.strides, c.padding)
		tensor.Backward(y.Square().Sum())
		return y.Data(), x.Grad().Data(), w.Grad().Data(), b.Grad().Data()
	}
	o1, dx1, dw1, db1 := run(1)
	o4, dx4, dw4, db4 := run(4)
	for _, p := range [][2][]float32{{o1, o4}, {dx1, dx4}, {dw1, dw4}, {db1, db4}} {
		if err := tt.AllClose(p[0], p[1], 0, 0); err != nil {
			t.Error(err)
		}
	}
}

func TestConvOutputSize(t *testing.T) {
	cases := []struct {
		in, k, s int
		padding  string
		out, pad int
	}{
		{28, 3, 1, "valid", 26, 0},
		{13, 3, 1, "valid", 11, 0},
		{5, 3, 1, "valid", 3, 0},
		{26, 2, 2, "valid", 13, 0},
		{11, 2, 2, "valid", 5, 0},
		{3, 2, 2, "valid", 1, 0},
		{2, 3, 1, "valid", 0, 0},
		{28, 3, 1, "same", 28, 1},
		{28, 3, 2, "same", 14, 0}, // total padding 1 goes after
		{5, 3, 2, "same", 3, 1},
		{6, 4, 1, "same", 6, 1}, // total 3: 1 before, 2 after
		{5, 2, 2, "same", 3, 0},
		{1, 5, 1, "same", 1, 2},
	}
	for _, c := range cases {
		out, pad := tensor.ConvOutputSize(c.in, c.k, c.s, c.padding)
		if out != c.out || pad != c.pad {
			t.Errorf("ConvOutputSize(%d, %d, %d, %q) = %d, %d; want %d, %d", c.in, c.k, c.s, c.padding, out, pad, c.out, c.pad)
		}
	}
}

// TestConv2DCourseShapes runs the three convolutions of the course CNN.
func TestConv2DCourseShapes(t *testing.T) {
	for _, c := range []struct{ in, kernel, want []int }{
		{[]int{2, 28, 28, 1}, []int{3, 3, 1, 32}, []int{2, 26, 26, 32}},
		{[]int{2, 13, 13, 32}, []int{3, 3, 32, 64}, []int{2, 11, 11, 64}},
		{[]int{2, 5, 5, 64}, []int{3, 3, 64, 64}, []int{2, 3, 3, 64}},
	} {
		got := tensor.Conv2D(tensor.Zeros(c.in...), tensor.Zeros(c.kernel...), nil, [2]int{1, 1}, "valid").Shape()
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("Conv2D(%v, %v) shape %v, want %v", c.in, c.kernel, got, c.want)
		}
	}
}

// mustShapeError runs f and fails unless it panics with a *tensor.ShapeError.
func mustShapeError(t *testing.T, name string, f func()) {
	t.Helper()
	defer func() {
		r := recover()
		err, ok := r.(error)
		var se *tensor.ShapeError
		if !ok || !errors.As(err, &se) {
			t.Errorf("%s: panic %v, want a *tensor.ShapeError", name, r)
		}
	}()
	f()
}

func TestConv2DShapeErrors(t *testing.T) {
	z := tensor.Zeros
	cases := []struct {
		name    string
		x, w, b *tensor.Tensor
		strides [2]int
		padding string
	}{
		{"x rank 3", z(5, 5, 1), z(3, 3, 1, 2), nil, [2]int{1, 1}, "valid"},
		{"kernel rank 2", z(1, 5, 5, 1), z(9, 2), nil, [2]int{1, 1}, "valid"},
		{"channels differ", z(1, 5, 5, 2), z(3, 3, 1, 2), nil, [2]int{1, 1}, "valid"},
		{"bias size", z(1, 5, 5, 1), z(3, 3, 1, 2), z(3), [2]int{1, 1}, "valid"},
		{"bias rank", z(1, 5, 5, 1), z(3, 3, 1, 2), z(1, 2), [2]int{1, 1}, "valid"},
		{"kernel larger than input", z(1, 2, 5, 1), z(3, 3, 1, 2), nil, [2]int{1, 1}, "valid"},
		{"zero stride", z(1, 5, 5, 1), z(3, 3, 1, 2), nil, [2]int{0, 1}, "valid"},
		{"empty kernel", z(1, 5, 5, 1), z(0, 3, 1, 2), nil, [2]int{1, 1}, "same"},
		{"bad padding", z(1, 5, 5, 1), z(3, 3, 1, 2), nil, [2]int{1, 1}, "full"},
	}
	for _, c := range cases {
		mustShapeError(t, c.name, func() { tensor.Conv2D(c.x, c.w, c.b, c.strides, c.padding) })
	}
}

// courseConvs are the convolutions of the course CNN at batch 32, as
// [input shape, kernel shape], and whether the input needs a gradient (not
// for the images).
var courseConvs = []struct {
	name      string
	in, k     []int
	inputGrad bool
}{
	{"conv1_28x28x1_32", []int{32, 28, 28, 1}, []int{3, 3, 1, 32}, false},
	{"conv2_13x13x32_64", []int{32, 13, 13, 32}, []int{3, 3, 32, 64}, true},
	{"conv3_5x5x64_64", []int{32, 5, 5, 64}, []int{3, 3, 64, 64}, true},
}

// BenchmarkConv2D times the convolutions of the course CNN at batch 32.
// FLOPs count 2 per multiply-add: forward 2·M·K·F, plus as much again for
// the kernel gradient and for the input gradient (when the input needs it).
// As in Fit, the batch is bound to an arena that is reset after each step.
// Backward is seeded with a zero gradient, which costs the same as any other.
func BenchmarkConv2D(b *testing.B) {
	for _, wino := range []bool{false, true} {
		name := "im2col"
		if wino {
			name = "winograd"
		}
		b.Run(name, func(b *testing.B) {
			defer tensor.SetWinograd(wino)()
			benchmarkConv2D(b)
		})
	}
}

func benchmarkConv2D(b *testing.B) {
	anchor := tensor.Scalar(0).RequireGrad()
	for _, c := range courseConvs {
		arena := tensor.NewArena()
		x := tt.Rand(1, 0, 1, c.in...).InArena(arena)
		w := tt.Rand(2, -0.1, 0.1, c.k...).RequireGrad()
		bias := tensor.Zeros(c.k[3]).RequireGrad()
		y := tensor.Conv2D(x, w, bias, [2]int{1, 1}, "valid")
		m := y.Size() / c.k[3]
		fwd := 2 * float64(m) * float64(c.k[0]*c.k[1]*c.k[2]) * float64(c.k[3])
		b.Run(c.name+"/forward", func(b *testing.B) {
			w.SetRequiresGrad(false)
			bias.SetRequiresGrad(false)
			defer func() {
				w.SetRequiresGrad(true)
				bias.SetRequiresGrad(true)
			}()
			cpu := startCPU()
			for b.Loop() {
				tensor.Conv2D(x, w, bias, [2]int{1, 1}, "valid")
				arena.Reset()
			}
			cpu.report(b)
			b.ReportMetric(fwd*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
		b.Run(c.name+"/forward+backward", func(b *testing.B) {
			flops := 2 * fwd
			if c.inputGrad {
				flops += fwd
			}
			cpu := startCPU()
			for b.Loop() {
				xi := x
				if c.inputGrad {
					xi = hiddenView(x, anchor)
				}
				y := tensor.Conv2D(xi, w, bias, [2]int{1, 1}, "valid")
				tensor.Backward(tensor.Custom("seed", tensor.Scalar(0), []*tensor.Tensor{y}, func([]float32) {}))
				arena.Reset()
			}
			cpu.report(b)
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// hiddenView returns a view of x that requires a gradient, like the output of a
// hidden layer: its gradient buffer is new in each step (from x's arena),
// not a leaf's that accumulates from step to step.
func hiddenView(x, anchor *tensor.Tensor) *tensor.Tensor {
	return tensor.Custom("hidden", x.Detach(), []*tensor.Tensor{anchor}, func([]float32) {})
}

// TestConv2DReLUMatchesComposition checks that the fused operation gives
// bit for bit the values and gradients of Conv2D followed by ReLU, with
// and without a bias and an input gradient, and passes the
// finite-difference check.
func TestConv2DReLUMatchesComposition(t *testing.T) {
	cases := append(convCases[:len(convCases):len(convCases)],
		convCase{8, 13, 13, 8, 3, 3, 16, [2]int{1, 1}, "valid", true},
	)
	for i, c := range cases {
		t.Run(c.String(), func(t *testing.T) {
			run := func(fused bool, xGrad bool) [][]float32 {
				x, w, b := c.tensors(uint64(10 * i))
				if xGrad {
					x.RequireGrad()
				}
				w.RequireGrad()
				if b != nil {
					b.RequireGrad()
				}
				var y *tensor.Tensor
				if fused {
					y = tensor.Conv2DReLU(x, w, b, c.strides, c.padding)
				} else {
					y = tensor.Conv2D(x, w, b, c.strides, c.padding).ReLU()
				}
				// A weighted sum, so that every output has its own
				// gradient, of either sign.
				weights := tt.Rand(7, -1, 1, y.Shape()...)
				tensor.Backward(y.Mul(weights).Sum())
				res := [][]float32{y.Data(), w.Grad().Data()}
				if xGrad {
					res = append(res, x.Grad().Data())
				}
				if b != nil {
					res = append(res, b.Grad().Data())
				}
				return res
			}
			for _, xGrad := range []bool{false, true} {
				got, want := run(true, xGrad), run(false, xGrad)
				for k := range want {
					if err := tt.AllClose(got[k], want[k], 0, 0); err != nil {
						t.Fatalf("input gradient %v, result %d: %v", xGrad, k, err)
					}
				}
			}
			x, w, b := c.tensors(uint64(10 * i))
			for _, v := range tensor.Conv2D(x, w, b, c.strides, c.padding).Data() {
				if math.Abs(float64(v)) < 1e-2 {
					// A finite-difference step would cross ReLU's kink;
					// the bitwise comparison above covers this case.
					return
				}
			}
			xs := []*tensor.Tensor{x, w}
			if b != nil {
				xs = append(xs, b)
			}
			tt.GradCheck(t, func(v ...*tensor.Tensor) *tensor.Tensor {
				var bias *tensor.Tensor
				if len(v) > 2 {
					bias = v[2]
				}
				return tensor.Conv2DReLU(v[0], v[1], bias, c.strides, c.padding)
			}, xs, tt.GradCheckOptions{Seed: uint64(i)})
		})
	}
}

// BenchmarkConvReLUPool times one stage of the course CNN at batch 32,
// forward and backward as in training: Conv2D, ReLU and 2×2 max pooling as
// three operations (composed), with the first two fused (fused), or as one
// (block).
func BenchmarkConvReLUPool(b *testing.B) {
	anchor := tensor.Scalar(0).RequireGrad()
	for _, c := range courseConvs {
		for _, mode := range []string{"composed", "fused", "block"} {
			name := c.name + "/" + mode
			arena := tensor.NewArena()
			x := tt.Rand(1, 0, 1, c.in...).InArena(arena)
			w := tt.Rand(2, -0.1, 0.1, c.k...).RequireGrad()
			bias := tensor.Zeros(c.k[3]).RequireGrad()
			b.Run(name, func(b *testing.B) {
				cpu := startCPU()
				for b.Loop() {
					xi := x
					if c.inputGrad {
						xi = hiddenView(x, anchor)
					}
					var y *tensor.Tensor
					p2 := [2]int{2, 2}
					switch mode {
					case "composed":
						y = tensor.MaxPool2D(tensor.Conv2D(xi, w, bias, [2]int{1, 1}, "valid").ReLU(), p2, p2, "valid")
					case "fused":
						y = tensor.MaxPool2D(tensor.Conv2DReLU(xi, w, bias, [2]int{1, 1}, "valid"), p2, p2, "valid")
					default:
						y = tensor.Conv2DReLUMaxPool2D(xi, w, bias, [2]int{1, 1}, "valid", p2, p2, "valid")
					}
					tensor.Backward(tensor.Custom("seed", tensor.Scalar(0), []*tensor.Tensor{y}, func([]float32) {}))
					arena.Reset()
				}
				cpu.report(b)
			})
		}
	}
}

// TestConv2DChunks runs the im2col path with chunks of one or a few
// images: the values must match the definition and the gradients the
// finite differences, as with the whole batch in one chunk.
func TestConv2DChunks(t *testing.T) {
	defer tensor.SetChunkFloats(64)()
	for i, c := range []convCase{
		{3, 5, 5, 2, 3, 3, 3, [2]int{1, 1}, "same", true},
		{4, 6, 5, 5, 3, 3, 4, [2]int{2, 1}, "valid", true},
		{3, 4, 4, 3, 1, 1, 2, [2]int{1, 1}, "valid", false},
	} {
		t.Run(c.String(), func(t *testing.T) {
			x, w, b := c.tensors(uint64(100 + i))
			got := tensor.Conv2D(x, w, b, c.strides, c.padding)
			_, want := naiveConv2D(x, w, b, c.strides, c.padding)
			if err := tt.AllClose(got.Data(), want, 1e-5, 1e-5); err != nil {
				t.Fatal(err)
			}
			xs := []*tensor.Tensor{x, w}
			if b != nil {
				xs = append(xs, b)
			}
			tt.GradCheck(t, func(v ...*tensor.Tensor) *tensor.Tensor {
				var bias *tensor.Tensor
				if len(v) > 2 {
					bias = v[2]
				}
				return tensor.Conv2D(v[0], v[1], bias, c.strides, c.padding)
			}, xs, tt.GradCheckOptions{Seed: uint64(i)})
		})
	}
}

// TestConv2DReLUMaxPool2DMatchesComposition checks that the fused block
// gives bit for bit the values and gradients of Conv2DReLU followed by
// MaxPool2D, on both the direct and the im2col paths, in one chunk and in
// several, with 1 and 4 goroutines.
func TestConv2DReLUMaxPool2DMatchesComposition(t *testing.T) {
	type fusedCase struct {
		conv              convCase
		pool, poolStrides [2]int
		poolPadding       string
	}
	cases := []fusedCase{
		{convCase{4, 10, 10, 1, 3, 3, 8, [2]int{1, 1}, "valid", true}, [2]int{2, 2}, [2]int{2, 2}, "valid"},   // direct
		{convCase{3, 9, 8, 2, 3, 3, 16, [2]int{1, 1}, "same", false}, [2]int{2, 2}, [2]int{2, 2}, "same"},     // direct, odd
		{convCase{3, 9, 9, 5, 3, 3, 6, [2]int{1, 1}, "valid", true}, [2]int{2, 2}, [2]int{2, 2}, "valid"},     // im2col
		{convCase{2, 8, 7, 4, 3, 3, 5, [2]int{1, 1}, "same", true}, [2]int{3, 3}, [2]int{1, 1}, "valid"},      // overlapping windows
		{convCase{2, 6, 6, 3, 1, 1, 4, [2]int{1, 1}, "valid", true}, [2]int{2, 2}, [2]int{2, 2}, "valid"},     // 1×1
		{convCase{32, 28, 28, 1, 3, 3, 32, [2]int{1, 1}, "valid", true}, [2]int{2, 2}, [2]int{2, 2}, "valid"}, // the course CNN's first block
		{convCase{8, 13, 13, 32, 3, 3, 64, [2]int{1, 1}, "valid", true}, [2]int{2, 2}, [2]int{2, 2}, "valid"}, // Winograd, the course CNN's second block
	}
	for _, chunk := range []int{1 << 17, 64} {
		for i, c := range cases {
			t.Run(fmt.Sprintf("chunk%d/%v", chunk, c.conv), func(t *testing.T) {
				defer tensor.SetChunkFloats(chunk)()
				run := func(fused bool, xGrad bool, procs int) [][]float32 {
					defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
					x, w, b := c.conv.tensors(uint64(10 * i))
					if xGrad {
						x.RequireGrad()
					}
					w.RequireGrad()
					if b != nil {
						b.RequireGrad()
					}
					var y *tensor.Tensor
					if fused {
						y = tensor.Conv2DReLUMaxPool2D(x, w, b, c.conv.strides, c.conv.padding, c.pool, c.poolStrides, c.poolPadding)
					} else {
						y = tensor.MaxPool2D(tensor.Conv2DReLU(x, w, b, c.conv.strides, c.conv.padding), c.pool, c.poolStrides, c.poolPadding)
					}
					weights := tt.Rand(7, -1, 1, y.Shape()...)
					tensor.Backward(y.Mul(weights).Sum())
					res := [][]float32{y.Data(), w.Grad().Data()}
					if xGrad {
						res = append(res, x.Grad().Data())
					}
					if b != nil {
						res = append(res, b.Grad().Data())
					}
					return res
				}
				for _, xGrad := range []bool{false, true} {
					want := run(false, xGrad, 1)
					for _, procs := range []int{1, 4} {
						got := run(true, xGrad, procs)
						for k := range want {
							if err := tt.AllClose(got[k], want[k], 0, 0); err != nil {
								t.Fatalf("input gradient %v, %d goroutines, result %d: %v", xGrad, procs, k, err)
							}
						}
					}
				}
			})
		}
	}
}
