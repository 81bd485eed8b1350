package kerasfile

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/saving"
)

// modelsWeight is a layer's weight.
type modelsWeight = layers.Weight

// exported is a model ready to be written: its Keras config, the layer
// list that the weight layouts follow, and its state.
type exported struct {
	name     string
	config   map[string]any
	t        *translated
	state    *models.TrainingState
	compiled bool
	opt      optimizers.Optimizer
}

func export(m saving.Model) (*exported, error) {
	mc, err := saving.ModelConfig(m)
	if err != nil {
		return nil, err
	}
	var cc map[string]any
	compiled := m.Optimizer() != nil
	if compiled {
		b, err := saving.CompileConfig(m)
		if err != nil {
			return nil, err
		}
		if cc, err = kerasCompileConfig(b); err != nil {
			return nil, err
		}
	}
	cfg, err := kerasModelConfig(mc, cc)
	if err != nil {
		return nil, err
	}
	// What is written must read back: translate it as a loader would.
	b, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	t, err := translateModel(b, nil, false)
	if err != nil {
		return nil, fmt.Errorf("the Keras config written would not read back: %w", err)
	}
	st, err := m.TrainingState()
	if err != nil {
		return nil, err
	}
	inner, _ := cfg["config"].(map[string]any)
	name, _ := inner["name"].(string)
	return &exported{name: name, config: cfg, t: t, state: st, compiled: compiled, opt: m.Optimizer()}, nil
}

// groupOf returns the Keras 3 group that holds a neuron weight of layer l
// (rel being the weight's name within the layer), below base.
func groupOf(l *kerasLayer, base, rel string) string {
	first, rest, _ := strings.Cut(rel, "/")
	switch {
	case recurrentClasses[l.class]:
		return base + "/cell"
	case l.class == "Bidirectional":
		side, key := "layer", "/forward_layer"
		if strings.HasPrefix(first, "backward") {
			key = "/backward_layer"
			if _, ok := innerClass(l, "backward_layer"); ok {
				side = "backward_layer"
			}
		}
		if in, ok := innerClass(l, side); ok {
			return groupOf(in, base+key, rest)
		}
		return base + key
	case l.class == "TimeDistributed":
		if in, ok := innerClass(l, "layer"); ok {
			return groupOf(in, base+"/layer", rel)
		}
	case l.class == "MultiHeadAttention":
		switch first {
		case "query":
			return base + "/_query_dense"
		case "key":
			return base + "/_key_dense"
		case "value":
			return base + "/_value_dense"
		}
		return base + "/_output_dense"
	case l.sub != nil:
		keys := keys3(l.sub)
		for i, s := range l.sub {
			if s.name == first {
				return groupOf(s, base+"/layers/"+keys[i], rest)
			}
		}
	}
	return base
}

// weights3 builds model.weights.h5 in Keras 3's layout.
func (e *exported) weights3() (*memGroup, error) {
	root := newMemGroup()
	root.mkdir("vars").setAttr("name", e.name)
	names, by := layerWeights(e.state.Weights)
	keys := keys3(e.t.layers)
	byName := map[string]int{}
	for i, l := range e.t.layers {
		byName[l.name] = i
		// Keras 3.16 makes every layer's vars group, named after the layer.
		root.mkdir("layers/"+keys[i]+"/vars").setAttr("name", l.name)
	}
	for _, n := range names {
		i, ok := byName[n]
		if !ok {
			return nil, fmt.Errorf("layer %q has weights but is not in the config", n)
		}
		l := e.t.layers[i]
		count := map[string]int{}
		for _, w := range by[n] {
			_, rel, _ := strings.Cut(w.Name, "/")
			g := groupOf(l, "layers/"+keys[i], rel) + "/vars"
			// Each sublayer on the way has its vars group too.
			for p := strings.TrimSuffix(g, "/vars"); p != "layers/"+keys[i]; p = p[:strings.LastIndexByte(p, '/')] {
				if strings.HasSuffix(p, "/layers") {
					continue // a nested model's list of layers, not a layer
				}
				vg := root.mkdir(p + "/vars")
				if _, ok := vg.attrs["name"]; !ok {
					vg.setAttr("name", lastPart(p, l))
				}
			}
			root.put(g+"/"+itoa(count[g]), dataset(l, w))
			count[g]++
		}
	}
	if e.compiled {
		og := root.mkdir("optimizer/vars")
		og.setAttr("name", e.opt.Name())
		vars, _, err := e.optimizerVars(func(w *layers.Weight) string { return "" })
		if err != nil {
			return nil, err
		}
		for i, v := range vars {
			og.put(itoa(i), v)
		}
	}
	return root, nil
}

// dataset is a weight as Keras stores it: float32, except
// Normalization's count, an int64 in Keras (add_weight dtype "int").
func dataset(l *kerasLayer, w *layers.Weight) *memDataset {
	if l.class == "Normalization" && strings.HasSuffix(w.Name, "/count") && w.Value.Size() == 1 && len(w.Value.Shape()) == 0 {
		return &memDataset{dims: []int{}, isInt: true, ival: int64(w.Value.Data()[0])}
	}
	return &memDataset{dims: w.Value.Shape(), values: w.Value.Data()}
}

// lastPart names a sublayer's vars group as Keras does, after the
// sublayer: the cell of a recurrent layer "lstm" is "lstm_cell" (of a
// wrapped one, after the wrapped class), a wrapper's layers have their
// own names, MultiHeadAttention's projections are "query", …
func lastPart(g string, l *kerasLayer) string {
	i := strings.LastIndexByte(g, '/')
	p := g[i+1:]
	nameOf := func(k string) (string, string) {
		if in, ok := innerClass(l, k); ok {
			n, _ := decodeString(in.config["name"])
			return in.class, n
		}
		return l.class, p
	}
	switch p {
	case "cell":
		class := l.class
		if wrappers[l.class] {
			side := "layer"
			if strings.Contains(g, "/backward_layer/") {
				if _, ok := innerClass(l, "backward_layer"); ok {
					side = "backward_layer"
				}
			}
			class, _ = nameOf(side)
		}
		return layers.DefaultName(class) + "_cell"
	case "forward_layer", "layer":
		_, n := nameOf("layer")
		return n
	case "backward_layer":
		if _, ok := innerClass(l, "backward_layer"); ok {
			_, n := nameOf("backward_layer")
			return n
		}
		_, n := nameOf("layer")
		return "backward_" + strings.TrimPrefix(n, "forward_")
	case "_query_dense":
		return "query"
	case "_key_dense":
		return "key"
	case "_value_dense":
		return "value"
	case "_output_dense":
		return "attention_output"
	}
	return p
}

// optimizerVars returns the optimizer's variables in Keras's order:
// iteration (int64), learning_rate, then the slots; names gives each slot
// variable's name from its weight (for the legacy layout).
func (e *exported) optimizerVars(slotName func(*layers.Weight) string) ([]*memDataset, []string, error) {
	iters := 0
	var slots []optimizers.Slot
	if sf, ok := e.opt.(optimizers.Stateful); ok && e.state.Optimizer != nil {
		iters = e.state.Optimizer.Iterations
		for _, s := range e.state.Optimizer.Slots {
			if len(s.Values) > 0 && s.Values[0] != nil {
				slots = append(slots, s)
			}
		}
		_ = sf
	}
	lr := e.state.LearningRate
	if lr == 0 {
		lr = e.opt.LR()
	}
	out := []*memDataset{
		{dims: []int{}, isInt: true, ival: int64(iters)},
		{dims: []int{}, values: []float32{float32(lr)}},
	}
	names := []string{"iteration", "learning_rate"}
	trainable := trainableOf(e.state.Weights)
	if len(slots) == 0 {
		return out, names, nil
	}
	interleaved, _ := slotLayout(optimizerClass(e.opt))
	add := func(j, i int) {
		w := trainable[i]
		out = append(out, &memDataset{dims: w.Value.Shape(), values: slots[j].Values[i]})
		names = append(names, slotName(w)+"_"+slots[j].Name)
	}
	if interleaved {
		for i := range trainable {
			for j := range slots {
				add(j, i)
			}
		}
	} else {
		for j := range slots {
			for i := range trainable {
				add(j, i)
			}
		}
	}
	return out, names, nil
}

func metadataJSON() []byte {
	return mustJSON(map[string]any{"keras_version": KerasVersion, "date_saved": time.Now().Format("2006-01-02@15:04:05")})
}

// kerasWriter prepares the writing of a .keras archive.
func kerasWriter(m saving.Model) (func(io.Writer) error, error) {
	e, err := export(m)
	if err != nil {
		return nil, err
	}
	root, err := e.weights3()
	if err != nil {
		return nil, err
	}
	config := mustJSON(e.config)
	return func(w io.Writer) error {
		return writeArchive(w, metadataJSON(), config, func(w io.Writer) error { return encodeH5(w, root) })
	}, nil
}

// legacyConfig turns a Keras 3 model config into the model_config Keras
// 3 writes in a legacy .h5 file, where legacy_h5_format serializes with
// use_legacy_config: the model and each of its layers as
// {"class_name", "config"} (a functional model's layers keep their name
// and inbound_nodes), without module, registered_name or build_config;
// the objects inside a layer's config (initializers, the dtype policy, a
// wrapped layer) stay as Keras 3 serializes them.
func legacyConfig(cfg map[string]any) map[string]any {
	c, _ := cfg["config"].(map[string]any)
	if ls, ok := c["layers"].([]any); ok {
		out := make([]any, len(ls))
		for i, l := range ls {
			e, ok := l.(map[string]any)
			if !ok {
				out[i] = l
				continue
			}
			ne := map[string]any{}
			for k, v := range e {
				switch k {
				case "module", "registered_name", "build_config":
				default:
					ne[k] = v
				}
			}
			if ec, _ := e["config"].(map[string]any); ec["layers"] != nil {
				ne["config"] = legacyConfig(e)["config"]
			}
			out[i] = ne
		}
		nc := map[string]any{}
		for k, v := range c {
			nc[k] = v
		}
		nc["layers"] = out
		c = nc
	}
	return map[string]any{"class_name": cfg["class_name"], "config": c}
}

// legacyObject is a Keras object (a loss) as legacy serialization writes
// it: {"class_name", "config"}, without module or registered_name; a
// dict of them (one per output) maps each.
func legacyObject(v any) any {
	o, ok := v.(map[string]any)
	if !ok {
		return v
	}
	if _, ok := o["class_name"]; ok {
		return map[string]any{"class_name": o["class_name"], "config": o["config"]}
	}
	out := map[string]any{}
	for k, x := range o {
		out[k] = legacyObject(x)
	}
	return out
}

// h5Writer prepares the writing of a legacy .h5 file.
func h5Writer(m saving.Model) (func(io.Writer) error, error) {
	root, err := h5WriterTree(m)
	if err != nil {
		return nil, err
	}
	return func(w io.Writer) error { return encodeH5(w, root) }, nil
}

// h5WriterTree builds a legacy .h5 file's tree.
func h5WriterTree(m saving.Model) (*memGroup, error) {
	e, err := export(m)
	if err != nil {
		return nil, err
	}
	root := newMemGroup()
	root.setAttr("backend", "tensorflow")
	root.setAttr("keras_version", KerasVersion)
	root.setBytesAttr("model_config", string(mustJSON(legacyConfig(e.config))))
	if cc, ok := e.config["compile_config"].(map[string]any); ok && e.compiled {
		tc := map[string]any{}
		for k, v := range cc {
			switch k {
			case "optimizer":
			case "loss":
				tc[k] = legacyObject(v)
			default:
				tc[k] = v
			}
		}
		if o, ok := cc["optimizer"].(map[string]any); ok {
			tc["optimizer_config"] = map[string]any{"class_name": o["class_name"], "config": o["config"]}
		}
		root.setBytesAttr("training_config", string(mustJSON(tc)))
	}
	mw := root.mkdir("model_weights")
	var lnames []string
	for _, l := range e.t.layers {
		lnames = append(lnames, l.name)
	}
	mw.setBytesAttr("backend", "tensorflow")
	mw.setBytesAttr("keras_version", KerasVersion)
	mw.setAttr("layer_names", lnames)
	_, by := layerWeights(e.state.Weights)
	paths := map[*layers.Weight]string{}
	sorted := slices.Clone(e.t.layers)
	slices.SortFunc(sorted, func(a, b *kerasLayer) int { return strings.Compare(a.name, b.name) })
	for _, l := range sorted {
		g := mw.mkdir(l.name)
		wn := []string{}
		for _, w := range legacyOrder(by[l.name]) {
			p := kerasVarPath(e.name, l, w.Name)
			paths[w] = p
			wn = append(wn, p)
			g.put(p, dataset(l, w))
		}
		g.setAttr("weight_names", wn)
	}
	// The model's own variables (not a layer's); neuron's models have
	// none, and Keras writes the group all the same.
	mw.mkdir("top_level_model_weights").setAttr("weight_names", []string{})
	if e.compiled {
		prefix := strings.ToLower(e.opt.Name())
		vars, names, err := e.optimizerVars(func(w *layers.Weight) string { return strings.ReplaceAll(paths[w], "/", "_") })
		if err != nil {
			return nil, err
		}
		og := root.mkdir("optimizer_weights")
		full := make([]string, len(names))
		for i, n := range names {
			full[i] = prefix + "/" + n
			og.put(full[i], vars[i])
		}
		og.setAttr("weight_names", full)
	}
	return root, nil
}
