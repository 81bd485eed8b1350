package models_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/tensor"
)

// TestEmbeddingModel trains a bag-of-embeddings classifier on a task it
// can learn (is token 1 among the five?) and checks that a bad index in
// Predict's data is an error, not a panic.
func TestEmbeddingModel(t *testing.T) {
	m := models.NewSequential(
		&layers.Input{Shape: []int{5}},
		&layers.Embedding{InputDim: 8, OutputDim: 4},
		&layers.GlobalAveragePooling1D{},
		&layers.Dense{Units: 1, Activation: activations.Sigmoid},
	)
	m.Out = &bytes.Buffer{}
	m.SetSeed(1)
	err := m.Compile(models.CompileConfig{Optimizer: &optimizers.Adam{LearningRate: 0.05}, Loss: losses.BinaryCrossentropy{}, Metrics: []metrics.Metric{metrics.NewBinaryAccuracy()}})
	if err != nil {
		t.Fatal(err)
	}
	n := 256
	x, y := tensor.Zeros(n, 5), tensor.Zeros(n, 1)
	for i := range n {
		for j := range 5 {
			x.Data()[i*5+j] = float32(2 + (i*3+j*5)%6)
		}
		if i%2 == 0 {
			x.Data()[i*5+i%5] = 1
			y.Data()[i] = 1
		}
	}
	h, err := m.Fit(x, y, models.FitConfig{Epochs: 30, BatchSize: 32, Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	if acc := h.History["binary_accuracy"]; acc[len(acc)-1] < 0.95 {
		t.Errorf("accuracy %v after 30 epochs, want >= 0.95", acc[len(acc)-1])
	}
	x.Data()[7] = 8.5
	if _, err := m.Predict(x, models.PredictConfig{Verbose: models.Silent}); err == nil || !strings.Contains(err.Error(), "holds 8.5, not an index in [0, 8)") {
		t.Errorf("Predict with index 8.5: error %v", err)
	}
}
