package models

import "github.com/neuron-go/neuron/tensor"

// TrainStep runs one training step, for the allocation tests.
func (m *Sequential) TrainStep(x, y *tensor.Tensor) float64 { return m.trainStep(x, y) }

// TrainStep runs one training step of a functional model, for the
// allocation tests.
func (m *Model) TrainStep(x, y []*tensor.Tensor) float64 { return m.trainStep(x, y, nil) }
