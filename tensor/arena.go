package tensor

import (
	"github.com/neuron-go/neuron/internal/gemm"
	"github.com/neuron-go/neuron/internal/hugepage"
)

// Arena lends storage to tensors and takes it all back at once with Reset.
//
// A tensor bound to an arena (with InArena) makes every tensor computed from
// it, with its storage, its gradient buffer and its graph node, borrow from
// the same arena. A training step binds its batch to an arena and resets the
// arena when the step is done, so that steady-state steps reuse the same
// memory and allocate nothing, instead of allocating (and zeroing fresh
// pages) for each intermediate result.
//
// After Reset, tensors that borrowed from the arena must not be used: their
// storage, and the tensors themselves, are handed out again; copy out what
// must outlive the step. An Arena is not safe for concurrent use.
type Arena struct {
	free  map[int][][]float32 // returned buffers, by length
	used  [][]float32         // buffers lent since the last Reset
	ifree map[int][][]int32   // the same for int32 buffers (max-pooling winners)
	iused [][]int32

	// Tensor headers and graph nodes, reused after Reset: the first nt
	// (nn) are lent.
	tensors []*Tensor
	nt      int
	nodes   []*node
	nn      int

	clr clearTask // get's parallel clear of large buffers
}

// clearTask clears ranges of s; an Arena's own one is passed to
// gemm.ParallelTask, so that clearing allocates nothing.
type clearTask struct{ s []float32 }

// Run implements gemm.Task.
func (c *clearTask) Run(lo, hi int) { clear(c.s[lo:hi]) }

// parallelClear is the length from which get clears a buffer on both
// cores: a gradient buffer of a sequence model's activations (4096×128
// floats and more) costs a pass through memory that one core alone does
// at half the speed.
const parallelClear = 1 << 18

// NewArena returns an empty arena.
func NewArena() *Arena { return &Arena{free: map[int][][]float32{}, ifree: map[int][][]int32{}} }

// get lends a zeroed buffer of n floats.
func (a *Arena) get(n int) []float32 {
	s := a.getRaw(n)
	if n < parallelClear {
		clear(s)
		return s
	}
	a.clr.s = s
	gemm.ParallelTask(n, parallelClear/4, &a.clr)
	a.clr.s = nil
	return s
}

// getRaw lends a buffer of n floats with arbitrary contents, for results
// that the operation overwrites completely: clearing a buffer that is
// overwritten anyway costs as much as a pass of an elementwise operation.
func (a *Arena) getRaw(n int) []float32 {
	if l := a.free[n]; len(l) > 0 {
		s := l[len(l)-1]
		l[len(l)-1] = nil
		a.free[n] = l[:len(l)-1]
		a.used = append(a.used, s)
		return s
	}
	s := make([]float32, n)
	a.used = append(a.used, s)
	return s
}

// getInt32 lends an int32 buffer of length n with arbitrary contents.
func (a *Arena) getInt32(n int) []int32 {
	if l := a.ifree[n]; len(l) > 0 {
		s := l[len(l)-1]
		l[len(l)-1] = nil
		a.ifree[n] = l[:len(l)-1]
		a.iused = append(a.iused, s)
		return s
	}
	if a.ifree == nil {
		a.ifree = map[int][][]int32{}
	}
	s := make([]int32, n)
	a.iused = append(a.iused, s)
	return s
}

// tensor lends a zeroed tensor header bound to a.
func (a *Arena) tensor() *Tensor {
	if a.nt == len(a.tensors) {
		a.tensors = append(a.tensors, new(Tensor))
	}
	t := a.tensors[a.nt]
	a.nt++
	*t = Tensor{arena: a}
	return t
}

// node lends a zeroed graph node.
func (a *Arena) node() *node {
	if a.nn == len(a.nodes) {
		a.nodes = append(a.nodes, new(node))
	}
	n := a.nodes[a.nn]
	a.nn++
	more := n.more
	clear(more)
	*n = node{more: more[:0]}
	return n
}

// Reset takes back every buffer, tensor header and graph node lent since
// the last Reset.
func (a *Arena) Reset() {
	a.nt, a.nn = 0, 0
	for i, s := range a.used {
		a.free[len(s)] = append(a.free[len(s)], s)
		a.used[i] = nil
	}
	a.used = a.used[:0]
	for i, s := range a.iused {
		a.ifree[len(s)] = append(a.ifree[len(s)], s)
		a.iused[i] = nil
	}
	a.iused = a.iused[:0]
}

// InArena binds t to arena a (nil unbinds it) and returns t. Results of
// operations on t, the tensors themselves as well as their storage, their
// gradients and their graph nodes, borrow from a.
func (t *Tensor) InArena(a *Arena) *Tensor {
	t.arena = a
	return t
}

// arenaOf returns the arena of the first input bound to one, or nil.
func arenaOf(inputs ...*Tensor) *Arena {
	for _, in := range inputs {
		if in != nil && in.arena != nil {
			return in.arena
		}
	}
	return nil
}

// newOut returns a zeroed tensor of the given shape whose storage comes from
// the inputs' arena, if any, else from the heap.
func newOut(shape []int, inputs ...*Tensor) *Tensor {
	a := arenaOf(inputs...)
	n := size(shape)
	t := header(a)
	t.setShape(shape)
	if a != nil {
		t.data = a.get(n)
	} else {
		t.data = hugepage.Floats(n)
	}
	return t
}

// newOutRaw is newOut for results that the operation overwrites
// completely: from an arena, the storage is not cleared first.
func newOutRaw(shape []int, inputs ...*Tensor) *Tensor {
	a := arenaOf(inputs...)
	n := size(shape)
	t := header(a)
	t.setShape(shape)
	if a != nil {
		t.data = a.getRaw(n)
	} else {
		t.data = hugepage.Floats(n)
	}
	return t
}

// scratchRaw is scratch for buffers that the caller overwrites completely.
func (t *Tensor) scratchRaw(n int) []float32 {
	if t.arena != nil {
		return t.arena.getRaw(n)
	}
	return make([]float32, n)
}

// scratchInt32 returns an int32 buffer of n elements with arbitrary
// contents, from the inputs' arena if they have one.
func scratchInt32(n int, inputs ...*Tensor) []int32 {
	if a := arenaOf(inputs...); a != nil {
		return a.getInt32(n)
	}
	return make([]int32, n)
}

// scratch returns a zeroed buffer of n floats for temporary use within an
// operation, from t's arena if it has one.
func (t *Tensor) scratch(n int) []float32 {
	if t.arena != nil {
		return t.arena.get(n)
	}
	return make([]float32, n)
}
