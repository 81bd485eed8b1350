package layers

import (
	"math"
	"math/rand/v2"

	"github.com/neuron-go/neuron/tensor"
)

// RandomRotation rotates each image of a channels-last batch about its
// center by a random angle while training, as Keras's RandomRotation
// does: Factor is a fraction of a full turn (2π), so 0.1 means angles
// within ±36°, {-0.1, 0.2} from −36° to 72° (positive is
// counter-clockwise). Uncovered pixels are filled as FillMode says.
// Outside training it passes its input through. The gradient flows to the
// input through the interpolation. It has no weights.
type RandomRotation struct {
	// Factor is Keras's factor, with values in [-1, 1]; required.
	Factor Factor
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

const randomRotationStream = 0x72616e64726f7461 // "randrota"

// ClassName implements Layer.
func (*RandomRotation) ClassName() string { return "RandomRotation" }

func (l *RandomRotation) settings() (lo, hi float64, fill, interp string, err error) {
	if lo, hi, err = l.Factor.bounds("RandomRotation", "Factor", -1, 1, false); err != nil {
		return
	}
	fill, interp, err = affineSettings{l.FillMode, l.Interpolation}.resolve("RandomRotation")
	return
}

// Plan implements Planner.
func (l *RandomRotation) Plan(in []int) ([]int, []WeightShape, error) {
	if _, _, _, _, err := l.settings(); err != nil {
		return nil, nil, err
	}
	if err := checkImages("RandomRotation", in); err != nil {
		return nil, nil, err
	}
	return append([]int(nil), in...), nil, nil
}

// Build implements Layer. It restarts the random stream.
func (l *RandomRotation) Build(in []int, _ *rand.Rand) ([]int, error) {
	out, _, err := l.Plan(in)
	if err != nil {
		return nil, err
	}
	l.reset()
	l.in = append([]int(nil), in...)
	return out, nil
}

// SeedFrom implements Seeder.
func (l *RandomRotation) SeedFrom(rng *rand.Rand) { l.seedFrom(rng, l.Seed, randomRotationStream) }

// rotationMatrix is Keras's _compute_affine_matrix for a rotation by
// angle degrees about the center of an h×w image, in float32.
func rotationMatrix(t []float32, angle float64, h, w int) {
	a := float32(angle) * float32(math.Pi/180)
	cx, cy := 0.5*float32(w-1), 0.5*float32(h-1)
	cos, sin := float32(math.Cos(float64(a))), float32(math.Sin(float64(a)))
	a0, a1 := cos, -sin
	b0, b1 := sin, cos
	t[0], t[1], t[2] = a0, a1, cx-cx*a0-cy*a1
	t[3], t[4], t[5] = b0, b1, cy-cx*b0-cy*b1
	t[6], t[7] = 0, 0
}

// Call implements Layer.
func (l *RandomRotation) Call(x *tensor.Tensor, training bool) *tensor.Tensor {
	if !training {
		return x
	}
	checkBatch("RandomRotation", x, l.in)
	lo, hi, fill, interp, _ := l.settings()
	rng := l.stream(l.Seed, randomRotationStream)
	n := x.Dim(0)
	t := l.params(8 * n)
	for i := range n {
		rotationMatrix(t[8*i:8*i+8], uniform(rng, lo*360, hi*360), l.in[0], l.in[1])
	}
	return tensor.AffineTransform(x, t, interp, fill, l.FillValue)
}

// Weights implements Layer.
func (*RandomRotation) Weights() []*Weight { return nil }

// The layer's Keras config (get_config and from_config), registered as a
// custom layer would be.
func init() { Register("RandomRotation", decodeRandomRotation) }

// Config implements Configurable. Keras writes the factor as its range
// [lower, upper].
func (l *RandomRotation) Config() (any, error) {
	lo, hi, fill, interp, err := l.settings()
	if err != nil {
		return nil, err
	}
	f := Factor{lo, hi}
	return affineConfig{Factor: &f, FillMode: fill, Interpolation: interp,
		Seed: seedPtr(l.Seed), FillValue: l.FillValue, DataFormat: channelsLast()}, nil
}

func decodeRandomRotation(b []byte) (Layer, error) {
	c, err := decodeAffine(b)
	if err != nil {
		return nil, err
	}
	if c.HeightFactor != nil || c.WidthFactor != nil {
		return nil, errNotKey("height_factor, width_factor")
	}
	l := &RandomRotation{FillMode: c.FillMode, Interpolation: c.Interpolation, FillValue: c.FillValue, Seed: seedOf(c.Seed)}
	check := func(f Factor) error { _, _, err := f.bounds("RandomRotation", "factor", -1, 1, false); return err }
	if l.Factor, err = factorKey("factor", c.Factor, check); err != nil {
		return nil, err
	}
	return l, nil
}
