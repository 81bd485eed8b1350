package metrics

import (
	"fmt"

	"github.com/neuron-go/neuron/tensor"
)

// MeanSquaredError is Keras's MeanSquaredError metric: for each example the
// mean of (yTrue − yPred)² over the last axis, averaged over every example
// since the last Reset. Targets must hold as many values as the predictions.
type MeanSquaredError struct {
	name       string
	sum, count float64
}

// NewMeanSquaredError returns the "mean_squared_error" metric.
func NewMeanSquaredError() *MeanSquaredError {
	return &MeanSquaredError{name: "mean_squared_error"}
}

// Name implements Metric.
func (m *MeanSquaredError) Name() string { return m.name }

// Reset implements Metric.
func (m *MeanSquaredError) Reset() { m.sum, m.count = 0, 0 }

// Result implements Metric; it is 0 before any Update.
func (m *MeanSquaredError) Result() float64 {
	if m.count == 0 {
		return 0
	}
	return m.sum / m.count
}

// Update implements Metric.
func (m *MeanSquaredError) Update(yTrue, yPred *tensor.Tensor) {
	p, t := yPred.Data(), yTrue.Data()
	if len(p) != len(t) {
		panic(fmt.Sprintf("metrics: %s: targets %v and predictions %v differ in size", m.name, yTrue.Shape(), yPred.Shape()))
	}
	cols := 1
	if yPred.Rank() > 0 {
		cols = yPred.Dim(-1)
	}
	if cols == 0 {
		return
	}
	for r := 0; r < len(p); r += cols {
		var s float64
		for i := r; i < r+cols; i++ {
			d := float64(p[i]) - float64(t[i])
			s += d * d
		}
		m.sum += s / float64(cols)
		m.count++
	}
}
