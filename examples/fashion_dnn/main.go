// Command fashion_dnn is the course's second program in Go: a dense network
// with Dropout that classifies Fashion-MNIST clothes, validated on the test
// set after every epoch to watch for overfitting.
//
// In Keras it is:
//
//	(X_train, y_train), (X_test, y_test) = tf.keras.datasets.fashion_mnist.load_data()
//	X_train, X_test = X_train / 255.0, X_test / 255.0
//	model = Sequential([Flatten(input_shape=(28, 28)), Dense(128, activation='relu'),
//	                    Dropout(0.2), Dense(10, activation='softmax')])
//	model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])
//	history = model.fit(X_train, y_train, validation_data=(X_test, y_test), epochs=10)
//	# or: model.fit(X_train, y_train, validation_split=0.2, epochs=5)
//	pred = model.predict(X_test); classes[np.argmax(pred[1])], classes[y_test[1]]
//
// Usage:
//
//	go run ./examples/fashion_dnn [-epochs 10] [-batch-size 32] [-seed 0] [-scale=true] [-verbose 1] [-validation-split 0]
//	                        [-save model.safetensors] [-backup DIR [-backup-every 100]] [-limit N]
//	go run ./examples/fashion_dnn -load model.safetensors
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
	opts := course.ParseFlags("fashion_dnn", 10, true, true)
	if err := run(opts); err != nil {
		course.Fail("fashion_dnn", err)
	}
}

func run(o course.Options) error {
	xTrain, yTrain, xTest, yTest, err := fashionmnist.LoadData()
	if err != nil {
		return err
	}
	classes := fashionmnist.ClassNames
	fmt.Println("y_train[0]:", yTrain.Data[0], "-", classes[yTrain.Data[0]])
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
	model := models.NewSequential(
		&layers.Flatten{InputShape: []int{28, 28}},
		&layers.Dense{Units: 128, Activation: activations.ReLU},
		&layers.Dropout{Rate: 0.2},
		&layers.Dense{Units: 10, Activation: activations.Softmax},
	)
	model.SetSeed(o.Seed)
	model.Summary()
	err := model.Compile(models.CompileConfig{
		Optimizer: optimizers.NewAdam(),
		Loss:      losses.SparseCategoricalCrossentropy{},
		Metrics:   []metrics.Metric{metrics.NewAccuracy()},
	})
	if err != nil {
		return nil, err
	}
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
