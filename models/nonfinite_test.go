package models_test

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/initializers"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/tensor"
)

// divergingModel is y = w·x with w = 1, trained by SGD with learning rate
// 10 on MSE with x = 1, y = 0: the loss is w², its gradient 2w, and each
// step multiplies w by 1 − 10·2 = −19. Step k (from 1) sees w = (−19)^(k−1)
// and the loss 19^(2(k−1)), which is finite in float32 up to k = 16
// (19^30 ≈ 2.3e38) and +Inf at k = 17 (19^32 ≈ 8.3e40 > 3.4e38).
func divergingModel(t *testing.T) *models.Sequential {
	m := models.NewSequential(&layers.Dense{Units: 1, NoBias: true, KernelInitializer: initializers.Constant{Value: 1}, InputShape: []int{1}})
	m.Out = &bytes.Buffer{}
	if err := m.Compile(models.CompileConfig{Optimizer: &optimizers.SGD{LearningRate: 10}, Loss: losses.MeanSquaredError{}}); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestFitStopsOnNonFiniteLoss(t *testing.T) {
	x, y := tensor.Full(1, 20, 1), tensor.Zeros(20, 1)
	m := divergingModel(t)
	_, err := m.Fit(x, y, models.FitConfig{BatchSize: 1, Verbose: models.Silent, NoShuffle: true})
	var nf *models.NonFiniteError
	if !errors.As(err, &nf) {
		t.Fatalf("error %v, want a *NonFiniteError", err)
	}
	if nf.Epoch != 1 || nf.Step != 17 || !math.IsInf(nf.Loss, 1) {
		t.Errorf("stopped at epoch %d step %d with loss %v, want epoch 1, step 17, +Inf", nf.Epoch, nf.Step, nf.Loss)
	}
	if want := "models: fit: epoch 1/1, step 17/20: the loss is +Inf"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q, want it to contain %q", err, want)
	}
	// Keras's behaviour, on request: training goes on, on NaN; after 40
	// steps w = (−19)^39 has overflowed too.
	x, y = tensor.Full(1, 40, 1), tensor.Zeros(40, 1)
	m = divergingModel(t)
	h, err := m.Fit(x, y, models.FitConfig{BatchSize: 1, Verbose: models.Silent, NoShuffle: true, ContinueOnNaN: true})
	if err != nil {
		t.Fatalf("ContinueOnNaN: %v", err)
	}
	if l := h.History["loss"][0]; !math.IsNaN(l) && !math.IsInf(l, 0) {
		t.Errorf("ContinueOnNaN: loss %v, want it not finite", l)
	}
	// Predict and Evaluate refuse the diverged weights.
	if _, err := m.Predict(x, models.PredictConfig{Verbose: models.Silent}); !errors.As(err, &nf) || !strings.Contains(err.Error(), "models: predict: weight dense/kernel[0] is") {
		t.Errorf("Predict on diverged weights: error %v", err)
	}
	if _, err := m.Evaluate(x, y, models.EvaluateConfig{Verbose: models.Silent}); !errors.As(err, &nf) || !strings.Contains(err.Error(), "models: evaluate: weight dense/kernel[0] is") {
		t.Errorf("Evaluate on diverged weights: error %v", err)
	}
}

// TestFitStopsOnOverflowingInputs: finite inputs of 3e38 overflow the
// first step's outputs (3e38 times a weight of 1, squared).
func TestFitStopsOnOverflowingInputs(t *testing.T) {
	m := divergingModel(t)
	_, err := m.Fit(tensor.Full(3e38, 4, 1), tensor.Zeros(4, 1), models.FitConfig{BatchSize: 2, Verbose: models.Silent})
	var nf *models.NonFiniteError
	if !errors.As(err, &nf) || nf.Step != 1 || nf.Epoch != 1 {
		t.Errorf("error %v, want a *NonFiniteError at epoch 1, step 1", err)
	}
}
