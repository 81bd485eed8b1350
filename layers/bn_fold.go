package layers

import (
	"math"

	"github.com/neuron-go/neuron/tensor"
)

// InferenceCache is implemented by layers that keep a copy of their
// weights prepared for inference: a Conv2D or Dense followed by a
// BatchNormalization runs at inference with the normalization folded into
// a copy of its kernel and bias. A model calls ResetInferenceCache when an
// inference pass begins (Evaluate, Predict, validation), so that the copy
// is remade from the weights as they are then, however they were changed.
type InferenceCache interface {
	ResetInferenceCache()
}

// bnFold is a kernel and bias with the BatchNormalization after them
// folded in, for inference:
//
//	BN(x·W + c) = x·(W·a) + (c·a + b), a = gamma/√(moving_variance + ε), b = beta − moving_mean·a
//
// per output channel (the kernel's last axis), with a and b rounded as
// tensor.BatchNorm rounds them.
type bnFold struct {
	valid        bool
	bn           *BatchNormalization
	kernel, bias *tensor.Tensor
	scale        []float32 // a, per channel
}

// reset marks the folded copy stale. It writes only if the copy was
// valid: inference calls that cannot fold (a Conv2D with an activation
// before the normalization) call it on every batch, from several
// goroutines at once for a Predictor.
func (f *bnFold) reset() {
	if f.valid {
		f.valid = false
	}
}

// canFold reports whether the layer's output may be replaced by the
// folded computation: at inference, for a linear layer, and only while no
// gradient is wanted for the weights involved (the folded copy would not
// pass it on).
func canFold(bn *BatchNormalization, training, linear bool, kernel, bias *Weight) bool {
	if training || !linear || bn.movingMean == nil {
		return false
	}
	for _, w := range [...]*Weight{kernel, bias, bn.gamma, bn.beta} {
		if w != nil && w.Value.RequiresGrad() {
			return false
		}
	}
	return true
}

// get returns the folded kernel and bias of kernel and bias (nil for none)
// with bn, remaking them if they are stale or bn is another layer.
func (f *bnFold) get(bn *BatchNormalization, kernel, bias *Weight) (*tensor.Tensor, *tensor.Tensor) {
	if f.valid && f.bn == bn {
		return f.kernel, f.bias
	}
	k := kernel.Value.Data()
	c := len(bn.movingMean.Value.Data())
	if f.kernel == nil || f.kernel.Size() != len(k) || f.bias.Size() != c {
		f.kernel = tensor.Zeros(kernel.Value.Shape()...)
		f.bias = tensor.Zeros(c)
		f.scale = make([]float32, c)
	}
	mean, variance := bn.movingMean.Value.Data(), bn.movingVariance.Value.Data()
	fb := f.bias.Data()
	a := f.scale
	for j := range c {
		// As tensor.BatchNorm: a = gamma/σ, b = beta − mean·a.
		a[j] = float32(1 / math.Sqrt(float64(variance[j])+float64(bn.epsilon)))
		if bn.gamma != nil {
			a[j] *= bn.gamma.Value.Data()[j]
		}
		b := -mean[j] * a[j]
		if bn.beta != nil {
			b += bn.beta.Value.Data()[j]
		}
		fb[j] = b
		if bias != nil {
			fb[j] = float32(bias.Value.Data()[j]*a[j]) + b
		}
	}
	fk := f.kernel.Data()
	for i := 0; i < len(k); i += c {
		for j := range c {
			fk[i+j] = k[i+j] * a[j]
		}
	}
	f.bn, f.valid = bn, true
	return f.kernel, f.bias
}
