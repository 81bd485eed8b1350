package models

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/neuron-go/neuron/internal/gemm"
	"github.com/neuron-go/neuron/internal/vec"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/tensor"
)

// slabRows is how many examples of a prediction batch one copy of the
// network computes at a time. A batch of more goes through in slabs of
// this many, the slabs shared out over the cores, each slab computed on
// one core from start to end: every matrix product and convolution of a
// slab then runs on the core whose cache holds its inputs, with no hand-off
// between the cores inside a layer. Splitting each layer's work over the
// cores instead measured slower on two cores than on one for the course
// CNN at batch 1024, whose inference convolutions go through in chunks of
// a few images: thousands of small products a batch, each split in two.
//
// The slabs depend on the batch only, never on GOMAXPROCS, so the outputs
// do not either. It is a multiple of the products' row tiles, so in a
// slab every example's rows sit in whole tiles as they would in the whole
// batch's product.
var slabRows = 128

// slabSafe reports whether n may run on the slabs of a batch at once,
// through copies sharing its layers: it is a stack or graph of one-input
// built-in layers whose inference reads only their weights (no masks, no
// states carried between batches, no layers of the caller's whose Call
// might keep scratch state). It also reports whether a layer of n fills an
// inference cache on its first call (a BatchNormalization folded into the
// layer before it), which the first slab then does alone.
func slabSafe(n *network) (safe, warm bool) {
	if n == nil || n.masking {
		return false, false
	}
	for i := range n.steps {
		switch n.steps[i].layer.(type) {
		case *layers.BatchNormalization:
			warm = true
		case *layers.Dense, *layers.Conv2D, *layers.MaxPooling2D, *layers.AveragePooling2D,
			*layers.Flatten, *layers.Dropout, *layers.Activation, *layers.ReLU, *layers.Reshape,
			*layers.Rescaling, *layers.GlobalAveragePooling2D, *layers.GlobalMaxPooling2D:
		default:
			return false, false
		}
	}
	return true, warm
}

// slabbedPredict reports whether Predict with BatchSize bs (0: the
// default) runs the batches of x in slabs: they are larger than a slab,
// the network is slabSafe, and no input holds texts (which go through
// another network).
func (e *engine) slabbedPredict(x []Array, bs int) bool {
	if bs == 0 {
		bs = 32
	}
	if bs <= slabRows || len(x) == 0 || shapeOf(x[0])[0] <= slabRows || e.net == nil {
		return false
	}
	for _, a := range x {
		if _, ok := asStrings(a); ok {
			return false
		}
	}
	return e.slabRunner(e.net).safe
}

func isTensor(a Array) bool {
	_, ok := a.(*tensor.Tensor)
	return ok
}

// slabs returns the number of slabs of a batch of n examples.
func slabs(n int) int { return (n + slabRows - 1) / slabRows }

// slabRunner runs the slabs of Predict's batches: copies of the model's
// network, each with its own arena, made as they are first needed and kept
// while the model keeps the same network.
type slabRunner struct {
	base       *network
	safe, warm bool

	mu   sync.Mutex
	free []*predictWorker

	// The current batch: per input its rows, per output the rows of its
	// result; set by run, read by the goroutines of gemm.ParallelTask.
	xs    []*tensor.Tensor
	outs  [][]float32
	per   []int // values per example of each output
	rows  int   // examples in the batch
	first int   // the slab that gemm.ParallelTask's index 0 is
	fail  any   // the first panic of a slab, to re-raise on the caller
	// check tells, per input, whether a slab checks that its values are
	// finite before computing (Predict left it to the slabs); bad is set
	// when one is not.
	check []bool
	bad   atomic.Bool
}

// slabRunner returns the engine's slab runner for network n.
func (e *engine) slabRunner(n *network) *slabRunner {
	if e.slabs == nil || e.slabs.base != n {
		r := &slabRunner{base: n}
		r.safe, r.warm = slabSafe(n)
		e.slabs = r
	}
	return e.slabs
}

// run computes the batch xs into outs (per output, the batch's rows of
// per[i] values each). warm runs the first slab alone first. It returns
// false if an input that the slabs check holds a NaN or an infinity.
func (r *slabRunner) run(xs []*tensor.Tensor, outs [][]float32, per []int, warm bool) bool {
	r.xs, r.outs, r.per, r.rows, r.fail = xs, outs, per, xs[0].Dim(0), nil
	r.bad.Store(false)
	defer func() { r.xs, r.outs = nil, nil }()
	n := slabs(r.rows)
	first := 0
	if warm {
		r.runSlabs(0, 1)
		first = 1
	}
	if r.fail == nil {
		r.first = first
		gemm.ParallelTask(n-first, 1, r)
	}
	if r.fail != nil {
		panic(r.fail)
	}
	return !r.bad.Load()
}

// Run implements gemm.Task: the slabs [first+lo, first+hi).
func (r *slabRunner) Run(lo, hi int) { r.runSlabs(r.first+lo, r.first+hi) }

// runSlabs computes the slabs [lo, hi) of the current batch on a worker of
// its own. A panic (a shape error of a layer) is kept for the caller: on a
// goroutine of the product pool it would end the process.
func (r *slabRunner) runSlabs(lo, hi int) {
	w := r.get()
	defer r.put(w)
	defer func() {
		if p := recover(); p != nil {
			w.arena.Reset()
			r.mu.Lock()
			if r.fail == nil {
				r.fail = p
			}
			r.mu.Unlock()
		}
	}()
	for s := lo; s < hi; s++ {
		if r.bad.Load() {
			return
		}
		a, b := s*slabRows, min((s+1)*slabRows, r.rows)
		for i, x := range r.xs {
			w.xs[i] = x.Slice(a, b).InArena(w.arena)
			if i < len(r.check) && r.check[i] && !vec.AllFinite(w.xs[i].Data()) {
				r.bad.Store(true)
				return
			}
		}
		for i, y := range w.net.forward(w.xs, false) {
			copy(r.outs[i][a*r.per[i]:b*r.per[i]], y.Data())
		}
		w.arena.Reset()
	}
}

func (r *slabRunner) get() *predictWorker {
	r.mu.Lock()
	defer r.mu.Unlock()
	if n := len(r.free); n > 0 {
		w := r.free[n-1]
		r.free = r.free[:n-1]
		return w
	}
	return &predictWorker{net: r.base.inferenceCopy(), arena: tensor.NewArena(), xs: make([]*tensor.Tensor, len(r.base.inSlots))}
}

func (r *slabRunner) put(w *predictWorker) {
	r.mu.Lock()
	r.free = append(r.free, w)
	r.mu.Unlock()
}

// predictorSlabs runs the slabs of one batch of a Predictor call: the
// call's worker keeps one, so that a call allocates nothing.
type predictorSlabs struct {
	p              *Predictor
	ctx            context.Context
	inputs, output [][]float32
	base, rows     int // the batch's first example in the call, its examples
	first          int // the slab that gemm.ParallelTask's index 0 is

	mu   sync.Mutex
	fail any
	err  error
}

// run computes the call's examples [base, base+rows) in slabs, the first
// alone if warm.
func (s *predictorSlabs) run(warm bool) error {
	s.fail, s.err = nil, nil
	n := slabs(s.rows)
	first := 0
	if warm {
		s.runSlabs(0, 1)
		first = 1
	}
	if s.fail == nil && s.err == nil {
		s.first = first
		gemm.ParallelTask(n-first, 1, s)
	}
	s.inputs, s.output, s.ctx = nil, nil, nil
	if s.fail != nil {
		panic(s.fail)
	}
	return s.err
}

// Run implements gemm.Task: the slabs [first+lo, first+hi).
func (s *predictorSlabs) Run(lo, hi int) { s.runSlabs(s.first+lo, s.first+hi) }

// runSlabs computes slabs [lo, hi) on a worker of the Predictor's, keeping
// a panic or an error for the caller.
func (s *predictorSlabs) runSlabs(lo, hi int) {
	p := s.p
	w := p.get()
	defer p.put(w)
	defer func() {
		if r := recover(); r != nil {
			w.arena.Reset()
			s.mu.Lock()
			if s.fail == nil {
				s.fail = r
			}
			s.mu.Unlock()
		}
	}()
	for sl := lo; sl < hi; sl++ {
		a, b := s.base+sl*slabRows, s.base+min((sl+1)*slabRows, s.rows)
		for i, in := range s.inputs {
			w.xs[i] = w.input(i, b-a, p)
			copy(w.xs[i].Data(), in[a*p.inSize[i]:b*p.inSize[i]])
		}
		preds, err := w.net.forwardCtx(s.ctx, w.xs)
		if err != nil {
			w.arena.Reset()
			s.mu.Lock()
			if s.err == nil {
				s.err = err
			}
			s.mu.Unlock()
			return
		}
		for i, y := range preds {
			copy(s.output[i][a*p.outSize[i]:b*p.outSize[i]], y.Data())
		}
		w.arena.Reset()
	}
}
