package optimizers

import (
	"math"

	"github.com/neuron-go/neuron/internal/vec"
	"github.com/neuron-go/neuron/tensor"
)

// RMSprop divides the gradient by a running root mean square of recent
// gradients; it is Keras's compile() default. Keras's formula
// (keras/src/optimizers/rmsprop.py):
//
//	v ← ρ·v + (1−ρ)·g²
//	centered: a ← ρ·a + (1−ρ)·g;  d = v − a² + ε   else d = v + ε
//	Δ = lr·g/√d
//	momentum > 0: s ← μ·s + Δ; w ← w − s     else w ← w − Δ
//
// ε sits inside the square root.
type RMSprop struct {
	// LearningRate defaults to 0.001.
	LearningRate float64
	// Rho defaults to 0.9.
	Rho float64
	// Momentum defaults to 0.
	Momentum float64
	// Epsilon defaults to 1e-7.
	Epsilon float64
	// Centered normalises by the variance rather than the second moment.
	Centered bool

	v, a, s [][]float32
	iters   int
}

// NewRMSprop returns RMSprop with Keras's defaults spelled out.
func NewRMSprop() *RMSprop { return &RMSprop{LearningRate: 0.001, Rho: 0.9, Epsilon: 1e-7} }

// Name implements Optimizer.
func (o *RMSprop) Name() string { return "rmsprop" }

// Build implements Optimizer.
func (o *RMSprop) Build(weights []*tensor.Tensor) {
	o.v, o.a, o.s = zerosLike(weights), zerosLike(weights), zerosLike(weights)
	o.iters = 0
}

// Apply implements Optimizer.
func (o *RMSprop) Apply(weights []*tensor.Tensor) {
	if len(o.v) != len(weights) {
		o.Build(weights)
	}
	lr := float32(o.LR())
	rho := float32(orDefault(o.Rho, 0.9))
	eps := float32(orDefault(o.Epsilon, 1e-7))
	mu := float32(o.Momentum)
	o.iters++
	for i, w := range weights {
		gt := w.Grad()
		if gt == nil {
			continue
		}
		wd, g, v, a, s := w.Data(), gt.Data(), o.v[i], o.a[i], o.s[i]
		for j, gj := range g {
			v[j] = vec.FlushDenormal(rho*v[j] + (1-rho)*gj*gj)
			d := v[j] + eps
			if o.Centered {
				a[j] = vec.FlushDenormal(rho*a[j] + (1-rho)*gj)
				d = v[j] - a[j]*a[j] + eps
			}
			inc := lr * gj / float32(math.Sqrt(float64(d)))
			if mu > 0 {
				s[j] = vec.FlushDenormal(mu*s[j] + inc)
				wd[j] -= s[j]
			} else {
				wd[j] -= inc
			}
		}
	}
}

// Iterations implements Optimizer.
func (o *RMSprop) Iterations() int { return o.iters }

// LR implements Optimizer.
func (o *RMSprop) LR() float64 { return orDefault(o.LearningRate, 0.001) }

// SetLR implements Optimizer.
func (o *RMSprop) SetLR(lr float64) { o.LearningRate = lr }

// Adagrad scales each weight's step by its accumulated squared gradients,
// with Keras's defaults and formula (keras/src/optimizers/adagrad.py):
//
//	acc ← acc + g²  (acc starts at InitialAccumulatorValue)
//	w ← w − lr·g/√(acc + ε)
type Adagrad struct {
	// LearningRate defaults to 0.001.
	LearningRate float64
	// InitialAccumulatorValue defaults to 0.1.
	InitialAccumulatorValue float64
	// Epsilon defaults to 1e-7.
	Epsilon float64

	acc   [][]float32
	iters int
}

// NewAdagrad returns Adagrad with Keras's defaults spelled out.
func NewAdagrad() *Adagrad {
	return &Adagrad{LearningRate: 0.001, InitialAccumulatorValue: 0.1, Epsilon: 1e-7}
}

// Name implements Optimizer.
func (o *Adagrad) Name() string { return "adagrad" }

// Build implements Optimizer.
func (o *Adagrad) Build(weights []*tensor.Tensor) {
	o.acc = zerosLike(weights)
	init := float32(orDefault(o.InitialAccumulatorValue, 0.1))
	for _, a := range o.acc {
		for j := range a {
			a[j] = init
		}
	}
	o.iters = 0
}

// Apply implements Optimizer.
func (o *Adagrad) Apply(weights []*tensor.Tensor) {
	if len(o.acc) != len(weights) {
		o.Build(weights)
	}
	lr := float32(o.LR())
	eps := float32(orDefault(o.Epsilon, 1e-7))
	o.iters++
	for i, w := range weights {
		gt := w.Grad()
		if gt == nil {
			continue
		}
		wd, g, acc := w.Data(), gt.Data(), o.acc[i]
		for j, gj := range g {
			acc[j] += gj * gj
			wd[j] -= lr * gj / float32(math.Sqrt(float64(acc[j]+eps)))
		}
	}
}

// Iterations implements Optimizer.
func (o *Adagrad) Iterations() int { return o.iters }

// LR implements Optimizer.
func (o *Adagrad) LR() float64 { return orDefault(o.LearningRate, 0.001) }

// SetLR implements Optimizer.
func (o *Adagrad) SetLR(lr float64) { o.LearningRate = lr }

// AdamW is Adam with decoupled weight decay, as Keras's AdamW: before each
// Adam step every weight shrinks by w ← w − w·WeightDecay·lr.
type AdamW struct {
	Adam
	// WeightDecay defaults to 0.004.
	WeightDecay float64
}

// NewAdamW returns AdamW with Keras's defaults spelled out.
func NewAdamW() *AdamW { return &AdamW{Adam: *NewAdam(), WeightDecay: 0.004} }

// Name implements Optimizer.
func (o *AdamW) Name() string { return "adamw" }

// Apply implements Optimizer.
func (o *AdamW) Apply(weights []*tensor.Tensor) {
	decay := float32(orDefault(o.WeightDecay, 0.004)) * float32(o.LR())
	for _, w := range weights {
		if w.Grad() == nil {
			continue
		}
		for j, v := range w.Data() {
			w.Data()[j] = v - v*decay
		}
	}
	o.Adam.Apply(weights)
}

func zerosLike(weights []*tensor.Tensor) [][]float32 {
	out := make([][]float32, len(weights))
	for i, w := range weights {
		out[i] = make([]float32, w.Size())
	}
	return out
}
