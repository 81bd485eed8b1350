package losses

import (
	"math"

	"github.com/neuron-go/neuron/tensor"
)

// MeanAbsoluteError is mean(|yTrue − yPred|) over the last axis, averaged
// over the batch.
type MeanAbsoluteError struct {
	// Reduction is Keras's reduction (default SumOverBatchSize).
	Reduction Reduction
}

// Name implements Loss.
func (MeanAbsoluteError) Name() string { return "mean_absolute_error" }

// Call implements Loss.
func (l MeanAbsoluteError) Call(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	return reduceElems(l.elems(yTrue, yPred), l.Reduction)
}

// PerExample implements PerExampleLoss.
func (l MeanAbsoluteError) PerExample(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	return meanLast(l.elems(yTrue, yPred))
}

// LossReduction implements PerExampleLoss.
func (l MeanAbsoluteError) LossReduction() Reduction { return l.Reduction }

// elems returns the elementwise losses.
func (l MeanAbsoluteError) elems(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	yTrue = matchTargets(yTrue, yPred)
	return yPred.Sub(yTrue).Abs()
}

// MeanAbsolutePercentageError is 100·mean(|(yTrue − yPred) / max(|yTrue|, ε)|)
// over the last axis, averaged over the batch.
type MeanAbsolutePercentageError struct {
	// Reduction is Keras's reduction (default SumOverBatchSize).
	Reduction Reduction
}

// Name implements Loss.
func (MeanAbsolutePercentageError) Name() string { return "mean_absolute_percentage_error" }

// Call implements Loss.
func (l MeanAbsolutePercentageError) Call(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	return reduceElems(l.elems(yTrue, yPred), l.Reduction)
}

// PerExample implements PerExampleLoss.
func (l MeanAbsolutePercentageError) PerExample(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	return meanLast(l.elems(yTrue, yPred))
}

// LossReduction implements PerExampleLoss.
func (l MeanAbsolutePercentageError) LossReduction() Reduction { return l.Reduction }

// elems returns the elementwise losses.
func (MeanAbsolutePercentageError) elems(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	yTrue = matchTargets(yTrue, yPred)
	den := yTrue.Abs().Clip(Epsilon, math.MaxFloat32)
	return yTrue.Sub(yPred).Div(den).Abs().MulScalar(100)
}

// MeanSquaredLogarithmicError is
// mean((log(max(yPred, ε) + 1) − log(max(yTrue, ε) + 1))²) over the last
// axis, averaged over the batch.
type MeanSquaredLogarithmicError struct {
	// Reduction is Keras's reduction (default SumOverBatchSize).
	Reduction Reduction
}

// Name implements Loss.
func (MeanSquaredLogarithmicError) Name() string { return "mean_squared_logarithmic_error" }

// Call implements Loss.
func (l MeanSquaredLogarithmicError) Call(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	return reduceElems(l.elems(yTrue, yPred), l.Reduction)
}

// PerExample implements PerExampleLoss.
func (l MeanSquaredLogarithmicError) PerExample(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	return meanLast(l.elems(yTrue, yPred))
}

// LossReduction implements PerExampleLoss.
func (l MeanSquaredLogarithmicError) LossReduction() Reduction { return l.Reduction }

// elems returns the elementwise losses.
func (l MeanSquaredLogarithmicError) elems(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	yTrue = matchTargets(yTrue, yPred)
	a := yPred.Clip(Epsilon, math.MaxFloat32).AddScalar(1).Log()
	b := yTrue.Clip(Epsilon, math.MaxFloat32).AddScalar(1).Log()
	return a.Sub(b).Square()
}

// Huber is ½e² where |e| ≤ Delta and Delta·|e| − ½Delta² elsewhere, with
// e = yPred − yTrue, averaged over the last axis and the batch. Keras names
// it "huber_loss".
type Huber struct {
	// Delta is where the loss turns from quadratic to linear; 0 means
	// Keras's default 1.0.
	Delta float32
	// Reduction is Keras's reduction (default SumOverBatchSize).
	Reduction Reduction
}

// Name implements Loss.
func (Huber) Name() string { return "huber_loss" }

// Call implements Loss.
func (l Huber) Call(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	return reduceElems(l.elems(yTrue, yPred), l.Reduction)
}

// PerExample implements PerExampleLoss.
func (l Huber) PerExample(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	return meanLast(l.elems(yTrue, yPred))
}

// LossReduction implements PerExampleLoss.
func (l Huber) LossReduction() Reduction { return l.Reduction }

// elems returns the elementwise losses.
func (l Huber) elems(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	d := l.Delta
	if d == 0 {
		d = 1
	}
	yTrue = matchTargets(yTrue, yPred)
	a := yPred.Sub(yTrue).Abs()
	// With q = min(|e|, δ): ½q² + δ(|e| − q) equals both branches.
	q := a.Clip(0, d)
	return q.Square().MulScalar(0.5).Add(a.Sub(q).MulScalar(d))
}

// LogCosh is mean(log(cosh(yPred − yTrue))) over the last axis, averaged over
// the batch.
type LogCosh struct {
	// Reduction is Keras's reduction (default SumOverBatchSize).
	Reduction Reduction
}

// Name implements Loss.
func (LogCosh) Name() string { return "log_cosh" }

// Call implements Loss.
func (l LogCosh) Call(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	return reduceElems(l.elems(yTrue, yPred), l.Reduction)
}

// PerExample implements PerExampleLoss.
func (l LogCosh) PerExample(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	return meanLast(l.elems(yTrue, yPred))
}

// LossReduction implements PerExampleLoss.
func (l LogCosh) LossReduction() Reduction { return l.Reduction }

// elems returns the elementwise losses.
func (l LogCosh) elems(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	yTrue = matchTargets(yTrue, yPred)
	// log cosh x = |x| + log(1 + exp(−2|x|)) − log 2, which never overflows.
	a := yPred.Sub(yTrue).Abs()
	return a.Add(a.MulScalar(-2).Exp().AddScalar(1).Log()).AddScalar(-float32(math.Ln2))
}

// KLDivergence is Σ t·log(t / p) over the last axis with t and p clipped to
// [ε, 1], averaged over the batch.
type KLDivergence struct {
	// Reduction is Keras's reduction (default SumOverBatchSize).
	Reduction Reduction
}

// Name implements Loss.
func (KLDivergence) Name() string { return "kl_divergence" }

// Call implements Loss.
func (l KLDivergence) Call(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	return reduce(l.PerExample(yTrue, yPred), l.Reduction)
}

// PerExample implements PerExampleLoss.
func (l KLDivergence) PerExample(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	return sumLast(l.elems(yTrue, yPred))
}

// LossReduction implements PerExampleLoss.
func (l KLDivergence) LossReduction() Reduction { return l.Reduction }

// elems returns the elementwise losses.
func (l KLDivergence) elems(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	yTrue = matchTargets(yTrue, yPred)
	t := yTrue.Clip(Epsilon, 1)
	p := yPred.Clip(Epsilon, 1)
	return t.Mul(t.Div(p).Log())
}

// Poisson is mean(yPred − yTrue·log(yPred + ε)) over the last axis, averaged
// over the batch.
type Poisson struct {
	// Reduction is Keras's reduction (default SumOverBatchSize).
	Reduction Reduction
}

// Name implements Loss.
func (Poisson) Name() string { return "poisson" }

// Call implements Loss.
func (l Poisson) Call(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	return reduceElems(l.elems(yTrue, yPred), l.Reduction)
}

// PerExample implements PerExampleLoss.
func (l Poisson) PerExample(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	return meanLast(l.elems(yTrue, yPred))
}

// LossReduction implements PerExampleLoss.
func (l Poisson) LossReduction() Reduction { return l.Reduction }

// elems returns the elementwise losses.
func (l Poisson) elems(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	yTrue = matchTargets(yTrue, yPred)
	return yPred.Sub(yTrue.Mul(yPred.AddScalar(Epsilon).Log()))
}

// Hinge is mean(max(1 − t·yPred, 0)) over the last axis, averaged over the
// batch. Targets are −1 or 1; if every target is 0 or 1 they are mapped to
// −1 and 1 first, as Keras does.
type Hinge struct {
	// Reduction is Keras's reduction (default SumOverBatchSize).
	Reduction Reduction
}

// Name implements Loss.
func (Hinge) Name() string { return "hinge" }

// Call implements Loss.
func (l Hinge) Call(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	return reduceElems(hingeMargin(yTrue, yPred), l.Reduction)
}

// PerExample implements PerExampleLoss.
func (l Hinge) PerExample(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	return meanLast(hingeMargin(yTrue, yPred))
}

// LossReduction implements PerExampleLoss.
func (l Hinge) LossReduction() Reduction { return l.Reduction }

// SquaredHinge is mean(max(1 − t·yPred, 0)²) over the last axis, averaged
// over the batch, with targets converted as in Hinge.
type SquaredHinge struct {
	// Reduction is Keras's reduction (default SumOverBatchSize).
	Reduction Reduction
}

// Name implements Loss.
func (SquaredHinge) Name() string { return "squared_hinge" }

// Call implements Loss.
func (l SquaredHinge) Call(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	return reduceElems(hingeMargin(yTrue, yPred).Square(), l.Reduction)
}

// PerExample implements PerExampleLoss.
func (l SquaredHinge) PerExample(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	return meanLast(hingeMargin(yTrue, yPred).Square())
}

// LossReduction implements PerExampleLoss.
func (l SquaredHinge) LossReduction() Reduction { return l.Reduction }

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
