package layers

import (
	"encoding/json"
	"fmt"
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
type object struct {
	ClassName string          `json:"class_name"`
	Config    json.RawMessage `json:"config"`
}

// Initializer configs, with Keras's class names and keys.
type (
	randomUniformConfig struct {
		MinVal float64 `json:"minval"`
		MaxVal float64 `json:"maxval"`
	}
	randomNormalConfig struct {
		Mean   float64 `json:"mean"`
		StdDev float64 `json:"stddev"`
	}
	constantConfig struct {
		Value float32 `json:"value"`
	}
	emptyConfig struct{}
)

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
	case initializers.HeNormal:
		class = "HeNormal"
	case initializers.HeUniform:
		class = "HeUniform"
	case initializers.Zeros:
		class = "Zeros"
	case initializers.Ones:
		class = "Ones"
	case initializers.RandomUniform:
		lo, hi := v.Min, v.Max
		if lo == 0 && hi == 0 {
			lo, hi = -0.05, 0.05
		}
		class, cfg = "RandomUniform", randomUniformConfig{lo, hi}
	case initializers.RandomNormal:
		std := v.Stddev
		if std == 0 {
			std = 0.05
		}
		class, cfg = "RandomNormal", randomNormalConfig{v.Mean, std}
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
	case "GlorotUniform", "HeNormal", "HeUniform", "Zeros", "Ones":
		err = strictjson.Decode(cfg, &emptyConfig{})
		ini = map[string]initializers.Initializer{
			"GlorotUniform": initializers.GlorotUniform{},
			"HeNormal":      initializers.HeNormal{},
			"HeUniform":     initializers.HeUniform{},
			"Zeros":         initializers.Zeros{},
			"Ones":          initializers.Ones{},
		}[o.ClassName]
	case "RandomUniform":
		c := randomUniformConfig{-0.05, 0.05}
		err = strictjson.Decode(cfg, &c)
		if err == nil && !(c.MinVal < c.MaxVal) {
			err = fmt.Errorf("minval %v must be less than maxval %v", c.MinVal, c.MaxVal)
		}
		ini = initializers.RandomUniform{Min: c.MinVal, Max: c.MaxVal}
	case "RandomNormal":
		c := randomNormalConfig{0, 0.05}
		err = strictjson.Decode(cfg, &c)
		if err == nil && !(c.StdDev > 0) {
			err = fmt.Errorf("stddev must be positive, got %v", c.StdDev)
		}
		ini = initializers.RandomNormal{Mean: c.Mean, Stddev: c.StdDev}
	case "Constant":
		var c constantConfig
		err = strictjson.Decode(cfg, &c)
		ini = initializers.Constant{Value: c.Value}
	default:
		return nil, fmt.Errorf("%s: unknown initializer class %q (known: Constant, GlorotUniform, HeNormal, HeUniform, Ones, RandomNormal, RandomUniform, Zeros)", key, o.ClassName)
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
