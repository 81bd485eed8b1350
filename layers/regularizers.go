package layers

import "github.com/neuron-go/neuron/tensor"

// Regularizer computes a penalty on a weight that is added to the training
// loss, like Keras's kernel_regularizer.
type Regularizer interface {
	// Penalty returns a scalar tensor differentiable with respect to w.
	Penalty(w *tensor.Tensor) *tensor.Tensor
}

// Regularized is implemented by layers whose weights carry regularizers.
type Regularized interface {
	// RegularizationLoss returns the sum of the layer's penalties, or nil.
	RegularizationLoss() *tensor.Tensor
}

// L1L2 is Keras's L1L2 regularizer: L1·Σ|w| + L2·Σw² (no factor ½).
// Keras's L1(0.01) is L1L2{L1: 0.01} and L2(0.01) is L1L2{L2: 0.01}.
type L1L2 struct{ L1, L2 float32 }

// Penalty implements Regularizer.
func (r L1L2) Penalty(w *tensor.Tensor) *tensor.Tensor {
	var p *tensor.Tensor
	if r.L1 != 0 {
		p = w.Abs().Sum().MulScalar(r.L1)
	}
	if r.L2 != 0 {
		q := w.Square().Sum().MulScalar(r.L2)
		if p == nil {
			p = q
		} else {
			p = p.Add(q)
		}
	}
	if p == nil {
		p = tensor.Scalar(0)
	}
	return p
}

// L1 returns Keras's L1 regularizer with factor l1 (Keras's default is 0.01).
func L1(l1 float32) L1L2 { return L1L2{L1: l1} }

// L2 returns Keras's L2 regularizer with factor l2 (Keras's default is 0.01).
func L2(l2 float32) L1L2 { return L1L2{L2: l2} }

// regPair couples a weight with its regularizer (either may be nil).
type regPair struct {
	w *Weight
	r Regularizer
}

// regLoss sums the penalties of the pairs, skipping incomplete ones; nil if
// there are none.
func regLoss(pairs ...regPair) *tensor.Tensor {
	var total *tensor.Tensor
	for _, p := range pairs {
		if p.w == nil || p.r == nil {
			continue
		}
		pen := p.r.Penalty(p.w.Value)
		if total == nil {
			total = pen
		} else {
			total = total.Add(pen)
		}
	}
	return total
}
