package tensor_test

import (
	"runtime"
	"testing"

	"github.com/neuron-go/neuron/tensor"
	tt "github.com/neuron-go/neuron/tensor/tensortest"
)

// BenchmarkAttention times DotProductAttention forward and backward on
// the transformer benchmark's shapes (32 sequences of 128 steps, 4 heads
// of 32), in an arena as a training step runs it, on one goroutine and two
// (cpu-ns/op: the process's CPU time, which a loaded machine distorts less).
func BenchmarkAttention(b *testing.B) {
	const B, T, H, dk = 32, 128, 4, 32
	for _, procs := range []int{1, 2} {
		b.Run(map[int]string{1: "P1", 2: "P2"}[procs], func(b *testing.B) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			arena := tensor.NewArena()
			q := tt.Rand(1, -1, 1, B, T, H, dk).RequireGrad()
			k := tt.Rand(2, -1, 1, B, T, H, dk).RequireGrad()
			v := tt.Rand(3, -1, 1, B, T, H, dk).RequireGrad()
			for _, x := range []*tensor.Tensor{q, k, v} {
				x.InArena(arena)
			}
			step := func() {
				o, _ := tensor.DotProductAttention(q, k, v, tensor.AttentionOptions{Scale: 0.17677669})
				tensor.Backward(o.Sum())
				q.ZeroGrad()
				k.ZeroGrad()
				v.ZeroGrad()
				arena.Reset()
			}
			step()
			c := startCPU()
			for b.Loop() {
				step()
			}
			c.report(b)
			b.ReportMetric(float64(6*2*B*H*T*T*dk)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
