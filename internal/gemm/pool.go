package gemm

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// minParallelMACs is the smallest m·n·k worth splitting: below it (a few µs
// of work) the hand-off and the duplicated packing cost more than they save.
// 32×256×10, the output layer of a small MLP, stays on the caller.
var minParallelMACs = 1 << 17

// spinTime is how long an idle worker polls for the next product before it
// parks. It must cover the gaps between the products of a training step,
// or each step pays the ~100µs wake-up of a parked goroutine. While spinning
// the worker calls runtime.Gosched every few µs so that other goroutines on
// its P still run.
var spinTime = time.Millisecond

// buffers holds one goroutine's packing space. They only grow, so a steady
// stream of products of the same shapes allocates nothing.
type buffers struct{ a, b []float32 }

var bufferPool = sync.Pool{New: func() any { return new(buffers) }}

func getBuffers() *buffers  { return bufferPool.Get().(*buffers) }
func putBuffers(b *buffers) { bufferPool.Put(b) }

func (b *buffers) aBuf(n int) []float32 {
	if cap(b.a) < n {
		b.a = make([]float32, n)
	}
	return b.a[:n]
}

func (b *buffers) bBuf(n int) []float32 {
	if cap(b.b) < n {
		b.b = make([]float32, n)
	}
	return b.b[:n]
}

// The state word of the pool packs, from high to low bits, the generation
// of the current product (32 bits), its number of parts (16) and the next
// unclaimed part (16). Keeping all three in one word lets a late worker see
// in a single load whether the product it woke up for is still open, so it
// never touches the job of a finished product.
const (
	genShift   = 32
	partsShift = 16
	fieldMask  = 1<<16 - 1
)

// workerPool runs parts of one product at a time on persistent goroutines.
type workerPool struct {
	mu      sync.Mutex // held by the goroutine whose product is running
	state   atomic.Uint64
	_       [56]byte // keep the polled word away from the written ones
	done    atomic.Int64
	workers []*worker
	job     job // the current product; written only while no part is claimable
	splitM  bool
	align   int // parts are multiples of align rows (splitM) or columns
}

type worker struct {
	parked atomic.Bool
	wake   chan struct{}
}

var pool workerPool

// parallel runs j on the pool if it is big enough and the pool is free. It
// reports false if the caller should run j itself.
func parallel(j *job) bool {
	if j.m*j.n*j.k < minParallelMACs {
		return false
	}
	procs := runtime.GOMAXPROCS(0)
	if procs < 2 {
		return false
	}
	splitM, align := splitPlan(j, procs)
	units := (j.n + align - 1) / align
	if splitM {
		units = (j.m + align - 1) / align
	}
	nt := min(procs, units, fieldMask)
	if nt < 2 || !pool.mu.TryLock() {
		return false
	}
	defer pool.mu.Unlock()
	p := &pool
	for len(p.workers) < nt-1 {
		w := &worker{wake: make(chan struct{}, 1)}
		p.workers = append(p.workers, w)
		go w.loop(p.state.Load() >> genShift)
	}
	p.job = *j
	p.splitM, p.align = splitM, align
	p.done.Store(0)
	gen := p.state.Load()>>genShift + 1
	p.state.Store(gen<<genShift | uint64(nt)<<partsShift)
	for _, w := range p.workers[:nt-1] {
		if w.parked.CompareAndSwap(true, false) {
			w.wake <- struct{}{}
		}
	}
	p.work(gen)
	// A woken worker may sit in this P's run queue; yielding lets it run
	// instead of spinning past it.
	for p.done.Load() < int64(nt) {
		runtime.Gosched()
	}
	p.job = job{}
	return true
}

// work claims and runs parts of generation gen until none is left.
func (p *workerPool) work(gen uint64) {
	for {
		v := p.state.Load()
		if v>>genShift != gen {
			return
		}
		parts := int(v >> partsShift & fieldMask)
		idx := int(v & fieldMask)
		if idx >= parts {
			return
		}
		if !p.state.CompareAndSwap(v, v+1) {
			continue
		}
		p.runPart(idx, parts)
		p.done.Add(1)
	}
}

// runPart computes part idx of parts of the current job: a slab of rows or
// columns whose bounds are multiples of p.align.
func (p *workerPool) runPart(idx, parts int) {
	j := &p.job
	size := j.n
	if p.splitM {
		size = j.m
	}
	u := (size + p.align - 1) / p.align
	lo := idx * u / parts * p.align
	hi := min((idx+1)*u/parts*p.align, size)
	if p.splitM {
		j.run(lo, hi, 0, j.n)
	} else {
		j.run(0, j.m, lo, hi)
	}
}

// splitPlan chooses how to cut j for procs goroutines: the larger of M and
// N, in MR rows or NR columns so that only the last part has edge tiles.
// Splitting the larger side also duplicates the smaller amount of packing
// (each part packs the operand of the side that is not split). When N is
// the larger side but has fewer NR panels than procs (the 9×32 weight
// gradient of a first conv layer), it is cut into half panels: the
// half-width kernel does half the FMAs per k step at a little more than
// half the time, which still beats leaving a core idle.
func splitPlan(j *job, procs int) (splitM bool, align int) {
	if j.m >= j.n {
		return true, j.mr
	}
	if (j.n+j.nr-1)/j.nr < procs && j.nr%16 == 0 {
		return false, j.nr / 2
	}
	return false, j.nr
}

func (w *worker) loop(last uint64) {
	p := &pool
	for {
		last = w.wait(p, last)
		p.work(last)
	}
}

// wait returns the generation of the next product after last, spinning for
// up to spinTime and then parking until parallel wakes it.
func (w *worker) wait(p *workerPool, last uint64) uint64 {
	start := time.Now()
	for i := 1; ; i++ {
		if g := p.state.Load() >> genShift; g != last {
			return g
		}
		if i%1024 == 0 {
			if time.Since(start) > spinTime {
				break
			}
			runtime.Gosched()
		}
	}
	w.parked.Store(true)
	// Re-check after announcing: parallel either sees parked and sends a
	// wake-up, or published its generation before our check here. Whoever
	// clears parked first owns the hand-off.
	if g := p.state.Load() >> genShift; g != last {
		if w.parked.CompareAndSwap(true, false) {
			return g
		}
	}
	<-w.wake
	return p.state.Load() >> genShift
}
