package models_test

import (
	"testing"

	"github.com/neuron-go/neuron/internal/course"
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
