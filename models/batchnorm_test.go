package models_test

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/saving"
)

func batchNormCNN() *models.Sequential {
	m := models.NewSequential(
		&layers.Conv2D{Filters: 8, KernelSize: [2]int{3, 3}, Activation: activations.ReLU, InputShape: []int{28, 28, 1}},
		&layers.BatchNormalization{},
		&layers.MaxPooling2D{},
		&layers.GlobalAveragePooling2D{},
		&layers.Dense{Units: 16, Activation: activations.ReLU},
		&layers.BatchNormalization{Momentum: 0.9},
		&layers.Dense{Units: 10, Activation: activations.Softmax},
	)
	m.Out = &bytes.Buffer{}
	m.SetSeed(5)
	return m
}

// TestBatchNormalizationInModel trains a CNN with BatchNormalization:
// Fit moves the moving statistics (non-trainable weights that the
// optimizer leaves alone), the summary counts them as Keras does, and a
// saved model loads back to the same predictions and continues training
// to the same weights as training in one go.
func TestBatchNormalizationInModel(t *testing.T) {
	x, y := images(3, 64, true)
	m := batchNormCNN()
	compileAdam(t, m, optimizers.NewAdam())
	var sum bytes.Buffer
	if err := m.SummaryTo(&sum, 0); err != nil {
		t.Fatal(err)
	}
	// Conv2D 8·9+8 = 80, BN 4·8 = 32, Dense 8·16+16 = 144, BN 4·16 = 64,
	// Dense 16·10+10 = 170: 490 in all, of which 2·8+2·16 = 48 are the
	// moving statistics.
	for _, want := range []string{"batch_normalization ", "(BatchNormalization)", "batch_normalization_1", "global_average_pooling2d", "Total params: 490 (1.91 KB)", "Trainable params: 442 (1.73 KB)", "Non-trainable params: 48 (192.00 B)"} {
		if !strings.Contains(sum.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, sum.String())
		}
	}
	bn := m.Layers()[1].(*layers.BatchNormalization)
	fit := models.FitConfig{Epochs: 2, BatchSize: 16, Verbose: models.Silent}
	if _, err := m.Fit(x, y, fit); err != nil {
		t.Fatal(err)
	}
	ws := bn.Weights()
	if mm := ws[2].Value.Data(); mm[0] == 0 && mm[1] == 0 {
		t.Errorf("moving_mean did not move: %v", mm)
	}
	if mv := ws[3].Value.Data(); mv[0] == 1 && mv[1] == 1 {
		t.Errorf("moving_variance did not move: %v", mv)
	}
	path := filepath.Join(t.TempDir(), "bn.safetensors")
	if err := saving.Save(m, path); err != nil {
		t.Fatal(err)
	}
	got, err := saving.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	got.Out = &bytes.Buffer{}
	p1, err := m.Predict(x, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	p2, err := got.Predict(x, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	if i := sameBits(p1.Data(), p2.Data()); i >= 0 {
		t.Errorf("loaded model: prediction %d differs", i)
	}

	ref := batchNormCNN()
	compileAdam(t, ref, optimizers.NewAdam())
	fit.Epochs = 4
	if _, err := ref.Fit(x, y, fit); err != nil {
		t.Fatal(err)
	}
	fit.InitialEpoch = 2
	if _, err := got.Fit(x, y, fit); err != nil {
		t.Fatal(err)
	}
	if a, b := weightsSHA256(ref), weightsSHA256(got); a != b {
		t.Errorf("continued training differs from training in one go")
	}
}
