package tensor

import "math"

// The pointwise activations of Keras 3 (keras/src/activations and
// keras/src/ops/nn.py), each computed in float64 per element and stored in
// float32. They record a plain backward function that reads the kind and
// parameters from the node, so that a training step allocates nothing.

type actKind uint8

const (
	actELU actKind = iota + 1
	actSELU
	actGELU
	actGELUTanh
	actSiLU
	actSoftplus
	actSoftsign
	actLeakyReLU
	actReLU6
	actHardSigmoid
	actHardSiLU
	actExp
	actMish
	actReLUOpts
)

// actParams is an activation's kind and parameters: a is ELU's alpha or a
// leaky slope; for ReLUOpts, a is the negative slope, b the maximum (if
// clip) and c the threshold.
type actParams struct {
	kind    actKind
	a, b, c float64
	clip    bool
}

var actNames = [...]string{
	actELU: "ELU", actSELU: "SELU", actGELU: "GELU", actGELUTanh: "GELU",
	actSiLU: "SiLU", actSoftplus: "Softplus", actSoftsign: "Softsign",
	actLeakyReLU: "LeakyReLU", actReLU6: "ReLU6", actHardSigmoid: "HardSigmoid",
	actHardSiLU: "HardSiLU", actExp: "Exp", actMish: "Mish", actReLUOpts: "ReLU",
}

// SELU's constants, as in Keras.
const (
	seluAlpha = 1.6732632423543772848170429916717
	seluScale = 1.0507009873554804934193349852946
)

var sqrt2OverPi = math.Sqrt(2 / math.Pi)

// pointwise applies the activation p to every element of t.
func (t *Tensor) pointwise(p actParams) *Tensor {
	out := newOutRaw(t.shape, t)
	for i, x := range t.data {
		out.data[i] = float32(actValue(&p, float64(x)))
	}
	if n := track(out, actNames[p.kind], pointwiseBackward, t); n != nil {
		n.act = p
	}
	return out
}

func pointwiseBackward(o *Tensor) {
	t := o.node.in[0]
	p := &o.node.act
	for i, g := range o.grad {
		t.grad[i] += g * float32(actDeriv(p, float64(t.data[i]), float64(o.data[i])))
	}
}

// stableSigmoid is 1/(1+e^−x) without overflow.
func stableSigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// softplus is log(1+eˣ) = max(x,0) + log1p(e^−|x|), finite for every finite
// x, as NumPy's logaddexp(x, 0) that Keras uses.
func softplus(x float64) float64 { return max(x, 0) + math.Log1p(math.Exp(-math.Abs(x))) }

func hardSigmoid(x float64) float64 { return min(max(x/6+0.5, 0), 1) }

func actValue(p *actParams, x float64) float64 {
	switch p.kind {
	case actELU:
		if x >= 0 {
			return x
		}
		return p.a * math.Expm1(x)
	case actSELU:
		if x >= 0 {
			return seluScale * x
		}
		return seluScale * seluAlpha * math.Expm1(x)
	case actGELU:
		return 0.5 * x * (1 + math.Erf(x/math.Sqrt2))
	case actGELUTanh:
		return 0.5 * x * (1 + math.Tanh(sqrt2OverPi*(x+0.044715*x*x*x)))
	case actSiLU:
		return x * stableSigmoid(x)
	case actSoftplus:
		return softplus(x)
	case actSoftsign:
		return x / (1 + math.Abs(x))
	case actLeakyReLU:
		if x >= 0 {
			return x
		}
		return p.a * x
	case actReLU6:
		return min(max(x, 0), 6)
	case actHardSigmoid:
		return hardSigmoid(x)
	case actHardSiLU:
		return x * hardSigmoid(x)
	case actExp:
		return math.Exp(x)
	case actMish:
		return x * math.Tanh(softplus(x))
	case actReLUOpts:
		return reluOpts(p, x)
	}
	panic("tensor: unknown activation")
}

// reluOpts follows Keras 3's ReLU.static_call step by step, so that the
// corner cases (a negative threshold without a maximum keeps x in
// (threshold, 0)) come out as in Keras.
func reluOpts(p *actParams, x float64) float64 {
	var y float64
	switch {
	case p.c != 0:
		if x > p.c {
			y = x
		}
	case x > 0:
		y = x
	}
	if p.clip {
		y = min(max(y, 0), p.b)
	}
	if p.a != 0 {
		y -= p.a * max(p.c-x, 0)
	}
	return y
}

func reluOptsDeriv(p *actParams, x float64) float64 {
	var d float64
	if (p.c != 0 && x > p.c) || (p.c == 0 && x > 0) {
		d = 1
		if p.clip && (x < 0 || x > p.b) {
			d = 0
		}
	}
	if p.a != 0 && x < p.c {
		d += p.a
	}
	return d
}

// actDeriv returns dy/dx at x, where y is the stored (float32) result.
func actDeriv(p *actParams, x, y float64) float64 {
	switch p.kind {
	case actELU:
		if x > 0 {
			return 1
		}
		return p.a * math.Exp(x)
	case actSELU:
		if x > 0 {
			return seluScale
		}
		return seluScale * seluAlpha * math.Exp(x)
	case actGELU:
		return 0.5*(1+math.Erf(x/math.Sqrt2)) + x*math.Exp(-0.5*x*x)/math.Sqrt(2*math.Pi)
	case actGELUTanh:
		th := math.Tanh(sqrt2OverPi * (x + 0.044715*x*x*x))
		return 0.5*(1+th) + 0.5*x*(1-th*th)*sqrt2OverPi*(1+3*0.044715*x*x)
	case actSiLU:
		s := stableSigmoid(x)
		return s * (1 + x*(1-s))
	case actSoftplus:
		return stableSigmoid(x)
	case actSoftsign:
		d := 1 + math.Abs(x)
		return 1 / (d * d)
	case actLeakyReLU:
		if x > 0 {
			return 1
		}
		return p.a
	case actReLU6:
		if x > 0 && x < 6 {
			return 1
		}
		return 0
	case actHardSigmoid:
		if x > -3 && x < 3 {
			return 1.0 / 6
		}
		return 0
	case actHardSiLU:
		d := hardSigmoid(x)
		if x > -3 && x < 3 {
			d += x / 6
		}
		return d
	case actExp:
		return y
	case actMish:
		th := math.Tanh(softplus(x))
		return th + x*(1-th*th)*stableSigmoid(x)
	case actReLUOpts:
		return reluOptsDeriv(p, x)
	}
	panic("tensor: unknown activation")
}

// ELU returns t where t ≥ 0 and α(eᵗ−1) elsewhere (Keras's elu).
func (t *Tensor) ELU(alpha float32) *Tensor {
	return t.pointwise(actParams{kind: actELU, a: float64(alpha)})
}

// SELU returns scale·elu(t, α) with Keras's α ≈ 1.6733 and scale ≈ 1.0507.
func (t *Tensor) SELU() *Tensor { return t.pointwise(actParams{kind: actSELU}) }

// GELU returns the Gaussian error linear unit x·Φ(x): with approximate
// false, 0.5x(1+erf(x/√2)); with approximate true, Keras's tanh form
// 0.5x(1+tanh(√(2/π)(x+0.044715x³))).
func (t *Tensor) GELU(approximate bool) *Tensor {
	if approximate {
		return t.pointwise(actParams{kind: actGELUTanh})
	}
	return t.pointwise(actParams{kind: actGELU})
}

// SiLU returns t·sigmoid(t) (Keras's silu, also called swish).
func (t *Tensor) SiLU() *Tensor { return t.pointwise(actParams{kind: actSiLU}) }

// Softplus returns log(1+eᵗ), computed as max(t,0)+log1p(e^−|t|) so that it
// stays finite for large |t|. d/dt = sigmoid(t).
func (t *Tensor) Softplus() *Tensor { return t.pointwise(actParams{kind: actSoftplus}) }

// Softsign returns t/(1+|t|).
func (t *Tensor) Softsign() *Tensor { return t.pointwise(actParams{kind: actSoftsign}) }

// LeakyReLU returns t where t ≥ 0 and negativeSlope·t elsewhere.
func (t *Tensor) LeakyReLU(negativeSlope float32) *Tensor {
	return t.pointwise(actParams{kind: actLeakyReLU, a: float64(negativeSlope)})
}

// ReLU6 returns min(max(t, 0), 6).
func (t *Tensor) ReLU6() *Tensor { return t.pointwise(actParams{kind: actReLU6}) }

// HardSigmoid returns Keras 3's hard sigmoid relu6(t+3)/6, that is
// clip(t/6 + 1/2, 0, 1).
func (t *Tensor) HardSigmoid() *Tensor { return t.pointwise(actParams{kind: actHardSigmoid}) }

// HardSiLU returns t·hard_sigmoid(t) (Keras's hard_silu, also hard_swish).
func (t *Tensor) HardSiLU() *Tensor { return t.pointwise(actParams{kind: actHardSiLU}) }

// Mish returns t·tanh(softplus(t)).
func (t *Tensor) Mish() *Tensor { return t.pointwise(actParams{kind: actMish}) }

// ReLUOptions are the arguments of Keras's relu beyond plain max(x, 0).
type ReLUOptions struct {
	// NegativeSlope multiplies the part below Threshold (Keras default 0).
	NegativeSlope float32
	// MaxValue caps the output when HasMaxValue is set (Keras's
	// max_value, default None).
	MaxValue    float32
	HasMaxValue bool
	// Threshold is the value below which the output is damped (default 0).
	Threshold float32
}

// ReLUWith returns Keras 3's relu(t, negative_slope, max_value, threshold):
// t above the threshold (capped at the maximum if set), and
// negative_slope·(t − threshold) at or below it.
func (t *Tensor) ReLUWith(o ReLUOptions) *Tensor {
	return t.pointwise(actParams{kind: actReLUOpts, a: float64(o.NegativeSlope), b: float64(o.MaxValue),
		c: float64(o.Threshold), clip: o.HasMaxValue})
}
