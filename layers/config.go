package layers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

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
// function. The built-in layers register themselves the same way, each in its
// own file next to its code, under their Keras class names (Conv2D,
// Dense, Dropout, Flatten, InputLayer, MaxPooling2D, Reshape, …).
//
// A layer of several inputs or outputs registers the same way: its type
// implements MultiLayer (and MultiPlanner) for the graph, and Layer,
// Planner and Configurable for the registry, with a Build that refuses a
// single input. A model's graph calls a layer that implements MultiLayer
// through it; the merge layers (Add, Concatenate, Dot, …) are made so.
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
	// NonTrainable marks weights that Fit does not update through the
	// optimizer (BatchNormalization's moving statistics), which therefore
	// have no optimizer slots.
	NonTrainable bool
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
