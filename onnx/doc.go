// Package onnx exports neuron models to ONNX files and imports ONNX models
// into neuron, for serving a neuron model on ONNX Runtime, Triton or any
// other ONNX runtime, and for running or fine-tuning a model trained
// elsewhere.
//
// Export writes opset 17 (see Opset) with a dynamic batch axis; the graph
// takes the model's inputs in neuron's channels-last layout and keeps the
// layers' names. Import reads a model made of the operators that map to
// neuron's layers (see Import).
//
// The protobuf types are generated from ONNX's onnx.proto
// (google.golang.org/protobuf) and stay internal: the API is in neuron's
// terms.
package onnx
