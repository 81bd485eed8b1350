package tensor

var (
	opMax = chunkOp{
		vv: func(d, a, b []float32) {
			b = b[:len(d)]
			a = a[:len(d)]
			for i := range d {
				d[i] = max(a[i], b[i])
			}
		},
		vs: func(d, a []float32, s float32) {
			a = a[:len(d)]
			for i := range d {
				d[i] = max(a[i], s)
			}
		},
		sv: func(d []float32, s float32, b []float32) {
			b = b[:len(d)]
			for i := range d {
				d[i] = max(s, b[i])
			}
		},
	}
	opMin = chunkOp{
		vv: func(d, a, b []float32) {
			b = b[:len(d)]
			a = a[:len(d)]
			for i := range d {
				d[i] = min(a[i], b[i])
			}
		},
		vs: func(d, a []float32, s float32) {
			a = a[:len(d)]
			for i := range d {
				d[i] = min(a[i], s)
			}
		},
		sv: func(d []float32, s float32, b []float32) {
			b = b[:len(d)]
			for i := range d {
				d[i] = min(s, b[i])
			}
		},
	}
	// opEq writes 1 where a equals b, else 0 (0 where either is NaN).
	opEq = chunkOp{
		vv: func(d, a, b []float32) {
			b = b[:len(d)]
			a = a[:len(d)]
			for i := range d {
				d[i] = b2f(a[i] == b[i])
			}
		},
		vs: func(d, a []float32, s float32) {
			a = a[:len(d)]
			for i := range d {
				d[i] = b2f(a[i] == s)
			}
		},
		sv: func(d []float32, s float32, b []float32) {
			b = b[:len(d)]
			for i := range d {
				d[i] = b2f(s == b[i])
			}
		},
	}
)

func b2f(b bool) float32 {
	if b {
		return 1
	}
	return 0
}

// Maximum returns the elementwise maximum of t and u, broadcasting as NumPy
// does; NaN if either is NaN, as tf.maximum and np.maximum give.
//
// The gradient goes to t where t ≥ u and to u elsewhere (where u > t, or
// either is NaN). This is TensorFlow's rule (its Maximum gradient masks
// with x >= y), which is Keras's default backend; PyTorch instead splits
// the gradient half and half at ties. A tie gives all of it to t, so that
// a fold over several inputs, as Keras's Maximum layer does, gives it to
// the first of the tied inputs.
func (t *Tensor) Maximum(u *Tensor) *Tensor {
	out := binary("Maximum", opMax, t, u)
	track(out, "Maximum", minMaxBackward, t, u)
	return out
}

// Minimum returns the elementwise minimum of t and u, broadcasting as NumPy
// does; NaN if either is NaN. The gradient goes to t where t ≤ u and to u
// elsewhere: TensorFlow's rule, as for Maximum.
func (t *Tensor) Minimum(u *Tensor) *Tensor {
	out := binary("Minimum", opMin, t, u)
	track(out, "Minimum", minMaxBackward, t, u)
	return out
}

// minMaxBackward gives the gradient to t where the result equals t (t won,
// or tied), and to u elsewhere, which is TensorFlow's rule for both
// Maximum (t ≥ u) and Minimum (t ≤ u), NaNs included: a NaN result never
// equals t, and TensorFlow's comparison with a NaN is false too.
func minMaxBackward(o *Tensor) {
	t, u := o.node.in[0], o.node.in[1]
	g := o.grad
	tmp := newOutRaw(o.shape, o)
	apply2(opEq, tmp, o, t)
	for i, m := range tmp.data {
		if m != 0 {
			tmp.data[i] = g[i]
		}
	}
	if t.requiresGrad {
		sumTo(t.grad, t.shape, tmp.data, o.shape)
	}
	if u.requiresGrad {
		for i, v := range tmp.data {
			tmp.data[i] = g[i] - v
		}
		sumTo(u.grad, u.shape, tmp.data, o.shape)
	}
}
