package datasets_test

import (
	"fmt"

	"github.com/neuron-go/neuron/datasets"
	"github.com/neuron-go/neuron/tensor"
)

// X_train / 255.0 without a float32 copy of the data: DivScalar returns a
// view that divides as rows are read, which is how Fit, Evaluate and
// Predict of package models read a batch.
func ExampleUint8Array_DivScalar() {
	xTrain := datasets.Uint8Array{Shape: []int{3, 2, 2}, Data: []uint8{0, 51, 102, 255, 1, 2, 3, 4, 5, 6, 7, 8}}
	x := xTrain.DivScalar(255)

	batch := tensor.Zeros(2, 2, 2)
	x.TakeRowsInto(batch, []int{0, 2}) // X_train[[0, 2]] / 255.0
	fmt.Printf("%.4f\n", batch.Data())
	// Output: [0.0000 0.2000 0.4000 1.0000 0.0196 0.0235 0.0275 0.0314]
}

// X_train.reshape((60000, 28, 28, 1)) for a CNN, and X_train[:1000] for a
// quick trial; both are views of the same bytes.
func ExampleUint8Array_Reshape() {
	xTrain := datasets.Uint8Array{Shape: []int{60000, 28, 28}, Data: make([]uint8, 60000*28*28)}
	fmt.Println(xTrain.Reshape(60000, 28, 28, 1).Describe())
	fmt.Println(xTrain.Reshape(-1, 784).Slice(0, 1000).Describe())
	// Output:
	// uint8 (60000, 28, 28, 1)
	// uint8 (1000, 784)
}
