package models

import (
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/tensor"
)

// Model is a functional model, Keras's keras.Model(inputs, outputs): a
// graph of layers from one or more Input nodes to one or more outputs,
// made by applying layers to nodes (Apply) and then NewModel. It trains,
// evaluates and predicts with the same engine as Sequential, taking one
// array per input and per output, in the order of Inputs and Outputs.
//
// Like Sequential, a Model is not safe for concurrent use.
type Model struct {
	// Name is shown by Summary; the default is "functional", as in Keras.
	Name string
	// Out receives the summary and progress output; the default is
	// os.Stdout.
	Out io.Writer

	inputs, outputs []*Node
	calls           []*call    // every layer call, in creation order
	layerList       []Callable // each distinct layer once, in order
	layerNames      []string
	layerCalls      [][]*call // the calls of each layer
	owned           []bool    // layers this model initialises (see NewModel)
	inNames         []string  // the input layers' names
	outNames        []string  // the output layers' names
	asLayer         *nestedModel

	engine
}

// NewModel makes a functional model from its inputs (nodes made by Input)
// and outputs (nodes made by Apply from them), like keras.Model(inputs,
// outputs). Its layers are named as Keras names them within a model:
// "input_layer", "dense", "dense_1", …, unless Input was given a name. An
// output is named after the layer that makes it, and that name prefixes
// the output's keys in the logs and the History ("dense_1_loss",
// "dense_1_accuracy").
//
// The model initialises the weights of the layers first built in its
// graph from its seed (0, see SetSeed), in the order they were applied, so
// a program gets the same initial weights on every run; a layer that
// already had weights (a layer of a trained model reused in a new one)
// keeps them.
//
// It returns an error for a node that carries one, an output that depends
// on an Input not among inputs, an input listed twice or not used by any
// output, and two outputs from one layer.
func NewModel(inputs, outputs []*Node) (*Model, error) { return newModel(inputs, outputs, 0, true) }

// NewModelKeepingWeights is NewModel for a reader of a model file, which
// gives every weight its value right after (package saving's loaders):
// the layers keep the weights Apply allocated for them instead of having
// them allocated and drawn again from the model's seed, so that a large
// model is allocated once. The model's seed is seed, as after SetSeed,
// for everything but those weights; a later SetSeed draws them from its
// seed as NewModel does.
func NewModelKeepingWeights(inputs, outputs []*Node, seed uint64) (*Model, error) {
	return newModel(inputs, outputs, seed, false)
}

// newModel is NewModel with a seed; draw says whether the weights of the
// layers the model owns are drawn from it (see NewModelKeepingWeights).
func newModel(inputs, outputs []*Node, seed uint64, draw bool) (*Model, error) {
	if len(inputs) == 0 {
		return nil, errors.New("models: NewModel: inputs is empty")
	}
	if len(outputs) == 0 {
		return nil, errors.New("models: NewModel: outputs is empty")
	}
	isInput := map[*call]int{}
	for i, n := range inputs {
		if n == nil {
			return nil, fmt.Errorf("models: NewModel: inputs[%d] is nil", i)
		}
		if n.err != nil {
			return nil, n.err
		}
		if n.call.input == nil {
			return nil, fmt.Errorf("models: NewModel: inputs[%d] is %v, not an Input", i, n)
		}
		if j, dup := isInput[n.call]; dup {
			return nil, fmt.Errorf("models: NewModel: inputs[%d] and inputs[%d] are the same Input", j, i)
		}
		isInput[n.call] = i
	}
	seen := map[*call]bool{}
	used := make([]bool, len(inputs))
	for i, n := range outputs {
		if n == nil {
			return nil, fmt.Errorf("models: NewModel: outputs[%d] is nil", i)
		}
		if n.err != nil {
			return nil, n.err
		}
		// Walk back from the output to the inputs.
		stack := []*call{n.call}
		for len(stack) > 0 {
			c := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if c.input != nil {
				j, ok := isInput[c]
				if !ok {
					return nil, fmt.Errorf("models: NewModel: outputs[%d] (%v) depends on the Input %s of shape %v, which is not among the model's inputs", i, n, inputLabel(c), c.input.Shape)
				}
				used[j] = true
			}
			if seen[c] {
				continue
			}
			seen[c] = true
			for _, in := range c.ins {
				if in.call.seq >= c.seq {
					// Nodes are made from nodes that exist, so this
					// cannot happen through Apply.
					return nil, fmt.Errorf("models: NewModel: the graph has a cycle through %v", in)
				}
				stack = append(stack, in.call)
			}
		}
	}
	for j, u := range used {
		if !u {
			return nil, fmt.Errorf("models: NewModel: inputs[%d] (%s) is not used by any output", j, inputLabel(inputs[j].call))
		}
	}
	for i, n := range outputs {
		for j := range i {
			if outputs[j] == n {
				return nil, fmt.Errorf("models: NewModel: outputs[%d] and outputs[%d] are the same node", j, i)
			}
		}
	}

	m := &Model{inputs: slices.Clone(inputs), outputs: slices.Clone(outputs)}
	m.seed = seed
	for c := range seen {
		m.calls = append(m.calls, c)
	}
	sort.Slice(m.calls, func(i, j int) bool { return m.calls[i].seq < m.calls[j].seq })
	if err := m.collectLayers(); err != nil {
		return nil, err
	}
	for i, n := range outputs {
		name := m.layerNames[m.layerIndex(n.call)]
		for j := range i {
			if m.outNames[j] == name {
				return nil, fmt.Errorf("models: NewModel: outputs[%d] and outputs[%d] both come from layer %q; outputs are named after their layers, so they need different layers", j, i, name)
			}
		}
		m.outNames = append(m.outNames, name)
	}
	for _, n := range inputs {
		m.inNames = append(m.inNames, m.layerNames[m.layerIndex(n.call)])
	}
	if err := m.initWeights(draw); err != nil {
		return nil, err
	}
	m.net = m.makeNetwork()
	return m, nil
}

func inputLabel(c *call) string {
	if c.name != "" {
		return fmt.Sprintf("%q", c.name)
	}
	return "(unnamed)"
}

// layerKey identifies a layer: two calls of one layer value share it. A
// layer of a type that cannot be a map key (a struct holding slices, not
// a pointer) cannot hold shared state either, so each of its calls is its
// own layer.
func layerKey(c *call) any {
	if t := reflect.TypeOf(c.target); t != nil && t.Comparable() {
		return c.target
	}
	return c
}

// collectLayers lists the distinct layers in the order of their first call
// and names them.
func (m *Model) collectLayers() error {
	index := map[any]int{}
	for _, c := range m.calls {
		k := layerKey(c)
		i, ok := index[k]
		if !ok {
			i = len(m.layerList)
			index[k] = i
			m.layerList = append(m.layerList, c.target.(Callable))
			m.layerCalls = append(m.layerCalls, nil)
			m.owned = append(m.owned, c.fresh)
		}
		m.layerCalls[i] = append(m.layerCalls[i], c)
	}
	// Names: those asked for first, then Keras's automatic ones.
	m.layerNames = make([]string, len(m.layerList))
	taken := map[string]int{}
	for i, cs := range m.layerCalls {
		for _, c := range cs[1:] {
			if c.name != "" && c.name != cs[0].name {
				return fmt.Errorf("models: NewModel: a shared %s is named both %q and %q; a layer has one name", m.layerList[i].ClassName(), cs[0].name, c.name)
			}
		}
		name := cs[0].name
		if n, ok := m.layerList[i].(*nestedModel); ok && name == "" {
			name = n.m.Name // a model used as a layer is named after it, as in Keras
		}
		if name != "" {
			if j, dup := taken[name]; dup {
				return fmt.Errorf("models: NewModel: layers %d and %d are both named %q; names must be unique in a model", j, i, name)
			}
			taken[name] = i
			m.layerNames[i] = name
		}
	}
	count := map[string]int{}
	isTaken := func(n string) bool { _, dup := taken[n]; return dup }
	for i, l := range m.layerList {
		// Keras makes a wrapped layer before its wrapper.
		nameWrapped(l, count, isTaken, true)
		if m.layerNames[i] != "" {
			continue
		}
		name := nextName(l.ClassName(), count, isTaken)
		taken[name] = i
		m.layerNames[i] = name
	}
	return nil
}

// layerIndex returns the index of the layer of call c.
func (m *Model) layerIndex(c *call) int {
	for i, cs := range m.layerCalls {
		if slices.Contains(cs, c) {
			return i
		}
	}
	return -1
}

// initWeights (re)creates the weights of the layers the model owns from
// its seed (unless draw is false: then they keep those Apply made), gives
// each random layer its stream and lists the weights.
func (m *Model) initWeights(draw bool) error {
	init := m.rng(streamInit, 0)
	for i, l := range m.layerList {
		if !m.owned[i] || !draw {
			for _, c := range m.layerCalls[i] {
				c.fresh = false
			}
			continue
		}
		c := m.layerCalls[i][0]
		var err error
		switch {
		case c.multi != nil:
			_, err = c.multi.BuildMulti(cloneShapes(c.inSh), init)
		case c.layer != nil:
			_, err = c.layer.Build(slices.Clone(c.inSh[0]), init)
		}
		if err != nil {
			return fmt.Errorf("models: layer %s (%s): %w", m.layerNames[i], l.ClassName(), err)
		}
		// Another model made from these nodes keeps these weights.
		for _, c := range m.layerCalls[i] {
			c.fresh = false
		}
	}
	for i, l := range m.layerList {
		if err := checkWeightNames(m.layerNames[i], l); err != nil {
			return fmt.Errorf("models: %w", err)
		}
	}
	m.weights, m.weightNames = nil, nil
	k := 0 // the index among the layers that are not inputs, as in a Sequential
	for i, l := range m.layerList {
		for _, w := range l.Weights() {
			if w.Trainable {
				m.weights = append(m.weights, w.Value)
				m.weightNames = append(m.weightNames, m.layerNames[i]+"/"+w.Name)
			}
		}
		if m.layerCalls[i][0].input != nil {
			continue
		}
		if s, ok := l.(layers.Seeder); ok {
			s.SeedFrom(m.rng(streamLayers, uint64(k)))
		}
		k++
	}
	if m.compiled {
		m.optimizer.Build(m.weights)
	}
	return nil
}

func cloneShapes(ss [][]int) [][]int {
	out := make([][]int, len(ss))
	for i, s := range ss {
		out[i] = slices.Clone(s)
	}
	return out
}

// makeNetwork compiles the graph for running.
func (m *Model) makeNetwork() *network {
	slot := map[*Node]int{}
	var nodes []*Node // by slot
	n := &network{}
	newSlot := func(x *Node) int {
		s := len(nodes)
		slot[x] = s
		nodes = append(nodes, x)
		return s
	}
	for _, x := range m.inputs {
		n.inSlots = append(n.inSlots, newSlot(x))
		n.inShapes = append(n.inShapes, slices.Clone(x.shape))
	}
	uses := map[*Node]int{}
	for _, c := range m.calls {
		for _, x := range c.ins {
			uses[x]++
		}
	}
	for _, x := range m.outputs {
		uses[x]++ // an output is read after the run
	}
	for _, c := range m.calls {
		if c.input != nil {
			continue
		}
		st := netStep{layer: c.layer, multi: c.multi}
		for _, x := range c.ins {
			st.in = append(st.in, slot[x])
		}
		for _, x := range c.outs {
			if _, ok := slot[x]; !ok {
				newSlot(x)
			}
			st.out = append(st.out, slot[x])
		}
		if c.multi != nil {
			st.xs = make([]*tensor.Tensor, len(st.in))
			st.ys = make([]*tensor.Tensor, len(st.out))
		}
		n.steps = append(n.steps, st)
	}
	// Fuse a step with the next when the next takes its output alone and
	// nothing else reads it.
	for i := 0; i+1 < len(n.steps); i++ {
		st, next := &n.steps[i], &n.steps[i+1]
		f, ok := st.layer.(layers.Fuser)
		if !ok || next.layer == nil || next.in[0] != st.out[0] {
			continue
		}
		if uses[nodes[st.out[0]]] == 1 {
			st.fuser = f
		}
	}
	for _, x := range m.outputs {
		n.outSlots = append(n.outSlots, slot[x])
		n.outShapes = append(n.outShapes, slices.Clone(x.shape))
	}
	n.vals = make([]*tensor.Tensor, len(nodes))
	n.outs = make([]*tensor.Tensor, len(m.outputs))
	for i, l := range m.layerList {
		n.layers = append(n.layers, netLayer{layer: l, name: m.layerNames[i]})
	}
	n.initMasks()
	return n
}

// Inputs returns the model's input nodes.
func (m *Model) Inputs() []*Node { return slices.Clone(m.inputs) }

// Outputs returns the model's output nodes.
func (m *Model) Outputs() []*Node { return slices.Clone(m.outputs) }

// InputNames returns the names of the input layers, in order.
func (m *Model) InputNames() []string { return slices.Clone(m.inNames) }

// OutputNames returns the names of the outputs (their layers' names), in
// order, as Keras's model.output_names: the keys of CompileConfig's
// per-output maps and the prefixes of the per-output log keys.
func (m *Model) OutputNames() []string { return slices.Clone(m.outNames) }

// Layers returns each layer of the model once, in the order of its first
// application, input layers included, as Keras's model.layers.
func (m *Model) Layers() []Callable { return slices.Clone(m.layerList) }

// LayerNames returns the layers' names, matching Layers.
func (m *Model) LayerNames() []string { return slices.Clone(m.layerNames) }

// SetSeed sets the seed of every random choice and initialises the
// weights of the layers the model owns again from it (see NewModel), as
// Sequential's SetSeed does.
func (m *Model) SetSeed(seed uint64) {
	m.seed = seed
	m.thaw()
	// The layers were built for these shapes already, so this cannot fail.
	_ = m.initWeights(true)
}

// Weights returns the trainable weights of every layer, in layer order.
func (m *Model) Weights() []*tensor.Tensor { return m.weights }

// WeightNames returns "layer/weight" names matching Weights.
func (m *Model) WeightNames() []string { return m.weightNames }

// CountParams returns the number of weight values.
func (m *Model) CountParams() int {
	n := 0
	for _, l := range m.layerList {
		for _, w := range l.Weights() {
			n += w.Value.Size()
		}
	}
	return n
}

// Call runs the model on a batch, one tensor per input, recording the
// gradient graph, and returns one tensor per output (a slice the next call
// overwrites). training turns on training-only behaviour such as Dropout.
// It panics with a *tensor.ShapeError on tensors of the wrong shape, as
// layers do.
func (m *Model) Call(xs []*tensor.Tensor, training bool) []*tensor.Tensor {
	if len(xs) != len(m.inputs) {
		panic(fmt.Sprintf("models: Model.Call: got %d tensors, the model has %d inputs", len(xs), len(m.inputs)))
	}
	if training {
		m.thaw() // a training loop of the caller's own
	} else {
		// The weights may have changed since the last call.
		m.net.resetInference()
	}
	return m.net.forward(xs, training)
}

// bind points the engine at this model before a Fit, Evaluate or Predict.
func (m *Model) bind() {
	m.owner, m.writer = m, m.Out
	if m.engine.inNames == nil {
		m.engine.inNames = argNames("x", m.inNames)
		m.engine.outNames = argNames("y", m.outNames)
	}
}

// eng returns the model's engine, bound to the model.
func (m *Model) eng() *engine {
	m.bind()
	return &m.engine
}

// argNames names the arrays of an argument: "x" for one, "x[1] (meta)"
// for several.
func argNames(arg string, names []string) []string {
	if len(names) == 1 {
		return []string{arg}
	}
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = fmt.Sprintf("%s[%d] (%s)", arg, i, n)
	}
	return out
}

// Compile prepares the model for training with an optimizer, losses and
// metrics, like Keras's compile. Loss applies to every output that
// OutputLosses does not name; LossWeights weights the outputs' losses in
// the total (1 if absent); Metrics and OutputMetrics give the metrics.
// With one output everything applies to it and the log keys are those of
// a Sequential ("loss", "accuracy"). With several, the keys are prefixed
// with the output's name as in Keras 3: "loss" (the weighted total),
// "dense_1_loss" (each output's unweighted loss), "dense_1_accuracy".
func (m *Model) Compile(cfg CompileConfig) error {
	if cfg.Optimizer == nil {
		o, err := optimizers.Get("rmsprop")
		if err != nil {
			return fmt.Errorf("models: compile: no Optimizer given and the default failed: %w", err)
		}
		cfg.Optimizer = o
	}
	if err := optimizers.Validate(cfg.Optimizer); err != nil {
		return fmt.Errorf("models: compile: %w", err)
	}
	known := func(arg, name string) error {
		if !slices.Contains(m.outNames, name) {
			return fmt.Errorf("models: compile: %s names %q, which is not an output; the outputs are %s", arg, name, strings.Join(quoteAll(m.outNames), ", "))
		}
		return nil
	}
	for name, l := range cfg.OutputLosses {
		if err := known("OutputLosses", name); err != nil {
			return err
		}
		if isNilValue(l) {
			return fmt.Errorf("models: compile: OutputLosses[%q] is nil", name)
		}
	}
	for name, w := range cfg.LossWeights {
		if err := known("LossWeights", name); err != nil {
			return err
		}
		if math.IsNaN(w) || math.IsInf(w, 0) {
			return fmt.Errorf("models: compile: LossWeights[%q] is %v; it must be finite", name, w)
		}
	}
	for name := range cfg.OutputMetrics {
		if err := known("OutputMetrics", name); err != nil {
			return err
		}
	}
	multi := len(m.outputs) > 1
	if multi && len(cfg.Metrics) > 0 && len(cfg.Metrics) != len(m.outputs) {
		return fmt.Errorf("models: compile: Metrics has %d metrics for a model with %d outputs; as in Keras, a list of metrics for several outputs gives one metric per output, so use OutputMetrics to give several to one output", len(cfg.Metrics), len(m.outputs))
	}
	heads := make([]head, len(m.outputs))
	nLoss := 0
	for i, name := range m.outNames {
		h := &heads[i]
		h.loss = cfg.Loss
		if l, ok := cfg.OutputLosses[name]; ok {
			h.loss = l
		}
		if h.loss != nil {
			nLoss++
			if err := checkLossReduction(fmt.Sprintf("the loss of output %q", name), h.loss); err != nil {
				return err
			}
		}
		h.weight = 1
		if w, ok := cfg.LossWeights[name]; ok {
			h.weight = w
		}
		switch {
		case !multi:
			h.metrics = append(h.metrics, cfg.Metrics...)
		case len(cfg.Metrics) > 0:
			h.metrics = append(h.metrics, cfg.Metrics[i])
		}
		h.metrics = append(h.metrics, cfg.OutputMetrics[name]...)
	}
	if nLoss == 0 {
		return errors.New("models: compile: no loss: set Loss, or OutputLosses for at least one output; pick one, e.g. losses.SparseCategoricalCrossentropy{}")
	}
	// Log keys, as Keras 3's CompileLoss and CompileMetrics name them.
	keys := map[string]bool{"loss": true}
	var all []metrics.Metric
	for i, name := range m.outNames {
		h := &heads[i]
		if nLoss > 1 && h.loss != nil {
			h.lossKey = name + "_loss"
			keys[h.lossKey] = true
		}
	}
	count := map[string]int{}
	for i, name := range m.outNames {
		h := &heads[i]
		for j, mt := range h.metrics {
			if isNilValue(mt) {
				return fmt.Errorf("models: compile: a metric of output %q is nil", name)
			}
			if slices.ContainsFunc(all, func(o metrics.Metric) bool { return sameMetric(o, mt) }) {
				return fmt.Errorf("models: compile: metric %q (%T) is given twice; each output needs its own metric value, as a metric keeps a running state", mt.Name(), mt)
			}
			all = append(all, mt)
			key := mt.Name()
			if multi {
				key = name + "_" + key
			}
			if k := count[key]; k > 0 {
				count[key] = k + 1
				key = fmt.Sprintf("%s_%d", key, k)
			} else {
				count[key] = 1
			}
			if keys[key] {
				return fmt.Errorf("models: compile: metric %d of output %q has the log key %q, which is already used", j, name, key)
			}
			keys[key] = true
			h.keys = append(h.keys, key)
		}
	}
	if len(cfg.WeightedMetrics) > 0 {
		if multi {
			return fmt.Errorf("models: compile: WeightedMetrics is for a model with one output; this one has %d", len(m.outputs))
		}
		if err := heads[0].addWeighted(cfg.WeightedMetrics, keys); err != nil {
			return err
		}
		all = heads[0].metrics
	}
	m.optimizer, m.metrics, m.heads = cfg.Optimizer, all, heads
	m.loss = nil
	if !multi {
		m.loss = heads[0].loss
	}
	m.compiled, m.optBuilt = true, false
	m.optimizer.Build(m.weights)
	return nil
}

// sameMetric reports whether two metrics are one value (a pointer given
// twice).
func sameMetric(a, b metrics.Metric) bool {
	ta := reflect.TypeOf(a)
	if ta != reflect.TypeOf(b) || !ta.Comparable() {
		return false
	}
	return ta.Kind() == reflect.Pointer && a == b
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

// Optimizer returns the compiled optimizer, or nil.
func (m *Model) Optimizer() optimizers.Optimizer { return m.optimizer }

// LearningRate returns the optimizer's learning rate (0 before Compile).
func (m *Model) LearningRate() float64 {
	if m.optimizer == nil {
		return 0
	}
	return m.optimizer.LR()
}

// SetLearningRate sets the optimizer's learning rate.
func (m *Model) SetLearningRate(lr float64) {
	if m.optimizer != nil {
		m.optimizer.SetLR(lr)
	}
}

// Fit trains the model as Sequential's Fit does: x holds one array per
// input and y one per output, in the order of Inputs and Outputs, all with
// the same number of rows. Validation data (ValidationData's Inputs and
// Targets) and ValidationSplit's held-out rows apply to every array alike.
func (m *Model) Fit(x, y []Array, cfg FitConfig) (*History, error) {
	m.bind()
	return m.fit(x, y, cfg)
}

// Evaluate returns the loss and metrics on x and y (one array per input
// and per output), keyed as in Fit's logs.
func (m *Model) Evaluate(x, y []Array, cfg EvaluateConfig) (map[string]float64, error) {
	m.bind()
	return m.evaluateChecked(x, y, cfg)
}

// Predict returns the model's outputs for x (one array per input): one
// tensor per output, one row per example.
func (m *Model) Predict(x []Array, cfg PredictConfig) ([]*tensor.Tensor, error) {
	m.bind()
	return m.predict(x, cfg)
}

// ArraysByName orders arrays given by name (an input's or an output's
// name) as the model's inputs or outputs, for Fit, Evaluate and Predict:
// names is InputNames or OutputNames. It returns an error naming a
// missing or unknown name.
func ArraysByName(names []string, arrays map[string]Array) ([]Array, error) {
	out := make([]Array, len(names))
	for i, n := range names {
		a, ok := arrays[n]
		if !ok {
			return nil, fmt.Errorf("models: no array for %q (the names are %s)", n, strings.Join(quoteAll(names), ", "))
		}
		out[i] = a
	}
	if len(arrays) != len(names) {
		for k := range arrays {
			if !slices.Contains(names, k) {
				return nil, fmt.Errorf("models: %q is not one of %s", k, strings.Join(quoteAll(names), ", "))
			}
		}
	}
	return out, nil
}
