package onnx_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/onnx"
)

// A small classifier exported for ONNX Runtime: the file takes
// "input_layer" of shape (batch, 28, 28) and gives "dense_1" of shape
// (batch, 10), as the model's Predict does.
func ExampleExport() {
	model := models.NewSequential(
		&layers.Input{Shape: []int{28, 28}},
		&layers.Flatten{},
		&layers.Dense{Units: 128, Activation: activations.ReLU},
		&layers.Dropout{Rate: 0.2}, // left out of the file: it acts only in training
		&layers.Dense{Units: 10, Activation: activations.Softmax},
	)
	if err := model.Build(); err != nil {
		panic(err)
	}
	dir, err := os.MkdirTemp("", "onnx")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "mnist.onnx")
	if err := onnx.Export(model, path); err != nil {
		panic(err)
	}
	fmt.Println("exported", filepath.Base(path))
	// Output: exported mnist.onnx
}
