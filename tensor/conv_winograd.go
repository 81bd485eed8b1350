package tensor

import (
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/neuron-go/neuron/internal/gemm"
	"github.com/neuron-go/neuron/internal/vec"
	"github.com/neuron-go/neuron/internal/winograd"
)

// A stride-1 3×3 convolution with enough channels and outputs goes through
// Winograd's F(2×2, 3×3) (internal/winograd) instead of im2col: 16
// products of [tiles, C]·[C, F] per batch, one per transformed value,
// where im2col's single product [N·OH·OW, 9·C]·[9·C, F] takes 2.25 times
// as many multiplications for each pair of output columns. Both backward
// products go the same way, through the transforms' adjoints, so the
// gradients are those of the computation forward does. The results differ
// from im2col's in the last bits (the transforms add before they
// multiply), and not with the CPU or the number of goroutines: the
// transforms' assembly computes the Go code's additions in order, and the
// products are Sgemm's.

// winoMinGain is the least ratio of multiplications, im2col's over
// Winograd's, for which a convolution takes the Winograd path. Tiles of
// 2×2 outputs cover an odd output size with a row and a column to spare:
// 11×11 outputs (the course CNN's middle layer) need 6×6 tiles, a gain of
// 2.25·121/144 = 1.89; 3×3 outputs need 2×2 tiles, 1.27, which the
// transforms' passes over memory eat.
const winoMinGain = 1.6

// winogradOn turns the Winograd path on; tests and benchmarks turn it off
// to compare it with im2col.
var winogradOn = true

// winoChunkFloats bounds the products of a chunk of images in training
// (16 matrices [tiles, F]): 768 KB, so that a chunk's transformed inputs
// and products stay in its core's L2 cache (1 MB on Zen 5) from one pass
// to the next. For the course CNN's middle layer that is 4 images (0.6 MB
// of products, 0.3 MB of inputs), and a batch of 32 is 8 chunks, which
// two cores share out evenly even when one of them runs slow for a while.
// The whole batch (4.7 MB) spilled to memory: on the loaded two-core
// Xeon, forward and backward of that block took 0.5 to 0.65 of the whole
// batch's time with chunks of 8 images.
var winoChunkFloats = 3 << 16

// winoMinChannels is the fewest input channels and filters for the
// Winograd path: the products' inner dimension is the input channels.
const winoMinChannels = 8

// planWinograd sets p up for the Winograd path if the convolution suits
// it: 3×3, stride 1, no dilation or groups, enough channels and a large
// enough gain.
func (p *convPlan) planWinograd() {
	g := &p.g
	if !winogradOn || p.general || p.direct || !p.useCols || g.kh != 3 || g.kw != 3 || g.sh != 1 || g.sw != 1 ||
		g.c < winoMinChannels || p.f < winoMinChannels {
		return
	}
	th, tw := (g.oh+1)/2, (g.ow+1)/2
	if 2.25*float64(g.oh*g.ow) < winoMinGain*float64(4*th*tw) {
		return
	}
	p.wino, p.th, p.tw = true, th, tw
	// A multiple of 4 images, which share out evenly over 1, 2 or 4
	// goroutines; it depends on the shapes only, so the kernel gradient's
	// sum over the chunks does not depend on GOMAXPROCS.
	most := min(colsFloats, winoChunkFloats) / (th * tw * 16 * max(g.c, p.f))
	if most > chunkImagesMultiple {
		most -= most % chunkImagesMultiple
	}
	p.chunk = evenChunks(g.n, most)
}

// winoSizes returns the padded input's row length and image size, and the
// padded output's.
func (p *convPlan) winoSizes() (rs, inImg, outImg int) {
	rs = (2*p.tw + 2) * p.g.c
	return rs, (2*p.th + 2) * rs, 4 * p.th * p.tw * p.f
}

// winoFilters returns the transformed filters of w ([16][C][F]), the ones
// p kept if it did.
func (p *convPlan) winoFilters(a *Arena, w []float32) []float32 {
	if p.u != nil {
		return p.u
	}
	cf := p.g.c * p.f
	u := borrow(a, 16*cf)
	gemm.Sgemm(false, false, 16, cf, 9, winograd.FilterMatrix, 9, w, cf, 0, u, cf)
	return u
}

// winoInput writes the transformed inputs of images [n0, n1) into v (16
// matrices [tiles, C], one after the other), in parallel; pad holds a
// padded image per image of the chunk.
func (p *convPlan) winoInput(v, pad, x []float32, n0, n1 int) {
	t := newWinoTask(winoTaskInput, p)
	t.v, t.pad, t.x, t.n0, t.rows = v, pad, x, n0, (n1-n0)*p.th*p.tw
	_, inImg, _ := p.winoSizes()
	parallelImages(n1-n0, inImg+p.th*p.tw*16*p.g.c, t)
	t.release()
}

// convSink is where a chunk-parallel forward pass (the Winograd path's,
// convPlan.forwardCols) puts its outputs:
// the whole batch's [N, OH, OW, F] output out, or, with pooled set, a max
// pooling pg of each chunk's outputs into pout (and the winners into arg,
// if not nil), as Conv2DReLUMaxPool2D computes it.
type convSink struct {
	out    []float32
	pooled bool
	pg     window2D
	pout   []float32
	arg    []int32
}

// convSource is the output gradient of a chunk-parallel backward pass:
// the whole batch's gy (masked in place by the ReLU at the outputs y if
// relu), or, with pooled set, the pooled gradient gy, the pooled outputs
// y and the winners arg of pooling pg, from which each chunk's output
// gradient is rebuilt (mask holds the masked pooled gradient).
type convSource struct {
	gy, y  []float32
	relu   bool
	pooled bool
	pg     window2D
	arg    []int32
	mask   []float32
}

// The Winograd path runs each chunk of images wholly on one goroutine:
// transforms, products and pooling (forward), or the output gradient, its
// transform, the products and the input's (backward), with the chunks
// shared out over the goroutines. Splitting each pass of a chunk between
// the cores instead took seven hand-offs per chunk, and each pass read
// what the other core had written from its cache. The chunks depend on
// the shapes only; each chunk's kernel gradient (the transformed one) and
// bias gradient go to a buffer of its own, and one product sums them in
// chunk order, so the results do not depend on the number of goroutines.

// forwardWinograd is forward for the Winograd path.
func (p *convPlan) forwardWinograd(x, w, b *Tensor, relu bool, sink convSink) {
	g, f, c := &p.g, p.f, p.g.c
	a := arenaOf(x, w, b)
	tiles := p.th * p.tw
	training := x.requiresGrad || w.requiresGrad || b != nil && b.requiresGrad
	if !training && inferColsFloats > 0 {
		p.chunk = min(p.chunk, inferChunk(tiles, 16*max(c, f)))
	}
	_, inImg, outImg := p.winoSizes()
	var u []float32
	switch {
	case training:
		u = p.winoFilters(a, w.data)
		p.u = u
	case g.n*tiles <= winoCacheRows:
		u = p.cachedWinoFilters(w)
	default:
		u = p.winoFilters(a, w.data)
		defer giveBack(a, u)
	}
	var bias []float32
	if b != nil {
		bias = b.data
	} else {
		bias = borrow(a, f)
		clear(bias)
		defer giveBack(a, bias)
	}
	var v []float32
	if w.requiresGrad {
		// The whole batch's transformed inputs, for the kernel gradient.
		v = borrow(a, g.n*tiles*16*c)
		p.cols = v
	}
	ch := p.chunk
	size := ch*max(inImg, outImg) + ch*tiles*16*f
	if v == nil {
		size += ch * tiles * 16 * c
	}
	if sink.pooled {
		size += ch * p.per * f
	}
	nchunks := (g.n + ch - 1) / ch
	t := newWinoChunks(p, nchunks, size)
	t.slots.buf = borrow(a, t.slots.n*size)
	t.x, t.u, t.v, t.bias, t.relu, t.sink = x.data, u, v, bias, relu, sink
	gemm.ParallelTask(nchunks, 1, t)
	giveBack(a, t.slots.buf)
	t.release()
}

// backwardWinograd is backward for the Winograd path.
// acc tells which gradient buffers hold contributions to add to (see
// convPlan.backward).
func (p *convPlan) backwardWinograd(x, w, b *Tensor, src convSource, acc convAcc) {
	g, f, c := &p.g, p.f, p.g.c
	wGrad, bGrad, xGrad := w.requiresGrad, b != nil && b.requiresGrad, x.requiresGrad
	a := arenaOf(x, w, b)
	if g.n == 0 {
		acc.settle(x, w, b)
		return
	}
	tiles := p.th * p.tw
	_, inImg, outImg := p.winoSizes()
	u := p.winoFilters(a, w.data)
	p.u = nil
	defer giveBack(a, u)
	v := p.cols
	p.cols = nil
	if v != nil {
		defer giveBack(a, v)
	}
	ch := p.chunk
	nchunks := (g.n + ch - 1) / ch
	cf := c * f
	size := ch*max(inImg, outImg) + ch*tiles*16*f
	if xGrad {
		size += ch * tiles * 16 * c
	}
	if wGrad && v == nil {
		size += ch * tiles * 16 * c
	}
	if src.pooled {
		size += ch * p.per * f
	}
	t := newWinoChunks(p, nchunks, size)
	t.backward = true
	t.slots.buf = borrow(a, t.slots.n*size)
	t.x, t.u, t.v, t.src = x.data, u, v, src
	if wGrad {
		t.du = borrow(a, nchunks*16*cf)
		defer giveBack(a, t.du)
	}
	if bGrad {
		t.db = borrow(a, nchunks*f)
		defer giveBack(a, t.db)
	}
	if xGrad {
		t.xg, t.xAcc = x.grad, acc.x
	}
	gemm.ParallelTask(nchunks, 1, t)
	du, db := t.du, t.db
	giveBack(a, t.slots.buf)
	t.release()
	if bGrad {
		gemm.Sgemm(false, false, 1, f, nchunks, onesVector(nchunks), nchunks, db, f, beta(acc.b), b.grad, f)
	}
	if wGrad {
		// w.grad = Σ_chunks Gᵀ·dU_chunk, as one product whose inner
		// dimension runs over the chunks' 16 transformed values in order:
		// G repeated once per chunk.
		gs := borrow(a, nchunks*16*9)
		fillRows(gs, winograd.FilterMatrix)
		gemm.Sgemm(true, false, 9, cf, 16*nchunks, gs, 9, du, cf, beta(acc.w), w.grad, cf)
		giveBack(a, gs)
	}
}

// winoChunks is a pass of the Winograd path over chunks of images, each
// chunk wholly on one goroutine: pooled, so that a step does not allocate.
type winoChunks struct {
	p        convPlan
	backward bool
	nchunks  int
	x, u     []float32 // the batch's input, the transformed filters
	v        []float32 // the whole batch's transformed inputs, or nil: each chunk's in its slot
	bias     []float32
	relu     bool
	sink     convSink
	src      convSource
	du, db   []float32 // per-chunk transformed kernel and bias gradients, or nil
	xg       []float32 // the input gradient, or nil
	xAcc     bool      // add to xg (else write it)
	slots    scratchSlots
}

var winoChunkTasks = sync.Pool{New: func() any { return new(winoChunks) }}

func newWinoChunks(p *convPlan, nchunks, slotSize int) *winoChunks {
	t := winoChunkTasks.Get().(*winoChunks)
	*t = winoChunks{p: *p, nchunks: nchunks}
	t.p.cols, t.p.u = nil, nil
	t.slots.size, t.slots.n = slotSize, min(convSlots(), max(nchunks, 1))
	return t
}

func (t *winoChunks) release() {
	*t = winoChunks{}
	winoChunkTasks.Put(t)
}

// Run implements gemm.Task over the chunks [lo, hi).
func (t *winoChunks) Run(lo, hi int) {
	s, slot := t.slots.take()
	defer t.slots.releaseSlot(s)
	for ci := lo; ci < hi; ci++ {
		n0 := ci * t.p.chunk
		n1 := min(n0+t.p.chunk, t.p.g.n)
		if t.backward {
			t.backwardChunk(ci, n0, n1, slot)
		} else {
			t.forwardChunk(n0, n1, slot)
		}
	}
}

// take returns the first n floats of *s and moves *s past them.
func take(s *[]float32, n int) []float32 {
	r := (*s)[:n:n]
	*s = (*s)[n:]
	return r
}

// forwardChunk computes images [n0, n1) into the sink. On the goroutine
// that runs the whole pass (one chunk), the per-image passes and the 16
// products are still shared out over the cores; on the others, whose
// caller holds the worker pool, they run on the goroutine itself.
func (t *winoChunks) forwardChunk(n0, n1 int, slot []float32) {
	p := &t.p
	c, f := p.g.c, p.f
	tiles := p.th * p.tw
	ch, rows := p.chunk, (n1-n0)*tiles
	_, inImg, outImg := p.winoSizes()
	pad := take(&slot, ch*max(inImg, outImg))
	m := take(&slot, ch*tiles*16*f)
	var v []float32
	if t.v != nil {
		v = t.v[n0*tiles*16*c : n1*tiles*16*c]
	} else {
		v = take(&slot, ch*tiles*16*c)
	}
	p.winoInput(v, pad, t.x, n0, n1)
	pt := newWinoTask(winoTaskProducts, p)
	pt.v, pt.m, pt.u, pt.rows = v, m, t.u, rows
	p.winoProducts(pt)
	pt.release()
	var y []float32
	if t.sink.pooled {
		y = take(&slot, ch*p.per*f)[:(n1-n0)*p.per*f]
	} else {
		y = t.sink.out[n0*p.per*f : n1*p.per*f]
	}
	ot := newWinoTask(winoTaskOutput, p)
	ot.m, ot.pad, ot.y, ot.bias, ot.relu, ot.rows = m, pad, y, t.bias, t.relu, rows
	parallelImages(n1-n0, outImg+tiles*16*f, ot)
	ot.release()
	if t.sink.pooled {
		pt := newWinTask(taskMaxPool, &t.sink.pg)
		pt.dst, pt.arg, pt.src, pt.n0 = t.sink.pout, t.sink.arg, y, n0
		parallelEven(n1-n0, p.per*f, pt)
		pt.release()
	}
}

// backwardChunk computes the gradients of chunk ci, images [n0, n1): the
// input's into xg, the transformed kernel's and the bias's into the
// chunk's buffers in du and db.
func (t *winoChunks) backwardChunk(ci, n0, n1 int, slot []float32) {
	p := &t.p
	c, f := p.g.c, p.f
	tiles := p.th * p.tw
	ch, rows := p.chunk, (n1-n0)*tiles
	_, inImg, outImg := p.winoSizes()
	size := p.per * f
	pad := take(&slot, ch*max(inImg, outImg))
	dm := take(&slot, ch*tiles*16*f)
	var gy []float32
	if src := &t.src; src.pooled {
		gy = take(&slot, ch*size)[:(n1-n0)*size]
		pg := &src.pg
		rt := newWinTask(taskReLUMaxPoolBackward, pg)
		rt.dst, rt.src, rt.arg, rt.n0, rt.gy, rt.w = gy, src.mask, src.arg, n0, src.gy, src.y
		parallelEven(n1-n0, pg.oh*pg.ow*f, rt)
		rt.release()
	} else {
		gy = src.gy[n0*size : n1*size]
		if src.relu {
			// The output gradient is the node's alone and is dropped
			// after backward, so it can hold the pre-activation one.
			vec.ReLUGrad(gy, src.y[n0*size:n1*size])
		}
	}
	if t.db != nil {
		mr := (n1 - n0) * p.per
		gemm.Sgemm(false, false, 1, f, mr, onesVector(mr), mr, gy, f, 0, t.db[ci*f:(ci+1)*f], f)
	}
	if t.du == nil && t.xg == nil {
		return
	}
	at := newWinoTask(winoTaskOutputAdjoint, p)
	at.m, at.pad, at.y, at.rows = dm, pad, gy, rows
	parallelImages(n1-n0, outImg+tiles*16*f, at)
	at.release()
	var v, dv, du []float32
	if t.du != nil {
		du = t.du[ci*16*c*f : (ci+1)*16*c*f]
		if t.v != nil {
			v = t.v[n0*tiles*16*c : n1*tiles*16*c]
		} else {
			v = take(&slot, ch*tiles*16*c)
			p.winoInput(v, pad, t.x, n0, n1)
		}
	}
	if t.xg != nil {
		dv = take(&slot, ch*tiles*16*c)
	}
	// Both products of a transformed value read its dM: one task
	// computes them together, while dM is in the cache.
	bt := newWinoTask(winoTaskBackProducts, p)
	bt.v, bt.m, bt.u, bt.du, bt.dv, bt.rows = v, dm, t.u, du, dv, rows
	p.winoProducts(bt)
	bt.release()
	if t.xg != nil {
		it := newWinoTask(winoTaskInputAdjoint, p)
		it.v, it.pad, it.x, it.n0, it.rows, it.acc = dv, pad, t.xg, n0, rows, t.xAcc
		parallelImages(n1-n0, inImg+tiles*16*c, it)
		it.release()
	}
}

// scratchSlots is n scratch buffers of size floats each in buf, one per
// goroutine that runs a task at once, the busy ones marked in busy
// (atomically).
type scratchSlots struct {
	buf     []float32
	size, n int
	busy    uint64
}

// acquire claims a free slot. At most n goroutines run the task at once,
// so one is free but for a moment while another is released.
func (s *scratchSlots) acquire() int {
	for {
		busy := atomic.LoadUint64(&s.busy)
		i := bits.TrailingZeros64(^busy)
		if i >= s.n {
			runtime.Gosched()
			continue
		}
		if atomic.CompareAndSwapUint64(&s.busy, busy, busy|1<<i) {
			return i
		}
	}
}

// take claims a free slot (see acquire) and returns it with its buffer.
func (s *scratchSlots) take() (int, []float32) {
	i := s.acquire()
	return i, s.buf[i*s.size : (i+1)*s.size]
}

// releaseSlot frees the slot i that acquire returned.
func (s *scratchSlots) releaseSlot(i int) {
	for {
		busy := atomic.LoadUint64(&s.busy)
		if atomic.CompareAndSwapUint64(&s.busy, busy, busy&^(1<<i)) {
			return
		}
	}
}

// winoTask is a per-image pass of the Winograd path, run in parallel over
// the images of a chunk: pooled, so that a step does not allocate.
type winoTask struct {
	kind       winoTaskKind
	p          convPlan
	v, m       []float32 // transformed inputs (or their gradients), products (or theirs)
	u          []float32 // transformed filters
	du, dv     []float32 // their gradient and that of v, for winoTaskBackProducts (nil if not wanted)
	pad        []float32 // a padded image per image of the chunk
	x, y, bias []float32 // the whole batch's input (or its gradient), the chunk's output (or its gradient)
	n0, rows   int       // the chunk's first image and its number of tiles
	relu       bool
	acc        bool // winoTaskInputAdjoint adds to x (else writes it)
}

type winoTaskKind int

const (
	winoTaskInput         winoTaskKind = iota // x → pad → v
	winoTaskOutput                            // m → pad → y
	winoTaskOutputAdjoint                     // y → pad → m
	winoTaskInputAdjoint                      // v → pad → x (added)
	winoTaskProducts                          // v, u → m: products [lo, hi) of the 16
	winoTaskBackProducts                      // v, m → du and m, u → dv: products [lo, hi)
)

// winoProducts runs the 16 products of t (winoTaskProducts or
// winoTaskBackProducts), each whole, shared out over the goroutines: a
// product of the course CNN's middle layer is only 2.4M multiply-adds, so
// splitting each of the 16 between the cores (in 16 hand-offs, each
// packing the shared operand twice) left the second core waiting much of
// the time. A product's values do not depend on which goroutine computes
// it, nor on whether Sgemm splits it, so neither do the results. With
// many cores, 16 products are too few to share out, and each is split
// instead.
func (p *convPlan) winoProducts(t *winoTask) {
	macs := t.rows * p.g.c * p.f
	if runtime.GOMAXPROCS(0) > 8 {
		t.Run(0, 16) // each product split by Sgemm
		return
	}
	// Each part gets at least about 2.6e5 multiply-adds (Sgemm's own
	// threshold for a split).
	gemm.ParallelTask(16, max(1, (1<<18+macs-1)/max(macs, 1)), t)
}

var winoTasks = sync.Pool{New: func() any { return new(winoTask) }}

func newWinoTask(kind winoTaskKind, p *convPlan) *winoTask {
	t := winoTasks.Get().(*winoTask)
	*t = winoTask{kind: kind, p: *p}
	t.p.cols, t.p.u = nil, nil
	return t
}

func (t *winoTask) release() {
	*t = winoTask{}
	winoTasks.Put(t)
}

// Run implements gemm.Task over the images [lo, hi) of the chunk.
func (t *winoTask) Run(lo, hi int) {
	p := &t.p
	g, c, f := &p.g, p.g.c, p.f
	th, tw := p.th, p.tw
	tiles := th * tw
	rs, inImg, outImg := p.winoSizes()
	img, ors := g.h*g.w*c, 2*tw*f
	switch t.kind {
	case winoTaskProducts:
		for xi := lo; xi < hi; xi++ {
			gemm.Sgemm(false, false, t.rows, f, c, t.v[xi*t.rows*c:], c, t.u[xi*c*f:], f, 0, t.m[xi*t.rows*f:], f)
		}
		return
	case winoTaskBackProducts:
		for xi := lo; xi < hi; xi++ {
			dm := t.m[xi*t.rows*f:]
			if t.du != nil {
				gemm.Sgemm(true, false, c, f, t.rows, t.v[xi*t.rows*c:], c, dm, f, 0, t.du[xi*c*f:], f)
			}
			if t.dv != nil {
				gemm.Sgemm(false, true, t.rows, c, f, dm, f, t.u[xi*c*f:], f, 0, t.dv[xi*t.rows*c:], c)
			}
		}
		return
	}
	for i := lo; i < hi; i++ {
		switch t.kind {
		case winoTaskInput:
			pad := t.pad[i*inImg : (i+1)*inImg]
			n := t.n0 + i
			p.winoPad(pad, t.x[n*img:(n+1)*img])
			for ty := range th {
				winograd.Input(t.v[(i*tiles+ty*tw)*c:], t.rows*c, pad[2*ty*rs:], rs, tw, c)
			}
		case winoTaskOutput:
			// Tiles wholly inside the output write to it; those that
			// overhang its last row or column (an odd size) write to a
			// scratch tile row, whose part inside is then copied.
			pad := t.pad[i*outImg : (i+1)*outImg]
			y := t.y[i*p.per*f : (i+1)*p.per*f]
			yrs, full := g.ow*f, g.ow/2
			for ty := range th {
				m := t.m[(i*tiles+ty*tw)*f:]
				if 2*ty+1 < g.oh {
					yr := y[2*ty*yrs:]
					winograd.Output(yr, yrs, m, t.rows*f, full, f, t.bias, t.relu)
					if full < tw {
						winograd.Output(pad, 2*f, m[full*f:], t.rows*f, 1, f, t.bias, t.relu)
						copy(yr[2*full*f:2*full*f+f], pad[:f])
						copy(yr[yrs+2*full*f:yrs+2*full*f+f], pad[2*f:3*f])
					}
					continue
				}
				winograd.Output(pad, ors, m, t.rows*f, tw, f, t.bias, t.relu)
				copy(y[2*ty*yrs:(2*ty+1)*yrs], pad[:yrs])
			}
		case winoTaskOutputAdjoint:
			// The same tiles read the gradient where it is, and the
			// others a copy with zeros beyond the output.
			pad := t.pad[i*outImg : (i+1)*outImg]
			gy := t.y[i*p.per*f : (i+1)*p.per*f]
			yrs, full := g.ow*f, g.ow/2
			for ty := range th {
				m := t.m[(i*tiles+ty*tw)*f:]
				if 2*ty+1 < g.oh {
					gr := gy[2*ty*yrs:]
					winograd.OutputAdjoint(m, t.rows*f, gr, yrs, full, f)
					if full < tw {
						clear(pad[:4*f])
						copy(pad[:f], gr[2*full*f:2*full*f+f])
						copy(pad[2*f:3*f], gr[yrs+2*full*f:yrs+2*full*f+f])
						winograd.OutputAdjoint(m[full*f:], t.rows*f, pad, 2*f, 1, f)
					}
					continue
				}
				clear(pad[:2*ors])
				copy(pad, gy[2*ty*yrs:(2*ty+1)*yrs])
				winograd.OutputAdjoint(m, t.rows*f, pad, ors, tw, f)
			}
		case winoTaskInputAdjoint:
			pad := t.pad[i*inImg : (i+1)*inImg]
			clear(pad)
			for ty := range th {
				winograd.InputAdjoint(pad[2*ty*rs:], rs, t.v[(i*tiles+ty*tw)*c:], t.rows*c, tw, c)
			}
			n := t.n0 + i
			if t.acc {
				vec.AddRows(t.x[n*img:(n+1)*img], g.w*c, pad[g.padT*rs+g.padL*c:], rs, g.h, g.w*c)
			} else {
				vec.CopyRows(t.x[n*img:(n+1)*img], g.w*c, pad[g.padT*rs+g.padL*c:], rs, g.h, g.w*c)
			}
		}
	}
}

// winoPad copies the image x into the padded image pad, with zeros around
// it: only the border is cleared, the rest is overwritten.
func (p *convPlan) winoPad(pad, x []float32) {
	g, c := &p.g, p.g.c
	rs, inImg, _ := p.winoSizes()
	top, left := g.padT*rs, g.padL*c
	clear(pad[:top+left])
	seg := g.w * c
	for r := 0; r < g.h; r++ {
		o := top + r*rs + left
		copy(pad[o:o+seg], x[r*seg:(r+1)*seg])
		// The right border of this row and the left border of the next.
		end := min(o+rs, inImg)
		clear(pad[o+seg : end])
	}
	clear(pad[top+g.h*rs+left:])
}
