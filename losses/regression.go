package losses

import (
	"math"

	"github.com/neuron-go/neuron/tensor"
)

// MeanAbsoluteError is mean(|yTrue − yPred|) over the last axis, averaged
// over the batch.
type MeanAbsoluteError struct{}

// Name implements Loss.
func (MeanAbsoluteError) Name() string { return "mean_absolute_error" }

// Call implements Loss.
func (MeanAbsoluteError) Call(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	yTrue = matchTargets(yTrue, yPred)
	return yPred.Sub(yTrue).Abs().Mean()
}

// MeanAbsolutePercentageError is 100·mean(|(yTrue − yPred) / max(|yTrue|, ε)|)
// over the last axis, averaged over the batch.
type MeanAbsolutePercentageError struct{}

// Name implements Loss.
func (MeanAbsolutePercentageError) Name() string { return "mean_absolute_percentage_error" }

// Call implements Loss.
func (MeanAbsolutePercentageError) Call(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	yTrue = matchTargets(yTrue, yPred)
	den := yTrue.Abs().Clip(Epsilon, math.MaxFloat32)
	return yTrue.Sub(yPred).Div(den).Abs().Mean().MulScalar(100)
}

// MeanSquaredLogarithmicError is
// mean((log(max(yPred, ε) + 1) − log(max(yTrue, ε) + 1))²) over the last
// axis, averaged over the batch.
type MeanSquaredLogarithmicError struct{}

// Name implements Loss.
func (MeanSquaredLogarithmicError) Name() string { return "mean_squared_logarithmic_error" }

// Call implements Loss.
func (MeanSquaredLogarithmicError) Call(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	yTrue = matchTargets(yTrue, yPred)
	a := yPred.Clip(Epsilon, math.MaxFloat32).AddScalar(1).Log()
	b := yTrue.Clip(Epsilon, math.MaxFloat32).AddScalar(1).Log()
	return a.Sub(b).Square().Mean()
}

// Huber is ½e² where |e| ≤ Delta and Delta·|e| − ½Delta² elsewhere, with
// e = yPred − yTrue, averaged over the last axis and the batch. Keras names
// it "huber_loss".
type Huber struct {
	// Delta is where the loss turns from quadratic to linear; 0 means
	// Keras's default 1.0.
	Delta float32
}

// Name implements Loss.
func (Huber) Name() string { return "huber_loss" }

// Call implements Loss.
func (l Huber) Call(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	d := l.Delta
	if d == 0 {
		d = 1
	}
	yTrue = matchTargets(yTrue, yPred)
	a := yPred.Sub(yTrue).Abs()
	// With q = min(|e|, δ): ½q² + δ(|e| − q) equals both branches.
	q := a.Clip(0, d)
	return q.Square().MulScalar(0.5).Add(a.Sub(q).MulScalar(d)).Mean()
}

// LogCosh is mean(log(cosh(yPred − yTrue))) over the last axis, averaged over
// the batch.
type LogCosh struct{}

// Name implements Loss.
func (LogCosh) Name() string { return "log_cosh" }

// Call implements Loss.
func (LogCosh) Call(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	yTrue = matchTargets(yTrue, yPred)
	// log cosh x = |x| + log(1 + exp(−2|x|)) − log 2, which never overflows.
	a := yPred.Sub(yTrue).Abs()
	return a.Add(a.MulScalar(-2).Exp().AddScalar(1).Log()).AddScalar(-float32(math.Ln2)).Mean()
}

// KLDivergence is Σ t·log(t / p) over the last axis with t and p clipped to
// [ε, 1], averaged over the batch.
type KLDivergence struct{}

// Name implements Loss.
func (KLDivergence) Name() string { return "kl_divergence" }

// Call implements Loss.
func (KLDivergence) Call(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	yTrue = matchTargets(yTrue, yPred)
	t := yTrue.Clip(Epsilon, 1)
	p := yPred.Clip(Epsilon, 1)
	return t.Mul(t.Div(p).Log()).SumAxis(-1, false).Mean()
}

// Poisson is mean(yPred − yTrue·log(yPred + ε)) over the last axis, averaged
// over the batch.
type Poisson struct{}

// Name implements Loss.
func (Poisson) Name() string { return "poisson" }

// Call implements Loss.
func (Poisson) Call(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	yTrue = matchTargets(yTrue, yPred)
	return yPred.Sub(yTrue.Mul(yPred.AddScalar(Epsilon).Log())).Mean()
}

// Hinge is mean(max(1 − t·yPred, 0)) over the last axis, averaged over the
// batch. Targets are −1 or 1; if every target is 0 or 1 they are mapped to
// −1 and 1 first, as Keras does.
type Hinge struct{}

// Name implements Loss.
func (Hinge) Name() string { return "hinge" }

// Call implements Loss.
func (Hinge) Call(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	return hingeMargin(yTrue, yPred).Mean()
}

// SquaredHinge is mean(max(1 − t·yPred, 0)²) over the last axis, averaged
// over the batch, with targets converted as in Hinge.
type SquaredHinge struct{}

// Name implements Loss.
func (SquaredHinge) Name() string { return "squared_hinge" }

// Call implements Loss.
func (SquaredHinge) Call(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	return hingeMargin(yTrue, yPred).Square().Mean()
}

// hingeMargin is max(1 − t·yPred, 0) with binary targets mapped to ±1.
func hingeMargin(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	yTrue = matchTargets(yTrue, yPred)
	binary := true
	for _, v := range yTrue.Data() {
		if v != 0 && v != 1 {
			binary = false
			break
		}
	}
	if binary {
		yTrue = yTrue.MulScalar(2).AddScalar(-1)
	}
	return yTrue.Mul(yPred).Neg().AddScalar(1).ReLU()
}
