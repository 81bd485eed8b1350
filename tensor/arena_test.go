package tensor_test

import (
	"testing"

	"github.com/neuron-go/neuron/tensor"
	tt "github.com/neuron-go/neuron/tensor/tensortest"
)

// TestArenaStepsMatchHeap runs the same small network's step three times
// in one arena, resetting it in between so that tensors, nodes and buffers
// are reused, and checks every step's loss and gradients against the same
// step computed on the heap.
func TestArenaStepsMatchHeap(t *testing.T) {
	w1, b1 := tt.Rand(1, -1, 1, 12, 8).RequireGrad(), tt.Rand(2, -1, 1, 8).RequireGrad()
	w2 := tt.Rand(3, -1, 1, 2, 2, 2, 3).RequireGrad()
	labels := tensor.FromSlice([]float32{0, 2, 1, 1})
	step := func(x *tensor.Tensor) (loss float32, grads [][]float32) {
		h := tensor.Linear(x.Reshape(4, 12), w1, b1).ReLU().Reshape(4, 2, 2, 2)
		z := tensor.MaxPool2D(tensor.Conv2DReLU(h, w2, nil, [2]int{1, 1}, "same"), [2]int{2, 2}, [2]int{2, 2}, "valid")
		l := tensor.SparseSoftmaxCrossEntropy(z.Reshape(4, 3), labels).Mean()
		tensor.Backward(l)
		for _, w := range []*tensor.Tensor{w1, b1, w2} {
			grads = append(grads, append([]float32(nil), w.Grad().Data()...))
			w.ZeroGrad()
		}
		return l.Item(), grads
	}
	arena := tensor.NewArena()
	for i := range 3 {
		x := tt.Rand(uint64(10+i), -1, 1, 4, 3, 4)
		wantLoss, want := step(x)
		gotLoss, got := step(tensor.FromSlice(x.Data(), x.Shape()...).InArena(arena))
		arena.Reset()
		if gotLoss != wantLoss {
			t.Errorf("step %d: loss %v in the arena, %v on the heap", i, gotLoss, wantLoss)
		}
		for j := range want {
			if err := tt.AllClose(got[j], want[j], 0, 0); err != nil {
				t.Errorf("step %d, gradient %d: %v", i, j, err)
			}
		}
	}
}
