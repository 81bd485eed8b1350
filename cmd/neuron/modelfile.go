package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/onnx"
	"github.com/neuron-go/neuron/saving"
	"github.com/neuron-go/neuron/saving/kerasfile"
)

// Model files by extension: one entry per format, a loader and a saver.
// Any other extension is neuron's own safetensors format.
var modelFormats = map[string]modelFormat{
	".safetensors": {neuronFormat, loadNeuronFile, saveNeuronFile},
	".keras":       {"Keras 3 (.keras)", kerasfile.Load, kerasfile.Save},
	".h5":          {"Keras legacy HDF5 (.h5)", kerasfile.Load, kerasfile.Save},
	".onnx":        {"ONNX (.onnx)", loadONNXFile, saveONNXFile},
}

const neuronFormat = "neuron (safetensors + JSON)"

// modelFormat reads and writes one kind of model file.
type modelFormat struct {
	name string
	load func(path string) (saving.Model, error)
	save func(m saving.Model, path string) error
}

// formatOf returns the format of a model file, from its extension.
func formatOf(path string) modelFormat {
	if f, ok := modelFormats[strings.ToLower(filepath.Ext(path))]; ok {
		return f
	}
	return modelFormats[".safetensors"]
}

// openModel loads any model file. Its errors name the file and say what
// is wrong with it in one line.
func openModel(path string) (saving.Model, error) {
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		return nil, fmt.Errorf("model %s is a directory, not a model file", path)
	}
	f := formatOf(path)
	m, err := f.load(path)
	if err == nil {
		return m, nil
	}
	var pe *os.PathError
	switch {
	case errors.As(err, &pe):
		return nil, fmt.Errorf("model %s: %v", path, pe.Err)
	case errors.Is(err, saving.ErrChecksum):
		return nil, fmt.Errorf("model %s is damaged: %s", path, loadReason(err, path))
	case errors.Is(err, saving.ErrInvalidFile), errors.Is(err, kerasfile.ErrInvalid), errors.Is(err, onnx.ErrMalformed):
		kind := "" // neuron's own files are plain "model files"
		if f.name != neuronFormat {
			kind = f.name + " "
		}
		return nil, fmt.Errorf("model %s is not a valid %smodel file: %s", path, kind, loadReason(err, path))
	}
	return nil, fmt.Errorf("model %s: %s", path, loadReason(err, path))
}

// loadNeuronFile loads neuron's own file: a Sequential or, failing that, a
// functional model.
func loadNeuronFile(path string) (saving.Model, error) {
	m, err := saving.Load(path)
	if err == nil {
		return m, nil
	}
	if errors.Is(err, saving.ErrInvalidFile) {
		if fm, ferr := saving.LoadModel(path); ferr == nil {
			return fm, nil
		}
	}
	return nil, err
}

func saveNeuronFile(m saving.Model, path string) error { return saving.Save(m, path) }

// loadModel loads a model file for evaluate and predict: a Sequential, or
// a functional model of one input and one output.
func loadModel(path string) (savedModel, error) {
	m, err := openModel(path)
	if err != nil {
		return nil, err
	}
	switch m := m.(type) {
	case *models.Sequential:
		return sequentialFile{m}, nil
	case *models.Model:
		return newFunctionalFile(m, path)
	}
	return nil, fmt.Errorf("model %s: %T is neither a Sequential nor a functional model", path, m)
}
