// Command 06_compile is the tutorial's chapter on the compile step: the
// optimizer, the loss and the metrics a model is compiled with, given by
// Keras's names or as typed values, and what changes when the labels are
// one-hot encoded.
//
// Usage:
//
//	go run ./examples/tutorial/06_compile [-epochs 3] [-limit 10000]
//
// -limit keeps the first N training and N/5 test images, to make the
// comparison quick.
package main

import (
	"flag"
	"fmt"
	"log"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/data"
	"github.com/neuron-go/neuron/datasets/mnist"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
)

func main() {
	epochs := flag.Int("epochs", 3, "passes over the training images")
	limit := flag.Int("limit", 10000, "training images to use (and a fifth as many test images)")
	flag.Parse()
	if *epochs < 1 || *limit < 5 {
		log.Fatalf("06_compile: -epochs must be >= 1 and -limit >= 5, got %d and %d", *epochs, *limit)
	}
	xTrain, yTrain, xTest, yTest, err := mnist.LoadData()
	if err != nil {
		log.Fatal(err)
	}
	n, m := min(*limit, xTrain.Dim(0)), min(*limit/5, xTest.Dim(0))
	x, y := xTrain.Slice(0, n).DivScalar(255), yTrain.Slice(0, n)
	xt, yt := xTest.Slice(0, m).DivScalar(255), yTest.Slice(0, m)
	fmt.Printf("%d training images in batches of 32: %d steps per epoch\n", n, (n+31)/32)

	// 1. Keras's names, as in model.compile(optimizer='adam',
	// loss='sparse_categorical_crossentropy', metrics=['accuracy']).
	opt, err := optimizers.Get("adam")
	if err != nil {
		log.Fatal(err)
	}
	loss, err := losses.Get("sparse_categorical_crossentropy")
	if err != nil {
		log.Fatal(err)
	}
	acc, err := metrics.Get("accuracy")
	if err != nil {
		log.Fatal(err)
	}
	byName := models.CompileConfig{Optimizer: opt, Loss: loss, Metrics: []metrics.Metric{acc}}

	// 2. The same as typed values, with precision and recall as well.
	typed := models.CompileConfig{
		Optimizer: optimizers.NewAdam(),
		Loss:      losses.SparseCategoricalCrossentropy{},
		Metrics:   []metrics.Metric{metrics.NewAccuracy(), metrics.NewPrecision(), metrics.NewRecall()},
	}

	// 3. One-hot labels take categorical_crossentropy, without "sparse";
	// and another optimizer, SGD with momentum.
	yHot, err := data.ToCategorical(y, 10)
	if err != nil {
		log.Fatal(err)
	}
	ytHot, err := data.ToCategorical(yt, 10)
	if err != nil {
		log.Fatal(err)
	}
	oneHot := models.CompileConfig{
		Optimizer: &optimizers.SGD{LearningRate: 0.01, Momentum: 0.9},
		Loss:      losses.CategoricalCrossentropy{},
		Metrics:   []metrics.Metric{metrics.NewAccuracy()},
	}

	runs := []struct {
		name  string
		cfg   models.CompileConfig
		y, yt models.Array
	}{
		{"adam, sparse_categorical_crossentropy (by name)", byName, y, yt},
		{"adam, sparse_categorical_crossentropy (typed)", typed, y, yt},
		{"sgd(momentum=0.9), categorical_crossentropy", oneHot, yHot, ytHot},
	}
	for _, r := range runs {
		model := models.NewSequential(
			&layers.Flatten{InputShape: []int{28, 28}},
			&layers.Dense{Units: 256, Activation: activations.ReLU},
			&layers.Dense{Units: 10, Activation: activations.Softmax},
		)
		if err := model.Compile(r.cfg); err != nil {
			log.Fatal(err)
		}
		if _, err := model.Fit(x, r.y, models.FitConfig{Epochs: *epochs, Verbose: models.Silent}); err != nil {
			log.Fatal(err)
		}
		scores, err := model.Evaluate(xt, r.yt, models.EvaluateConfig{Verbose: models.Silent})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%-48s test:", r.name)
		for _, k := range []string{"loss", "accuracy", "precision", "recall"} {
			if v, ok := scores[k]; ok {
				fmt.Printf(" %s %.4f", k, v)
			}
		}
		fmt.Println()
	}
}
