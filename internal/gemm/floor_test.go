package gemm

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"
)

// floorShapes are the products the efficiency figures of docs/performance.md
// are quoted for: 1024³ and the batch-32 training products of the course
// models (the MNIST DNN 784-256-10, the Fashion-MNIST DNN 784-128-10 and
// the CNN's im2col products; the DNNs' first-layer dX is not computed in
// training but is the hidden-layer shape of deeper models).
var floorShapes = []struct {
	name           string
	transA, transB bool
	m, n, k        int
}{
	{"square_1024_NN", false, false, 1024, 1024, 1024},
	{"mnist_fwd_32x784x256_NN", false, false, 32, 256, 784},
	{"mnist_dW_784x256_k32_TN", true, false, 784, 256, 32},
	{"mnist_dX_32x784_k256_NT", false, true, 32, 784, 256},
	{"fashion_fwd_32x784x128_NN", false, false, 32, 128, 784},
	{"fashion_dW_784x128_k32_TN", true, false, 784, 128, 32},
	{"fashion_dX_32x784_k128_NT", false, true, 32, 784, 128},
	{"conv1_fwd_21632x9x32_NN", false, false, 32 * 26 * 26, 32, 9},
	{"conv2_fwd_3872x288x64_NN", false, false, 32 * 11 * 11, 64, 288},
	{"conv2_dW_288x64_k3872_TN", true, false, 288, 64, 32 * 11 * 11},
	{"conv2_dX_3872x64_k288_NT", false, true, 32 * 11 * 11, 288, 64},
	{"conv3_fwd_288x576x64_NN", false, false, 32 * 3 * 3, 64, 576},
	{"conv3_dW_576x64_k288_TN", true, false, 576, 64, 32 * 3 * 3},
	{"conv3_dX_288x64_k576_NT", false, true, 32 * 3 * 3, 576, 64},
}

// measurePeak returns the FLOP rate of the register-only FMA loop of
// useImpl's width on procs goroutines running at once, over about d.
func measurePeak(procs int, d time.Duration) float64 {
	loop, per := peakLoop(useImpl)
	if loop == nil {
		return 0
	}
	// Calibrate one chunk to ~1ms so that the goroutines end together.
	iters := 1 << 12
	for {
		t := time.Now()
		loop(iters)
		if time.Since(t) > 500*time.Microsecond {
			break
		}
		iters *= 2
	}
	chunks := max(1, int(d/time.Millisecond))
	var wg sync.WaitGroup
	start := time.Now()
	for range procs {
		wg.Go(func() {
			for range chunks {
				loop(iters)
			}
		})
	}
	wg.Wait()
	return float64(procs*chunks*iters*per) / time.Since(start).Seconds()
}

// BenchmarkFloor reports, for each floor shape on 1 and 2 goroutines, the
// GEMM rate and its share of the FMA peak measured in the same
// sub-benchmark (the better of a measurement just before and one just
// after the timed loop, so a burst of load from other processes lowers the
// percentage rather than raising it). Peak/P1 and Peak/P2 report the peak
// alone.
func BenchmarkFloor(b *testing.B) {
	for _, procs := range []int{1, 2} {
		b.Run(fmt.Sprintf("Peak/P%d", procs), func(b *testing.B) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			if loop, _ := peakLoop(useImpl); loop == nil {
				b.Skip("no assembly FMA loop for", useImpl)
			}
			var p float64
			for b.Loop() {
				p = max(p, measurePeak(procs, 20*time.Millisecond))
			}
			b.ReportMetric(p/1e9, "GFLOP/s")
		})
	}
	rng := rand.New(rand.NewPCG(21, 22))
	for _, s := range floorShapes {
		o := newOperands(rng, s.transA, s.transB, s.m, s.n, s.k, 0)
		for _, procs := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/P%d", s.name, procs), func(b *testing.B) {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				b.ReportAllocs()
				peak := measurePeak(procs, 30*time.Millisecond)
				for b.Loop() {
					Sgemm(o.transA, o.transB, o.m, o.n, o.k, o.a, o.lda, o.b, o.ldb, 0, o.c, o.ldc)
				}
				el := b.Elapsed().Seconds()
				peak = max(peak, measurePeak(procs, 30*time.Millisecond))
				rate := 2 * float64(s.m*s.n*s.k) * float64(b.N) / el
				b.ReportMetric(rate/1e9, "GFLOP/s")
				if peak > 0 {
					b.ReportMetric(100*rate/peak, "%peak")
				}
			})
		}
	}
}

// BenchmarkDenormal runs the MNIST DNN's forward product with a share of
// A's elements denormal (1e-40), as the gradients of a softmax whose
// probabilities underflow are. Without the kernels' flush to zero, CPUs
// that take a microcode assist for each denormal operand (Intel's) ran
// the 1% case 3–4x slower than the 0% one.
func BenchmarkDenormal(b *testing.B) {
	for _, pct := range []int{0, 1, 30} {
		rng := rand.New(rand.NewPCG(1, 2))
		o := newOperands(rng, false, false, 32, 256, 784, 0)
		for i := range o.a {
			if rng.IntN(100) < pct {
				o.a[i] = 1e-40
			}
		}
		b.Run(fmt.Sprintf("%dpct", pct), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Sgemm(false, false, o.m, o.n, o.k, o.a, o.lda, o.b, o.ldb, 0, o.c, o.ldc)
			}
			b.ReportMetric(2*float64(o.m*o.n*o.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkColdOperands runs the MNIST DNN's forward product and kernel
// gradient with their operands in the caches (hot) and after writing 8 MB
// elsewhere (cold), as in a training step, where the optimizer's pass over
// every weight and its moments evicts the weights and the gradients from
// L2 between one step's products and the next's. Only the products are
// timed.
func BenchmarkColdOperands(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	evict := make([]float32, 2<<20)
	for _, s := range floorShapes[1:3] {
		o := newOperands(rng, s.transA, s.transB, s.m, s.n, s.k, 0)
		for _, cold := range []bool{false, true} {
			name := s.name + "/hot"
			if cold {
				name = s.name + "/cold"
			}
			b.Run(name, func(b *testing.B) {
				var el time.Duration
				for i := 0; i < b.N; i++ {
					if cold {
						for j := range evict {
							evict[j]++
						}
					}
					t := time.Now()
					Sgemm(o.transA, o.transB, o.m, o.n, o.k, o.a, o.lda, o.b, o.ldb, 0, o.c, o.ldc)
					el += time.Since(t)
				}
				b.ReportMetric(2*float64(s.m*s.n*s.k)*float64(b.N)/el.Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
