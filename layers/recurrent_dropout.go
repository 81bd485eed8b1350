package layers

import (
	"fmt"
	"math/rand/v2"

	"github.com/neuron-go/neuron/tensor"
)

// rnnStream is the second PCG word of a recurrent layer's dropout stream
// seeded by its Seed.
const rnnStream = 0x726e6e64726f70 // "rnndrop"

// rnnDropout is a recurrent layer's dropout machinery: its random stream
// (seeded by the model like Dropout's, saved in checkpoints) and the
// buffer of the input mask's shape.
type rnnDropout struct {
	randomStream
	noise [3]int
}

// checkRates refuses dropout rates outside [0, 1) (Keras clips them
// silently; a rate of 1 there means none at all).
func checkRates(layer string, dropout, recurrent float32) error {
	if !(dropout >= 0 && dropout < 1) {
		return fmt.Errorf("layers: %s: Dropout must be in [0, 1), got %v", layer, dropout)
	}
	if !(recurrent >= 0 && recurrent < 1) {
		return fmt.Errorf("layers: %s: RecurrentDropout must be in [0, 1), got %v", layer, recurrent)
	}
	return nil
}

// apply draws a training call's dropout masks as Keras's cells do, one
// per example and feature, the same for every step: without recurrent
// dropout, one input mask for all gates (x ⊙ mask, returned); with it, a
// mask per gate for the input (if rate > 0) and for h (Keras's
// implementation 1), set in o.
func (r *rnnDropout) apply(x *tensor.Tensor, o *tensor.RNNOptions, rate, recRate float32, seed uint64, gates, units int, training bool) *tensor.Tensor {
	if !training || (rate == 0 && recRate == 0) {
		return x
	}
	rng := r.stream(seed, rnnStream)
	n, f := x.Dim(0), x.Dim(2)
	if recRate == 0 {
		r.noise = [3]int{n, 1, f}
		return tensor.DropoutNoiseShape(x, rate, r.noise[:], rng)
	}
	if rate > 0 {
		o.InMasks = tensor.DropoutMasks(x, gates*n*f, rate, rng)
	}
	o.RecMasks = tensor.DropoutMasks(x, gates*n*units, recRate, rng)
	return x
}

// seed starts the stream from the model's rng unless the layer has its
// own seed.
func (r *rnnDropout) seed(rng *rand.Rand, seed uint64) { r.seedFrom(rng, seed, rnnStream) }
