package layers

import (
	"errors"
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

	randomStream
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
	l.reset()
	return append([]int(nil), in...), nil
}

// SeedFrom implements Seeder: the layer draws its masks from a stream derived
// from rng (the layer keeps its own generator, so rng may be used for other
// things afterwards), unless Seed is set.
func (l *Dropout) SeedFrom(rng *rand.Rand) { l.seedFrom(rng, l.Seed, dropoutStream) }

// Call implements Layer.
func (l *Dropout) Call(x *tensor.Tensor, training bool) *tensor.Tensor {
	if !training || l.Rate == 0 {
		return x
	}
	return tensor.Dropout(x, l.Rate, l.stream(l.Seed, dropoutStream))
}

// Weights implements Layer.
func (*Dropout) Weights() []*Weight { return nil }

// The layer's Keras config (get_config and from_config), registered as a
// custom layer would be.
func init() { Register("Dropout", decodeDropout) }

type dropoutConfig struct {
	Rate *float32 `json:"rate"`
	Seed uint64   `json:"seed,omitempty"`
}

// Config implements Configurable.
func (l *Dropout) Config() (any, error) {
	r := l.Rate
	return dropoutConfig{&r, l.Seed}, nil
}

func decodeDropout(b []byte) (Layer, error) {
	var c dropoutConfig
	if err := DecodeConfig(b, &c); err != nil {
		return nil, err
	}
	if c.Rate == nil {
		return nil, errors.New("rate is missing")
	}
	if r := *c.Rate; !(r >= 0 && r < 1) {
		return nil, fmt.Errorf("rate must be in [0, 1), got %v", r)
	}
	return &Dropout{Rate: *c.Rate, Seed: c.Seed}, nil
}

// Plan implements Planner.
func (l *Dropout) Plan(in []int) ([]int, []WeightShape, error) {
	c := *l
	out, err := c.Build(in, nil)
	return out, nil, err
}
