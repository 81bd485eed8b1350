package models_test

import (
	"math"
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/constraints"
	"github.com/neuron-go/neuron/internal/course"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/tensor"
)

// TestConstraintsAppliedAfterEachStep trains with a MaxNorm kernel
// constraint (column norms at most 0.1; Glorot's start near 1.1), NonNeg
// biases and a UnitNorm Conv2D kernel per filter, and checks the weights
// after each step; the steady-state step still allocates nothing.
func TestConstraintsAppliedAfterEachStep(t *testing.T) {
	conv := &layers.Conv2D{Filters: 3, KernelSize: [2]int{3, 3}, Activation: activations.ReLU,
		KernelConstraint: constraints.UnitNorm{Axis: []int{0, 1, 2}}}
	dense := &layers.Dense{Units: 10, Activation: activations.Softmax,
		KernelConstraint: constraints.MaxNorm{MaxValue: 0.1}, BiasConstraint: constraints.NonNeg{}}
	m := models.NewSequential(&layers.Input{Shape: []int{6, 6, 1}}, conv, &layers.Flatten{}, dense)
	if err := course.Compile(m); err != nil {
		t.Fatal(err)
	}
	arena := tensor.NewArena()
	x := tensor.Zeros(8, 6, 6, 1).InArena(arena)
	y := tensor.Zeros(8)
	for i := range x.Data() {
		x.Data()[i] = float32(i%13) / 13
	}
	for i := range y.Data() {
		y.Data()[i] = float32(i % 10)
	}
	check := func(step int) {
		k := dense.Weights()[0].Value
		in, units := k.Dim(0), k.Dim(1)
		for u := range units {
			var s float64
			for i := range in {
				v := float64(k.Data()[i*units+u])
				s += v * v
			}
			if n := math.Sqrt(s); n > 0.1+1e-6 {
				t.Fatalf("step %d: dense kernel column %d has norm %v > 0.1", step, u, n)
			}
		}
		for i, b := range dense.Weights()[1].Value.Data() {
			if b < 0 {
				t.Fatalf("step %d: bias %d = %v < 0", step, i, b)
			}
		}
		ck := conv.Weights()[0].Value
		f := ck.Dim(3)
		for j := range f {
			var s float64
			for i := j; i < ck.Size(); i += f {
				v := float64(ck.Data()[i])
				s += v * v
			}
			if n := math.Sqrt(s); math.Abs(n-1) > 1e-5 {
				t.Fatalf("step %d: conv filter %d has norm %v, want 1", step, j, n)
			}
		}
	}
	for step := range 3 {
		m.TrainStep(x, y)
		arena.Reset()
		check(step)
	}
	if allocs := testing.AllocsPerRun(5, func() { m.TrainStep(x, y); arena.Reset() }); allocs != 0 {
		t.Errorf("a constrained training step allocates %v times, want 0", allocs)
	}
}

// TestConstraintsInNestedModel checks that a constraint inside a model
// used as a layer is kept by the outer model's training.
func TestConstraintsInNestedModel(t *testing.T) {
	in := models.Input([]int{4}, "")
	inner := &layers.Dense{Units: 3, KernelConstraint: constraints.NonNeg{}}
	enc, err := models.NewModel([]*models.Node{in}, []*models.Node{models.Apply(inner, in)})
	if err != nil {
		t.Fatal(err)
	}
	x := models.Input([]int{4}, "")
	outer, err := models.NewModel([]*models.Node{x}, []*models.Node{models.Apply(&layers.Dense{Units: 1}, models.Apply(enc.AsLayer(), x))})
	if err != nil {
		t.Fatal(err)
	}
	if err := outer.Compile(models.CompileConfig{Optimizer: optimizers.NewSGD(), Loss: losses.MeanSquaredError{}}); err != nil {
		t.Fatal(err)
	}
	data, target := tensor.Zeros(16, 4), tensor.Zeros(16, 1)
	for i := range data.Data() {
		data.Data()[i] = float32(i%9)/9 - 0.4
	}
	for i := range target.Data() {
		target.Data()[i] = float32(i%2) - 0.5
	}
	if _, err := outer.Fit([]models.Array{data}, []models.Array{target}, models.FitConfig{Epochs: 2, Verbose: models.Silent}); err != nil {
		t.Fatal(err)
	}
	for i, v := range inner.Weights()[0].Value.Data() {
		if v < 0 {
			t.Fatalf("inner kernel[%d] = %v < 0 under NonNeg", i, v)
		}
	}
}
