package models

import (
	"fmt"
	"math"

	"github.com/neuron-go/neuron/tensor"
)

// NonFiniteError is the error of Fit when the loss of a training step is
// NaN or infinite (a gradient that overflows shows there at the next step
// at the latest, as the weights it updated turn NaN), and of Evaluate and
// Predict on a model whose weights are not all finite (Predict looks at the
// weights when an output is not finite). Keras trains on in that case
// (unless a TerminateOnNaN callback stops it); neuron stops and says where,
// unless FitConfig.ContinueOnNaN is set.
type NonFiniteError struct {
	// Op is "fit", "evaluate" or "predict".
	Op string
	// Epoch and Step are the 1-based epoch and step of Fit, as the
	// progress bar counts them; Epochs and Steps their totals.
	Epoch, Epochs, Step, Steps int
	// Loss is the step's loss (for Fit).
	Loss float64
	// Weight and Index locate the first non-finite weight value
	// ("dense/kernel", 17), and Value is that value.
	Weight string
	Index  int
	Value  float32
}

// Error implements error.
func (e *NonFiniteError) Error() string {
	if e.Weight != "" {
		return fmt.Sprintf("models: %s: weight %s[%d] is %v; the model's weights are no longer finite (a diverged training run?)", e.Op, e.Weight, e.Index, e.Value)
	}
	return fmt.Sprintf("models: %s: epoch %d/%d, step %d/%d: the loss is %v; training diverged (a learning rate too high, or inputs too large?); FitConfig.ContinueOnNaN trains on as Keras does",
		e.Op, e.Epoch, e.Epochs, e.Step, e.Steps, e.Loss)
}

// checkWeights returns a *NonFiniteError for the first weight value of the
// network that is NaN or infinite, trainable or not.
func (e *engine) checkWeights(op string) error {
	if name, i, v, bad := e.firstNonFinite(); bad {
		return &NonFiniteError{Op: op, Weight: name, Index: i, Value: v}
	}
	return nil
}

// checkOutputs is Predict's form of checkWeights: it looks at the weights
// only when an output is NaN or infinite, which is what non-finite weights
// on the way to the outputs give. Scanning every weight before each call
// would read the whole model once more per call, as much memory traffic as
// a batch-1 prediction itself.
func (e *engine) checkOutputs(op string, outs []*tensor.Tensor) error {
	for _, o := range outs {
		if firstNonFinite(o.Data()) >= 0 {
			return e.checkWeights(op)
		}
	}
	return nil
}

// firstNonFinite finds the first weight value of the network that is NaN
// or infinite.
func (e *engine) firstNonFinite() (weight string, index int, value float32, found bool) {
	for _, l := range e.net.layers {
		for _, w := range l.layer.Weights() {
			for i, v := range w.Value.Data() {
				if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
					return l.name + "/" + w.Name, i, v, true
				}
			}
		}
	}
	return "", 0, 0, false
}
