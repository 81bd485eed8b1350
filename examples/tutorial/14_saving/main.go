// Command 14_saving is the tutorial's chapter on saving and loading: it
// trains the course's MNIST model with a ModelCheckpoint that keeps the
// best epoch, saves the model to one file and loads it back, and shows
// BackupAndRestore resuming an interrupted run to the very weights of an
// uninterrupted one.
//
// Usage:
//
//	go run ./examples/tutorial/14_saving [-epochs 5] [-limit 10000] [-dir out/14_saving]
//
// -limit keeps the first N training and N/5 test images; -dir is where the
// files go (the backups are deleted when training ends).
package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"slices"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/callbacks"
	"github.com/neuron-go/neuron/datasets/mnist"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/saving"
)

func main() {
	epochs := flag.Int("epochs", 5, "passes over the training images")
	limit := flag.Int("limit", 10000, "training images to use (and a fifth as many test images)")
	dir := flag.String("dir", "out/14_saving", "directory for the model files")
	flag.Parse()
	if *epochs < 2 || *limit < 5 {
		log.Fatalf("14_saving: want -epochs >= 2 and -limit >= 5, got %d and %d", *epochs, *limit)
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		log.Fatal(err)
	}
	if err := run(*epochs, *limit, *dir); err != nil {
		log.Fatal(err)
	}
}

// newModel returns the course's MNIST model, compiled.
func newModel() (*models.Sequential, error) {
	model := models.NewSequential(
		&layers.Flatten{InputShape: []int{28, 28}},
		&layers.Dense{Units: 256, Activation: activations.ReLU},
		&layers.Dense{Units: 10, Activation: activations.Softmax},
	)
	return model, model.Compile(models.CompileConfig{
		Optimizer: optimizers.NewAdam(),
		Loss:      losses.SparseCategoricalCrossentropy{},
		Metrics:   []metrics.Metric{metrics.NewAccuracy()},
	})
}

var errKilled = errors.New("killed after epoch 2")

func run(epochs, limit int, dir string) error {
	xTrain, yTrain, xTest, yTest, err := mnist.LoadData()
	if err != nil {
		return err
	}
	n, m := min(limit, xTrain.Dim(0)), min(limit/5, xTest.Dim(0))
	x, y := xTrain.Slice(0, n).DivScalar(255), yTrain.Slice(0, n)
	xt, yt := xTest.Slice(0, m).DivScalar(255), yTest.Slice(0, m)
	quiet := models.EvaluateConfig{Verbose: models.Silent}

	// Train, keeping the epoch with the lowest val_loss in best.safetensors.
	model, err := newModel()
	if err != nil {
		return err
	}
	best := filepath.Join(dir, "best.safetensors")
	ckpt := &saving.ModelCheckpoint{FilePath: best, Monitor: "val_loss", SaveBestOnly: true, Log: os.Stdout}
	fit := models.FitConfig{Epochs: epochs, ValidationSplit: 0.2, Verbose: models.OneLine, Callbacks: []callbacks.Callback{ckpt}}
	if _, err := model.Fit(x, y, fit); err != nil {
		return err
	}

	// Save the whole model (architecture, weights, compile settings,
	// optimizer state) to one file, and load it back.
	path := filepath.Join(dir, "mnist.safetensors")
	if err := saving.Save(model, path); err != nil {
		return err
	}
	loaded, err := saving.Load(path)
	if err != nil {
		return err
	}
	before, err := model.Predict(xt, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		return err
	}
	after, err := loaded.Predict(xt, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		return err
	}
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	fmt.Printf("saved %s: %d bytes\n", filepath.Base(path), info.Size())
	fmt.Println("the loaded model predicts the same, bit for bit:", slices.Equal(before.Data(), after.Data()))
	scores, err := loaded.Evaluate(xt, yt, quiet)
	if err != nil {
		return err
	}
	fmt.Printf("loaded model:    test loss %.4f - test accuracy %.4f\n", scores["loss"], scores["accuracy"])
	bestModel, err := saving.Load(best)
	if err != nil {
		return err
	}
	if scores, err = bestModel.Evaluate(xt, yt, quiet); err != nil {
		return err
	}
	fmt.Printf("best checkpoint: test loss %.4f - test accuracy %.4f\n", scores["loss"], scores["accuracy"])

	// An interrupted run: the process "dies" after epoch 2, and the same
	// program started again resumes from the backup.
	backup := filepath.Join(dir, "backup")
	kill := &callbacks.LambdaCallback{EpochEnd: func(epoch int, _ callbacks.Logs) error {
		if epoch == 1 {
			return errKilled
		}
		return nil
	}}
	first, err := newModel()
	if err != nil {
		return err
	}
	cbs := []callbacks.Callback{&saving.BackupAndRestore{Dir: backup}, kill}
	_, err = first.Fit(x, y, models.FitConfig{Epochs: epochs, Verbose: models.Silent, Callbacks: cbs})
	fmt.Println("first run:", err)
	resumed, err := newModel()
	if err != nil {
		return err
	}
	cbs = []callbacks.Callback{&saving.BackupAndRestore{Dir: backup, Log: os.Stdout}}
	if _, err := resumed.Fit(x, y, models.FitConfig{Epochs: epochs, Verbose: models.Silent, Callbacks: cbs}); err != nil {
		return err
	}
	whole, err := newModel()
	if err != nil {
		return err
	}
	if _, err := whole.Fit(x, y, models.FitConfig{Epochs: epochs, Verbose: models.Silent}); err != nil {
		return err
	}
	same := true
	for i, w := range resumed.Weights() {
		same = same && slices.Equal(w.Data(), whole.Weights()[i].Data())
	}
	fmt.Println("resumed run ends with the weights of an uninterrupted one:", same)
	return nil
}
