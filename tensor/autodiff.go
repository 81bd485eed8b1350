package tensor

import "fmt"

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
	order := topoSort(loss)
	loss.ensureGrad()[0] += 1
	for i := len(order) - 1; i >= 0; i-- {
		t := order[i]
		if t.node == nil || t.grad == nil {
			continue
		}
		for _, in := range t.node.inputs {
			if in.requiresGrad {
				in.ensureGrad()
			}
		}
		t.node.backward(t)
		// Intermediate gradients are no longer needed; dropping them (and the
		// node) lets the garbage collector reclaim the step's graph early.
		t.grad = nil
		t.node = nil
	}
}

// topoSort returns the tensors reachable from root that require gradients,
// each after all of its inputs.
func topoSort(root *Tensor) []*Tensor {
	var order []*Tensor
	visited := map[*Tensor]bool{}
	type frame struct {
		t    *Tensor
		next int
	}
	stack := []frame{{t: root}}
	visited[root] = true
	for len(stack) > 0 {
		f := &stack[len(stack)-1]
		if f.t.node != nil && f.next < len(f.t.node.inputs) {
			in := f.t.node.inputs[f.next]
			f.next++
			if in.requiresGrad && !visited[in] {
				visited[in] = true
				stack = append(stack, frame{t: in})
			}
			continue
		}
		order = append(order, f.t)
		stack = stack[:len(stack)-1]
	}
	return order
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
