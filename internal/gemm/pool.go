package gemm

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// minParallelMACs is the least work (m·n·k) given to one goroutine: a
// product is split only if every part gets at least this much. Below it
// (about 2µs of work on one core) the hand-off, the caller's wait and the
// duplicated packing cost about as much as they save: 32×128×64 runs as fast
// on two cores as on one. 32×256×10, the output layer of a small MLP, stays
// on the caller.
var minParallelMACs = 1 << 18

// partsPerThread is how many parts a product is cut into per goroutine
// working on it. Parts are claimed dynamically, so with more parts than
// goroutines one that runs slow (its vCPU shared with another process, or
// woken late) does less of the work instead of holding up the rest; two
// per goroutine measured as fast as one on a quiet machine.
var partsPerThread = 2

// spinTime is how long an idle worker polls for the next product before it
// parks. It must cover the gaps between the products of a training step,
// or each step pays the ~100µs wake-up of a parked goroutine. While
// spinning, the worker keeps one core busy; it calls runtime.Gosched every
// ~15µs so that other goroutines waiting for its P still run.
var spinTime = time.Millisecond

// buffers holds one goroutine's packing space. The slices only grow, so a
// steady stream of products allocates nothing.
type buffers struct{ a, b, t []float32 }

// tBuf holds the transposed C of a swapped product (see swapOperands).
func (b *buffers) tBuf(n int) []float32 {
	if cap(b.t) < n {
		b.t = make([]float32, n)
	}
	return b.t[:n]
}

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

// spareBuffers serves products that run while another holds the pool.
var spareBuffers = sync.Pool{New: func() any { return new(buffers) }}

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

// workerPool runs one product at a time, split over the calling goroutine
// and persistent workers. Each participant owns its packing buffers.
type workerPool struct {
	mu      sync.Mutex // held by the goroutine whose product is running
	state   atomic.Uint64
	_       [56]byte // keep the polled word off the line of the written ones
	done    atomic.Int64
	workers []*worker
	bufs    buffers // the caller's
	job     job     // the current product; written only while no part is claimable
	splitM  bool
	align   int // parts are multiples of align rows (splitM) or columns

	// fn, when not nil, is a Parallel loop over [0, fnSize) that the
	// participants run instead of job.
	fn     Task
	fnSize int

	// blk, when its bs is not nil, is the B block that the participants
	// pack or compute with instead of running whole parts of job (see
	// runShared).
	blk sharedBlock
	bs  []float32 // backing of blk.bs, only grows
}

// sharedBlock is one NC-column block of a product whose packed B panels,
// for every K block, both cores share: K block pc starts at bs[pc*w:],
// w = nc rounded up to NR, and its panel q at kc·NR further per panel.
type sharedBlock struct {
	jc, nc int
	bs     []float32
	pack   bool // the parts pack B's panels into bs, rather than multiply
}

type worker struct {
	parked atomic.Bool
	wake   chan struct{}
	bufs   buffers
}

var pool workerPool

// execute runs j, on several goroutines if it is big enough and the pool is
// free, else on the caller's.
func execute(j *job) {
	if !pool.mu.TryLock() {
		// Another product holds the pool: run alone with spare buffers.
		b := spareBuffers.Get().(*buffers)
		if j.out != nil {
			j.c = b.tBuf(j.m * j.n)
		}
		j.part(0, j.m, 0, j.n, b)
		spareBuffers.Put(b)
		return
	}
	defer pool.mu.Unlock()
	if j.out != nil {
		// The workers write disjoint rectangles of the caller's scratch.
		j.c = pool.bufs.tBuf(j.m * j.n)
	}
	threads, parts, splitM, align := 1, 1, false, 0
	if macs := j.m * j.n * j.k; macs >= 2*minParallelMACs {
		// Every part gets at least minParallelMACs of work, so a product
		// does not wake (and keep spinning) more cores than it can use.
		maxParts := macs / minParallelMACs
		threads = min(runtime.GOMAXPROCS(0), maxParts)
		parts, splitM, align = splitPlan(j, min(partsPerThread*threads, maxParts))
		threads = min(threads, parts)
	}
	if threads < 2 {
		j.part(0, j.m, 0, j.n, &pool.bufs)
		return
	}
	if splitM && shareB(j, parts) {
		pool.runShared(j, threads, parts)
		return
	}
	pool.runParallel(j, threads, parts, splitM, align)
}

// shareB reports whether the parts of j, cut along M, pack the same B
// blocks in full (several MC blocks per part) and B is large enough for
// that to matter: at 1024³, four parts each packing all of B spent 10% of
// the kernels' time copying. runShared packs each block once instead.
func shareB(j *job, parts int) bool {
	if j.out != nil || !(j.transB || j.copyB) || j.kc*j.n < 1<<16 {
		return false
	}
	u := (j.m + j.mr - 1) / j.mr
	return u/parts*j.mr > mcMax(j)
}

// runShared runs j one NC-column block at a time: the goroutines first
// pack all of the block's B panels, for every K block, into one shared
// buffer, claiming a few panels at a time, and then compute their parts of
// C against it, each packing its own A. The wait for all parts of a phase
// (runParallel's) is the barrier between the two. Every element of C sees
// the same K blocks in the same order as through run, so the results are
// the same bits.
func (p *workerPool) runShared(j *job, threads, parts int) {
	nr := j.nr
	// All K blocks of an NC block at once, no more than 2·bBlockFloats
	// (4 MiB, all of B at 1024³), so that there are only two barriers per
	// NC block.
	ncMax := max(nr, 2*bBlockFloats/j.k/nr*nr)
	if n := j.k * roundUp(min(ncMax, j.n), nr); cap(p.bs) < n {
		p.bs = make([]float32, n)
	}
	for jc := 0; jc < j.n; jc += ncMax {
		nc := min(ncMax, j.n-jc)
		units := (j.k + j.kc - 1) / j.kc * ((nc + nr - 1) / nr)
		p.blk = sharedBlock{jc: jc, nc: nc, bs: p.bs[:j.k*roundUp(nc, nr)], pack: true}
		p.runParallel(j, threads, min(units, 4*threads), false, 1)
		p.blk.pack = false
		p.runParallel(j, threads, parts, true, j.mr)
	}
	p.blk = sharedBlock{}
}

// runBlockPart runs part idx of parts of the current shared block's phase.
func (p *workerPool) runBlockPart(idx, parts int, b *buffers) {
	j, s := &p.job, &p.blk
	nr := j.nr
	w := roundUp(s.nc, nr)
	panels := w / nr
	if s.pack {
		// Units are (K block, panel) pairs, K block major.
		units := (j.k + j.kc - 1) / j.kc * panels
		for u := idx * units / parts; u < (idx+1)*units/parts; u++ {
			pc, q := u/panels*j.kc, u%panels
			kc := min(j.kc, j.k-pc)
			c0 := q * nr
			j.packB(s.bs[pc*w+q*kc*nr:], s.jc+c0, min(nr, s.nc-c0), pc, kc)
		}
		return
	}
	u := (j.m + j.mr - 1) / j.mr
	lo := idx * u / parts * j.mr
	hi := min((idx+1)*u/parts*j.mr, j.m)
	for pc := 0; pc < j.k; pc += j.kc {
		kc := min(j.kc, j.k-pc)
		j.runBlock(lo, hi, s.jc, s.nc, pc, kc, s.bs[pc*w:], nr, kc*nr, false, b)
	}
}

// splitPlan chooses how to cut j into at most maxParts parts and returns
// the number of parts. It cuts the larger of M and N, in MR rows or NR
// columns so that only the last part has edge tiles; each part packs the
// operand of the side that is not cut, so cutting the larger side
// duplicates the smaller amount of packing. A product with a single NR
// panel and m < n (the 9×32 weight gradient of a first conv layer, bound by
// reading its deep operands) is not cut: cutting N into half panels
// measured at most 10% faster on two cores than on one.
func splitPlan(j *job, maxParts int) (parts int, splitM bool, align int) {
	size, align := j.n, j.nr
	if j.m >= j.n {
		splitM, size, align = true, j.m, j.mr
	}
	return min(maxParts, (size+align-1)/align, fieldMask), splitM, align
}

// runParallel publishes j as parts parts, wakes the parked ones among the
// first threads-1 workers, and works on the parts itself until all are
// done. p.mu must be held.
func (p *workerPool) runParallel(j *job, threads, parts int, splitM bool, align int) {
	for len(p.workers) < threads-1 {
		w := &worker{wake: make(chan struct{}, 1)}
		p.workers = append(p.workers, w)
		go w.loop(p, p.state.Load()>>genShift)
	}
	p.job = *j
	p.splitM, p.align = splitM, align
	p.done.Store(0)
	gen := p.state.Load()>>genShift + 1
	p.state.Store(gen<<genShift | uint64(parts)<<partsShift)
	for _, w := range p.workers[:threads-1] {
		if w.parked.CompareAndSwap(true, false) {
			w.wake <- struct{}{}
		}
	}
	p.work(gen, &p.bufs)
	// A worker just woken through its channel sits in this P's run queue
	// until this goroutine yields; spinning without yielding would wait for
	// it forever (or until preemption). A worker whose thread the kernel
	// put on this thread's CPU waits for the CPU, not for a P: every 64
	// polls the thread yields the CPU too.
	for i := 1; p.done.Load() < int64(parts); i++ {
		runtime.Gosched()
		if i%64 == 0 {
			osYield()
		}
	}
	p.job = job{} // drop the references to the caller's slices
	p.fn = nil
}

// work claims and runs parts of generation gen until none is left.
func (p *workerPool) work(gen uint64, b *buffers) {
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
		// The claim succeeded, so gen is still open and p.job is its job:
		// the caller does not return before done reaches parts.
		p.runPart(idx, parts, b)
		p.done.Add(1)
	}
}

// runPart computes part idx of parts of the current job: a slab of rows or
// columns whose bounds are multiples of p.align.
func (p *workerPool) runPart(idx, parts int, b *buffers) {
	if p.fn != nil {
		p.fn.Run(idx*p.fnSize/parts, (idx+1)*p.fnSize/parts)
		return
	}
	if p.blk.bs != nil {
		p.runBlockPart(idx, parts, b)
		return
	}
	j := &p.job
	size := j.n
	if p.splitM {
		size = j.m
	}
	u := (size + p.align - 1) / p.align
	lo := idx * u / parts * p.align
	hi := min((idx+1)*u/parts*p.align, size)
	if p.splitM {
		j.part(lo, hi, 0, j.n, b)
	} else {
		j.part(0, j.m, lo, hi, b)
	}
}

func (w *worker) loop(p *workerPool, last uint64) {
	for {
		last = w.wait(p, last)
		p.work(last, &w.bufs)
	}
}

// wait returns the generation of the next product after last, spinning for
// up to spinTime and then parking until runParallel wakes it.
func (w *worker) wait(p *workerPool, last uint64) uint64 {
	start := time.Now()
	for i := 1; ; i++ {
		if g := p.state.Load() >> genShift; g != last {
			return g
		}
		// A poll costs about 0.5ns; reading the clock every 1024 polls and
		// yielding every 32768 keeps both overheads small while bounding
		// how long other goroutines queued on this P wait (~15µs). The
		// yield is also the thread's (osYield): woken by the caller, the
		// kernel may run this thread on the caller's CPU, and a spin that
		// yields only to goroutines then holds the caller's thread off its
		// CPU for the whole spinTime (on the 2-vCPU Zen 5 machine, under
		// load, a 10µs part of an Adam update waited 1.07ms for the caller).
		if i%1024 == 0 {
			if time.Since(start) > spinTime {
				break
			}
			if i%(32*1024) == 0 {
				runtime.Gosched()
				osYield()
			}
		}
	}
	w.parked.Store(true)
	// Re-check after announcing: runParallel either sees parked and sends
	// a wake-up, or had published its generation before this load. If both
	// happen, whoever clears parked first owns the hand-off.
	if g := p.state.Load() >> genShift; g != last {
		if w.parked.CompareAndSwap(true, false) {
			return g
		}
	}
	<-w.wake
	return p.state.Load() >> genShift
}
