// Package tensor provides neuron's n-dimensional float32 array and reverse-mode
// automatic differentiation.
//
// A Tensor is a row-major array of float32 with a shape. Operations are methods
// (x.MatMul(w).Add(b)) or package functions (Softmax, Concat) and run eagerly.
// When an input of an operation requires gradients (a trainable weight, or any
// tensor computed from one), the result remembers how it was made. Calling
// Backward on a scalar result then fills the gradient of every tensor that
// requires gradients and that the result depends on:
//
//	w := tensor.FromSlice([]float32{1, 2, 3}, 3).RequireGrad()
//	loss := w.Mul(w).Sum()       // Σ w²
//	tensor.Backward(loss)
//	fmt.Println(w.Grad().Data()) // [2 4 6]
//
// Custom layers and losses are written with these operations and need no
// backward code of their own.
//
// # Shapes and broadcasting
//
// Elementwise binary operations broadcast as NumPy does: shapes are aligned on
// their last axes, and an axis of size 1 (or a missing leading axis) stretches
// to match the other operand. Gradients are summed back to each input's shape.
//
// # Errors
//
// Operations panic with a *ShapeError when their operands do not fit (a wrong
// shape is a bug in the calling code, as with gonum's mat package). Functions
// that take user data, such as the model's Fit and Predict, validate shapes
// first and return errors instead.
//
// # Memory
//
// Results normally live on the Go heap. A training loop binds each batch to
// an Arena (x.InArena(a)) and calls a.Reset after the step: every tensor
// computed from the batch, its gradient and its graph node then come from
// the arena and are reused by the next step, so that a steady-state step of
// the model's training loop makes no heap allocation at all.
//
// # Precision
//
// Data are float32, as Keras's default floatx. Reductions (Sum, Mean) and
// matrix products accumulate in a way that does not depend on the number of
// CPU cores, so a run with a fixed seed is repeatable bit for bit.
package tensor
