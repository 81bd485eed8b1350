package gemm

import "runtime"

// Parallel calls fn on consecutive ranges [lo, hi) that together cover
// [0, n), using the same persistent workers as Sgemm, so that elementwise
// passes of a training step (an optimizer update over every weight) use
// both cores without waking a parked goroutine. Each range holds at least
// grain elements; a small n, or a pool busy with another product, runs
// fn(0, n) on the caller. fn must be safe to run concurrently on disjoint
// ranges, and its result must not depend on how [0, n) is cut.
//
// A closure that captures variables is allocated on the heap when passed
// here; a training step that must not allocate uses ParallelTask.
func Parallel(n, grain int, fn func(lo, hi int)) { ParallelTask(n, grain, funcTask(fn)) }

// Task is a loop body for ParallelTask.
type Task interface {
	// Run does the work for the indices [lo, hi).
	Run(lo, hi int)
}

type funcTask func(lo, hi int)

func (f funcTask) Run(lo, hi int) { f(lo, hi) }

// ParallelTask is Parallel with the loop body given as a Task. A pointer to
// a struct that outlives the call (pooled or kept in a plan) implements it
// without allocating, unlike a fresh closure.
func ParallelTask(n, grain int, t Task) {
	grain = max(grain, 1)
	threads := min(runtime.GOMAXPROCS(0), n/grain)
	if threads < 2 || !pool.mu.TryLock() {
		t.Run(0, n)
		return
	}
	defer pool.mu.Unlock()
	parts := min(partsPerThread*threads, n/grain, fieldMask)
	if parts > threads {
		// A whole number of parts per goroutine: 3 parts on 2 cores
		// leave one core idle for a third of the loop.
		parts -= parts % threads
	}
	pool.fn, pool.fnSize = t, n
	pool.runParallel(&job{}, threads, parts, false, 1)
}

// RowTile is the row period of the kernels Sgemm uses. A product cut into
// row ranges that start at multiples of it gives every row the same bits
// as the whole product: the rounding of a row depends only on whether it is
// among the last M mod RowTile rows (when those are 1 to 3), never on the
// tile it is computed in. Callers that split a product between goroutines
// cut there to keep results independent of the cut.
func RowTile() int { return useImpl.period() }
