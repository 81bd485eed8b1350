package layers

import (
	"fmt"
	"math/rand/v2"

	"github.com/neuron-go/neuron/tensor"
)

// RandomFlip flips each image of a channels-last batch with probability
// 1/2 while training, as Keras's RandomFlip does: left to right with Mode
// "horizontal", upside down with "vertical", and both at once (one draw
// per image, as in Keras) with "horizontal_and_vertical", the default.
// Outside training it passes its input through. The gradient flows
// through the flips. It has no weights.
type RandomFlip struct {
	// Mode is "horizontal_and_vertical" (the zero value, Keras's
	// default), "horizontal" or "vertical".
	Mode string
	// Seed, if not zero, seeds the layer's stream (Keras's seed).
	Seed uint64
	augmentState
}

const randomFlipStream = 0x72616e64666c6970 // "randflip"

// ClassName implements Layer.
func (*RandomFlip) ClassName() string { return "RandomFlip" }

func (l *RandomFlip) mode() (h, v bool, m string, err error) {
	m = l.Mode
	if m == "" {
		m = "horizontal_and_vertical"
	}
	switch m {
	case "horizontal_and_vertical":
		return true, true, m, nil
	case "horizontal":
		return true, false, m, nil
	case "vertical":
		return false, true, m, nil
	}
	return false, false, "", fmt.Errorf(`layers: RandomFlip: unknown Mode %q (want "horizontal", "vertical" or "horizontal_and_vertical")`, l.Mode)
}

// Plan implements Planner.
func (l *RandomFlip) Plan(in []int) ([]int, []WeightShape, error) {
	if _, _, _, err := l.mode(); err != nil {
		return nil, nil, err
	}
	if err := checkImages("RandomFlip", in); err != nil {
		return nil, nil, err
	}
	return append([]int(nil), in...), nil, nil
}

// Build implements Layer. It restarts the random stream.
func (l *RandomFlip) Build(in []int, _ *rand.Rand) ([]int, error) {
	out, _, err := l.Plan(in)
	if err != nil {
		return nil, err
	}
	l.reset()
	l.in = append([]int(nil), in...)
	return out, nil
}

// SeedFrom implements Seeder.
func (l *RandomFlip) SeedFrom(rng *rand.Rand) { l.seedFrom(rng, l.Seed, randomFlipStream) }

// Call implements Layer.
func (l *RandomFlip) Call(x *tensor.Tensor, training bool) *tensor.Tensor {
	if !training {
		return x
	}
	checkBatch("RandomFlip", x, l.in)
	h, v, _, _ := l.mode()
	rng := l.stream(l.Seed, randomFlipStream)
	flips := l.params(x.Dim(0))
	for i := range flips {
		flips[i] = 0
		if rng.Float64() <= 0.5 {
			flips[i] = 1
		}
	}
	return tensor.FlipImages(x, flips, h, v)
}

// Weights implements Layer.
func (*RandomFlip) Weights() []*Weight { return nil }

// The layer's Keras config (get_config and from_config), registered as a
// custom layer would be.
func init() { Register("RandomFlip", decodeRandomFlip) }

type randomFlipConfig struct {
	Seed       *uint64 `json:"seed"`
	Mode       string  `json:"mode"`
	DataFormat *string `json:"data_format"`
}

// Config implements Configurable.
func (l *RandomFlip) Config() (any, error) {
	_, _, m, err := l.mode()
	if err != nil {
		return nil, err
	}
	return randomFlipConfig{Seed: seedPtr(l.Seed), Mode: m, DataFormat: channelsLast()}, nil
}

func decodeRandomFlip(b []byte) (Layer, error) {
	c := randomFlipConfig{Mode: "horizontal_and_vertical"}
	if err := DecodeConfig(b, &c); err != nil {
		return nil, err
	}
	if c.DataFormat != nil {
		if err := checkDataFormat(*c.DataFormat); err != nil {
			return nil, err
		}
	}
	l := &RandomFlip{Mode: c.Mode, Seed: seedOf(c.Seed)}
	if _, _, _, err := l.mode(); err != nil {
		return nil, fmt.Errorf(`mode: unknown %q (want "horizontal", "vertical" or "horizontal_and_vertical")`, c.Mode)
	}
	return l, nil
}
