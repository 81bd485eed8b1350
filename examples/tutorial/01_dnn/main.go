// Command 01_dnn is the first chapter of the tutorial (docs/tutorial): a deep
// neural network of an input layer, a hidden layer and an output layer,
// built like Lego bricks from Keras's layers, and the two activations the
// course uses, ReLU and softmax.
//
// Usage:
//
//	go run ./examples/tutorial/01_dnn
package main

import (
	"fmt"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/tensor"
)

func main() {
	model := models.NewSequential(
		&layers.Flatten{InputShape: []int{28, 28}},                // input layer: 28×28 pixels → 784 numbers
		&layers.Dense{Units: 256, Activation: activations.ReLU},   // hidden layer: 256 neurons
		&layers.Dense{Units: 10, Activation: activations.Softmax}, // output layer: one neuron per digit
	)
	model.Summary()

	// Each Dense neuron is connected to every input: in·units weights plus
	// one bias per neuron.
	fmt.Println("dense:  ", 784*256+256, "parameters")
	fmt.Println("dense_1:", 256*10+10, "parameters")
	fmt.Println("total:  ", model.CountParams(), "parameters")

	x := tensor.FromSlice([]float32{-2, -0.5, 0, 1.5, 3})
	fmt.Println("x:         ", x)
	fmt.Println("relu(x):   ", x.ReLU())
	p := x.Softmax()
	fmt.Println("softmax(x):", p)
	fmt.Println("sum:", p.Sum().Item(), "- argmax:", p.ArgMax()[0])
}
