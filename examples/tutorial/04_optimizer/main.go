// Command 04_optimizer is the tutorial's chapter on the optimizer: gradient
// descent steps a weight against the gradient of the loss until the loss is
// smallest, first for one weight by hand, then for a line fitted by SGD and
// by Adam.
//
// Usage:
//
//	go run ./examples/tutorial/04_optimizer
package main

import (
	"fmt"

	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/tensor"
)

func main() {
	// loss(w) = (w - 3)², smallest at w = 3. Its gradient is 2(w - 3), so
	// one step of gradient descent is w ← w - lr·2(w - 3).
	w := tensor.FromSlice([]float32{0}).RequireGrad()
	sgd := &optimizers.SGD{LearningRate: 0.1}
	sgd.Build([]*tensor.Tensor{w})
	for step := 1; step <= 10; step++ {
		loss := w.AddScalar(-3).Square().Sum()
		tensor.Backward(loss) // the gradient, as the next chapter explains
		sgd.Apply([]*tensor.Tensor{w})
		w.ZeroGrad()
		fmt.Printf("step %2d: loss %.4f -> w %.4f\n", step, loss.Item(), w.Item())
	}

	// Fit y = a·x + b to points of the line y = 2x + 1.
	x := tensor.FromSlice([]float32{-1, 0, 1, 2, 3}, 5, 1)
	y := tensor.FromSlice([]float32{-1, 1, 3, 5, 7}, 5, 1)
	for _, opt := range []optimizers.Optimizer{optimizers.NewSGD(), &optimizers.Adam{LearningRate: 0.1}} {
		a := tensor.Zeros(1, 1).RequireGrad()
		b := tensor.Zeros(1).RequireGrad()
		weights := []*tensor.Tensor{a, b}
		opt.Build(weights)
		var loss *tensor.Tensor
		for step := 0; step < 500; step++ {
			loss = losses.MeanSquaredError{}.Call(y, x.MatMul(a).Add(b))
			tensor.Backward(loss)
			opt.Apply(weights)
			a.ZeroGrad()
			b.ZeroGrad()
		}
		fmt.Printf("%-4s (learning rate %g): a = %.4f, b = %.4f, loss %.6f\n", opt.Name(), opt.LR(), a.Item(), b.Item(), loss.Item())
	}
}
