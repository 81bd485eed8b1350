// Command 02_forward is the tutorial's chapter on the forward pass: the
// prediction of a small network computed by hand, layer by layer, and then
// by a model holding the same weights.
//
// Usage:
//
//	go run ./examples/tutorial/02_forward
package main

import (
	"fmt"
	"log"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/tensor"
)

func main() {
	// One example with 2 inputs; 2 inputs × 4 hidden neurons = 8 connections.
	x := tensor.FromSlice([]float32{1, 2}, 1, 2)
	w1 := tensor.FromSlice([]float32{
		0.5, -1.0, 0.25, 0.0,
		0.5, 0.5, -0.75, 1.0,
	}, 2, 4)
	b1 := tensor.FromSlice([]float32{0, 0.5, 0, -1}, 4)
	w2 := tensor.FromSlice([]float32{
		1.0, -1.0, 0.5,
		0.5, 0.0, -0.5,
		-1.0, 1.0, 0.0,
		0.0, 2.0, 1.0,
	}, 4, 3)
	b2 := tensor.FromSlice([]float32{0, 0, 0.1}, 3)

	// The forward pass: each layer computes activation(x·W + b) and hands
	// the result to the next.
	z1 := x.MatMul(w1).Add(b1)
	h := z1.ReLU()
	z2 := h.MatMul(w2).Add(b2)
	y := z2.Softmax()
	fmt.Println("hidden z = x·W1 + b1:", z1)
	fmt.Println("hidden relu(z):      ", h)
	fmt.Println("output z = h·W2 + b2:", z2)
	fmt.Println("output softmax(z):   ", y)

	// The same network as a Keras-style model, with the same weights.
	model := models.NewSequential(
		&layers.Dense{Units: 4, Activation: activations.ReLU, InputShape: []int{2}},
		&layers.Dense{Units: 3, Activation: activations.Softmax},
	)
	if err := model.Build(2); err != nil {
		log.Fatal(err)
	}
	for i, w := range []*tensor.Tensor{w1, b1, w2, b2} {
		copy(model.Weights()[i].Data(), w.Data())
	}
	pred, err := model.Predict(x, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("model.predict(x):    ", pred)
	fmt.Println("predicted class:", pred.ArgMax()[0])
}
