package models_test

import (
	"math"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
)

// TestFitFinalizesEMA checks Keras's finalize_variable_values: after Fit
// with use_ema, the weights are the optimizer's moving average, not the
// last step's weights, and they differ from a run without the EMA.
func TestFitFinalizesEMA(t *testing.T) {
	x, y := blobs(3, 200, 6, 3)
	run := func(p optimizers.Options) (*models.Sequential, optimizers.Optimizer) {
		m := mlp(6, 8, 3)
		m.SetSeed(1)
		opt, err := optimizers.WithOptions(optimizers.NewAdam(), p)
		if err != nil {
			t.Fatal(err)
		}
		compileAdam(t, m, opt)
		if _, err := m.Fit(x, y, models.FitConfig{Epochs: 2, Verbose: models.Silent}); err != nil {
			t.Fatal(err)
		}
		return m, opt
	}
	plain, _ := run(optimizers.Options{GradientAccumulationSteps: 2})
	ema, opt := run(optimizers.Options{GradientAccumulationSteps: 2, UseEMA: true, EMAMomentum: 0.9})
	st, err := opt.(optimizers.Stateful).State()
	if err != nil {
		t.Fatal(err)
	}
	if st.Slots[0].Name != "average" || st.Slots[1].Name != "gradient_accumulator" {
		t.Fatalf("slots %v", st.Slots)
	}
	differs := false
	for i, w := range ema.Weights() {
		for j, v := range w.Data() {
			if math.Float32bits(v) != math.Float32bits(st.Slots[0].Values[i][j]) {
				t.Fatalf("weight %d[%d] = %v after Fit, its average is %v", i, j, v, st.Slots[0].Values[i][j])
			}
			if v != plain.Weights()[i].Data()[j] {
				differs = true
			}
		}
	}
	if !differs {
		t.Error("the EMA run ended with the plain run's weights")
	}
	if got := opt.Iterations(); got != 14 { // 2 epochs of ceil(200/32) = 7 steps
		t.Errorf("iterations = %d, want 14 (every step counts)", got)
	}
}

func TestCompileRefusesBadOptions(t *testing.T) {
	for _, c := range []struct {
		p    optimizers.Options
		want string
	}{
		{optimizers.Options{ClipNorm: -1}, "clipnorm must be > 0 and finite, got -1"},
		{optimizers.Options{ClipNorm: 1, GlobalClipNorm: 1}, "only one of clipnorm"},
		{optimizers.Options{GradientAccumulationSteps: 1}, "gradient_accumulation_steps must be an integer >= 2, got 1"},
		{optimizers.Options{EMAMomentum: 0.5}, "need use_ema"},
		{optimizers.Options{UseEMA: true, EMAMomentum: math.NaN()}, "ema_momentum must be in [0, 1], got NaN"},
		{optimizers.Options{WeightDecay: math.Inf(1)}, "weight_decay must be >= 0 and finite, got +Inf"},
	} {
		_, err := optimizers.WithOptions(optimizers.NewAdam(), c.p)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.p, err, c.want)
		}
	}
	if _, err := optimizers.WithOptions(optimizers.NewAdamW(), optimizers.Options{WeightDecay: 0.1}); err == nil || !strings.Contains(err.Error(), "AdamW.WeightDecay") {
		t.Errorf("AdamW with Options.WeightDecay: %v", err)
	}
}
