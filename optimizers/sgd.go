package optimizers

import (
	"github.com/neuron-go/neuron/internal/vec"
	"github.com/neuron-go/neuron/tensor"
)

// SGD is stochastic gradient descent with optional momentum, with Keras's
// defaults and formula (keras/src/optimizers/sgd.py):
//
//	momentum = 0:  w ← w − lr·g
//	otherwise:     m ← μ·m − lr·g;  w ← w + m            (Nesterov: w ← w + μ·m − lr·g)
type SGD struct {
	// LearningRate defaults to 0.01.
	LearningRate float64
	// Momentum μ defaults to 0 (plain gradient descent).
	Momentum float64
	// Nesterov selects Nesterov momentum.
	Nesterov bool

	m     [][]float32
	iters int
}

// NewSGD returns SGD with Keras's defaults spelled out.
func NewSGD() *SGD { return &SGD{LearningRate: 0.01} }

// Name implements Optimizer.
func (o *SGD) Name() string { return "sgd" }

// Build implements Optimizer.
func (o *SGD) Build(weights []*tensor.Tensor) {
	o.m = make([][]float32, len(weights))
	for i, w := range weights {
		o.m[i] = make([]float32, w.Size())
	}
	o.iters = 0
}

// Apply implements Optimizer.
func (o *SGD) Apply(weights []*tensor.Tensor) {
	if len(o.m) != len(weights) {
		o.Build(weights)
	}
	lr := float32(o.LearningRate)
	if o.LearningRate == 0 {
		lr = 0.01
	}
	mu := float32(o.Momentum)
	o.iters++
	for i, w := range weights {
		gt := w.Grad()
		if gt == nil {
			continue
		}
		wd, g, m := w.Data(), gt.Data(), o.m[i]
		switch {
		case mu == 0:
			for j, gj := range g {
				wd[j] -= lr * gj
			}
		case o.Nesterov:
			for j, gj := range g {
				m[j] = vec.FlushDenormal(mu*m[j] - lr*gj)
				wd[j] += mu*m[j] - lr*gj
			}
		default:
			for j, gj := range g {
				m[j] = vec.FlushDenormal(mu*m[j] - lr*gj)
				wd[j] += m[j]
			}
		}
	}
}

// Iterations implements Optimizer.
func (o *SGD) Iterations() int { return o.iters }

// LR implements Optimizer.
func (o *SGD) LR() float64 { return orDefault(o.LearningRate, 0.01) }

// SetLR implements Optimizer.
func (o *SGD) SetLR(lr float64) { o.LearningRate = lr }
