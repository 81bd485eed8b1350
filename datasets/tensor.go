package datasets

import "github.com/neuron-go/neuron/tensor"

// Tensor returns the array as a float32 tensor of the same shape, values
// unchanged (0..255 for images), as NumPy promotes uint8 data when a model
// consumes it. Divide by 255 for inputs in [0, 1], as the course does:
//
//	x := xTrain.Tensor().DivScalar(255) // X_train / 255.0
func (a Uint8Array) Tensor() *tensor.Tensor {
	d := make([]float32, len(a.Data))
	for i, v := range a.Data {
		d[i] = float32(v)
	}
	return tensor.FromSlice(d, a.Shape...)
}
