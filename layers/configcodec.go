package layers

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/initializers"
	"github.com/neuron-go/neuron/internal/strictjson"
)

// Keras config coding shared by the layers: shapes with the batch axis,
// initializers, regularizers, activations and data formats.

// batchShape is a shape with Keras's batch axis first, written null:
// [null, 28, 28].
type batchShape []*int

// toBatchShape adds the batch axis to a per-example shape.
func toBatchShape(s []int) batchShape {
	if s == nil {
		return nil
	}
	out := make(batchShape, len(s)+1)
	for i := range s {
		d := s[i]
		out[i+1] = &d
	}
	return out
}

// perExample checks a batch shape and drops its batch axis.
func (b batchShape) perExample(key string) ([]int, error) {
	if b == nil {
		return nil, nil
	}
	if len(b) < 2 || b[0] != nil {
		return nil, fmt.Errorf("%s: want [null, d1, d2, …] (the batch axis is null), got %s", key, b)
	}
	out := make([]int, len(b)-1)
	for i, d := range b[1:] {
		if d == nil || *d <= 0 {
			return nil, fmt.Errorf("%s: dimensions after the batch axis must be positive integers, got %s", key, b)
		}
		out[i] = *d
	}
	return out, nil
}

// String formats the shape as JSON.
func (b batchShape) String() string {
	parts := make([]string, len(b))
	for i, d := range b {
		if d == nil {
			parts[i] = "null"
		} else {
			parts[i] = fmt.Sprint(*d)
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// object is a serialized helper object: an initializer or a regularizer.
// Keras 3 also writes "module" and "registered_name"; they are accepted
// and not needed, the class name being looked up in a closed list.
type object struct {
	Module         *string         `json:"module,omitempty"`
	ClassName      string          `json:"class_name"`
	Config         json.RawMessage `json:"config"`
	RegisteredName *string         `json:"registered_name,omitempty"`
}

// Initializer configs, with Keras's class names and keys. Keras writes a
// seed (null unless given) for the random ones, and input_axes and
// output_axes (null) for the variance-scaling ones; they are accepted on
// load, and a seed is ignored: neuron's initial weights come from the
// model's seed.
type (
	seedKeys struct {
		Seed       *int64 `json:"seed,omitempty"`
		InputAxes  *[]int `json:"input_axes,omitempty"`
		OutputAxes *[]int `json:"output_axes,omitempty"`
	}
	randomUniformConfig struct {
		MinVal float64 `json:"minval"`
		MaxVal float64 `json:"maxval"`
		seedKeys
	}
	randomNormalConfig struct {
		Mean   float64 `json:"mean"`
		StdDev float64 `json:"stddev"`
		seedKeys
	}
	varianceScalingConfig struct {
		Scale        float64 `json:"scale"`
		Mode         string  `json:"mode"`
		Distribution string  `json:"distribution"`
		seedKeys
	}
	gainConfig struct {
		Gain float64 `json:"gain"`
		seedKeys
	}
	identityConfig struct {
		Gain *float64 `json:"gain,omitempty"`
	}
	constantConfig struct {
		Value float32 `json:"value"`
	}
	emptyConfig struct{}
)

// noAxes refuses input_axes and output_axes other than null, which
// neuron's fans (Keras's default rule) do not follow.
func (k seedKeys) noAxes() error {
	if k.InputAxes != nil || k.OutputAxes != nil {
		return errors.New("input_axes and output_axes are not supported")
	}
	return nil
}

// encodeInitializer returns the saved form of a built-in initializer; nil
// means def.
func encodeInitializer(key string, ini, def initializers.Initializer) (*object, error) {
	if ini == nil {
		ini = def
	}
	var class string
	var cfg any = emptyConfig{}
	switch v := ini.(type) {
	case initializers.GlorotUniform:
		class = "GlorotUniform"
	case initializers.GlorotNormal:
		class = "GlorotNormal"
	case initializers.HeNormal:
		class = "HeNormal"
	case initializers.HeUniform:
		class = "HeUniform"
	case initializers.LecunNormal:
		class = "LecunNormal"
	case initializers.LecunUniform:
		class = "LecunUniform"
	case initializers.Zeros:
		class = "Zeros"
	case initializers.Ones:
		class = "Ones"
	case initializers.RandomUniform:
		lo, hi := v.Min, v.Max
		if lo == 0 && hi == 0 {
			lo, hi = -0.05, 0.05
		}
		class, cfg = "RandomUniform", randomUniformConfig{MinVal: lo, MaxVal: hi}
	case initializers.RandomNormal:
		std := v.Stddev
		if std == 0 {
			std = 0.05
		}
		class, cfg = "RandomNormal", randomNormalConfig{Mean: v.Mean, StdDev: std}
	case initializers.TruncatedNormal:
		std := v.Stddev
		if std == 0 {
			std = 0.05
		}
		class, cfg = "TruncatedNormal", randomNormalConfig{Mean: v.Mean, StdDev: std}
	case initializers.VarianceScaling:
		scale, mode, dist := v.Settings()
		class, cfg = "VarianceScaling", varianceScalingConfig{Scale: scale, Mode: mode, Distribution: dist}
	case initializers.Orthogonal:
		g := v.Gain
		if g == 0 {
			g = 1
		}
		class, cfg = "Orthogonal", gainConfig{Gain: g}
	case initializers.Identity:
		// Keras's Identity writes no config (its gain is not saved); the
		// gain is written only when it is not the default 1.
		c := identityConfig{}
		if v.Gain != 0 && v.Gain != 1 {
			c.Gain = &v.Gain
		}
		class, cfg = "Identity", c
	case initializers.Constant:
		class, cfg = "Constant", constantConfig{v.Value}
	default:
		return nil, fmt.Errorf("%s: initializer %T cannot be saved (only the initializers package's can)", key, ini)
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	return &object{ClassName: class, Config: b}, nil
}

// initializerClasses are the initializer classes that load.
const initializerClasses = "Constant, GlorotNormal, GlorotUniform, HeNormal, HeUniform, Identity, LecunNormal, LecunUniform, Ones, Orthogonal, RandomNormal, RandomUniform, TruncatedNormal, VarianceScaling, Zeros"

// decodeInitializer builds an initializer from its saved form; nil gives
// nil (the layer's default).
func decodeInitializer(key string, o *object) (initializers.Initializer, error) {
	if o == nil {
		return nil, nil
	}
	cfg := o.Config
	if cfg == nil {
		cfg = []byte("{}")
	}
	var ini initializers.Initializer
	var err error
	switch o.ClassName {
	case "GlorotUniform", "GlorotNormal", "HeNormal", "HeUniform", "LecunNormal", "LecunUniform":
		var c seedKeys
		if err = strictjson.Decode(cfg, &c); err == nil {
			err = c.noAxes()
		}
		ini = map[string]initializers.Initializer{
			"GlorotUniform": initializers.GlorotUniform{},
			"GlorotNormal":  initializers.GlorotNormal{},
			"HeNormal":      initializers.HeNormal{},
			"HeUniform":     initializers.HeUniform{},
			"LecunNormal":   initializers.LecunNormal{},
			"LecunUniform":  initializers.LecunUniform{},
		}[o.ClassName]
	case "Zeros", "Ones":
		err = strictjson.Decode(cfg, &emptyConfig{})
		ini = initializers.Initializer(initializers.Zeros{})
		if o.ClassName == "Ones" {
			ini = initializers.Ones{}
		}
	case "RandomUniform":
		c := randomUniformConfig{MinVal: -0.05, MaxVal: 0.05}
		err = strictjson.Decode(cfg, &c)
		if err == nil && !(c.MinVal < c.MaxVal) {
			err = fmt.Errorf("minval %v must be less than maxval %v", c.MinVal, c.MaxVal)
		}
		ini = initializers.RandomUniform{Min: c.MinVal, Max: c.MaxVal}
	case "RandomNormal", "TruncatedNormal":
		c := randomNormalConfig{StdDev: 0.05}
		err = strictjson.Decode(cfg, &c)
		if err == nil && !(c.StdDev > 0) {
			err = fmt.Errorf("stddev must be positive, got %v", c.StdDev)
		}
		if o.ClassName == "RandomNormal" {
			ini = initializers.RandomNormal{Mean: c.Mean, Stddev: c.StdDev}
		} else {
			ini = initializers.TruncatedNormal{Mean: c.Mean, Stddev: c.StdDev}
		}
	case "VarianceScaling":
		c := varianceScalingConfig{Scale: 1, Mode: "fan_in", Distribution: "truncated_normal"}
		if err = strictjson.Decode(cfg, &c); err == nil {
			err = c.noAxes()
		}
		if err == nil && !(c.Scale > 0) {
			err = fmt.Errorf("scale must be positive, got %v", c.Scale)
		}
		vs := initializers.VarianceScaling{Scale: c.Scale, Mode: c.Mode, Distribution: strings.ToLower(c.Distribution)}
		if err == nil {
			err = vs.Check(nil)
		}
		ini = vs
	case "Orthogonal", "OrthogonalInitializer":
		c := gainConfig{Gain: 1}
		err = strictjson.Decode(cfg, &c)
		if err == nil && (c.Gain == 0 || math.IsNaN(c.Gain) || math.IsInf(c.Gain, 0)) {
			err = fmt.Errorf("gain must be finite and not 0, got %v", c.Gain)
		}
		ini = initializers.Orthogonal{Gain: c.Gain}
	case "Identity", "IdentityInitializer":
		var c identityConfig
		err = strictjson.Decode(cfg, &c)
		g := 1.0
		if c.Gain != nil {
			g = *c.Gain
		}
		if err == nil && (g == 0 || math.IsNaN(g) || math.IsInf(g, 0)) {
			err = fmt.Errorf("gain must be finite and not 0, got %v", g)
		}
		ini = initializers.Identity{Gain: g}
	case "Constant":
		var c constantConfig
		err = strictjson.Decode(cfg, &c)
		ini = initializers.Constant{Value: c.Value}
	default:
		return nil, fmt.Errorf("%s: unknown initializer class %q (known: %s)", key, o.ClassName, initializerClasses)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", key, o.ClassName, err)
	}
	return ini, nil
}

// l1l2Config is Keras's L1L2 regularizer config.
type l1l2Config struct {
	L1 float32 `json:"l1"`
	L2 float32 `json:"l2"`
}

// encodeRegularizer returns the saved form of a regularizer, nil for none.
func encodeRegularizer(key string, r Regularizer) (*object, error) {
	switch v := r.(type) {
	case nil:
		return nil, nil
	case L1L2:
		b, err := json.Marshal(l1l2Config(v))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		return &object{ClassName: "L1L2", Config: b}, nil
	}
	return nil, fmt.Errorf("%s: regularizer %T cannot be saved (only L1L2 can)", key, r)
}

// decodeRegularizer builds a regularizer from its saved form: Keras's
// L1L2, L1 or L2.
func decodeRegularizer(key string, o *object) (Regularizer, error) {
	if o == nil {
		return nil, nil
	}
	cfg := o.Config
	if cfg == nil {
		cfg = []byte("{}")
	}
	var err error
	var r L1L2
	switch o.ClassName {
	case "L1L2":
		var c l1l2Config
		err = strictjson.Decode(cfg, &c)
		r = L1L2(c)
	case "L1":
		var c struct {
			L1 float32 `json:"l1"`
		}
		err = strictjson.Decode(cfg, &c)
		r = L1L2{L1: c.L1}
	case "L2":
		var c struct {
			L2 float32 `json:"l2"`
		}
		err = strictjson.Decode(cfg, &c)
		r = L1L2{L2: c.L2}
	default:
		return nil, fmt.Errorf("%s: unknown regularizer class %q (known: L1, L1L2, L2)", key, o.ClassName)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", key, o.ClassName, err)
	}
	if r.L1 < 0 || r.L2 < 0 {
		return nil, fmt.Errorf("%s: factors must be >= 0, got l1=%v, l2=%v", key, r.L1, r.L2)
	}
	return r, nil
}

// decodeActivation looks an activation up by its Keras name.
func decodeActivation(name string) (activations.Activation, error) {
	a, err := activations.Get(name)
	if err != nil {
		return a, fmt.Errorf("activation: %w", err)
	}
	return a, nil
}

// checkDataFormat accepts Keras's data_format for the layers that have
// one; neuron's images are channels-last.
func checkDataFormat(f string) error {
	if f != "channels_last" {
		return fmt.Errorf(`data_format: only "channels_last" is supported, got %q`, f)
	}
	return nil
}

// kernelSettings are the decoded settings that Dense and Conv2D share.
type kernelSettings struct {
	inputShape           []int
	activation           activations.Activation
	kernelInit, biasInit initializers.Initializer
	kernelReg, biasReg   Regularizer
}

// decodeKernelSettings decodes the config keys that Dense and Conv2D share;
// errors name the key.
func decodeKernelSettings(shape batchShape, activation string, kernelInit, biasInit, kernelReg, biasReg *object) (kernelSettings, error) {
	var k kernelSettings
	var err error
	if k.inputShape, err = shape.perExample("batch_input_shape"); err != nil {
		return k, err
	}
	if k.activation, err = decodeActivation(activation); err != nil {
		return k, err
	}
	if k.kernelInit, err = decodeInitializer("kernel_initializer", kernelInit); err != nil {
		return k, err
	}
	if k.biasInit, err = decodeInitializer("bias_initializer", biasInit); err != nil {
		return k, err
	}
	if k.kernelReg, err = decodeRegularizer("kernel_regularizer", kernelReg); err != nil {
		return k, err
	}
	if k.biasReg, err = decodeRegularizer("bias_regularizer", biasReg); err != nil {
		return k, err
	}
	return k, nil
}

// checkInit returns an error naming the layer and the field if ini (nil
// means the layer's default, always valid) cannot fill a weight of shape.
func checkInit(layer, field string, ini initializers.Initializer, shape []int) error {
	if ini == nil {
		return nil
	}
	if err := initializers.Check(ini, shape); err != nil {
		return fmt.Errorf("layers: %s: %s: %w", layer, field, err)
	}
	return nil
}
