package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// TestColsChunksKeepBits checks that the chunk-parallel im2col path gives
// bit for bit the values and the gradients of the pass-by-pass path
// (inferColsFloats = 0) on the whole batch, for the plain and the pooled
// convolution, in one chunk and in several, on one and four goroutines:
// each chunk's rows start at a multiple of the row tile, and the kernel
// and bias gradients are whole-batch products in both.
func TestColsChunksKeepBits(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, c := range []struct{ n, h, w, ch, f int }{
		{20, 5, 5, 64, 64}, // the course CNN's third convolution
		{19, 9, 9, 5, 6},   // 49 positions an image
	} {
		rng := rand.New(rand.NewPCG(uint64(c.n), 7))
		x0 := randomTensor(rng, c.n, c.h, c.w, c.ch)
		w0 := randomTensor(rng, 3, 3, c.ch, c.f)
		b0 := randomTensor(rng, c.f)
		run := func(pooled bool, old bool, chunk, procs int) [][]float32 {
			runtime.GOMAXPROCS(procs)
			oldInfer, oldChunk := inferColsFloats, colsChunkFloats
			defer func() { inferColsFloats, colsChunkFloats = oldInfer, oldChunk }()
			if old {
				inferColsFloats = 0
			}
			colsChunkFloats = chunk
			x, w, b := x0.Detach().RequireGrad(), w0.Detach().RequireGrad(), b0.Detach().RequireGrad()
			s := [2]int{1, 1}
			var y *Tensor
			if pooled {
				y = Conv2DReLUMaxPool2D(x, w, b, s, "valid", [2]int{2, 2}, [2]int{2, 2}, "valid")
			} else {
				y = Conv2DReLU(x, w, b, s, "valid")
			}
			gy := randomTensor(rand.New(rand.NewPCG(3, 4)), y.shape...)
			Backward(y.Mul(gy).Sum())
			return [][]float32{y.data, x.grad, w.grad, b.grad}
		}
		for _, pooled := range []bool{false, true} {
			want := run(pooled, true, 1<<16, 1)
			for _, chunk := range []int{1 << 16, 1} {
				for _, procs := range []int{1, 4} {
					got := run(pooled, false, chunk, procs)
					for i, name := range []string{"output", "input gradient", "kernel gradient", "bias gradient"} {
						for j, v := range got[i] {
							if math.Float32bits(v) != math.Float32bits(want[i][j]) {
								t.Fatalf("%v pooled %v, chunks of %d floats, %d goroutines: %s element %d is %v, pass by pass %v",
									fmt.Sprint(c), pooled, chunk, procs, name, j, v, want[i][j])
							}
						}
					}
				}
			}
		}
	}
}
