package main

import (
	"github.com/neuron-go/neuron/onnx"
	"github.com/neuron-go/neuron/saving"
)

// ONNX files: Import gives a functional model taking the file's inputs in
// the file's layout; Export writes the graph ONNX Runtime runs.

func loadONNXFile(path string) (saving.Model, error) {
	m, err := onnx.Import(path)
	if err != nil {
		return nil, err
	}
	return m, nil
}

func saveONNXFile(m saving.Model, path string) error { return onnx.Export(m, path) }
