package tensor

import (
	"fmt"
	"sync"

	"github.com/neuron-go/neuron/internal/gemm"
	"github.com/neuron-go/neuron/internal/vec"
)

// broadcastShapeInto returns the NumPy broadcast of shapes a and b.
//
// It writes into buf when buf is large enough, so that a caller with a
// stack array allocates nothing.
func broadcastShapeInto(buf []int, op string, a, b []int) []int {
	n := max(len(a), len(b))
	out := buf[:0]
	if cap(out) < n {
		out = make([]int, n)
	}
	out = out[:n]
	for i := 0; i < n; i++ {
		da, db := 1, 1
		if j := len(a) - n + i; j >= 0 {
			da = a[j]
		}
		if j := len(b) - n + i; j >= 0 {
			db = b[j]
		}
		switch {
		case da == db, db == 1:
			out[i] = da
		case da == 1:
			out[i] = db
		default:
			panic(shapeErr(op, fmt.Sprintf("shapes do not broadcast (axis %d: %d vs %d)", i, da, db), a, b))
		}
	}
	return out
}

// bstrides returns, for an operand of shape in broadcast to out, the stride of
// each output axis in the operand's storage (0 where the operand is stretched).
func bstrides(in, out []int) []int {
	st := make([]int, len(out))
	s := 1
	for i := len(out) - 1; i >= 0; i-- {
		j := len(in) - len(out) + i
		if j >= 0 && in[j] != 1 {
			st[i] = s
		}
		if j >= 0 {
			s *= in[j]
		}
	}
	return st
}

// chunkOp computes dst[i] = a[i] ∘ b[i] over runs of the innermost axis, in
// three variants by which operand is constant along the run. Working on whole
// runs keeps function-value calls out of the per-element loop.
type chunkOp struct {
	vv func(dst, a, b []float32)
	vs func(dst, a []float32, s float32)
	sv func(dst []float32, s float32, b []float32)
}

// apply2 broadcasts a and b into out (already allocated with the broadcast
// shape) using op.
func apply2(op chunkOp, out, a, b *Tensor) {
	switch {
	case sameShape(a.shape, b.shape):
		elementwise(elemTask{op: op, dst: out.data, a: a.data, b: b.data})
		return
	case len(b.data) == 1:
		op.vs(out.data, a.data, b.data[0])
		return
	case len(a.data) == 1:
		op.sv(out.data, a.data[0], b.data)
		return
	}
	os := out.shape
	sa, sb := bstrides(a.shape, os), bstrides(b.shape, os)
	// Merge the innermost run: the last axis of out.
	last := len(os) - 1
	n := os[last]
	outer := len(out.data) / max(n, 1)
	idx := make([]int, last)
	for r := 0; r < outer; r++ {
		oa, ob := 0, 0
		for i, x := range idx {
			oa += x * sa[i]
			ob += x * sb[i]
		}
		dst := out.data[r*n : (r+1)*n]
		switch {
		case sa[last] == 1 && sb[last] == 1:
			op.vv(dst, a.data[oa:oa+n], b.data[ob:ob+n])
		case sa[last] == 1:
			op.vs(dst, a.data[oa:oa+n], b.data[ob])
		case sb[last] == 1:
			op.sv(dst, a.data[oa], b.data[ob:ob+n])
		default: // the last axis has size 1 in out, so in both operands
			op.vv(dst, a.data[oa:oa+1], b.data[ob:ob+1])
		}
		for i := last - 1; i >= 0; i-- {
			idx[i]++
			if idx[i] < os[i] {
				break
			}
			idx[i] = 0
		}
	}
}

// sumTo adds g (of shape out) into dst (of shape in), summing over the axes
// along which in was broadcast.
func sumTo(dst []float32, in []int, g []float32, out []int) {
	if len(dst) == len(g) {
		elementwise(elemTask{dst: dst, a: g, add: true})
		return
	}
	if len(dst) == 1 {
		var s float64
		for _, v := range g {
			s += float64(v)
		}
		dst[0] += float32(s)
		return
	}
	st := bstrides(in, out)
	last := len(out) - 1
	n := out[last]
	outer := len(g) / max(n, 1)
	idx := make([]int, last)
	for r := 0; r < outer; r++ {
		o := 0
		for i, x := range idx {
			o += x * st[i]
		}
		row := g[r*n : (r+1)*n]
		if st[last] == 1 {
			d := dst[o : o+n]
			for i, v := range row {
				d[i] += v
			}
		} else {
			var s float32
			for _, v := range row {
				s += v
			}
			dst[o] += s
		}
		for i := last - 1; i >= 0; i-- {
			idx[i]++
			if idx[i] < out[i] {
				break
			}
			idx[i] = 0
		}
	}
}

// parallelElems is the size from which elementwise runs on all cores: a
// transformer block's residual sums (32 sequences of 128 steps of 128
// features, 2 MB) and their gradients took one core a pass through
// memory while the other waited.
const parallelElems = 1 << 16

// elemTask is an elementwise pass over dst: dst = op(a, b), or with add
// dst += a. Each element's result depends on that element alone, so any
// split into ranges gives the same bits.
type elemTask struct {
	op        chunkOp
	dst, a, b []float32
	add       bool
}

var elemTasks = sync.Pool{New: func() any { return new(elemTask) }}

// Run implements gemm.Task.
func (e *elemTask) Run(lo, hi int) {
	if e.add {
		vec.AddRows(e.dst[lo:hi], 0, e.a[lo:hi], 0, 1, hi-lo)
		return
	}
	e.op.vv(e.dst[lo:hi], e.a[lo:hi], e.b[lo:hi])
}

// elementwise runs e over all of dst, on all cores when dst is large.
func elementwise(e elemTask) {
	n := len(e.dst)
	if n < parallelElems {
		e.Run(0, n)
		return
	}
	t := elemTasks.Get().(*elemTask)
	*t = e
	gemm.ParallelTask(n, parallelElems/4, t)
	*t = elemTask{}
	elemTasks.Put(t)
}
