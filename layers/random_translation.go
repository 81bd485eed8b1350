package layers

import (
	"math/rand/v2"

	"github.com/neuron-go/neuron/tensor"
)

// RandomTranslation shifts each image of a channels-last batch by a
// random fraction of its size while training, as Keras's
// RandomTranslation does: vertically by a fraction drawn from
// HeightFactor's range times the height (positive moves the image down),
// horizontally by WidthFactor's times the width (positive moves it
// right). Uncovered pixels are filled as FillMode says. Outside training
// it passes its input through. The gradient flows to the input through
// the interpolation. It has no weights.
type RandomTranslation struct {
	// HeightFactor and WidthFactor are Keras's height_factor and
	// width_factor: 0.2 means shifts within ±20 %, {-0.2, 0.3} within
	// −20 % to +30 %; values must be in [-1, 1]. Both are required.
	HeightFactor, WidthFactor Factor
	// FillMode is "reflect" (the zero value, Keras's default), "wrap",
	// "constant" or "nearest".
	FillMode string
	// Interpolation is "bilinear" (the zero value, Keras's default) or
	// "nearest".
	Interpolation string
	// FillValue fills uncovered pixels with FillMode "constant".
	FillValue float32
	// Seed, if not zero, seeds the layer's stream (Keras's seed).
	Seed uint64
	augmentState
}

const randomTranslationStream = 0x72616e647472616e // "randtran"

// ClassName implements Layer.
func (*RandomTranslation) ClassName() string { return "RandomTranslation" }

func (l *RandomTranslation) settings() (hl, hu, wl, wu float64, fill, interp string, err error) {
	if hl, hu, err = l.HeightFactor.bounds("RandomTranslation", "HeightFactor", -1, 1, false); err != nil {
		return
	}
	if wl, wu, err = l.WidthFactor.bounds("RandomTranslation", "WidthFactor", -1, 1, false); err != nil {
		return
	}
	fill, interp, err = affineSettings{l.FillMode, l.Interpolation}.resolve("RandomTranslation")
	return
}

// Plan implements Planner.
func (l *RandomTranslation) Plan(in []int) ([]int, []WeightShape, error) {
	if _, _, _, _, _, _, err := l.settings(); err != nil {
		return nil, nil, err
	}
	if err := checkImages("RandomTranslation", in); err != nil {
		return nil, nil, err
	}
	return append([]int(nil), in...), nil, nil
}

// Build implements Layer. It restarts the random stream.
func (l *RandomTranslation) Build(in []int, _ *rand.Rand) ([]int, error) {
	out, _, err := l.Plan(in)
	if err != nil {
		return nil, err
	}
	l.reset()
	l.in = append([]int(nil), in...)
	return out, nil
}

// SeedFrom implements Seeder.
func (l *RandomTranslation) SeedFrom(rng *rand.Rand) {
	l.seedFrom(rng, l.Seed, randomTranslationStream)
}

// Call implements Layer.
func (l *RandomTranslation) Call(x *tensor.Tensor, training bool) *tensor.Tensor {
	if !training {
		return x
	}
	checkBatch("RandomTranslation", x, l.in)
	hl, hu, wl, wu, fill, interp, _ := l.settings()
	rng := l.stream(l.Seed, randomTranslationStream)
	n, h, w := x.Dim(0), float64(l.in[0]), float64(l.in[1])
	t := l.params(8 * n)
	// Keras draws the heights for the batch, then the widths.
	for i := range n {
		t[8*i+5] = -float32(uniform(rng, hl, hu) * h)
	}
	for i := range n {
		t[8*i+2] = -float32(uniform(rng, wl, wu) * w)
	}
	for i := range n {
		t[8*i], t[8*i+1], t[8*i+3], t[8*i+4], t[8*i+6], t[8*i+7] = 1, 0, 0, 1, 0, 0
	}
	return tensor.AffineTransform(x, t, interp, fill, l.FillValue)
}

// Weights implements Layer.
func (*RandomTranslation) Weights() []*Weight { return nil }

// The layer's Keras config (get_config and from_config), registered as a
// custom layer would be.
func init() { Register("RandomTranslation", decodeRandomTranslation) }

// Config implements Configurable.
func (l *RandomTranslation) Config() (any, error) {
	_, _, _, _, fill, interp, err := l.settings()
	if err != nil {
		return nil, err
	}
	hf, wf := append(Factor(nil), l.HeightFactor...), append(Factor(nil), l.WidthFactor...)
	return affineConfig{HeightFactor: &hf, WidthFactor: &wf, FillMode: fill, Interpolation: interp,
		Seed: seedPtr(l.Seed), FillValue: l.FillValue, DataFormat: channelsLast()}, nil
}

func decodeRandomTranslation(b []byte) (Layer, error) {
	c, err := decodeAffine(b)
	if err != nil {
		return nil, err
	}
	if c.Factor != nil {
		return nil, errNotKey("factor")
	}
	l := &RandomTranslation{FillMode: c.FillMode, Interpolation: c.Interpolation, FillValue: c.FillValue, Seed: seedOf(c.Seed)}
	check := func(f Factor) error { _, _, err := f.bounds("RandomTranslation", "factor", -1, 1, false); return err }
	if l.HeightFactor, err = factorKey("height_factor", c.HeightFactor, check); err != nil {
		return nil, err
	}
	if l.WidthFactor, err = factorKey("width_factor", c.WidthFactor, check); err != nil {
		return nil, err
	}
	return l, nil
}
