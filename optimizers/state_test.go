package optimizers_test

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/tensor"
)

func savableOptimizers() []optimizers.Optimizer {
	return []optimizers.Optimizer{
		optimizers.NewAdam(),
		&optimizers.Adam{LearningRate: 0.1, Beta1: 0.8, Beta2: 0.9, Epsilon: 0.1},
		optimizers.NewAdamW(),
		&optimizers.AdamW{Adam: optimizers.Adam{LearningRate: 0.1}, WeightDecay: 0.5},
		optimizers.NewSGD(),
		&optimizers.SGD{LearningRate: 0.1, Momentum: 0.9, Nesterov: true},
		optimizers.NewRMSprop(),
		&optimizers.RMSprop{LearningRate: 0.1, Momentum: 0.5, Centered: true, Rho: 0.8},
		optimizers.NewAdagrad(),
		&optimizers.Adagrad{LearningRate: 0.1, InitialAccumulatorValue: 0.5, Epsilon: 0.01},
		optimizers.WithSchedule(optimizers.NewAdam(), optimizers.ExponentialDecay{InitialLearningRate: 0.1, DecaySteps: 2, DecayRate: 0.5, Staircase: true}),
		optimizers.WithSchedule(optimizers.NewSGD(), optimizers.PiecewiseConstantDecay{Boundaries: []int{1, 3}, Values: []float64{0.1, 0.03, 0.01}}),
		optimizers.WithSchedule(optimizers.NewRMSprop(), optimizers.CosineDecay{InitialLearningRate: 0.1, DecaySteps: 4, Alpha: 0.1}),
		&optimizers.Adam{LearningRate: 0.05, AMSGrad: true},
		optimizers.NewAdafactor(),
		&optimizers.Adafactor{LearningRate: 0.5, Beta2Decay: -0.5, ClipThreshold: 0.5, NoRelativeStep: true},
		mustOptions(optimizers.NewAdam(), optimizers.Options{ClipNorm: 0.5, UseEMA: true, EMAOverwriteFrequency: 2, GradientAccumulationSteps: 3}),
		mustOptions(optimizers.WithSchedule(&optimizers.SGD{Momentum: 0.5}, optimizers.ExponentialDecay{InitialLearningRate: 0.1, DecaySteps: 2, DecayRate: 0.5}),
			optimizers.Options{GlobalClipNorm: 0.3, WeightDecay: 0.1, GradientAccumulationSteps: 2}),
		mustOptions(optimizers.NewAdamW(), optimizers.Options{ClipValue: 0.2, UseEMA: true, EMAMomentum: 0.5}),
	}
}

func mustOptions(o optimizers.Optimizer, p optimizers.Options) optimizers.Optimizer {
	o, err := optimizers.WithOptions(o, p)
	if err != nil {
		panic(err)
	}
	return o
}

// runWithRestore applies the first split test gradients with one
// optimizer, rebuilds it from its config and state, applies the rest with
// the rebuilt one and returns the weights.
func runWithRestore(t *testing.T, newOpt func() optimizers.Optimizer, split int) []float32 {
	t.Helper()
	w := tensor.FromSlice(f32(w0)).RequireGrad()
	ws := []*tensor.Tensor{w}
	a := newOpt()
	a.Build(ws)
	for _, g := range grads[:split] {
		step(a, w, g...)
	}
	cfg, err := optimizers.MarshalConfig(a)
	if err != nil {
		t.Fatal(err)
	}
	b, err := optimizers.UnmarshalConfig(cfg)
	if err != nil {
		t.Fatalf("%s: %v", cfg, err)
	}
	b.Build(ws)
	st, err := a.(optimizers.Stateful).State()
	if err != nil {
		t.Fatal(err)
	}
	if err := b.(optimizers.Stateful).SetState(st); err != nil {
		t.Fatal(err)
	}
	for _, g := range grads[split:] {
		step(b, w, g...)
	}
	return append([]float32(nil), w.Data()...)
}

// TestConfigAndStateRoundTrip saves each optimizer's config and state
// part-way and checks that the rebuilt optimizer continues exactly.
func TestConfigAndStateRoundTrip(t *testing.T) {
	for i := range savableOptimizers() {
		newOpt := func() optimizers.Optimizer { return savableOptimizers()[i] }
		want := runWithRestore(t, newOpt, len(grads)) // no restore needed
		for split := 0; split < len(grads); split++ {
			got := runWithRestore(t, newOpt, split)
			for j := range got {
				if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
					t.Errorf("%T (%d), restored after %d steps: weight %d = %v, want %v", newOpt(), i, split, j, got[j], want[j])
				}
			}
		}
		// Saving the rebuilt optimizer gives the same config.
		a := newOpt()
		cfg, _ := optimizers.MarshalConfig(a)
		b, _ := optimizers.UnmarshalConfig(cfg)
		cfg2, err := optimizers.MarshalConfig(b)
		if err != nil || string(cfg) != string(cfg2) {
			t.Errorf("config changed:\n%s\n%s", cfg, cfg2)
		}
	}
}

func TestKerasConfig(t *testing.T) {
	b, err := optimizers.MarshalConfig(optimizers.NewAdam())
	if err != nil {
		t.Fatal(err)
	}
	// Keras 3's Adam().get_config(), keys and values (adam.py and
	// base_optimizer.py), with None written as null.
	want := `{"class_name":"Adam","config":{"name":"adam","learning_rate":0.001,"weight_decay":null,"clipnorm":null,
		"global_clipnorm":null,"clipvalue":null,"use_ema":false,"ema_momentum":0.99,"ema_overwrite_frequency":null,
		"loss_scale_factor":null,"gradient_accumulation_steps":null,"beta_1":0.9,"beta_2":0.999,"epsilon":1e-07,"amsgrad":false}}`
	var got, exp any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(want), &exp); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, exp) {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	st, _ := optimizers.NewAdam().State()
	if len(st.Slots) != 2 || st.Slots[0].Name != "momentum" || st.Slots[1].Name != "velocity" {
		t.Errorf("Adam slots: %+v", st.Slots)
	}
}

func TestUnmarshalConfigRejects(t *testing.T) {
	cases := []struct{ in, want string }{
		{`{"class_name": "AdaBelief", "config": {}}`, `unknown optimizer class "AdaBelief"`},
		{`{"class_name": "Adam"}`, `config is missing`},
		{`{"class_name": "Adam", "config": {"learning_rate": 0.1, "beta_1": 0.9, "beta_1": 0.5}}`, `duplicate key "beta_1"`},
		{`{"class_name": "Adam", "config": {"learning_rate": 0.1, "nesterov": true}}`, `unknown key "nesterov"`},
		{`{"class_name": "Adam", "config": {"learning_rate": 0.1, "clipnorm": -1}}`, `clipnorm must be > 0 and finite, got -1`},
		{`{"class_name": "Adam", "config": {"learning_rate": 0.1, "clipnorm": 1, "clipvalue": 2}}`, `only one of clipnorm, clipvalue and global_clipnorm can be set`},
		{`{"class_name": "Adam", "config": {"learning_rate": 0.1, "loss_scale_factor": 128}}`, `loss_scale_factor 128 is not supported`},
		{`{"class_name": "Adam", "config": {"learning_rate": 0.1, "gradient_accumulation_steps": 1}}`, `gradient_accumulation_steps must be an integer >= 2, got 1`},
		{`{"class_name": "Adam", "config": {"learning_rate": 0.1, "use_ema": true, "ema_momentum": 2}}`, `ema_momentum must be in [0, 1], got 2`},
		{`{"class_name": "SGD", "config": {"learning_rate": 0.1, "weight_decay": -0.5}}`, `weight_decay must be >= 0 and finite, got -0.5`},
		{`{"class_name": "Adam", "config": {}}`, `learning_rate is missing`},
		{`{"class_name": "Adam", "config": {"learning_rate": "fast"}}`, `learning_rate: top level: want a number`},
		{`{"class_name": "Adam", "config": {"learning_rate": 0}}`, `learning_rate must be > 0 and finite, got 0`},
		{`{"class_name": "Adam", "config": {"learning_rate": 0.1, "beta_2": 1.5}}`, `beta_2 must be in (0, 1)`},
		{`{"class_name": "AdamW", "config": {"learning_rate": 0.1, "weight_decay": -1}}`, `weight_decay must be > 0`},
		{`{"class_name": "SGD", "config": {"learning_rate": 0.1, "momentum": 2}}`, `momentum must be in [0, 1]`},
		{`{"class_name": "RMSprop", "config": {"learning_rate": 0.1, "epsilon": 0}}`, `epsilon must be > 0`},
		{`{"class_name": "Adagrad", "config": {"learning_rate": 0.1, "initial_accumulator_value": -1}}`, `initial_accumulator_value must be > 0`},
		{`{"class_name": "SGD", "config": {"learning_rate": {"class_name": "Warmup", "config": {}}}}`, `unknown schedule class "Warmup"`},
		{`{"class_name": "SGD", "config": {"learning_rate": {"class_name": "ExponentialDecay", "config": {"initial_learning_rate": 0.1, "decay_rate": 0.5}}}}`, `DecaySteps must be > 0`},
		{`{"class_name": "SGD", "config": {"learning_rate": {"class_name": "PiecewiseConstantDecay", "config": {"boundaries": [1], "values": [1]}}}}`, `1 values for 1 boundaries`},
	}
	for _, c := range cases {
		_, err := optimizers.UnmarshalConfig([]byte(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s:\n got %v\nwant %q", c.in, err, c.want)
		}
	}
	_, err := optimizers.UnmarshalConfig([]byte(`{"class_name": "AdaBelief", "config": {}}`))
	if !errors.Is(err, optimizers.ErrUnknownName) {
		t.Errorf("unknown class does not wrap ErrUnknownName: %v", err)
	}
}

type customSchedule struct{}

func (customSchedule) Rate(int) float64 { return 0.1 }

func TestMarshalConfigRejects(t *testing.T) {
	if _, err := optimizers.MarshalConfig(optimizers.WithSchedule(optimizers.NewSGD(), customSchedule{})); err == nil || !strings.Contains(err.Error(), "customSchedule") {
		t.Errorf("custom schedule: %v", err)
	}
	if _, err := optimizers.MarshalConfig(&optimizers.SGD{LearningRate: math.NaN()}); err == nil {
		t.Errorf("NaN learning rate saved")
	}
}

func TestSetStateRejects(t *testing.T) {
	w := tensor.FromSlice([]float32{1, 2, 3}).RequireGrad()
	o := optimizers.NewAdam()
	o.Build([]*tensor.Tensor{w})
	cases := []struct {
		st   optimizers.State
		want string
	}{
		{optimizers.State{Iterations: -1, Slots: []optimizers.Slot{{"momentum", [][]float32{{1, 2, 3}}}, {"velocity", [][]float32{{1, 2, 3}}}}}, "iterations must be >= 0"},
		{optimizers.State{Slots: []optimizers.Slot{{"momentum", [][]float32{{1, 2, 3}}}}}, `want slots ["momentum", "velocity"], got ["momentum"]`},
		{optimizers.State{Slots: []optimizers.Slot{{"velocity", [][]float32{{1, 2, 3}}}, {"momentum", [][]float32{{1, 2, 3}}}}}, `want slots ["momentum", "velocity"]`},
		{optimizers.State{Slots: []optimizers.Slot{{"momentum", [][]float32{{1, 2}}}, {"velocity", [][]float32{{1, 2, 3}}}}}, `weight 0: 2 values, want 3`},
		{optimizers.State{Slots: []optimizers.Slot{{"momentum", nil}, {"velocity", [][]float32{{1, 2, 3}}}}}, `values for 0 weights`},
	}
	for _, c := range cases {
		if err := o.SetState(c.st); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want %q", err, c.want)
		}
	}
}
