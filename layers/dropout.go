package layers

import (
	"fmt"
	"math/rand/v2"

	"github.com/neuron-go/neuron/tensor"
)

// Dropout sets a random fraction Rate of its inputs to zero while training
// and scales the others by 1/(1 − Rate), so that the expected sum is
// unchanged (inverted dropout, as in Keras). It helps against overfitting.
// Outside training (Evaluate, Predict) it passes its input through.
//
// Shapes: any → the same. It has no weights.
//
// Randomness: a model gives each Dropout its own stream, derived from the
// model's seed, after Build (see Seeder), so a run with a fixed seed is
// repeatable. Seed, when not zero, fixes the layer's stream instead,
// like Keras's seed argument.
type Dropout struct {
	// Rate is the fraction of inputs to drop, in [0, 1).
	Rate float32
	// Seed, if not zero, seeds the layer's random stream regardless
	// of the model's seed (Keras's seed argument).
	Seed uint64

	rng *rand.Rand
	src *rand.PCG // rng's source, whose state checkpoints save
}

// dropoutStream is the second PCG word of a stream seeded by Seed,
// so that it differs from other streams seeded with the same number.
const dropoutStream = 0x64726f706f7574 // "dropout"

// ClassName implements Layer.
func (*Dropout) ClassName() string { return "Dropout" }

// Build implements Layer. It also restarts the random stream, so that
// building again repeats the same masks.
func (l *Dropout) Build(in []int, _ *rand.Rand) ([]int, error) {
	if !(l.Rate >= 0 && l.Rate < 1) {
		return nil, fmt.Errorf("layers: Dropout: Rate must be in [0, 1), got %v", l.Rate)
	}
	l.rng = nil
	return append([]int(nil), in...), nil
}

// SeedFrom implements Seeder: the layer draws its masks from a stream derived
// from rng (the layer keeps its own generator, so rng may be used for other
// things afterwards), unless Seed is set.
func (l *Dropout) SeedFrom(rng *rand.Rand) {
	if l.Seed != 0 {
		l.rng = l.ownStream()
		return
	}
	l.rng = l.stream(rng.Uint64(), rng.Uint64())
}

func (l *Dropout) ownStream() *rand.Rand {
	return l.stream(l.Seed, dropoutStream)
}

// Call implements Layer.
func (l *Dropout) Call(x *tensor.Tensor, training bool) *tensor.Tensor {
	if !training || l.Rate == 0 {
		return x
	}
	if l.rng == nil {
		// Used without a model: the stream comes from Seed alone.
		l.rng = l.ownStream()
	}
	return tensor.Dropout(x, l.Rate, l.rng)
}

// Weights implements Layer.
func (*Dropout) Weights() []*Weight { return nil }
