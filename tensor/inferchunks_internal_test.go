package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

func randomTensor(rng *rand.Rand, shape ...int) *Tensor {
	t := Zeros(shape...)
	for i := range t.data {
		t.data[i] = rng.Float32() - 0.5
	}
	return t
}

// TestInferenceChunksKeepBits checks that cutting an inference
// convolution's im2col matrix into cache-sized chunks gives the bits of the
// whole-batch product, on one and two goroutines: predictions must not
// depend on the batch size or the thread count.
func TestInferenceChunksKeepBits(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	rng := rand.New(rand.NewPCG(5, 6))
	x := randomTensor(rng, 37, 13, 13, 32)
	w := randomTensor(rng, 3, 3, 32, 64)
	b := randomTensor(rng, 64)
	run := func(cols, procs int) (*Tensor, *Tensor) {
		old := inferColsFloats
		defer func() { inferColsFloats = old }()
		inferColsFloats = cols
		runtime.GOMAXPROCS(procs)
		s := [2]int{1, 1}
		return Conv2DReLU(x, w, b, s, "valid"), Conv2DReLUMaxPool2D(x, w, b, s, "valid", [2]int{2, 2}, [2]int{2, 2}, "valid")
	}
	wantConv, wantPool := run(0, 1)
	for _, c := range []struct{ cols, procs int }{{1 << 17, 1}, {1 << 17, 2}, {1 << 14, 2}, {3 * 121 * 288, 2}, {16 * 121 * 288, 2}} {
		gotConv, gotPool := run(c.cols, c.procs)
		for _, p := range []struct {
			name      string
			got, want *Tensor
		}{{"Conv2DReLU", gotConv, wantConv}, {"Conv2DReLUMaxPool2D", gotPool, wantPool}} {
			for i, v := range p.got.data {
				if math.Float32bits(v) != math.Float32bits(p.want.data[i]) {
					t.Fatalf("%s with chunks of %d floats on %d goroutines: element %d is %v, whole batch %v", p.name, c.cols, c.procs, i, v, p.want.data[i])
				}
			}
		}
	}
}

// BenchmarkInferenceChunks compares the inference convolution of the
// course CNN's middle layer (256 images) with the whole-batch im2col
// matrix (cols0) and with cache-sized chunks.
func BenchmarkInferenceChunks(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := randomTensor(rng, 256, 13, 13, 32)
	w := randomTensor(rng, 3, 3, 32, 64)
	bias := randomTensor(rng, 64)
	for _, procs := range []int{1, 2} {
		for _, v := range []int{0, 1 << 17} {
			b.Run(fmt.Sprintf("P%d/cols%d", procs, v), func(b *testing.B) {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				old := inferColsFloats
				inferColsFloats = v
				defer func() { inferColsFloats = old }()
				for b.Loop() {
					Conv2DReLUMaxPool2D(x, w, bias, [2]int{1, 1}, "valid", [2]int{2, 2}, [2]int{2, 2}, "valid")
				}
				b.ReportMetric(float64(256*b.N)/b.Elapsed().Seconds(), "img/s")
			})
		}
	}
}
