package tensor

import "fmt"

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

// MaskAnd returns the step mask that keeps the steps every one of masks
// keeps (nil entries are skipped; nil if all are), as Keras's merge layers
// combine their inputs' masks. The masks must all be [N, T].
func MaskAnd(masks ...*Tensor) *Tensor {
	var out *Tensor
	for _, m := range masks {
		switch {
		case m == nil:
		case out == nil:
			out = m
		default:
			if len(m.shape) != 2 || len(out.shape) != 2 || m.shape[0] != out.shape[0] || m.shape[1] != out.shape[1] {
				panic(shapeErr("MaskAnd", "masks of different shapes", out.shape, m.shape))
			}
			and := newOutRaw(out.shape, out, m)
			for i, v := range out.data {
				var keep float32
				if v != 0 && m.data[i] != 0 {
					keep = 1
				}
				and.data[i] = keep
			}
			out = and
		}
	}
	return out
}

// AttentionMask combines step masks into an attention mask [N, T, S] as
// Keras's MultiHeadAttention does with its inputs' masks: query step t
// attends to key step s where the query mask keeps t, the value (and key)
// masks keep s, and attention, if not nil ([N, T, S]), is above 0.5. Nil
// step masks keep every step; with all of them nil it returns attention.
// The result has no gradient.
func AttentionMask(query, value, key, attention *Tensor, n, t, s int) *Tensor {
	if query == nil && value == nil && key == nil {
		return attention
	}
	like := query
	for _, m := range []*Tensor{value, key, attention} {
		if like == nil {
			like = m
		}
	}
	for _, c := range []struct {
		m    *Tensor
		want [2]int
	}{{query, [2]int{n, t}}, {value, [2]int{n, s}}, {key, [2]int{n, s}}} {
		if c.m != nil && (len(c.m.shape) != 2 || c.m.shape[0] != c.want[0] || c.m.shape[1] != c.want[1]) {
			panic(shapeErr("AttentionMask", fmt.Sprintf("want step masks [%d, %d] and [%d, %d]", n, t, n, s), c.m.shape))
		}
	}
	if attention != nil && (len(attention.shape) != 3 || attention.shape[0] != n || attention.shape[1] != t || attention.shape[2] != s) {
		panic(shapeErr("AttentionMask", fmt.Sprintf("want an attention mask [%d, %d, %d]", n, t, s), attention.shape))
	}
	out := newOutRaw([]int{n, t, s}, like)
	for b := range n {
		for i := range t {
			row := out.data[(b*t+i)*s : (b*t+i+1)*s]
			q := query == nil || query.data[b*t+i] != 0
			for j := range row {
				keep := q && (value == nil || value.data[b*s+j] != 0) && (key == nil || key.data[b*s+j] != 0) &&
					(attention == nil || attention.data[(b*t+i)*s+j] > 0.5)
				var v float32
				if keep {
					v = 1
				}
				row[j] = v
			}
		}
	}
	return out
}

// MaskOr returns the step mask that keeps the steps any one of masks
// keeps, as Keras's Concatenate combines its inputs' masks along the
// feature axis. A nil entry keeps every step, and so makes the result nil
// (every step kept). The masks must all be [N, T].
func MaskOr(masks ...*Tensor) *Tensor {
	var out *Tensor
	for _, m := range masks {
		if m == nil {
			return nil
		}
		if out == nil {
			out = m
			continue
		}
		if len(m.shape) != 2 || len(out.shape) != 2 || m.shape[0] != out.shape[0] || m.shape[1] != out.shape[1] {
			panic(shapeErr("MaskOr", "masks of different shapes", out.shape, m.shape))
		}
		or := newOutRaw(out.shape, out, m)
		for i, v := range out.data {
			var keep float32
			if v != 0 || m.data[i] != 0 {
				keep = 1
			}
			or.data[i] = keep
		}
		out = or
	}
	return out
}

// MaskConcatSteps returns the step mask of sequences concatenated along
// their steps, as Keras's Concatenate(axis=1) gives it: masks[i] ([N,
// T_i]) for the steps of input i, all kept where masks[i] is nil. xs are
// the inputs ([N, T_i, …]); nil if every mask is nil.
func MaskConcatSteps(masks, xs []*Tensor) *Tensor {
	any := false
	total := 0
	for i, x := range xs {
		if len(x.shape) < 2 {
			panic(shapeErr("MaskConcatSteps", "inputs without a steps axis", x.shape))
		}
		if m := masks[i]; m != nil {
			any = true
			if len(m.shape) != 2 || m.shape[0] != x.shape[0] || m.shape[1] != x.shape[1] {
				panic(shapeErr("MaskConcatSteps", "a mask that is not [N, T] of its input", m.shape, x.shape))
			}
		}
		total += x.shape[1]
	}
	if !any {
		return nil
	}
	n := xs[0].shape[0]
	src := xs[0] // the arena of the inputs, or of a mask
	if src.arena == nil {
		for _, m := range masks {
			if m != nil && m.arena != nil {
				src = m
			}
		}
	}
	out := newOutRaw([]int{n, total}, src)
	for b := range n {
		at := b * total
		for i, x := range xs {
			t := x.shape[1]
			if m := masks[i]; m != nil {
				copy(out.data[at:at+t], m.data[b*t:(b+1)*t])
			} else {
				for s := range t {
					out.data[at+s] = 1
				}
			}
			at += t
		}
	}
	return out
}
