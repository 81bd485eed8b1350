package layers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/initializers"
	"github.com/neuron-go/neuron/internal/strictjson"
)

// ErrUnknownClass is wrapped by the error of UnmarshalLayer for a class
// name that is not registered.
var ErrUnknownClass = errors.New("unknown layer class")

// Configurable is implemented by layers that can be saved. The built-in
// layers implement it.
type Configurable interface {
	Layer
	// Config returns the layer's settings as a value that encoding/json
	// encodes to a JSON object with Keras's keys ("units", "activation",
	// …). The keys "name", "trainable" and "dtype" are added by
	// MarshalLayer and must not be among them.
	Config() (any, error)
}

// Decoder builds a layer from its config object, as written by the
// layer's Config (without "name", "trainable" and "dtype"). It should
// decode with DecodeConfig, which rejects unknown keys.
type Decoder func(config []byte) (Layer, error)

var (
	registryMu sync.RWMutex
	registry   = map[string]Decoder{}
)

// Register makes a layer class loadable: files that name className are
// decoded by decode. To be saved, the layer must implement Configurable;
// to be loaded into a model, also Planner, so that the loader can check a
// file's tensors before it allocates the weights. It panics if className is empty or already
// registered, as database/sql.Register does; call it from an init
// function. The built-in layers are registered under their Keras class
// names: Conv2D, Dense, Dropout, Flatten, InputLayer, MaxPooling2D and
// Reshape.
func Register(className string, decode Decoder) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if className == "" || decode == nil {
		panic("layers: Register needs a class name and a decoder")
	}
	if _, dup := registry[className]; dup {
		panic("layers: Register called twice for " + className)
	}
	registry[className] = decode
}

// Registered returns the registered class names, sorted.
func Registered() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func decoderFor(className string) (Decoder, bool) {
	registryMu.RLock()
	defer registryMu.RUnlock()
	d, ok := registry[className]
	return d, ok
}

func init() {
	Register("InputLayer", decodeInput)
	Register("Flatten", decodeFlatten)
	Register("Dense", decodeDense)
	Register("Conv2D", decodeConv2D)
	Register("MaxPooling2D", decodeMaxPooling2D)
	Register("Dropout", decodeDropout)
	Register("Reshape", decodeReshape)
}

// DecodeConfig decodes a layer's config object into v strictly: repeated
// keys, keys that are not exactly the JSON name of a field of v, null
// where v's field is not a pointer, and values of the wrong type are
// errors that name the key. Custom decoders should use it.
func DecodeConfig(config []byte, v any) error {
	return strictjson.Decode(config, v)
}

// spec is a layer's serialized form.
type spec struct {
	ClassName string          `json:"class_name"`
	Config    json.RawMessage `json:"config"`
}

// MarshalLayer returns the saved form of l under the given layer name,
// Keras's serialized form with Keras's keys in config:
//
//	{"class_name": "Dense", "config": {"name": "dense", "trainable": true, "dtype": "float32", "units": 256, "activation": "relu", …}}
//
// The layer must implement Configurable and its class must be registered,
// so that the result can be loaded.
func MarshalLayer(l Layer, name string) ([]byte, error) {
	class := l.ClassName()
	c, ok := l.(Configurable)
	if !ok {
		return nil, fmt.Errorf("layers: %s (%T) cannot be saved: it does not implement layers.Configurable", class, l)
	}
	if _, ok := decoderFor(class); !ok {
		return nil, fmt.Errorf("layers: %s (%T) cannot be saved: the class is not registered (see layers.Register)", class, l)
	}
	cfg, err := c.Config()
	if err != nil {
		return nil, fmt.Errorf("layers: %s: %w", class, err)
	}
	body, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("layers: %s: encoding the config: %w", class, err)
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(body, &keys); err != nil || len(body) < 2 || body[0] != '{' {
		return nil, fmt.Errorf("layers: %s: Config must encode to a JSON object, got %.60s", class, body)
	}
	for _, k := range commonKeys {
		if _, ok := keys[k]; ok {
			return nil, fmt.Errorf("layers: %s: Config must not hold the key %q", class, k)
		}
	}
	var b bytes.Buffer
	b.WriteString(`{"class_name":`)
	q, _ := json.Marshal(class)
	b.Write(q)
	b.WriteString(`,"config":{"name":`)
	q, _ = json.Marshal(name)
	b.Write(q)
	b.WriteString(`,"trainable":true,"dtype":"float32"`)
	if len(keys) > 0 {
		b.WriteByte(',')
		b.Write(body[1 : len(body)-1])
	}
	b.WriteString("}}")
	return b.Bytes(), nil
}

// commonKeys are the config keys every layer has in Keras.
var commonKeys = []string{"name", "trainable", "dtype"}

// UnmarshalLayer builds a layer from its saved form and returns it with
// the name the config gives it. It goes through a closed registry: data
// can only name a class that the program registered (Register), and each
// class decodes its own config strictly (unknown keys, repeated keys and
// values of the wrong type are errors that name the key). Nothing in data
// is ever run or followed: no code, no paths, no URLs. The class must be registered; the config
// must hold a string "name", and "trainable" and "dtype", if present, must
// be true and "float32" (the only kinds of layer neuron has).
func UnmarshalLayer(data []byte) (l Layer, name string, err error) {
	var s spec
	if err := strictjson.Decode(data, &s); err != nil {
		return nil, "", fmt.Errorf("layers: %w", err)
	}
	if s.ClassName == "" {
		return nil, "", errors.New("layers: class_name is missing or empty")
	}
	decode, ok := decoderFor(s.ClassName)
	if !ok {
		return nil, "", fmt.Errorf("layers: %w %q (known: %s)", ErrUnknownClass, s.ClassName, strings.Join(Registered(), ", "))
	}
	if s.Config == nil {
		return nil, "", fmt.Errorf("layers: %s: config is missing", s.ClassName)
	}
	var obj map[string]json.RawMessage
	if err := strictjson.Decode(s.Config, &obj); err != nil {
		return nil, "", fmt.Errorf("layers: %s: config: %w", s.ClassName, err)
	}
	if obj == nil {
		return nil, "", fmt.Errorf("layers: %s: config must be an object, got null", s.ClassName)
	}
	raw, ok := obj["name"]
	if !ok {
		return nil, "", fmt.Errorf("layers: %s: config.name is missing", s.ClassName)
	}
	if err := strictjson.Decode(raw, &name); err != nil {
		return nil, "", fmt.Errorf("layers: %s: config.name: %w", s.ClassName, err)
	}
	if raw, ok := obj["trainable"]; ok {
		var tr bool
		if err := strictjson.Decode(raw, &tr); err != nil {
			return nil, "", fmt.Errorf("layers: %s: config.trainable: %w", s.ClassName, err)
		}
		if !tr {
			return nil, "", fmt.Errorf("layers: %s: config.trainable is false; frozen layers are not supported", s.ClassName)
		}
	}
	if raw, ok := obj["dtype"]; ok {
		var dt string
		if err := strictjson.Decode(raw, &dt); err != nil {
			return nil, "", fmt.Errorf("layers: %s: config.dtype: %w", s.ClassName, err)
		}
		if dt != "float32" {
			return nil, "", fmt.Errorf("layers: %s: config.dtype is %q; only \"float32\" is supported", s.ClassName, dt)
		}
	}
	for _, k := range commonKeys {
		delete(obj, k)
	}
	rest, err := json.Marshal(obj)
	if err != nil {
		return nil, "", fmt.Errorf("layers: %s: %w", s.ClassName, err)
	}
	l, err = decode(rest)
	if err != nil {
		return nil, "", fmt.Errorf("layers: %s: config: %w", s.ClassName, err)
	}
	if l == nil || l.ClassName() != s.ClassName {
		return nil, "", fmt.Errorf("layers: the decoder registered for %s returned %T", s.ClassName, l)
	}
	return l, name, nil
}

// Planner is implemented by layers that can tell what Build would return,
// and which weights it would create, without creating them. A model
// loader uses it to compare the weights a file holds with those the
// architecture needs before it allocates them. The built-in layers
// implement it.
type Planner interface {
	// Plan checks the configuration against the per-example input shape
	// as Build does and returns Build's output shape and the shapes of
	// the weights Build would create, in the order of Weights.
	Plan(in []int) (out []int, weights []WeightShape, err error)
}

// WeightShape names a weight and gives its shape.
type WeightShape struct {
	// Name is the weight's name within its layer, as in Weight.Name.
	Name string
	// Shape is the weight's shape.
	Shape []int
}

// RandomStater is implemented by layers that draw random numbers while
// training (Dropout). Checkpoints save the state of the layer's generator
// and restore it, so that a resumed run draws the numbers an
// uninterrupted run would.
type RandomStater interface {
	// RandomState returns the state of the layer's generator, or nil if
	// the layer has none yet.
	RandomState() ([]byte, error)
	// SetRandomState restores a state returned by RandomState (nil
	// included).
	SetRandomState(state []byte) error
}

// stream makes the layer draw from a PCG seeded with (seed1, seed2).
func (l *Dropout) stream(seed1, seed2 uint64) *rand.Rand {
	l.src = rand.NewPCG(seed1, seed2)
	return rand.New(l.src)
}

// RandomState implements RandomStater: the state of the PCG generator that
// draws the masks.
func (l *Dropout) RandomState() ([]byte, error) {
	if l.rng == nil || l.src == nil {
		return nil, nil
	}
	return l.src.MarshalBinary()
}

// SetRandomState implements RandomStater.
func (l *Dropout) SetRandomState(state []byte) error {
	if len(state) == 0 {
		l.rng, l.src = nil, nil
		return nil
	}
	src := new(rand.PCG)
	if err := src.UnmarshalBinary(state); err != nil {
		return fmt.Errorf("layers: Dropout: random state: %w", err)
	}
	l.src, l.rng = src, rand.New(src)
	return nil
}

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

// The built-in layers' configs.

type inputConfig struct {
	BatchShape batchShape `json:"batch_shape"`
}

// Config implements Configurable.
func (l *Input) Config() (any, error) {
	if err := checkShape("Input", "Shape", l.Shape); err != nil {
		return nil, err
	}
	return inputConfig{toBatchShape(l.Shape)}, nil
}

func decodeInput(b []byte) (Layer, error) {
	var c inputConfig
	if err := DecodeConfig(b, &c); err != nil {
		return nil, err
	}
	if c.BatchShape == nil {
		return nil, errors.New("batch_shape is missing")
	}
	s, err := c.BatchShape.perExample("batch_shape")
	if err != nil {
		return nil, err
	}
	return &Input{Shape: s}, nil
}

// Plan implements Planner.
func (l *Input) Plan(in []int) ([]int, []WeightShape, error) {
	out, err := l.Build(in, nil)
	return out, nil, err
}

type flattenConfig struct {
	BatchInputShape batchShape `json:"batch_input_shape,omitempty"`
	DataFormat      string     `json:"data_format"`
}

// Config implements Configurable.
func (l *Flatten) Config() (any, error) {
	return flattenConfig{toBatchShape(l.InputShape), "channels_last"}, nil
}

func decodeFlatten(b []byte) (Layer, error) {
	c := flattenConfig{DataFormat: "channels_last"}
	if err := DecodeConfig(b, &c); err != nil {
		return nil, err
	}
	if err := checkDataFormat(c.DataFormat); err != nil {
		return nil, err
	}
	in, err := c.BatchInputShape.perExample("batch_input_shape")
	if err != nil {
		return nil, err
	}
	return &Flatten{InputShape: in}, nil
}

// Plan implements Planner.
func (l *Flatten) Plan(in []int) ([]int, []WeightShape, error) {
	out, err := l.Build(in, nil)
	return out, nil, err
}

type denseConfig struct {
	BatchInputShape   batchShape `json:"batch_input_shape,omitempty"`
	Units             int        `json:"units"`
	Activation        string     `json:"activation"`
	UseBias           bool       `json:"use_bias"`
	KernelInitializer *object    `json:"kernel_initializer"`
	BiasInitializer   *object    `json:"bias_initializer"`
	KernelRegularizer *object    `json:"kernel_regularizer,omitempty"`
	BiasRegularizer   *object    `json:"bias_regularizer,omitempty"`
}

// Config implements Configurable.
func (d *Dense) Config() (any, error) {
	ki, err := encodeInitializer("kernel_initializer", d.KernelInitializer, initializers.GlorotUniform{})
	if err != nil {
		return nil, err
	}
	bi, err := encodeInitializer("bias_initializer", d.BiasInitializer, initializers.Zeros{})
	if err != nil {
		return nil, err
	}
	kr, err := encodeRegularizer("kernel_regularizer", d.KernelRegularizer)
	if err != nil {
		return nil, err
	}
	br, err := encodeRegularizer("bias_regularizer", d.BiasRegularizer)
	if err != nil {
		return nil, err
	}
	return denseConfig{
		BatchInputShape: toBatchShape(d.InputShape), Units: d.Units, Activation: d.Activation.Name(),
		UseBias: !d.NoBias, KernelInitializer: ki, BiasInitializer: bi, KernelRegularizer: kr, BiasRegularizer: br,
	}, nil
}

func decodeDense(b []byte) (Layer, error) {
	c := denseConfig{Activation: "linear", UseBias: true}
	if err := DecodeConfig(b, &c); err != nil {
		return nil, err
	}
	if c.Units <= 0 {
		return nil, fmt.Errorf("units must be > 0, got %d", c.Units)
	}
	k, err := decodeKernelSettings(c.BatchInputShape, c.Activation, c.KernelInitializer, c.BiasInitializer,
		c.KernelRegularizer, c.BiasRegularizer)
	if err != nil {
		return nil, err
	}
	return &Dense{
		Units: c.Units, NoBias: !c.UseBias, InputShape: k.inputShape, Activation: k.activation,
		KernelInitializer: k.kernelInit, BiasInitializer: k.biasInit,
		KernelRegularizer: k.kernelReg, BiasRegularizer: k.biasReg,
	}, nil
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

// Plan implements Planner.
func (d *Dense) Plan(in []int) ([]int, []WeightShape, error) {
	if d.Units <= 0 {
		return nil, nil, fmt.Errorf("layers: Dense: Units must be > 0, got %d", d.Units)
	}
	if len(in) != 1 {
		return nil, nil, fmt.Errorf("layers: Dense: want examples of rank 1, got shape %v (add a Flatten layer first)", in)
	}
	ws := []WeightShape{{"kernel", []int{in[0], d.Units}}}
	if !d.NoBias {
		ws = append(ws, WeightShape{"bias", []int{d.Units}})
	}
	if err := checkWeights("Dense", ws); err != nil {
		return nil, nil, err
	}
	return []int{d.Units}, ws, nil
}

type conv2DConfig struct {
	BatchInputShape   batchShape `json:"batch_input_shape,omitempty"`
	Filters           int        `json:"filters"`
	KernelSize        [2]int     `json:"kernel_size"`
	Strides           [2]int     `json:"strides"`
	Padding           string     `json:"padding"`
	DataFormat        string     `json:"data_format"`
	Activation        string     `json:"activation"`
	UseBias           bool       `json:"use_bias"`
	KernelInitializer *object    `json:"kernel_initializer"`
	BiasInitializer   *object    `json:"bias_initializer"`
	KernelRegularizer *object    `json:"kernel_regularizer,omitempty"`
	BiasRegularizer   *object    `json:"bias_regularizer,omitempty"`
}

// Config implements Configurable.
func (l *Conv2D) Config() (any, error) {
	const name = "Conv2D"
	strides, err := windowStrides(name, l.Strides, [2]int{1, 1})
	if err != nil {
		return nil, err
	}
	padding, err := windowPadding(name, l.Padding)
	if err != nil {
		return nil, err
	}
	ki, err := encodeInitializer("kernel_initializer", l.KernelInitializer, initializers.GlorotUniform{})
	if err != nil {
		return nil, err
	}
	bi, err := encodeInitializer("bias_initializer", l.BiasInitializer, initializers.Zeros{})
	if err != nil {
		return nil, err
	}
	kr, err := encodeRegularizer("kernel_regularizer", l.KernelRegularizer)
	if err != nil {
		return nil, err
	}
	br, err := encodeRegularizer("bias_regularizer", l.BiasRegularizer)
	if err != nil {
		return nil, err
	}
	return conv2DConfig{
		BatchInputShape: toBatchShape(l.InputShape), Filters: l.Filters, KernelSize: l.KernelSize,
		Strides: strides, Padding: padding, DataFormat: "channels_last", Activation: l.Activation.Name(),
		UseBias: !l.NoBias, KernelInitializer: ki, BiasInitializer: bi, KernelRegularizer: kr, BiasRegularizer: br,
	}, nil
}

func decodeConv2D(b []byte) (Layer, error) {
	c := conv2DConfig{Strides: [2]int{1, 1}, Padding: "valid", DataFormat: "channels_last", Activation: "linear", UseBias: true}
	if err := DecodeConfig(b, &c); err != nil {
		return nil, err
	}
	switch {
	case c.Filters <= 0:
		return nil, fmt.Errorf("filters must be > 0, got %d", c.Filters)
	case c.KernelSize[0] <= 0 || c.KernelSize[1] <= 0:
		return nil, fmt.Errorf("kernel_size must be positive, got %v", c.KernelSize)
	case c.Strides[0] <= 0 || c.Strides[1] <= 0:
		return nil, fmt.Errorf("strides must be positive, got %v", c.Strides)
	case c.Padding != "valid" && c.Padding != "same":
		return nil, fmt.Errorf(`padding must be "valid" or "same", got %q`, c.Padding)
	}
	if err := checkDataFormat(c.DataFormat); err != nil {
		return nil, err
	}
	k, err := decodeKernelSettings(c.BatchInputShape, c.Activation, c.KernelInitializer, c.BiasInitializer,
		c.KernelRegularizer, c.BiasRegularizer)
	if err != nil {
		return nil, err
	}
	return &Conv2D{
		Filters: c.Filters, KernelSize: c.KernelSize, Strides: c.Strides, Padding: c.Padding, NoBias: !c.UseBias,
		InputShape: k.inputShape, Activation: k.activation,
		KernelInitializer: k.kernelInit, BiasInitializer: k.biasInit,
		KernelRegularizer: k.kernelReg, BiasRegularizer: k.biasReg,
	}, nil
}

// Plan implements Planner.
func (l *Conv2D) Plan(in []int) ([]int, []WeightShape, error) {
	out, ws, _, _, err := l.plan(in)
	return out, ws, err
}

type maxPooling2DConfig struct {
	PoolSize   [2]int `json:"pool_size"`
	Strides    [2]int `json:"strides"`
	Padding    string `json:"padding"`
	DataFormat string `json:"data_format"`
}

// Config implements Configurable.
func (l *MaxPooling2D) Config() (any, error) {
	const name = "MaxPooling2D"
	pool := l.PoolSize
	if pool == ([2]int{}) {
		pool = [2]int{2, 2}
	}
	strides, err := windowStrides(name, l.Strides, pool)
	if err != nil {
		return nil, err
	}
	padding, err := windowPadding(name, l.Padding)
	if err != nil {
		return nil, err
	}
	return maxPooling2DConfig{pool, strides, padding, "channels_last"}, nil
}

func decodeMaxPooling2D(b []byte) (Layer, error) {
	c := maxPooling2DConfig{PoolSize: [2]int{2, 2}, Padding: "valid", DataFormat: "channels_last"}
	if err := DecodeConfig(b, &c); err != nil {
		return nil, err
	}
	switch {
	case c.PoolSize[0] <= 0 || c.PoolSize[1] <= 0:
		return nil, fmt.Errorf("pool_size must be positive, got %v", c.PoolSize)
	case c.Strides == ([2]int{}):
		c.Strides = c.PoolSize // absent: Keras's strides=None
	case c.Strides[0] <= 0 || c.Strides[1] <= 0:
		return nil, fmt.Errorf("strides must be positive, got %v", c.Strides)
	}
	if c.Padding != "valid" && c.Padding != "same" {
		return nil, fmt.Errorf(`padding must be "valid" or "same", got %q`, c.Padding)
	}
	if err := checkDataFormat(c.DataFormat); err != nil {
		return nil, err
	}
	return &MaxPooling2D{PoolSize: c.PoolSize, Strides: c.Strides, Padding: c.Padding}, nil
}

// Plan implements Planner.
func (l *MaxPooling2D) Plan(in []int) ([]int, []WeightShape, error) {
	c := *l // Build records what it computed; keep l as it is
	out, err := c.Build(in, nil)
	return out, nil, err
}

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

type reshapeConfig struct {
	BatchInputShape batchShape `json:"batch_input_shape,omitempty"`
	TargetShape     []int      `json:"target_shape"`
}

// Config implements Configurable.
func (l *Reshape) Config() (any, error) {
	return reshapeConfig{toBatchShape(l.InputShape), l.TargetShape}, nil
}

func decodeReshape(b []byte) (Layer, error) {
	var c reshapeConfig
	if err := DecodeConfig(b, &c); err != nil {
		return nil, err
	}
	if len(c.TargetShape) == 0 {
		return nil, errors.New("target_shape is missing or empty")
	}
	in, err := c.BatchInputShape.perExample("batch_input_shape")
	if err != nil {
		return nil, err
	}
	return &Reshape{TargetShape: c.TargetShape, InputShape: in}, nil
}

// Plan implements Planner.
func (l *Reshape) Plan(in []int) ([]int, []WeightShape, error) {
	c := *l
	out, err := c.Build(in, nil)
	return out, nil, err
}
