package gemm

import "runtime"

// Parallel calls fn on consecutive ranges [lo, hi) that together cover
// [0, n), using the same persistent workers as Sgemm, so that elementwise
// passes of a training step (an optimizer update over every weight) use
// both cores without waking a parked goroutine. Each range holds at least
// grain elements; a small n, or a pool busy with another product, runs
// fn(0, n) on the caller. fn must be safe to run concurrently on disjoint
// ranges, and its result must not depend on how [0, n) is cut.
func Parallel(n, grain int, fn func(lo, hi int)) {
	grain = max(grain, 1)
	threads := min(runtime.GOMAXPROCS(0), n/grain)
	if threads < 2 || !pool.mu.TryLock() {
		fn(0, n)
		return
	}
	defer pool.mu.Unlock()
	parts := min(partsPerThread*threads, n/grain, fieldMask)
	pool.fn, pool.fnSize = fn, n
	pool.runParallel(&job{}, threads, parts, false, 1)
}
