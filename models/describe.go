package models

import (
	"fmt"
	"slices"
	"strings"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/metrics"
)

// What a model tells about itself, for the file formats of package saving
// (which encode it as Keras's configs) and for anyone inspecting a model:
// Keras's model.layers, get_compile_config and the nodes of a functional
// graph.

// Seed returns the seed of the model's random choices (SetSeed).
func (m *Sequential) Seed() uint64 { return m.seed }

// Seed returns the seed of the model's random choices (SetSeed).
func (m *Model) Seed() uint64 { return m.seed }

// Built reports whether the model's weights exist, as Keras's
// model.built.
func (m *Sequential) Built() bool { return m.built }

// LayerNames returns the names the model gives the layers Layers returns
// ("flatten", "dense", "dense_1", …), as Keras names them within a model.
func (m *Sequential) LayerNames() []string {
	if err := m.checkLayers("LayerNames"); err != nil {
		return nil
	}
	names := layerNamesOf(m.layers, m.given, false)
	if m.InputLayer() != nil {
		return names[1:]
	}
	return names
}

// InputLayer returns the layers.Input the model starts with, or nil: the
// layer that Layers leaves out, as Keras's model.layers leaves out the
// InputLayer. Its name in the model is "input_layer".
func (m *Sequential) InputLayer() *layers.Input {
	if len(m.layers) > 0 {
		if in, ok := m.layers[0].(*layers.Input); ok {
			return in
		}
	}
	return nil
}

// CompileSettings returns what the model was compiled with (Optimizer,
// Loss and Metrics), as Keras's get_compile_config, and false if it is
// not compiled.
func (m *Sequential) CompileSettings() (CompileConfig, bool) {
	if !m.compiled {
		return CompileConfig{}, false
	}
	return CompileConfig{Optimizer: m.optimizer, Loss: m.loss, Metrics: slices.Clone(m.metrics)}, true
}

// CompileSettings returns what the model was compiled with, resolved per
// output as Keras's get_compile_config gives dicts: the Optimizer, and by
// output name OutputLosses (every output with a loss), LossWeights (the
// weights other than 1) and OutputMetrics (every output with metrics).
// Compile with it compiles a model of the same graph the same way. It
// returns false if the model is not compiled.
func (m *Model) CompileSettings() (CompileConfig, bool) {
	if !m.compiled {
		return CompileConfig{}, false
	}
	cfg := CompileConfig{Optimizer: m.optimizer, OutputLosses: map[string]losses.Loss{}, OutputMetrics: map[string][]metrics.Metric{}}
	for i, h := range m.heads {
		name := m.outNames[i]
		if h.loss != nil {
			cfg.OutputLosses[name] = h.loss
		}
		if h.weight != 1 {
			if cfg.LossWeights == nil {
				cfg.LossWeights = map[string]float64{}
			}
			cfg.LossWeights[name] = h.weight
		}
		if len(h.metrics) > 0 {
			cfg.OutputMetrics[name] = slices.Clone(h.metrics)
		}
	}
	return cfg, true
}

// Graph describes a functional model's graph as Keras's
// Functional.get_config lays it out: its layers in the order of Keras's
// model.layers (the order of the summary), each with its calls, and the
// tensors that are the model's inputs and outputs.
type Graph struct {
	// Layers are the model's layers, inputs included, in Keras's order.
	Layers []GraphLayer
	// Inputs and Outputs are the model's input and output tensors.
	Inputs, Outputs []TensorRef
}

// GraphLayer is one layer of a Graph.
type GraphLayer struct {
	// Layer is the layer (for an input, its *layers.Input).
	Layer Callable
	// Name is its name in the model.
	Name string
	// Model is set when the layer is a model used as a layer (AsLayer):
	// the model whose graph it runs.
	Model *Model
	// Calls are its applications within the model, Keras's inbound nodes
	// (none for an input).
	Calls []LayerCall
}

// LayerCall is one application of a layer to tensors.
type LayerCall struct {
	// Inputs are the tensors the layer was applied to.
	Inputs []TensorRef
	// List reports that the layer took its inputs as one list, as a
	// layer of several inputs does in Keras.
	List bool
}

// TensorRef names a tensor of a graph as Keras's keras_history does: the
// layer whose call made it, the index of that call among the layer's
// calls in the model (node_index) and which of the call's outputs it is.
type TensorRef struct {
	// Layer is the name of the layer that made the tensor.
	Layer string
	// Node is the index of the call among the layer's calls, Index the
	// index of the tensor among the call's outputs.
	Node, Index int
	// Shape is its per-example shape.
	Shape []int
}

// Graph returns the model's graph.
func (m *Model) Graph() Graph {
	var g Graph
	ref := func(x *Node) TensorRef {
		return TensorRef{Layer: m.layerNames[m.layerIndex(x.call)], Node: m.nodeIndex(x.call), Index: x.index, Shape: slices.Clone(x.shape)}
	}
	order, _ := m.kerasOrder()
	for _, li := range order {
		gl := GraphLayer{Layer: m.layerList[li], Name: m.layerNames[li]}
		if n, ok := gl.Layer.(*nestedModel); ok {
			gl.Model = n.m
		}
		for _, c := range m.layerCalls[li] {
			if c.input != nil {
				gl.Layer = c.input
				continue // Keras serialises no node for an InputLayer
			}
			lc := LayerCall{List: c.multi != nil && (gl.Model == nil || len(c.ins) > 1)}
			for _, x := range c.ins {
				lc.Inputs = append(lc.Inputs, ref(x))
			}
			gl.Calls = append(gl.Calls, lc)
		}
		g.Layers = append(g.Layers, gl)
	}
	for _, x := range m.inputs {
		g.Inputs = append(g.Inputs, ref(x))
	}
	for _, x := range m.outputs {
		g.Outputs = append(g.Outputs, ref(x))
	}
	return g
}

// ApplyMultiNamed is ApplyMulti that also names the layer, as ApplyNamed
// does.
func ApplyMultiNamed(name string, layer Callable, inputs ...*Node) ([]*Node, error) {
	if err := checkLayerName(name, layer); err != nil {
		return nil, err
	}
	outs, err := apply(layer, inputs)
	if err != nil {
		return nil, err
	}
	outs[0].call.name = name
	return slices.Clone(outs), nil // the graph keeps its own list
}

func checkLayerName(name string, layer Callable) error {
	if name == "" || strings.ContainsAny(name, "/") {
		return fmt.Errorf("models: ApplyNamed %s: name %q must be non-empty and hold no '/'", className(layer), name)
	}
	return nil
}

// OutputShapes returns each layer's per-example output shape, in the
// order of Layers, or nil before the model is built.
func (m *Sequential) OutputShapes() [][]int {
	if !m.built {
		return nil
	}
	out := make([][]int, len(m.outShapes))
	for i, s := range m.outShapes {
		out[i] = slices.Clone(s)
	}
	return out
}
