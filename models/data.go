package models

import (
	"fmt"
	"math"

	"github.com/neuron-go/neuron/internal/vec"

	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/tensor"
)

// checkX validates inputs, one array per input of the model, against the
// model's input shapes; names are the arrays' argument names. A model
// whose input shape is not known yet (a Sequential without one) is built
// from the first array's shape.
func (e *engine) checkX(op string, names []string, xs []Array) error {
	if err := e.checkXShapes(op, names, xs); err != nil {
		return err
	}
	return checkXFinite(op, names, xs, nil)
}

// checkXShapes is checkX without the check that the values are finite.
func (e *engine) checkXShapes(op string, names []string, xs []Array) error {
	if len(xs) != len(names) {
		return fmt.Errorf("models: %s: got %d input arrays, the model has %d inputs", op, len(xs), len(names))
	}
	rows := 0
	for i, x := range xs {
		arg := names[i]
		if isNil(x) {
			return fmt.Errorf("models: %s: %s is nil", op, arg)
		}
		s := shapeOf(x)
		if err := checkDims(op, arg, s); err != nil {
			return err
		}
		if len(s) == 0 || s[0] == 0 {
			return fmt.Errorf("models: %s: %s is empty (shape %v)", op, arg, s)
		}
		if err := validate(op, arg, x); err != nil {
			return err
		}
		if i == 0 {
			rows = s[0]
			if e.lazyBuild != nil {
				if err := e.lazyBuild(op, s[1:]); err != nil {
					return err
				}
			}
		} else if s[0] != rows {
			return fmt.Errorf("models: %s: %s has %d rows but %s has %d; every input needs one row per example", op, arg, s[0], names[0], rows)
		}
		want := e.net.inShapes[i]
		if !equalShape(s[1:], want) {
			hint := ""
			if len(s) == len(want) {
				hint = " (did you pass one example without the batch axis?)"
			}
			return fmt.Errorf("models: %s: %s has per-example shape %v, model expects %v%s", op, arg, s[1:], want, hint)
		}
	}
	return nil
}

// checkXFinite is checkX's check that the inputs are finite, for those
// inputs i that later(i) does not leave to the caller (nil: all).
func checkXFinite(op string, names []string, xs []Array, later func(i int) bool) error {
	for i, x := range xs {
		if _, ok := asStrings(x); ok {
			continue // texts: the layer they feed checks them (strings.go)
		}
		if later != nil && later(i) {
			continue
		}
		if err := checkFinite(op, names[i], "inputs", x); err != nil {
			return err
		}
	}
	return nil
}

// checkY validates targets, one array per output, against x and the
// model's outputs.
func (e *engine) checkY(op string, names []string, xs, ys []Array) error {
	if len(ys) != len(names) {
		return fmt.Errorf("models: %s: got %d target arrays, the model has %d outputs", op, len(ys), len(names))
	}
	xs0 := shapeOf(xs[0])
	for i, y := range ys {
		arg := names[i]
		if isNil(y) {
			return fmt.Errorf("models: %s: %s is nil", op, arg)
		}
		ys := shapeOf(y)
		if err := checkDims(op, arg, ys); err != nil {
			return err
		}
		if len(ys) == 0 || ys[0] != xs0[0] {
			return fmt.Errorf("models: %s: %s has %v rows but x has %d (shapes %v and %v)", op, arg, dim0(ys), xs0[0], ys, xs0)
		}
		if err := validate(op, arg, y); err != nil {
			return err
		}
		if err := checkFinite(op, arg, "targets", y); err != nil {
			return err
		}
		out := e.net.outShapes[i]
		loss := e.heads[i].loss
		if lc, ok := loss.(losses.LabelChecker); ok {
			if err := losses.SparseLabelShape(ys[1:], out); err != nil {
				return fmt.Errorf("models: %s: %s: %w", op, arg, err)
			}
			if err := checkLabels(op, arg, lc, y, out[len(out)-1]); err != nil {
				return err
			}
			continue
		}
		if tc, ok := loss.(losses.TargetChecker); ok {
			if err := tc.CheckTargets(ys[1:], out); err != nil {
				return fmt.Errorf("models: %s: %s has %w", op, arg, err)
			}
			continue
		}
		// A loss of one's own that declares nothing takes y as it is, as in
		// Keras; an output without a loss keeps the elementwise rule, for
		// its metrics.
		if loss == nil && !equalShape(ys[1:], out) && prodShape(ys[1:]) != prodShape(out) {
			return fmt.Errorf("models: %s: %s has per-example shape %v, model outputs %v", op, arg, ys[1:], out)
		}
	}
	return nil
}

// validate runs a Validator's own check, also for a view of one.
func validate(op, arg string, a Array) error {
	if v, ok := a.(*rowView); ok {
		a = v.a
	}
	if v, ok := a.(Validator); ok {
		if err := v.Validate(); err != nil {
			return fmt.Errorf("models: %s: %s: %w", op, arg, err)
		}
	}
	return nil
}

// checkFinite returns an error naming the first NaN or ±Inf of a, unless a
// is a Validator (or a view of one), which checked itself. what names the
// values: "inputs" or "targets".
func checkFinite(op, arg, what string, a Array) error {
	base := a
	if v, ok := a.(*rowView); ok {
		base = v.a
	}
	if _, ok := base.(Validator); ok {
		return nil
	}
	var err error
	eachChunk(a, func(lo int, b *tensor.Tensor) bool {
		d := b.Data()
		if i := firstNonFinite(d); i >= 0 {
			err = fmt.Errorf("models: %s: %s holds %v at flat index %d; %s must be finite", op, arg, d[i], lo*(len(d)/b.Dim(0))+i, what)
			return false
		}
		return true
	})
	return err
}

// checkLabels runs the loss's label check on y, converting an Array that
// is not a tensor in blocks of bounded size. An error in a later block
// names the block's rows, y[lo:hi], and counts indices from its start.
func checkLabels(op, arg string, lc losses.LabelChecker, y Array, classes int) error {
	var err error
	n := shapeOf(y)[0]
	eachChunk(y, func(lo int, b *tensor.Tensor) bool {
		if e := lc.CheckLabels(b, classes); e != nil {
			if hi := lo + b.Dim(0); lo == 0 && hi == n {
				err = fmt.Errorf("models: %s: %s: %w", op, arg, e)
			} else {
				err = fmt.Errorf("models: %s: %s[%d:%d]: %w", op, arg, lo, hi, e)
			}
			return false
		}
		return true
	})
	return err
}

func dim0(s []int) any {
	if len(s) == 0 {
		return "no"
	}
	return s[0]
}

// firstNonFinite returns the index of the first NaN or ±Inf in d, or -1.
// A vector pass finds out cheaply whether there is anything to look for.
func firstNonFinite(d []float32) int {
	if vec.AllFinite(d) {
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

// checkDims refuses an Array that reports a negative size for an axis.
func checkDims(op, arg string, s []int) error {
	for i, d := range s {
		if d < 0 {
			return fmt.Errorf("models: %s: %s has a negative size %d on axis %d (shape %v)", op, arg, d, i, s)
		}
	}
	return nil
}
