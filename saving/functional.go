package saving

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
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
)

// A functional model's file is Save's format with Keras 3's functional
// config in model_config:
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
//
// A model used as a layer (models.Model.AsLayer) is an entry of its own
// in config.layers, as Keras 3 writes a nested Functional:
//
//	{"module": "keras.src.models.functional", "class_name": "Functional",
//	 "config": {"name": "encoder", "trainable": true, "seed": 0, "layers": […],
//	   "input_layers": […], "output_layers": […]},
//	 "registered_name": "Functional", "build_config": {"input_shape": [null, 3]},
//	 "name": "encoder", "inbound_nodes": [{"args": [{…"keras_history": ["x", 0, 0]}], "kwargs": {}}]}
//
// and, as in Keras, its calls in the outer model count from node 1 (node
// 0 of a Functional is the one linking its own inputs to its outputs), so
// the tensors it makes are ["encoder", 1, 0], …. Its weights are named
// "<layer>/<inner layer>/<weight>" ("encoder/dense/kernel").

// savedFunctional is the JSON of a functional model_config.
type savedFunctional struct {
	ClassName   string           `json:"class_name"`
	Config      functionalConfig `json:"config"`
	BuildConfig struct {
		InputShape [][]*int `json:"input_shape"`
	} `json:"build_config"`
}

// functionalConfig is a functional model's config.
type functionalConfig struct {
	Name         string            `json:"name"`
	Trainable    bool              `json:"trainable"`
	Seed         uint64            `json:"seed"`
	Layers       []json.RawMessage `json:"layers"`
	InputLayers  [][3]any          `json:"input_layers"`
	OutputLayers [][3]any          `json:"output_layers"`
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

// Keras's names of a nested functional model's class.
const (
	functionalModule = "keras.src.models.functional"
	functionalClass  = "Functional"
)

// functionalModelConfig returns a functional model's model_config.
func functionalModelConfig(m *models.Model) ([]byte, error) {
	name := m.Name
	if name == "" {
		name = "functional"
	}
	cfg, err := graphConfig(m, name)
	if err != nil {
		return nil, err
	}
	sf := savedFunctional{ClassName: functionalClass, Config: *cfg}
	for _, x := range m.Graph().Inputs {
		sf.BuildConfig.InputShape = append(sf.BuildConfig.InputShape, toBatch(x.Shape))
	}
	return json.Marshal(sf)
}

// graphConfig returns the config of a functional model named name.
func graphConfig(m *models.Model, name string) (*functionalConfig, error) {
	g := m.Graph()
	cfg := &functionalConfig{Name: name, Trainable: true, Seed: m.Seed(), Layers: []json.RawMessage{}}
	nested := map[string]bool{}
	for _, gl := range g.Layers {
		nested[gl.Name] = gl.Model != nil
	}
	// Keras's node_index, in which a nested Functional's calls count from 1.
	ref := func(r models.TensorRef) [3]any {
		node := r.Node
		if nested[r.Layer] {
			node++
		}
		return [3]any{r.Layer, node, r.Index}
	}
	for _, gl := range g.Layers {
		var entry map[string]json.RawMessage
		if gl.Model != nil {
			inner, err := graphConfig(gl.Model, gl.Name)
			if err != nil {
				return nil, fmt.Errorf("layer %s: %w", gl.Name, err)
			}
			entry = map[string]json.RawMessage{}
			entry["class_name"], _ = json.Marshal(functionalClass)
			if entry["config"], err = json.Marshal(inner); err != nil {
				return nil, err
			}
			entry["module"], _ = json.Marshal(functionalModule)
			entry["registered_name"], _ = json.Marshal(functionalClass)
			var shapes [][]*int
			for _, x := range gl.Model.Graph().Inputs {
				shapes = append(shapes, toBatch(x.Shape))
			}
			var bc any = shapes
			if len(shapes) == 1 {
				bc = shapes[0]
			}
			entry["build_config"], _ = json.Marshal(map[string]any{"input_shape": bc})
		} else {
			ll, ok := gl.Layer.(layers.Layer)
			if !ok {
				return nil, fmt.Errorf("layer %s (%s): %T cannot be saved: only layers.Layer types (through layers.MarshalLayer) and models used as layers can be", gl.Name, gl.Layer.ClassName(), gl.Layer)
			}
			b, err := layers.MarshalLayer(ll, gl.Name)
			if err != nil {
				return nil, fmt.Errorf("layer %s: %w", gl.Name, err)
			}
			if err := json.Unmarshal(b, &entry); err != nil {
				return nil, err
			}
			entry["module"] = json.RawMessage(`"keras.layers"`)
			entry["registered_name"] = json.RawMessage(`null`)
		}
		entry["name"], _ = json.Marshal(gl.Name)
		nodes := []savedNode{}
		for _, c := range gl.Calls {
			var ts []json.RawMessage
			for _, x := range c.Inputs {
				var st savedTensor
				st.ClassName = "__keras_tensor__"
				st.Config.Shape = toBatch(x.Shape)
				st.Config.Dtype = "float32"
				r := ref(x)
				st.Config.KerasHistory = r[:]
				b, err := json.Marshal(st)
				if err != nil {
					return nil, err
				}
				ts = append(ts, b)
			}
			arg, kwargs := ts[0], map[string]json.RawMessage{}
			if ca, ok := gl.Layer.(layers.CallArguments); ok {
				// Keras's call signature: inputs by position or in one
				// list, then by keyword, and the call's other arguments.
				args, err := callArgs(ca, ts, kwargs)
				if err != nil {
					return nil, fmt.Errorf("layer %s: %w", gl.Name, err)
				}
				nodes = append(nodes, savedNode{Args: args, Kwargs: kwargs})
				continue
			}
			if kw, ok := gl.Layer.(layers.KeywordInputs); ok {
				// The inputs after the first are a keyword argument
				// (a recurrent layer's initial_state), as Keras writes it.
				if len(ts) > 1 {
					b, err := json.Marshal(ts[1:])
					if err != nil {
						return nil, err
					}
					kwargs[kw.KeywordInputs()] = b
				}
			} else if c.List {
				// A layer of several inputs is called on one list.
				var err error
				if arg, err = json.Marshal(ts); err != nil {
					return nil, err
				}
			}
			nodes = append(nodes, savedNode{Args: []json.RawMessage{arg}, Kwargs: kwargs})
		}
		entry["inbound_nodes"], _ = json.Marshal(nodes)
		b, err := json.Marshal(entry)
		if err != nil {
			return nil, err
		}
		cfg.Layers = append(cfg.Layers, b)
	}
	for _, x := range g.Inputs {
		cfg.InputLayers = append(cfg.InputLayers, ref(x))
	}
	for _, x := range g.Outputs {
		cfg.OutputLayers = append(cfg.OutputLayers, ref(x))
	}
	return cfg, nil
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

// functionalCompileConfig returns a functional model's compile_config.
func functionalCompileConfig(m *models.Model) ([]byte, error) {
	cfg, _ := m.CompileSettings()
	var sc savedFunctionalCompile
	var err error
	if sc.Optimizer, err = optimizers.MarshalConfig(cfg.Optimizer); err != nil {
		return nil, err
	}
	sc.Loss = map[string]json.RawMessage{}
	sc.Metrics = map[string][]json.RawMessage{}
	for _, name := range m.OutputNames() {
		if l, ok := cfg.OutputLosses[name]; ok {
			if sc.Loss[name], err = marshalLoss(l); err != nil {
				return nil, err
			}
		}
		if w, ok := cfg.LossWeights[name]; ok {
			if sc.LossWeights == nil {
				sc.LossWeights = map[string]strictjson.Float{}
			}
			sc.LossWeights[name] = strictjson.Float(w)
		}
		for _, mt := range cfg.OutputMetrics[name] {
			b, err := metrics.MarshalConfig(mt)
			if err != nil {
				return nil, err
			}
			sc.Metrics[name] = append(sc.Metrics[name], b)
		}
	}
	return json.Marshal(sc)
}

// LoadModel reads a functional model written by Save, with the checks
// Load makes: layer classes from the closed registry, strict JSON, every
// tensor checked against the architecture before memory is allocated,
// and inbound nodes that must name layers and nodes that exist. Nested
// models (a model used as a layer) are read back as such. The model
// predicts exactly as the saved model did and, with the compile settings,
// goes on training exactly as it would have.
func LoadModel(path string) (*models.Model, error) {
	f, size, err := openFile(path)
	if err != nil {
		return nil, fmt.Errorf("saving: load %s: %w", path, err)
	}
	defer f.Close()
	m, err := readModel(f, size, true)
	if err != nil {
		return nil, fmt.Errorf("saving: load %s: %w", path, err)
	}
	return m, nil
}

// ReadModel reads a functional model written by Save or Write from the
// first size bytes of r, as LoadModel does.
func ReadModel(r io.ReaderAt, size int64) (*models.Model, error) {
	m, err := readModel(r, size, true)
	if err != nil {
		return nil, fmt.Errorf("saving: read: %w", err)
	}
	return m, nil
}

// callArgs writes a call of a layers.CallArguments layer on the
// serialized tensors ts as Keras does: its args, and its kwargs into kw.
func callArgs(ca layers.CallArguments, ts []json.RawMessage, kw map[string]json.RawMessage) ([]json.RawMessage, error) {
	pos, names, opts := ca.CallSignature(len(ts))
	if pos+len(names) != len(ts) && !(pos == 0 && len(names) == 0) {
		return nil, fmt.Errorf("its call signature names %d positional and %d keyword inputs for %d inputs", pos, len(names), len(ts))
	}
	var args []json.RawMessage
	if pos == 0 {
		b, err := json.Marshal(ts)
		if err != nil {
			return nil, err
		}
		args = []json.RawMessage{b}
	} else {
		args = append(args, ts[:pos]...)
		for i, n := range names {
			kw[n] = ts[pos+i]
		}
	}
	for k, v := range opts {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		kw[k] = b
	}
	return args, nil
}

// readCallArgs reads a saved call of a layers.CallArguments layer: the
// tensors it takes, in the layer's input order, after setting the
// layer's call options from the node's kwargs. first is false for the
// layer's later calls, whose options must be the first call's.
func readCallArgs(ca layers.CallArguments, nd savedNode, what string, first bool) ([]ref, error) {
	var refs []ref
	list := len(nd.Args) == 1 && len(bytes.TrimSpace(nd.Args[0])) > 0 && bytes.TrimSpace(nd.Args[0])[0] == '['
	if list {
		var ts []json.RawMessage
		if err := strictjson.Decode(nd.Args[0], &ts); err != nil {
			return nil, invalidf("%s: %v", what, err)
		}
		if len(ts) == 0 || len(ts) > maxLayers {
			return nil, invalidf("%s: the list of inputs has %d tensors", what, len(ts))
		}
		for k, t := range ts {
			r, err := parseTensorArg(t, fmt.Sprintf("%s.args[0][%d]", what, k))
			if err != nil {
				return nil, err
			}
			refs = append(refs, r)
		}
	} else {
		if len(nd.Args) == 0 || len(nd.Args) > maxLayers {
			return nil, invalidf("%s: %d positional arguments", what, len(nd.Args))
		}
		for k, t := range nd.Args {
			r, err := parseTensorArg(t, fmt.Sprintf("%s.args[%d]", what, k))
			if err != nil {
				return nil, err
			}
			refs = append(refs, r)
		}
	}
	nargs := len(refs)
	opts := map[string]json.RawMessage{}
	for k, v := range nd.Kwargs {
		opts[k] = v
	}
	var tensors []string
	for _, name := range ca.TensorKeywords() {
		v, ok := opts[name]
		delete(opts, name)
		if !ok || string(bytes.TrimSpace(v)) == "null" {
			continue
		}
		r, err := parseTensorArg(v, fmt.Sprintf("%s.kwargs.%s", what, name))
		if err != nil {
			return nil, err
		}
		refs = append(refs, r)
		tensors = append(tensors, name)
	}
	delete(opts, "training") // Keras may record it; Fit decides in neuron
	if first {
		if err := ca.SetCallOptions(tensors, opts); err != nil {
			return nil, invalidf("%s: %v", what, err)
		}
	}
	// The call must fit the layer's signature, and a later call must be
	// made as the first was: neuron keeps the options per layer.
	pos, names, o := ca.CallSignature(len(refs))
	if (pos == 0) != list || (pos != 0 && (pos != nargs || !slices.Equal(names, tensors))) {
		return nil, invalidf("%s: the call does not fit %s's (want %d positional arguments, 0 for one list, then keywords %v)", what, ca.(models.Callable).ClassName(), pos, names)
	}
	want, _ := json.Marshal(o)
	got, _ := json.Marshal(opts)
	if !bytes.Equal(compactJSON(want), compactJSON(got)) {
		return nil, invalidf("%s: the call's keyword arguments %s differ from the layer's first call's %s; neuron keeps them per layer", what, got, want)
	}
	return refs, nil
}

// compactJSON re-encodes a JSON object so that equal objects compare
// equal as bytes.
func compactJSON(b []byte) []byte {
	var v map[string]any
	if json.Unmarshal(b, &v) != nil {
		return b
	}
	out, _ := json.Marshal(v)
	return out
}

// loadedLayer is a config.layers entry decoded.
type loadedLayer struct {
	layer models.Callable
	name  string
	nodes [][]ref   // per inbound node, the tensors it takes
	multi bool      // the node's args hold a list
	sub   *funcPlan // a nested functional model
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

// funcPlan is a functional config decoded and planned: every layer's
// calls wired symbolically with the layers' plans (shapes and weight
// shapes), nothing allocated.
type funcPlan struct {
	name                string
	seed                uint64
	layers              []loadedLayer
	index               map[string]int
	plans               []planned
	inRefs              []ref
	outRefs             []ref
	inShapes, outShapes [][]int
}

// planned is the plan of one layer.
type planned struct {
	shapes  [][][]int // per node, the output shapes
	weights []layers.WeightShape
}

// weights returns every weight the plan creates, named
// "<layer>/<weight>".
func (p *funcPlan) weights() []layers.WeightShape {
	var out []layers.WeightShape
	for i, pl := range p.plans {
		for _, w := range pl.weights {
			w.Name = p.layers[i].name + "/" + w.Name
			out = append(out, w)
		}
	}
	return out
}

// node returns the index among a layer's calls of the node a reference
// names: a nested Functional's calls count from 1.
func (p *funcPlan) node(r ref) int {
	if i, ok := p.index[r.layer]; ok && p.layers[i].sub != nil {
		return r.node - 1
	}
	return r.node
}

// planFunctional decodes a functional config into layers and their calls
// and plans them; what prefixes its errors.
func planFunctional(cfg *functionalConfig, what string, depth int) (*funcPlan, error) {
	if depth > maxDepth {
		return nil, invalidf("%s: functional models nested more than %d deep", what, maxDepth)
	}
	n := len(cfg.Layers)
	if n == 0 || n > maxLayers {
		return nil, invalidf("%s: config.layers has %d layers; want 1 to %d", what, n, maxLayers)
	}
	p := &funcPlan{name: cfg.Name, seed: cfg.Seed, index: map[string]int{}}
	for i, raw := range cfg.Layers {
		var e savedLayerEntry
		if err := strictjson.Decode(raw, &e); err != nil {
			return nil, invalidf("%s: config.layers[%d]: %v", what, i, err)
		}
		var ll loadedLayer
		if e.ClassName == functionalClass {
			if e.Config == nil {
				return nil, invalidf("%s: config.layers[%d]: %q: config is missing", what, i, e.ClassName)
			}
			var inner functionalConfig
			if err := strictjson.Decode(e.Config, &inner); err != nil {
				return nil, invalidf("%s: config.layers[%d]: %v", what, i, err)
			}
			sub, err := planFunctional(&inner, fmt.Sprintf("%s: layer %q", what, e.Name), depth+1)
			if err != nil {
				return nil, err
			}
			ll = loadedLayer{name: e.Name, sub: sub}
		} else {
			spec, _ := json.Marshal(struct {
				ClassName string          `json:"class_name"`
				Config    json.RawMessage `json:"config"`
			}{e.ClassName, e.Config})
			l, name, err := layers.UnmarshalLayer(spec)
			if err != nil {
				return nil, invalidf("%s: config.layers[%d]: %v", what, i, err)
			}
			if e.Name != name {
				return nil, invalidf("%s: config.layers[%d] is named %q but its config says %q", what, i, e.Name, name)
			}
			ll = loadedLayer{layer: l, name: name}
		}
		name := ll.name
		if _, dup := p.index[name]; dup {
			return nil, invalidf("%s: config.layers[%d]: the name %q is used twice", what, i, name)
		}
		p.index[name] = i
		if len(e.InboundNodes) > maxLayers {
			return nil, invalidf("%s: layer %q has %d inbound nodes", what, name, len(e.InboundNodes))
		}
		for j, nd := range e.InboundNodes {
			what := fmt.Sprintf("%s: layer %q: inbound_nodes[%d]", what, name, j)
			if ca, ok := ll.layer.(layers.CallArguments); ok {
				refs, err := readCallArgs(ca, nd, what, j == 0)
				if err != nil {
					return nil, err
				}
				ll.nodes = append(ll.nodes, refs)
				ll.multi = true
				continue
			}
			kwName := ""
			if kw, ok := ll.layer.(layers.KeywordInputs); ok {
				kwName = kw.KeywordInputs()
			}
			kwArg, hasKw := nd.Kwargs[kwName]
			if len(nd.Args) != 1 || len(nd.Kwargs) > 1 || (len(nd.Kwargs) == 1 && (kwName == "" || !hasKw)) {
				if kwName != "" {
					return nil, invalidf("%s: want one argument and no keyword arguments but %s, got %d and %d", what, kwName, len(nd.Args), len(nd.Kwargs))
				}
				return nil, invalidf("%s: want one argument and no keyword arguments, got %d and %d", what, len(nd.Args), len(nd.Kwargs))
			}
			arg := bytes.TrimSpace(nd.Args[0])
			var refs []ref
			if len(arg) > 0 && arg[0] == '[' {
				var list []json.RawMessage
				if err := strictjson.Decode(arg, &list); err != nil {
					return nil, invalidf("%s: %v", what, err)
				}
				if len(list) == 0 || len(list) > maxLayers {
					return nil, invalidf("%s: the list of inputs has %d tensors", what, len(list))
				}
				for k, t := range list {
					r, err := parseTensorArg(t, fmt.Sprintf("%s.args[0][%d]", what, k))
					if err != nil {
						return nil, err
					}
					refs = append(refs, r)
				}
				ll.multi = true
			} else {
				r, err := parseTensorArg(arg, what+".args[0]")
				if err != nil {
					return nil, err
				}
				refs = []ref{r}
			}
			if hasKw && kwName != "" {
				var list []json.RawMessage
				if err := strictjson.Decode(kwArg, &list); err != nil {
					return nil, invalidf("%s.kwargs.%s: %v", what, kwName, err)
				}
				if len(refs) != 1 || len(list) == 0 || len(list) > maxLayers {
					return nil, invalidf("%s: %s with %d tensors after %d arguments", what, kwName, len(list), len(refs))
				}
				for k, t := range list {
					r, err := parseTensorArg(t, fmt.Sprintf("%s.kwargs.%s[%d]", what, kwName, k))
					if err != nil {
						return nil, err
					}
					refs = append(refs, r)
				}
			}
			ll.nodes = append(ll.nodes, refs)
		}
		_, isInput := ll.layer.(*layers.Input)
		if isInput != (len(ll.nodes) == 0) {
			return nil, invalidf("%s: layer %q: an InputLayer has no inbound nodes and every other layer at least one", what, name)
		}
		p.layers = append(p.layers, ll)
	}
	if err := p.plan(what); err != nil {
		return nil, err
	}
	for k, v := range cfg.InputLayers {
		r, err := p.lookupRef(v[:], fmt.Sprintf("%s: config.input_layers[%d]", what, k))
		if err != nil {
			return nil, err
		}
		p.inRefs = append(p.inRefs, r)
		i := p.index[r.layer]
		p.inShapes = append(p.inShapes, p.plans[i].shapes[p.node(r)][r.index])
	}
	for k, v := range cfg.OutputLayers {
		r, err := p.lookupRef(v[:], fmt.Sprintf("%s: config.output_layers[%d]", what, k))
		if err != nil {
			return nil, err
		}
		p.outRefs = append(p.outRefs, r)
		i := p.index[r.layer]
		p.outShapes = append(p.outShapes, p.plans[i].shapes[p.node(r)][r.index])
	}
	return p, nil
}

// lookupRef parses a reference and checks that it names a planned tensor.
func (p *funcPlan) lookupRef(v []any, what string) (ref, error) {
	r, err := parseRef(v, what)
	if err != nil {
		return ref{}, err
	}
	if _, err := p.lookup(r, what); err != nil {
		return ref{}, err
	}
	return r, nil
}

// lookup returns the shape of the tensor a reference names.
func (p *funcPlan) lookup(r ref, what string) ([]int, error) {
	i, ok := p.index[r.layer]
	if !ok {
		return nil, invalidf("%s names layer %q, which the config does not have", what, r.layer)
	}
	node := p.node(r)
	if node < 0 {
		return nil, invalidf("%s names node %d of the nested model %q, whose calls count from 1", what, r.node, r.layer)
	}
	if node >= len(p.plans[i].shapes) {
		return nil, invalidf("%s names node %d of layer %q, which is not made before it is used (dangling inbound node)", what, r.node, r.layer)
	}
	outs := p.plans[i].shapes[node]
	if r.index >= len(outs) {
		return nil, invalidf("%s names output %d of layer %q, which has %d", what, r.index, r.layer, len(outs))
	}
	return outs[r.index], nil
}

// plan makes every layer's nodes symbolically. Nodes are made in passes:
// a node can be made once the nodes it takes exist (Keras's
// functional_from_config does the same with a queue).
func (p *funcPlan) plan(what string) error {
	ls := p.layers
	p.plans = make([]planned, len(ls))
	done := make([]int, len(ls)) // nodes made per layer
	for i, l := range ls {
		if in, ok := l.layer.(*layers.Input); ok {
			if err := checkValues(in.Shape); err != nil {
				return invalidf("%s: layer %q: %v", what, l.name, err)
			}
			p.plans[i].shapes = [][][]int{{in.Shape}}
			done[i] = 1
		}
	}
	for progress := true; progress; {
		progress = false
		for i, l := range ls {
			for done[i] < len(l.nodes) {
				refs := l.nodes[done[i]]
				what := fmt.Sprintf("%s: layer %q: inbound_nodes[%d]", what, l.name, done[i])
				var in [][]int
				ready := true
				for _, r := range refs {
					if j, ok := p.index[r.layer]; ok {
						if node := p.node(r); node >= len(p.plans[j].shapes) && node < max(len(ls[j].nodes), 1) {
							ready = false // made in a later pass, or never (checked below)
							break
						}
					}
					s, err := p.lookup(r, what)
					if err != nil {
						return err
					}
					in = append(in, s)
				}
				if !ready {
					break
				}
				outs, ws, err := planNode(l, in, what)
				if err != nil {
					return err
				}
				for _, out := range outs {
					if err := checkValues(out); err != nil {
						return invalidf("%s: output shape: %v", what, err)
					}
				}
				if done[i] == 0 {
					p.plans[i].weights = ws
				} else if len(ws) != len(p.plans[i].weights) {
					return invalidf("%s: a shared layer applied to inputs of another shape", what)
				} else {
					for k := range ws {
						if !slices.Equal(ws[k].Shape, p.plans[i].weights[k].Shape) {
							return invalidf("%s: a shared layer applied to inputs of another shape", what)
						}
					}
				}
				p.plans[i].shapes = append(p.plans[i].shapes, outs)
				done[i]++
				progress = true
			}
		}
	}
	for i, l := range ls {
		if done[i] < len(l.nodes) {
			return invalidf("%s: layer %q: inbound_nodes[%d] takes tensors that are never made (a cycle or a dangling node)", what, l.name, done[i])
		}
	}
	return nil
}

// planNode plans one call of a loaded layer on inputs of the given
// shapes: a nested model by its plan, a layer that implements
// layers.MultiLayer (a merge layer, whose decoder returns a type that is
// both) with its MultiPlanner, any other with its Planner, on one input.
func planNode(l loadedLayer, in [][]int, what string) ([][]int, []layers.WeightShape, error) {
	if sub := l.sub; sub != nil {
		if len(in) != len(sub.inShapes) {
			return nil, nil, invalidf("%s: the nested model has %d inputs, applied to %d tensors", what, len(sub.inShapes), len(in))
		}
		for i, s := range in {
			if !slices.Equal(s, sub.inShapes[i]) {
				return nil, nil, invalidf("%s: input %d of the nested model has shape %v, applied to %v", what, i, sub.inShapes[i], s)
			}
		}
		return cloneShapes(sub.outShapes), sub.weights(), nil
	}
	if _, ok := l.layer.(layers.MultiLayer); ok && usesMulti(l.layer, len(in)) {
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

// usesMulti reports whether a call of l on that many inputs is a
// MultiLayer's: a layer that is also a plain layer (a recurrent one)
// says so itself.
func usesMulti(l models.Callable, inputs int) bool {
	if d, ok := l.(layers.DualLayer); ok {
		if _, one := l.(layers.Layer); one {
			return d.UsesMulti(inputs)
		}
	}
	return true
}

func cloneShapes(ss [][]int) [][]int {
	out := make([][]int, len(ss))
	for i, s := range ss {
		out[i] = slices.Clone(s)
	}
	return out
}

// build makes the planned model for real, nested models first, its
// layers called in the order the plan made their nodes.
func (p *funcPlan) build(what string, draw bool) (*models.Model, error) {
	ls := p.layers
	for i := range ls {
		if sub := ls[i].sub; sub != nil {
			inner, err := sub.build(fmt.Sprintf("%s: layer %q", what, ls[i].name), draw)
			if err != nil {
				return nil, err
			}
			ls[i].layer = inner.AsLayer()
		}
	}
	nodes := make([][][]*models.Node, len(ls)) // per layer, per call, per output
	made := make([]int, len(ls))
	for i, l := range ls {
		if in, ok := l.layer.(*layers.Input); ok {
			nodes[i] = [][]*models.Node{{models.Input(in.Shape, l.name)}}
			made[i] = 1
		}
	}
	for progress := true; progress; {
		progress = false
		for i, l := range ls {
			for made[i] < len(l.nodes) {
				var ins []*models.Node
				ready := true
				for _, r := range l.nodes[made[i]] {
					j, node := p.index[r.layer], p.node(r)
					if node >= len(nodes[j]) {
						ready = false
						break
					}
					ins = append(ins, nodes[j][node][r.index])
				}
				if !ready {
					break
				}
				var outs []*models.Node
				var err error
				if _, ok := l.layer.(layers.MultiLayer); ok {
					outs, err = models.ApplyMultiNamed(l.name, l.layer, ins...)
				} else {
					x := models.ApplyNamed(l.name, l.layer, ins...)
					outs, err = []*models.Node{x}, x.Err()
				}
				if err != nil {
					return nil, invalidf("%s: %v", what, err)
				}
				nodes[i] = append(nodes[i], outs)
				made[i]++
				progress = true
			}
		}
	}
	var ins, outs []*models.Node
	for _, r := range p.inRefs {
		ins = append(ins, nodes[p.index[r.layer]][p.node(r)][r.index])
	}
	for _, r := range p.outRefs {
		outs = append(outs, nodes[p.index[r.layer]][p.node(r)][r.index])
	}
	var m *models.Model
	var err error
	if draw {
		m, err = models.NewModel(ins, outs)
		if err == nil && p.seed != 0 {
			m.SetSeed(p.seed)
		}
	} else {
		m, err = models.NewModelKeepingWeights(ins, outs, p.seed)
	}
	if err != nil {
		return nil, invalidf("%s: %v", what, err)
	}
	m.Name = p.name
	if n := len(m.LayerNames()); n != len(ls) {
		return nil, invalidf("%s: config.layers has %d layers; the graph from input_layers to output_layers uses %d", what, len(ls), n)
	}
	return m, nil
}

// readModel is LoadModel without the file handling.
func readModel(r io.ReaderAt, size int64, verify bool) (*models.Model, error) {
	f, err := openNeuron(r, size, formatModel)
	if err != nil {
		return nil, err
	}
	mc, ok := f.Meta[metaModel]
	if !ok {
		return nil, invalidf("metadata %q is missing", metaModel)
	}
	var sf savedFunctional
	if err := strictjson.Decode([]byte(mc), &sf); err != nil {
		return nil, invalidf("%s: %v", metaModel, err)
	}
	if sf.ClassName != functionalClass {
		hint := ""
		if sf.ClassName == "Sequential" {
			hint = " (a Sequential: use Load)"
		}
		return nil, invalidf("%s: class_name is %q%s; want \"Functional\"", metaModel, sf.ClassName, hint)
	}
	p, err := planFunctional(&sf.Config, metaModel, 0)
	if err != nil {
		return nil, err
	}
	lc, err := parseFunctionalCompile(f)
	if err != nil {
		return nil, err
	}
	if lc != nil && lc.training.Position != nil {
		return nil, invalidf("%s: position belongs in backups only", metaTraining)
	}
	// Every tensor must be accounted for before anything is allocated.
	var planned []plannedWeight
	for _, w := range p.weights() {
		planned = append(planned, plannedWeight{w.Name, w})
	}
	if err := checkTensors(f, planned, lc); err != nil {
		return nil, err
	}
	m, err := p.build(metaModel, false) // readState gives every weight its value
	if err != nil {
		return nil, err
	}
	if lc != nil {
		if err := m.Compile(lc.cfg); err != nil {
			return nil, invalidf("%s: %v", metaCompile, err)
		}
	}
	if err := readState(f, m, lc, verify); err != nil {
		return nil, err
	}
	return m, nil
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
