package tensor

import (
	"fmt"
	"sync"
	"sync/atomic"
)

// Backward computes d(loss)/d(t) for every tensor t that requires gradients
// and that loss depends on, adding it to t's gradient (read it with Grad).
// Gradients accumulate across calls until ZeroGrad, as in PyTorch; the model's
// training step zeroes its weights' gradients after each update.
//
// loss must hold exactly one value; Backward panics otherwise.
func Backward(loss *Tensor) {
	if len(loss.data) != 1 {
		panic(shapeErr("Backward", "loss must hold a single value", loss.shape))
	}
	if !loss.requiresGrad {
		return
	}
	s := sorters.Get().(*sorter)
	order := s.sort(loss)
	loss.ensureGrad()[0] += 1
	for i := len(order) - 1; i >= 0; i-- {
		t := order[i]
		if t.node == nil || t.grad == nil {
			continue
		}
		if !t.node.overwrites {
			for _, in := range t.node.inputs() {
				if in != nil && in.requiresGrad {
					in.ensureGrad()
				}
			}
		}
		t.node.backward(t)
		// Intermediate gradients are no longer needed; dropping them (and the
		// node) lets the garbage collector reclaim the step's graph early.
		t.grad = nil
		t.node = nil
	}
	s.release()
	sorters.Put(s)
}

// sorter holds the buffers of a topological sort, reused across Backward
// calls (through sorters) so that a training step does not allocate them.
type sorter struct {
	order []*Tensor
	stack []sortFrame
}

type sortFrame struct {
	t    *Tensor
	next int
}

var sorters = sync.Pool{New: func() any { return new(sorter) }}

// passes numbers the sorts: a tensor whose mark equals the current pass has
// been visited, which spares a visited set.
var passes atomic.Uint64

// sort returns the tensors reachable from root that require gradients,
// each after all of its inputs. The result is valid until release.
func (s *sorter) sort(root *Tensor) []*Tensor {
	pass := passes.Add(1)
	order := s.order[:0]
	stack := append(s.stack[:0], sortFrame{t: root})
	root.mark = pass
	for len(stack) > 0 {
		f := &stack[len(stack)-1]
		if f.t.node != nil {
			if ins := f.t.node.inputs(); f.next < len(ins) {
				in := ins[f.next]
				f.next++
				if in != nil && in.requiresGrad && in.mark != pass {
					in.mark = pass
					stack = append(stack, sortFrame{t: in})
				}
				continue
			}
		}
		order = append(order, f.t)
		stack = stack[:len(stack)-1]
	}
	s.order, s.stack = order, stack
	return order
}

// release forgets the tensors of the last sort, so that the pool does not
// keep a step's graph alive.
func (s *sorter) release() {
	clear(s.order)
	s.order = s.order[:0]
}

// Op returns the name of the operation that produced t, or "" for a leaf.
// It is meant for debugging and error messages.
func (t *Tensor) Op() string {
	if t.node == nil {
		return ""
	}
	return t.node.op
}

// Custom records a user-defined differentiable operation: out was computed
// from inputs, and backward, given out and d(loss)/d(out) (gout), must add
// each input's gradient into the slices returned by GradOf. It lets a custom
// layer provide a hand-written derivative where composing existing operations
// would be slow; most custom code never needs it.
func Custom(op string, out *Tensor, inputs []*Tensor, backward func(gout []float32)) *Tensor {
	if out.node != nil {
		panic(fmt.Sprintf("tensor: Custom(%q): out already belongs to a graph", op))
	}
	return record(out, op, inputs, func(o *Tensor) { backward(o.grad) })
}

// GradOf returns the gradient buffer of t during a Custom backward function,
// or nil if t does not require gradients.
func GradOf(t *Tensor) []float32 {
	if !t.requiresGrad {
		return nil
	}
	return t.ensureGrad()
}
