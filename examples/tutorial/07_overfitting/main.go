// Command 07_overfitting is the tutorial's chapter on underfitting and
// overfitting. On a small part of Fashion-MNIST it trains a model too small
// to learn the data (underfitting), a large one that learns its noise
// (overfitting: the validation loss turns up while the training loss keeps
// falling), and the large one again with L2 regularization, Dropout and
// EarlyStopping; then it estimates the regularized model's accuracy by
// k-fold cross-validation. It writes the loss curves of the three models as
// PNG files into -out.
//
// Usage:
//
//	go run ./examples/tutorial/07_overfitting [-epochs 30] [-limit 2000] [-folds 5] [-out out/07_overfitting]
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"slices"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/callbacks"
	"github.com/neuron-go/neuron/datasets/fashionmnist"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/plot"
)

func main() {
	epochs := flag.Int("epochs", 30, "passes over the training images")
	limit := flag.Int("limit", 2000, "training images, and as many validation images")
	folds := flag.Int("folds", 5, "folds of the cross-validation")
	out := flag.String("out", "out/07_overfitting", "directory for the figures")
	flag.Parse()
	if *epochs < 1 || *limit < 10 || *folds < 2 {
		log.Fatalf("07_overfitting: want -epochs >= 1, -limit >= 10, -folds >= 2; got %d, %d, %d", *epochs, *limit, *folds)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	xTrain, yTrain, xTest, yTest, err := fashionmnist.LoadData()
	if err != nil {
		log.Fatal(err)
	}
	n := min(*limit, xTrain.Dim(0), xTest.Dim(0))
	x, y := xTrain.Slice(0, n).DivScalar(255), yTrain.Slice(0, n)
	val := &models.Data{X: xTest.Slice(0, n).DivScalar(255), Y: yTest.Slice(0, n)}

	// Too small: two hidden neurons cannot tell ten kinds of clothes apart.
	small := func() *models.Sequential {
		return models.NewSequential(
			&layers.Flatten{InputShape: []int{28, 28}},
			&layers.Dense{Units: 2, Activation: activations.ReLU},
			&layers.Dense{Units: 10, Activation: activations.Softmax},
		)
	}
	// Large for 2,000 images: about 670,000 weights.
	large := func() *models.Sequential {
		return models.NewSequential(
			&layers.Flatten{InputShape: []int{28, 28}},
			&layers.Dense{Units: 512, Activation: activations.ReLU},
			&layers.Dense{Units: 512, Activation: activations.ReLU},
			&layers.Dense{Units: 10, Activation: activations.Softmax},
		)
	}
	// The same size, regularized: an L2 penalty on the kernels and Dropout.
	regularized := func() *models.Sequential {
		return models.NewSequential(
			&layers.Flatten{InputShape: []int{28, 28}},
			&layers.Dense{Units: 512, Activation: activations.ReLU, KernelRegularizer: layers.L2(1e-4)},
			&layers.Dropout{Rate: 0.5},
			&layers.Dense{Units: 512, Activation: activations.ReLU, KernelRegularizer: layers.L2(1e-4)},
			&layers.Dropout{Rate: 0.5},
			&layers.Dense{Units: 10, Activation: activations.Softmax},
		)
	}
	compile := func(m *models.Sequential) error {
		return m.Compile(models.CompileConfig{
			Optimizer: optimizers.NewAdam(),
			Loss:      losses.SparseCategoricalCrossentropy{},
			Metrics:   []metrics.Metric{metrics.NewAccuracy()},
		})
	}

	// EarlyStopping stops once val_loss has not improved for 3 epochs and
	// puts back the weights of the best epoch.
	stop := &callbacks.EarlyStopping{Monitor: "val_loss", Patience: 3, RestoreBestWeights: true}
	runs := []struct {
		name  string
		model *models.Sequential
		cbs   []callbacks.Callback
	}{
		{"underfitting", small(), nil},
		{"overfitting", large(), nil},
		{"regularized", regularized(), []callbacks.Callback{stop}},
	}
	for _, r := range runs {
		if err := compile(r.model); err != nil {
			log.Fatal(err)
		}
		h, err := r.model.Fit(x, y, models.FitConfig{Epochs: *epochs, ValidationData: val, Verbose: models.Silent, Callbacks: r.cbs})
		if err != nil {
			log.Fatal(err)
		}
		loss, vloss := h.History["loss"], h.History["val_loss"]
		best := slices.Index(vloss, slices.Min(vloss))
		last := len(loss) - 1
		// the model as training left it (EarlyStopping: the best epoch's weights)
		scores, err := r.model.Evaluate(val.X, val.Y, models.EvaluateConfig{Verbose: models.Silent})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%-12s %2d epochs: last epoch: train loss %.4f, accuracy %.4f, val loss %.4f; lowest val loss %.4f at epoch %d; final model: val loss %.4f, val accuracy %.4f\n",
			r.name, len(loss), loss[last], h.History["accuracy"][last], vloss[last], vloss[best], best+1, scores["loss"], scores["accuracy"])
		path := filepath.Join(*out, "07_"+r.name+"_loss.png")
		if err := plot.SaveHistory(path, h.History, "loss", "val_loss"); err != nil {
			log.Fatal(err)
		}
	}
	if stop.StoppedEpoch >= 0 {
		fmt.Printf("EarlyStopping stopped after epoch %d and restored epoch %d\n", stop.StoppedEpoch+1, stop.BestEpoch+1)
	}

	// k-fold cross-validation: every image is held out once, and the spread
	// of the folds' scores shows how much one split could mislead.
	cv, err := models.KFold(x, y, func(int) (*models.Sequential, error) {
		m := regularized()
		return m, compile(m)
	}, models.KFoldConfig{K: *folds, Shuffle: true, Fit: models.FitConfig{Epochs: min(*epochs, 10), Verbose: models.Silent}})
	if err != nil {
		log.Fatal(err)
	}
	for i, f := range cv.Folds {
		fmt.Printf("fold %d: val accuracy %.4f\n", i+1, f["val_accuracy"])
	}
	fmt.Printf("%d-fold cross-validation: val accuracy %.4f ± %.4f\n", *folds, cv.Mean["val_accuracy"], cv.Std["val_accuracy"])
}
