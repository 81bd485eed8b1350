package data_test

import (
	"errors"
	"testing"

	"github.com/neuron-go/neuron/data"
	"github.com/neuron-go/neuron/tensor"
)

func TestStrings(t *testing.T) {
	s := data.Strings{"a b", "c"}
	if s.Rank() != 2 || s.Dim(0) != 2 || s.Dim(1) != 1 || s.Dim(-1) != 1 || s.Text(1) != "c" {
		t.Fatalf("Strings reports rank %d, dims %d %d, Text(1) %q", s.Rank(), s.Dim(0), s.Dim(1), s.Text(1))
	}
	var _ data.Array = s
	err := func() (err error) {
		defer tensor.RecoverShapeError(&err)
		s.TakeRowsInto(tensor.Zeros(1, 1), []int{0})
		return nil
	}()
	var se *tensor.ShapeError
	if !errors.As(err, &se) {
		t.Fatalf("TakeRowsInto: %v, want a *tensor.ShapeError", err)
	}
}
