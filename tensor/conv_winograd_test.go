package tensor_test

import (
	"fmt"
	"testing"

	"github.com/neuron-go/neuron/tensor"
	tt "github.com/neuron-go/neuron/tensor/tensortest"
)

// winogradCases are stride-1 3×3 convolutions with enough channels for
// the Winograd path: odd and even outputs, "valid" and "same", channel
// counts that the assembly takes (multiples of 16) and that it leaves to
// the Go code.
var winogradCases = []convCase{
	{2, 6, 5, 8, 3, 3, 8, [2]int{1, 1}, "valid", true},
	{1, 5, 6, 8, 3, 3, 12, [2]int{1, 1}, "same", true},
	{1, 6, 6, 16, 3, 3, 16, [2]int{1, 1}, "same", false},
	{2, 7, 7, 16, 3, 3, 32, [2]int{1, 1}, "valid", true},
}

// TestConv2DWinogradGradients is the finite-difference check of the
// Winograd path's three gradients. The convolution is linear in each
// input, so a step of 1e-2 adds no truncation error and keeps float32's
// rounding of the outputs (which the transforms' additions make a few
// times larger than im2col's) from swamping the differences.
func TestConv2DWinogradGradients(t *testing.T) {
	for i, c := range winogradCases {
		t.Run(c.String(), func(t *testing.T) {
			x, w, b := c.tensors(uint64(100 + 10*i))
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
			tt.GradCheck(t, f, xs, tt.GradCheckOptions{Seed: uint64(i), Step: 1e-2})
		})
	}
}

// TestConv2DWinogradMatchesDefinition checks the values and the gradients
// of the course CNN's middle convolution (13×13×32 → 11×11×64), and of the
// same with "same" padding, against the definition of the convolution
// and its gradients summed in float64 (naiveConv2DGrads).
func TestConv2DWinogradMatchesDefinition(t *testing.T) {
	for _, c := range []convCase{
		{4, 13, 13, 32, 3, 3, 64, [2]int{1, 1}, "valid", true},
		{3, 10, 9, 16, 3, 3, 16, [2]int{1, 1}, "same", true},
	} {
		t.Run(c.String(), func(t *testing.T) {
			x, w, b := c.tensors(5)
			x.RequireGrad()
			w.RequireGrad()
			b.RequireGrad()
			y := tensor.Conv2D(x, w, b, c.strides, c.padding)
			shape, want := naiveConv2D(x, w, b, c.strides, c.padding)
			if fmt.Sprint(y.Shape()) != fmt.Sprint(shape) {
				t.Fatalf("shape %v, want %v", y.Shape(), shape)
			}
			if err := tt.AllClose(y.Data(), want, 1e-5, 2e-5); err != nil {
				t.Fatal(err)
			}
			gy := tt.Rand(9, -1, 1, y.Shape()...)
			tensor.Backward(y.Mul(gy).Sum())
			dx, dw, db := naiveConv2DGrads(x, w, gy.Data(), c)
			for _, p := range []struct {
				name      string
				got, want []float32
			}{{"x", x.Grad().Data(), dx}, {"kernel", w.Grad().Data(), dw}, {"bias", b.Grad().Data(), db}} {
				if err := tt.AllClose(p.got, p.want, 1e-4, 1e-4); err != nil {
					t.Errorf("%s gradient: %v", p.name, err)
				}
			}
		})
	}
}

// naiveConv2DGrads returns the gradients of Σ gy·Conv2D(x, w, b) by the
// definition, in float64: stride 1, padding as c.
func naiveConv2DGrads(x, w *tensor.Tensor, gy []float32, c convCase) (dx, dw, db []float32) {
	oh, padT := tensor.ConvOutputSize(c.h, c.kh, 1, c.padding)
	ow, padL := tensor.ConvOutputSize(c.w, c.kw, 1, c.padding)
	xd, wd := x.Data(), w.Data()
	gx := make([]float64, len(xd))
	gw := make([]float64, len(wd))
	gb := make([]float64, c.f)
	for n := range c.n {
		for i := range oh {
			for j := range ow {
				for f := range c.f {
					g := float64(gy[((n*oh+i)*ow+j)*c.f+f])
					gb[f] += g
					for p := range c.kh {
						for q := range c.kw {
							ih, iw := i+p-padT, j+q-padL
							if ih < 0 || ih >= c.h || iw < 0 || iw >= c.w {
								continue
							}
							for ch := range c.c {
								xi := ((n*c.h+ih)*c.w+iw)*c.c + ch
								wi := ((p*c.kw+q)*c.c+ch)*c.f + f
								gx[xi] += g * float64(wd[wi])
								gw[wi] += g * float64(xd[xi])
							}
						}
					}
				}
			}
		}
	}
	f32 := func(s []float64) []float32 {
		r := make([]float32, len(s))
		for i, v := range s {
			r[i] = float32(v)
		}
		return r
	}
	return f32(gx), f32(gw), f32(gb)
}
