package layers

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/neuron-go/neuron/tensor"
)

// What the image augmentation layers (RandomFlip, RandomTranslation,
// RandomRotation, RandomZoom, RandomContrast) share. Like Keras's, they
// change their input only in training (inside Fit) and pass it through
// otherwise. Their random streams come from the model's seed, like
// Dropout's, unless Seed is set, and checkpoints save them (RandomStater),
// so that a resumed run draws what an uninterrupted one would. Keras's and
// neuron's generators differ, so the same seed gives other draws than in
// Keras.

// Factor is Keras's factor argument of the augmentation layers: one value
// f means the range [-f, f] (RandomContrast: see there), two values
// {lower, upper} the range between them. nil means not set.
type Factor []float64

// bounds resolves f to (lower, upper) and checks it against Keras's
// bounds [lo, hi] (excluding lo if openLo) for each value.
func (f Factor) bounds(layer, field string, lo, hi float64, openLo bool) (float64, float64, error) {
	bad := func(v float64) bool {
		return math.IsNaN(v) || v > hi || v < lo || (openLo && v == lo)
	}
	rng := func() string {
		if openLo {
			return fmt.Sprintf("(%v, %v]", lo, hi)
		}
		return fmt.Sprintf("[%v, %v]", lo, hi)
	}
	switch len(f) {
	case 1:
		if bad(f[0]) {
			return 0, 0, fmt.Errorf("layers: %s: %s must be in %s, got %v", layer, field, rng(), f[0])
		}
		a := math.Abs(f[0])
		return -a, a, nil
	case 2:
		if bad(f[0]) || bad(f[1]) {
			return 0, 0, fmt.Errorf("layers: %s: %s values must be in %s, got %v", layer, field, rng(), []float64(f))
		}
		return min(f[0], f[1]), max(f[0], f[1]), nil
	case 0:
		return 0, 0, fmt.Errorf("layers: %s: %s is not set (Keras has no default)", layer, field)
	}
	return 0, 0, fmt.Errorf("layers: %s: %s must hold one or two values, got %v", layer, field, []float64(f))
}

// MarshalJSON writes one value as a number, two as a list, as Keras does.
func (f Factor) MarshalJSON() ([]byte, error) {
	if len(f) == 1 {
		return json.Marshal(f[0])
	}
	return json.Marshal([]float64(f))
}

// UnmarshalJSON reads a number or a list of numbers.
func (f *Factor) UnmarshalJSON(b []byte) error {
	var one float64
	if err := json.Unmarshal(b, &one); err == nil {
		*f = Factor{one}
		return nil
	}
	var two []float64
	if err := json.Unmarshal(b, &two); err != nil {
		return fmt.Errorf("want a number or a list of two numbers, got %s", b)
	}
	*f = two
	return nil
}

// checkImages requires channels-last images as per-example input.
func checkImages(layer string, in []int) error {
	if len(in) != 3 {
		return fmt.Errorf("layers: %s: want examples of rank 3 (height, width, channels), got shape %v", layer, in)
	}
	return checkOutput(layer, "input", in)
}

// affineSettings are the fill and interpolation settings of the geometric
// augmentations.
type affineSettings struct {
	FillMode      string
	Interpolation string
}

func (s affineSettings) resolve(layer string) (fill, interp string, err error) {
	fill, interp = s.FillMode, s.Interpolation
	if fill == "" {
		fill = tensor.FillReflect
	}
	if interp == "" {
		interp = tensor.Bilinear
	}
	switch fill {
	case tensor.FillReflect, tensor.FillWrap, tensor.FillConstant, tensor.FillNearest:
	default:
		return "", "", fmt.Errorf(`layers: %s: unknown FillMode %q (want "reflect", "wrap", "constant" or "nearest")`, layer, fill)
	}
	if interp != tensor.Bilinear && interp != tensor.Nearest {
		return "", "", fmt.Errorf(`layers: %s: unknown Interpolation %q (want "bilinear" or "nearest")`, layer, interp)
	}
	return fill, interp, nil
}

// augmentState is the per-layer state of the augmentation layers: the
// random stream and a buffer of per-image parameters reused across calls.
type augmentState struct {
	randomStream
	in  []int
	buf []float32
}

// params returns a buffer of n values, grown only when the batch grows.
func (a *augmentState) params(n int) []float32 {
	if cap(a.buf) < n {
		a.buf = make([]float32, n)
	}
	return a.buf[:n]
}

// uniform draws from [lo, hi) as Keras's random.uniform does (lo when
// they are equal).
func uniform(rng *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*rng.Float64() }

// affineConfig holds the keys RandomTranslation, RandomRotation and
// RandomZoom share.
type affineConfig struct {
	Factor        *Factor `json:"factor,omitempty"`
	HeightFactor  *Factor `json:"height_factor,omitempty"`
	WidthFactor   *Factor `json:"width_factor,omitempty"`
	FillMode      string  `json:"fill_mode"`
	Interpolation string  `json:"interpolation"`
	Seed          *uint64 `json:"seed"`
	FillValue     float32 `json:"fill_value"`
	DataFormat    *string `json:"data_format"`
}

// decodeAffine decodes and checks the shared keys.
func decodeAffine(b []byte) (affineConfig, error) {
	c := affineConfig{FillMode: tensor.FillReflect, Interpolation: tensor.Bilinear}
	if err := DecodeConfig(b, &c); err != nil {
		return c, err
	}
	if c.DataFormat != nil {
		if err := checkDataFormat(*c.DataFormat); err != nil {
			return c, err
		}
	}
	if _, _, err := (affineSettings{c.FillMode, c.Interpolation}).resolve(""); err != nil {
		return c, fmt.Errorf("fill_mode, interpolation: unknown %q or %q", c.FillMode, c.Interpolation)
	}
	if math.IsNaN(float64(c.FillValue)) || math.IsInf(float64(c.FillValue), 0) {
		return c, fmt.Errorf("fill_value must be finite, got %v", c.FillValue)
	}
	return c, nil
}

func channelsLast() *string {
	s := "channels_last"
	return &s
}

// factorKey checks a decoded factor with the layer's own check, naming
// the key.
func factorKey(key string, f *Factor, check func(Factor) error) (Factor, error) {
	if f == nil {
		return nil, fmt.Errorf("%s is missing", key)
	}
	if err := check(*f); err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	return *f, nil
}

func errNotKey(key string) error { return fmt.Errorf("%s: not a key of this layer", key) }
