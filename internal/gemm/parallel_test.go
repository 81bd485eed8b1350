package gemm

import (
	"runtime"
	"sync/atomic"
	"testing"
)

// TestParallel checks that the ranges cover [0, n) exactly once, whatever
// the grain and core count, and that Sgemm still works afterwards.
func TestParallel(t *testing.T) {
	for _, procs := range []int{1, 2, 4} {
		old := runtime.GOMAXPROCS(procs)
		for _, n := range []int{0, 1, 15, 1000, 203530} {
			for _, grain := range []int{1, 16, 4096} {
				seen := make([]int32, n)
				var calls atomic.Int32
				Parallel(n, grain, func(lo, hi int) {
					calls.Add(1)
					if hi-lo < min(grain, n) && n >= grain {
						t.Errorf("n=%d grain=%d: range [%d,%d) below the grain", n, grain, lo, hi)
					}
					for i := lo; i < hi; i++ {
						atomic.AddInt32(&seen[i], 1)
					}
				})
				for i, c := range seen {
					if c != 1 {
						t.Fatalf("procs=%d n=%d grain=%d: element %d visited %d times", procs, n, grain, i, c)
					}
				}
			}
		}
		runtime.GOMAXPROCS(old)
	}
	a, b, c := []float32{1, 2, 3, 4}, []float32{5, 6, 7, 8}, make([]float32, 4)
	Sgemm(false, false, 2, 2, 2, a, 2, b, 2, 0, c, 2)
	if c[0] != 19 || c[3] != 50 {
		t.Errorf("Sgemm after Parallel = %v", c)
	}
}
