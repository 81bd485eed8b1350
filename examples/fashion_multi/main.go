// Command fashion_multi trains a functional model with two inputs and two
// outputs on Fashion-MNIST: it classifies each item of clothing and locates
// it, predicting its bounding box.
//
// The task, exactly:
//
//   - input "image": the 28×28 image, pixels divided by 255 (-scale=false
//     gives it the raw 0..255 values);
//   - input "stats": four numbers computed from the same pixels, as a
//     feature pipeline might hand them to a model next to the image: the
//     mean pixel value, the standard deviation of the pixel values, and the
//     row and column of the centre of mass of the intensity (divided by
//     27, so in [0, 1]);
//   - output "class": which of the 10 classes the item is (softmax,
//     sparse categorical cross-entropy, accuracy), against the data set's
//     labels;
//   - output "box": the item's bounding box, the smallest rectangle holding
//     every pixel brighter than 25 of 255, as (top, left, bottom, right)
//     edges divided by 28, bottom and right exclusive, so in [0, 1]
//     (linear, mean squared error, mean absolute error). The program reports
//     the box's error in pixels too.
//
// Both the stats and the boxes are computed from the pixels by the fixed
// rules above (see features), for the training and the test images alike;
// the labels come from the data set. The total loss is Keras's Σ weight ·
// loss, with the box's loss weighted 10 so that both tasks count.
//
// In Keras it is:
//
//	image = keras.Input(shape=(28, 28, 1), name="image")
//	stats = keras.Input(shape=(4,), name="stats")
//	x = layers.Conv2D(32, 3, activation="relu")(image)
//	x = layers.MaxPooling2D(2)(x)
//	x = layers.Conv2D(64, 3, activation="relu")(x)
//	x = layers.MaxPooling2D(2)(x)
//	x = layers.Flatten()(x)
//	s = layers.Dense(16, activation="relu")(stats)
//	h = layers.Dense(64, activation="relu")(layers.Concatenate()([x, s]))
//	cls = layers.Dense(10, activation="softmax", name="class")(h)
//	box = layers.Dense(4, name="box")(h)
//	model = keras.Model(inputs=[image, stats], outputs=[cls, box])
//	model.compile(optimizer="adam",
//	              loss={"class": "sparse_categorical_crossentropy", "box": "mse"},
//	              loss_weights={"box": 10.0},
//	              metrics={"class": ["accuracy"], "box": ["mae"]})
//	model.fit({"image": X_train, "stats": S_train}, {"class": y_train, "box": B_train},
//	          validation_data=({"image": X_test, "stats": S_test}, {"class": y_test, "box": B_test}),
//	          epochs=5)
//
// Usage:
//
//	go run ./examples/fashion_multi [-epochs 5] [-batch-size 32] [-seed 0] [-scale=true] [-verbose 1] [-validation-split 0]
//	                        [-save model.safetensors] [-backup DIR [-backup-every 100]] [-limit N]
//	go run ./examples/fashion_multi -load model.safetensors
//
// The flags are those of the course's programs: -save writes the trained
// model to one file, -load evaluates a saved model instead of training one,
// and -backup makes training survive an interruption.
package main

import (
	"fmt"
	"math"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/datasets"
	"github.com/neuron-go/neuron/datasets/fashionmnist"
	"github.com/neuron-go/neuron/internal/course"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/tensor"
)

func main() {
	opts := course.ParseFlags("fashion_multi", 5, true, true)
	if err := run(opts); err != nil {
		course.Fail("fashion_multi", err)
	}
}

func run(o course.Options) error {
	xTrain, yTrain, xTest, yTest, err := fashionmnist.LoadData()
	if err != nil {
		return err
	}
	classes := fashionmnist.ClassNames
	xTrain, yTrain, xTest, yTest = o.Rows(xTrain), o.Rows(yTrain), o.Rows(xTest), o.Rows(yTest)
	sTrain, bTrain := features(xTrain)
	sTest, bTest := features(xTest)
	n, nt := xTrain.Len(), xTest.Len()
	xTrain, xTest = xTrain.Reshape(n, 28, 28, 1), xTest.Reshape(nt, 28, 28, 1)
	var img, imgt models.Array = xTrain, xTest
	if o.Scale {
		img, imgt = xTrain.DivScalar(255), xTest.DivScalar(255)
	}
	// The arrays in the order of the model's inputs and outputs, looked up
	// by name as Keras's dicts are.
	x, err := models.ArraysByName([]string{"image", "stats"}, map[string]models.Array{"image": img, "stats": sTrain})
	if err != nil {
		return err
	}
	y := []models.Array{yTrain, bTrain}
	xt := []models.Array{imgt, sTest}
	yt := []models.Array{yTest, bTest}

	var model *models.Model
	if o.Load != "" {
		if model, err = o.LoadFunctional(compile); err != nil {
			return err
		}
		model.Summary()
	} else if model, err = train(o, x, y, xt, yt); err != nil {
		return err
	}
	scores, err := model.Evaluate(xt, yt, models.EvaluateConfig{Verbose: o.Verbose})
	if err != nil {
		return err
	}
	pred, err := model.Predict(xt, models.PredictConfig{Verbose: o.Verbose})
	if err != nil {
		return err
	}
	guess := pred[0].Row(1).ArgMax()[0]
	fmt.Printf("predicted: %s, box %s - true: %s, box %s\n", classes[guess], pixels(pred[1].Row(1).Data()),
		classes[yTest.Data[1]], pixels(bTest.Row(1).Data()))
	fmt.Printf("test loss: %.4f - test class_accuracy: %.4f - test box_mae: %.4f (%.2f pixels)\n",
		scores["loss"], scores["class_accuracy"], scores["box_mae"], 28*scores["box_mae"])
	return nil
}

// pixels shows a box as its edges in pixels.
func pixels(box []float32) string {
	return fmt.Sprintf("[%.1f %.1f %.1f %.1f]", 28*box[0], 28*box[1], 28*box[2], 28*box[3])
}

// threshold is the brightness above which a pixel belongs to the item in
// the bounding box.
const threshold = 25

// features computes, for each 28×28 image, the stats input (mean, standard
// deviation, centre-of-mass row and column over 27) and the box target
// (top, left, bottom, right over 28, bottom and right exclusive) from its
// pixels.
func features(images datasets.Uint8Array) (stats, box *tensor.Tensor) {
	n := images.Len()
	stats, box = tensor.Zeros(n, 4), tensor.Zeros(n, 4)
	sd, bd := stats.Data(), box.Data()
	for i := range n {
		px := images.Data[i*784 : (i+1)*784]
		var sum, sq, rows, cols float64
		top, left, bottom, right := 28, 28, 0, 0
		for r := range 28 {
			for c := range 28 {
				v := float64(px[r*28+c]) / 255
				sum += v
				sq += v * v
				rows += v * float64(r)
				cols += v * float64(c)
				if px[r*28+c] > threshold {
					top, left = min(top, r), min(left, c)
					bottom, right = max(bottom, r+1), max(right, c+1)
				}
			}
		}
		mean := sum / 784
		s := sd[i*4 : i*4+4]
		s[0] = float32(mean)
		s[1] = float32(math.Sqrt(max(sq/784-mean*mean, 0)))
		if sum > 0 {
			s[2], s[3] = float32(rows/sum/27), float32(cols/sum/27)
		}
		if bottom > 0 { // an image with no bright pixel has the empty box 0
			b := bd[i*4 : i*4+4]
			b[0], b[1], b[2], b[3] = float32(top)/28, float32(left)/28, float32(bottom)/28, float32(right)/28
		}
	}
	return stats, box
}

// build makes the two-input, two-output model.
func build(seed uint64) (*models.Model, error) {
	relu, k3, p2 := activations.ReLU, [2]int{3, 3}, [2]int{2, 2}
	image := models.Input([]int{28, 28, 1}, "image")
	stats := models.Input([]int{4}, "stats")
	x := models.Apply(&layers.Conv2D{Filters: 32, KernelSize: k3, Activation: relu}, image)
	x = models.Apply(&layers.MaxPooling2D{PoolSize: p2}, x)
	x = models.Apply(&layers.Conv2D{Filters: 64, KernelSize: k3, Activation: relu}, x)
	x = models.Apply(&layers.MaxPooling2D{PoolSize: p2}, x)
	x = models.Apply(&layers.Flatten{}, x)
	s := models.Apply(&layers.Dense{Units: 16, Activation: relu}, stats)
	h := models.Apply(&layers.Dense{Units: 64, Activation: relu}, models.Apply(&layers.Concatenate{}, x, s))
	cls := models.ApplyNamed("class", &layers.Dense{Units: 10, Activation: activations.Softmax}, h)
	box := models.ApplyNamed("box", &layers.Dense{Units: 4}, h)
	model, err := models.NewModel([]*models.Node{image, stats}, []*models.Node{cls, box})
	if err != nil {
		return nil, err
	}
	model.SetSeed(seed)
	return model, nil
}

// compile compiles the model with one loss and one metric per output.
func compile(m *models.Model) error {
	mae, err := metrics.Get("mae")
	if err != nil {
		return err
	}
	return m.Compile(models.CompileConfig{
		Optimizer: optimizers.NewAdam(),
		OutputLosses: map[string]losses.Loss{
			"class": losses.SparseCategoricalCrossentropy{},
			"box":   losses.MeanSquaredError{},
		},
		LossWeights: map[string]float64{"box": 10},
		OutputMetrics: map[string][]metrics.Metric{
			"class": {metrics.NewAccuracy()},
			"box":   {mae},
		},
	})
}

// train builds, compiles and trains the model, validating on the test set
// unless -validation-split is given, and saves it with -save.
func train(o course.Options, x, y, xt, yt []models.Array) (*models.Model, error) {
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
		fit.ValidationData = &models.Data{Inputs: xt, Targets: yt}
	}
	if _, err := model.Fit(x, y, fit); err != nil {
		return nil, err
	}
	return model, o.SaveModel(model)
}
