// Package metrics provides the values reported during training and
// evaluation (accuracy, precision, recall, …), with Keras's names and
// semantics. A metric accumulates over the batches of an epoch and never
// builds a gradient graph.
package metrics

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/neuron-go/neuron/tensor"
)

// Metric accumulates a value over batches.
type Metric interface {
	// Name returns the key in logs and History, e.g. "accuracy".
	Name() string
	// Update adds a batch of targets and predictions.
	Update(yTrue, yPred *tensor.Tensor)
	// Result returns the value over every batch since the last Reset.
	Result() float64
	// Reset forgets all batches.
	Reset()
}

// Mean is the running mean of values weighted by counts, as Keras's loss
// tracker: Update(v, n) counts v n times.
type Mean struct {
	sum   float64
	count float64
}

// Add records value with weight n.
func (m *Mean) Add(value float64, n int) {
	m.sum += value * float64(n)
	m.count += float64(n)
}

// Result returns the weighted mean, 0 before any Add.
func (m *Mean) Result() float64 {
	if m.count == 0 {
		return 0
	}
	return m.sum / m.count
}

// Reset forgets all values.
func (m *Mean) Reset() { *m = Mean{} }

// accuracyKind is the variant an "accuracy" metric resolves to.
type accuracyKind int

const (
	kindAuto accuracyKind = iota
	kindSparse
	kindCategorical
	kindBinary
)

// Accuracy is the fraction of correct predictions. Its variant follows the
// data as with Keras's metrics=["accuracy"]: binary (threshold 0.5) when the
// predictions have one column, sparse categorical when the targets are class
// indices (one fewer axis than the predictions, or a last axis of 1), and
// categorical (argmax against argmax) otherwise.
type Accuracy struct {
	name    string
	kind    accuracyKind
	correct float64
	total   float64
	// argmax buffers, reused across batches
	pred, want []int
}

// NewAccuracy returns the "accuracy" metric that picks its variant from the
// first batch, as Keras's string "accuracy" does.
func NewAccuracy() *Accuracy { return &Accuracy{name: "accuracy"} }

// NewSparseCategoricalAccuracy compares argmax(yPred) with integer labels.
func NewSparseCategoricalAccuracy() *Accuracy {
	return &Accuracy{name: "sparse_categorical_accuracy", kind: kindSparse}
}

// NewCategoricalAccuracy compares argmax(yPred) with argmax(yTrue).
func NewCategoricalAccuracy() *Accuracy {
	return &Accuracy{name: "categorical_accuracy", kind: kindCategorical}
}

// NewBinaryAccuracy compares yPred > 0.5 with yTrue.
func NewBinaryAccuracy() *Accuracy { return &Accuracy{name: "binary_accuracy", kind: kindBinary} }

// Name implements Metric.
func (a *Accuracy) Name() string { return a.name }

// Reset implements Metric.
func (a *Accuracy) Reset() { a.correct, a.total = 0, 0 }

// Result implements Metric.
func (a *Accuracy) Result() float64 {
	if a.total == 0 {
		return 0
	}
	return a.correct / a.total
}

// Update implements Metric.
func (a *Accuracy) Update(yTrue, yPred *tensor.Tensor) {
	if a.kind == kindAuto {
		a.kind = resolve(yTrue.Shape(), yPred.Shape())
	}
	p, t := yPred.Data(), yTrue.Data()
	switch a.kind {
	case kindBinary:
		for i, v := range p {
			if (v > 0.5) == (t[i] > 0.5) {
				a.correct++
			}
		}
		a.total += float64(len(p))
	case kindSparse:
		a.pred = yPred.ArgMaxInto(a.pred)
		for i, k := range a.pred {
			if float32(k) == t[i] {
				a.correct++
			}
			a.total++
		}
	default:
		a.want, a.pred = yTrue.ArgMaxInto(a.want), yPred.ArgMaxInto(a.pred)
		for i, k := range a.pred {
			if k == a.want[i] {
				a.correct++
			}
			a.total++
		}
	}
}

// resolve applies Keras's rule for the string "accuracy".
func resolve(trueShape, predShape []int) accuracyKind {
	last := func(s []int) int {
		if len(s) == 0 {
			return 1
		}
		return s[len(s)-1]
	}
	switch {
	case last(predShape) == 1:
		return kindBinary
	case len(trueShape) < len(predShape), last(trueShape) == 1 && last(predShape) > 1:
		return kindSparse
	}
	return kindCategorical
}

// ErrUnknownName is wrapped by the error Get returns for an unknown name.
var ErrUnknownName = errors.New("unknown metric")

var registry = map[string]func() Metric{
	"accuracy":                          func() Metric { return NewAccuracy() },
	"acc":                               func() Metric { a := NewAccuracy(); a.name = "acc"; return a },
	"sparse_categorical_accuracy":       func() Metric { return NewSparseCategoricalAccuracy() },
	"categorical_accuracy":              func() Metric { return NewCategoricalAccuracy() },
	"binary_accuracy":                   func() Metric { return NewBinaryAccuracy() },
	"precision":                         func() Metric { return NewPrecision() },
	"recall":                            func() Metric { return NewRecall() },
	"mean_squared_error":                func() Metric { return NewMeanSquaredError() },
	"mse":                               func() Metric { m := NewMeanSquaredError(); m.name = "mse"; return m },
	"mean_absolute_error":               func() Metric { return NewMeanAbsoluteError() },
	"mae":                               func() Metric { m := NewMeanAbsoluteError(); m.name = "mae"; return m },
	"mean_absolute_percentage_error":    func() Metric { return NewMeanAbsolutePercentageError() },
	"mape":                              func() Metric { m := NewMeanAbsolutePercentageError(); m.name = "mape"; return m },
	"root_mean_squared_error":           func() Metric { return NewRootMeanSquaredError() },
	"r2_score":                          func() Metric { return NewR2Score() },
	"top_k_categorical_accuracy":        func() Metric { return NewTopKCategoricalAccuracy(5) },
	"sparse_top_k_categorical_accuracy": func() Metric { return NewSparseTopKCategoricalAccuracy(5) },
	"auc": func() Metric {
		a, _ := NewAUC(AUCConfig{})
		return a
	},
}

// Get returns a new metric for a Keras name. The metric's Name is the string
// passed, as in Keras ("acc" gives history key "acc").
func Get(name string) (Metric, error) {
	if f, ok := registry[name]; ok {
		return f(), nil
	}
	return nil, fmt.Errorf("metrics: %w %q (known: %s)", ErrUnknownName, name, strings.Join(Names(), ", "))
}

// Names returns the known metric names, sorted.
func Names() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
