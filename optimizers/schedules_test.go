package optimizers_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/tensor"
)

func TestScheduleRates(t *testing.T) {
	exp := optimizers.ExponentialDecay{InitialLearningRate: 0.1, DecaySteps: 10, DecayRate: 0.5}
	stair := exp
	stair.Staircase = true
	piece := optimizers.PiecewiseConstantDecay{Boundaries: []int{100000, 110000}, Values: []float64{1.0, 0.5, 0.1}}
	cos := optimizers.CosineDecay{InitialLearningRate: 1, DecaySteps: 10}
	cosAlpha := optimizers.CosineDecay{InitialLearningRate: 0.2, DecaySteps: 10, Alpha: 0.1}
	cases := []struct {
		name string
		s    optimizers.Schedule
		step int
		want float64
	}{
		// 0.1 · 0.5^(step/10)
		{"exponential", exp, 0, 0.1},
		{"exponential", exp, 5, 0.1 / math.Sqrt2},
		{"exponential", exp, 10, 0.05},
		{"exponential", exp, 25, 0.1 * 0.25 / math.Sqrt2},
		// 0.1 · 0.5^⌊step/10⌋
		{"staircase", stair, 5, 0.1},
		{"staircase", stair, 9, 0.1},
		{"staircase", stair, 10, 0.05},
		{"staircase", stair, 19, 0.05},
		{"staircase", stair, 25, 0.025},
		// Keras's example: 1.0 for the first 100001 steps (0 … 100000),
		// 0.5 for the next 10000, then 0.1.
		{"piecewise", piece, 0, 1.0},
		{"piecewise", piece, 100000, 1.0},
		{"piecewise", piece, 100001, 0.5},
		{"piecewise", piece, 110000, 0.5},
		{"piecewise", piece, 110001, 0.1},
		{"piecewise", piece, 1 << 40, 0.1},
		{"piecewise/constant", optimizers.PiecewiseConstantDecay{Values: []float64{0.3}}, 7, 0.3},
		// ½(1 + cos(π·step/10)), constant after step 10
		{"cosine", cos, 0, 1},
		{"cosine", cos, 3, 0.5 * (1 + math.Cos(0.3*math.Pi))}, // 0.7938926
		{"cosine", cos, 5, 0.5},
		{"cosine", cos, 10, 0},
		{"cosine", cos, 20, 0},
		// 0.2 · (0.9·½(1 + cos(π·step/10)) + 0.1)
		{"cosine/alpha", cosAlpha, 0, 0.2},
		{"cosine/alpha", cosAlpha, 5, 0.11},
		{"cosine/alpha", cosAlpha, 10, 0.02},
		{"cosine/alpha", cosAlpha, 100, 0.02},
	}
	for _, c := range cases {
		if got := c.s.Rate(c.step); math.Abs(got-c.want) > 1e-15 {
			t.Errorf("%s: Rate(%d) = %.17g, want %.17g", c.name, c.step, got, c.want)
		}
	}
}

func TestScheduleValidation(t *testing.T) {
	bad := []struct {
		name string
		s    optimizers.Schedule
	}{
		{"exponential/zero steps", optimizers.ExponentialDecay{InitialLearningRate: 0.1, DecayRate: 0.5}},
		{"exponential/negative steps", optimizers.ExponentialDecay{InitialLearningRate: 0.1, DecaySteps: -1, DecayRate: 0.5}},
		{"piecewise/too few values", optimizers.PiecewiseConstantDecay{Boundaries: []int{10, 20}, Values: []float64{1, 0.5}}},
		{"piecewise/too many values", optimizers.PiecewiseConstantDecay{Boundaries: []int{10}, Values: []float64{1, 0.5, 0.1}}},
		{"piecewise/not increasing", optimizers.PiecewiseConstantDecay{Boundaries: []int{10, 10}, Values: []float64{1, 0.5, 0.1}}},
		{"piecewise/empty", optimizers.PiecewiseConstantDecay{}},
		{"cosine/zero steps", optimizers.CosineDecay{InitialLearningRate: 0.1}},
	}
	for _, c := range bad {
		for what, f := range map[string]func(){
			"Rate":         func() { c.s.Rate(0) },
			"WithSchedule": func() { optimizers.WithSchedule(optimizers.NewSGD(), c.s) },
		} {
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("%s: %s did not panic", c.name, what)
					}
				}()
				f()
			}()
		}
	}
}

// step gives w the gradient g and applies one update.
func step(o optimizers.Optimizer, w *tensor.Tensor, g ...float64) {
	setGrad(w, g)
	o.Apply([]*tensor.Tensor{w})
}

func TestWithSchedule(t *testing.T) {
	// SGD, gradient 1: rates 0.1, 0.05, 0.025 → w = 1 − 0.175.
	opt := optimizers.WithSchedule(optimizers.NewSGD(), optimizers.ExponentialDecay{InitialLearningRate: 0.1, DecaySteps: 1, DecayRate: 0.5})
	if opt.Name() != "sgd" {
		t.Errorf("Name() = %q, want the inner optimizer's", opt.Name())
	}
	w := tensor.FromSlice([]float32{1}).RequireGrad()
	opt.Build([]*tensor.Tensor{w})
	for i, want := range []float64{0.9, 0.85, 0.825} {
		if lr := opt.LR(); math.Abs(lr-0.1*math.Pow(0.5, float64(i))) > 1e-15 {
			t.Errorf("before update %d: LR() = %v", i+1, lr)
		}
		step(opt, w, 1)
		if got := float64(w.Data()[0]); math.Abs(got-want) > 1e-6 {
			t.Errorf("after update %d: w = %v, want %v", i+1, got, want)
		}
	}
	if opt.Iterations() != 3 {
		t.Errorf("Iterations() = %d, want 3", opt.Iterations())
	}
	// SetLR does not outlast the next update.
	opt.SetLR(5)
	step(opt, w, 1)
	if got := float64(w.Data()[0]); math.Abs(got-(0.825-0.0125)) > 1e-6 {
		t.Errorf("after SetLR(5): w = %v, want %v", got, 0.825-0.0125)
	}
	// Build starts the schedule over.
	opt.Build([]*tensor.Tensor{w})
	if opt.LR() != 0.1 {
		t.Errorf("LR() after Build = %v, want 0.1", opt.LR())
	}
}

// TestWithScheduleMatchesManualRates compares scheduled optimizers with twins
// whose rate is set by hand before every update: the weights must agree bit
// for bit (AdamW's decay uses the scheduled rate too, as in Keras).
func TestWithScheduleMatchesManualRates(t *testing.T) {
	sched := optimizers.PiecewiseConstantDecay{Boundaries: []int{1, 3}, Values: []float64{0.1, 0.03, 0.01}}
	for _, name := range []string{"adam", "adamw", "sgd", "rmsprop", "adagrad"} {
		inner, _ := optimizers.Get(name)
		twin, _ := optimizers.Get(name)
		opt := optimizers.WithSchedule(inner, sched)
		a := tensor.FromSlice(f32(w0)).RequireGrad()
		b := tensor.FromSlice(f32(w0)).RequireGrad()
		for s, g := range grads {
			twin.SetLR(sched.Rate(s))
			step(opt, a, g...)
			step(twin, b, g...)
		}
		for i := range a.Data() {
			if a.Data()[i] != b.Data()[i] {
				t.Errorf("%s: weight %d: scheduled %v, by hand %v", name, i, a.Data()[i], b.Data()[i])
			}
		}
	}
}

// TestWithScheduleZeroRate checks that a rate of 0 stops the updates, as in
// Keras, although a zero LearningRate field means the default.
func TestWithScheduleZeroRate(t *testing.T) {
	for _, name := range []string{"adam", "adamw", "sgd", "rmsprop", "adagrad"} {
		inner, _ := optimizers.Get(name)
		opt := optimizers.WithSchedule(inner, optimizers.CosineDecay{InitialLearningRate: 0.1, DecaySteps: 2})
		w := tensor.FromSlice([]float32{1, -1}).RequireGrad()
		step(opt, w, 0.5, 0.5) // rate 0.1
		step(opt, w, 0.5, 0.5) // rate 0.05
		before := append([]float32(nil), w.Data()...)
		if opt.LR() != 0 {
			t.Errorf("%s: LR() = %v at the end of the decay, want 0", name, opt.LR())
		}
		step(opt, w, 0.5, 0.5) // rate 0
		step(opt, w, 0.5, 0.5) // rate 0
		if w.Data()[0] != before[0] || w.Data()[1] != before[1] {
			t.Errorf("%s: rate 0 moved the weights from %v to %v", name, before, w.Data())
		}
		if opt.Iterations() != 4 {
			t.Errorf("%s: Iterations() = %d, want 4", name, opt.Iterations())
		}
	}
}

func ExampleExponentialDecay() {
	s := optimizers.ExponentialDecay{InitialLearningRate: 0.1, DecaySteps: 1000, DecayRate: 0.96, Staircase: true}
	for _, step := range []int{0, 999, 1000, 2500} {
		fmt.Printf("step %4d: %.5f\n", step, s.Rate(step))
	}
	// Output:
	// step    0: 0.10000
	// step  999: 0.10000
	// step 1000: 0.09600
	// step 2500: 0.09216
}

func ExampleWithSchedule() {
	opt := optimizers.WithSchedule(optimizers.NewSGD(),
		optimizers.PiecewiseConstantDecay{Boundaries: []int{1}, Values: []float64{0.1, 0.01}})
	w := tensor.FromSlice([]float32{1}).RequireGrad()
	for i := 0; i < 3; i++ {
		lr := opt.LR()
		w.ZeroGrad()
		tensor.Backward(w.Sum()) // gradient 1
		opt.Apply([]*tensor.Tensor{w})
		fmt.Printf("update %d: lr %.2f, w %.2f\n", opt.Iterations(), lr, w.Data()[0])
	}
	// Output:
	// update 1: lr 0.10, w 0.90
	// update 2: lr 0.10, w 0.80
	// update 3: lr 0.01, w 0.79
}
