package optimizers

import (
	"math"

	"github.com/neuron-go/neuron/internal/vec"
	"github.com/neuron-go/neuron/tensor"
)

// Adam is Kingma & Ba's Adam with Keras's defaults and formula
// (keras/src/optimizers/adam.py). At step t = iterations + 1:
//
//	α = lr·√(1−β₂ᵗ)/(1−β₁ᵗ)
//	m ← m + (g − m)(1 − β₁)
//	v ← v + (g² − v)(1 − β₂)
//	w ← w − α·m/(√v + ε)
//
// ε is added to √v before the bias correction is applied, unlike PyTorch.
// With AMSGrad, v̂ ← max(v̂, v) takes v's place in the last line.
// Arithmetic is float32, as Keras's variables are.
type Adam struct {
	// LearningRate defaults to 0.001.
	LearningRate float64
	// Beta1 and Beta2 default to 0.9 and 0.999.
	Beta1, Beta2 float64
	// Epsilon defaults to 1e-7.
	Epsilon float64
	// AMSGrad divides by the largest v seen so far (Keras's amsgrad).
	AMSGrad bool

	m, v, vHat [][]float32
	iters      int
}

// NewAdam returns Adam with Keras's defaults spelled out.
func NewAdam() *Adam { return &Adam{LearningRate: 0.001, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7} }

// Name implements Optimizer.
func (o *Adam) Name() string { return "adam" }

// Build implements Optimizer.
func (o *Adam) Build(weights []*tensor.Tensor) {
	o.m, o.v = make([][]float32, len(weights)), make([][]float32, len(weights))
	for i, w := range weights {
		o.m[i] = make([]float32, w.Size())
		o.v[i] = make([]float32, w.Size())
	}
	o.vHat = nil
	if o.AMSGrad {
		o.vHat = zerosLike(weights)
	}
	o.iters = 0
}

// Apply implements Optimizer.
func (o *Adam) Apply(weights []*tensor.Tensor) {
	if len(o.m) != len(weights) || (o.AMSGrad && len(o.vHat) != len(weights)) {
		o.Build(weights)
	}
	lr := float32(orDefault(o.LearningRate, 0.001))
	b1 := float32(orDefault(o.Beta1, 0.9))
	b2 := float32(orDefault(o.Beta2, 0.999))
	eps := float32(orDefault(o.Epsilon, 1e-7))
	o.iters++
	t := float64(o.iters)
	b1p := float32(math.Pow(float64(b1), t))
	b2p := float32(math.Pow(float64(b2), t))
	alpha := lr * float32(math.Sqrt(float64(1-b2p))) / (1 - b1p)
	for i, w := range weights {
		g := w.Grad()
		if g == nil {
			continue
		}
		if o.AMSGrad {
			amsgrad(w.Data(), g.Data(), o.m[i], o.v[i], o.vHat[i], alpha, 1-b1, 1-b2, eps)
			continue
		}
		vec.Adam(w.Data(), g.Data(), o.m[i], o.v[i], alpha, 1-b1, 1-b2, eps)
	}
}

// Iterations implements Optimizer.
func (o *Adam) Iterations() int { return o.iters }

// LR implements Optimizer.
func (o *Adam) LR() float64 { return orDefault(o.LearningRate, 0.001) }

// SetLR implements Optimizer.
func (o *Adam) SetLR(lr float64) { o.LearningRate = lr }

// amsgrad is Adam's update with v̂ = max(v̂, v) in the denominator.
func amsgrad(w, g, m, v, vHat []float32, alpha, c1, c2, eps float32) {
	for j, gj := range g {
		m[j] = vec.FlushDenormal(m[j] + (gj-m[j])*c1)
		v[j] = vec.FlushDenormal(v[j] + (gj*gj-v[j])*c2)
		vHat[j] = max(vHat[j], v[j])
		w[j] -= m[j] * alpha / (float32(math.Sqrt(float64(vHat[j]))) + eps)
	}
}
