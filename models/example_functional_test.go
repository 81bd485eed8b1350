package models_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/tensor"
)

// A functional model with one input and two outputs, a class and a
// number, sharing a trunk: Keras's
//
//	x = keras.Input(shape=(8,), name="features")
//	h = layers.Dense(16, activation="relu")(x)
//	cls = layers.Dense(3, activation="softmax")(h)
//	size = layers.Dense(1)(h)
//	model = keras.Model(x, [cls, size])
func ExampleNewModel() {
	x := models.Input([]int{8}, "features")
	h := models.Apply(&layers.Dense{Units: 16, Activation: activations.ReLU}, x)
	cls := models.Apply(&layers.Dense{Units: 3, Activation: activations.Softmax}, h)
	size := models.Apply(&layers.Dense{Units: 1}, h)
	model, err := models.NewModel([]*models.Node{x}, []*models.Node{cls, size})
	if err != nil {
		panic(err) // e.g. a layer applied to a tensor of the wrong shape
	}
	fmt.Println("outputs:", model.OutputNames())

	err = model.Compile(models.CompileConfig{
		Optimizer: optimizers.NewAdam(),
		OutputLosses: map[string]losses.Loss{
			"dense_1": losses.SparseCategoricalCrossentropy{},
			"dense_2": losses.MeanSquaredError{},
		},
		LossWeights:   map[string]float64{"dense_2": 0.5},
		OutputMetrics: map[string][]metrics.Metric{"dense_1": {metrics.NewAccuracy()}},
	})
	if err != nil {
		panic(err)
	}
	features, labels, sizes := tensor.Zeros(64, 8), tensor.Zeros(64), tensor.Zeros(64, 1)
	for i := range 64 {
		features.Data()[i*8+i%8] = 1
		labels.Data()[i] = float32(i % 3)
		sizes.Data()[i] = float32(i%8) / 8
	}
	history, err := model.Fit(
		[]models.Array{features},
		[]models.Array{labels, sizes},
		models.FitConfig{Epochs: 2, ValidationSplit: 0.25, Verbose: models.Silent},
	)
	if err != nil {
		panic(err)
	}
	fmt.Println("history:", history.Keys())

	pred, err := model.Predict([]models.Array{features.Slice(0, 2)}, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		panic(err)
	}
	fmt.Println("prediction shapes:", pred[0].Shape(), pred[1].Shape())
	// Output:
	// outputs: [dense_1 dense_2]
	// history: [dense_1_accuracy dense_1_loss dense_2_loss loss val_dense_1_accuracy val_dense_1_loss val_dense_2_loss val_loss]
	// prediction shapes: [2 3] [2 1]
}

// A shape error is reported when the layer is applied, naming the layer
// and the shapes, and NewModel returns it.
func ExampleApply_error() {
	img := models.Input([]int{28, 28}, "img")
	h := models.Apply(&layers.Conv2D{Filters: 8, KernelSize: [2]int{3, 3}}, img) // needs (h, w, channels)
	out := models.Apply(&layers.Dense{Units: 10}, models.Apply(&layers.Flatten{}, h))
	_, err := models.NewModel([]*models.Node{img}, []*models.Node{out})
	fmt.Println(err)
	// Output:
	// models: Conv2D applied to (None, 28, 28): layers: Conv2D: want examples of rank 3 (height, width, channels), got shape [28 28] (add Reshape{TargetShape: []int{28, 28, 1}} first for one channel)
}

// A custom training loop, as Keras's with tf.GradientTape: the forward
// pass (Model.Call), the loss, tensor.Backward for the gradients, one
// optimizer step, and a metric, written out by hand. Fit's training step
// is the same computation (without shuffling the two end with the same
// weights bit for bit), with batching, shuffling, callbacks and no
// allocation per step around it.
func Example_customTrainingLoop() {
	rng := rand.New(rand.NewPCG(1, 2))
	x, y := tensor.Zeros(256, 4), tensor.Zeros(256)
	for i := range 256 {
		var s float32
		for j := range 4 {
			v := float32(rng.NormFloat64())
			x.Data()[i*4+j] = v
			s += v
		}
		if s > 0 {
			y.Data()[i] = 1
		}
	}
	in := models.Input([]int{4}, "x")
	out := models.Apply(&layers.Dense{Units: 2, Activation: activations.Softmax}, models.Apply(&layers.Dense{Units: 8, Activation: activations.ReLU}, in))
	model, err := models.NewModel([]*models.Node{in}, []*models.Node{out})
	if err != nil {
		panic(err)
	}
	opt := &optimizers.Adam{LearningRate: 0.01, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7}
	opt.Build(model.Weights())
	lossFn := losses.SparseCategoricalCrossentropy{}
	acc := metrics.NewAccuracy()
	for epoch := range 20 {
		acc.Reset()
		for lo := 0; lo < 256; lo += 32 {
			xb, yb := x.Slice(lo, lo+32), y.Slice(lo, lo+32)
			pred := model.Call([]*tensor.Tensor{xb}, true)[0]
			loss := lossFn.Call(yb, pred)
			tensor.Backward(loss) // the gradients of the weights
			opt.Apply(model.Weights())
			for _, w := range model.Weights() {
				w.ZeroGrad()
			}
			acc.Update(yb, pred.Detach())
		}
		if epoch == 19 {
			fmt.Println("accuracy above 0.9:", acc.Result() > 0.9)
		}
	}
	// Output: accuracy above 0.9: true
}
