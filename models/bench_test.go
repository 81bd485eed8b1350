package models_test

import (
	"testing"

	"github.com/neuron-go/neuron/internal/course"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/tensor"
)

// BenchmarkTrainStep measures one steady-state training step (batch 32) of
// each course model.
func BenchmarkTrainStep(b *testing.B) {
	for _, tc := range courseModels {
		b.Run(tc.name, func(b *testing.B) {
			m := tc.build()
			if err := course.Compile(m); err != nil {
				b.Fatal(err)
			}
			arena := tensor.NewArena()
			x := tensor.Zeros(append([]int{32}, tc.in...)...).InArena(arena)
			y := tensor.Zeros(32)
			for i := range x.Data() {
				x.Data()[i] = float32(i%251) / 251
			}
			for i := range y.Data() {
				y.Data()[i] = float32(i % 10)
			}
			m.TrainStep(x, y)
			arena.Reset()
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				m.TrainStep(x, y)
				arena.Reset()
			}
		})
	}
}

// BenchmarkFunctionalTrainStep is BenchmarkTrainStep with each course model
// built as a functional model (Input, Apply, NewModel), to compare the
// graph network with the Sequential chain.
func BenchmarkFunctionalTrainStep(b *testing.B) {
	for _, tc := range courseModels {
		b.Run(tc.name, func(b *testing.B) {
			in := models.Input(tc.in, "")
			x := in
			for _, l := range tc.build().Layers() {
				x = models.Apply(l, x)
			}
			m, err := models.NewModel([]*models.Node{in}, []*models.Node{x})
			if err != nil {
				b.Fatal(err)
			}
			if err := m.Compile(models.CompileConfig{Optimizer: optimizers.NewAdam(), Loss: losses.SparseCategoricalCrossentropy{}, Metrics: []metrics.Metric{metrics.NewAccuracy()}}); err != nil {
				b.Fatal(err)
			}
			arena := tensor.NewArena()
			xs := []*tensor.Tensor{tensor.Zeros(append([]int{32}, tc.in...)...).InArena(arena)}
			ys := []*tensor.Tensor{tensor.Zeros(32)}
			for i := range xs[0].Data() {
				xs[0].Data()[i] = float32(i%251) / 251
			}
			for i := range ys[0].Data() {
				ys[0].Data()[i] = float32(i % 10)
			}
			m.TrainStep(xs, ys)
			arena.Reset()
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				m.TrainStep(xs, ys)
				arena.Reset()
			}
		})
	}
}
