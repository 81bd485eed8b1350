package kerasfile

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/optimizers"
)

// lossClasses maps Keras's loss names (the strings compile accepts) to the
// loss classes neuron's files name.
var lossClasses = map[string]string{
	"sparse_categorical_crossentropy": "SparseCategoricalCrossentropy",
	"categorical_crossentropy":        "CategoricalCrossentropy",
	"binary_crossentropy":             "BinaryCrossentropy",
	"mean_squared_error":              "MeanSquaredError",
	"mse":                             "MeanSquaredError",
	"mean_absolute_error":             "MeanAbsoluteError",
	"mae":                             "MeanAbsoluteError",
}

// translateCompile translates Keras 3's compile_config (or Keras 2's
// training_config when legacy) to neuron's compile_config.
func translateCompile(raw json.RawMessage, legacy bool, t *translated) ([]byte, error) {
	cc, err := decodeObject(raw, "compile_config")
	if err != nil {
		return nil, err
	}
	optRaw := cc["optimizer"]
	if legacy {
		optRaw = cc["optimizer_config"]
	}
	opt, err := translateOptimizer(optRaw)
	if err != nil {
		return nil, err
	}
	loss, err := translateLoss(cc["loss"], t)
	if err != nil {
		return nil, err
	}
	mets, err := translateMetrics(cc["metrics"], t)
	if err != nil {
		return nil, err
	}
	if !isNull(cc["weighted_metrics"]) && string(cc["weighted_metrics"]) != "[]" {
		return nil, unsupportedf("compile_config.weighted_metrics = %s", shorten(cc["weighted_metrics"]))
	}
	out := map[string]any{"optimizer": opt, "loss": loss, "metrics": mets}
	if !isNull(cc["loss_weights"]) {
		if !t.functional {
			return nil, unsupportedf("compile_config.loss_weights = %s on a Sequential", shorten(cc["loss_weights"]))
		}
		lw, err := perOutput(cc["loss_weights"], t, "compile_config.loss_weights")
		if err != nil {
			return nil, err
		}
		out["loss_weights"] = lw
	}
	return json.Marshal(out)
}

// perOutput spreads a per-output value (a dict by output name, a list in
// output order, or one value for all) to a dict by output name.
func perOutput(raw json.RawMessage, t *translated, what string) (map[string]json.RawMessage, error) {
	out := map[string]json.RawMessage{}
	var d map[string]json.RawMessage
	if json.Unmarshal(raw, &d) == nil && d != nil {
		if _, isObj := d["class_name"]; !isObj {
			for k, v := range d {
				out[k] = v
			}
			return out, nil
		}
	}
	var l []json.RawMessage
	if json.Unmarshal(raw, &l) == nil && len(l) == len(t.outputNames) && len(l) > 1 {
		for i, n := range t.outputNames {
			out[n] = l[i]
		}
		return out, nil
	}
	for _, n := range t.outputNames {
		out[n] = raw
	}
	return out, nil
}

// translateOptimizer turns Keras's serialized optimizer into neuron's
// {"class_name", "config"}, refusing settings neuron lacks.
func translateOptimizer(raw json.RawMessage) (json.RawMessage, error) {
	if isNull(raw) {
		return nil, invalidf("compile_config.optimizer is missing")
	}
	if s, ok := decodeString(raw); ok {
		o, err := optimizers.Get(s)
		if err != nil {
			return nil, unsupportedf("compile_config.optimizer %q: %v", s, err)
		}
		return optimizers.MarshalConfig(o)
	}
	o, err := decodeObject(raw, "compile_config.optimizer")
	if err != nil {
		return nil, err
	}
	class, _ := decodeString(o["class_name"])
	cfg, err := decodeObject(o["config"], "compile_config.optimizer.config")
	if err != nil {
		return nil, err
	}
	if lr, ok := cfg["lr"]; ok { // Keras 2.2's name
		if _, has := cfg["learning_rate"]; !has {
			cfg["learning_rate"] = lr
		}
		delete(cfg, "lr")
	}
	var out json.RawMessage
	err = dropNeutral(cfg, func(c object) error {
		b := mustJSON(map[string]any{"class_name": class, "config": c})
		if _, err := optimizers.UnmarshalConfig(b); err != nil {
			return err
		}
		out = b
		return nil
	}, fmt.Sprintf("compile_config.optimizer (%s)", class))
	if err != nil {
		if errors.Is(err, ErrUnsupported) {
			return nil, err
		}
		return nil, unsupportedf("compile_config.optimizer (%s): %v", class, err)
	}
	return out, nil
}

func translateOneLoss(raw json.RawMessage, what string) (json.RawMessage, error) {
	if s, ok := decodeString(raw); ok {
		class, ok := lossClasses[s]
		if !ok {
			return nil, unsupportedf("%s: loss %q", what, s)
		}
		return mustJSON(map[string]any{"class_name": class, "config": map[string]any{"name": s}}), nil
	}
	o, err := decodeObject(raw, what)
	if err != nil {
		return nil, err
	}
	class, _ := decodeString(o["class_name"])
	cfg, err := decodeObject(o["config"], what+".config")
	if err != nil {
		return nil, err
	}
	for k, v := range cfg {
		switch k {
		case "name", "from_logits", "label_smoothing":
		default:
			if !neutral(k, v) {
				return nil, unsupportedf("%s (%s): key %q = %s", what, class, k, shorten(v))
			}
			delete(cfg, k)
		}
	}
	return mustJSON(map[string]any{"class_name": class, "config": cfg}), nil
}

func translateLoss(raw json.RawMessage, t *translated) (any, error) {
	if isNull(raw) {
		return nil, invalidf("compile_config.loss is missing")
	}
	if !t.functional {
		return translateOneLoss(raw, "compile_config.loss")
	}
	per, err := perOutput(raw, t, "compile_config.loss")
	if err != nil {
		return nil, err
	}
	out := map[string]json.RawMessage{}
	for k, v := range per {
		if out[k], err = translateOneLoss(v, fmt.Sprintf("compile_config.loss[%q]", k)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func translateMetricList(raw json.RawMessage, what string) ([]json.RawMessage, error) {
	if isNull(raw) {
		return []json.RawMessage{}, nil
	}
	var l []json.RawMessage
	if err := json.Unmarshal(raw, &l); err != nil {
		l = []json.RawMessage{raw}
	}
	out := []json.RawMessage{}
	for i, m := range l {
		if s, ok := decodeString(m); ok && s == "acc" { // Keras 2's alias
			m = json.RawMessage(`"accuracy"`)
		}
		if _, err := metrics.UnmarshalConfig(m); err != nil {
			// A metric object Keras wrote in full ({"class_name":
			// "SparseCategoricalAccuracy", …}) is read by its name.
			if o, e := decodeObject(m, what); e == nil {
				if c, e := decodeObject(o["config"], what); e == nil {
					if n, ok := decodeString(c["name"]); ok {
						if _, err2 := metrics.Get(n); err2 == nil {
							out = append(out, mustJSON(n))
							continue
						}
					}
				}
			}
			return nil, unsupportedf("%s[%d]: %v", what, i, err)
		}
		out = append(out, m)
	}
	return out, nil
}

func translateMetrics(raw json.RawMessage, t *translated) (any, error) {
	if !t.functional {
		var l []json.RawMessage
		// Keras 3 may nest the list of a single output in a list.
		if json.Unmarshal(raw, &l) == nil && len(l) == 1 && len(l[0]) > 0 && l[0][0] == '[' {
			raw = l[0]
		}
		return translateMetricList(raw, "compile_config.metrics")
	}
	out := map[string][]json.RawMessage{}
	if isNull(raw) {
		return out, nil
	}
	var d map[string]json.RawMessage
	if json.Unmarshal(raw, &d) == nil && d != nil {
		for k, v := range d {
			ms, err := translateMetricList(v, fmt.Sprintf("compile_config.metrics[%q]", k))
			if err != nil {
				return nil, err
			}
			out[k] = ms
		}
		return out, nil
	}
	var l []json.RawMessage
	if err := json.Unmarshal(raw, &l); err != nil {
		return nil, invalidf("compile_config.metrics: want a list or a dict")
	}
	nested := len(l) == len(t.outputNames) && len(l) > 0
	for _, v := range l {
		if len(v) == 0 || v[0] != '[' {
			nested = false
		}
	}
	for i, n := range t.outputNames {
		src := raw
		if nested {
			src = l[i]
		}
		ms, err := translateMetricList(src, fmt.Sprintf("compile_config.metrics[%q]", n))
		if err != nil {
			return nil, err
		}
		out[n] = ms
	}
	return out, nil
}
