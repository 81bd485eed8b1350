// Command mnist is the course's first program in Go: a dense network that
// learns to read the handwritten digits of MNIST.
//
// In Keras it is:
//
//	(X_train, y_train), (X_test, y_test) = tf.keras.datasets.mnist.load_data()
//	model = Sequential([Flatten(input_shape=(28, 28)),
//	                    Dense(256, activation='relu'),
//	                    Dense(10, activation='softmax')])
//	model.summary()
//	model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])
//	history = model.fit(X_train, y_train, epochs=5)
//	pred = model.predict(X_test); np.argmax(pred[1])
//
// Like the course it feeds the raw pixel values 0..255; -scale divides them
// by 255 first. As Keras's model.fit(X_train, y_train) does with NumPy's
// uint8 arrays, Fit, Evaluate and Predict take the uint8 arrays themselves
// and convert one batch at a time to float32, so the program never holds a
// float32 copy of the images.
//
// Usage:
//
//	go run ./examples/mnist [-epochs 5] [-batch-size 32] [-seed 0] [-scale] [-verbose 1]
//	                        [-save model.safetensors] [-backup DIR [-backup-every 100]] [-limit N]
//	go run ./examples/mnist -load model.safetensors [-scale]
//
// -save writes the trained model to one file; -load evaluates a saved
// model instead of training one (give -scale again if the model was
// trained with it). -backup makes training survive an interruption: run
// the same command again and it resumes from the last backup, ending with
// the weights of an uninterrupted run.
package main

import (
	"fmt"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/datasets/mnist"
	"github.com/neuron-go/neuron/internal/course"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
)

func main() {
	opts := course.ParseFlags("mnist", 5, false, false)
	if err := run(opts); err != nil {
		course.Fail("mnist", err)
	}
}

func run(o course.Options) error {
	xTrain, yTrain, xTest, yTest, err := mnist.LoadData()
	if err != nil {
		return err
	}
	fmt.Println("X_train:", xTrain.Describe(), "y_train:", yTrain.Describe(), "X_test:", xTest.Describe(), "y_test:", yTest.Describe())
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
	} else if model, err = train(o, x, yTrain); err != nil {
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
	fmt.Printf("pred[1]: %.4f\n", pred.Row(1).Data())
	fmt.Printf("argmax(pred[1]): %d - y_test[1]: %d\n", pred.Row(1).ArgMax()[0], yTest.Data[1])
	course.ReportTest(scores)
	return nil
}

// train builds, compiles and trains the course's model, and saves it with
// -save.
func train(o course.Options, x, y models.Array) (*models.Sequential, error) {
	model := models.NewSequential(
		&layers.Flatten{InputShape: []int{28, 28}},
		&layers.Dense{Units: 256, Activation: activations.ReLU},
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
	if _, err := model.Fit(x, y, fit); err != nil {
		return nil, err
	}
	return model, o.SaveModel(model)
}
