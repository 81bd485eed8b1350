package models

import "github.com/neuron-go/neuron/tensor"

// TrainStep runs one training step, for the allocation tests.
func (m *Sequential) TrainStep(x, y *tensor.Tensor) float64 { return m.trainStep(x, y) }
