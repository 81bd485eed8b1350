package layers

import (
	"fmt"
	"math/rand/v2"

	"github.com/neuron-go/neuron/tensor"
)

// GaussianNoise adds noise drawn from N(0, Stddev²) to its input while
// training, as Keras's GaussianNoise does; outside training it passes the
// input through. It has no weights.
//
// Randomness as Dropout: the model's seed gives the layer its stream
// unless Seed is set.
type GaussianNoise struct {
	// Stddev is the noise's standard deviation, in [0, 1] as Keras
	// requires (Keras has no default).
	Stddev float32
	// Seed, if not zero, seeds the layer's stream (Keras's seed).
	Seed uint64
	randomStream
}

// GaussianDropout multiplies its input by noise drawn from N(1, Rate/(1 −
// Rate)) while training, as Keras's GaussianDropout does; outside
// training it passes the input through. It has no weights.
type GaussianDropout struct {
	// Rate is the drop probability of the equivalent Dropout, in [0, 1).
	Rate float32
	// Seed, if not zero, seeds the layer's stream (Keras's seed).
	Seed uint64
	randomStream
}

// SpatialDropout2D drops whole channels of channels-last images while
// training (one decision per image and channel, Keras's noise shape
// (batch, 1, 1, channels)) and scales the others by 1/(1 − Rate). It has
// no weights.
type SpatialDropout2D struct {
	// Rate is the fraction of channels to drop, in [0, 1).
	Rate float32
	// Seed, if not zero, seeds the layer's stream (Keras's seed).
	Seed uint64
	randomStream
	noise []int
}

// SpatialDropout1D drops whole features of sequences while training (one
// decision per sequence and feature, noise shape (batch, 1, features)).
// It has no weights.
type SpatialDropout1D struct {
	// Rate is the fraction of features to drop, in [0, 1).
	Rate float32
	// Seed, if not zero, seeds the layer's stream (Keras's seed).
	Seed uint64
	randomStream
	noise []int
}

// Second words of the streams seeded by Seed, distinct per class.
const (
	gaussianNoiseStream   = 0x67617573736e6f // "gaussno"
	gaussianDropoutStream = 0x67617573736472 // "gaussdr"
	spatialDropoutStream  = 0x7370617464726f // "spatdro"
)

// ClassName implements Layer.
func (*GaussianNoise) ClassName() string { return "GaussianNoise" }

// ClassName implements Layer.
func (*GaussianDropout) ClassName() string { return "GaussianDropout" }

// ClassName implements Layer.
func (*SpatialDropout2D) ClassName() string { return "SpatialDropout2D" }

// ClassName implements Layer.
func (*SpatialDropout1D) ClassName() string { return "SpatialDropout1D" }

func checkRate(layer string, rate float32) error {
	if !(rate >= 0 && rate < 1) {
		return fmt.Errorf("layers: %s: Rate must be in [0, 1), got %v", layer, rate)
	}
	return nil
}

// Build implements Layer. It restarts the random stream.
func (l *GaussianNoise) Build(in []int, _ *rand.Rand) ([]int, error) {
	if !(l.Stddev >= 0 && l.Stddev <= 1) {
		return nil, fmt.Errorf("layers: GaussianNoise: Stddev must be in [0, 1], got %v", l.Stddev)
	}
	l.reset()
	return append([]int(nil), in...), nil
}

// Build implements Layer. It restarts the random stream.
func (l *GaussianDropout) Build(in []int, _ *rand.Rand) ([]int, error) {
	if err := checkRate("GaussianDropout", l.Rate); err != nil {
		return nil, err
	}
	l.reset()
	return append([]int(nil), in...), nil
}

// Build implements Layer. It restarts the random stream.
func (l *SpatialDropout2D) Build(in []int, _ *rand.Rand) ([]int, error) {
	if err := checkRate("SpatialDropout2D", l.Rate); err != nil {
		return nil, err
	}
	if len(in) != 3 {
		return nil, fmt.Errorf("layers: SpatialDropout2D: want examples of rank 3 (height, width, channels), got shape %v", in)
	}
	l.reset()
	l.noise = []int{0, 1, 1, in[2]}
	return append([]int(nil), in...), nil
}

// Build implements Layer. It restarts the random stream.
func (l *SpatialDropout1D) Build(in []int, _ *rand.Rand) ([]int, error) {
	if err := checkRate("SpatialDropout1D", l.Rate); err != nil {
		return nil, err
	}
	if len(in) != 2 {
		return nil, fmt.Errorf("layers: SpatialDropout1D: want examples of rank 2 (steps, features), got shape %v", in)
	}
	l.reset()
	l.noise = []int{0, 1, in[1]}
	return append([]int(nil), in...), nil
}

// SeedFrom implements Seeder.
func (l *GaussianNoise) SeedFrom(rng *rand.Rand) { l.seedFrom(rng, l.Seed, gaussianNoiseStream) }

// SeedFrom implements Seeder.
func (l *GaussianDropout) SeedFrom(rng *rand.Rand) { l.seedFrom(rng, l.Seed, gaussianDropoutStream) }

// SeedFrom implements Seeder.
func (l *SpatialDropout2D) SeedFrom(rng *rand.Rand) { l.seedFrom(rng, l.Seed, spatialDropoutStream) }

// SeedFrom implements Seeder.
func (l *SpatialDropout1D) SeedFrom(rng *rand.Rand) { l.seedFrom(rng, l.Seed, spatialDropoutStream) }

// Call implements Layer.
func (l *GaussianNoise) Call(x *tensor.Tensor, training bool) *tensor.Tensor {
	if !training || l.Stddev == 0 {
		return x
	}
	return tensor.GaussianNoise(x, l.Stddev, l.stream(l.Seed, gaussianNoiseStream))
}

// Call implements Layer.
func (l *GaussianDropout) Call(x *tensor.Tensor, training bool) *tensor.Tensor {
	if !training || l.Rate == 0 {
		return x
	}
	return tensor.GaussianDropout(x, l.Rate, l.stream(l.Seed, gaussianDropoutStream))
}

// Call implements Layer.
func (l *SpatialDropout2D) Call(x *tensor.Tensor, training bool) *tensor.Tensor {
	if !training || l.Rate == 0 {
		return x
	}
	l.noise[0] = x.Dim(0)
	return tensor.DropoutNoiseShape(x, l.Rate, l.noise, l.stream(l.Seed, spatialDropoutStream))
}

// Call implements Layer.
func (l *SpatialDropout1D) Call(x *tensor.Tensor, training bool) *tensor.Tensor {
	if !training || l.Rate == 0 {
		return x
	}
	l.noise[0] = x.Dim(0)
	return tensor.DropoutNoiseShape(x, l.Rate, l.noise, l.stream(l.Seed, spatialDropoutStream))
}

// Weights implements Layer.
func (*GaussianNoise) Weights() []*Weight { return nil }

// Weights implements Layer.
func (*GaussianDropout) Weights() []*Weight { return nil }

// Weights implements Layer.
func (*SpatialDropout2D) Weights() []*Weight { return nil }

// Weights implements Layer.
func (*SpatialDropout1D) Weights() []*Weight { return nil }

// Plan implements Planner.
func (l *GaussianNoise) Plan(in []int) ([]int, []WeightShape, error) {
	c := *l
	out, err := c.Build(in, nil)
	return out, nil, err
}

// Plan implements Planner.
func (l *GaussianDropout) Plan(in []int) ([]int, []WeightShape, error) {
	c := *l
	out, err := c.Build(in, nil)
	return out, nil, err
}

// Plan implements Planner.
func (l *SpatialDropout2D) Plan(in []int) ([]int, []WeightShape, error) {
	c := *l
	out, err := c.Build(in, nil)
	return out, nil, err
}

// Plan implements Planner.
func (l *SpatialDropout1D) Plan(in []int) ([]int, []WeightShape, error) {
	c := *l
	out, err := c.Build(in, nil)
	return out, nil, err
}

// The layers' Keras configs (get_config and from_config), registered as a
// custom layer would be. Keras writes "seed": null for no seed.
func init() {
	Register("GaussianNoise", func(b []byte) (Layer, error) {
		var c gaussianNoiseConfig
		if err := DecodeConfig(b, &c); err != nil {
			return nil, err
		}
		if c.Stddev == nil || !(*c.Stddev >= 0 && *c.Stddev <= 1) {
			return nil, fmt.Errorf("stddev must be in [0, 1], got %v", ptrString(c.Stddev))
		}
		return &GaussianNoise{Stddev: *c.Stddev, Seed: seedOf(c.Seed)}, nil
	})
	Register("GaussianDropout", rateDecoder(func(rate float32, seed uint64) Layer { return &GaussianDropout{Rate: rate, Seed: seed} }, false))
	Register("SpatialDropout1D", rateDecoder(func(rate float32, seed uint64) Layer { return &SpatialDropout1D{Rate: rate, Seed: seed} }, false))
	Register("SpatialDropout2D", rateDecoder(func(rate float32, seed uint64) Layer { return &SpatialDropout2D{Rate: rate, Seed: seed} }, true))
}

type gaussianNoiseConfig struct {
	Stddev *float32 `json:"stddev"`
	Seed   *uint64  `json:"seed"`
}

type rateConfig struct {
	Rate       *float32 `json:"rate"`
	Seed       *uint64  `json:"seed"`
	DataFormat *string  `json:"data_format,omitempty"`
}

func seedOf(s *uint64) uint64 {
	if s == nil {
		return 0
	}
	return *s
}

func seedPtr(s uint64) *uint64 {
	if s == 0 {
		return nil
	}
	return &s
}

func ptrString(f *float32) string {
	if f == nil {
		return "nothing"
	}
	return fmt.Sprint(*f)
}

// rateDecoder decodes the config of a layer with Keras's rate and seed
// (and data_format if dataFormat).
func rateDecoder(make func(rate float32, seed uint64) Layer, dataFormat bool) Decoder {
	return func(b []byte) (Layer, error) {
		var c rateConfig
		if err := DecodeConfig(b, &c); err != nil {
			return nil, err
		}
		if c.Rate == nil || !(*c.Rate >= 0 && *c.Rate < 1) {
			return nil, fmt.Errorf("rate must be in [0, 1), got %v", ptrString(c.Rate))
		}
		if c.DataFormat != nil {
			if !dataFormat {
				return nil, fmt.Errorf("data_format: not a key of this layer")
			}
			if err := checkDataFormat(*c.DataFormat); err != nil {
				return nil, err
			}
		}
		return make(*c.Rate, seedOf(c.Seed)), nil
	}
}

// Config implements Configurable.
func (l *GaussianNoise) Config() (any, error) {
	s := l.Stddev
	return gaussianNoiseConfig{&s, seedPtr(l.Seed)}, nil
}

// Config implements Configurable.
func (l *GaussianDropout) Config() (any, error) {
	r := l.Rate
	return rateConfig{Rate: &r, Seed: seedPtr(l.Seed)}, nil
}

// Config implements Configurable.
func (l *SpatialDropout1D) Config() (any, error) {
	r := l.Rate
	return rateConfig{Rate: &r, Seed: seedPtr(l.Seed)}, nil
}

// Config implements Configurable.
func (l *SpatialDropout2D) Config() (any, error) {
	r, f := l.Rate, "channels_last"
	return rateConfig{Rate: &r, Seed: seedPtr(l.Seed), DataFormat: &f}, nil
}
