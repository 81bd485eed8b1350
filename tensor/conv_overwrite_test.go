package tensor_test

import (
	"fmt"
	"testing"

	"github.com/neuron-go/neuron/tensor"
	tt "github.com/neuron-go/neuron/tensor/tensortest"
)

// TestConvGradOverwrite checks the convolutions' gradient buffers on every
// path (direct, im2col, Winograd, 1×1, dilated) and through each of the
// fused operations: after ZeroGrad, a second backward pass must write the
// same gradients bit for bit (a stale buffer is overwritten, not added
// to), and when another operation also sends gradient to the input,
// kernel and bias, the sum must be the two contributions'.
func TestConvGradOverwrite(t *testing.T) {
	cases := []struct {
		name string
		c    convCase
		dil  int
	}{
		{"direct", convCase{4, 10, 10, 1, 3, 3, 16, [2]int{1, 1}, "valid", true}, 1},
		{"direct same", convCase{3, 9, 8, 2, 3, 3, 16, [2]int{1, 1}, "same", true}, 1},
		{"im2col", convCase{3, 9, 9, 5, 3, 3, 6, [2]int{1, 1}, "valid", true}, 1},
		{"winograd", convCase{2, 13, 13, 8, 3, 3, 8, [2]int{1, 1}, "valid", true}, 1},
		{"winograd same", convCase{2, 12, 11, 16, 3, 3, 16, [2]int{1, 1}, "same", true}, 1},
		{"1x1", convCase{2, 6, 6, 3, 1, 1, 4, [2]int{1, 1}, "valid", true}, 1},
		{"dilated", convCase{2, 9, 9, 3, 3, 3, 4, [2]int{1, 1}, "valid", true}, 2},
	}
	p2 := [2]int{2, 2}
	ops := []struct {
		name string
		f    func(x, w, b *tensor.Tensor, c convCase, dil int) *tensor.Tensor
	}{
		{"Conv2D", func(x, w, b *tensor.Tensor, c convCase, dil int) *tensor.Tensor {
			if dil > 1 {
				return tensor.Conv2DWith(x, w, b, tensor.ConvSpec{Strides: c.strides, Padding: c.padding, Dilation: [2]int{dil, dil}})
			}
			return tensor.Conv2D(x, w, b, c.strides, c.padding)
		}},
		{"Conv2DReLU", func(x, w, b *tensor.Tensor, c convCase, _ int) *tensor.Tensor {
			return tensor.Conv2DReLU(x, w, b, c.strides, c.padding)
		}},
		{"Conv2DReLUMaxPool2D", func(x, w, b *tensor.Tensor, c convCase, _ int) *tensor.Tensor {
			return tensor.Conv2DReLUMaxPool2D(x, w, b, c.strides, c.padding, p2, p2, "valid")
		}},
	}
	for i, c := range cases {
		for _, op := range ops {
			if c.dil > 1 && op.name != "Conv2D" {
				continue
			}
			for _, xGrad := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/%s/xgrad=%v", c.name, op.name, xGrad), func(t *testing.T) {
					x, w, b := c.c.tensors(uint64(40 + i))
					ins := []*tensor.Tensor{w, b}
					if xGrad {
						ins = append(ins, x)
					}
					for _, v := range ins {
						v.RequireGrad()
					}
					y := op.f(x, w, b, c.c, c.dil)
					r := tt.Rand(9, -1, 1, y.Shape()...)
					grads := func() [][]float32 {
						var g [][]float32
						for _, v := range ins {
							g = append(g, append([]float32(nil), v.Grad().Data()...))
							v.ZeroGrad()
						}
						return g
					}
					tensor.Backward(op.f(x, w, b, c.c, c.dil).Mul(r).Sum())
					first := grads()
					tensor.Backward(op.f(x, w, b, c.c, c.dil).Mul(r).Sum())
					second := grads()
					for k := range first {
						if err := tt.AllClose(second[k], first[k], 0, 0); err != nil {
							t.Fatalf("input %d after ZeroGrad: %v", k, err)
						}
					}
					// Another contribution to every input, before and after
					// the convolution's in the backward order.
					for _, before := range []bool{false, true} {
						loss := op.f(x, w, b, c.c, c.dil).Mul(r).Sum()
						extra := x.MulScalar(2).Sum().Add(w.MulScalar(3).Sum()).Add(b.MulScalar(4).Sum())
						if before {
							loss = extra.Add(loss)
						} else {
							loss = loss.Add(extra)
						}
						tensor.Backward(loss)
						got := grads()
						for k, add := range []float32{3, 4, 2}[:len(ins)] {
							want := append([]float32(nil), first[k]...)
							for j := range want {
								want[j] += add
							}
							if err := tt.AllClose(got[k], want, 1e-6, 1e-6); err != nil {
								t.Fatalf("input %d with another contribution (before %v): %v", k, before, err)
							}
						}
					}
				})
			}
		}
	}
}
