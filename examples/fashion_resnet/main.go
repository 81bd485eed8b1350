// Command fashion_resnet trains a small residual network on Fashion-MNIST,
// built with the functional API: a convolution, then two residual blocks
// in which the input of the block skips over two convolutions and is added
// back to their output (layers.Add), as in ResNet; it is validated on the
// test set every epoch.
//
// In Keras it is:
//
//	inputs = keras.Input(shape=(28, 28, 1))
//	x = layers.Conv2D(32, 3, activation="relu")(inputs)
//	x = layers.MaxPooling2D(2)(x)
//	def residual_block(x):
//	    y = layers.Conv2D(32, 3, padding="same", activation="relu")(x)
//	    y = layers.Conv2D(32, 3, padding="same")(y)
//	    return layers.Activation("relu")(layers.Add()([x, y]))
//	x = residual_block(x)
//	x = layers.MaxPooling2D(2)(x)
//	x = residual_block(x)
//	x = layers.GlobalAveragePooling2D()(x)
//	outputs = layers.Dense(10, activation="softmax")(x)
//	model = keras.Model(inputs, outputs, name="resnet")
//	model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
//	model.fit(X_train / 255.0, y_train, validation_data=(X_test / 255.0, y_test), epochs=5)
//
// Usage:
//
//	go run ./examples/fashion_resnet [-epochs 5] [-batch-size 32] [-seed 0] [-scale=true] [-verbose 1] [-validation-split 0]
//	                        [-save model.safetensors] [-backup DIR [-backup-every 100]] [-limit N]
//	go run ./examples/fashion_resnet -load model.safetensors
//
// The flags are those of the course's programs: -save writes the trained
// model to one file, -load evaluates a saved model instead of training one,
// and -backup makes training survive an interruption.
package main

import (
	"fmt"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/datasets/fashionmnist"
	"github.com/neuron-go/neuron/internal/course"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
)

func main() {
	opts := course.ParseFlags("fashion_resnet", 5, true, true)
	if err := run(opts); err != nil {
		course.Fail("fashion_resnet", err)
	}
}

func run(o course.Options) error {
	xTrain, yTrain, xTest, yTest, err := fashionmnist.LoadData()
	if err != nil {
		return err
	}
	classes := fashionmnist.ClassNames
	xTrain = xTrain.Reshape(60000, 28, 28, 1)
	xTest = xTest.Reshape(10000, 28, 28, 1)
	xTrain, yTrain, xTest, yTest = o.Rows(xTrain), o.Rows(yTrain), o.Rows(xTest), o.Rows(yTest)
	var x, xt models.Array = xTrain, xTest
	if o.Scale {
		x, xt = xTrain.DivScalar(255), xTest.DivScalar(255) // X_train / 255.0, a batch at a time
	}

	var model *models.Model
	if o.Load != "" {
		if model, err = o.LoadFunctional(compile); err != nil {
			return err
		}
		model.Summary()
	} else if model, err = train(o, x, yTrain, xt, yTest); err != nil {
		return err
	}
	scores, err := model.Evaluate([]models.Array{xt}, []models.Array{yTest}, models.EvaluateConfig{Verbose: o.Verbose})
	if err != nil {
		return err
	}
	pred, err := model.Predict([]models.Array{xt}, models.PredictConfig{Verbose: o.Verbose})
	if err != nil {
		return err
	}
	guess := pred[0].Row(1).ArgMax()[0]
	fmt.Printf("pred[1]: %.4f\n", pred[0].Row(1).Data())
	fmt.Printf("predicted: %s - true: %s\n", classes[guess], classes[yTest.Data[1]])
	course.ReportTest(scores)
	return nil
}

// residualBlock is two 3×3 convolutions that keep the height, width and
// channels of x, whose output is added to x itself (the skip connection)
// before the ReLU: ResNet's basic block, without batch normalization.
func residualBlock(x *models.Node, filters int) *models.Node {
	k3 := [2]int{3, 3}
	y := models.Apply(&layers.Conv2D{Filters: filters, KernelSize: k3, Padding: "same", Activation: activations.ReLU}, x)
	y = models.Apply(&layers.Conv2D{Filters: filters, KernelSize: k3, Padding: "same"}, y)
	return models.Apply(&layers.Activation{Activation: activations.ReLU}, models.Apply(&layers.Add{}, x, y))
}

// build makes the residual network; an error says which layer got which
// shape.
func build(seed uint64) (*models.Model, error) {
	p2 := [2]int{2, 2}
	inputs := models.Input([]int{28, 28, 1}, "")
	x := models.Apply(&layers.Conv2D{Filters: 32, KernelSize: [2]int{3, 3}, Activation: activations.ReLU}, inputs)
	x = models.Apply(&layers.MaxPooling2D{PoolSize: p2}, x) // (13, 13, 32)
	x = residualBlock(x, 32)
	x = models.Apply(&layers.MaxPooling2D{PoolSize: p2}, x) // (6, 6, 32)
	x = residualBlock(x, 32)
	x = models.Apply(&layers.GlobalAveragePooling2D{}, x)
	outputs := models.Apply(&layers.Dense{Units: 10, Activation: activations.Softmax}, x)
	model, err := models.NewModel([]*models.Node{inputs}, []*models.Node{outputs})
	if err != nil {
		return nil, err
	}
	model.Name = "resnet"
	model.SetSeed(seed)
	return model, nil
}

// compile compiles the model as the course compiles its programs.
func compile(m *models.Model) error {
	return m.Compile(models.CompileConfig{
		Optimizer: optimizers.NewAdam(),
		Loss:      losses.SparseCategoricalCrossentropy{},
		Metrics:   []metrics.Metric{metrics.NewAccuracy()},
	})
}

// train builds, compiles and trains the network, validating on the test set
// unless -validation-split is given, and saves it with -save.
func train(o course.Options, x, y, xt, yt models.Array) (*models.Model, error) {
	model, err := build(o.Seed)
	if err != nil {
		return nil, err
	}
	if err := compile(model); err != nil {
		return nil, err
	}
	model.Summary()
	fit := models.FitConfig{Epochs: o.Epochs, BatchSize: o.BatchSize, Verbose: o.Verbose, Callbacks: o.Callbacks()}
	if o.ValidationSplit > 0 {
		fit.ValidationSplit = o.ValidationSplit
	} else {
		fit.ValidationData = &models.Data{Inputs: []models.Array{xt}, Targets: []models.Array{yt}}
	}
	if _, err := model.Fit([]models.Array{x}, []models.Array{y}, fit); err != nil {
		return nil, err
	}
	return model, o.SaveModel(model)
}
