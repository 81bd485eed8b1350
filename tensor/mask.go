package tensor

// StepMask returns the mask of a batch of sequences, 1 for a step to use
// and 0 for padding, as Keras's masks: for x [N, T] (token indices, as
// Embedding's mask_zero reads them) 1 where x differs from value; for
// x [N, T, F], 1 where some feature of the step differs from value
// (Keras's Masking). The mask is [N, T] and has no gradient.
func StepMask(x *Tensor, value float32) *Tensor {
	if len(x.shape) != 2 && len(x.shape) != 3 {
		panic(shapeErr("StepMask", "want x [N, T] or [N, T, F]", x.shape))
	}
	n, t, f := x.shape[0], x.shape[1], 1
	if len(x.shape) == 3 {
		f = x.shape[2]
	}
	out := newOutRaw([]int{n, t}, x)
	for i := range n * t {
		var keep float32
		for _, v := range x.data[i*f : (i+1)*f] {
			if v != value {
				keep = 1
				break
			}
		}
		out.data[i] = keep
	}
	return out
}

// checkStepMask panics unless mask is [N, T] for x [N, T, …] and returns
// the number of values per step.
func checkStepMask(op string, x, mask *Tensor) (n, t, f int) {
	if len(x.shape) < 2 || len(mask.shape) != 2 || mask.shape[0] != x.shape[0] || mask.shape[1] != x.shape[1] {
		panic(shapeErr(op, "want x [N, T, …] and a mask [N, T]", x.shape, mask.shape))
	}
	n, t = x.shape[0], x.shape[1]
	return n, t, len(x.data) / max(n*t, 1)
}

// MaskSteps returns x with the steps that mask marks as padding set to 0
// (Keras's ops.where(mask, x, 0)); the gradient flows to x at the other
// steps.
func MaskSteps(x, mask *Tensor) *Tensor {
	n, t, f := checkStepMask("MaskSteps", x, mask)
	out := newOutRaw(x.shape, x)
	for i := range n * t {
		if mask.data[i] != 0 {
			copy(out.data[i*f:(i+1)*f], x.data[i*f:(i+1)*f])
		} else {
			clear(out.data[i*f : (i+1)*f])
		}
	}
	if nd := track(out, "MaskSteps", maskStepsBackward, x); nd != nil {
		nd.fs = mask.data
	}
	return out
}

func maskStepsBackward(o *Tensor) {
	x, mask := o.node.in[0], o.node.fs
	f := len(x.data) / len(mask)
	for i, m := range mask {
		if m != 0 {
			addTo(x.grad[i*f:(i+1)*f], o.grad[i*f:(i+1)*f])
		}
	}
}

// MaskedMeanSteps averages x [N, T, F] over the steps mask [N, T] keeps,
// giving [N, F]: Σ where(mask, x, 0) / Σ mask, as Keras's
// GlobalAveragePooling1D with a mask (a sequence with no step kept gives
// 0/0 there too).
func MaskedMeanSteps(x, mask *Tensor) *Tensor {
	if len(x.shape) != 3 {
		panic(shapeErr("MaskedMeanSteps", "want x [N, T, F]", x.shape))
	}
	n, t, f := checkStepMask("MaskedMeanSteps", x, mask)
	out := newOut([]int{n, f}, x)
	for b := range n {
		var count float32
		dst := out.data[b*f : (b+1)*f]
		for s := range t {
			if mask.data[b*t+s] != 0 {
				count++
				addTo(dst, x.data[(b*t+s)*f:(b*t+s+1)*f])
			}
		}
		for j := range dst {
			dst[j] /= count
		}
	}
	if nd := track(out, "MaskedMeanSteps", maskedMeanBackward, x); nd != nil {
		nd.fs = mask.data
	}
	return out
}

func maskedMeanBackward(o *Tensor) {
	x, mask := o.node.in[0], o.node.fs
	n, t, f := x.shape[0], x.shape[1], x.shape[2]
	for b := range n {
		var count float32
		for s := range t {
			if mask[b*t+s] != 0 {
				count++
			}
		}
		g := o.grad[b*f : (b+1)*f]
		for s := range t {
			if mask[b*t+s] == 0 {
				continue
			}
			dx := x.grad[(b*t+s)*f : (b*t+s+1)*f]
			for j, v := range g {
				dx[j] += v / count
			}
		}
	}
}
