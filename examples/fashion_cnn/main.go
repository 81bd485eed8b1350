// Command fashion_cnn is the course's third program in Go: a convolutional
// network (three Conv2D + MaxPooling2D stages, then two Dense layers) that
// classifies Fashion-MNIST clothes, validated on the test set every epoch.
//
// In Keras it is:
//
//	(X_train, y_train), (X_test, y_test) = tf.keras.datasets.fashion_mnist.load_data()
//	X_train = X_train.reshape((60000, 28, 28, 1)); X_test = X_test.reshape((10000, 28, 28, 1))
//	X_train, X_test = X_train / 255.0, X_test / 255.0
//	model = Sequential([Conv2D(32, (3, 3), activation='relu', input_shape=(28, 28, 1)), MaxPooling2D((2, 2)),
//	                    Conv2D(64, (3, 3), activation='relu'), MaxPooling2D((2, 2)),
//	                    Conv2D(64, (3, 3), activation='relu'), MaxPooling2D((2, 2)),
//	                    Flatten(), Dense(64, activation='relu'), Dense(10, activation='softmax')])
//	model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])
//	model.summary()
//	history = model.fit(X_train, y_train, validation_data=(X_test, y_test), epochs=10)
//
// Usage:
//
//	go run ./examples/fashion_cnn [-epochs 10] [-batch-size 32] [-seed 0] [-scale=true] [-verbose 1] [-validation-split 0]
//	                        [-save model.safetensors] [-backup DIR [-backup-every 100]] [-limit N]
//	go run ./examples/fashion_cnn -load model.safetensors
//
// -save writes the trained model to one file; -load evaluates a saved
// model instead of training one. -backup makes training survive an
// interruption: run the same command again and it resumes from the last
// backup, ending with the weights of an uninterrupted run.
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
	opts := course.ParseFlags("fashion_cnn", 10, true, true)
	if err := run(opts); err != nil {
		course.Fail("fashion_cnn", err)
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
	// The model takes the uint8 arrays as they are and converts each batch
	// to float32 as it assembles it.
	var x, xt models.Array = xTrain, xTest
	if o.Scale {
		x, xt = xTrain.DivScalar(255), xTest.DivScalar(255) // X_train / 255.0, a batch at a time
	}

	var model *models.Sequential
	if o.Load != "" {
		if model, err = o.LoadModel(); err != nil {
			return err
		}
		model.Summary()
	} else if model, err = train(o, x, yTrain, xt, yTest); err != nil {
		return err
	}
	scores, err := model.Evaluate(xt, yTest, models.EvaluateConfig{Verbose: o.Verbose})
	if err != nil {
		return err
	}
	pred, err := model.Predict(xt, models.PredictConfig{Verbose: o.Verbose})
	if err != nil {
		return err
	}
	guess := pred.Row(1).ArgMax()[0]
	fmt.Printf("pred[1]: %.4f\n", pred.Row(1).Data())
	fmt.Printf("predicted: %s - true: %s\n", classes[guess], classes[yTest.Data[1]])
	course.ReportTest(scores)
	return nil
}

// train builds, compiles and trains the course's model, validating on the
// test set unless -validation-split is given, and saves it with -save.
func train(o course.Options, x, y, xt, yt models.Array) (*models.Sequential, error) {
	relu := activations.ReLU
	model := models.NewSequential(
		&layers.Conv2D{Filters: 32, KernelSize: [2]int{3, 3}, Activation: relu, InputShape: []int{28, 28, 1}},
		&layers.MaxPooling2D{PoolSize: [2]int{2, 2}},
		&layers.Conv2D{Filters: 64, KernelSize: [2]int{3, 3}, Activation: relu},
		&layers.MaxPooling2D{PoolSize: [2]int{2, 2}},
		&layers.Conv2D{Filters: 64, KernelSize: [2]int{3, 3}, Activation: relu},
		&layers.MaxPooling2D{PoolSize: [2]int{2, 2}},
		&layers.Flatten{},
		&layers.Dense{Units: 64, Activation: relu},
		&layers.Dense{Units: 10, Activation: activations.Softmax},
	)
	model.SetSeed(o.Seed)
	err := model.Compile(models.CompileConfig{
		Optimizer: optimizers.NewAdam(),
		Loss:      losses.SparseCategoricalCrossentropy{},
		Metrics:   []metrics.Metric{metrics.NewAccuracy()},
	})
	if err != nil {
		return nil, err
	}
	model.Summary()
	fit := models.FitConfig{Epochs: o.Epochs, BatchSize: o.BatchSize, Verbose: o.Verbose, Callbacks: o.Callbacks()}
	if o.ValidationSplit > 0 {
		fit.ValidationSplit = o.ValidationSplit
	} else {
		fit.ValidationData = &models.Data{X: xt, Y: yt}
	}
	if _, err := model.Fit(x, y, fit); err != nil {
		return nil, err
	}
	return model, o.SaveModel(model)
}
