package losses

import (
	"github.com/neuron-go/neuron/tensor"
)

// CategoricalHinge is Keras's categorical hinge loss on one-hot (or ±1)
// targets: max(neg − pos + 1, 0) with pos = Σ t·p and neg = max((1 − t)·p)
// over the last axis, averaged over the batch.
type CategoricalHinge struct {
	// Reduction is Keras's reduction (default SumOverBatchSize).
	Reduction Reduction
}

// Name implements Loss.
func (CategoricalHinge) Name() string { return "categorical_hinge" }

// Call implements Loss.
func (l CategoricalHinge) Call(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	return reduce(l.PerExample(yTrue, yPred), l.Reduction)
}

// PerExample implements PerExampleLoss.
func (l CategoricalHinge) PerExample(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	yTrue = matchTargets(yTrue, yPred)
	pos := yTrue.Mul(yPred).SumAxis(-1, false)
	neg := yTrue.Neg().AddScalar(1).Mul(yPred).MaxAxis(-1, false)
	return neg.Sub(pos).AddScalar(1).ReLU()
}

// LossReduction implements PerExampleLoss.
func (l CategoricalHinge) LossReduction() Reduction { return l.Reduction }

// CosineSimilarity is Keras's cosine similarity loss: −Σ (t/‖t‖)·(p/‖p‖)
// over the last axis (Keras's default axis −1), averaged over the batch. It
// is −1 for predictions that point the way of the targets, 0 when either is
// a zero vector; the norms are clamped at Keras's ε = 1e-7 as
// keras.ops.normalize clamps them.
type CosineSimilarity struct {
	// Reduction is Keras's reduction (default SumOverBatchSize).
	Reduction Reduction
}

// Name implements Loss.
func (CosineSimilarity) Name() string { return "cosine_similarity" }

// Call implements Loss.
func (l CosineSimilarity) Call(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	return reduce(l.PerExample(yTrue, yPred), l.Reduction)
}

// PerExample implements PerExampleLoss.
func (l CosineSimilarity) PerExample(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	yTrue = matchTargets(yTrue, yPred)
	return sumLast(yTrue.L2NormalizeAxis(-1, Epsilon).Mul(yPred.L2NormalizeAxis(-1, Epsilon))).Neg()
}

// LossReduction implements PerExampleLoss.
func (l CosineSimilarity) LossReduction() Reduction { return l.Reduction }

// BinaryFocalCrossentropy is Keras's binary focal cross-entropy (Lin et al.
// 2018): the binary cross-entropy of each element times (1 − pₜ)^γ, where
// pₜ = t·p + (1 − t)·(1 − p), and if ApplyClassBalancing times α for
// positive targets and 1 − α for negative ones; averaged over the last axis
// and the batch. The cross-entropy clips p to [ε, 1 − ε] as
// BinaryCrossentropy does.
//
// The zero value is Keras's default: γ = 2, α = 0.25 (used only with
// ApplyClassBalancing). Keras's γ = 0 is BinaryCrossentropy (times the
// balancing weights), which is why 0 can stand for the default here.
type BinaryFocalCrossentropy struct {
	// ApplyClassBalancing weights the classes by Alpha and 1 − Alpha.
	ApplyClassBalancing bool
	// Alpha is the weight of the positive class; 0 means 0.25.
	Alpha float32
	// Gamma is the focusing parameter γ; 0 means 2.
	Gamma float32
	// FromLogits says yPred holds logits: p = sigmoid(yPred).
	FromLogits bool
	// LabelSmoothing s in [0, 1] replaces the targets t by
	// t·(1 − s) + 0.5·s.
	LabelSmoothing float32
	// Reduction is Keras's reduction (default SumOverBatchSize).
	Reduction Reduction
}

// Name implements Loss.
func (BinaryFocalCrossentropy) Name() string { return "binary_focal_crossentropy" }

// Call implements Loss.
func (l BinaryFocalCrossentropy) Call(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	return reduceElems(l.elems(yTrue, yPred), l.Reduction)
}

// PerExample implements PerExampleLoss.
func (l BinaryFocalCrossentropy) PerExample(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	return meanLast(l.elems(yTrue, yPred))
}

// LossReduction implements PerExampleLoss.
func (l BinaryFocalCrossentropy) LossReduction() Reduction { return l.Reduction }

func (l BinaryFocalCrossentropy) elems(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	alpha, gamma := orDefault(l.Alpha, 0.25), orDefault(l.Gamma, 2)
	yTrue = matchTargets(yTrue, yPred)
	if s := l.LabelSmoothing; s > 0 {
		yTrue = yTrue.MulScalar(1 - s).AddScalar(0.5 * s)
	}
	p := yPred
	if l.FromLogits {
		p = p.Sigmoid()
	}
	bce := clippedBCE(yTrue, p)
	// 1 − pₜ = 1 − (t·p + (1 − t)(1 − p)) = t + p − 2·t·p, on unclipped p
	// as Keras computes it.
	oneMinusPt := yTrue.Add(p).Sub(yTrue.Mul(p).MulScalar(2))
	focal := oneMinusPt.Pow(gamma).Mul(bce)
	if l.ApplyClassBalancing {
		// α·t + (1 − α)(1 − t) = (2α − 1)·t + 1 − α
		focal = yTrue.MulScalar(2*alpha - 1).AddScalar(1 - alpha).Mul(focal)
	}
	return focal
}

// CategoricalFocalCrossentropy is Keras's categorical focal cross-entropy
// on one-hot (or soft) targets: Σ α·(1 − p)^γ·(−t·log p) over the last
// axis, with p the predictions divided by their sum and clipped to
// [ε, 1 − ε] (the softmax of yPred if FromLogits), averaged over the batch.
//
// The zero value is Keras's default, α = 0.25 and γ = 2. Keras's γ = 0 is
// α·CategoricalCrossentropy, which is why 0 can stand for the default here.
type CategoricalFocalCrossentropy struct {
	// Alpha weighs every class; 0 means 0.25.
	Alpha float32
	// Gamma is the focusing parameter γ; 0 means 2.
	Gamma float32
	// FromLogits says yPred holds logits.
	FromLogits bool
	// LabelSmoothing s in [0, 1] replaces the targets t by
	// t·(1 − s) + s/classes.
	LabelSmoothing float32
	// Reduction is Keras's reduction (default SumOverBatchSize).
	Reduction Reduction
}

// Name implements Loss.
func (CategoricalFocalCrossentropy) Name() string { return "categorical_focal_crossentropy" }

// Call implements Loss.
func (l CategoricalFocalCrossentropy) Call(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	return reduce(l.PerExample(yTrue, yPred), l.Reduction)
}

// PerExample implements PerExampleLoss.
func (l CategoricalFocalCrossentropy) PerExample(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	alpha, gamma := orDefault(l.Alpha, 0.25), orDefault(l.Gamma, 2)
	if s := l.LabelSmoothing; s > 0 {
		yTrue = yTrue.MulScalar(1 - s).AddScalar(s / float32(yPred.Dim(-1)))
	}
	p := yPred
	if l.FromLogits {
		p = p.Softmax()
	}
	p = normalize(p).Clip(Epsilon, 1-Epsilon)
	cce := yTrue.Mul(p.Log()).Neg()
	w := p.Neg().AddScalar(1).Pow(gamma).MulScalar(alpha)
	return sumLast(w.Mul(cce))
}

// LossReduction implements PerExampleLoss.
func (l CategoricalFocalCrossentropy) LossReduction() Reduction { return l.Reduction }

func orDefault(v, def float32) float32 {
	if v == 0 {
		return def
	}
	return v
}
