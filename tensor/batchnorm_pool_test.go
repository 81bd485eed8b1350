package tensor_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/neuron-go/neuron/tensor"
	tt "github.com/neuron-go/neuron/tensor/tensortest"
)

// bnPoolCase is a BatchNormMaxPool2D geometry: the input shape and the
// pooling, including windows that leave input rows and columns out (7 → 3)
// and "same" padding.
type bnPoolCase struct {
	shape            []int
	pool, strides    [2]int
	padding          string
	gammaLo, gammaHi float32
}

var bnPoolCases = []bnPoolCase{
	{[]int{3, 6, 6, 5}, [2]int{2, 2}, [2]int{2, 2}, "valid", 0.5, 1.5},
	{[]int{2, 7, 5, 17}, [2]int{2, 2}, [2]int{2, 2}, "valid", 0.5, 1.5},
	{[]int{2, 7, 6, 3}, [2]int{3, 3}, [2]int{2, 2}, "same", 0.5, 1.5},
	// Negative gammas: the two operations one after the other.
	{[]int{2, 6, 6, 4}, [2]int{2, 2}, [2]int{2, 2}, "valid", -1, 1},
}

// TestBatchNormMaxPool2DMatchesSeparate checks the fused normalization and
// pooling against BatchNorm then MaxPool2D: the outputs and the moments bit
// for bit, the gradients of x, gamma and beta up to rounding.
func TestBatchNormMaxPool2DMatchesSeparate(t *testing.T) {
	for i, c := range bnPoolCases {
		for k, training := range []bool{true, false, true, false} {
			also := k >= 2
			t.Run(fmt.Sprintf("%d/training=%v/also=%v", i, training, also), func(t *testing.T) {
				ch := c.shape[3]
				x := distinctValues(uint64(i+1), 0.01, c.shape...)
				gamma := tt.Rand(uint64(i+20), c.gammaLo, c.gammaHi, ch)
				beta := tt.Rand(uint64(i+30), -1, 1, ch)
				w := tt.Rand(uint64(i+40), -1, 1, 1)
				run := func(fused bool) (y, dx, dg, db, mean, variance []float32) {
					mean, variance = make([]float32, ch), make([]float32, ch)
					if !training {
						copy(mean, tt.Rand(5, -0.5, 0.5, ch).Data())
						copy(variance, tt.Rand(6, 0.5, 2, ch).Data())
					}
					xs := []*tensor.Tensor{x, gamma, beta}
					for _, v := range xs {
						v.RequireGrad()
						v.ZeroGrad()
					}
					var z *tensor.Tensor
					if fused {
						z = tensor.BatchNormMaxPool2D(x, gamma, beta, mean, variance, 1e-3, training, c.pool, c.strides, c.padding)
					} else {
						z = tensor.MaxPool2D(tensor.BatchNorm(x, gamma, beta, mean, variance, 1e-3, training), c.pool, c.strides, c.padding)
					}
					cot := tt.Rand(uint64(i+50), -1, 1, z.Shape()...)
					loss := z.Mul(cot).Sum().Mul(w)
					if also {
						// x feeds a second operation too: its gradient
						// is added to, not overwritten.
						loss = loss.Add(x.Mul(x).Sum())
					}
					tensor.Backward(loss)
					cp := func(s []float32) []float32 { return append([]float32(nil), s...) }
					return cp(z.Data()), cp(x.Grad().Data()), cp(gamma.Grad().Data()), cp(beta.Grad().Data()), mean, variance
				}
				y1, dx1, dg1, db1, m1, v1 := run(false)
				y2, dx2, dg2, db2, m2, v2 := run(true)
				for _, s := range []struct {
					what string
					a, b []float32
				}{{"output", y1, y2}, {"mean", m1, m2}, {"variance", v1, v2}} {
					for k := range s.a {
						if math.Float32bits(s.a[k]) != math.Float32bits(s.b[k]) {
							t.Fatalf("%s %d: %v separate, %v fused", s.what, k, s.a[k], s.b[k])
						}
					}
				}
				for _, s := range []struct {
					what string
					a, b []float32
				}{{"dx", dx1, dx2}, {"dgamma", dg1, dg2}, {"dbeta", db1, db2}} {
					if err := tt.AllClose(s.b, s.a, 1e-5, 1e-4); err != nil {
						t.Errorf("%s: %v", s.what, err)
					}
				}
			})
		}
	}
}

func TestBatchNormMaxPool2DGradCheck(t *testing.T) {
	for i, c := range bnPoolCases[:3] {
		for _, training := range []bool{true, false} {
			ch := c.shape[3]
			mean, variance := make([]float32, ch), make([]float32, ch)
			if !training {
				copy(mean, tt.Rand(5, -0.5, 0.5, ch).Data())
				copy(variance, tt.Rand(6, 0.5, 2, ch).Data())
			}
			// Values 0.05 apart: a finite-difference step does not change
			// a window's winner.
			x := distinctValues(uint64(i+1), 0.05, c.shape...)
			gamma := tt.Rand(uint64(i+20), 0.5, 1.5, ch)
			beta := tt.Rand(uint64(i+30), -1, 1, ch)
			tt.GradCheck(t, func(xs ...*tensor.Tensor) *tensor.Tensor {
				return tensor.BatchNormMaxPool2D(xs[0], xs[1], xs[2], mean, variance, 1e-3, training, c.pool, c.strides, c.padding)
			}, []*tensor.Tensor{x, gamma, beta}, tt.GradCheckOptions{})
		}
	}
}

// BenchmarkBatchNormMaxPool2D times a training step's forward and backward
// passes of the course CNN's first normalization and pooling (batch 32,
// 26×26×32), fused and as two operations.
func BenchmarkBatchNormMaxPool2D(b *testing.B) {
	for _, fused := range []bool{false, true} {
		b.Run(fmt.Sprintf("fused=%v", fused), func(b *testing.B) {
			arena := tensor.NewArena()
			x := tt.Rand(1, 0, 1, 32, 26, 26, 32).RequireGrad().InArena(arena)
			gamma := tt.Rand(2, 0.5, 1.5, 32).RequireGrad()
			beta := tt.Rand(3, -1, 1, 32).RequireGrad()
			mean, variance := make([]float32, 32), make([]float32, 32)
			p := [2]int{2, 2}
			for i := 0; i < b.N; i++ {
				var z *tensor.Tensor
				if fused {
					z = tensor.BatchNormMaxPool2D(x, gamma, beta, mean, variance, 1e-3, true, p, p, "valid")
				} else {
					z = tensor.MaxPool2D(tensor.BatchNorm(x, gamma, beta, mean, variance, 1e-3, true), p, p, "valid")
				}
				tensor.Backward(z.Sum())
				arena.Reset()
			}
		})
	}
}

// TestBatchNormMomentsLargeMean checks the batch moments against their
// definition in float64 where the mean is large next to the spread, which
// the one-pass sums of squares would cancel.
func TestBatchNormMomentsLargeMean(t *testing.T) {
	const m, c = 301, 3
	x := tt.Rand(7, -1, 1, m, c)
	d := x.Data()
	for i := range d {
		d[i] += float32(1000 * (i%c + 1))
	}
	mean, variance := make([]float32, c), make([]float32, c)
	tensor.BatchNorm(x, nil, nil, mean, variance, 1e-3, true)
	for j := range c {
		var s, q float64
		for r := range m {
			s += float64(d[r*c+j])
		}
		mu := s / m
		for r := range m {
			q += (float64(d[r*c+j]) - mu) * (float64(d[r*c+j]) - mu)
		}
		if err := tt.AllClose([]float32{mean[j], variance[j]}, []float32{float32(mu), float32(q / m)}, 0, 1e-5); err != nil {
			t.Errorf("channel %d: %v", j, err)
		}
	}
}
