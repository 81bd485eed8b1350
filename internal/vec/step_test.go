package vec

import (
	"math/rand/v2"
	"testing"

	"github.com/neuron-go/neuron/internal/gemm"
)

// BenchmarkDenseStep is the part of an MNIST DNN training step that the
// weights of its first layer see (batch 32, 784 → 256): the forward
// product, the kernel gradient xᵀ·g and the Adam update of the kernel, one
// after the other as in the step, so that each finds its operands where
// the one before left them (in which core's cache, or evicted).
func BenchmarkDenseStep(b *testing.B) {
	const n, in, out = 32, 784, 256
	rng := rand.New(rand.NewPCG(1, 1))
	x, dy := randSlice(rng, n*in, 1, false), randSlice(rng, n*out, 1, false)
	w, g := randSlice(rng, in*out, 0.05, false), make([]float32, in*out)
	m, v := make([]float32, in*out), make([]float32, in*out)
	y := make([]float32, n*out)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		gemm.Sgemm(false, false, n, out, in, x, in, w, out, 0, y, out)
		gemm.Sgemm(true, false, in, out, n, x, in, dy, out, 0, g, out)
		Adam(w, g, m, v, 1e-7, 0.1, 0.001, 1e-7)
	}
}
