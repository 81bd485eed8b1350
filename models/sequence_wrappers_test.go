package models_test

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/saving"
	"github.com/neuron-go/neuron/tensor"
)

// TestBidirectionalModel trains Embedding → Bidirectional(LSTM) →
// TimeDistributed(Dense) → GlobalAveragePooling1D → Dense on a task that
// needs the order of the tokens (does token 1 come before token 2?),
// checks the summary rows, and that a saved model loads to the same
// predictions.
func TestBidirectionalModel(t *testing.T) {
	m := models.NewSequential(
		&layers.Input{Shape: []int{6}},
		&layers.Embedding{InputDim: 6, OutputDim: 4},
		&layers.Bidirectional{Layer: &layers.LSTM{Units: 5, ReturnSequences: true}},
		&layers.TimeDistributed{Layer: &layers.Dense{Units: 3, Activation: activations.ReLU}},
		&layers.GlobalAveragePooling1D{},
		&layers.Dense{Units: 1, Activation: activations.Sigmoid},
	)
	out := &bytes.Buffer{}
	m.Out = out
	m.SetSeed(2)
	err := m.Compile(models.CompileConfig{Optimizer: &optimizers.Adam{LearningRate: 0.02}, Loss: losses.BinaryCrossentropy{}, Metrics: []metrics.Metric{metrics.NewBinaryAccuracy()}})
	if err != nil {
		t.Fatal(err)
	}
	n := 384
	x, y := tensor.Zeros(n, 6), tensor.Zeros(n, 1)
	for i := range n {
		row := x.Data()[i*6 : i*6+6]
		for j := range row {
			row[j] = float32(3 + (i*7+j*5)%3)
		}
		a, b := i%6, (i/6)%5
		if b >= a {
			b++
		}
		row[a], row[b] = 1, 2
		if a < b {
			y.Data()[i] = 1
		}
	}
	m.Summary()
	for _, row := range []string{"bidirectional (Bidirectional)", "(None, 6, 10)", "time_distributed", "(TimeDistributed)", "(None, 6, 3)"} {
		if !strings.Contains(out.String(), row) {
			t.Errorf("summary lacks %q:\n%s", row, out)
		}
	}
	// Bidirectional: 2 × (4·20 + 5·20 + 20) = 400; TimeDistributed: 10·3 + 3 = 33.
	if got, want := m.CountParams(), 24+400+33+4; got != want {
		t.Errorf("CountParams %d, want %d", got, want)
	}
	h, err := m.Fit(x, y, models.FitConfig{Epochs: 25, BatchSize: 32, Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	if acc := h.History["binary_accuracy"]; acc[len(acc)-1] < 0.95 {
		t.Errorf("accuracy %v after 25 epochs, want >= 0.95", acc[len(acc)-1])
	}
	path := filepath.Join(t.TempDir(), "bi.neuron")
	if err := saving.Save(m, path); err != nil {
		t.Fatal(err)
	}
	back, err := saving.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	p1, err := m.Predict(x, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	p2, err := back.Predict(x, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range p1.Data() {
		if p2.Data()[i] != v {
			t.Fatalf("prediction %d: %v after loading, %v before", i, p2.Data()[i], v)
		}
	}
}
