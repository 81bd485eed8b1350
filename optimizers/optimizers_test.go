package optimizers_test

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/tensor"
)

// The optimizers are checked against Keras 3's update rules
// (keras/src/optimizers/*.py), written out below in float64. The optimizers
// compute in float32, as Keras's variables do, so the weights agree to
// about float32 precision.

// w0 and grads are the starting weights and the gradient of each of five
// steps. They change sign and size so that every state variable matters.
var (
	w0    = []float64{1.0, -0.5, 0.25, 2.0}
	grads = [][]float64{
		{0.5, -1.2, 0.03, 2.0},
		{0.4, -0.8, -0.02, 1.5},
		{-0.3, -1.0, 0.05, 1.0},
		{0.2, 0.5, 0.01, -0.5},
		{0.1, -0.2, 0.0, 0.25},
	}
)

// ref is a float64 optimizer: update applies one step to w in place, with
// t = 1 for the first step.
type ref interface {
	update(w, g []float64, t int)
}

// refAdam is Keras's Adam: α = lr·√(1−β₂ᵗ)/(1−β₁ᵗ); m += (g−m)(1−β₁);
// v += (g²−v)(1−β₂); w −= α·m/(√v + ε). With wd > 0 it is AdamW: first
// w −= w·wd·lr.
type refAdam struct {
	lr, b1, b2, eps, wd float64
	m, v                []float64
}

func (o *refAdam) update(w, g []float64, t int) {
	if o.m == nil {
		o.m, o.v = make([]float64, len(w)), make([]float64, len(w))
	}
	for i := range w {
		w[i] -= w[i] * o.wd * o.lr
	}
	alpha := o.lr * math.Sqrt(1-math.Pow(o.b2, float64(t))) / (1 - math.Pow(o.b1, float64(t)))
	for i, gi := range g {
		o.m[i] += (gi - o.m[i]) * (1 - o.b1)
		o.v[i] += (gi*gi - o.v[i]) * (1 - o.b2)
		w[i] -= alpha * o.m[i] / (math.Sqrt(o.v[i]) + o.eps)
	}
}

// refSGD is Keras's SGD: w −= lr·g without momentum; else m = μm − lr·g and
// w += m, or w += μm − lr·g with Nesterov.
type refSGD struct {
	lr, mu   float64
	nesterov bool
	m        []float64
}

func (o *refSGD) update(w, g []float64, _ int) {
	if o.m == nil {
		o.m = make([]float64, len(w))
	}
	for i, gi := range g {
		switch {
		case o.mu == 0:
			w[i] -= o.lr * gi
		case o.nesterov:
			o.m[i] = o.mu*o.m[i] - o.lr*gi
			w[i] += o.mu*o.m[i] - o.lr*gi
		default:
			o.m[i] = o.mu*o.m[i] - o.lr*gi
			w[i] += o.m[i]
		}
	}
}

// refRMSprop is Keras's RMSprop: v = ρv + (1−ρ)g²; centered: a = ρa + (1−ρ)g
// and d = v − a² + ε, else d = v + ε; Δ = lr·g/√d; with momentum s = μs + Δ
// and w −= s, else w −= Δ.
type refRMSprop struct {
	lr, rho, mu, eps float64
	centered         bool
	v, a, s          []float64
}

func (o *refRMSprop) update(w, g []float64, _ int) {
	if o.v == nil {
		o.v, o.a, o.s = make([]float64, len(w)), make([]float64, len(w)), make([]float64, len(w))
	}
	for i, gi := range g {
		o.v[i] = o.rho*o.v[i] + (1-o.rho)*gi*gi
		d := o.v[i] + o.eps
		if o.centered {
			o.a[i] = o.rho*o.a[i] + (1-o.rho)*gi
			d = o.v[i] - o.a[i]*o.a[i] + o.eps
		}
		inc := o.lr * gi / math.Sqrt(d)
		if o.mu > 0 {
			o.s[i] = o.mu*o.s[i] + inc
			w[i] -= o.s[i]
		} else {
			w[i] -= inc
		}
	}
}

// refAdagrad is Keras's Adagrad: acc += g² (acc starts at init);
// w −= lr·g/√(acc + ε).
type refAdagrad struct {
	lr, init, eps float64
	acc           []float64
}

func (o *refAdagrad) update(w, g []float64, _ int) {
	if o.acc == nil {
		o.acc = make([]float64, len(w))
		for i := range o.acc {
			o.acc[i] = o.init
		}
	}
	for i, gi := range g {
		o.acc[i] += gi * gi
		w[i] -= o.lr * gi / math.Sqrt(o.acc[i]+o.eps)
	}
}

// trajectory returns the weights after each step of r.
func trajectory(r ref) [][]float64 {
	w := append([]float64(nil), w0...)
	var out [][]float64
	for t, g := range grads {
		r.update(w, g, t+1)
		out = append(out, append([]float64(nil), w...))
	}
	return out
}

// setGrad makes g the gradient of w (as Backward of Σ w⊙g does).
func setGrad(w *tensor.Tensor, g []float64) {
	w.ZeroGrad()
	gt := tensor.Zeros(w.Shape()...)
	for i, v := range g {
		gt.Data()[i] = float32(v)
	}
	tensor.Backward(w.Mul(gt).Sum())
}

func f32(x []float64) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v)
	}
	return out
}

// runSteps applies the five steps to a fresh weight with o and returns the
// weights after each step.
func runSteps(o optimizers.Optimizer) [][]float64 {
	w := tensor.FromSlice(f32(w0)).RequireGrad()
	ws := []*tensor.Tensor{w}
	o.Build(ws)
	var out [][]float64
	for _, g := range grads {
		setGrad(w, g)
		o.Apply(ws)
		row := make([]float64, w.Size())
		for i, v := range w.Data() {
			row[i] = float64(v)
		}
		out = append(out, row)
	}
	return out
}

// closeTo reports the first weight that differs from want by more than
// 1e-6·max(1, |want|).
func closeTo(got, want [][]float64) error {
	for s := range want {
		for i := range want[s] {
			if d := math.Abs(got[s][i] - want[s][i]); d > 1e-6*math.Max(1, math.Abs(want[s][i])) {
				return fmt.Errorf("step %d, weight %d: got %.9g, want %.9g (diff %.3g)", s+1, i, got[s][i], want[s][i], d)
			}
		}
	}
	return nil
}

// maxDiff is the largest difference between two trajectories.
func maxDiff(a, b [][]float64) float64 {
	var m float64
	for s := range a {
		for i := range a[s] {
			m = math.Max(m, math.Abs(a[s][i]-b[s][i]))
		}
	}
	return m
}

func TestUpdatesMatchKeras(t *testing.T) {
	cases := []struct {
		name string
		opt  optimizers.Optimizer
		ref  ref
	}{
		{"Adam/New", optimizers.NewAdam(), &refAdam{lr: 0.001, b1: 0.9, b2: 0.999, eps: 1e-7}},
		{"Adam/zero value", &optimizers.Adam{}, &refAdam{lr: 0.001, b1: 0.9, b2: 0.999, eps: 1e-7}},
		{"Adam/custom", &optimizers.Adam{LearningRate: 0.1, Beta1: 0.8, Beta2: 0.9, Epsilon: 0.1},
			&refAdam{lr: 0.1, b1: 0.8, b2: 0.9, eps: 0.1}},
		{"AdamW/New", optimizers.NewAdamW(), &refAdam{lr: 0.001, b1: 0.9, b2: 0.999, eps: 1e-7, wd: 0.004}},
		{"AdamW/zero value", &optimizers.AdamW{}, &refAdam{lr: 0.001, b1: 0.9, b2: 0.999, eps: 1e-7, wd: 0.004}},
		{"AdamW/custom", &optimizers.AdamW{Adam: optimizers.Adam{LearningRate: 0.1, Epsilon: 1e-3}, WeightDecay: 0.5},
			&refAdam{lr: 0.1, b1: 0.9, b2: 0.999, eps: 1e-3, wd: 0.5}},
		{"SGD/New", optimizers.NewSGD(), &refSGD{lr: 0.01}},
		{"SGD/zero value", &optimizers.SGD{}, &refSGD{lr: 0.01}},
		{"SGD/lr 0.1", &optimizers.SGD{LearningRate: 0.1}, &refSGD{lr: 0.1}},
		{"SGD/momentum", &optimizers.SGD{LearningRate: 0.1, Momentum: 0.9}, &refSGD{lr: 0.1, mu: 0.9}},
		{"SGD/Nesterov", &optimizers.SGD{LearningRate: 0.1, Momentum: 0.9, Nesterov: true}, &refSGD{lr: 0.1, mu: 0.9, nesterov: true}},
		{"RMSprop/New", optimizers.NewRMSprop(), &refRMSprop{lr: 0.001, rho: 0.9, eps: 1e-7}},
		{"RMSprop/zero value", &optimizers.RMSprop{}, &refRMSprop{lr: 0.001, rho: 0.9, eps: 1e-7}},
		{"RMSprop/custom", &optimizers.RMSprop{LearningRate: 0.1, Rho: 0.8, Epsilon: 0.1}, &refRMSprop{lr: 0.1, rho: 0.8, eps: 0.1}},
		{"RMSprop/momentum", &optimizers.RMSprop{LearningRate: 0.1, Momentum: 0.5}, &refRMSprop{lr: 0.1, rho: 0.9, mu: 0.5, eps: 1e-7}},
		{"RMSprop/centered", &optimizers.RMSprop{LearningRate: 0.1, Centered: true, Epsilon: 0.01}, &refRMSprop{lr: 0.1, rho: 0.9, eps: 0.01, centered: true}},
		{"RMSprop/centered momentum", &optimizers.RMSprop{LearningRate: 0.1, Centered: true, Momentum: 0.5},
			&refRMSprop{lr: 0.1, rho: 0.9, mu: 0.5, eps: 1e-7, centered: true}},
		{"Adagrad/New", optimizers.NewAdagrad(), &refAdagrad{lr: 0.001, init: 0.1, eps: 1e-7}},
		{"Adagrad/zero value", &optimizers.Adagrad{}, &refAdagrad{lr: 0.001, init: 0.1, eps: 1e-7}},
		{"Adagrad/custom", &optimizers.Adagrad{LearningRate: 0.1, InitialAccumulatorValue: 0.5, Epsilon: 0.1},
			&refAdagrad{lr: 0.1, init: 0.5, eps: 0.1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := runSteps(c.opt)
			if err := closeTo(got, trajectory(c.ref)); err != nil {
				t.Error(err)
			}
			if n := c.opt.Iterations(); n != len(grads) {
				t.Errorf("Iterations() = %d after %d steps", n, len(grads))
			}
		})
	}
}

// TestReferencesDiscriminate makes sure the tolerance of TestUpdatesMatchKeras
// separates Keras's formulas from close variants: ε outside the bias
// correction (PyTorch's Adam), ε outside the square root (RMSprop, Adagrad),
// momentum without Nesterov, and AdamW's decay left out.
func TestReferencesDiscriminate(t *testing.T) {
	// PyTorch's Adam: w −= lr·m̂/(√v̂ + ε) with m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ).
	torchAdam := func(lr, b1, b2, eps float64) [][]float64 {
		w := append([]float64(nil), w0...)
		m, v := make([]float64, len(w)), make([]float64, len(w))
		var out [][]float64
		for s, g := range grads {
			t := float64(s + 1)
			for i, gi := range g {
				m[i] = b1*m[i] + (1-b1)*gi
				v[i] = b2*v[i] + (1-b2)*gi*gi
				w[i] -= lr * (m[i] / (1 - math.Pow(b1, t))) / (math.Sqrt(v[i]/(1-math.Pow(b2, t))) + eps)
			}
			out = append(out, append([]float64(nil), w...))
		}
		return out
	}
	sqrtOutside := func(lr, eps float64) [][]float64 { // RMSprop with lr·g/(√v + ε)
		w := append([]float64(nil), w0...)
		v := make([]float64, len(w))
		var out [][]float64
		for _, g := range grads {
			for i, gi := range g {
				v[i] = 0.8*v[i] + 0.2*gi*gi
				w[i] -= lr * gi / (math.Sqrt(v[i]) + eps)
			}
			out = append(out, append([]float64(nil), w...))
		}
		return out
	}
	pairs := []struct {
		name string
		a, b [][]float64
	}{
		{"Adam ε-hat vs PyTorch", trajectory(&refAdam{lr: 0.1, b1: 0.8, b2: 0.9, eps: 0.1}), torchAdam(0.1, 0.8, 0.9, 0.1)},
		{"RMSprop ε inside vs outside √", trajectory(&refRMSprop{lr: 0.1, rho: 0.8, eps: 0.1}), sqrtOutside(0.1, 0.1)},
		{"SGD Nesterov vs momentum", trajectory(&refSGD{lr: 0.1, mu: 0.9, nesterov: true}), trajectory(&refSGD{lr: 0.1, mu: 0.9})},
		{"AdamW vs Adam", trajectory(&refAdam{lr: 0.1, b1: 0.9, b2: 0.999, eps: 1e-3, wd: 0.5}), trajectory(&refAdam{lr: 0.1, b1: 0.9, b2: 0.999, eps: 1e-3})},
		{"AdamW default decay", trajectory(&refAdam{lr: 0.001, b1: 0.9, b2: 0.999, eps: 1e-7, wd: 0.004}), trajectory(&refAdam{lr: 0.001, b1: 0.9, b2: 0.999, eps: 1e-7})},
		{"Adagrad initial accumulator", trajectory(&refAdagrad{lr: 0.001, init: 0.1, eps: 1e-7}), trajectory(&refAdagrad{lr: 0.001, eps: 1e-7})},
		{"RMSprop centered", trajectory(&refRMSprop{lr: 0.1, rho: 0.9, eps: 0.01, centered: true}), trajectory(&refRMSprop{lr: 0.1, rho: 0.9, eps: 0.01})},
	}
	for _, p := range pairs {
		if d := maxDiff(p.a, p.b); d < 1e-5 {
			t.Errorf("%s: trajectories differ by only %.3g; the comparison could not tell them apart", p.name, d)
		}
	}
}

// TestFirstSteps checks a few first-step values worked out by hand.
func TestFirstSteps(t *testing.T) {
	g := grads[0] // 0.5, −1.2, 0.03, 2.0
	cases := []struct {
		name string
		opt  optimizers.Optimizer
		want []float64
	}{
		// w − 0.01·g
		{"SGD", optimizers.NewSGD(), []float64{0.995, -0.488, 0.2497, 1.98}},
		// m = −0.1·g; w + m
		{"SGD momentum", &optimizers.SGD{LearningRate: 0.1, Momentum: 0.9}, []float64{0.95, -0.38, 0.247, 1.8}},
		// m = −0.1·g; w + 0.9·m − 0.1·g = w − 0.19·g
		{"SGD Nesterov", &optimizers.SGD{LearningRate: 0.1, Momentum: 0.9, Nesterov: true}, []float64{0.905, -0.272, 0.2443, 1.62}},
		// v = 0.1·g²; w − 0.001·g/√(0.1·g² + 1e-7) ≈ w − 0.001·sign(g)·√10
		{"RMSprop", optimizers.NewRMSprop(), []float64{
			1 - 0.001*0.5/math.Sqrt(0.1*0.25+1e-7),
			-0.5 + 0.001*1.2/math.Sqrt(0.1*1.44+1e-7),
			0.25 - 0.001*0.03/math.Sqrt(0.1*0.0009+1e-7),
			2 - 0.001*2/math.Sqrt(0.1*4+1e-7),
		}},
		// acc = 0.1 + g²; w − 0.001·g/√(acc + 1e-7)
		{"Adagrad", optimizers.NewAdagrad(), []float64{
			1 - 0.001*0.5/math.Sqrt(0.35+1e-7),
			-0.5 + 0.001*1.2/math.Sqrt(1.54+1e-7),
			0.25 - 0.001*0.03/math.Sqrt(0.1009+1e-7),
			2 - 0.001*2/math.Sqrt(4.1+1e-7),
		}},
		// m = 0.1·g, v = 0.001·g², α = 0.001·√0.001/0.1, so the step is
		// 0.001·g/(|g| + 1e-7/√0.001): lr·sign(g) to within ε.
		{"Adam", optimizers.NewAdam(), []float64{
			1 - 0.001*0.5/(0.5+1e-7/math.Sqrt(0.001)),
			-0.5 + 0.001*1.2/(1.2+1e-7/math.Sqrt(0.001)),
			0.25 - 0.001*0.03/(0.03+1e-7/math.Sqrt(0.001)),
			2 - 0.001*2/(2+1e-7/math.Sqrt(0.001)),
		}},
		// AdamW: w·(1 − 0.004·0.001) then the Adam step.
		{"AdamW", optimizers.NewAdamW(), []float64{
			1*(1-4e-6) - 0.001*0.5/(0.5+1e-7/math.Sqrt(0.001)),
			-0.5*(1-4e-6) + 0.001*1.2/(1.2+1e-7/math.Sqrt(0.001)),
			0.25*(1-4e-6) - 0.001*0.03/(0.03+1e-7/math.Sqrt(0.001)),
			2*(1-4e-6) - 0.001*2/(2+1e-7/math.Sqrt(0.001)),
		}},
	}
	for _, c := range cases {
		w := tensor.FromSlice(f32(w0)).RequireGrad()
		setGrad(w, g)
		c.opt.Apply([]*tensor.Tensor{w})
		got := make([]float64, w.Size())
		for i, v := range w.Data() {
			got[i] = float64(v)
		}
		if err := closeTo([][]float64{got}, [][]float64{c.want}); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

func TestDefaults(t *testing.T) {
	adam := optimizers.NewAdam()
	if adam.LearningRate != 0.001 || adam.Beta1 != 0.9 || adam.Beta2 != 0.999 || adam.Epsilon != 1e-7 {
		t.Errorf("NewAdam() = %+v", *adam)
	}
	adamw := optimizers.NewAdamW()
	if adamw.LearningRate != 0.001 || adamw.Beta1 != 0.9 || adamw.Beta2 != 0.999 || adamw.Epsilon != 1e-7 || adamw.WeightDecay != 0.004 {
		t.Errorf("NewAdamW() = %+v", *adamw)
	}
	sgd := optimizers.NewSGD()
	if sgd.LearningRate != 0.01 || sgd.Momentum != 0 || sgd.Nesterov {
		t.Errorf("NewSGD() = %+v", *sgd)
	}
	rms := optimizers.NewRMSprop()
	if rms.LearningRate != 0.001 || rms.Rho != 0.9 || rms.Momentum != 0 || rms.Epsilon != 1e-7 || rms.Centered {
		t.Errorf("NewRMSprop() = %+v", *rms)
	}
	ada := optimizers.NewAdagrad()
	if ada.LearningRate != 0.001 || ada.InitialAccumulatorValue != 0.1 || ada.Epsilon != 1e-7 {
		t.Errorf("NewAdagrad() = %+v", *ada)
	}
	// Zero values report Keras's default learning rates.
	for _, c := range []struct {
		opt optimizers.Optimizer
		lr  float64
	}{
		{&optimizers.Adam{}, 0.001}, {&optimizers.AdamW{}, 0.001}, {&optimizers.SGD{}, 0.01},
		{&optimizers.RMSprop{}, 0.001}, {&optimizers.Adagrad{}, 0.001},
	} {
		if got := c.opt.LR(); got != c.lr {
			t.Errorf("%T{}.LR() = %v, want %v", c.opt, got, c.lr)
		}
		c.opt.SetLR(0.25)
		if got := c.opt.LR(); got != 0.25 {
			t.Errorf("%T: LR() after SetLR(0.25) = %v", c.opt, got)
		}
	}
}

// TestSkipsWeightsWithoutGradient gives only the first of two weights a
// gradient: the second must not move (AdamW does not decay it either, as
// Keras filters out variables without gradients before the decay), and the
// first must follow the single-weight trajectory.
func TestSkipsWeightsWithoutGradient(t *testing.T) {
	for _, name := range []string{"adam", "adamw", "sgd", "rmsprop", "adagrad"} {
		t.Run(name, func(t *testing.T) {
			alone, _ := optimizers.Get(name)
			want := runSteps(alone)

			opt, _ := optimizers.Get(name)
			if name == "sgd" {
				opt.(*optimizers.SGD).Momentum = 0.9 // exercise the momentum state too
				alone = &optimizers.SGD{Momentum: 0.9}
				want = runSteps(alone)
			}
			w := tensor.FromSlice(f32(w0)).RequireGrad()
			idle := tensor.FromSlice([]float32{3, -4, 5}).RequireGrad()
			ws := []*tensor.Tensor{w, idle}
			opt.Build(ws)
			var got [][]float64
			for _, g := range grads {
				setGrad(w, g)
				opt.Apply(ws)
				row := make([]float64, w.Size())
				for i, v := range w.Data() {
					row[i] = float64(v)
				}
				got = append(got, row)
			}
			if idle.Grad() != nil {
				t.Fatal("the idle weight has a gradient; the test is broken")
			}
			if d := idle.Data(); d[0] != 3 || d[1] != -4 || d[2] != 5 {
				t.Errorf("weight without gradient changed to %v", d)
			}
			if err := closeTo(got, want); err != nil {
				t.Errorf("weight with gradient: %v", err)
			}
		})
	}
}

func TestIterations(t *testing.T) {
	for _, name := range optimizers.Names() {
		opt, _ := optimizers.Get(name)
		w := tensor.FromSlice([]float32{1, 2}).RequireGrad()
		ws := []*tensor.Tensor{w}
		opt.Build(ws)
		if opt.Iterations() != 0 {
			t.Errorf("%s: Iterations() = %d after Build", name, opt.Iterations())
		}
		for i := 1; i <= 3; i++ {
			setGrad(w, []float64{0.1, -0.1})
			opt.Apply(ws)
			if opt.Iterations() != i {
				t.Errorf("%s: Iterations() = %d after %d steps", name, opt.Iterations(), i)
			}
		}
		opt.Build(ws)
		if opt.Iterations() != 0 {
			t.Errorf("%s: Iterations() = %d after a second Build", name, opt.Iterations())
		}
	}
}

func TestGet(t *testing.T) {
	want := map[string]struct {
		typ string
		lr  float64
	}{
		"adam":    {"*optimizers.Adam", 0.001},
		"adamw":   {"*optimizers.AdamW", 0.001},
		"adagrad": {"*optimizers.Adagrad", 0.001},
		"rmsprop": {"*optimizers.RMSprop", 0.001},
		"sgd":     {"*optimizers.SGD", 0.01},
	}
	for name, w := range want {
		for _, spelled := range []string{name, strings.ToUpper(name)} {
			o, err := optimizers.Get(spelled)
			if err != nil {
				t.Errorf("Get(%q): %v", spelled, err)
				continue
			}
			if o.Name() != name {
				t.Errorf("Get(%q).Name() = %q, want %q", spelled, o.Name(), name)
			}
			if got := fmt.Sprintf("%T", o); got != w.typ {
				t.Errorf("Get(%q) is %s, want %s", spelled, got, w.typ)
			}
			if o.LR() != w.lr {
				t.Errorf("Get(%q).LR() = %v, want %v", spelled, o.LR(), w.lr)
			}
		}
	}
	a, _ := optimizers.Get("adam")
	b, _ := optimizers.Get("adam")
	if a == b {
		t.Error("Get returned the same optimizer twice")
	}
	names := optimizers.Names()
	for name := range want {
		found := false
		for _, n := range names {
			found = found || n == name
		}
		if !found {
			t.Errorf("Names() = %v lacks %q", names, name)
		}
	}
	for i := 1; i < len(names); i++ {
		if names[i-1] >= names[i] {
			t.Errorf("Names() not sorted: %v", names)
		}
	}
	_, err := optimizers.Get("no_such_optimizer")
	if !errors.Is(err, optimizers.ErrUnknownName) || !strings.Contains(err.Error(), `"no_such_optimizer"`) || !strings.Contains(err.Error(), "rmsprop") {
		t.Errorf("Get(unknown) error = %v, want ErrUnknownName naming the name and the known ones", err)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error(`Register("adam") twice did not panic`)
			}
		}()
		optimizers.Register("adam", func() optimizers.Optimizer { return optimizers.NewAdam() })
	}()
}
