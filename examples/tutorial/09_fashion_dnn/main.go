// Command 09_fashion_dnn is the course's second program, cell by cell: a
// deep neural network with Dropout that learns the ten kinds of clothes of
// Fashion-MNIST, validated on the test set after every epoch. It writes the
// figures the notebook draws (training images, accuracy and loss curves,
// train against validation) as PNG files into -out, with a grid of test
// predictions and the confusion matrix of the test set.
//
// Usage:
//
//	go run ./examples/tutorial/09_fashion_dnn [-epochs 10] [-validation-split 0] [-limit 0] [-out out/09_fashion_dnn]
//
// -validation-split 0.2 is the course's first way: the last 20% of the
// training images become the validation data. 0 (the default) is its
// second way, the test set. -limit N keeps only the first N training and
// test images, for a quick trial.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/datasets/fashionmnist"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/plot"
	"github.com/neuron-go/neuron/tensor"
)

func main() {
	epochs := flag.Int("epochs", 10, "passes over the training images")
	split := flag.Float64("validation-split", 0, "fraction of the training images held out for validation (0: validate on the test set)")
	limit := flag.Int("limit", 0, "use only the first N training and test images (0: all)")
	out := flag.String("out", "out/09_fashion_dnn", "directory for the figures")
	flag.Parse()
	if *epochs < 1 || *limit < 0 || *split < 0 || *split >= 1 {
		log.Fatalf("09_fashion_dnn: want -epochs >= 1, -limit >= 0 and -validation-split in [0, 1), got %d, %d and %g", *epochs, *limit, *split)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	if err := run(*epochs, *split, *limit, *out); err != nil {
		log.Fatal(err)
	}
}

func run(epochs int, split float64, limit int, out string) error {
	// load the data
	xTrain, yTrain, xTest, yTest, err := fashionmnist.LoadData()
	if err != nil {
		return err
	}
	if limit > 0 {
		xTrain, yTrain = xTrain.Slice(0, min(limit, xTrain.Dim(0))), yTrain.Slice(0, min(limit, yTrain.Dim(0)))
		xTest, yTest = xTest.Slice(0, min(limit, xTest.Dim(0))), yTest.Slice(0, min(limit, yTest.Dim(0)))
	}

	// normalize to 0..1
	x, xt := xTrain.DivScalar(255), xTest.DivScalar(255)

	// look at the data: the label is a number, classes names it
	classes := fashionmnist.ClassNames
	fmt.Println("y_train[0]:", yTrain.Data[0], "-", classes[yTrain.Data[0]])
	fmt.Println("y_train[1]:", yTrain.Data[1], "-", classes[yTrain.Data[1]])
	for i := range 2 {
		path := filepath.Join(out, fmt.Sprintf("09_fashion_x_train_%d.png", i))
		if err := plot.Image(path, xTrain.Row(i).Data, 28, 28, plot.ImageOptions{}); err != nil {
			return err
		}
	}

	// the model (Dense connects every input to every neuron; Dropout drops
	// a random 20% of them while training, against overfitting)
	model := models.NewSequential(
		&layers.Flatten{InputShape: []int{28, 28}},
		&layers.Dense{Units: 128, Activation: activations.ReLU},
		&layers.Dropout{Rate: 0.2},
		&layers.Dense{Units: 10, Activation: activations.Softmax},
	)
	model.Summary()

	// compile: the same three things
	err = model.Compile(models.CompileConfig{
		Optimizer: optimizers.NewAdam(),
		Loss:      losses.SparseCategoricalCrossentropy{},
		Metrics:   []metrics.Metric{metrics.NewAccuracy()},
	})
	if err != nil {
		return err
	}

	// train, validating after each epoch: on the last 20% of the
	// training data (way 1) or on the test set (way 2)
	fit := models.FitConfig{Epochs: epochs, ValidationData: &models.Data{X: xt, Y: yTest}}
	if split > 0 {
		fit = models.FitConfig{Epochs: epochs, ValidationSplit: split}
	}
	history, err := model.Fit(x, yTrain, fit)
	if err != nil {
		return err
	}

	// training and validation accuracy, and loss
	err = savePlot(filepath.Join(out, "09_fashion_accuracy.png"), history, []string{"accuracy", "val_accuracy"}, []string{"acc", "val"})
	if err != nil {
		return err
	}
	err = savePlot(filepath.Join(out, "09_fashion_loss.png"), history, []string{"loss", "val_loss"}, []string{"train", "val"})
	if err != nil {
		return err
	}

	// predict
	pred, err := model.Predict(xt, models.PredictConfig{})
	if err != nil {
		return err
	}
	fmt.Printf("pred[1]: %.4f\n", pred.Row(1).Data())
	fmt.Println("argmax(pred[1]):", pred.Row(1).ArgMax()[0])
	fmt.Println("predicted label:", classes[pred.Row(1).ArgMax()[0]])
	fmt.Println("true label:     ", classes[yTest.Data[1]])
	err = plot.Image(filepath.Join(out, "09_fashion_x_test_1.png"), xTest.Row(1).Data, 28, 28, plot.ImageOptions{})
	if err != nil {
		return err
	}

	// past the course: the test set's score, predictions and mistakes
	scores, err := model.Evaluate(xt, yTest, models.EvaluateConfig{})
	if err != nil {
		return err
	}
	fmt.Printf("test loss: %.4f - test accuracy: %.4f\n", scores["loss"], scores["accuracy"])
	return savePredictions(out, "09_fashion", xTest.Data, yTest.Data, pred, classes[:])
}

// savePlot draws plt.plot(history.history[key], label=label) for each key,
// with the course's axis labels.
func savePlot(path string, h *models.History, keys, labels []string) error {
	p, err := plot.History(h.History, keys, plot.HistoryOptions{Labels: labels, XLabel: "epochs", YLabel: keys[0]})
	if err != nil {
		return err
	}
	return plot.SavePlot(path, p)
}

// savePredictions writes the first 15 test images with their true and
// predicted labels, and the confusion matrix of the whole test set.
func savePredictions(out, name string, images, labels []uint8, pred *tensor.Tensor, classes []string) error {
	n := pred.Dim(0)
	trueLabels, predLabels := make([]int, n), pred.ArgMax()
	for i := range n {
		trueLabels[i] = int(labels[i])
	}
	k := min(n, 15)
	grid := make([][]uint8, k)
	for i := range grid {
		grid[i] = images[i*28*28 : (i+1)*28*28]
	}
	err := plot.Grid(filepath.Join(out, name+"_predictions.png"), grid, 28, 28, trueLabels[:k], predLabels[:k], classes, 5, nil)
	if err != nil {
		return err
	}
	return plot.ConfusionMatrix(filepath.Join(out, name+"_confusion_matrix.png"), trueLabels, predLabels, classes)
}
