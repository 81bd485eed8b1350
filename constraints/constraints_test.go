package constraints_test

import (
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/constraints"
)

// TestAgainstReference compares the constraints with
// testdata/constraints_ref.json, written by testdata/gen/constraints_ref.py
// from Keras 3's formulas in numpy.
func TestAgainstReference(t *testing.T) {
	b, err := os.ReadFile("testdata/constraints_ref.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Class string
		Args  struct {
			MaxValue *float64 `json:"max_value"`
			MinValue float64  `json:"min_value"`
			Rate     float64  `json:"rate"`
			Axis     []int    `json:"axis"`
		}
		Shape []int
		W     []float32
		Want  []float64
	}
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 10 {
		t.Fatalf("%d cases", len(cases))
	}
	for _, c := range cases {
		var k constraints.Constraint
		mv := 0.0
		if c.Args.MaxValue != nil {
			mv = *c.Args.MaxValue
		}
		switch c.Class {
		case "MaxNorm":
			k = constraints.MaxNorm{MaxValue: mv, Axis: c.Args.Axis}
		case "UnitNorm":
			k = constraints.UnitNorm{Axis: c.Args.Axis}
		case "MinMaxNorm":
			k = constraints.MinMaxNorm{MinValue: c.Args.MinValue, MaxValue: mv, Rate: c.Args.Rate, Axis: c.Args.Axis}
		case "NonNeg":
			k = constraints.NonNeg{}
		}
		if err := k.Check(c.Shape); err != nil {
			t.Fatal(err)
		}
		w := append([]float32(nil), c.W...)
		k.Apply(w, c.Shape)
		changed := false
		for i := range w {
			if math.Abs(float64(w[i])-c.Want[i]) > 1e-6*math.Max(1, math.Abs(c.Want[i])) {
				t.Errorf("%s%+v: w[%d] = %v, want %v", c.Class, c.Args, i, w[i], c.Want[i])
				break
			}
			changed = changed || c.W[i] != w[i]
		}
		if !changed {
			t.Errorf("%s%+v changed nothing; the case tests nothing", c.Class, c.Args)
		}
	}
}

func TestApplyDoesNotAllocate(t *testing.T) {
	w := make([]float32, 3*3*2*4)
	shape := []int{3, 3, 2, 4}
	for i := range w {
		w[i] = float32(i%7) - 3
	}
	for _, k := range []constraints.Constraint{
		constraints.MaxNorm{}, constraints.UnitNorm{Axis: []int{0, 1, 2}}, constraints.MinMaxNorm{Rate: 0.5}, constraints.NonNeg{},
	} {
		k.Apply(w, shape)
		if n := testing.AllocsPerRun(10, func() { k.Apply(w, shape) }); n != 0 {
			t.Errorf("%T: %v allocations", k, n)
		}
	}
}

func TestCheckErrors(t *testing.T) {
	for _, c := range []struct {
		k     constraints.Constraint
		shape []int
		want  string
	}{
		{constraints.MaxNorm{MaxValue: -1}, []int{2, 2}, "constraints: MaxNorm: max_value must be a positive number, got -1"},
		{constraints.MaxNorm{Axis: []int{2}}, []int{2, 2}, "constraints: MaxNorm: axis 2 is out of range for a weight of shape [2 2]"},
		{constraints.UnitNorm{Axis: []int{0, -2}}, []int{2, 2}, "constraints: UnitNorm: axis [0 -2] repeats an axis"},
		{constraints.UnitNorm{Axis: []int{}}, []int{2, 2}, "constraints: UnitNorm: axis is empty"},
		{constraints.MinMaxNorm{MinValue: 2, MaxValue: 1}, []int{2}, "constraints: MinMaxNorm: want 0 <= min_value <= max_value, both finite, got min_value 2, max_value 1"},
		{constraints.MinMaxNorm{Rate: 1.5}, []int{2}, "constraints: MinMaxNorm: rate must be in (0, 1], got 1.5"},
	} {
		if err := c.k.Check(c.shape); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%T%+v: error %v, want it to contain %q", c.k, c.k, err, c.want)
		}
	}
}
