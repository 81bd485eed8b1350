package kerasfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/neuron-go/neuron/internal/strictjson"
	"github.com/neuron-go/neuron/layers"
)

// Keras's configs (config.json of a .keras file, model_config and
// training_config of a legacy .h5) are translated to the Keras-shaped
// forms neuron's own files hold (saving.FromConfig), and back. The two
// are close: neuron's layer configs use Keras's class names, keys and
// defaults. What differs:
//
//   - Keras 3 writes a dtype policy object ({"class_name": "DTypePolicy",
//     "config": {"name": "float32"}}) where neuron writes "float32";
//   - Keras writes keys neuron's layers do not have, at values that change
//     nothing (lora_rank null, quantization_config null, unroll false, …):
//     they are dropped on reading, and a key neuron lacks at any other
//     value is refused with an error naming the layer, the key and the value;
//   - a Keras Sequential starts with an InputLayer (Keras 3) or has
//     batch_input_shape in its first layer (Keras 2), where neuron keeps
//     the shape in build_config;
//   - Keras 2 writes a functional model's calls as
//     [[["input_1", 0, 0, {}]]] where Keras 3 and neuron write
//     {"args": [{"class_name": "__keras_tensor__", …}], "kwargs": {}}.

// ErrUnsafe is wrapped by the errors for files that carry code: a Lambda
// layer or any other object holding Python bytecode. Such files are
// refused, as Keras's safe_mode refuses them, and nothing in them is run.
var ErrUnsafe = errors.New("kerasfile: the file holds code")

// ErrUnsupported is wrapped by the errors for files that are valid Keras
// files but hold something neuron does not have: a layer class, a
// setting or a dtype.
var ErrUnsupported = errors.New("kerasfile: not supported by neuron")

// ErrInvalid is wrapped by the errors for files that are not valid Keras
// files, or are beyond this package's limits.
var ErrInvalid = errors.New("kerasfile: invalid file")

// Limits of what a file may declare.
const (
	// maxConfigBytes bounds config.json, model_config and training_config.
	maxConfigBytes = 64 << 20
	// maxLayers bounds the layers of a model, nested ones included.
	maxLayers = 100_000
	// maxNesting bounds how deep models and wrappers nest.
	maxNesting = 16
)

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

func unsupportedf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrUnsupported}, args...)...)
}

type object = map[string]json.RawMessage

// kerasLayer is one layer of a translated model, with what the weight
// layouts need to find its variables.
type kerasLayer struct {
	class string
	// name is the layer's name in the neuron model; kerasName its name in
	// the file (they differ for a Sequential, whose layers neuron names
	// itself, as Keras does, "dense", "dense_1", …).
	name, kerasName string
	// config is the layer's Keras config, for its wrapped layers.
	config object
	// sub holds the layers of a nested functional model.
	sub []*kerasLayer
}

// translated is a Keras model config in neuron's forms.
type translated struct {
	functional    bool
	modelConfig   []byte
	compileConfig []byte // nil when the file has none
	// layers are the model's layers other than its InputLayers, in
	// Keras's model.layers order.
	layers      []*kerasLayer
	outputNames []string
}

// decodeObject decodes a JSON object strictly (no repeated keys, bounded
// depth) into its members.
func decodeObject(raw json.RawMessage, what string) (object, error) {
	var o object
	if err := strictjson.Decode(raw, &o); err != nil {
		return nil, invalidf("%s: %v", what, err)
	}
	if o == nil {
		return nil, invalidf("%s: want an object, got null", what)
	}
	return o, nil
}

func decodeString(raw json.RawMessage) (string, bool) {
	var s string
	if raw == nil || json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

func isNull(raw json.RawMessage) bool { return raw == nil || string(bytes.TrimSpace(raw)) == "null" }

// checkSafe walks a config and refuses anything that carries code:
// Lambda layers (Keras's own and TensorFlow's op layers) and the
// serialized functions Keras writes for them and for custom activations
// ("__lambda__", "function_type", marshalled bytecode).
func checkSafe(raw json.RawMessage, where string, depth int) error {
	if depth > strictjson.MaxDepth {
		return invalidf("%s: nested more than %d deep", where, strictjson.MaxDepth)
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil
	}
	switch raw[0] {
	case '{':
		var o object
		if err := json.Unmarshal(raw, &o); err != nil {
			return invalidf("%s: %v", where, err)
		}
		if c, ok := decodeString(o["class_name"]); ok {
			switch c {
			case "Lambda", "TFOpLambda", "SlicingOpLambda", "__lambda__", "function":
				return fmt.Errorf("%w: %s: a %s object holds Python code, which is never run; rebuild the model without it", ErrUnsafe, where, c)
			}
		}
		for _, k := range []string{"function_type", "function", "bytecode", "__bytes__"} {
			if _, ok := o[k]; ok {
				return fmt.Errorf("%w: %s: key %q holds serialized Python code, which is never run", ErrUnsafe, where, k)
			}
		}
		keys := make([]string, 0, len(o))
		for k := range o {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if err := checkSafe(o[k], where+"."+k, depth+1); err != nil {
				return err
			}
		}
	case '[':
		var a []json.RawMessage
		if err := json.Unmarshal(raw, &a); err != nil {
			return invalidf("%s: %v", where, err)
		}
		for i, v := range a {
			if err := checkSafe(v, fmt.Sprintf("%s[%d]", where, i), depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// neutral reports whether a key that neuron's config for a layer lacks
// holds a value that changes nothing, so that dropping it keeps the
// layer's meaning. null (a setting left unset) always does.
func neutral(key string, v json.RawMessage) bool {
	if isNull(v) {
		return true
	}
	s := string(bytes.TrimSpace(v))
	switch key {
	case "unroll", "time_major", "sparse", "ragged", "optional", "synchronized", "renorm",
		"use_ema", "amsgrad", "is_legacy_optimizer", "jit_compile", "run_eagerly", "centered",
		"keepdims", "zero_output_for_mask", "go_backwards", "stateful", "return_state", "use_gate",
		"flash_attention":
		return s == "false"
	case "implementation", "use_cudnn", "seed", "ema_momentum", "lora_alpha", "input_length",
		"input_dim", "autocast", "mask_zero_legacy":
		// Performance hints and settings that only matter with an
		// option neuron refuses anyway.
		return true
	case "lora_rank":
		return s == "0"
	case "trainable":
		return s == "true"
	case "data_format":
		return s == `"channels_last"`
	case "reset_after":
		return s == "true"
	case "groups", "depth_multiplier_legacy":
		return s == "1"
	case "decay":
		return s == "0" || s == "0.0"
	case "reduction":
		return s == `"sum_over_batch_size"` || s == `"auto"`
	case "axis":
		return s == "-1"
	case "steps_per_execution":
		return s == "1"
	case "ignore_class":
		return false
	}
	return false
}

// dropNeutral removes from cfg the keys that decode reports unknown, as
// long as they are neutral, and returns what decode finally returns.
func dropNeutral(cfg object, decode func(object) error, what string) error {
	for range len(cfg) + 1 {
		err := decode(cfg)
		if err == nil {
			return nil
		}
		var uk *strictjson.UnknownKeyError
		if !errors.As(err, &uk) || uk.Path != "" {
			return err
		}
		v, ok := cfg[uk.Key]
		if !ok {
			return err
		}
		if !neutral(uk.Key, v) {
			return unsupportedf("%s: key %q = %s has no counterpart in neuron (neuron's keys: %s)", what, uk.Key, shorten(v), strings.Join(uk.Known, ", "))
		}
		delete(cfg, uk.Key)
	}
	return decode(cfg)
}

func shorten(v json.RawMessage) string {
	s := string(bytes.TrimSpace(v))
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}

// dtypeName reads a layer's dtype: Keras 2's string or Keras 3's policy
// object.
func dtypeName(raw json.RawMessage, what string) (string, error) {
	if isNull(raw) {
		return "float32", nil
	}
	if s, ok := decodeString(raw); ok {
		return s, nil
	}
	var p struct {
		ClassName string `json:"class_name"`
		Config    struct {
			Name string `json:"name"`
		} `json:"config"`
	}
	if err := json.Unmarshal(raw, &p); err != nil || p.Config.Name == "" {
		return "", invalidf("%s: dtype must be a string or a DTypePolicy, got %s", what, shorten(raw))
	}
	if p.ClassName != "DTypePolicy" {
		return "", unsupportedf("%s: dtype policy %s %q: neuron computes in float32 only", what, p.ClassName, p.Config.Name)
	}
	return p.Config.Name, nil
}

// Layer classes whose variables live in sublayers, and the attributes
// Keras 3's saving_lib finds them under.
var (
	recurrentClasses = map[string]bool{"LSTM": true, "GRU": true, "SimpleRNN": true}
	wrapperKeys      = []string{"layer", "backward_layer"}
)

// neuronLayer translates one Keras layer object ({"class_name", "config",
// …}) into neuron's form {"class_name", "config"} under the given name,
// checking it with neuron's own decoder.
//
// rank is the rank of the layer's input with the batch axis, when known
// (0 otherwise), to read Keras 2's positive normalization axes.
func neuronLayer(entry object, name, where string, depth, rank int) (json.RawMessage, string, error) {
	if depth > maxNesting {
		return nil, "", invalidf("%s: layers nest more than %d deep", where, maxNesting)
	}
	class, ok := decodeString(entry["class_name"])
	if !ok || class == "" {
		return nil, "", invalidf("%s: class_name is missing or not a string", where)
	}
	if rn, ok := decodeString(entry["registered_name"]); ok && rn != class && rn != "" {
		return nil, "", unsupportedf("%s: layer class %q (registered as %q) is a custom layer; neuron has only its built-in layers (%s)", where, class, rn, strings.Join(layers.Registered(), ", "))
	}
	if !slices.Contains(layers.Registered(), class) {
		return nil, "", unsupportedf("%s: layer class %q is not one neuron has (neuron's layers: %s)", where, class, strings.Join(layers.Registered(), ", "))
	}
	cfg, err := decodeObject(entry["config"], where+".config")
	if err != nil {
		return nil, "", err
	}
	dt, err := dtypeName(cfg["dtype"], where+".config")
	if err != nil {
		return nil, "", err
	}
	// A text input (keras.Input(shape=(1,), dtype="string")) is an
	// InputLayer like any other in neuron, which reads texts where a
	// StringLayer (TextVectorization) takes them.
	if dt != "float32" && !(class == "InputLayer" && dt == "string") {
		return nil, "", unsupportedf("%s: dtype %q: neuron computes in float32 only", where+".config", dt)
	}
	cfg["dtype"] = json.RawMessage(`"float32"`)
	if name != "" {
		cfg["name"], _ = json.Marshal(name)
	}
	// Wrapped layers are translated first, under their own names.
	for _, k := range wrapperKeys {
		if isNull(cfg[k]) {
			continue
		}
		inner, err := decodeObject(cfg[k], where+".config."+k)
		if err != nil {
			return nil, "", err
		}
		innerName := ""
		if ic, err := decodeObject(inner["config"], where+".config."+k+".config"); err == nil {
			innerName, _ = decodeString(ic["name"])
		}
		b, _, err := neuronLayer(inner, innerName, where+".config."+k, depth+1, rank)
		if err != nil {
			return nil, "", err
		}
		cfg[k] = b
	}
	for k, v := range cfg {
		// Keras writes null for a setting left at its default, which
		// neuron's decoders take from a missing key.
		if isNull(v) {
			delete(cfg, k)
		} else {
			cfg[k] = dropSharedIDs(v, 0)
		}
	}
	if class == "BatchNormalization" || class == "LayerNormalization" {
		if rank == 0 {
			// A .keras archive states the input shape of each built
			// layer in its build_config.
			var bc struct {
				InputShape []*int `json:"input_shape"`
			}
			if json.Unmarshal(entry["build_config"], &bc) == nil {
				rank = len(bc.InputShape)
			}
		}
		// Keras 2 writes a normalization axis as a list of one axis.
		var axes []int
		if json.Unmarshal(cfg["axis"], &axes) == nil && len(axes) == 1 {
			cfg["axis"] = mustJSON(axes[0])
		}
		var axis int
		if json.Unmarshal(cfg["axis"], &axis) == nil && rank > 0 && axis == rank-1 {
			cfg["axis"] = json.RawMessage(`-1`)
		}
	}
	if class == "InputLayer" {
		// Keras 2 writes batch_input_shape, Keras 3 batch_shape.
		if b, ok := cfg["batch_input_shape"]; ok {
			cfg["batch_shape"] = b
			delete(cfg, "batch_input_shape")
		}
	}
	var out json.RawMessage
	err = dropNeutral(cfg, func(c object) error {
		b, err := json.Marshal(map[string]any{"class_name": class, "config": c})
		if err != nil {
			return err
		}
		if _, _, err := layers.UnmarshalLayer(b); err != nil {
			return err
		}
		out = b
		return nil
	}, fmt.Sprintf("%s (%s)", where, class))
	if err != nil {
		if errors.Is(err, ErrUnsupported) || errors.Is(err, ErrInvalid) {
			return nil, "", err
		}
		return nil, "", unsupportedf("%s (%s): %v", where, class, err)
	}
	return out, class, nil
}

// shapeOf decodes a batch shape [null, d1, …].
func shapeOf(raw json.RawMessage) ([]*int, bool) {
	var s []*int
	if isNull(raw) || json.Unmarshal(raw, &s) != nil || len(s) < 2 || s[0] != nil {
		return nil, false
	}
	for _, d := range s[1:] {
		if d == nil || *d <= 0 {
			return nil, false
		}
	}
	return s, true
}

// translateModel translates a serialized Keras model (config.json, or a
// legacy file's model_config) to neuron's forms. compile is Keras 3's
// compile_config or Keras 2's training_config, or nil.
func translateModel(raw []byte, compile json.RawMessage, legacyTraining bool) (*translated, error) {
	return translateWithAssets(raw, compile, legacyTraining, nil)
}

// assetFunc returns the file of a .keras archive's assets folder at a
// path below it ("layers/text_vectorization/vocabulary.txt"), if any.
type assetFunc func(path string) ([]byte, bool, error)

// translateWithAssets is translateModel for a .keras archive, whose
// assets hold what some layers keep outside their config: an adapted
// TextVectorization's vocabulary (Keras's IndexLookup.save_assets).
func translateWithAssets(raw []byte, compile json.RawMessage, legacyTraining bool, assets assetFunc) (*translated, error) {
	if len(raw) > maxConfigBytes {
		return nil, invalidf("model config is %d bytes; the limit is %d", len(raw), maxConfigBytes)
	}
	if err := strictjson.Check(raw); err != nil {
		return nil, invalidf("model config: %v", err)
	}
	if err := checkSafe(raw, "config", 0); err != nil {
		return nil, err
	}
	top, err := decodeObject(raw, "config")
	if err != nil {
		return nil, err
	}
	if compile == nil && !isNull(top["compile_config"]) {
		compile = top["compile_config"]
	}
	class, _ := decodeString(top["class_name"])
	cfg, err := decodeObject(top["config"], "config.config")
	if err != nil {
		return nil, err
	}
	var t *translated
	switch class {
	case "Sequential":
		t, err = translateSequential(cfg, top, assets)
	case "Functional", "Model":
		t, err = translateFunctional(cfg, "config", 0, assets)
	default:
		return nil, unsupportedf("config: model class %q: neuron reads Sequential and Functional models (a subclassed model's Python code is not in the file)", class)
	}
	if err != nil {
		return nil, err
	}
	if !isNull(compile) {
		if err := checkSafe(compile, "compile_config", 0); err != nil {
			return nil, err
		}
		if t.compileConfig, err = translateCompile(compile, legacyTraining, t); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// vocabularyAsset puts an adapted TextVectorization's vocabulary, kept in
// the archive's assets under the layer's saving_lib path, into its config.
func vocabularyAsset(e object, lc object, path, where string, assets assetFunc) (object, error) {
	if assets == nil || !isNull(lc["vocabulary"]) {
		return e, nil
	}
	b, ok, err := assets(path + "/vocabulary.txt")
	if err != nil || !ok {
		return e, err
	}
	// As Keras reads it: one token a line, trailing empty lines dropped
	// (the first line is the padding token "").
	lines := strings.Split(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n")
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if len(lines) > maxLayers*10 {
		return nil, invalidf("%s: the vocabulary in assets/%s/vocabulary.txt has %d tokens", where, path, len(lines))
	}
	lc["vocabulary"] = mustJSON(lines)
	delete(lc, "vocabulary_size")
	e["config"] = mustJSON(lc)
	return e, nil
}

func translateSequential(cfg, top object, assets assetFunc) (*translated, error) {
	var entries []json.RawMessage
	if err := json.Unmarshal(cfg["layers"], &entries); err != nil {
		return nil, invalidf("config.config.layers: want an array of layers: %v", err)
	}
	if len(entries) > maxLayers {
		return nil, invalidf("config.config.layers: %d layers; the limit is %d", len(entries), maxLayers)
	}
	name, _ := decodeString(cfg["name"])
	var inShape []*int
	if bc, err := decodeObject(top["build_config"], "build_config"); err == nil {
		inShape, _ = shapeOf(bc["input_shape"])
	}
	if inShape == nil {
		inShape, _ = shapeOf(cfg["build_input_shape"])
	}
	t := &translated{}
	seen := map[string]int{}
	named := map[string]bool{} // the names the layers get
	var shape []int            // the next layer's per-example input shape, if known
	var inShapeNow []*int      // the same with the batch axis
	var out []json.RawMessage
	for i, raw := range entries {
		where := fmt.Sprintf("config.config.layers[%d]", i)
		e, err := decodeObject(raw, where)
		if err != nil {
			return nil, err
		}
		class, _ := decodeString(e["class_name"])
		lc, err := decodeObject(e["config"], where+".config")
		if err != nil {
			return nil, err
		}
		kname, _ := decodeString(lc["name"])
		where = fmt.Sprintf("%s (layer %q)", where, kname)
		if class == "InputLayer" {
			if i != 0 {
				return nil, unsupportedf("%s: an InputLayer after the first layer", where)
			}
			s, ok := shapeOf(lc["batch_shape"])
			if !ok {
				s, ok = shapeOf(lc["batch_input_shape"])
			}
			if !ok {
				return nil, invalidf("%s: batch_shape must be [null, d1, …] with positive dimensions", where)
			}
			inShape = s
			continue
		}
		if s, ok := shapeOf(lc["batch_input_shape"]); ok {
			if inShape == nil {
				inShape = s
			}
			delete(lc, "batch_input_shape")
			e["config"], _ = json.Marshal(lc)
		}
		// saving_lib's path for the layer is named by its class and place
		// (keys3); the layer keeps the file's name, as in Keras, when it
		// is one a neuron layer can have (else Keras's automatic one).
		base := layers.DefaultName(class)
		key := base
		if n := seen[base]; n > 0 {
			key = fmt.Sprintf("%s_%d", base, n)
		}
		seen[base]++
		nname := kname
		if nname == "" || strings.Contains(nname, "/") || named[nname] {
			nname = key
		}
		named[nname] = true
		if class == "TextVectorization" {
			if e, err = vocabularyAsset(e, lc, "layers/"+key, where, assets); err != nil {
				return nil, err
			}
		}
		if len(out) == 0 && inShape != nil {
			shape, inShapeNow = perExample(inShape), inShape
		}
		rank := 0
		if shape != nil {
			rank = len(shape) + 1
		}
		b, _, err := neuronLayer(e, nname, where, 0, rank)
		if err != nil {
			return nil, err
		}
		// The next layer's input shape, for its axes.
		if l, _, err := layers.UnmarshalLayer(b); err == nil && shape != nil {
			shape = nil
			if p, ok := l.(layers.Planner); ok {
				if out, _, err := p.Plan(perExample(inShapeNow)); err == nil {
					shape = out
				}
			}
		}
		inShapeNow = toBatch(shape)
		out = append(out, b)
		t.layers = append(t.layers, &kerasLayer{class: class, name: nname, kerasName: kname, config: lc})
	}
	if len(out) == 0 {
		return nil, invalidf("config.config.layers: the Sequential has no layers")
	}
	if inShape == nil {
		return nil, unsupportedf("config: the Sequential has no input shape (it was saved unbuilt); neuron needs one")
	}
	mc := map[string]any{
		"class_name":   "Sequential",
		"config":       map[string]any{"name": name, "seed": 0, "layers": out},
		"build_config": map[string]any{"input_shape": inShape},
	}
	var err error
	if t.modelConfig, err = json.Marshal(mc); err != nil {
		return nil, err
	}
	return t, nil
}

// translateFunctional translates a Functional config (Keras 3's, or
// Keras 2's "Model"), nested ones included.
func translateFunctional(cfg object, where string, depth int, assets assetFunc) (*translated, error) {
	if depth > maxNesting {
		return nil, invalidf("%s: models nest more than %d deep", where, maxNesting)
	}
	var entries []json.RawMessage
	if err := json.Unmarshal(cfg["layers"], &entries); err != nil {
		return nil, invalidf("%s.config.layers: want an array of layers: %v", where, err)
	}
	if len(entries) > maxLayers {
		return nil, invalidf("%s.config.layers: %d layers; the limit is %d", where, len(entries), maxLayers)
	}
	name, _ := decodeString(cfg["name"])
	t := &translated{functional: true}
	var out []json.RawMessage
	used := map[string]int{} // saving_lib's paths of the layers
	for i, raw := range entries {
		lw := fmt.Sprintf("%s.config.layers[%d]", where, i)
		e, err := decodeObject(raw, lw)
		if err != nil {
			return nil, err
		}
		lname, _ := decodeString(e["name"])
		class, _ := decodeString(e["class_name"])
		lw = fmt.Sprintf("%s (layer %q)", lw, lname)
		nodes, err := translateNodes(e["inbound_nodes"], lw)
		if err != nil {
			return nil, err
		}
		ne := map[string]any{"class_name": class, "name": lname, "inbound_nodes": nodes}
		kl := &kerasLayer{class: class, name: lname, kerasName: lname}
		switch class {
		case "Functional", "Model":
			ic, err := decodeObject(e["config"], lw+".config")
			if err != nil {
				return nil, err
			}
			sub, err := translateFunctional(ic, lw, depth+1, nil)
			if err != nil {
				return nil, err
			}
			var inner map[string]json.RawMessage
			if err := json.Unmarshal(sub.modelConfig, &inner); err != nil {
				return nil, err
			}
			var innerCfg map[string]any
			if err := json.Unmarshal(inner["config"], &innerCfg); err != nil {
				return nil, err
			}
			innerCfg["name"] = lname
			ne["class_name"] = "Functional"
			ne["config"] = innerCfg
			ne["module"] = "keras.src.models.functional"
			ne["registered_name"] = "Functional"
			if bc, ok := e["build_config"]; ok && !isNull(bc) {
				ne["build_config"] = bc
			}
			kl.class, kl.sub = "Functional", sub.layers
		case "Sequential":
			return nil, unsupportedf("%s: a Sequential used as a layer of a functional model; neuron nests functional models only", lw)
		default:
			if class == "TextVectorization" {
				base := layers.DefaultName(class)
				key := base
				if n := used[base]; n > 0 {
					key = fmt.Sprintf("%s_%d", base, n)
				}
				if lc, err := decodeObject(e["config"], lw+".config"); err == nil {
					if e, err = vocabularyAsset(e, lc, "layers/"+key, lw, assets); err != nil {
						return nil, err
					}
				}
			}
			b, _, err := neuronLayer(e, lname, lw, depth, 0)
			if err != nil {
				return nil, err
			}
			var nl object
			if err := json.Unmarshal(b, &nl); err != nil {
				return nil, err
			}
			ne["config"] = nl["config"]
			ne["module"] = "keras.layers"
			ne["registered_name"] = nil
			kl.config, _ = decodeObject(e["config"], lw+".config")
		}
		out = append(out, mustJSON(ne))
		if class != "InputLayer" {
			t.layers = append(t.layers, kl)
			used[layers.DefaultName(kl.class)]++
		}
	}
	ins, err := tensorRefs(cfg["input_layers"], where+".config.input_layers")
	if err != nil {
		return nil, err
	}
	outs, err := tensorRefs(cfg["output_layers"], where+".config.output_layers")
	if err != nil {
		return nil, err
	}
	for _, o := range outs {
		t.outputNames = append(t.outputNames, o[0].(string))
	}
	// build_config: the inputs' shapes, from their InputLayers.
	var shapes [][]*int
	for _, in := range ins {
		s, err := inputShapeOf(entries, in[0].(string))
		if err != nil {
			return nil, invalidf("%s.config.input_layers: %v", where, err)
		}
		shapes = append(shapes, s)
	}
	mc := map[string]any{
		"class_name":   "Functional",
		"config":       map[string]any{"name": name, "trainable": true, "seed": 0, "layers": out, "input_layers": ins, "output_layers": outs},
		"build_config": map[string]any{"input_shape": shapes},
	}
	if t.modelConfig, err = json.Marshal(mc); err != nil {
		return nil, err
	}
	return t, nil
}

// perExample drops the batch axis of a checked batch shape.
func perExample(s []*int) []int {
	out := make([]int, len(s)-1)
	for i, d := range s[1:] {
		out[i] = *d
	}
	return out
}

// toBatch adds the batch axis to a per-example shape.
func toBatch(s []int) []*int {
	if s == nil {
		return nil
	}
	out := make([]*int, len(s)+1)
	for i := range s {
		d := s[i]
		out[i+1] = &d
	}
	return out
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only maps of JSON values are marshalled
	}
	return b
}

// inputShapeOf finds the batch shape of the named InputLayer.
func inputShapeOf(entries []json.RawMessage, name string) ([]*int, error) {
	for _, raw := range entries {
		var e struct {
			ClassName string `json:"class_name"`
			Name      string `json:"name"`
			Config    object `json:"config"`
		}
		if json.Unmarshal(raw, &e) != nil || e.Name != name {
			continue
		}
		if e.ClassName != "InputLayer" {
			return nil, fmt.Errorf("input %q is a %s, not an InputLayer", name, e.ClassName)
		}
		if s, ok := shapeOf(e.Config["batch_shape"]); ok {
			return s, nil
		}
		if s, ok := shapeOf(e.Config["batch_input_shape"]); ok {
			return s, nil
		}
		return nil, fmt.Errorf("InputLayer %q: batch_shape must be [null, d1, …] with positive dimensions", name)
	}
	return nil, fmt.Errorf("no layer named %q", name)
}

// tensorRefs reads input_layers or output_layers: a list of [layer,
// node, tensor] triples, or one triple (Keras 3 writes a model of one
// input so).
func tensorRefs(raw json.RawMessage, what string) ([][3]any, error) {
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil || len(list) == 0 {
		return nil, invalidf("%s: want a list of [layer, node_index, tensor_index]", what)
	}
	if _, ok := decodeString(list[0]); ok {
		list = []json.RawMessage{raw}
	}
	var out [][3]any
	for i, r := range list {
		var tr []any
		if err := json.Unmarshal(r, &tr); err != nil || len(tr) != 3 {
			return nil, invalidf("%s[%d]: want [layer, node_index, tensor_index] (neuron reads lists of inputs and outputs, not dicts)", what, i)
		}
		if _, ok := tr[0].(string); !ok {
			return nil, invalidf("%s[%d]: the layer name must be a string", what, i)
		}
		out = append(out, [3]any{tr[0], tr[1], tr[2]})
	}
	return out, nil
}

// translateNodes converts inbound_nodes to Keras 3's form, which neuron
// reads: Keras 2's [[["layer", node, tensor, {kwargs}], …], …] becomes
// [{"args": [tensor or [tensors]], "kwargs": {}}, …].
func translateNodes(raw json.RawMessage, what string) (json.RawMessage, error) {
	if isNull(raw) {
		return json.RawMessage(`[]`), nil
	}
	var nodes []json.RawMessage
	if err := json.Unmarshal(raw, &nodes); err != nil {
		return nil, invalidf("%s.inbound_nodes: want a list: %v", what, err)
	}
	if len(nodes) == 0 {
		return raw, nil
	}
	if t := bytes.TrimSpace(nodes[0]); len(t) > 0 && t[0] == '{' {
		// Keras 3's form, which neuron reads; texts flow as float32
		// inputs in neuron's configs (see neuronLayer).
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, invalidf("%s.inbound_nodes: %v", what, err)
		}
		var walk func(v any)
		walk = func(v any) {
			switch v := v.(type) {
			case map[string]any:
				if v["class_name"] == "__keras_tensor__" {
					if c, ok := v["config"].(map[string]any); ok && c["dtype"] == "string" {
						c["dtype"] = "float32"
					}
				}
				for _, c := range v {
					walk(c)
				}
			case []any:
				for _, c := range v {
					walk(c)
				}
			}
		}
		walk(v)
		return mustJSON(v), nil
	}
	var out []any
	for i, n := range nodes {
		var calls [][]json.RawMessage
		if err := json.Unmarshal(n, &calls); err != nil || len(calls) == 0 {
			return nil, invalidf("%s.inbound_nodes[%d]: want [[layer, node_index, tensor_index, kwargs], …]", what, i)
		}
		var ts []any
		for j, c := range calls {
			if len(c) < 3 || len(c) > 4 {
				return nil, invalidf("%s.inbound_nodes[%d][%d]: want [layer, node_index, tensor_index, kwargs]", what, i, j)
			}
			if len(c) == 4 && !isNull(c[3]) && string(bytes.TrimSpace(c[3])) != "{}" {
				return nil, unsupportedf("%s.inbound_nodes[%d][%d]: call arguments %s", what, i, j, shorten(c[3]))
			}
			var hist [3]any
			for k := range 3 {
				if err := json.Unmarshal(c[k], &hist[k]); err != nil {
					return nil, invalidf("%s.inbound_nodes[%d][%d]: %v", what, i, j, err)
				}
			}
			ts = append(ts, map[string]any{"class_name": "__keras_tensor__", "config": map[string]any{"dtype": "float32", "keras_history": hist}})
		}
		var arg any = ts[0]
		if len(ts) > 1 {
			arg = ts
		}
		out = append(out, map[string]any{"args": []any{arg}, "kwargs": map[string]any{}})
	}
	return mustJSON(out), nil
}

// dropSharedIDs removes the shared_object_id keys of the serialized
// objects in v. Keras 3's serialization_lib marks an object that several
// layers share (an initializer, a dtype policy) with the same
// shared_object_id wherever it writes it, each time with its whole
// config; the id only lets Keras build one object for all of them, and
// neuron's layers each have their own.
func dropSharedIDs(v json.RawMessage, depth int) json.RawMessage {
	b := bytes.TrimSpace(v)
	if depth > maxNesting || len(b) == 0 || (b[0] != '{' && b[0] != '[') || !bytes.Contains(b, []byte(`"shared_object_id"`)) {
		return v
	}
	if b[0] == '[' {
		var a []json.RawMessage
		if json.Unmarshal(b, &a) != nil {
			return v
		}
		for i := range a {
			a[i] = dropSharedIDs(a[i], depth+1)
		}
		return mustJSON(a)
	}
	var o object
	if json.Unmarshal(b, &o) != nil {
		return v
	}
	if _, ok := o["class_name"]; ok {
		delete(o, "shared_object_id")
	}
	for k := range o {
		o[k] = dropSharedIDs(o[k], depth+1)
	}
	return mustJSON(o)
}
