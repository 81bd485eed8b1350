// Command genmodel trains the model the digit demo embeds: the course's
// MNIST program (Flatten → Dense(256, relu) → Dense(10, softmax), Adam,
// 5 epochs of batch 32 on the raw pixels 0..255), as
//
//	go run ./examples/mnist -seed 1 -save model.safetensors
//
// trains it, and saves it without the optimizer's state, which a page
// that only predicts does not need. Run it with go generate in
// serving/demo; it downloads MNIST on first use.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/neuron-go/neuron/datasets/mnist"
	"github.com/neuron-go/neuron/internal/course"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/saving"
)

func main() {
	out := flag.String("out", "mnist_dnn.safetensors", "file to write the trained model to")
	seed := flag.Uint64("seed", 1, "seed for the initial weights and shuffling")
	flag.Parse()
	if err := run(*out, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "genmodel:", err)
		os.Exit(1)
	}
}

func run(out string, seed uint64) error {
	xTrain, yTrain, xTest, yTest, err := mnist.LoadData()
	if err != nil {
		return err
	}
	m := course.MNISTDNN()
	m.SetSeed(seed)
	if err := course.Compile(m); err != nil {
		return err
	}
	if _, err := m.Fit(xTrain, yTrain, models.FitConfig{Epochs: 5, BatchSize: 32, Verbose: models.Silent}); err != nil {
		return err
	}
	scores, err := m.Evaluate(xTest, yTest, models.EvaluateConfig{Verbose: models.Silent})
	if err != nil {
		return err
	}
	fmt.Printf("test loss: %.4f - test accuracy: %.4f\n", scores["loss"], scores["accuracy"])
	return saving.Save(m, out, saving.WithoutCompile())
}
