package optimizers_test

import (
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/tensor"
)

// TestTrajectoriesMatchKerasFormulas runs Nadam, Adamax, Adadelta, Lion and
// Ftrl for 8 steps and compares every step's weights with
// testdata/keras_trajectories.json, made by testdata/gen/optimizers_keras.py
// from Keras 3's update_step transcribed in NumPy float32. Each optimizer
// is made from its Keras config, so the config keys are checked too.
func TestTrajectoriesMatchKerasFormulas(t *testing.T) {
	b, err := os.ReadFile("testdata/keras_trajectories.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		W0    []float32   `json:"w0"`
		Grads [][]float64 `json:"grads"`
		Cases []struct {
			Optimizer string             `json:"optimizer"`
			Config    map[string]float64 `json:"config"`
			Weights   [][]float64        `json:"weights"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, c := range doc.Cases {
		def, err := optimizers.Get(c.Optimizer)
		if err != nil {
			t.Fatal(err)
		}
		// The defaults' config, with the case's values over it.
		raw, err := optimizers.MarshalConfig(def)
		if err != nil {
			t.Fatal(err)
		}
		var saved struct {
			ClassName string         `json:"class_name"`
			Config    map[string]any `json:"config"`
		}
		if err := json.Unmarshal(raw, &saved); err != nil {
			t.Fatal(err)
		}
		for k, v := range c.Config {
			if _, ok := saved.Config[k]; !ok {
				t.Fatalf("%s: Keras key %q is not in our config %v", c.Optimizer, k, saved.Config)
			}
			saved.Config[k] = v
		}
		raw, _ = json.Marshal(saved)
		opt, err := optimizers.UnmarshalConfig(raw)
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		w := tensor.FromSlice(append([]float32(nil), doc.W0...), 6).RequireGrad()
		opt.Build([]*tensor.Tensor{w})
		worst := 0.0
		for step, g := range doc.Grads {
			setGrad(w, g)
			opt.Apply([]*tensor.Tensor{w})
			for j, want := range c.Weights[step] {
				d := math.Abs(float64(w.Data()[j]) - want)
				worst = max(worst, d)
				if d > 1e-6*max(1, math.Abs(want)) {
					t.Errorf("%s %v: step %d, weight %d: %v, want %v", c.Optimizer, c.Config, step+1, j, w.Data()[j], want)
				}
			}
		}
		t.Logf("%s %v: largest difference %.3g", c.Optimizer, c.Config, worst)
		seen[strings.ToLower(c.Optimizer)] = true
	}
	if len(seen) != 5 {
		t.Errorf("cases for %v", seen)
	}
}

// TestNewOptimizersResumeBitExact takes the state after 3 steps, gives it
// to a fresh optimizer (after a config round trip) and checks that both go
// on bit for bit, Nadam's running product included.
func TestNewOptimizersResumeBitExact(t *testing.T) {
	for _, name := range []string{"nadam", "adamax", "adadelta", "lion", "ftrl"} {
		a, _ := optimizers.Get(name)
		wa := tensor.FromSlice(f32(w0), 4).RequireGrad()
		a.Build([]*tensor.Tensor{wa})
		for _, g := range grads[:3] {
			setGrad(wa, g)
			a.Apply([]*tensor.Tensor{wa})
		}
		cfg, err := optimizers.MarshalConfig(a)
		if err != nil {
			t.Fatal(err)
		}
		b, err := optimizers.UnmarshalConfig(cfg)
		if err != nil {
			t.Fatal(err)
		}
		wb := tensor.FromSlice(append([]float32(nil), wa.Data()...), 4).RequireGrad()
		b.Build([]*tensor.Tensor{wb})
		st, _ := a.(optimizers.Stateful).State()
		if err := b.(optimizers.Stateful).SetState(st); err != nil {
			t.Fatal(err)
		}
		for _, g := range grads[3:] {
			setGrad(wa, g)
			a.Apply([]*tensor.Tensor{wa})
			setGrad(wb, g)
			b.Apply([]*tensor.Tensor{wb})
		}
		for j := range wa.Data() {
			if math.Float32bits(wa.Data()[j]) != math.Float32bits(wb.Data()[j]) {
				t.Errorf("%s: weight %d: resumed %v, uninterrupted %v", name, j, wb.Data()[j], wa.Data()[j])
			}
		}
	}
}

func TestNewOptimizersValidate(t *testing.T) {
	for _, c := range []struct {
		o    optimizers.Optimizer
		want string
	}{
		{&optimizers.Nadam{Beta1: 1}, "nadam: beta_1 must be in (0, 1), got 1"},
		{&optimizers.Adamax{Epsilon: -1}, "adamax: epsilon must be > 0"},
		{&optimizers.Adadelta{Rho: 2}, "adadelta: rho must be in (0, 1), got 2"},
		{&optimizers.Lion{Beta1: 1.5}, "lion: beta_1 must be in (0, 1], got 1.5"},
		{&optimizers.Ftrl{LearningRatePower: 0.5}, "ftrl: learning_rate_power must be <= 0"},
		{&optimizers.Ftrl{L1RegularizationStrength: -1}, "l1_regularization_strength must be >= 0"},
		{&optimizers.Nadam{LearningRate: math.NaN()}, "learning_rate must be > 0 and finite, got NaN"},
	} {
		if err := optimizers.Validate(c.o); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%T: %v, want %q", c.o, err, c.want)
		}
	}
	if err := optimizers.Validate(&optimizers.Lion{Beta1: 1}); err != nil {
		t.Errorf("Keras allows Lion's beta_1 = 1: %v", err)
	}
}

// TestApplyDoesNotAllocate checks that a steady-state step of every
// registered optimizer makes no heap allocation.
func TestApplyDoesNotAllocate(t *testing.T) {
	var opts []optimizers.Optimizer
	for _, name := range optimizers.Names() {
		o, _ := optimizers.Get(name)
		opts = append(opts, o)
	}
	opts = append(opts,
		mustOptions(optimizers.NewAdam(), optimizers.Options{ClipNorm: 1, UseEMA: true, EMAOverwriteFrequency: 3, GradientAccumulationSteps: 2, WeightDecay: 0.1}),
		mustOptions(optimizers.NewSGD(), optimizers.Options{GlobalClipNorm: 1}),
		mustOptions(&optimizers.Adam{AMSGrad: true}, optimizers.Options{ClipValue: 1}))
	for _, o := range opts {
		name := o.Name()
		ws := []*tensor.Tensor{tensor.FromSlice(f32(w0), 2, 2).RequireGrad(), tensor.FromSlice(f32(w0[:2]), 2).RequireGrad()}
		o.Build(ws)
		setGrad(ws[0], grads[0])
		setGrad(ws[1], grads[1][:2])
		o.Apply(ws)
		if a := testing.AllocsPerRun(20, func() { o.Apply(ws) }); a != 0 {
			t.Errorf("%s: a step allocates %v times, want 0", name, a)
		}
	}
}
