package layers

import (
	"math/rand/v2"

	"github.com/neuron-go/neuron/tensor"
)

// RandomZoom zooms each image of a channels-last batch about its center by
// a random amount while training, as Keras's RandomZoom does: the image is
// scaled vertically by 1 + a value drawn from HeightFactor's range
// (positive values zoom out, negative zoom in: 0.2 means from 20 % in to
// 20 % out) and horizontally by WidthFactor's, or by the same amount as
// vertically when WidthFactor is nil (keeping the aspect ratio).
// Uncovered pixels are filled as FillMode says. Outside training it
// passes its input through. The gradient flows to the input through the
// interpolation. It has no weights.
type RandomZoom struct {
	// HeightFactor is Keras's height_factor, with values in (-1, 1];
	// required.
	HeightFactor Factor
	// WidthFactor is Keras's width_factor, with values in (-1, 1]; nil
	// (Keras's None) zooms both axes alike.
	WidthFactor Factor
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

const randomZoomStream = 0x72616e647a6f6f6d // "randzoom"

// ClassName implements Layer.
func (*RandomZoom) ClassName() string { return "RandomZoom" }

func (l *RandomZoom) settings() (hl, hu, wl, wu float64, fill, interp string, err error) {
	if hl, hu, err = l.HeightFactor.bounds("RandomZoom", "HeightFactor", -1, 1, true); err != nil {
		return
	}
	if l.WidthFactor != nil {
		if wl, wu, err = l.WidthFactor.bounds("RandomZoom", "WidthFactor", -1, 1, true); err != nil {
			return
		}
	}
	fill, interp, err = affineSettings{l.FillMode, l.Interpolation}.resolve("RandomZoom")
	return
}

// Plan implements Planner.
func (l *RandomZoom) Plan(in []int) ([]int, []WeightShape, error) {
	if _, _, _, _, _, _, err := l.settings(); err != nil {
		return nil, nil, err
	}
	if err := checkImages("RandomZoom", in); err != nil {
		return nil, nil, err
	}
	return append([]int(nil), in...), nil, nil
}

// Build implements Layer. It restarts the random stream.
func (l *RandomZoom) Build(in []int, _ *rand.Rand) ([]int, error) {
	out, _, err := l.Plan(in)
	if err != nil {
		return nil, err
	}
	l.reset()
	l.in = append([]int(nil), in...)
	return out, nil
}

// SeedFrom implements Seeder.
func (l *RandomZoom) SeedFrom(rng *rand.Rand) { l.seedFrom(rng, l.Seed, randomZoomStream) }

// Call implements Layer.
func (l *RandomZoom) Call(x *tensor.Tensor, training bool) *tensor.Tensor {
	if !training {
		return x
	}
	checkBatch("RandomZoom", x, l.in)
	hl, hu, wl, wu, fill, interp, _ := l.settings()
	rng := l.stream(l.Seed, randomZoomStream)
	n := x.Dim(0)
	t := l.params(8 * n)
	// Keras draws the heights' zooms for the batch, then the widths'.
	for i := range n {
		t[8*i+4] = float32(uniform(rng, 1+hl, 1+hu))
	}
	for i := range n {
		if l.WidthFactor != nil {
			t[8*i] = float32(uniform(rng, 1+wl, 1+wu))
		} else {
			t[8*i] = t[8*i+4]
		}
	}
	h, w := float32(l.in[0]), float32(l.in[1])
	for i := range n {
		zw, zh := t[8*i], t[8*i+4]
		// Keras's _get_zoom_matrix.
		t[8*i+1], t[8*i+2] = 0, (w-1)/2*(1-zw)
		t[8*i+3], t[8*i+5] = 0, (h-1)/2*(1-zh)
		t[8*i+6], t[8*i+7] = 0, 0
	}
	return tensor.AffineTransform(x, t, interp, fill, l.FillValue)
}

// Weights implements Layer.
func (*RandomZoom) Weights() []*Weight { return nil }

// The layer's Keras config (get_config and from_config), registered as a
// custom layer would be.
func init() { Register("RandomZoom", decodeRandomZoom) }

type randomZoomConfig struct {
	HeightFactor  *Factor `json:"height_factor"`
	WidthFactor   *Factor `json:"width_factor"`
	FillMode      string  `json:"fill_mode"`
	Interpolation string  `json:"interpolation"`
	Seed          *uint64 `json:"seed"`
	FillValue     float32 `json:"fill_value"`
	DataFormat    *string `json:"data_format"`
}

// Config implements Configurable.
func (l *RandomZoom) Config() (any, error) {
	_, _, _, _, fill, interp, err := l.settings()
	if err != nil {
		return nil, err
	}
	hf := append(Factor(nil), l.HeightFactor...)
	c := randomZoomConfig{HeightFactor: &hf, FillMode: fill, Interpolation: interp,
		Seed: seedPtr(l.Seed), FillValue: l.FillValue, DataFormat: channelsLast()}
	if l.WidthFactor != nil {
		wf := append(Factor(nil), l.WidthFactor...)
		c.WidthFactor = &wf
	}
	return c, nil
}

func decodeRandomZoom(b []byte) (Layer, error) {
	c, err := decodeAffine(b)
	if err != nil {
		return nil, err
	}
	if c.Factor != nil {
		return nil, errNotKey("factor")
	}
	l := &RandomZoom{FillMode: c.FillMode, Interpolation: c.Interpolation, FillValue: c.FillValue, Seed: seedOf(c.Seed)}
	check := func(f Factor) error { _, _, err := f.bounds("RandomZoom", "factor", -1, 1, true); return err }
	if l.HeightFactor, err = factorKey("height_factor", c.HeightFactor, check); err != nil {
		return nil, err
	}
	if c.WidthFactor != nil {
		if l.WidthFactor, err = factorKey("width_factor", c.WidthFactor, check); err != nil {
			return nil, err
		}
	}
	return l, nil
}
