package optimizers

import (
	"math"

	"github.com/neuron-go/neuron/tensor"
)

// Adafactor is Shazeer & Stern's Adafactor with Keras's defaults and
// formula (keras/src/optimizers/adafactor.py). For a weight of two or more
// dimensions it keeps, instead of a full second moment, its means over the
// last axis (r) and over the second-to-last (c). At step t = updates + 1,
// with G = g² + ε₁ and β₂ₜ = 1 − t^Beta2Decay:
//
//	ρ = min(lr, 1/√t);  α = max(ε₂, RMS(w))·ρ
//	rank ≥ 2: r ← β₂ₜ·r + (1−β₂ₜ)·mean(G, −1);  c ← β₂ₜ·c + (1−β₂ₜ)·mean(G, −2)
//	          v = (r/mean(r, −1))[…, None] · c[…, None, :]
//	rank < 2: v ← β₂ₜ·v + (1−β₂ₜ)·G
//	u = g/√v;  û = u/max(1, RMS(u)/ClipThreshold);  w ← w − α·û
//
// RMS is the root mean square of all of a weight's elements. Keras's
// relative_step makes no difference to these formulas (ρ takes the minimum
// either way), so it is kept only as a config key.
type Adafactor struct {
	// LearningRate defaults to 0.001.
	LearningRate float64
	// Beta2Decay defaults to −0.8.
	Beta2Decay float64
	// Epsilon1 defaults to 1e-30 and Epsilon2 to 1e-3.
	Epsilon1, Epsilon2 float64
	// ClipThreshold defaults to 1.
	ClipThreshold float64
	// NoRelativeStep is Keras's relative_step=False.
	NoRelativeStep bool

	r, c, v [][]float32
	shapes  [][]int
	iters   int
}

// NewAdafactor returns Adafactor with Keras's defaults spelled out.
func NewAdafactor() *Adafactor {
	return &Adafactor{LearningRate: 0.001, Beta2Decay: -0.8, Epsilon1: 1e-30, Epsilon2: 1e-3, ClipThreshold: 1}
}

// Name implements Optimizer.
func (o *Adafactor) Name() string { return "adafactor" }

// Build implements Optimizer.
func (o *Adafactor) Build(weights []*tensor.Tensor) {
	n := len(weights)
	o.r, o.c, o.v, o.shapes = make([][]float32, n), make([][]float32, n), zerosLike(weights), make([][]int, n)
	for i, w := range weights {
		s := w.Shape()
		o.shapes[i] = s
		if len(s) < 2 {
			// Keras keeps a scalar placeholder for r and c.
			o.r[i], o.c[i] = make([]float32, 1), make([]float32, 1)
			continue
		}
		rows, cols := s[len(s)-2], s[len(s)-1]
		o.r[i] = make([]float32, w.Size()/cols)
		o.c[i] = make([]float32, w.Size()/(rows*cols)*cols)
	}
	o.iters = 0
}

// Apply implements Optimizer.
func (o *Adafactor) Apply(weights []*tensor.Tensor) {
	if len(o.v) != len(weights) {
		o.Build(weights)
	}
	lr := float32(o.LR())
	decay := orDefault(o.Beta2Decay, -0.8)
	eps1 := float32(orDefault(o.Epsilon1, 1e-30))
	eps2 := float32(orDefault(o.Epsilon2, 1e-3))
	clip := float32(orDefault(o.ClipThreshold, 1))
	o.iters++
	t := float32(o.iters)
	rho := min(lr, 1/float32(math.Sqrt(float64(t))))
	b2 := 1 - float32(math.Pow(float64(t), decay))
	for i, w := range weights {
		gt := w.Grad()
		if gt == nil {
			continue
		}
		wd, g, v := w.Data(), gt.Data(), o.v[i]
		alpha := max(eps2, rms(wd)) * rho
		if s := o.shapes[i]; len(s) >= 2 {
			o.factored(s, g, o.r[i], o.c[i], v, b2, eps1)
		} else {
			for j, gj := range g {
				v[j] = b2*v[j] + (1-b2)*(gj*gj+eps1)
			}
		}
		// u = g/√v, then clipped by its RMS; computed twice rather than
		// kept, to need no buffer.
		var ss float64
		for j, gj := range g {
			u := gj / float32(math.Sqrt(float64(v[j])))
			ss += float64(u) * float64(u)
		}
		scale := alpha / max(1, float32(math.Sqrt(ss/float64(len(g))))/clip)
		for j, gj := range g {
			wd[j] -= scale * (gj / float32(math.Sqrt(float64(v[j]))))
		}
	}
}

// factored updates r and c from g (of shape s, rank ≥ 2) and sets v to
// their outer product normalised by r's mean.
func (o *Adafactor) factored(s []int, g, r, c, v []float32, b2, eps1 float32) {
	rows, cols := s[len(s)-2], s[len(s)-1]
	batch := len(g) / (rows * cols)
	for k := range batch {
		gk := g[k*rows*cols : (k+1)*rows*cols]
		rk, ck := r[k*rows:(k+1)*rows], c[k*cols:(k+1)*cols]
		for a := range rows {
			var sum float32
			for _, x := range gk[a*cols : (a+1)*cols] {
				sum += x*x + eps1
			}
			rk[a] = b2*rk[a] + (1-b2)*(sum/float32(cols))
		}
		for b := range cols {
			var sum float32
			for a := range rows {
				x := gk[a*cols+b]
				sum += x*x + eps1
			}
			ck[b] = b2*ck[b] + (1-b2)*(sum/float32(rows))
		}
		var rmean float32
		for _, x := range rk {
			rmean += x
		}
		rmean /= float32(rows)
		vk := v[k*rows*cols : (k+1)*rows*cols]
		for a := range rows {
			ra := rk[a] / rmean
			for b := range cols {
				vk[a*cols+b] = ra * ck[b]
			}
		}
	}
}

// rms is the root mean square of x.
func rms(x []float32) float32 {
	return float32(math.Sqrt(sumSquares(x) / float64(len(x))))
}

// Iterations implements Optimizer.
func (o *Adafactor) Iterations() int { return o.iters }

// LR implements Optimizer.
func (o *Adafactor) LR() float64 { return orDefault(o.LearningRate, 0.001) }

// SetLR implements Optimizer.
func (o *Adafactor) SetLR(lr float64) { o.LearningRate = lr }

// State implements Stateful: r, c and v as Keras builds them, one slot
// each (r and c hold one zero for a weight of rank below 2, as Keras's
// placeholders do). Keras names all three after the weight; here they are
// "r", "c" and "velocity".
func (o *Adafactor) State() (State, error) {
	return State{Iterations: o.iters, Slots: []Slot{{"r", o.r}, {"c", o.c}, {"velocity", o.v}}}, nil
}

// SetState implements Stateful.
func (o *Adafactor) SetState(s State) error {
	cur, _ := o.State()
	if err := setSlots(o.Name(), s, cur.Slots); err != nil {
		return err
	}
	o.iters = s.Iterations
	return nil
}
