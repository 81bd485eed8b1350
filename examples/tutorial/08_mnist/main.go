// Command 08_mnist is the course's first program, cell by cell: a deep
// neural network that learns to read the handwritten digits of MNIST. It
// prints what the notebook prints and writes the figures it draws (the
// first image, the accuracy and loss curves) as PNG files into -out, with
// a grid of test predictions and the confusion matrix of the test set.
//
// Like the course it feeds the raw pixel values 0..255.
//
// Usage:
//
//	go run ./examples/tutorial/08_mnist [-epochs 5] [-limit 0] [-out out/08_mnist]
//
// -limit N keeps only the first N training and test images, for a quick
// trial; 0 uses them all.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/datasets/mnist"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/plot"
	"github.com/neuron-go/neuron/tensor"
)

func main() {
	epochs := flag.Int("epochs", 5, "passes over the training images")
	limit := flag.Int("limit", 0, "use only the first N training and test images (0: all)")
	out := flag.String("out", "out/08_mnist", "directory for the figures")
	flag.Parse()
	if *epochs < 1 || *limit < 0 {
		log.Fatalf("08_mnist: want -epochs >= 1 and -limit >= 0, got %d and %d", *epochs, *limit)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	if err := run(*epochs, *limit, *out); err != nil {
		log.Fatal(err)
	}
}

func run(epochs, limit int, out string) error {
	// load the data set
	xTrain, yTrain, xTest, yTest, err := mnist.LoadData()
	if err != nil {
		return err
	}
	if limit > 0 {
		xTrain, yTrain = xTrain.Slice(0, min(limit, xTrain.Dim(0))), yTrain.Slice(0, min(limit, yTrain.Dim(0)))
		xTest, yTest = xTest.Slice(0, min(limit, xTest.Dim(0))), yTest.Slice(0, min(limit, yTest.Dim(0)))
	}

	// the data's shapes
	fmt.Println(xTrain.Shape, yTrain.Shape, xTest.Shape, yTest.Shape)

	// look at the data
	tensor.SetPrintOptions(tensor.PrintOptions{Linewidth: 120})
	fmt.Println(xTrain.Row(0))

	// look at the data as an image
	err = plot.Image(filepath.Join(out, "08_mnist_x_train_0.png"), xTrain.Row(0).Data, 28, 28, plot.ImageOptions{})
	if err != nil {
		return err
	}

	// the label
	fmt.Println("y_train[0]:", yTrain.Data[0])

	// the model: three layers stacked in a Sequential
	model := models.NewSequential(
		&layers.Flatten{InputShape: []int{28, 28}},                // 2-D → 1-D
		&layers.Dense{Units: 256, Activation: activations.ReLU},   // fully connected, 256 neurons
		&layers.Dense{Units: 10, Activation: activations.Softmax}, // probabilities that sum to 1
	)

	// the model's summary (28 * 28 = 784)
	model.Summary()

	// compile: three things to set
	err = model.Compile(models.CompileConfig{
		Optimizer: optimizers.NewAdam(),
		Loss:      losses.SparseCategoricalCrossentropy{},
		Metrics:   []metrics.Metric{metrics.NewAccuracy()},
	})
	if err != nil {
		return err
	}

	// train
	history, err := model.Fit(xTrain, yTrain, models.FitConfig{Epochs: epochs})
	if err != nil {
		return err
	}

	// training accuracy and loss over the epochs
	err = savePlot(filepath.Join(out, "08_mnist_accuracy.png"), history, "accuracy", "acc")
	if err != nil {
		return err
	}
	err = savePlot(filepath.Join(out, "08_mnist_loss.png"), history, "loss", "loss")
	if err != nil {
		return err
	}

	// past the course: the test set, the predictions and the mistakes
	scores, err := model.Evaluate(xTest, yTest, models.EvaluateConfig{})
	if err != nil {
		return err
	}
	fmt.Printf("test loss: %.4f - test accuracy: %.4f\n", scores["loss"], scores["accuracy"])
	pred, err := model.Predict(xTest, models.PredictConfig{})
	if err != nil {
		return err
	}
	return savePredictions(out, "08_mnist", xTest.Data, yTest.Data, pred, nil)
}

// savePlot draws plt.plot(history.history[key], label=label) with the
// course's axis labels.
func savePlot(path string, h *models.History, key, label string) error {
	p, err := plot.History(h.History, []string{key}, plot.HistoryOptions{Labels: []string{label}, XLabel: "epochs", YLabel: key})
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
