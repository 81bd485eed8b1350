package optimizers

import (
	"math"

	"github.com/neuron-go/neuron/internal/vec"
	"github.com/neuron-go/neuron/tensor"
)

// Nadam is Adam with Nesterov momentum, with Keras's defaults and formula
// (keras/src/optimizers/nadam.py). At step t, with
// uₜ = β₁(1 − ½·0.96ᵗ) and Πₜ = u₁⋯uₜ:
//
//	m ← m + (g − m)(1 − β₁);  v ← v + (g² − v)(1 − β₂)
//	m̂ = uₜ₊₁·m/(1 − Πₜ·uₜ₊₁) + (1 − uₜ)·g/(1 − Πₜ);  v̂ = v/(1 − β₂ᵗ)
//	w ← w − lr·m̂/(√v̂ + ε)
type Nadam struct {
	// LearningRate defaults to 0.001.
	LearningRate float64
	// Beta1 and Beta2 default to 0.9 and 0.999.
	Beta1, Beta2 float64
	// Epsilon defaults to 1e-7.
	Epsilon float64

	m, v     [][]float32
	uProduct float32 // Keras's _u_product, Πₜ
	iters    int
}

// NewNadam returns Nadam with Keras's defaults spelled out.
func NewNadam() *Nadam { return &Nadam{LearningRate: 0.001, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7} }

// Name implements Optimizer.
func (o *Nadam) Name() string { return "nadam" }

// Build implements Optimizer.
func (o *Nadam) Build(weights []*tensor.Tensor) {
	o.m, o.v, o.uProduct, o.iters = zerosLike(weights), zerosLike(weights), 1, 0
}

func pow32(x float32, t int) float32 { return float32(math.Pow(float64(x), float64(t))) }

// nadamU is uₜ = β₁(1 − ½·0.96ᵗ) in float32.
func nadamU(b1 float32, t int) float32 { return b1 * (1 - 0.5*pow32(0.96, t)) }

// Apply implements Optimizer.
func (o *Nadam) Apply(weights []*tensor.Tensor) {
	if len(o.m) != len(weights) {
		o.Build(weights)
	}
	lr := float32(o.LR())
	b1 := float32(orDefault(o.Beta1, 0.9))
	b2 := float32(orDefault(o.Beta2, 0.999))
	eps := float32(orDefault(o.Epsilon, 1e-7))
	o.iters++
	t := o.iters
	o.uProduct = o.uProduct * b1 * (1 - 0.5*pow32(0.96, t))
	ut, ut1 := nadamU(b1, t), nadamU(b1, t+1)
	up := o.uProduct
	up1 := up * ut1
	b2p := pow32(b2, t)
	for i, w := range weights {
		gt := w.Grad()
		if gt == nil {
			continue
		}
		wd, g, m, v := w.Data(), gt.Data(), o.m[i], o.v[i]
		for j, gj := range g {
			m[j] = vec.FlushDenormal(m[j] + (gj-m[j])*(1-b1))
			v[j] = vec.FlushDenormal(v[j] + (gj*gj-v[j])*(1-b2))
			mHat := ut1*m[j]/(1-up1) + (1-ut)*gj/(1-up)
			vHat := v[j] / (1 - b2p)
			wd[j] -= mHat * lr / (float32(math.Sqrt(float64(vHat))) + eps)
		}
	}
}

// uProductAt recomputes Πₜ as Apply accumulates it, bit for bit.
func (o *Nadam) uProductAt(t int) float32 {
	b1 := float32(orDefault(o.Beta1, 0.9))
	p := float32(1)
	for s := 1; s <= t; s++ {
		p = p * b1 * (1 - 0.5*pow32(0.96, s))
	}
	return p
}

// Iterations implements Optimizer.
func (o *Nadam) Iterations() int { return o.iters }

// LR implements Optimizer.
func (o *Nadam) LR() float64 { return orDefault(o.LearningRate, 0.001) }

// SetLR implements Optimizer.
func (o *Nadam) SetLR(lr float64) { o.LearningRate = lr }

// Adamax is Adam with the infinity norm, with Keras's defaults and formula
// (keras/src/optimizers/adamax.py):
//
//	m ← m + (g − m)(1 − β₁);  u ← max(β₂·u, |g|)
//	w ← w − lr·m/((1 − β₁ᵗ)(u + ε))
type Adamax struct {
	// LearningRate defaults to 0.001.
	LearningRate float64
	// Beta1 and Beta2 default to 0.9 and 0.999.
	Beta1, Beta2 float64
	// Epsilon defaults to 1e-7.
	Epsilon float64

	m, u  [][]float32
	iters int
}

// NewAdamax returns Adamax with Keras's defaults spelled out.
func NewAdamax() *Adamax {
	return &Adamax{LearningRate: 0.001, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7}
}

// Name implements Optimizer.
func (o *Adamax) Name() string { return "adamax" }

// Build implements Optimizer.
func (o *Adamax) Build(weights []*tensor.Tensor) {
	o.m, o.u, o.iters = zerosLike(weights), zerosLike(weights), 0
}

// Apply implements Optimizer.
func (o *Adamax) Apply(weights []*tensor.Tensor) {
	if len(o.m) != len(weights) {
		o.Build(weights)
	}
	lr := float32(o.LR())
	b1 := float32(orDefault(o.Beta1, 0.9))
	b2 := float32(orDefault(o.Beta2, 0.999))
	eps := float32(orDefault(o.Epsilon, 1e-7))
	o.iters++
	b1p := pow32(b1, o.iters)
	for i, w := range weights {
		gt := w.Grad()
		if gt == nil {
			continue
		}
		wd, g, m, u := w.Data(), gt.Data(), o.m[i], o.u[i]
		for j, gj := range g {
			m[j] = vec.FlushDenormal(m[j] + (gj-m[j])*(1-b1))
			u[j] = vec.FlushDenormal(max(b2*u[j], float32(math.Abs(float64(gj)))))
			wd[j] -= lr * m[j] / ((1 - b1p) * (u[j] + eps))
		}
	}
}

// Iterations implements Optimizer.
func (o *Adamax) Iterations() int { return o.iters }

// LR implements Optimizer.
func (o *Adamax) LR() float64 { return orDefault(o.LearningRate, 0.001) }

// SetLR implements Optimizer.
func (o *Adamax) SetLR(lr float64) { o.LearningRate = lr }

// Adadelta adapts each weight's step from running averages of squared
// gradients and squared updates, with Keras's defaults and formula
// (keras/src/optimizers/adadelta.py):
//
//	a ← ρ·a + (1 − ρ)·g²
//	Δ = −√(d + ε)·g/√(a + ε)
//	d ← ρ·d + (1 − ρ)·Δ²
//	w ← w + lr·Δ
type Adadelta struct {
	// LearningRate defaults to 0.001.
	LearningRate float64
	// Rho defaults to 0.95.
	Rho float64
	// Epsilon defaults to 1e-7.
	Epsilon float64

	grad, delta [][]float32
	iters       int
}

// NewAdadelta returns Adadelta with Keras's defaults spelled out.
func NewAdadelta() *Adadelta { return &Adadelta{LearningRate: 0.001, Rho: 0.95, Epsilon: 1e-7} }

// Name implements Optimizer.
func (o *Adadelta) Name() string { return "adadelta" }

// Build implements Optimizer.
func (o *Adadelta) Build(weights []*tensor.Tensor) {
	o.grad, o.delta, o.iters = zerosLike(weights), zerosLike(weights), 0
}

// Apply implements Optimizer.
func (o *Adadelta) Apply(weights []*tensor.Tensor) {
	if len(o.grad) != len(weights) {
		o.Build(weights)
	}
	lr := float32(o.LR())
	rho := float32(orDefault(o.Rho, 0.95))
	eps := float32(orDefault(o.Epsilon, 1e-7))
	o.iters++
	for i, w := range weights {
		gt := w.Grad()
		if gt == nil {
			continue
		}
		wd, g, a, d := w.Data(), gt.Data(), o.grad[i], o.delta[i]
		for j, gj := range g {
			a[j] = vec.FlushDenormal(rho*a[j] + (1-rho)*(gj*gj))
			delta := -(float32(math.Sqrt(float64(d[j]+eps))) * gj / float32(math.Sqrt(float64(a[j]+eps))))
			d[j] = vec.FlushDenormal(rho*d[j] + (1-rho)*(delta*delta))
			wd[j] += lr * delta
		}
	}
}

// Iterations implements Optimizer.
func (o *Adadelta) Iterations() int { return o.iters }

// LR implements Optimizer.
func (o *Adadelta) LR() float64 { return orDefault(o.LearningRate, 0.001) }

// SetLR implements Optimizer.
func (o *Adadelta) SetLR(lr float64) { o.LearningRate = lr }

// Lion is Chen et al.'s sign-momentum optimizer, with Keras's defaults and
// formula (keras/src/optimizers/lion.py):
//
//	w ← w − lr·sign(β₁·m + (1 − β₁)·g)
//	m ← β₂·m + (1 − β₂)·g
type Lion struct {
	// LearningRate defaults to 0.001.
	LearningRate float64
	// Beta1 and Beta2 default to 0.9 and 0.99.
	Beta1, Beta2 float64

	m     [][]float32
	iters int
}

// NewLion returns Lion with Keras's defaults spelled out.
func NewLion() *Lion { return &Lion{LearningRate: 0.001, Beta1: 0.9, Beta2: 0.99} }

// Name implements Optimizer.
func (o *Lion) Name() string { return "lion" }

// Build implements Optimizer.
func (o *Lion) Build(weights []*tensor.Tensor) { o.m, o.iters = zerosLike(weights), 0 }

// Apply implements Optimizer.
func (o *Lion) Apply(weights []*tensor.Tensor) {
	if len(o.m) != len(weights) {
		o.Build(weights)
	}
	lr := float32(o.LR())
	b1 := float32(orDefault(o.Beta1, 0.9))
	b2 := float32(orDefault(o.Beta2, 0.99))
	o.iters++
	for i, w := range weights {
		gt := w.Grad()
		if gt == nil {
			continue
		}
		wd, g, m := w.Data(), gt.Data(), o.m[i]
		for j, gj := range g {
			c := m[j]*b1 + gj*(1-b1)
			switch {
			case c > 0:
				wd[j] -= lr
			case c < 0:
				wd[j] += lr
			}
			m[j] = vec.FlushDenormal(m[j]*b2 + gj*(1-b2))
		}
	}
}

// Iterations implements Optimizer.
func (o *Lion) Iterations() int { return o.iters }

// LR implements Optimizer.
func (o *Lion) LR() float64 { return orDefault(o.LearningRate, 0.001) }

// SetLR implements Optimizer.
func (o *Lion) SetLR(lr float64) { o.LearningRate = lr }

// Ftrl is McMahan et al.'s Follow The Regularized Leader, with Keras's
// defaults and formula (keras/src/optimizers/ftrl.py), p the learning
// rate power:
//
//	n' = n + g²;  σ = (n'^(−p) − n^(−p))/lr
//	z ← z + g + 2·λ₂ₛ·w − σ·w
//	w ← (clip(z, −λ₁, λ₁) − z)/(n'^(−p)/lr + 2(λ₂ + β/(2·lr)));  n ← n'
type Ftrl struct {
	// LearningRate defaults to 0.001.
	LearningRate float64
	// LearningRatePower p defaults to −0.5; it must be <= 0.
	LearningRatePower float64
	// InitialAccumulatorValue defaults to 0.1.
	InitialAccumulatorValue float64
	// L1RegularizationStrength, L2RegularizationStrength,
	// L2ShrinkageRegularizationStrength and Beta default to 0.
	L1RegularizationStrength, L2RegularizationStrength, L2ShrinkageRegularizationStrength, Beta float64

	acc, linear [][]float32
	iters       int
}

// NewFtrl returns Ftrl with Keras's defaults spelled out.
func NewFtrl() *Ftrl {
	return &Ftrl{LearningRate: 0.001, LearningRatePower: -0.5, InitialAccumulatorValue: 0.1}
}

// Name implements Optimizer.
func (o *Ftrl) Name() string { return "ftrl" }

// Build implements Optimizer.
func (o *Ftrl) Build(weights []*tensor.Tensor) {
	o.acc, o.linear, o.iters = zerosLike(weights), zerosLike(weights), 0
	init := float32(orDefault(o.InitialAccumulatorValue, 0.1))
	for _, a := range o.acc {
		for j := range a {
			a[j] = init
		}
	}
}

// Apply implements Optimizer.
func (o *Ftrl) Apply(weights []*tensor.Tensor) {
	if len(o.acc) != len(weights) {
		o.Build(weights)
	}
	lr := float32(o.LR())
	negP := float64(float32(-orDefault(o.LearningRatePower, -0.5)))
	l1 := float32(o.L1RegularizationStrength)
	l2 := float32(o.L2RegularizationStrength) + float32(o.Beta)/(2*lr)
	shrink := 2 * float32(o.L2ShrinkageRegularizationStrength)
	o.iters++
	for i, w := range weights {
		gt := w.Grad()
		if gt == nil {
			continue
		}
		wd, g, acc, z := w.Data(), gt.Data(), o.acc[i], o.linear[i]
		for j, gj := range g {
			use := gj + shrink*wd[j]
			na := acc[j] + gj*gj
			pNew := float32(math.Pow(float64(na), negP))
			pOld := float32(math.Pow(float64(acc[j]), negP))
			z[j] += use - (pNew-pOld)/lr*wd[j]
			quad := pNew/lr + 2*l2
			zc := min(max(z[j], -l1), l1)
			wd[j] = (zc - z[j]) / quad
			acc[j] = na
		}
	}
}

// Iterations implements Optimizer.
func (o *Ftrl) Iterations() int { return o.iters }

// LR implements Optimizer.
func (o *Ftrl) LR() float64 { return orDefault(o.LearningRate, 0.001) }

// SetLR implements Optimizer.
func (o *Ftrl) SetLR(lr float64) { o.LearningRate = lr }

// State implements Stateful: slots "momentum" and "velocity"; the
// product of Keras's _u_product is recomputed from the iterations.
func (o *Nadam) State() (State, error) {
	return State{Iterations: o.iters, Slots: []Slot{{"momentum", o.m}, {"velocity", o.v}}}, nil
}

// SetState implements Stateful.
func (o *Nadam) SetState(s State) error {
	cur, _ := o.State()
	if err := setSlots(o.Name(), s, cur.Slots); err != nil {
		return err
	}
	o.iters, o.uProduct = s.Iterations, o.uProductAt(s.Iterations)
	return nil
}

// State implements Stateful: slots "momentum" and "norm", Keras's m and u.
func (o *Adamax) State() (State, error) {
	return State{Iterations: o.iters, Slots: []Slot{{"momentum", o.m}, {"norm", o.u}}}, nil
}

// SetState implements Stateful.
func (o *Adamax) SetState(s State) error {
	cur, _ := o.State()
	if err := setSlots(o.Name(), s, cur.Slots); err != nil {
		return err
	}
	o.iters = s.Iterations
	return nil
}

// State implements Stateful: slots "accumulated_grad" and
// "accumulated_delta_var".
func (o *Adadelta) State() (State, error) {
	return State{Iterations: o.iters, Slots: []Slot{{"accumulated_grad", o.grad}, {"accumulated_delta_var", o.delta}}}, nil
}

// SetState implements Stateful.
func (o *Adadelta) SetState(s State) error {
	cur, _ := o.State()
	if err := setSlots(o.Name(), s, cur.Slots); err != nil {
		return err
	}
	o.iters = s.Iterations
	return nil
}

// State implements Stateful: slot "momentum".
func (o *Lion) State() (State, error) {
	return State{Iterations: o.iters, Slots: []Slot{{"momentum", o.m}}}, nil
}

// SetState implements Stateful.
func (o *Lion) SetState(s State) error {
	cur, _ := o.State()
	if err := setSlots(o.Name(), s, cur.Slots); err != nil {
		return err
	}
	o.iters = s.Iterations
	return nil
}

// State implements Stateful: slots "accumulator" and "linear".
func (o *Ftrl) State() (State, error) {
	return State{Iterations: o.iters, Slots: []Slot{{"accumulator", o.acc}, {"linear", o.linear}}}, nil
}

// SetState implements Stateful.
func (o *Ftrl) SetState(s State) error {
	cur, _ := o.State()
	if err := setSlots(o.Name(), s, cur.Slots); err != nil {
		return err
	}
	o.iters = s.Iterations
	return nil
}

var (
	_ Stateful = (*Nadam)(nil)
	_ Stateful = (*Adamax)(nil)
	_ Stateful = (*Adadelta)(nil)
	_ Stateful = (*Lion)(nil)
	_ Stateful = (*Ftrl)(nil)
)
