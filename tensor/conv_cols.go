package tensor

import (
	"sync"

	"github.com/neuron-go/neuron/internal/gemm"
	"github.com/neuron-go/neuron/internal/vec"
)

// The im2col path, when the batch's matrix fits colsFloats (or nothing
// needs gradients), runs chunk-parallel as the Winograd path does: each
// chunk of images is copied into its rows of the matrix, multiplied, and
// activated and pooled on one goroutine, the chunks shared out over the
// goroutines; backward rebuilds each chunk's output gradient and computes
// the chunk's input gradient (product and col2im) the same way, and then
// the kernel and bias gradients as products over the whole batch. A
// chunk's rows start at a multiple of the product kernels' row tile
// (colsChunk), so every row has the bits of the whole-batch product, and
// the results are those of one chunk on one goroutine. Done pass by pass,
// the course CNN's third convolution handed its five passes to the second
// core one at a time, each a few microseconds of work.

// colsChunkFloats bounds a chunk's share of the im2col matrix: 256 KB, so
// that the matrix and the chunk's outputs are still in the core's L2 cache
// when the product and the pooling read them. For the course CNN's third
// convolution that is 8 images, 4 chunks at batch 32.
var colsChunkFloats = 1 << 16

// colsChunk is the number of images per chunk of the chunk-parallel
// im2col path for per output positions of k values each: about
// colsChunkFloats of matrix, in a multiple of the images whose rows fill
// whole row tiles (see inferChunk).
func colsChunk(per, k int) int {
	rt := gemm.RowTile()
	q := rt / gcd(per%rt, rt)
	return max(q, colsChunkFloats/max(per*k, 1)/q*q)
}

// colsParallel reports whether forward of p goes through forwardCols: a
// plain convolution through im2col and one product, whose whole batch's
// matrix is kept for the kernel gradient (one chunk of p.chunk) or that
// needs no gradients. inferColsFloats = 0 (tests) keeps the old path.
func (p *convPlan) colsParallel(x, w, b *Tensor) bool {
	if p.general || p.direct || p.wino || !p.useCols || inferColsFloats == 0 {
		return false
	}
	training := x.requiresGrad || w.requiresGrad || b != nil && b.requiresGrad
	return !training || p.chunk >= p.g.n
}

// forwardCols is forward for the chunk-parallel im2col path (colsParallel).
func (p *convPlan) forwardCols(x, w, b *Tensor, relu bool, sink convSink) {
	g, f, k, per := &p.g, p.f, p.k, p.per
	a := arenaOf(x, w, b)
	training := x.requiresGrad || w.requiresGrad || b != nil && b.requiresGrad
	p.chunk = colsChunk(per, k)
	p.colsPar = training
	var cols []float32
	if w.requiresGrad {
		// The whole batch's matrix, for the kernel gradient.
		cols = borrow(a, g.n*per*k)
		p.cols = cols
	}
	ch := p.chunk
	size := 0
	if cols == nil {
		size += ch * per * k
	}
	if sink.pooled {
		size += ch * per * f
	}
	nchunks := (g.n + ch - 1) / ch
	t := newColsChunks(p, nchunks, size)
	t.slots.buf = borrow(a, t.slots.n*size)
	t.x, t.w, t.cols, t.relu, t.sink = x.data, w.data, cols, relu, sink
	if b != nil {
		t.bias = b.data
	}
	gemm.ParallelTask(nchunks, 1, t)
	giveBack(a, t.slots.buf)
	t.release()
}

// backwardCols is backward for the chunk-parallel im2col path. acc tells
// which gradient buffers hold contributions to add to (see
// convPlan.backward).
func (p *convPlan) backwardCols(x, w, b *Tensor, src convSource, acc convAcc) {
	g, f, k, per := &p.g, p.f, p.k, p.per
	wGrad, bGrad, xGrad := w.requiresGrad, b != nil && b.requiresGrad, x.requiresGrad
	a := arenaOf(x, w, b)
	cols := p.cols
	p.cols = nil
	if cols != nil {
		defer giveBack(a, cols)
	}
	size := per * f
	gy := src.gy
	if src.pooled {
		gy = borrow(a, g.n*size)
		defer giveBack(a, gy)
	}
	if src.pooled || src.relu || xGrad {
		ch := p.chunk
		nchunks := (g.n + ch - 1) / ch
		slot := 0
		if xGrad {
			slot = ch * per * k
		}
		t := newColsChunks(p, nchunks, slot)
		t.backward = true
		t.slots.buf = borrow(a, t.slots.n*slot)
		t.w, t.src, t.gy = w.data, src, gy
		if xGrad {
			t.xg, t.xAcc = x.grad, acc.x
		}
		gemm.ParallelTask(nchunks, 1, t)
		giveBack(a, t.slots.buf)
		t.release()
	}
	m := g.n * per
	if wGrad {
		gemm.Sgemm(true, false, k, f, m, cols, k, gy, f, beta(acc.w), w.grad, f)
	}
	if bGrad {
		// d/db = 1ᵀ·g as a one-row product (see convPlan.backward).
		gemm.Sgemm(false, false, 1, f, m, onesVector(m), m, gy, f, beta(acc.b), b.grad, f)
	}
}

// colsChunks is a pass of the chunk-parallel im2col path over chunks of
// images, each chunk wholly on one goroutine: pooled, so that a step does
// not allocate.
type colsChunks struct {
	p        convPlan
	backward bool
	nchunks  int
	x, w     []float32 // the batch's input, the kernel
	cols     []float32 // the whole batch's matrix, or nil: each chunk's in its slot
	bias     []float32
	relu     bool
	sink     convSink
	src      convSource
	gy       []float32 // backward: the whole batch's output gradient (src.gy, or rebuilt here)
	xg       []float32 // the input gradient, or nil
	xAcc     bool      // add to xg (else write it)
	slots    scratchSlots
}

var colsChunkTasks = sync.Pool{New: func() any { return new(colsChunks) }}

func newColsChunks(p *convPlan, nchunks, slotSize int) *colsChunks {
	t := colsChunkTasks.Get().(*colsChunks)
	*t = colsChunks{p: *p, nchunks: nchunks}
	t.p.cols, t.p.u = nil, nil
	t.slots.size, t.slots.n = slotSize, min(convSlots(), max(nchunks, 1))
	return t
}

func (t *colsChunks) release() {
	*t = colsChunks{}
	colsChunkTasks.Put(t)
}

// Run implements gemm.Task over the chunks [lo, hi).
func (t *colsChunks) Run(lo, hi int) {
	s, slot := t.slots.take()
	defer t.slots.releaseSlot(s)
	for ci := lo; ci < hi; ci++ {
		n0 := ci * t.p.chunk
		n1 := min(n0+t.p.chunk, t.p.g.n)
		if t.backward {
			t.backwardChunk(n0, n1, slot)
		} else {
			t.forwardChunk(n0, n1, slot)
		}
	}
}

// forwardChunk computes images [n0, n1) into the sink. On the goroutine
// that runs the whole pass (one chunk) the product and the per-image
// passes are still shared out over the cores; on the others, whose caller
// holds the worker pool, they run on the goroutine itself.
func (t *colsChunks) forwardChunk(n0, n1 int, slot []float32) {
	p := &t.p
	g, f, k, per := &p.g, p.f, p.k, p.per
	ch, rows := p.chunk, (n1-n0)*per
	var m []float32
	if t.cols != nil {
		m = t.cols[n0*per*k : n1*per*k]
	} else {
		m = take(&slot, ch*per*k)[:rows*k]
	}
	g.im2colImages(m, t.x, n0, n1)
	var y []float32
	if t.sink.pooled {
		y = take(&slot, ch*per*f)[:rows*f]
	} else {
		y = t.sink.out[n0*per*f : n1*per*f]
	}
	var beta float32
	if t.bias != nil {
		fillRows(y, t.bias)
		beta = 1
	}
	gemm.Sgemm(false, false, rows, f, k, m, k, t.w, f, beta, y, f)
	if t.relu {
		vec.ReLU(y, y)
	}
	if t.sink.pooled {
		pt := newWinTask(taskMaxPool, &t.sink.pg)
		pt.dst, pt.arg, pt.src, pt.n0 = t.sink.pout, t.sink.arg, y, n0
		parallelEven(n1-n0, per*f, pt)
		pt.release()
	}
}

// backwardChunk writes the output gradient of images [n0, n1) into t.gy
// (rebuilt from the pooled one, or masked by the ReLU) and, if wanted,
// their input gradient.
func (t *colsChunks) backwardChunk(n0, n1 int, slot []float32) {
	p := &t.p
	g, f, k, per := &p.g, p.f, p.k, p.per
	size, rows := per*f, (n1-n0)*per
	gy := t.gy[n0*size : n1*size]
	switch src := &t.src; {
	case src.pooled:
		pg := &src.pg
		rt := newWinTask(taskReLUMaxPoolBackward, pg)
		rt.dst, rt.src, rt.arg, rt.n0, rt.gy, rt.w = gy, src.mask, src.arg, n0, src.gy, src.y
		parallelEven(n1-n0, pg.oh*pg.ow*f, rt)
		rt.release()
	case src.relu:
		// The output gradient is the node's alone and is dropped after
		// backward, so it can hold the pre-activation one.
		vec.ReLUGrad(gy, src.y[n0*size:n1*size])
	}
	if t.xg == nil {
		return
	}
	d := take(&slot, p.chunk*per*k)[:rows*k]
	gemm.Sgemm(false, true, rows, k, f, gy, f, t.w, f, 0, d, k)
	ct := newWinTask(taskCol2im, g)
	ct.dst, ct.src, ct.n0, ct.clearDst = t.xg, d, n0, !t.xAcc
	parallelImages(n1-n0, per*k, ct)
	ct.release()
}
