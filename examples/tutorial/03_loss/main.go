// Command 03_loss is the tutorial's chapter on the loss function, which
// measures the error between the predictions and the true values: the
// cross-entropies of classification and the mean squared error of
// regression, computed by the losses package and by hand.
//
// Usage:
//
//	go run ./examples/tutorial/03_loss
package main

import (
	"fmt"
	"math"

	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/tensor"
)

func main() {
	// Two examples, three classes: the model's probabilities and the true
	// classes as integers (what load_data gives).
	pred := tensor.FromSlice([]float32{
		0.7, 0.2, 0.1, // example 0: class 0 is likely
		0.1, 0.3, 0.6, // example 1: class 2 is likely
	}, 2, 3)
	labels := tensor.FromSlice([]float32{0, 1}, 2) // the second guess is wrong

	scce := losses.SparseCategoricalCrossentropy{}.Call(labels, pred)
	fmt.Printf("sparse_categorical_crossentropy: %.6f\n", scce.Item())
	fmt.Printf("by hand, (-log 0.7 - log 0.3) / 2: %.6f\n", (-math.Log(0.7)-math.Log(0.3))/2)

	// The same labels one-hot encoded take the loss without "sparse".
	oneHot := tensor.FromSlice([]float32{
		1, 0, 0,
		0, 1, 0,
	}, 2, 3)
	cce := losses.CategoricalCrossentropy{}.Call(oneHot, pred)
	fmt.Printf("categorical_crossentropy:        %.6f\n", cce.Item())

	// A better prediction has a smaller loss.
	better := tensor.FromSlice([]float32{
		0.9, 0.05, 0.05,
		0.1, 0.8, 0.1,
	}, 2, 3)
	fmt.Printf("a better prediction:             %.6f\n", losses.SparseCategoricalCrossentropy{}.Call(labels, better).Item())

	// Regression: the mean of the squared errors.
	yTrue := tensor.FromSlice([]float32{3, -0.5, 2, 7}, 4, 1)
	yPred := tensor.FromSlice([]float32{2.5, 0, 2, 8}, 4, 1)
	mse := losses.MeanSquaredError{}.Call(yTrue, yPred)
	fmt.Printf("mean_squared_error: %.6f\n", mse.Item())
	fmt.Printf("by hand, (0.25 + 0.25 + 0 + 1) / 4: %.6f\n", (0.25+0.25+0+1)/4.0)
}
