package bench

import (
	"io"
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/datasets/fashionmnist"
	"github.com/neuron-go/neuron/datasets/mnist"
	"github.com/neuron-go/neuron/internal/course"
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

func loadFashion(b *testing.B) (x, y, xt, yt *tensor.Tensor) {
	b.Helper()
	xTrain, yTrain, xTest, yTest, err := fashionmnist.LoadData()
	if err != nil {
		b.Skip(err)
	}
	return xTrain.Tensor().DivScalar(255), yTrain.Tensor(), xTest.Tensor().DivScalar(255), yTest.Tensor()
}

// BenchmarkFashionDNNEpoch is one epoch of the course's Fashion-MNIST DNN
// (Dropout, validation on the 10,000 test images).
func BenchmarkFashionDNNEpoch(b *testing.B) {
	x, y, xt, yt := loadFashion(b)
	m := course.FashionDNN()
	m.Out = io.Discard
	if err := course.Compile(m); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := m.Fit(x, y, models.FitConfig{Verbose: models.Silent, ValidationData: &models.Data{X: xt, Y: yt}}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/epoch")
}

// BenchmarkFashionCNNEpoch is one epoch of the course's Fashion-MNIST CNN
// (validation on the 10,000 test images). Limit it with -cnnsteps for a
// quick profile.
func BenchmarkFashionCNNEpoch(b *testing.B) {
	x, y, xt, yt := loadFashion(b)
	x, xt = x.Reshape(60000, 28, 28, 1), xt.Reshape(10000, 28, 28, 1)
	m := course.FashionCNN()
	m.Out = io.Discard
	if err := course.Compile(m); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := m.Fit(x, y, models.FitConfig{Verbose: models.Silent, ValidationData: &models.Data{X: xt, Y: yt}}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/epoch")
}

// BenchmarkFashionCNNBNEpoch is one epoch of the Fashion-MNIST CNN with a
// BatchNormalization after each convolution (validation on the test
// images).
func BenchmarkFashionCNNBNEpoch(b *testing.B) {
	x, y, xt, yt := loadFashion(b)
	x, xt = x.Reshape(60000, 28, 28, 1), xt.Reshape(10000, 28, 28, 1)
	m := course.FashionCNNBN()
	m.Out = io.Discard
	if err := course.Compile(m); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := m.Fit(x, y, models.FitConfig{Verbose: models.Silent, ValidationData: &models.Data{X: xt, Y: yt}}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/epoch")
}
