package models

import (
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/tensor"
)

// TestTrainStepAllocs counts heap allocations of one steady-state training
// step of the course's MNIST model at batch 32.
func TestTrainStepAllocs(t *testing.T) {
	m := NewSequential(
		&layers.Flatten{InputShape: []int{28, 28}},
		&layers.Dense{Units: 256, Activation: activations.ReLU},
		&layers.Dense{Units: 10, Activation: activations.Softmax},
	)
	if err := m.Compile(CompileConfig{Optimizer: optimizers.NewAdam(), Loss: losses.SparseCategoricalCrossentropy{},
		Metrics: []metrics.Metric{metrics.NewAccuracy()}}); err != nil {
		t.Fatal(err)
	}
	arena := tensor.NewArena()
	x := tensor.Zeros(32, 28, 28).InArena(arena)
	y := tensor.Zeros(32)
	for i := range x.Data() {
		x.Data()[i] = float32(i%255) / 255
	}
	for i := range y.Data() {
		y.Data()[i] = float32(i % 10)
	}
	step := func() {
		m.trainStep(x, y)
		arena.Reset()
	}
	step()
	allocs := testing.AllocsPerRun(20, step)
	t.Logf("allocations per step: %v", allocs)
	// The tensor storage comes from the arena; what remains are the small
	// bookkeeping objects of the graph (tensor headers, nodes, closures).
	if allocs > 60 {
		t.Errorf("a training step allocates %v times, want at most 60", allocs)
	}
}
