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

func loadMNIST(b testing.TB) (x, y, xt, yt *tensor.Tensor) {
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

func loadFashion(b testing.TB) (x, y, xt, yt *tensor.Tensor) {
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
// (validation on the 10,000 test images). For a quick profile of its
// steps, the training-step benchmarks of the models package
// (BenchmarkTrainStep) take milliseconds instead of an epoch.
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

// functional rebuilds a Sequential's layers as a functional model (Input,
// Apply, NewModel) with the same seed, compiled as the course compiles:
// the same computation through the graph network.
func functional(b testing.TB, seq *models.Sequential, in []int) *models.Model {
	x := models.Input(in, "")
	y := x
	for _, l := range seq.Layers() {
		y = models.Apply(l, y)
	}
	m, err := models.NewModel([]*models.Node{x}, []*models.Node{y})
	if err != nil {
		b.Fatal(err)
	}
	m.Out = io.Discard
	err = m.Compile(models.CompileConfig{Optimizer: optimizers.NewAdam(), Loss: losses.SparseCategoricalCrossentropy{},
		Metrics: []metrics.Metric{metrics.NewAccuracy()}})
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// fitEpochs runs b.N epochs of a functional model and reports s/epoch.
func fitEpochs(b *testing.B, m *models.Model, x, y models.Array, val *models.Data) {
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := m.Fit([]models.Array{x}, []models.Array{y}, models.FitConfig{Verbose: models.Silent, ValidationData: val}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/epoch")
}

// BenchmarkMNISTFunctionalEpoch is BenchmarkMNISTEpoch with the model
// built as a functional model.
func BenchmarkMNISTFunctionalEpoch(b *testing.B) {
	x, y, _, _ := loadMNIST(b)
	fitEpochs(b, functional(b, course.MNISTDNN(), []int{28, 28}), x, y, nil)
}

// BenchmarkFashionDNNFunctionalEpoch is BenchmarkFashionDNNEpoch with the
// model built as a functional model.
func BenchmarkFashionDNNFunctionalEpoch(b *testing.B) {
	x, y, xt, yt := loadFashion(b)
	fitEpochs(b, functional(b, course.FashionDNN(), []int{28, 28}), x, y, &models.Data{Inputs: []models.Array{xt}, Targets: []models.Array{yt}})
}

// BenchmarkFashionCNNFunctionalEpoch is BenchmarkFashionCNNEpoch with the
// model built as a functional model.
func BenchmarkFashionCNNFunctionalEpoch(b *testing.B) {
	x, y, xt, yt := loadFashion(b)
	x, xt = x.Reshape(60000, 28, 28, 1), xt.Reshape(10000, 28, 28, 1)
	fitEpochs(b, functional(b, course.FashionCNN(), []int{28, 28, 1}), x, y, &models.Data{Inputs: []models.Array{xt}, Targets: []models.Array{yt}})
}

// BenchmarkFashionResNetEpoch is one epoch of examples/fashion_resnet's
// residual network (validation on the 10,000 test images), the functional
// model that bench/peers/fashion_resnet.py builds in PyTorch.
func BenchmarkFashionResNetEpoch(b *testing.B) {
	x, y, xt, yt := loadFashion(b)
	x, xt = x.Reshape(60000, 28, 28, 1), xt.Reshape(10000, 28, 28, 1)
	m, err := course.FashionResNet(0)
	if err != nil {
		b.Fatal(err)
	}
	m.Out = io.Discard
	fitEpochs(b, m, x, y, &models.Data{Inputs: []models.Array{xt}, Targets: []models.Array{yt}})
}

// BenchmarkFashionResNetSteps is 200 training steps of the residual
// network at batch 32, for profiles.
func BenchmarkFashionResNetSteps(b *testing.B) {
	x, y, _, _ := loadFashion(b)
	x = x.Slice(0, 6400).Reshape(6400, 28, 28, 1)
	m, err := course.FashionResNet(0)
	if err != nil {
		b.Fatal(err)
	}
	m.Out = io.Discard
	fitEpochs(b, m, x, y.Slice(0, 6400), nil)
}

// rnnSteps is the number of training steps an RNN benchmark's epoch has.
const rnnSteps = 20

// rnnModel is the sequence workload of the recurrent benchmarks:
// Embedding(10000, 64) over sequences of 100 tokens, a recurrent layer of
// 64 units, Dense(1, sigmoid), trained with Adam on binary crossentropy in
// batches of 32 (bench/peers/rnn_step.py is the same in PyTorch).
func rnnModel(b *testing.B, rnn layers.Layer) (*models.Sequential, *tensor.Tensor, *tensor.Tensor) {
	m := models.NewSequential(
		&layers.Embedding{InputDim: 10000, OutputDim: 64, InputShape: []int{100}},
		rnn,
		&layers.Dense{Units: 1, Activation: activations.Sigmoid},
	)
	m.Out = io.Discard
	if err := m.Compile(models.CompileConfig{Optimizer: optimizers.NewAdam(), Loss: losses.BinaryCrossentropy{}}); err != nil {
		b.Fatal(err)
	}
	n := 32 * rnnSteps
	x, y := tensor.Zeros(n, 100), tensor.Zeros(n, 1)
	for i := range x.Data() {
		x.Data()[i] = float32((i*7919 + i/100*104729) % 10000)
	}
	for i := range y.Data() {
		y.Data()[i] = float32(i % 2)
	}
	return m, x, y
}

// rnnStep reports the mean time of a training step of rnnModel.
func rnnStep(b *testing.B, rnn layers.Layer) {
	m, x, y := rnnModel(b, rnn)
	cfg := models.FitConfig{Verbose: models.Silent, BatchSize: 32, NoShuffle: true}
	if _, err := m.Fit(x, y, cfg); err != nil { // build, allocate, warm up
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := m.Fit(x, y, cfg); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N*rnnSteps), "s/step")
}

// BenchmarkLSTMStep is a training step of Embedding(10000, 64) → LSTM(64)
// → Dense(1) on a batch of 32 sequences of 100 tokens.
func BenchmarkLSTMStep(b *testing.B) { rnnStep(b, &layers.LSTM{Units: 64}) }

// BenchmarkGRUStep is BenchmarkLSTMStep with GRU(64).
func BenchmarkGRUStep(b *testing.B) { rnnStep(b, &layers.GRU{Units: 64}) }

// encoderSteps is the number of training steps per epoch of
// BenchmarkTransformerEncoderStep.
const encoderSteps = 10

// encoderModel is a transformer encoder block classifying sequences of
// 128 steps of 128 features, batch 32 (bench/peers/transformer_step.py is
// the same in PyTorch). Keras original:
//
//	x = keras.Input((128, 128))
//	a = layers.MultiHeadAttention(num_heads=4, key_dim=32)(x, x)
//	h = layers.LayerNormalization(epsilon=1e-6)(layers.Add()([x, a]))
//	f = layers.Dense(128)(layers.Dense(512, activation="relu")(h))
//	h = layers.LayerNormalization(epsilon=1e-6)(layers.Add()([h, f]))
//	out = layers.Dense(2, activation="softmax")(layers.GlobalAveragePooling1D()(h))
func encoderModel(b *testing.B) (*models.Model, *tensor.Tensor, *tensor.Tensor) {
	const steps, dModel = 128, 128
	x := models.Input([]int{steps, dModel}, "x")
	a := models.Apply(&layers.MultiHeadAttention{NumHeads: 4, KeyDim: dModel / 4}, x, x)
	h := models.Apply(&layers.LayerNormalization{Epsilon: 1e-6}, models.Apply(&layers.Add{}, x, a))
	f := models.Apply(&layers.Dense{Units: dModel}, models.Apply(&layers.Dense{Units: 4 * dModel, Activation: activations.ReLU}, h))
	h = models.Apply(&layers.LayerNormalization{Epsilon: 1e-6}, models.Apply(&layers.Add{}, h, f))
	out := models.Apply(&layers.Dense{Units: 2, Activation: activations.Softmax}, models.Apply(&layers.GlobalAveragePooling1D{}, h))
	m, err := models.NewModel([]*models.Node{x}, []*models.Node{out})
	if err != nil {
		b.Fatal(err)
	}
	m.Out = io.Discard
	if err := m.Compile(models.CompileConfig{Optimizer: optimizers.NewAdam(), Loss: losses.SparseCategoricalCrossentropy{}}); err != nil {
		b.Fatal(err)
	}
	n := 32 * encoderSteps
	xs, ys := tensor.Zeros(n, steps, dModel), tensor.Zeros(n)
	for i := range xs.Data() {
		xs.Data()[i] = float32((i*7919)%1999)/1000 - 1
	}
	for i := range ys.Data() {
		ys.Data()[i] = float32(i % 2)
	}
	return m, xs, ys
}

// BenchmarkTransformerEncoderStep is a training step (forward, backward,
// Adam) of encoderModel: sequence 128, d_model 128, 4 heads, feed-forward
// 512, batch 32.
func BenchmarkTransformerEncoderStep(b *testing.B) {
	m, x, y := encoderModel(b)
	cfg := models.FitConfig{Verbose: models.Silent, BatchSize: 32, NoShuffle: true}
	if _, err := m.Fit([]models.Array{x}, []models.Array{y}, cfg); err != nil { // build, allocate, warm up
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := m.Fit([]models.Array{x}, []models.Array{y}, cfg); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N*encoderSteps), "s/step")
}
