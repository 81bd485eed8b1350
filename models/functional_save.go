package models

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/neuron-go/neuron/internal/safetensors"
	"github.com/neuron-go/neuron/internal/strictjson"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/optimizers"
)

// A functional model's file is Save's format (see Sequential.Save) with
// Keras 3's functional config in model_config:
//
//	{"class_name": "Functional", "config": {"name": "functional", "trainable": true, "seed": 0,
//	  "layers": [
//	    {"module": "keras.layers", "class_name": "InputLayer", "config": {"name": "a", "batch_shape": [null, 3], …},
//	     "registered_name": null, "name": "a", "inbound_nodes": []},
//	    {"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense", "units": 4, …},
//	     "registered_name": null, "name": "dense", "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__",
//	       "config": {"shape": [null, 3], "dtype": "float32", "keras_history": ["a", 0, 0]}}], "kwargs": {}}]},
//	    …],
//	  "input_layers": [["a", 0, 0], …], "output_layers": [["dense_2", 0, 0], …]},
//	 "build_config": {"input_shape": [[null, 3], …]}}
//
// as Keras's Functional.get_config writes it: the layers in model.layers'
// order, each call of a layer an inbound node whose args hold the tensors
// it was applied to ([layer, node_index, tensor_index] in keras_history;
// a layer with several inputs gets them as one list), and the model's
// inputs and outputs as such triples. compile_config holds the loss,
// loss_weights and metrics keyed by output name, like Keras's dicts.

// savedFunctional is the JSON of a functional model_config.
type savedFunctional struct {
	ClassName string `json:"class_name"`
	Config    struct {
		Name         string            `json:"name"`
		Trainable    bool              `json:"trainable"`
		Seed         uint64            `json:"seed"`
		Layers       []json.RawMessage `json:"layers"`
		InputLayers  [][3]any          `json:"input_layers"`
		OutputLayers [][3]any          `json:"output_layers"`
	} `json:"config"`
	BuildConfig struct {
		InputShape [][]*int `json:"input_shape"`
	} `json:"build_config"`
}

// savedLayerEntry is one entry of config.layers, read strictly.
type savedLayerEntry struct {
	Module         *string         `json:"module"`
	ClassName      string          `json:"class_name"`
	Config         json.RawMessage `json:"config"`
	RegisteredName *string         `json:"registered_name"`
	BuildConfig    json.RawMessage `json:"build_config"`
	Name           string          `json:"name"`
	InboundNodes   []savedNode     `json:"inbound_nodes"`
}

// savedNode is one call of a layer: Keras's serialize_node.
type savedNode struct {
	Args   []json.RawMessage          `json:"args"`
	Kwargs map[string]json.RawMessage `json:"kwargs"`
}

// savedTensor is Keras's serialized KerasTensor.
type savedTensor struct {
	ClassName string `json:"class_name"`
	Config    struct {
		Shape        []*int `json:"shape"`
		Dtype        string `json:"dtype"`
		KerasHistory []any  `json:"keras_history"`
	} `json:"config"`
}

func tensorRef(name string, node, index int) [3]any { return [3]any{name, node, index} }

// modelConfig implements modelFiles.
func (m *Model) modelConfig() ([]byte, error) {
	var sf savedFunctional
	sf.ClassName = "Functional"
	sf.Config.Name = m.Name
	if sf.Config.Name == "" {
		sf.Config.Name = "functional"
	}
	sf.Config.Trainable = true
	sf.Config.Seed = m.seed
	order, _ := m.kerasOrder()
	for _, li := range order {
		l, name := m.layerList[li], m.layerNames[li]
		ll, ok := l.(layers.Layer)
		if !ok {
			return nil, fmt.Errorf("layer %s (%s): %T cannot be saved: only layers.Layer types can be, through layers.MarshalLayer", name, l.ClassName(), l)
		}
		b, err := layers.MarshalLayer(ll, name)
		if err != nil {
			return nil, fmt.Errorf("layer %s: %w", name, err)
		}
		var entry map[string]json.RawMessage
		if err := json.Unmarshal(b, &entry); err != nil {
			return nil, err
		}
		entry["module"] = json.RawMessage(`"keras.layers"`)
		entry["registered_name"] = json.RawMessage(`null`)
		entry["name"], _ = json.Marshal(name)
		nodes := []savedNode{}
		for _, c := range m.layerCalls[li] {
			if c.input != nil {
				continue // Keras serialises no node for an InputLayer
			}
			var ts []json.RawMessage
			for _, x := range c.ins {
				var st savedTensor
				st.ClassName = "__keras_tensor__"
				st.Config.Shape = toBatch(x.shape)
				st.Config.Dtype = "float32"
				st.Config.KerasHistory = []any{m.layerNames[m.layerIndex(x.call)], m.nodeIndex(x.call), x.index}
				b, err := json.Marshal(st)
				if err != nil {
					return nil, err
				}
				ts = append(ts, b)
			}
			arg := ts[0]
			if c.multi != nil {
				// A layer of several inputs is called on one list.
				var err error
				if arg, err = json.Marshal(ts); err != nil {
					return nil, err
				}
			}
			nodes = append(nodes, savedNode{Args: []json.RawMessage{arg}, Kwargs: map[string]json.RawMessage{}})
		}
		entry["inbound_nodes"], _ = json.Marshal(nodes)
		b, err = json.Marshal(entry)
		if err != nil {
			return nil, err
		}
		sf.Config.Layers = append(sf.Config.Layers, b)
	}
	for _, x := range m.inputs {
		sf.Config.InputLayers = append(sf.Config.InputLayers, tensorRef(m.layerNames[m.layerIndex(x.call)], m.nodeIndex(x.call), x.index))
		sf.BuildConfig.InputShape = append(sf.BuildConfig.InputShape, toBatch(x.shape))
	}
	for _, x := range m.outputs {
		sf.Config.OutputLayers = append(sf.Config.OutputLayers, tensorRef(m.layerNames[m.layerIndex(x.call)], m.nodeIndex(x.call), x.index))
	}
	return json.Marshal(sf)
}

func toBatch(s []int) []*int {
	out := []*int{nil}
	for _, d := range s {
		d := d
		out = append(out, &d)
	}
	return out
}

// savedFunctionalCompile is the compile_config of a functional model.
type savedFunctionalCompile struct {
	Optimizer   json.RawMessage              `json:"optimizer"`
	Loss        map[string]json.RawMessage   `json:"loss"`
	LossWeights map[string]strictjson.Float  `json:"loss_weights,omitempty"`
	Metrics     map[string][]json.RawMessage `json:"metrics"`
}

// compileConfig implements modelFiles.
func (m *Model) compileConfig() ([]byte, error) {
	var sc savedFunctionalCompile
	var err error
	if sc.Optimizer, err = optimizers.MarshalConfig(m.optimizer); err != nil {
		return nil, err
	}
	sc.Loss = map[string]json.RawMessage{}
	sc.Metrics = map[string][]json.RawMessage{}
	for i, h := range m.heads {
		name := m.outNames[i]
		if h.loss != nil {
			if sc.Loss[name], err = marshalLoss(h.loss); err != nil {
				return nil, err
			}
		}
		if h.weight != 1 {
			if sc.LossWeights == nil {
				sc.LossWeights = map[string]strictjson.Float{}
			}
			sc.LossWeights[name] = strictjson.Float(h.weight)
		}
		for _, mt := range h.metrics {
			b, err := metrics.MarshalConfig(mt)
			if err != nil {
				return nil, err
			}
			sc.Metrics[name] = append(sc.Metrics[name], b)
		}
	}
	return json.Marshal(sc)
}

// Save writes the model to one file at path as Sequential's Save does,
// with Keras 3's functional config (see the package's file format notes
// above modelConfig); LoadModel reads it.
func (m *Model) Save(path string, opts ...SaveOption) error {
	var o saveOptions
	for _, f := range opts {
		f(&o)
	}
	return m.eng().save(path, o)
}

// WriteTo writes the model as Save does to w; ReadModel reads it.
func (m *Model) WriteTo(w io.Writer) (int64, error) { return m.eng().writeTo(w) }

// SaveWeights writes the weights of every layer, named "<layer>/<weight>",
// as Sequential's SaveWeights does.
func (m *Model) SaveWeights(path string) error { return m.eng().saveWeights(path) }

// LoadWeights reads weights saved by SaveWeights or Save into the model,
// as Sequential's LoadWeights does.
func (m *Model) LoadWeights(path string) error {
	fh, size, err := openFile(path)
	if err != nil {
		return fmt.Errorf("models: load weights %s: %w", path, err)
	}
	defer fh.Close()
	if err := m.eng().readWeights(fh, size); err != nil {
		return fmt.Errorf("models: load weights %s: %w", path, err)
	}
	return nil
}

// LoadModel reads a functional model written by Model.Save, with the
// checks Load makes: layer classes from the closed registry, strict JSON,
// every tensor checked against the architecture before memory is
// allocated, and inbound nodes that must name layers and nodes that
// exist. It predicts exactly as the saved model did and, with the compile
// settings, goes on training exactly as it would have.
func LoadModel(path string) (*Model, error) {
	f, size, err := openFile(path)
	if err != nil {
		return nil, fmt.Errorf("models: load %s: %w", path, err)
	}
	defer f.Close()
	m, err := readModel(f, size, true)
	if err != nil {
		return nil, fmt.Errorf("models: load %s: %w", path, err)
	}
	return m, nil
}

// ReadModel reads a functional model written by Model.Save or WriteTo from
// the first size bytes of r, as LoadModel does.
func ReadModel(r io.ReaderAt, size int64) (*Model, error) {
	m, err := readModel(r, size, true)
	if err != nil {
		return nil, fmt.Errorf("models: read: %w", err)
	}
	return m, nil
}

// loadedLayer is a config.layers entry decoded.
type loadedLayer struct {
	layer layers.Layer
	name  string
	nodes [][]ref // per inbound node, the tensors it takes
	multi bool    // the node's args hold a list
}

// ref is a [layer, node_index, tensor_index] triple.
type ref struct {
	layer       string
	node, index int
}

func parseRef(v []any, what string) (ref, error) {
	if len(v) != 3 {
		return ref{}, invalidf("%s must be [layer, node_index, tensor_index], got %v", what, v)
	}
	name, ok := v[0].(string)
	n, ok1 := v[1].(float64)
	i, ok2 := v[2].(float64)
	if !ok || !ok1 || !ok2 || n != math.Trunc(n) || i != math.Trunc(i) || n < 0 || i < 0 || n > maxLayers || i > maxLayers {
		return ref{}, invalidf("%s must be [layer name, node index, tensor index], got %v", what, v)
	}
	return ref{name, int(n), int(i)}, nil
}

func parseTensorArg(raw json.RawMessage, what string) (ref, error) {
	var st savedTensor
	if err := strictjson.Decode(raw, &st); err != nil {
		return ref{}, invalidf("%s: %v", what, err)
	}
	if st.ClassName != "__keras_tensor__" {
		return ref{}, invalidf("%s: class_name is %q; want \"__keras_tensor__\"", what, st.ClassName)
	}
	if st.Config.Dtype != "" && st.Config.Dtype != "float32" {
		return ref{}, invalidf("%s: dtype is %q; only \"float32\" is supported", what, st.Config.Dtype)
	}
	return parseRef(st.Config.KerasHistory, what+".keras_history")
}

// parseFunctional decodes a functional model_config into layers and their
// calls.
func parseFunctional(s string) (*savedFunctional, []loadedLayer, error) {
	var sf savedFunctional
	if err := strictjson.Decode([]byte(s), &sf); err != nil {
		return nil, nil, invalidf("%s: %v", metaModel, err)
	}
	if sf.ClassName != "Functional" {
		return nil, nil, invalidf("%s: class_name is %q; want \"Functional\"", metaModel, sf.ClassName)
	}
	n := len(sf.Config.Layers)
	if n == 0 || n > maxLayers {
		return nil, nil, invalidf("%s: config.layers has %d layers; want 1 to %d", metaModel, n, maxLayers)
	}
	var ls []loadedLayer
	seen := map[string]bool{}
	for i, raw := range sf.Config.Layers {
		var e savedLayerEntry
		if err := strictjson.Decode(raw, &e); err != nil {
			return nil, nil, invalidf("%s: config.layers[%d]: %v", metaModel, i, err)
		}
		spec, _ := json.Marshal(struct {
			ClassName string          `json:"class_name"`
			Config    json.RawMessage `json:"config"`
		}{e.ClassName, e.Config})
		l, name, err := layers.UnmarshalLayer(spec)
		if err != nil {
			return nil, nil, invalidf("%s: config.layers[%d]: %v", metaModel, i, err)
		}
		if e.Name != name {
			return nil, nil, invalidf("%s: config.layers[%d] is named %q but its config says %q", metaModel, i, e.Name, name)
		}
		if seen[name] {
			return nil, nil, invalidf("%s: config.layers[%d]: the name %q is used twice", metaModel, i, name)
		}
		seen[name] = true
		ll := loadedLayer{layer: l, name: name}
		if len(e.InboundNodes) > maxLayers {
			return nil, nil, invalidf("%s: layer %q has %d inbound nodes", metaModel, name, len(e.InboundNodes))
		}
		for j, nd := range e.InboundNodes {
			what := fmt.Sprintf("%s: layer %q: inbound_nodes[%d]", metaModel, name, j)
			if len(nd.Args) != 1 || len(nd.Kwargs) != 0 {
				return nil, nil, invalidf("%s: want one argument and no keyword arguments, got %d and %d", what, len(nd.Args), len(nd.Kwargs))
			}
			arg := bytes.TrimSpace(nd.Args[0])
			var refs []ref
			if len(arg) > 0 && arg[0] == '[' {
				var list []json.RawMessage
				if err := strictjson.Decode(arg, &list); err != nil {
					return nil, nil, invalidf("%s: %v", what, err)
				}
				if len(list) == 0 || len(list) > maxLayers {
					return nil, nil, invalidf("%s: the list of inputs has %d tensors", what, len(list))
				}
				for k, t := range list {
					r, err := parseTensorArg(t, fmt.Sprintf("%s.args[0][%d]", what, k))
					if err != nil {
						return nil, nil, err
					}
					refs = append(refs, r)
				}
				ll.multi = true
			} else {
				r, err := parseTensorArg(arg, what+".args[0]")
				if err != nil {
					return nil, nil, err
				}
				refs = []ref{r}
			}
			ll.nodes = append(ll.nodes, refs)
		}
		_, isInput := l.(*layers.Input)
		if isInput != (len(ll.nodes) == 0) {
			return nil, nil, invalidf("%s: layer %q: an InputLayer has no inbound nodes and every other layer at least one", metaModel, name)
		}
		ls = append(ls, ll)
	}
	return &sf, ls, nil
}

// readModel is LoadModel without the file handling.
func readModel(r io.ReaderAt, size int64, verify bool) (*Model, error) {
	f, err := openNeuron(r, size, formatModel)
	if err != nil {
		return nil, err
	}
	mc, ok := f.Meta[metaModel]
	if !ok {
		return nil, invalidf("metadata %q is missing", metaModel)
	}
	sf, ls, err := parseFunctional(mc)
	if err != nil {
		return nil, err
	}
	// Wire the graph symbolically with each layer's plan: shapes and
	// weight shapes, nothing allocated.
	type planned struct {
		shapes  [][][]int // per node, the output shapes
		inputs  [][][]int // per node, the input shapes
		weights []layers.WeightShape
	}
	plans := make([]planned, len(ls))
	index := map[string]int{}
	for i, l := range ls {
		index[l.name] = i
	}
	lookup := func(r ref, what string) ([]int, error) {
		i, ok := index[r.layer]
		if !ok {
			return nil, invalidf("%s names layer %q, which the config does not have", what, r.layer)
		}
		if r.node >= len(plans[i].shapes) {
			return nil, invalidf("%s names node %d of layer %q, which is not made before it is used (dangling inbound node)", what, r.node, r.layer)
		}
		outs := plans[i].shapes[r.node]
		if r.index >= len(outs) {
			return nil, invalidf("%s names output %d of layer %q, which has %d", what, r.index, r.layer, len(outs))
		}
		return outs[r.index], nil
	}
	// Nodes are made in passes: a node can be made once the nodes it takes
	// exist (Keras's functional_from_config does the same with a queue).
	done := make([]int, len(ls)) // nodes made per layer
	for i, l := range ls {
		if in, ok := l.layer.(*layers.Input); ok {
			if err := checkValues(in.Shape); err != nil {
				return nil, invalidf("%s: layer %q: %v", metaModel, l.name, err)
			}
			plans[i].shapes = [][][]int{{in.Shape}}
			done[i] = 1
		}
	}
	for progress := true; progress; {
		progress = false
		for i, l := range ls {
			for done[i] < len(l.nodes) {
				refs := l.nodes[done[i]]
				what := fmt.Sprintf("%s: layer %q: inbound_nodes[%d]", metaModel, l.name, done[i])
				var in [][]int
				ready := true
				for _, r := range refs {
					if j, ok := index[r.layer]; ok && r.node >= len(plans[j].shapes) && r.node < max(len(ls[j].nodes), 1) {
						ready = false // made in a later pass, or never (checked below)
						break
					}
					s, err := lookup(r, what)
					if err != nil {
						return nil, err
					}
					in = append(in, s)
				}
				if !ready {
					break
				}
				outs, ws, err := planNode(l, in, what)
				if err != nil {
					return nil, err
				}
				for _, out := range outs {
					if err := checkValues(out); err != nil {
						return nil, invalidf("%s: output shape: %v", what, err)
					}
				}
				if done[i] == 0 {
					plans[i].weights = ws
				} else if len(ws) != len(plans[i].weights) {
					return nil, invalidf("%s: a shared layer applied to inputs of another shape", what)
				} else {
					for k := range ws {
						if !equalShape(ws[k].Shape, plans[i].weights[k].Shape) {
							return nil, invalidf("%s: a shared layer applied to inputs of another shape", what)
						}
					}
				}
				plans[i].shapes = append(plans[i].shapes, outs)
				plans[i].inputs = append(plans[i].inputs, in)
				done[i]++
				progress = true
			}
		}
	}
	for i, l := range ls {
		if done[i] < len(l.nodes) {
			return nil, invalidf("%s: layer %q: inbound_nodes[%d] takes tensors that are never made (a cycle or a dangling node)", metaModel, l.name, done[i])
		}
	}
	var inRefs, outRefs []ref
	for k, v := range sf.Config.InputLayers {
		r, err := parseRef(v[:], fmt.Sprintf("%s: config.input_layers[%d]", metaModel, k))
		if err != nil {
			return nil, err
		}
		if _, err := lookup(r, fmt.Sprintf("%s: config.input_layers[%d]", metaModel, k)); err != nil {
			return nil, err
		}
		inRefs = append(inRefs, r)
	}
	for k, v := range sf.Config.OutputLayers {
		r, err := parseRef(v[:], fmt.Sprintf("%s: config.output_layers[%d]", metaModel, k))
		if err != nil {
			return nil, err
		}
		if _, err := lookup(r, fmt.Sprintf("%s: config.output_layers[%d]", metaModel, k)); err != nil {
			return nil, err
		}
		outRefs = append(outRefs, r)
	}
	lc, err := parseFunctionalCompile(f)
	if err != nil {
		return nil, err
	}
	if lc != nil && lc.training.Position != nil {
		return nil, invalidf("%s: position belongs in backups only", metaTraining)
	}
	// Every tensor must be accounted for before anything is allocated.
	expected := map[string]bool{}
	for i, p := range plans {
		for _, w := range p.weights {
			name := ls[i].name + "/" + w.Name
			if err := checkTensor(f, name, w.Shape); err != nil {
				return nil, err
			}
			expected[name] = true
			if lc != nil && !w.NonTrainable {
				for _, s := range lc.training.Slots {
					if err := checkTensor(f, slotPrefix+s+"/"+name, w.Shape); err != nil {
						return nil, err
					}
					expected[slotPrefix+s+"/"+name] = true
				}
			}
		}
	}
	for _, e := range f.Entries {
		if !expected[e.Name] {
			return nil, invalidf("unexpected tensor %q: the architecture has no such weight", e.Name)
		}
	}

	// Build the graph for real, in the order the plan made the nodes.
	nodes := make([][][]*Node, len(ls)) // per layer, per call, per output
	for i, l := range ls {
		if in, ok := l.layer.(*layers.Input); ok {
			nodes[i] = [][]*Node{{Input(in.Shape, l.name)}}
		}
	}
	made := make([]int, len(ls))
	for i := range ls {
		if len(ls[i].nodes) == 0 {
			made[i] = 1
		}
	}
	for progress := true; progress; {
		progress = false
		for i, l := range ls {
			for made[i] < done[i] && len(l.nodes) > 0 && made[i] < len(l.nodes) {
				var ins []*Node
				ready := true
				for _, r := range l.nodes[made[i]] {
					j := index[r.layer]
					if r.node >= len(nodes[j]) {
						ready = false
						break
					}
					ins = append(ins, nodes[j][r.node][r.index])
				}
				if !ready {
					break
				}
				var outs []*Node
				if _, ok := l.layer.(layers.MultiLayer); ok {
					outs, err = apply(l.layer, ins)
					if err == nil {
						outs[0].call.name = l.name
					}
				} else {
					x := applyNamed(l.name, l.layer, ins)
					outs, err = []*Node{x}, x.err
				}
				if err != nil {
					return nil, invalidf("%s: %v", metaModel, err)
				}
				nodes[i] = append(nodes[i], outs)
				made[i]++
				progress = true
			}
		}
	}
	var ins, outs []*Node
	for _, r := range inRefs {
		ins = append(ins, nodes[index[r.layer]][r.node][r.index])
	}
	for _, r := range outRefs {
		outs = append(outs, nodes[index[r.layer]][r.node][r.index])
	}
	m, err := newModel(ins, outs, sf.Config.Seed)
	if err != nil {
		return nil, invalidf("%s: %v", metaModel, err)
	}
	m.Name = sf.Config.Name
	if len(m.layerNames) != len(ls) {
		return nil, invalidf("%s: config.layers has %d layers; the graph from input_layers to output_layers uses %d", metaModel, len(ls), len(m.layerNames))
	}
	if lc != nil {
		if err := m.Compile(lc.cfg); err != nil {
			return nil, invalidf("%s: %v", metaCompile, err)
		}
	}
	if verify {
		if err := f.VerifyChecksum(); err != nil {
			return nil, err
		}
	}
	for i, l := range m.layerList {
		for _, w := range l.Weights() {
			if err := readFinite(f, m.layerNames[i]+"/"+w.Name, w.Value.Data()); err != nil {
				return nil, err
			}
		}
	}
	if lc != nil {
		if err := m.eng().restoreTraining(f, &lc.training); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// planNode plans one call of a loaded layer on inputs of the given
// shapes: a layer that implements layers.MultiLayer (a merge layer, whose
// decoder returns a type that is both) with its MultiPlanner, any other
// with its Planner, on one input.
func planNode(l loadedLayer, in [][]int, what string) ([][]int, []layers.WeightShape, error) {
	if _, ok := l.layer.(layers.MultiLayer); ok {
		p, ok := l.layer.(layers.MultiPlanner)
		if !ok {
			return nil, nil, invalidf("%s: %T does not implement layers.MultiPlanner, so its weights cannot be checked before they are allocated", what, l.layer)
		}
		outs, ws, err := p.PlanMulti(cloneShapes(in))
		if err != nil {
			return nil, nil, invalidf("%s: %v", what, err)
		}
		if len(outs) == 0 {
			return nil, nil, invalidf("%s: the layer plans no outputs", what)
		}
		return outs, ws, nil
	}
	p, ok := l.layer.(layers.Planner)
	if !ok {
		return nil, nil, invalidf("%s: %T does not implement layers.Planner, so its weights cannot be checked before they are allocated", what, l.layer)
	}
	if len(in) != 1 || l.multi {
		return nil, nil, invalidf("%s: %s takes one input, got %d", what, l.layer.ClassName(), len(in))
	}
	out, ws, err := p.Plan(slices.Clone(in[0]))
	if err != nil {
		return nil, nil, invalidf("%s: %v", what, err)
	}
	return [][]int{out}, ws, nil
}

// parseFunctionalCompile decodes a functional compile_config and the
// training_state.
func parseFunctionalCompile(f *safetensors.File) (*loadedCompile, error) {
	cc, hasCompile := f.Meta[metaCompile]
	ts, hasTraining := f.Meta[metaTraining]
	if !hasCompile && !hasTraining {
		return nil, nil
	}
	if !hasCompile || !hasTraining {
		return nil, invalidf("metadata has one of %q and %q without the other", metaCompile, metaTraining)
	}
	var sc savedFunctionalCompile
	if err := strictjson.Decode([]byte(cc), &sc); err != nil {
		return nil, invalidf("%s: %v", metaCompile, err)
	}
	if sc.Optimizer == nil || len(sc.Loss) == 0 {
		return nil, invalidf("%s: optimizer and loss are required", metaCompile)
	}
	lc := &loadedCompile{}
	var err error
	if lc.cfg.Optimizer, err = optimizers.UnmarshalConfig(sc.Optimizer); err != nil {
		return nil, invalidf("%s: optimizer: %v", metaCompile, err)
	}
	lc.cfg.OutputLosses = map[string]losses.Loss{}
	for name, raw := range sc.Loss {
		if lc.cfg.OutputLosses[name], err = unmarshalLoss(raw); err != nil {
			return nil, invalidf("%s: loss[%q]: %v", metaCompile, name, err)
		}
	}
	if sc.LossWeights != nil {
		lc.cfg.LossWeights = map[string]float64{}
		for name, w := range sc.LossWeights {
			lc.cfg.LossWeights[name] = float64(w)
		}
	}
	lc.cfg.OutputMetrics = map[string][]metrics.Metric{}
	for name, raws := range sc.Metrics {
		for i, raw := range raws {
			mt, err := metrics.UnmarshalConfig(raw)
			if err != nil {
				return nil, invalidf("%s: metrics[%q][%d]: %v", metaCompile, name, i, err)
			}
			lc.cfg.OutputMetrics[name] = append(lc.cfg.OutputMetrics[name], mt)
		}
	}
	if err := parseTraining(ts, &lc.training); err != nil {
		return nil, err
	}
	return lc, nil
}
