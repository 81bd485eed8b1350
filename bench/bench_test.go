package bench

import (
	"io"
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/datasets/mnist"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/tensor"
)

func loadMNIST(b *testing.B) (x, y, xt, yt *tensor.Tensor) {
	b.Helper()
	xTrain, yTrain, xTest, yTest, err := mnist.LoadData()
	if err != nil {
		b.Skip(err)
	}
	return xTrain.Tensor(), yTrain.Tensor(), xTest.Tensor(), yTest.Tensor()
}

func mnistModel(b *testing.B) *models.Sequential {
	m := models.NewSequential(
		&layers.Flatten{InputShape: []int{28, 28}},
		&layers.Dense{Units: 256, Activation: activations.ReLU},
		&layers.Dense{Units: 10, Activation: activations.Softmax},
	)
	m.Out = io.Discard
	err := m.Compile(models.CompileConfig{Optimizer: optimizers.NewAdam(), Loss: losses.SparseCategoricalCrossentropy{},
		Metrics: []metrics.Metric{metrics.NewAccuracy()}})
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// BenchmarkMNISTEpoch is one epoch of the course's MNIST program (raw
// pixels, batch 32, 1875 steps).
func BenchmarkMNISTEpoch(b *testing.B) {
	x, y, _, _ := loadMNIST(b)
	m := mnistModel(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := m.Fit(x, y, models.FitConfig{Verbose: models.Silent}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Seconds())/float64(b.N), "s/epoch")
}

// BenchmarkMNISTPredict predicts the 10,000 test images at batch 1024.
func BenchmarkMNISTPredict(b *testing.B) {
	_, _, xt, _ := loadMNIST(b)
	m := mnistModel(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := m.Predict(xt, models.PredictConfig{BatchSize: 1024, Verbose: models.Silent}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(10000*b.N)/b.Elapsed().Seconds(), "images/s")
}
