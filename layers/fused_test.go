package layers_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/tensor"
	tt "github.com/neuron-go/neuron/tensor/tensortest"
)

// TestConvPoolFused checks that a ReLU Conv2D and a MaxPooling2D called as
// one fused operation give the same outputs and weight gradients, bit for
// bit, as the two layers called one after the other.
func TestConvPoolFused(t *testing.T) {
	conv := &layers.Conv2D{Filters: 8, KernelSize: [2]int{3, 3}, Activation: activations.ReLU}
	pool := &layers.MaxPooling2D{PoolSize: [2]int{2, 2}}
	out, err := conv.Build([]int{11, 11, 3}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Build(out, nil); err != nil {
		t.Fatal(err)
	}
	x := tt.Rand(5, -1, 1, 4, 11, 11, 3)
	run := func(fused bool) (y []float32, grads [][]float32) {
		var z *tensor.Tensor
		if fused {
			var ok bool
			if z, ok = conv.CallFused(pool, x, true); !ok {
				t.Fatal("CallFused declined a ReLU Conv2D followed by MaxPooling2D")
			}
		} else {
			z = pool.Call(conv.Call(x, true), true)
		}
		for _, w := range conv.Weights() {
			w.Value.ZeroGrad()
		}
		tensor.Backward(z.Mul(tt.Rand(6, -1, 1, z.Shape()...)).Sum())
		for _, w := range conv.Weights() {
			grads = append(grads, append([]float32(nil), w.Value.Grad().Data()...))
		}
		return append([]float32(nil), z.Data()...), grads
	}
	y1, g1 := run(false)
	y2, g2 := run(true)
	same := func(what string, a, b []float32) {
		for i := range a {
			if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
				t.Fatalf("%s %d: %v separate, %v fused", what, i, a[i], b[i])
			}
		}
	}
	same("output", y1, y2)
	for i := range g1 {
		same("gradient", g1[i], g2[i])
	}
	if _, ok := (&layers.Conv2D{Filters: 1, KernelSize: [2]int{1, 1}}).CallFused(pool, x, false); ok {
		t.Error("a linear Conv2D was fused")
	}
}
