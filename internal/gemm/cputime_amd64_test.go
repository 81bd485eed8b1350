//go:build linux && amd64 && !purego

package gemm

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// cpuTime returns the CPU time consumed so far by the calling thread
// (clock 3, CLOCK_THREAD_CPUTIME_ID) or by the whole process (clock 2).
func cpuTime(clock int) time.Duration {
	var ts syscall.Timespec
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, uintptr(clock), uintptr(unsafe.Pointer(&ts)), 0)
	return time.Duration(ts.Nano())
}

const (
	clockProcess = 2
	clockThread  = 3
)

// cpuPeak is the FMA loop's FLOP rate per second of CPU time on one
// thread.
func cpuPeak() float64 {
	loop, per := peakLoop(useImpl)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	best := 0.0
	for range 5 {
		t := cpuTime(clockThread)
		loop(1 << 16)
		best = max(best, float64((1<<16)*per)/(cpuTime(clockThread)-t).Seconds())
	}
	return best
}

// BenchmarkFloorCPU is BenchmarkFloor with CPU time in place of wall time:
// the rate of each floor shape per second of CPU time the process used
// (GOMAXPROCS 1 and 2, the workers' spinning included) as a share of the
// FMA loop's rate per CPU second. On a machine shared with other work,
// wall time counts the slices in which other processes ran; CPU time does
// not, though their cache traffic still slows the product.
func BenchmarkFloorCPU(b *testing.B) {
	if loop, _ := peakLoop(useImpl); loop == nil {
		b.Skip("no assembly FMA loop for", useImpl)
	}
	rng := rand.New(rand.NewPCG(21, 22))
	for _, s := range floorShapes {
		o := newOperands(rng, s.transA, s.transB, s.m, s.n, s.k, 0)
		for _, procs := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/P%d", s.name, procs), func(b *testing.B) {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				peak := cpuPeak()
				t := cpuTime(clockProcess)
				for b.Loop() {
					Sgemm(o.transA, o.transB, o.m, o.n, o.k, o.a, o.lda, o.b, o.ldb, 0, o.c, o.ldc)
				}
				cpu := (cpuTime(clockProcess) - t).Seconds()
				peak = max(peak, cpuPeak())
				rate := 2 * float64(s.m*s.n*s.k) * float64(b.N) / cpu
				b.ReportMetric(100*rate/peak, "%cpupeak")
			})
		}
	}
}

// BenchmarkKernel runs the AVX-512 or AVX2 micro-kernel alone on packed
// panels that stay in L1 (an MR-row A panel and an NR-column B panel of
// depth k, C overwritten), one column panel at a time as the driver calls
// it, and reports its rate per CPU second as a share of the FMA loop's.
func BenchmarkKernel(b *testing.B) {
	if loop, _ := peakLoop(useImpl); loop == nil {
		b.Skip("no assembly FMA loop for", useImpl)
	}
	mr, nr := useImpl.shape()
	for _, k := range []int{32, 128, 256} {
		for _, tiles := range []int{1, 4} {
			b.Run(fmt.Sprintf("%dx%d/k%d/tiles%d", mr, nr, k, tiles), func(b *testing.B) {
				rng := rand.New(rand.NewPCG(1, 2))
				a := randSlice(rng, tiles*mr*k)
				bp := randSlice(rng, k*nr)
				c := make([]float32, tiles*mr*nr)
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				peak := cpuPeak()
				t := cpuTime(clockThread)
				for b.Loop() {
					for range 64 {
						tile(useImpl, k, a, 1, mr, bp, nr, c, nr, mr, nr, false, false, tiles, mr*k)
					}
				}
				cpu := (cpuTime(clockThread) - t).Seconds()
				rate := 2 * float64(64*tiles*mr*nr*k) * float64(b.N) / cpu
				b.ReportMetric(100*rate/peak, "%cpupeak")
			})
		}
	}
}

// BenchmarkFloorBest reports, for each floor shape on one and two
// goroutines, the rate of the fastest of b.N calls, and Peak/P1, Peak/P2
// the fastest of b.N rounds of the FMA loop (about 40µs each, on every
// goroutine at once). On a machine shared with other work, wall and CPU
// time both count the calls that others disturbed (descheduled, or their
// caches and the core's SMT sibling taken); the fastest call is the one
// nothing disturbed, which is what the code itself can do. Divide by a
// quiet machine's peak: the fastest rounds of the loop and of a product
// come from different moments, so their ratio can exceed 100%. Run it
// with a fixed count, e.g. -benchtime 300x.
func BenchmarkFloorBest(b *testing.B) {
	loop, per := peakLoop(useImpl)
	if loop == nil {
		b.Skip("no assembly FMA loop for", useImpl)
	}
	for _, procs := range []int{1, 2} {
		b.Run(fmt.Sprintf("Peak/P%d", procs), func(b *testing.B) {
			const iters = 8192
			best := time.Duration(1 << 62)
			done := make(chan struct{}, procs)
			for b.Loop() {
				t := time.Now()
				for range procs - 1 {
					go func() { loop(iters); done <- struct{}{} }()
				}
				loop(iters)
				for range procs - 1 {
					<-done
				}
				best = min(best, time.Since(t))
			}
			b.ReportMetric(float64(procs*iters*per)/best.Seconds()/1e9, "bestGFLOP/s")
		})
	}
	rng := rand.New(rand.NewPCG(21, 22))
	for _, s := range floorShapes {
		o := newOperands(rng, s.transA, s.transB, s.m, s.n, s.k, 0)
		for _, procs := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/P%d", s.name, procs), func(b *testing.B) {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				best := time.Duration(1 << 62)
				for b.Loop() {
					t := time.Now()
					Sgemm(o.transA, o.transB, o.m, o.n, o.k, o.a, o.lda, o.b, o.ldb, 0, o.c, o.ldc)
					best = min(best, time.Since(t))
				}
				b.ReportMetric(2*float64(s.m*s.n*s.k)/best.Seconds()/1e9, "bestGFLOP/s")
			})
		}
	}
}

// BenchmarkKernelBest runs the micro-kernel alone on packed panels in L1
// (4 tiles of rows×32 stacked along M, depth k, C overwritten, 8 calls a
// round) for the full tile height and, on AVX-512, for 8 rows (the tile
// before it was 12×32), and reports the fastest round's rate as a share of the
// fastest of many rounds of the FMA loop: like BenchmarkFloorBest, what
// the kernel does when nothing else disturbs it.
func BenchmarkKernelBest(b *testing.B) {
	loop, per := peakLoop(useImpl)
	if loop == nil {
		b.Skip("no assembly FMA loop for", useImpl)
	}
	peak := time.Duration(1 << 62)
	for range 3000 {
		t := time.Now()
		loop(256)
		peak = min(peak, time.Since(t))
	}
	peakRate := float64(256*per) / peak.Seconds()
	mr, nr := useImpl.shape()
	heights := []int{mr}
	if mr > 8 {
		heights = []int{8, mr}
	}
	for _, rows := range heights {
		for _, k := range []int{32, 128, 256} {
			b.Run(fmt.Sprintf("%dx%d/k%d", rows, nr, k), func(b *testing.B) {
				rng := rand.New(rand.NewPCG(1, 2))
				a := randSlice(rng, 4*rows*k)
				bp := randSlice(rng, k*nr)
				c := make([]float32, 4*rows*nr)
				best := time.Duration(1 << 62)
				for b.Loop() {
					t := time.Now()
					for range 8 {
						tile(useImpl, k, a, 1, rows, bp, nr, c, nr, rows, nr, false, false, 4, rows*k)
					}
					best = min(best, time.Since(t))
				}
				rate := float64(8*4*rows*nr*k*2) / best.Seconds()
				b.ReportMetric(rate/1e9, "bestGFLOP/s")
				b.ReportMetric(100*rate/peakRate, "%bestpeak")
			})
		}
	}
}
