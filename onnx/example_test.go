package onnx_test

import (
	"bytes"
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

// The ONNX model zoo's MNIST model, read as a neuron model: it takes the
// file's NCHW images and keeps the file's names.
func ExampleImport() {
	model, err := onnx.Import("testdata/mnist/model.onnx")
	if err != nil {
		panic(err)
	}
	fmt.Println(model.InputNames(), model.Inputs()[0].Shape())
	fmt.Println(model.OutputNames(), model.Outputs()[0].Shape())
	// Output:
	// [Input3] [1 28 28]
	// [Plus214_Output_0] [10]
}

// Encode and Decode work on bytes, for a model kept in memory or sent over
// the network; Decode refuses a model whose weights are in external files.
func ExampleDecode() {
	x := models.Input([]int{4}, "features")
	y := models.ApplyNamed("scores", &layers.Dense{Units: 3, Activation: activations.Softmax}, x)
	model, err := models.NewModel([]*models.Node{x}, []*models.Node{y})
	if err != nil {
		panic(err)
	}
	var buf bytes.Buffer
	if err := onnx.Encode(&buf, model); err != nil {
		panic(err)
	}
	back, err := onnx.Decode(buf.Bytes())
	if err != nil {
		panic(err)
	}
	fmt.Println(back.InputNames(), back.OutputNames(), back.CountParams())
	// Output: [features] [scores] 15
}
