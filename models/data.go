package models

import (
	"fmt"
	"math"

	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/tensor"
)

// checkX validates inputs against the model's input shape, building the
// model from them if it has no declared input shape yet.
func (m *Sequential) checkX(op, arg string, x *tensor.Tensor) error {
	if x == nil {
		return fmt.Errorf("models: %s: %s is nil", op, arg)
	}
	s := x.Shape()
	if len(s) == 0 || s[0] == 0 {
		return fmt.Errorf("models: %s: %s is empty (shape %v)", op, arg, s)
	}
	if !m.built {
		if err := m.ensureBuilt(); err != nil {
			if err2 := m.Build(s[1:]...); err2 != nil {
				return fmt.Errorf("models: %s: %w", op, err2)
			}
			if m.compiled {
				m.optimizer.Build(m.weights)
			}
		}
	}
	if !equalShape(s[1:], m.inShape) {
		hint := ""
		if len(s) == len(m.inShape) {
			hint = " (did you pass one example without the batch axis?)"
		}
		return fmt.Errorf("models: %s: %s has per-example shape %v, model expects %v%s", op, arg, s[1:], m.inShape, hint)
	}
	if i := firstNonFinite(x.Data()); i >= 0 {
		return fmt.Errorf("models: %s: %s holds %v at flat index %d; inputs must be finite", op, arg, x.Data()[i], i)
	}
	return nil
}

// checkY validates targets against x and the model's output.
func (m *Sequential) checkY(op, arg string, x, y *tensor.Tensor) error {
	if y == nil {
		return fmt.Errorf("models: %s: %s is nil", op, arg)
	}
	if y.Rank() == 0 || y.Dim(0) != x.Dim(0) {
		return fmt.Errorf("models: %s: %s has %v rows but x has %d (shapes %v and %v)", op, arg, dim0(y), x.Dim(0), y.Shape(), x.Shape())
	}
	if i := firstNonFinite(y.Data()); i >= 0 {
		return fmt.Errorf("models: %s: %s holds %v at flat index %d; targets must be finite", op, arg, y.Data()[i], i)
	}
	out := m.OutputShape()
	if lc, ok := m.loss.(losses.LabelChecker); ok {
		if err := lc.CheckLabels(y, out[len(out)-1]); err != nil {
			return fmt.Errorf("models: %s: %s: %w", op, arg, err)
		}
		return nil
	}
	if !equalShape(y.Shape()[1:], out) && prodShape(y.Shape()[1:]) != prodShape(out) {
		return fmt.Errorf("models: %s: %s has per-example shape %v, model outputs %v", op, arg, y.Shape()[1:], out)
	}
	return nil
}

func dim0(t *tensor.Tensor) any {
	if t.Rank() == 0 {
		return "no"
	}
	return t.Dim(0)
}

// firstNonFinite returns the index of the first NaN or ±Inf in d, or -1.
// v − v is 0 for every finite v and NaN otherwise, so a branch-free sum of
// those differences finds out cheaply whether there is anything to look for.
func firstNonFinite(d []float32) int {
	var a0, a1, a2, a3 float32
	i := 0
	for ; i+4 <= len(d); i += 4 {
		a0 += d[i] - d[i]
		a1 += d[i+1] - d[i+1]
		a2 += d[i+2] - d[i+2]
		a3 += d[i+3] - d[i+3]
	}
	for ; i < len(d); i++ {
		a0 += d[i] - d[i]
	}
	if a0+a1+a2+a3 == 0 {
		return -1
	}
	for i, v := range d {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return i
		}
	}
	return -1
}

func equalShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// batchShape returns s with its first axis replaced by n.
func batchShape(s []int, n int) []int {
	out := append([]int(nil), s...)
	out[0] = n
	return out
}

func prodShape(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}
