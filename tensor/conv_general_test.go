package tensor_test

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/tensor"
	tt "github.com/neuron-go/neuron/tensor/tensortest"
)

// pads returns the output length and the padding before the input of one
// axis by TensorFlow's rules, with the dilated kernel's span k.
func pads(in, k, s int, padding string) (out, before int) {
	switch padding {
	case "valid":
		return (in-k)/s + 1, 0
	case "causal":
		return (in + s - 1) / s, k - 1
	}
	out = (in + s - 1) / s
	return out, max((out-1)*s+k-in, 0) / 2
}

// naiveConvGeneral is a grouped, dilated convolution written as loops over
// every output and kernel element, in float64: x [n,h,w,c], w
// [kh,kw,c/g,f].
func naiveConvGeneral(x, w, b *tensor.Tensor, s tensor.ConvSpec) ([]int, []float32) {
	n, h, wd, c := x.Dim(0), x.Dim(1), x.Dim(2), x.Dim(3)
	kh, kw, cg, f := w.Dim(0), w.Dim(1), w.Dim(2), w.Dim(3)
	st, dl, groups := s.Strides, s.Dilation, max(s.Groups, 1)
	if st == ([2]int{}) {
		st = [2]int{1, 1}
	}
	if dl == ([2]int{}) {
		dl = [2]int{1, 1}
	}
	pad := s.Padding
	if pad == "" {
		pad = "valid"
	}
	oh, pt := pads(h, (kh-1)*dl[0]+1, st[0], pad)
	ow, pl := pads(wd, (kw-1)*dl[1]+1, st[1], pad)
	fg := f / groups
	var out []float32
	for in := 0; in < n; in++ {
		for i := 0; i < oh; i++ {
			for j := 0; j < ow; j++ {
				for o := 0; o < f; o++ {
					var sum float64
					if b != nil {
						sum = float64(b.At(o))
					}
					c0 := o / fg * cg
					for p := 0; p < kh; p++ {
						for q := 0; q < kw; q++ {
							y, z := i*st[0]-pt+p*dl[0], j*st[1]-pl+q*dl[1]
							if y < 0 || y >= h || z < 0 || z >= wd {
								continue
							}
							for ch := 0; ch < cg; ch++ {
								sum += float64(x.At(in, y, z, c0+ch)) * float64(w.At(p, q, ch, o))
							}
						}
					}
					out = append(out, float32(sum))
				}
			}
		}
	}
	_ = c
	return []int{n, oh, ow, f}, out
}

type generalCase struct {
	x, w []int
	bias bool
	s    tensor.ConvSpec
}

var generalCases = []generalCase{
	{[]int{2, 7, 6, 4}, []int{3, 3, 2, 6}, true, tensor.ConvSpec{Groups: 2}},
	{[]int{2, 7, 6, 4}, []int{3, 2, 4, 3}, true, tensor.ConvSpec{Dilation: [2]int{2, 2}}},
	{[]int{2, 8, 7, 6}, []int{3, 3, 2, 6}, false, tensor.ConvSpec{Dilation: [2]int{2, 1}, Groups: 3, Padding: "same"}},
	{[]int{1, 9, 9, 4}, []int{3, 3, 1, 8}, true, tensor.ConvSpec{Groups: 4, Strides: [2]int{2, 2}, Padding: "same"}},
	{[]int{3, 6, 5, 2}, []int{2, 3, 2, 3}, true, tensor.ConvSpec{Dilation: [2]int{1, 3}, Padding: "same"}},
	{[]int{2, 5, 5, 32}, []int{3, 3, 16, 8}, true, tensor.ConvSpec{Groups: 2}}, // wide groups: the vector copies
	{[]int{2, 1, 9, 3}, []int{1, 3, 3, 4}, true, tensor.ConvSpec{Dilation: [2]int{1, 2}, Padding: "causal"}},
	{[]int{2, 1, 9, 3}, []int{1, 3, 3, 4}, true, tensor.ConvSpec{Strides: [2]int{1, 2}, Padding: "causal"}},
}

func (c generalCase) tensors(seed uint64) (x, w, b *tensor.Tensor) {
	x = tt.Rand(seed, -1, 1, c.x...)
	w = tt.Rand(seed+1, -1, 1, c.w...)
	if c.bias {
		b = tt.Rand(seed+2, -1, 1, c.w[3])
	}
	return x, w, b
}

// TestConv2DWithMatchesNaive checks grouped and dilated convolutions
// (and causal padding) against the loops of their definition.
func TestConv2DWithMatchesNaive(t *testing.T) {
	for i, c := range generalCases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			x, w, b := c.tensors(uint64(3 * i))
			got := tensor.Conv2DWith(x, w, b, c.s)
			shape, want := naiveConvGeneral(x, w, b, c.s)
			if fmt.Sprint(got.Shape()) != fmt.Sprint(shape) {
				t.Fatalf("shape %v, want %v", got.Shape(), shape)
			}
			if err := tt.AllClose(got.Data(), want, 1e-5, 1e-5); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestConv2DWithGradCheck(t *testing.T) {
	for i, c := range generalCases[:5] {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			x, w, b := c.tensors(uint64(5 * i))
			xs := []*tensor.Tensor{x, w}
			if b != nil {
				xs = append(xs, b)
			}
			tt.GradCheck(t, func(v ...*tensor.Tensor) *tensor.Tensor {
				var bb *tensor.Tensor
				if len(v) > 2 {
					bb = v[2]
				}
				return tensor.Conv2DWith(v[0], v[1], bb, c.s)
			}, xs, tt.GradCheckOptions{})
		})
	}
}

// TestConv1D checks Conv1D against the definition's loops on the image
// of height 1 it is computed as, and its gradients.
func TestConv1D(t *testing.T) {
	for _, s := range []tensor.ConvSpec{
		{},
		{Padding: "same", Strides: [2]int{1, 2}},
		{Padding: "causal", Dilation: [2]int{1, 2}},
		{Groups: 2, Padding: "causal"},
	} {
		x := tt.Rand(1, -1, 1, 3, 10, 4)
		w := tt.Rand(2, -1, 1, 3, 4/max(s.Groups, 1), 6)
		b := tt.Rand(3, -1, 1, 6)
		got := tensor.Conv1D(x, w, b, s)
		shape, want := naiveConvGeneral(x.Reshape(3, 1, 10, 4), w.Reshape(1, 3, 4/max(s.Groups, 1), 6), b, s)
		if fmt.Sprint(got.Shape()) != fmt.Sprint([]int{shape[0], shape[2], shape[3]}) {
			t.Fatalf("%+v: shape %v, want %v", s, got.Shape(), shape)
		}
		if err := tt.AllClose(got.Data(), want, 1e-5, 1e-5); err != nil {
			t.Errorf("%+v: %v", s, err)
		}
		tt.GradCheck(t, func(v ...*tensor.Tensor) *tensor.Tensor { return tensor.Conv1D(v[0], v[1], v[2], s) },
			[]*tensor.Tensor{x, w, b}, tt.GradCheckOptions{})
	}
}

// naiveDepthwise is the depthwise convolution's definition in float64.
func naiveDepthwise(x, w, b *tensor.Tensor, s tensor.ConvSpec) ([]int, []float32) {
	c, dm := x.Dim(3), w.Dim(3)
	// A depthwise convolution is the grouped one with C groups whose
	// kernel [KH,KW,1,C·DM] has the same memory layout.
	wg := tensor.FromSlice(append([]float32(nil), w.Data()...), w.Dim(0), w.Dim(1), 1, c*dm)
	s.Groups = c
	return naiveConvGeneral(x, wg, b, s)
}

func TestDepthwiseConv2D(t *testing.T) {
	for i, c := range []struct {
		x, w []int
		bias bool
		s    tensor.ConvSpec
	}{
		{[]int{2, 6, 5, 3}, []int{3, 3, 3, 1}, true, tensor.ConvSpec{}},
		{[]int{2, 6, 5, 3}, []int{3, 2, 3, 2}, true, tensor.ConvSpec{Padding: "same", Strides: [2]int{2, 1}}},
		{[]int{1, 7, 7, 5}, []int{3, 3, 5, 3}, false, tensor.ConvSpec{Padding: "same", Dilation: [2]int{2, 2}}},
		{[]int{2, 5, 6, 9}, []int{2, 2, 9, 1}, false, tensor.ConvSpec{Strides: [2]int{2, 2}}},
	} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			x := tt.Rand(uint64(i), -1, 1, c.x...)
			w := tt.Rand(uint64(i)+1, -1, 1, c.w...)
			var b *tensor.Tensor
			xs := []*tensor.Tensor{x, w}
			if c.bias {
				b = tt.Rand(uint64(i)+2, -1, 1, c.x[3]*c.w[3])
				xs = append(xs, b)
			}
			got := tensor.DepthwiseConv2D(x, w, b, c.s)
			shape, want := naiveDepthwise(x, w, b, c.s)
			if fmt.Sprint(got.Shape()) != fmt.Sprint(shape) {
				t.Fatalf("shape %v, want %v", got.Shape(), shape)
			}
			if err := tt.AllClose(got.Data(), want, 1e-5, 1e-5); err != nil {
				t.Error(err)
			}
			tt.GradCheck(t, func(v ...*tensor.Tensor) *tensor.Tensor {
				var bb *tensor.Tensor
				if len(v) > 2 {
					bb = v[2]
				}
				return tensor.DepthwiseConv2D(v[0], v[1], bb, c.s)
			}, xs, tt.GradCheckOptions{})
		})
	}
}

// naiveConvTranspose scatters each input value through the kernel, the
// definition of TensorFlow's conv2d_transpose: x [n,ih,iw,c], w
// [kh,kw,f,c], output [n,oh,ow,f].
func naiveConvTranspose(x, w, b *tensor.Tensor, s tensor.ConvSpec, out [2]int) []float32 {
	n, ih, iw, c := x.Dim(0), x.Dim(1), x.Dim(2), x.Dim(3)
	kh, kw, f := w.Dim(0), w.Dim(1), w.Dim(2)
	st, dl := s.Strides, s.Dilation
	if st == ([2]int{}) {
		st = [2]int{1, 1}
	}
	if dl == ([2]int{}) {
		dl = [2]int{1, 1}
	}
	pad := func(o, i, k, s int) int {
		if s == 0 || o == 0 {
			return 0
		}
		return max((i-1)*s+k-o, 0) / 2
	}
	pt, pl := 0, 0
	if s.Padding == "same" {
		pt, pl = pad(out[0], ih, (kh-1)*dl[0]+1, st[0]), pad(out[1], iw, (kw-1)*dl[1]+1, st[1])
	}
	y := make([]float64, n*out[0]*out[1]*f)
	for in := 0; in < n; in++ {
		for i := 0; i < ih; i++ {
			for j := 0; j < iw; j++ {
				for p := 0; p < kh; p++ {
					for q := 0; q < kw; q++ {
						oy, oz := i*st[0]-pt+p*dl[0], j*st[1]-pl+q*dl[1]
						if oy < 0 || oy >= out[0] || oz < 0 || oz >= out[1] {
							continue
						}
						for o := 0; o < f; o++ {
							for ch := 0; ch < c; ch++ {
								y[((in*out[0]+oy)*out[1]+oz)*f+o] += float64(x.At(in, i, j, ch)) * float64(w.At(p, q, o, ch))
							}
						}
					}
				}
			}
		}
	}
	res := make([]float32, len(y))
	for i, v := range y {
		if b != nil {
			v += float64(b.At(i % f))
		}
		res[i] = float32(v)
	}
	return res
}

func TestConv2DTranspose(t *testing.T) {
	for i, c := range []struct {
		x, w []int
		s    tensor.ConvSpec
		op   [2]int // output padding, -1 for None
	}{
		{[]int{2, 4, 3, 3}, []int{3, 3, 2, 3}, tensor.ConvSpec{}, [2]int{-1, -1}},
		{[]int{2, 4, 3, 3}, []int{3, 3, 2, 3}, tensor.ConvSpec{Strides: [2]int{2, 2}, Padding: "same"}, [2]int{-1, -1}},
		{[]int{2, 4, 3, 3}, []int{3, 2, 4, 3}, tensor.ConvSpec{Strides: [2]int{2, 3}}, [2]int{1, 2}},
		{[]int{1, 3, 4, 2}, []int{2, 2, 3, 2}, tensor.ConvSpec{Strides: [2]int{3, 3}}, [2]int{-1, -1}},
		{[]int{2, 4, 4, 2}, []int{3, 3, 3, 2}, tensor.ConvSpec{Dilation: [2]int{2, 2}, Padding: "same"}, [2]int{-1, -1}},
		{[]int{1, 4, 4, 2}, []int{3, 3, 2, 2}, tensor.ConvSpec{Strides: [2]int{2, 2}, Padding: "same"}, [2]int{1, 0}},
		{[]int{2, 3, 3, 20}, []int{2, 2, 16, 20}, tensor.ConvSpec{Strides: [2]int{2, 2}}, [2]int{-1, -1}},
	} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			x := tt.Rand(uint64(i), -1, 1, c.x...)
			w := tt.Rand(uint64(i)+1, -1, 1, c.w...)
			b := tt.Rand(uint64(i)+2, -1, 1, c.w[2])
			pad := c.s.Padding
			if pad == "" {
				pad = "valid"
			}
			st, dl := c.s.Strides, c.s.Dilation
			if st == ([2]int{}) {
				st = [2]int{1, 1}
			}
			if dl == ([2]int{}) {
				dl = [2]int{1, 1}
			}
			out := [2]int{
				tensor.ConvTransposeOutputSize(c.x[1], c.w[0], st[0], dl[0], c.op[0], pad),
				tensor.ConvTransposeOutputSize(c.x[2], c.w[1], st[1], dl[1], c.op[1], pad),
			}
			got := tensor.Conv2DTranspose(x, w, b, c.s, out)
			if fmt.Sprint(got.Shape()) != fmt.Sprint([]int{c.x[0], out[0], out[1], c.w[2]}) {
				t.Fatalf("shape %v", got.Shape())
			}
			if err := tt.AllClose(got.Data(), naiveConvTranspose(x, w, b, c.s, out), 1e-5, 1e-5); err != nil {
				t.Error(err)
			}
			if c.x[3] < 8 {
				tt.GradCheck(t, func(v ...*tensor.Tensor) *tensor.Tensor { return tensor.Conv2DTranspose(v[0], v[1], v[2], c.s, out) },
					[]*tensor.Tensor{x, w, b}, tt.GradCheckOptions{})
			}
		})
	}
}

func TestConvVariantsShapeErrors(t *testing.T) {
	x := tensor.Zeros(1, 5, 5, 4)
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"groups not dividing", func() { tensor.Conv2DWith(x, tensor.Zeros(3, 3, 2, 3), nil, tensor.ConvSpec{Groups: 2}) }},
		{"groups channels", func() { tensor.Conv2DWith(x, tensor.Zeros(3, 3, 3, 4), nil, tensor.ConvSpec{Groups: 2}) }},
		{"dilation", func() { tensor.Conv2DWith(x, tensor.Zeros(3, 3, 4, 4), nil, tensor.ConvSpec{Dilation: [2]int{0, -1}}) }},
		{"too dilated", func() { tensor.Conv2DWith(x, tensor.Zeros(3, 3, 4, 4), nil, tensor.ConvSpec{Dilation: [2]int{3, 3}}) }},
		{"depthwise channels", func() { tensor.DepthwiseConv2D(x, tensor.Zeros(3, 3, 3, 1), nil, tensor.ConvSpec{}) }},
		{"transpose size", func() { tensor.Conv2DTranspose(x, tensor.Zeros(3, 3, 2, 4), nil, tensor.ConvSpec{}, [2]int{9, 9}) }},
		{"conv1d rank", func() { tensor.Conv1D(x, tensor.Zeros(3, 4, 2), nil, tensor.ConvSpec{}) }},
	} {
		func() {
			defer func() {
				var se *tensor.ShapeError
				if err, ok := recover().(error); !ok || !errors.As(err, &se) {
					t.Errorf("%s: want a *tensor.ShapeError panic", c.name)
				}
			}()
			c.f()
		}()
	}
}

// TestConvVariantsAllocations checks that steady-state forward and
// backward passes of the new convolutions allocate nothing once the arena
// is warm.
func TestConvVariantsAllocations(t *testing.T) {
	arena := tensor.NewArena()
	x := tt.Rand(1, -1, 1, 4, 9, 9, 8).RequireGrad().InArena(arena)
	x1 := tt.Rand(1, -1, 1, 4, 20, 8).RequireGrad().InArena(arena)
	w := tt.Rand(2, -1, 1, 3, 3, 4, 8).RequireGrad()
	w1 := tt.Rand(2, -1, 1, 3, 8, 6).RequireGrad()
	dw := tt.Rand(2, -1, 1, 3, 3, 8, 2).RequireGrad()
	tw := tt.Rand(2, -1, 1, 3, 3, 5, 8).RequireGrad()
	b := tt.Rand(3, -1, 1, 8).RequireGrad()
	for name, f := range map[string]func() *tensor.Tensor{
		"grouped": func() *tensor.Tensor { return tensor.Conv2DWith(x, w, b, tensor.ConvSpec{Groups: 2, Padding: "same"}) },
		"dilated": func() *tensor.Tensor {
			return tensor.Conv2DWith(x, w, b, tensor.ConvSpec{Groups: 2, Dilation: [2]int{2, 2}})
		},
		"conv1d":    func() *tensor.Tensor { return tensor.Conv1D(x1, w1, nil, tensor.ConvSpec{Padding: "causal"}) },
		"depthwise": func() *tensor.Tensor { return tensor.DepthwiseConv2D(x, dw, nil, tensor.ConvSpec{Padding: "same"}) },
		"transpose": func() *tensor.Tensor {
			return tensor.Conv2DTranspose(x, tw, nil, tensor.ConvSpec{Strides: [2]int{2, 2}, Padding: "same"}, [2]int{18, 18})
		},
	} {
		step := func() {
			tensor.Backward(f().Sum())
			arena.Reset()
		}
		step()
		if n := testing.AllocsPerRun(10, step); n != 0 {
			t.Errorf("%s: a step allocates %v times, want 0", name, n)
		}
	}
}

// convVariantBenches are the new convolutions at the course CNN's middle
// size (batch 32, 13×13×32 → 64 filters where that applies), each with a
// plain Conv2D of the same input and output sizes to compare with in one
// run.
var convVariantBenches = []struct {
	name string
	in   []int
	w    []int
	f    func(x, w, b *tensor.Tensor) *tensor.Tensor
}{
	{"conv2d_plain_13x13x32_64", []int{32, 13, 13, 32}, []int{3, 3, 32, 64},
		func(x, w, b *tensor.Tensor) *tensor.Tensor { return tensor.Conv2D(x, w, b, [2]int{1, 1}, "same") }},
	{"conv2d_groups4_13x13x32_64", []int{32, 13, 13, 32}, []int{3, 3, 8, 64},
		func(x, w, b *tensor.Tensor) *tensor.Tensor {
			return tensor.Conv2DWith(x, w, b, tensor.ConvSpec{Groups: 4, Padding: "same"})
		}},
	{"conv2d_dilation2_13x13x32_64", []int{32, 13, 13, 32}, []int{3, 3, 32, 64},
		func(x, w, b *tensor.Tensor) *tensor.Tensor {
			return tensor.Conv2DWith(x, w, b, tensor.ConvSpec{Dilation: [2]int{2, 2}, Padding: "same"})
		}},
	{"conv1d_k3_100x32_64", []int{32, 100, 32}, []int{3, 32, 64},
		func(x, w, b *tensor.Tensor) *tensor.Tensor {
			return tensor.Conv1D(x, w, b, tensor.ConvSpec{Padding: "causal"})
		}},
	{"conv1d_k3_dilation4_100x32_64", []int{32, 100, 32}, []int{3, 32, 64},
		func(x, w, b *tensor.Tensor) *tensor.Tensor {
			return tensor.Conv1D(x, w, b, tensor.ConvSpec{Padding: "causal", Dilation: [2]int{1, 4}})
		}},
	{"depthwise_13x13x32_m1", []int{32, 13, 13, 32}, []int{3, 3, 32, 1},
		func(x, w, b *tensor.Tensor) *tensor.Tensor {
			return tensor.DepthwiseConv2D(x, w, b, tensor.ConvSpec{Padding: "same"})
		}},
	{"depthwise_13x13x32_m2", []int{32, 13, 13, 32}, []int{3, 3, 32, 2},
		func(x, w, b *tensor.Tensor) *tensor.Tensor {
			return tensor.DepthwiseConv2D(x, w, b, tensor.ConvSpec{Padding: "same"})
		}},
	{"transpose_s2_13x13x64_32", []int{32, 13, 13, 64}, []int{3, 3, 32, 64},
		func(x, w, b *tensor.Tensor) *tensor.Tensor {
			return tensor.Conv2DTranspose(x, w, b, tensor.ConvSpec{Strides: [2]int{2, 2}, Padding: "same"}, [2]int{26, 26})
		}},
}

// BenchmarkConvVariants times the forward pass and the forward and
// backward passes (input, kernel and bias gradients) of each new
// convolution.
func BenchmarkConvVariants(b *testing.B) {
	anchor := tensor.Scalar(0).RequireGrad()
	for _, c := range convVariantBenches {
		arena := tensor.NewArena()
		x := tt.Rand(1, 0, 1, c.in...).InArena(arena)
		w := tt.Rand(2, -0.1, 0.1, c.w...).RequireGrad()
		nb := c.w[len(c.w)-1]
		switch {
		case strings.HasPrefix(c.name, "depthwise"):
			nb = c.w[2] * c.w[3]
		case strings.HasPrefix(c.name, "transpose"):
			nb = c.w[2]
		}
		bias := tensor.Zeros(nb).RequireGrad()
		b.Run(c.name+"/forward", func(b *testing.B) {
			w.SetRequiresGrad(false)
			bias.SetRequiresGrad(false)
			defer func() {
				w.SetRequiresGrad(true)
				bias.SetRequiresGrad(true)
			}()
			for b.Loop() {
				c.f(x, w, bias)
				arena.Reset()
			}
		})
		b.Run(c.name+"/forward+backward", func(b *testing.B) {
			for b.Loop() {
				y := c.f(hiddenView(x, anchor), w, bias)
				tensor.Backward(tensor.Custom("seed", tensor.Scalar(0), []*tensor.Tensor{y}, func([]float32) {}))
				arena.Reset()
			}
		})
	}
}

// TestConvVariantsDeterministic checks that values and gradients are the
// same bits with 1 goroutine and with 4.
func TestConvVariantsDeterministic(t *testing.T) {
	run := func(procs int, f func(x, w, b *tensor.Tensor) *tensor.Tensor, xs, ws []int, nb int) [][]float32 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		x := tt.Rand(1, -1, 1, xs...).RequireGrad()
		w := tt.Rand(2, -1, 1, ws...).RequireGrad()
		b := tt.Rand(3, -1, 1, nb).RequireGrad()
		y := f(x, w, b)
		tensor.Backward(y.Mul(tt.Rand(4, -1, 1, y.Shape()...)).Sum())
		return [][]float32{y.Data(), x.Grad().Data(), w.Grad().Data(), b.Grad().Data()}
	}
	for _, c := range convVariantBenches[1:] {
		nb := c.w[len(c.w)-1]
		switch {
		case strings.HasPrefix(c.name, "depthwise"):
			nb = c.w[2] * c.w[3]
		case strings.HasPrefix(c.name, "transpose"):
			nb = c.w[2]
		}
		xs := append([]int{8}, c.in[1:]...)
		one, four := run(1, c.f, xs, c.w, nb), run(4, c.f, xs, c.w, nb)
		for i := range one {
			if err := tt.AllClose(four[i], one[i], 0, 0); err != nil {
				t.Errorf("%s, result %d: %v", c.name, i, err)
			}
		}
	}
}
