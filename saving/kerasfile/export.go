package kerasfile

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/neuron-go/neuron/layers"
)

// Writing: neuron's Keras-shaped configs become what Keras 3's
// serialize_keras_object writes. Public Keras classes are written with
// their public module (keras.layers, keras.initializers, …, "keras" for
// Sequential and DTypePolicy) and registered_name null; Functional, which
// Keras does not export, with module keras.src.models.functional and
// registered_name "Functional"; every layer with its build_config.

// helperModules are the modules of the helper objects in layer configs.
var helperModules = map[string]string{
	"kernel_initializer": "keras.initializers", "bias_initializer": "keras.initializers",
	"recurrent_initializer": "keras.initializers", "embeddings_initializer": "keras.initializers",
	"beta_initializer": "keras.initializers", "gamma_initializer": "keras.initializers",
	"moving_mean_initializer": "keras.initializers", "moving_variance_initializer": "keras.initializers",
	"depthwise_initializer": "keras.initializers", "pointwise_initializer": "keras.initializers",
	"alpha_initializer":  "keras.initializers",
	"kernel_regularizer": "keras.regularizers", "bias_regularizer": "keras.regularizers",
	"recurrent_regularizer": "keras.regularizers", "activity_regularizer": "keras.regularizers",
	"embeddings_regularizer": "keras.regularizers", "beta_regularizer": "keras.regularizers",
	"gamma_regularizer": "keras.regularizers", "depthwise_regularizer": "keras.regularizers",
	"pointwise_regularizer": "keras.regularizers", "alpha_regularizer": "keras.regularizers",
	"kernel_constraint": "keras.constraints", "bias_constraint": "keras.constraints",
	"recurrent_constraint": "keras.constraints", "embeddings_constraint": "keras.constraints",
	"beta_constraint": "keras.constraints", "gamma_constraint": "keras.constraints",
	"depthwise_constraint": "keras.constraints", "pointwise_constraint": "keras.constraints",
	"alpha_constraint": "keras.constraints",
}

// seededInitializers are the initializers whose Keras config has a seed.
var seededInitializers = map[string]bool{
	"GlorotUniform": true, "GlorotNormal": true, "HeUniform": true, "HeNormal": true,
	"LecunUniform": true, "LecunNormal": true, "RandomUniform": true, "RandomNormal": true,
	"TruncatedNormal": true, "VarianceScaling": true, "Orthogonal": true,
}

// kerasNullKeys are, per layer class, the keys Keras 3's get_config
// always writes that neuron's configs leave out when unset: Keras writes
// them as null (regularizers, constraints, seeds, Dropout's noise_shape,
// quantization_config).
var kerasNullKeys = func() map[string][]string {
	conv := []string{"kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint"}
	norm := []string{"beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint"}
	rnn := []string{"kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "activity_regularizer",
		"kernel_constraint", "recurrent_constraint", "bias_constraint", "seed"}
	m := map[string][]string{
		"Dense":              {"kernel_regularizer", "bias_regularizer", "kernel_constraint", "bias_constraint", "quantization_config"},
		"EinsumDense":        append(slices.Clone(conv), "quantization_config"),
		"Embedding":          {"embeddings_regularizer", "activity_regularizer", "embeddings_constraint", "quantization_config"},
		"DepthwiseConv1D":    {"depthwise_regularizer", "bias_regularizer", "activity_regularizer", "depthwise_constraint", "bias_constraint"},
		"DepthwiseConv2D":    {"depthwise_regularizer", "bias_regularizer", "activity_regularizer", "depthwise_constraint", "bias_constraint"},
		"PReLU":              {"alpha_regularizer", "alpha_constraint"},
		"MultiHeadAttention": append(slices.Clone(conv), "seed"),
		"Dropout":            {"seed", "noise_shape"},
		"AlphaDropout":       {"seed", "noise_shape"},
		"GaussianDropout":    {"seed"},
		"GaussianNoise":      {"seed"},
		"BatchNormalization": norm,
		"LayerNormalization": norm,
		"GroupNormalization": norm,
		"LSTM":               rnn,
		"GRU":                rnn,
		"SimpleRNN":          rnn,
		"SeparableConv1D":    {"depthwise_regularizer", "pointwise_regularizer", "bias_regularizer", "activity_regularizer", "depthwise_constraint", "pointwise_constraint", "bias_constraint"},
		"SeparableConv2D":    {"depthwise_regularizer", "pointwise_regularizer", "bias_regularizer", "activity_regularizer", "depthwise_constraint", "pointwise_constraint", "bias_constraint"},
	}
	for _, c := range []string{"Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose"} {
		m[c] = conv
	}
	return m
}()

// builtAtInit are the layer classes Keras 3 builds in __init__
// (_build_at_init: stateless layers with the default build), which
// therefore have no build_config in Keras's files.
var builtAtInit = map[string]bool{
	"Activation": true, "ELU": true, "LeakyReLU": true, "ReLU": true, "Softmax": true, "Identity": true,
	"Masking": true, "UnitNormalization": true, "ActivityRegularization": true, "AlphaDropout": true,
	"Dropout": true, "GaussianDropout": true, "GaussianNoise": true,
	"MaxPooling1D": true, "MaxPooling2D": true, "MaxPooling3D": true,
	"AveragePooling1D": true, "AveragePooling2D": true, "AveragePooling3D": true,
	"GlobalMaxPooling1D": true, "GlobalMaxPooling2D": true, "GlobalMaxPooling3D": true,
	"GlobalAveragePooling1D": true, "GlobalAveragePooling2D": true, "GlobalAveragePooling3D": true,
}

// addNullKeys gives a layer config of the class the keys Keras writes as
// null that it lacks.
func addNullKeys(class any, cfg map[string]any) {
	c, _ := class.(string)
	for _, k := range kerasNullKeys[c] {
		if _, ok := cfg[k]; !ok {
			cfg[k] = nil
		}
	}
}

func dtypePolicy() map[string]any {
	return map[string]any{"module": "keras", "class_name": "DTypePolicy", "config": map[string]any{"name": "float32"}, "registered_name": nil}
}

// kerasLayerConfig turns the neuron config of a layer of class class
// into Keras 3's; inShape, when known, is the layer's input shape, from
// which a wrapper's layers get their build_config as Keras builds them
// (Bidirectional's on the same shape, TimeDistributed's without the time
// axis).
func kerasLayerConfig(class any, cfg map[string]any, inShape any) map[string]any {
	cfg["dtype"] = dtypePolicy()
	delete(cfg, "batch_input_shape")
	for k, v := range cfg {
		o, ok := v.(map[string]any)
		if !ok {
			continue
		}
		if mod, ok := helperModules[k]; ok {
			o["module"], o["registered_name"] = mod, nil
			if c, ok := o["config"].(map[string]any); ok {
				if cn, _ := o["class_name"].(string); seededInitializers[cn] {
					if _, has := c["seed"]; !has {
						c["seed"] = nil
					}
				}
			}
			continue
		}
		if k == "layer" || k == "backward_layer" {
			cfg[k] = kerasLayerEntry(o, innerShape(class, inShape))
		}
	}
	return cfg
}

// innerShape is the input shape a wrapper of class class with input shape
// in builds its wrapped layers on, or nil when unknown.
func innerShape(class, in any) any {
	var l []any
	switch s := in.(type) {
	case []any:
		l = s
	case []*int:
		for _, d := range s {
			if d == nil {
				l = append(l, nil)
			} else {
				l = append(l, *d)
			}
		}
	default:
		return nil
	}
	switch class {
	case "Bidirectional":
		return l
	case "TimeDistributed":
		if len(l) < 3 {
			return nil
		}
		return append([]any{l[0]}, l[2:]...)
	}
	return nil
}

// kerasLayerEntry turns neuron's {"class_name", "config"} into Keras 3's
// serialized layer, with its build_config when the input shape is known.
func kerasLayerEntry(o map[string]any, inShape any) map[string]any {
	cfg, _ := o["config"].(map[string]any)
	if cfg == nil {
		cfg = map[string]any{}
	}
	addNullKeys(o["class_name"], cfg)
	out := map[string]any{
		"module":          "keras.layers",
		"class_name":      o["class_name"],
		"config":          kerasLayerConfig(o["class_name"], cfg, inShape),
		"registered_name": nil,
	}
	if c, _ := o["class_name"].(string); inShape != nil && !builtAtInit[c] {
		out["build_config"] = map[string]any{"input_shape": inShape}
	}
	return out
}

// kerasModelConfig turns the neuron model_config of a Sequential or
// functional model into Keras 3's serialized model; compile is Keras's
// compile_config or nil.
func kerasModelConfig(mc []byte, compile map[string]any) (map[string]any, error) {
	var top map[string]any
	if err := json.Unmarshal(mc, &top); err != nil {
		return nil, err
	}
	cfg, _ := top["config"].(map[string]any)
	bc, _ := top["build_config"].(map[string]any)
	if cfg == nil || bc == nil {
		return nil, fmt.Errorf("kerasfile: model config without config or build_config")
	}
	var out map[string]any
	switch top["class_name"] {
	case "Sequential":
		inShape := bc["input_shape"]
		ls, _ := cfg["layers"].([]any)
		klayers := []any{map[string]any{
			"module": "keras.layers", "class_name": "InputLayer", "registered_name": nil,
			"config": map[string]any{"batch_shape": inShape, "dtype": "float32", "sparse": false, "ragged": false, "name": "input_layer", "optional": false},
		}}
		shape, err := perExampleAny(inShape)
		if err != nil {
			return nil, err
		}
		for _, l := range ls {
			o, _ := l.(map[string]any)
			if o == nil {
				return nil, fmt.Errorf("kerasfile: a layer config is not an object")
			}
			if o["class_name"] == "InputLayer" {
				continue
			}
			b, _ := json.Marshal(o)
			nl, _, err := layers.UnmarshalLayer(b)
			if err != nil {
				return nil, err
			}
			in := toBatch(shape)
			if p, ok := nl.(layers.Planner); ok {
				if shape, _, err = p.Plan(shape); err != nil {
					return nil, err
				}
			}
			klayers = append(klayers, kerasLayerEntry(o, in))
		}
		out = map[string]any{
			"module": "keras", "class_name": "Sequential", "registered_name": nil,
			"config": map[string]any{
				"name": cfg["name"], "trainable": true, "dtype": dtypePolicy(),
				"layers": klayers, "build_input_shape": inShape,
			},
			"build_config": map[string]any{"input_shape": inShape},
		}
	case "Functional":
		fc, err := kerasFunctionalConfig(cfg)
		if err != nil {
			return nil, err
		}
		in := bc["input_shape"]
		if l, ok := in.([]any); ok && len(l) == 1 {
			in = l[0]
		}
		out = map[string]any{
			"module": "keras.src.models.functional", "class_name": "Functional", "registered_name": "Functional",
			"config": fc, "build_config": map[string]any{"input_shape": in},
		}
	default:
		return nil, fmt.Errorf("kerasfile: model class %v", top["class_name"])
	}
	if compile != nil {
		out["compile_config"] = compile
	}
	return out, nil
}

func perExampleAny(s any) ([]int, error) {
	l, ok := s.([]any)
	if !ok || len(l) < 2 || l[0] != nil {
		return nil, fmt.Errorf("kerasfile: input shape %v", s)
	}
	out := make([]int, len(l)-1)
	for i, d := range l[1:] {
		f, ok := d.(float64)
		if !ok {
			return nil, fmt.Errorf("kerasfile: input shape %v", s)
		}
		out[i] = int(f)
	}
	return out, nil
}

// kerasFunctionalConfig turns a neuron functional config into Keras's.
func kerasFunctionalConfig(cfg map[string]any) (map[string]any, error) {
	ls, _ := cfg["layers"].([]any)
	var out []any
	for _, l := range ls {
		e, _ := l.(map[string]any)
		if e == nil {
			return nil, fmt.Errorf("kerasfile: a layer entry is not an object")
		}
		switch e["class_name"] {
		case "Functional":
			inner, _ := e["config"].(map[string]any)
			ic, err := kerasFunctionalConfig(inner)
			if err != nil {
				return nil, err
			}
			e["config"] = ic
		case "InputLayer":
			c, _ := e["config"].(map[string]any)
			if c != nil {
				c["dtype"], c["sparse"], c["ragged"], c["optional"] = "float32", false, false, false
			}
		default:
			c, _ := e["config"].(map[string]any)
			if c != nil {
				addNullKeys(e["class_name"], c)
				e["config"] = kerasLayerConfig(e["class_name"], c, nodeShapes(e["inbound_nodes"]))
			}
			if cn, _ := e["class_name"].(string); builtAtInit[cn] {
				break
			}
			if in := nodeShapes(e["inbound_nodes"]); in != nil {
				e["build_config"] = map[string]any{"input_shape": in}
			}
		}
		out = append(out, e)
	}
	ins, outs := cfg["input_layers"], cfg["output_layers"]
	// Keras writes the inputs and outputs of a one-input model as one
	// triple, not a list of one.
	if l, ok := ins.([]any); ok && len(l) == 1 {
		ins = l[0]
	}
	if l, ok := outs.([]any); ok && len(l) == 1 {
		outs = l[0]
	}
	return map[string]any{
		"name": cfg["name"], "trainable": true, "layers": out,
		"input_layers": ins, "output_layers": outs,
	}, nil
}

// nodeShapes returns the input shape of a layer's first call, from its
// first inbound node's tensors: one shape, or a list for a list input.
func nodeShapes(nodes any) any {
	l, _ := nodes.([]any)
	if len(l) == 0 {
		return nil
	}
	n, _ := l[0].(map[string]any)
	args, _ := n["args"].([]any)
	if len(args) == 0 {
		return nil
	}
	shapeOf := func(t any) any {
		m, _ := t.(map[string]any)
		c, _ := m["config"].(map[string]any)
		return c["shape"]
	}
	if list, ok := args[0].([]any); ok {
		var out []any
		for _, t := range list {
			out = append(out, shapeOf(t))
		}
		return out
	}
	return shapeOf(args[0])
}

// lossDefaults completes a serialized loss's config with the keys Keras
// 3's get_config writes, at their defaults where neuron's config leaves
// them out: every Loss's reduction, and the crossentropies' from_logits,
// label_smoothing (ignore_class for the sparse one) and axis.
func lossDefaults(v any) any {
	o, ok := v.(map[string]any)
	if !ok {
		return v
	}
	cfg, _ := o["config"].(map[string]any)
	if cfg == nil {
		return v
	}
	set := func(k string, d any) {
		if _, has := cfg[k]; !has {
			cfg[k] = d
		}
	}
	set("reduction", "sum_over_batch_size")
	switch o["class_name"] {
	case "BinaryCrossentropy", "CategoricalCrossentropy":
		set("from_logits", false)
		set("label_smoothing", 0.0)
		set("axis", -1)
	case "SparseCategoricalCrossentropy":
		set("from_logits", false)
		set("ignore_class", nil)
		set("axis", -1)
	}
	return v
}

// kerasCompileConfig turns neuron's compile_config into Keras 3's.
func kerasCompileConfig(cc []byte) (map[string]any, error) {
	var c map[string]any
	if err := json.Unmarshal(cc, &c); err != nil {
		return nil, err
	}
	withModule := func(v any, mod string) any {
		o, ok := v.(map[string]any)
		if !ok {
			return v
		}
		return map[string]any{"module": mod, "class_name": o["class_name"], "config": o["config"], "registered_name": nil}
	}
	loss := c["loss"]
	if m, ok := loss.(map[string]any); ok && m["class_name"] == nil {
		for k, v := range m {
			m[k] = withModule(lossDefaults(v), "keras.losses")
		}
	} else {
		loss = withModule(lossDefaults(loss), "keras.losses")
	}
	mets := c["metrics"]
	if m, ok := mets.(map[string]any); ok && len(m) == 0 {
		mets = nil
	} else if l, ok := mets.([]any); ok && len(l) == 0 {
		mets = nil
	}
	opt := withModule(c["optimizer"], "keras.optimizers")
	if o, ok := opt.(map[string]any); ok {
		if oc, ok := o["config"].(map[string]any); ok {
			// Keras 3's base optimizer keys, at their defaults.
			for k, v := range map[string]any{"weight_decay": nil, "clipnorm": nil, "global_clipnorm": nil, "clipvalue": nil,
				"use_ema": false, "ema_momentum": 0.99, "ema_overwrite_frequency": nil, "loss_scale_factor": nil,
				"gradient_accumulation_steps": nil} {
				if _, has := oc[k]; !has {
					oc[k] = v
				}
			}
		}
	}
	return map[string]any{
		"optimizer": opt, "loss": loss, "loss_weights": c["loss_weights"], "metrics": mets,
		"weighted_metrics": nil, "run_eagerly": false, "steps_per_execution": 1, "jit_compile": false,
	}, nil
}
