package layers

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/neuron-go/neuron/tensor"
)

// RandomContrast adjusts the contrast of each image of a channels-last
// batch by a random factor while training, as Keras's RandomContrast does:
// with m the mean of each channel of the image,
//
//	y = clip((x − m)·c + m, ValueRange[0], ValueRange[1])
//
// with c drawn from [1 − lower, 1 + upper] for Factor's range
// (lower, upper). As in Keras 3, one value f gives the range (0, f), so
// that c is drawn from [1, 1 + f]; {lower, upper} are used as given
// (sorted). Outside training it passes its input through unchanged (not
// clipped). The gradient flows to the input. It has no weights.
type RandomContrast struct {
	// Factor is Keras's factor: one value in [0, 1], or two (sorted) of
	// which the first is at most 1 and the second at least 0. Required.
	Factor Factor
	// ValueRange is the range of the images' values, to which the result
	// is clipped; the zero value means Keras's [0, 255].
	ValueRange [2]float32
	// Seed, if not zero, seeds the layer's stream (Keras's seed).
	Seed uint64
	augmentState
}

const randomContrastStream = 0x72616e64636f6e74 // "randcont"

// ClassName implements Layer.
func (*RandomContrast) ClassName() string { return "RandomContrast" }

// contrastFactor resolves a factor with Keras's _set_factor and bounds
// (0, 1).
func contrastFactor(f Factor) (lower, upper float64, err error) {
	switch len(f) {
	case 0:
		return 0, 0, errors.New("is not set (Keras has no default)")
	case 1:
		if !(f[0] >= 0 && f[0] <= 1) {
			return 0, 0, fmt.Errorf("must be in [0, 1], got %v", f[0])
		}
		return 0, f[0], nil
	case 2:
		lo, hi := min(f[0], f[1]), max(f[0], f[1])
		if math.IsNaN(f[0]) || math.IsNaN(f[1]) || lo > 1 || hi < 0 || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
			return 0, 0, fmt.Errorf("must be two numbers, the lower at most 1 and the upper at least 0, got %v", []float64(f))
		}
		return lo, hi, nil
	}
	return 0, 0, fmt.Errorf("must hold one or two values, got %v", []float64(f))
}

func (l *RandomContrast) settings() (lower, upper float64, vr [2]float32, err error) {
	if lower, upper, err = contrastFactor(l.Factor); err != nil {
		return 0, 0, vr, fmt.Errorf("layers: RandomContrast: Factor %w", err)
	}
	vr = l.ValueRange
	if vr == [2]float32{} {
		vr = [2]float32{0, 255}
	}
	if !(vr[0] < vr[1]) || math.IsInf(float64(vr[0]), 0) || math.IsInf(float64(vr[1]), 0) {
		return 0, 0, vr, fmt.Errorf("layers: RandomContrast: ValueRange must be finite with ValueRange[0] < ValueRange[1], got %v", vr)
	}
	return lower, upper, vr, nil
}

// Plan implements Planner.
func (l *RandomContrast) Plan(in []int) ([]int, []WeightShape, error) {
	if _, _, _, err := l.settings(); err != nil {
		return nil, nil, err
	}
	if err := checkImages("RandomContrast", in); err != nil {
		return nil, nil, err
	}
	return append([]int(nil), in...), nil, nil
}

// Build implements Layer. It restarts the random stream.
func (l *RandomContrast) Build(in []int, _ *rand.Rand) ([]int, error) {
	out, _, err := l.Plan(in)
	if err != nil {
		return nil, err
	}
	l.reset()
	l.in = append([]int(nil), in...)
	return out, nil
}

// SeedFrom implements Seeder.
func (l *RandomContrast) SeedFrom(rng *rand.Rand) { l.seedFrom(rng, l.Seed, randomContrastStream) }

// Call implements Layer.
func (l *RandomContrast) Call(x *tensor.Tensor, training bool) *tensor.Tensor {
	if !training {
		return x
	}
	checkBatch("RandomContrast", x, l.in)
	lower, upper, vr, _ := l.settings()
	rng := l.stream(l.Seed, randomContrastStream)
	f := l.params(x.Dim(0))
	for i := range f {
		f[i] = float32(uniform(rng, 1-lower, 1+upper))
	}
	return tensor.AdjustContrast(x, f, vr[0], vr[1])
}

// Weights implements Layer.
func (*RandomContrast) Weights() []*Weight { return nil }

// The layer's Keras config (get_config and from_config), registered as a
// custom layer would be.
func init() { Register("RandomContrast", decodeRandomContrast) }

type randomContrastConfig struct {
	Factor     *Factor    `json:"factor"`
	ValueRange *[]float32 `json:"value_range"`
	Seed       *uint64    `json:"seed"`
}

// Config implements Configurable. Keras writes the factor as its range
// [lower, upper].
func (l *RandomContrast) Config() (any, error) {
	lower, upper, vr, err := l.settings()
	if err != nil {
		return nil, err
	}
	f, v := Factor{lower, upper}, []float32{vr[0], vr[1]}
	return randomContrastConfig{Factor: &f, ValueRange: &v, Seed: seedPtr(l.Seed)}, nil
}

func decodeRandomContrast(b []byte) (Layer, error) {
	var c randomContrastConfig
	if err := DecodeConfig(b, &c); err != nil {
		return nil, err
	}
	if c.Factor == nil {
		return nil, errors.New("factor is missing")
	}
	if _, _, err := contrastFactor(*c.Factor); err != nil {
		return nil, fmt.Errorf("factor %w", err)
	}
	l := &RandomContrast{Factor: *c.Factor, Seed: seedOf(c.Seed)}
	if c.ValueRange != nil {
		vr := *c.ValueRange
		if len(vr) != 2 || !(vr[0] < vr[1]) {
			return nil, fmt.Errorf("value_range must be two numbers, the first below the second, got %v", vr)
		}
		l.ValueRange = [2]float32{vr[0], vr[1]}
	}
	return l, nil
}
