package main

import (
	"fmt"
	"io"

	"github.com/neuron-go/neuron/internal/course"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/tensor"
)

// savedModel is what evaluate and predict use of a model file: a
// Sequential, or a functional model with one input and one output.
type savedModel interface {
	InputShape() []int
	OutputShape() []int
	Summary()
	Optimizer() optimizers.Optimizer
	Evaluate(x, y models.Array, cfg models.EvaluateConfig) (map[string]float64, error)
	Predict(x models.Array, cfg models.PredictConfig) (*tensor.Tensor, error)
	// setOut sets where Summary and progress go.
	setOut(w io.Writer)
	// compileCourse compiles the model as neuron train does.
	compileCourse() error
}

type sequentialFile struct{ *models.Sequential }

func (m sequentialFile) setOut(w io.Writer)   { m.Out = w }
func (m sequentialFile) compileCourse() error { return course.Compile(m.Sequential) }

// functionalFile is a functional model with one input and one output.
type functionalFile struct{ *models.Model }

func newFunctionalFile(m *models.Model, path string) (functionalFile, error) {
	if len(m.Inputs()) != 1 || len(m.Outputs()) != 1 {
		return functionalFile{}, fmt.Errorf("model %s has %d inputs and %d outputs; evaluate and predict take a model of one image input and one class output", path, len(m.Inputs()), len(m.Outputs()))
	}
	return functionalFile{m}, nil
}

func (m functionalFile) InputShape() []int  { return m.Inputs()[0].Shape() }
func (m functionalFile) OutputShape() []int { return m.Outputs()[0].Shape() }
func (m functionalFile) setOut(w io.Writer) { m.Out = w }

func (m functionalFile) compileCourse() error {
	return m.Compile(models.CompileConfig{
		Optimizer: optimizers.NewAdam(),
		Loss:      losses.SparseCategoricalCrossentropy{},
		Metrics:   []metrics.Metric{metrics.NewAccuracy()},
	})
}

func (m functionalFile) Evaluate(x, y models.Array, cfg models.EvaluateConfig) (map[string]float64, error) {
	return m.Model.Evaluate([]models.Array{x}, []models.Array{y}, cfg)
}

func (m functionalFile) Predict(x models.Array, cfg models.PredictConfig) (*tensor.Tensor, error) {
	out, err := m.Model.Predict([]models.Array{x}, cfg)
	if err != nil {
		return nil, err
	}
	return out[0], nil
}
