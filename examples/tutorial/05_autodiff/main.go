// Command 05_autodiff is the tutorial's chapter on backpropagation and
// automatic differentiation: tensors record the operations that make them,
// and tensor.Backward walks that record backwards, applying the chain rule,
// to fill the gradient of every weight.
//
// Usage:
//
//	go run ./examples/tutorial/05_autodiff
package main

import (
	"fmt"
	"math"

	"github.com/neuron-go/neuron/tensor"
)

func main() {
	// f(x) = x² + 5x + 4, so df/dx = 2x + 5: at x = 3 that is 11.
	x := tensor.Scalar(3).RequireGrad()
	f := x.Square().Add(x.MulScalar(5)).AddScalar(4)
	tensor.Backward(f)
	fmt.Println("f(3) =", f.Item())
	fmt.Println("df/dx at 3 =", x.Grad().Item())

	// One neuron: z = w·x + b, y = sigmoid(z), loss = (y - t)².
	in := tensor.FromSlice([]float32{1, 2}, 1, 2)
	w := tensor.FromSlice([]float32{0.5, -0.25}, 2, 1).RequireGrad()
	b := tensor.FromSlice([]float32{0.1}, 1).RequireGrad()
	t := tensor.FromSlice([]float32{1}, 1, 1)
	y := in.MatMul(w).Add(b).Sigmoid() // forward pass
	loss := y.Sub(t).Square().Sum()    // loss
	tensor.Backward(loss)              // backpropagation
	fmt.Printf("y = %.6f, loss = %.6f\n", y.Item(), loss.Item())
	fmt.Printf("dloss/dw = %.6f\n", w.Grad().Data())
	fmt.Printf("dloss/db = %.6f\n", b.Grad().Data())

	// The chain rule written out: dloss/dz = 2(y - t) · y(1 - y), and
	// dz/dw = x, dz/db = 1.
	yv := float64(y.Item())
	dz := 2 * (yv - 1) * yv * (1 - yv)
	fmt.Printf("by hand:  dloss/dw = [%.6f %.6f], dloss/db = [%.6f]\n", dz*1, dz*2, dz)

	// Backpropagation then adjusts each weight against its gradient, as
	// the optimizer's step does (here SGD with learning rate 0.1).
	lr := float32(0.1)
	for i, g := range w.Grad().Data() {
		w.Data()[i] -= lr * g
	}
	b.Data()[0] -= lr * b.Grad().Data()[0]
	y2 := in.MatMul(w).Add(b).Sigmoid()
	fmt.Printf("after one step: y = %.6f, loss = %.6f\n", y2.Item(), math.Pow(float64(y2.Item())-1, 2))
}
