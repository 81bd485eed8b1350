package tensor

import (
	"math"

	"github.com/neuron-go/neuron/internal/vec"
)

var (
	opAdd = chunkOp{
		vv: func(d, a, b []float32) {
			b = b[:len(d)]
			a = a[:len(d)]
			for i := range d {
				d[i] = a[i] + b[i]
			}
		},
		vs: func(d, a []float32, s float32) {
			a = a[:len(d)]
			for i := range d {
				d[i] = a[i] + s
			}
		},
		sv: func(d []float32, s float32, b []float32) {
			b = b[:len(d)]
			for i := range d {
				d[i] = s + b[i]
			}
		},
	}
	opSub = chunkOp{
		vv: func(d, a, b []float32) {
			b = b[:len(d)]
			a = a[:len(d)]
			for i := range d {
				d[i] = a[i] - b[i]
			}
		},
		vs: func(d, a []float32, s float32) {
			a = a[:len(d)]
			for i := range d {
				d[i] = a[i] - s
			}
		},
		sv: func(d []float32, s float32, b []float32) {
			b = b[:len(d)]
			for i := range d {
				d[i] = s - b[i]
			}
		},
	}
	opMul = chunkOp{
		vv: func(d, a, b []float32) {
			b = b[:len(d)]
			a = a[:len(d)]
			for i := range d {
				d[i] = a[i] * b[i]
			}
		},
		vs: func(d, a []float32, s float32) {
			a = a[:len(d)]
			for i := range d {
				d[i] = a[i] * s
			}
		},
		sv: func(d []float32, s float32, b []float32) {
			b = b[:len(d)]
			for i := range d {
				d[i] = s * b[i]
			}
		},
	}
	opDiv = chunkOp{
		vv: func(d, a, b []float32) {
			b = b[:len(d)]
			a = a[:len(d)]
			for i := range d {
				d[i] = a[i] / b[i]
			}
		},
		vs: func(d, a []float32, s float32) {
			a = a[:len(d)]
			for i := range d {
				d[i] = a[i] / s
			}
		},
		sv: func(d []float32, s float32, b []float32) {
			b = b[:len(d)]
			for i := range d {
				d[i] = s / b[i]
			}
		},
	}
)

// binary runs a broadcasting elementwise operation and returns its result.
func binary(name string, op chunkOp, a, b *Tensor) *Tensor {
	var buf [8]int // the output shape, copied into the result's header
	out := newOutRaw(broadcastShapeInto(buf[:], name, a.shape, b.shape), a, b)
	apply2(op, out, a, b)
	return out
}

// Add returns t + u, broadcasting as NumPy does.
// d/dt = 1 and d/du = 1, each summed back to its operand's shape.
func (t *Tensor) Add(u *Tensor) *Tensor {
	out := binary("Add", opAdd, t, u)
	track(out, "Add", addBackward, t, u)
	return out
}

func addBackward(o *Tensor) {
	for _, in := range o.node.in[:2] {
		if in.requiresGrad {
			sumTo(in.grad, in.shape, o.grad, o.shape)
		}
	}
}

// Sub returns t − u, broadcasting as NumPy does. d/dt = 1, d/du = −1.
func (t *Tensor) Sub(u *Tensor) *Tensor {
	out := binary("Sub", opSub, t, u)
	track(out, "Sub", subBackward, t, u)
	return out
}

func subBackward(o *Tensor) {
	t, u := o.node.in[0], o.node.in[1]
	if t.requiresGrad {
		sumTo(t.grad, t.shape, o.grad, o.shape)
	}
	if u.requiresGrad {
		neg := o.scratch(len(o.grad))
		for i, v := range o.grad {
			neg[i] = -v
		}
		sumTo(u.grad, u.shape, neg, o.shape)
	}
}

// Mul returns the elementwise product t ⊙ u, broadcasting as NumPy does.
// d/dt = u and d/du = t.
func (t *Tensor) Mul(u *Tensor) *Tensor {
	out := binary("Mul", opMul, t, u)
	track(out, "Mul", mulBackward, t, u)
	return out
}

func mulBackward(o *Tensor) {
	t, u := o.node.in[0], o.node.in[1]
	g := o.Detach()
	g.data = o.grad
	tmp := newOutRaw(o.shape, o)
	if t.requiresGrad {
		apply2(opMul, tmp, g, u)
		sumTo(t.grad, t.shape, tmp.data, o.shape)
	}
	if u.requiresGrad {
		apply2(opMul, tmp, g, t)
		sumTo(u.grad, u.shape, tmp.data, o.shape)
	}
}

// Div returns the elementwise quotient t / u, broadcasting as NumPy does.
// d/dt = 1/u and d/du = −t/u² = −out/u.
func (t *Tensor) Div(u *Tensor) *Tensor {
	out := binary("Div", opDiv, t, u)
	track(out, "Div", divBackward, t, u)
	return out
}

func divBackward(o *Tensor) {
	t, u := o.node.in[0], o.node.in[1]
	g := o.Detach()
	g.data = o.grad
	tmp := newOutRaw(o.shape, o)
	if t.requiresGrad {
		apply2(opDiv, tmp, g, u)
		sumTo(t.grad, t.shape, tmp.data, o.shape)
	}
	if u.requiresGrad {
		apply2(opMul, tmp, g, o)
		apply2(opDiv, tmp, tmp, u)
		for i := range tmp.data {
			tmp.data[i] = -tmp.data[i]
		}
		sumTo(u.grad, u.shape, tmp.data, o.shape)
	}
}

// unary applies f elementwise; df returns dy/dx from x, y = f(x) and the
// operation's constant parameters p and q (Pow's exponent, Clip's bounds).
// f and df take the parameters instead of capturing them so that df can be
// a static function kept in the node: a closure stored there would be a heap
// allocation on every training step.
func unary(name string, t *Tensor, p, q float32, f func(x, p, q float32) float32, df func(x, y, p, q float32) float32) *Tensor {
	out := newOutRaw(t.shape, t)
	for i, x := range t.data {
		out.data[i] = f(x, p, q)
	}
	if n := track(out, name, unaryBackward, t); n != nil {
		n.unary = unaryGrad{df: df, p: p, q: q}
	}
	return out
}

// unaryGrad is what an elementwise operation's backward pass needs.
type unaryGrad struct {
	df   func(x, y, p, q float32) float32
	p, q float32
}

func unaryBackward(o *Tensor) {
	t, u := o.node.in[0], o.node.unary
	for i, g := range o.grad {
		t.grad[i] += g * u.df(t.data[i], o.data[i], u.p, u.q)
	}
}

// Neg returns −t.
func (t *Tensor) Neg() *Tensor {
	return unary("Neg", t, 0, 0, func(x, _, _ float32) float32 { return -x }, func(_, _, _, _ float32) float32 { return -1 })
}

// MulScalar returns t·c. d/dt = c.
func (t *Tensor) MulScalar(c float32) *Tensor {
	out := newOutRaw(t.shape, t)
	for i, x := range t.data {
		out.data[i] = x * c
	}
	if n := track(out, "MulScalar", mulScalarBackward, t); n != nil {
		// The factor is kept in the node, so that no closure is made.
		n.fs = out.scratchRaw(1)
		n.fs[0] = c
	}
	return out
}

func mulScalarBackward(o *Tensor) {
	t, c := o.node.in[0], o.node.fs[0]
	for i, g := range o.grad {
		t.grad[i] += g * c
	}
}

// DivScalar returns t/c, like X_train / 255.0 in NumPy. d/dt = 1/c.
func (t *Tensor) DivScalar(c float32) *Tensor {
	out := newOutRaw(t.shape, t)
	for i, x := range t.data {
		out.data[i] = x / c
	}
	if n := track(out, "DivScalar", divScalarBackward, t); n != nil {
		n.fs = out.scratchRaw(1)
		n.fs[0] = c
	}
	return out
}

func divScalarBackward(o *Tensor) {
	t, c := o.node.in[0], o.node.fs[0]
	for i, g := range o.grad {
		t.grad[i] += g / c
	}
}

// AddScalar returns t + c. d/dt = 1.
func (t *Tensor) AddScalar(c float32) *Tensor {
	out := newOutRaw(t.shape, t)
	for i, x := range t.data {
		out.data[i] = x + c
	}
	track(out, "AddScalar", addScalarBackward, t)
	return out
}

func addScalarBackward(o *Tensor) {
	t := o.node.in[0]
	for i, g := range o.grad {
		t.grad[i] += g
	}
}

// Square returns t². d/dt = 2t.
func (t *Tensor) Square() *Tensor {
	return unary("Square", t, 0, 0, func(x, _, _ float32) float32 { return x * x }, func(x, _, _, _ float32) float32 { return 2 * x })
}

// Sqrt returns √t. d/dt = 1/(2√t).
func (t *Tensor) Sqrt() *Tensor {
	return unary("Sqrt", t, 0, 0, func(x, _, _ float32) float32 { return float32(math.Sqrt(float64(x))) },
		func(_, y, _, _ float32) float32 { return 0.5 / y })
}

// Exp returns eᵗ. d/dt = eᵗ.
func (t *Tensor) Exp() *Tensor { return t.pointwise(actParams{kind: actExp}) }

// Log returns the natural logarithm of t. d/dt = 1/t.
func (t *Tensor) Log() *Tensor {
	return unary("Log", t, 0, 0, func(x, _, _ float32) float32 { return float32(math.Log(float64(x))) },
		func(x, _, _, _ float32) float32 { return 1 / x })
}

// Abs returns |t|. Its derivative is taken as sign(t), and 0 at 0.
func (t *Tensor) Abs() *Tensor {
	return unary("Abs", t, 0, 0, func(x, _, _ float32) float32 { return float32(math.Abs(float64(x))) },
		func(x, _, _, _ float32) float32 {
			switch {
			case x > 0:
				return 1
			case x < 0:
				return -1
			}
			return 0
		})
}

// Pow returns t raised to the constant power p. d/dt = p·t^(p−1).
func (t *Tensor) Pow(p float32) *Tensor {
	return unary("Pow", t, p, 0, func(x, p, _ float32) float32 { return float32(math.Pow(float64(x), float64(p))) },
		func(x, _, p, _ float32) float32 { return p * float32(math.Pow(float64(x), float64(p-1))) })
}

// Clip limits every element to [lo, hi]. The gradient is 1 inside the
// interval and 0 where the value was clipped, as in Keras (ops.clip).
func (t *Tensor) Clip(lo, hi float32) *Tensor {
	return unary("Clip", t, lo, hi, func(x, lo, hi float32) float32 { return min(max(x, lo), hi) },
		func(x, _, lo, hi float32) float32 {
			if x < lo || x > hi {
				return 0
			}
			return 1
		})
}

// ReLU returns max(t, 0), with NaN for NaN (as IEEE maximum, Keras and
// PyTorch give, so that a NaN is not hidden as an inactive unit). Its
// derivative is 1 for t > 0 and 0 otherwise (0 at exactly 0 and at NaN, as
// in TensorFlow).
func (t *Tensor) ReLU() *Tensor {
	out := newOutRaw(t.shape, t)
	vec.ReLU(out.data, t.data)
	track(out, "ReLU", reluBackward, t)
	return out
}

func reluBackward(o *Tensor) { vec.ReLUBackward(o.node.in[0].grad, o.grad, o.data) }

// Sigmoid returns 1/(1+e^−t). d/dt = y(1−y). The result remembers t so that
// binary cross-entropy can work from the logits, as Keras does.
func (t *Tensor) Sigmoid() *Tensor {
	out := newOutRaw(t.shape, t)
	for i, x := range t.data {
		out.data[i] = sigmoid(x)
	}
	track(out, "Sigmoid", sigmoidBackward, t)
	out.logits, out.logitsKind = t, "sigmoid"
	return out
}

// sigmoidBackward is a plain function rather than unary's closure, so
// that a training step records Sigmoid without allocating.
func sigmoidBackward(o *Tensor) {
	dx := o.node.in[0].grad
	for i, g := range o.grad {
		y := o.data[i]
		dx[i] += g * (y * (1 - y))
	}
}

// sigmoid is computed so that it neither overflows nor loses precision.
func sigmoid(x float32) float32 {
	if x >= 0 {
		return float32(1 / (1 + math.Exp(-float64(x))))
	}
	e := math.Exp(float64(x))
	return float32(e / (1 + e))
}

// Tanh returns the hyperbolic tangent of t. d/dt = 1 − y².
func (t *Tensor) Tanh() *Tensor {
	out := newOutRaw(t.shape, t)
	for i, x := range t.data {
		out.data[i] = float32(math.Tanh(float64(x)))
	}
	track(out, "Tanh", tanhBackward, t)
	return out
}

// tanhBackward is a plain function, as sigmoidBackward.
func tanhBackward(o *Tensor) {
	dx := o.node.in[0].grad
	for i, g := range o.grad {
		y := o.data[i]
		dx[i] += g * (1 - y*y)
	}
}
