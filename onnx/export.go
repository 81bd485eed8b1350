package onnx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/neuron-go/neuron/internal/atomicfile"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/onnx/internal/pb"
	"google.golang.org/protobuf/proto"
)

// Opset is the version of ONNX's default operator set that exported files
// use: 17, the first with LayerNormalization, read by ONNX 1.12 and later
// and by every ONNX Runtime since 1.12.
const Opset = 17

// irVersion is the ONNX file format version matching Opset 17.
const irVersion = 8

// ErrUnsupportedLayer is wrapped by the error Export returns for a layer
// (or a setting of a layer) that has no ONNX form here.
var ErrUnsupportedLayer = errors.New("layer not supported by the ONNX exporter")

// Export writes model, a *models.Sequential or *models.Model whose weights
// exist, to path as an ONNX model (Keras 3's model.export(path,
// format="onnx")). The file appears whole or not at all.
//
// The ONNX graph takes and gives what the neuron model does: one float32
// input per model input, named after its input layer, with a dynamic
// batch axis ("batch") and neuron's channels-last layout (images are
// (batch, height, width, channels)), and one output per model output,
// named after the layer that makes it. Convolution and pooling, which ONNX
// defines on channels-first tensors, are wrapped in Transpose nodes; runs
// of them share one Transpose at each end. Nodes are named after the
// layers they come from (a nested model's layers as "outer/inner"), and
// initializers as "layer/weight".
//
// Dense is Gemm (MatMul and Add on sequences), the convolutions Conv and
// ConvTranspose, the poolings MaxPool, AveragePool, ReduceMean and
// ReduceMax, BatchNormalization its inference form, LayerNormalization
// opset 17's, the activations ONNX's operators or their formulas (gelu as
// 0.5·x·(1+Erf(x/√2))), Flatten, Reshape and Permute Flatten, Reshape and
// Transpose, Embedding Gather, the merge layers their elementwise
// operators and Concat, LSTM, GRU and SimpleRNN ONNX's LSTM, GRU
// (linear_before_reset=1, or 0 for reset_after=False) and RNN, and
// Bidirectional their bidirectional
// form, merged by Concat, ReduceSum, ReduceProd or ReduceMean;
// MultiHeadAttention, Attention and AdditiveAttention are written out in
// MatMul, Softmax and the elementwise operators, their masks (attention
// mask, causal mask) as Where. Layers
// that only act in training (Dropout, GaussianNoise, the augmentation
// layers, …) are left out. The package documentation lists every layer's
// form.
//
// Embedding's mask_zero=True mask reaches the recurrent layers as ONNX's
// sequence_lens, with the valid steps gathered first whether the padding
// is at the front (Keras's pad_sequences default), at the end or between;
// return_state=True gives the node's Y_h and Y_c.
//
// A layer with no ONNX form, or a setting of one that has none (a mask
// reaching any other layer, a recurrent layer's stateful=True, an
// activation with no ONNX operator), is an error
// wrapping ErrUnsupportedLayer that names the layer, its class and the
// setting.
func Export(model any, path string) error {
	var buf bytes.Buffer
	if err := Encode(&buf, model); err != nil {
		return err
	}
	return atomicfile.WriteBytes(path, buf.Bytes(), 0o644)
}

// Encode writes model to w as Export writes it to a file.
func Encode(w io.Writer, model any) error {
	mp, err := build(model)
	if err != nil {
		return err
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(mp)
	if err != nil {
		return fmt.Errorf("onnx: encoding the model: %w", err)
	}
	_, err = w.Write(b)
	return err
}

// value is a tensor of the graph being built: its ONNX name, its
// per-example shape in neuron's layout, and whether the ONNX tensor holds
// it channels-first (the last axis moved to position 1, as Conv wants).
type value struct {
	name  string
	shape []int
	first bool
	// mask, if not "", names the boolean (batch, steps) Keras mask that
	// goes with the value (from an Embedding with mask_zero=True).
	mask string
}

type exporter struct {
	*builder
}

func build(model any) (*pb.ModelProto, error) {
	var (
		name     string
		inNames  []string
		inShapes [][]int
		outNames []string
		run      func(e *exporter, ins []value) ([]value, error)
	)
	switch m := model.(type) {
	case *models.Sequential:
		if m == nil || !m.Built() {
			return nil, errors.New("onnx: Export: the Sequential model is not built (call Build or Fit first)")
		}
		name = m.Name
		if name == "" {
			name = "sequential"
		}
		inNames = []string{"input_layer"}
		inShapes = [][]int{m.InputShape()}
		ls, names := m.Layers(), m.LayerNames()
		if len(ls) == 0 {
			return nil, errors.New("onnx: Export: the Sequential model has no layers")
		}
		outNames = []string{names[len(names)-1]}
		run = func(e *exporter, ins []value) ([]value, error) {
			v := ins[0]
			for i, l := range ls {
				outs, err := e.layer(l, names[i], []value{v})
				if err != nil {
					return nil, err
				}
				v = outs[0]
			}
			return []value{v}, nil
		}
	case *models.Model:
		if m == nil {
			return nil, errors.New("onnx: Export: the model is nil")
		}
		name = m.Name
		if name == "" {
			name = "functional"
		}
		g := m.Graph()
		inNames = m.InputNames()
		for _, r := range g.Inputs {
			inShapes = append(inShapes, r.Shape)
		}
		outNames = m.OutputNames()
		run = func(e *exporter, ins []value) ([]value, error) { return e.functional(m, "", ins) }
	default:
		return nil, fmt.Errorf("onnx: Export: model must be a *models.Sequential or *models.Model, got %T", model)
	}
	e := &exporter{newBuilder(name)}
	ins := make([]value, len(inNames))
	for i, n := range inNames {
		e.used[n] = true
		ins[i] = value{name: n, shape: slices.Clone(inShapes[i])}
		e.g.Input = append(e.g.Input, valueInfo(n, inShapes[i]))
	}
	// Output names are the layers' names; reserve them so that no
	// intermediate tensor takes them.
	for _, n := range outNames {
		e.used[n] = true
	}
	outs, err := run(e, ins)
	if err != nil {
		return nil, err
	}
	for i, v := range outs {
		x := e.last(v)
		// The final tensor gets the output's name through an Identity
		// when the graph made it under another name (an input passed
		// through, or a tensor that is also read elsewhere).
		e.opTo("Identity", outNames[i]+"/output", []string{x}, []string{outNames[i]})
		e.g.Output = append(e.g.Output, valueInfo(outNames[i], v.shape))
	}
	e.pruneIdentities(outNames)
	return &pb.ModelProto{
		IrVersion:       proto.Int64(irVersion),
		ProducerName:    proto.String("neuron"),
		ProducerVersion: proto.String("1"),
		OpsetImport:     []*pb.OperatorSetIdProto{{Domain: proto.String(""), Version: proto.Int64(Opset)}},
		Graph:           e.g,
	}, nil
}

// pruneIdentities renames the tensor that feeds each final Identity to the
// output's name when nothing else reads it and it is not a graph input,
// so that the output's producer is the layer's own node.
func (e *exporter) pruneIdentities(outNames []string) {
	isInput := map[string]bool{}
	for _, in := range e.g.Input {
		isInput[in.GetName()] = true
	}
	readers := map[string]int{}
	for _, n := range e.g.Node {
		for _, in := range n.Input {
			readers[in]++
		}
	}
	isOutput := map[string]bool{}
	for _, o := range outNames {
		isOutput[o] = true
	}
	keep := e.g.Node[:0]
	for _, n := range e.g.Node {
		if n.GetOpType() == "Identity" && len(n.Output) == 1 && isOutput[n.Output[0]] && n.GetName() == n.Output[0]+"/output" {
			src := n.Input[0]
			if !isInput[src] && readers[src] == 1 && !isOutput[src] && e.rename(src, n.Output[0]) {
				continue
			}
		}
		keep = append(keep, n)
	}
	e.g.Node = keep
}

// rename makes the node that outputs from output to instead; it reports
// false if no node outputs from (an initializer).
func (e *exporter) rename(from, to string) bool {
	for _, n := range e.g.Node {
		for i, o := range n.Output {
			if o == from {
				n.Output[i] = to
				return true
			}
		}
	}
	return false
}

// functional adds the nodes of a functional model applied to ins; prefix
// names the layers of a nested model.
func (e *exporter) functional(m *models.Model, prefix string, ins []value) ([]value, error) {
	g := m.Graph()
	type key struct {
		layer       string
		node, index int
	}
	vals := map[key]value{}
	for i, r := range g.Inputs {
		vals[key{r.Layer, r.Node, r.Index}] = ins[i]
	}
	type pending struct {
		gl   *models.GraphLayer
		node int
	}
	var todo []pending
	for i := range g.Layers {
		for j := range g.Layers[i].Calls {
			todo = append(todo, pending{&g.Layers[i], j})
		}
	}
	// Emit the calls in an order where each one's inputs exist.
	for len(todo) > 0 {
		progress := false
		rest := todo[:0]
		for _, p := range todo {
			call := p.gl.Calls[p.node]
			xs := make([]value, len(call.Inputs))
			ready := true
			for k, r := range call.Inputs {
				v, ok := vals[key{r.Layer, r.Node, r.Index}]
				if !ok {
					ready = false
					break
				}
				xs[k] = v
			}
			if !ready {
				rest = append(rest, p)
				continue
			}
			progress = true
			name := prefix + p.gl.Name
			var (
				outs []value
				err  error
			)
			if p.gl.Model != nil {
				outs, err = e.functional(p.gl.Model, name+"/", xs)
			} else {
				outs, err = e.layer(p.gl.Layer, name, xs)
			}
			if err != nil {
				return nil, err
			}
			for k, v := range outs {
				vals[key{p.gl.Name, p.node, k}] = v
			}
		}
		todo = rest
		if !progress {
			return nil, fmt.Errorf("onnx: Export: the graph of model %q has calls whose inputs are never made", m.Name)
		}
	}
	outs := make([]value, len(g.Outputs))
	for i, r := range g.Outputs {
		v, ok := vals[key{r.Layer, r.Node, r.Index}]
		if !ok {
			return nil, fmt.Errorf("onnx: Export: output %d of model %q (%s) is never made", i, m.Name, r.Layer)
		}
		outs[i] = v
	}
	return outs, nil
}

// last returns v's ONNX name in neuron's channels-last layout.
func (e *exporter) last(v value) string {
	if !v.first {
		return v.name
	}
	if n, ok := e.toLast[v.name]; ok {
		return n
	}
	r := len(v.shape) + 1
	perm := []int64{0}
	for i := 2; i < r; i++ {
		perm = append(perm, int64(i))
	}
	perm = append(perm, 1)
	n := e.op("Transpose", v.name+"/to_channels_last", []string{v.name}, attrInts("perm", perm...))
	e.toLast[v.name] = n
	return n
}

// first returns v's ONNX name channels-first.
func (e *exporter) first(v value) string {
	if v.first {
		return v.name
	}
	if n, ok := e.toFirst[v.name]; ok {
		return n
	}
	r := len(v.shape) + 1
	perm := []int64{0, int64(r - 1)}
	for i := 1; i < r-1; i++ {
		perm = append(perm, int64(i))
	}
	n := e.op("Transpose", v.name+"/to_channels_first", []string{v.name}, attrInts("perm", perm...))
	e.toFirst[v.name] = n
	return n
}

// onnxAxis maps an axis of neuron's layout (batch axis 0, negative from the
// end) of a tensor of rank r to the axis of the ONNX tensor holding it.
func onnxAxis(axis, r int, first bool) int {
	if axis < 0 {
		axis += r
	}
	if !first || axis == 0 {
		return axis
	}
	if axis == r-1 {
		return 1
	}
	return axis + 1
}

// config returns a layer's Keras config as a JSON object.
func config(l any) (map[string]any, error) {
	c, ok := l.(layers.Configurable)
	if !ok {
		return nil, nil
	}
	v, err := c.Config()
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return m, nil
}

// cfg reads the settings of one layer's config.
type cfg struct {
	m     map[string]any
	class string
	name  string
}

func (c cfg) str(k string) string {
	s, _ := c.m[k].(string)
	return s
}

func (c cfg) num(k string, def float64) float64 {
	if f, ok := c.m[k].(float64); ok {
		return f
	}
	return def
}

func (c cfg) boolean(k string) bool {
	b, _ := c.m[k].(bool)
	return b
}

// ints reads a number or a list of numbers.
func (c cfg) ints(k string) []int {
	switch v := c.m[k].(type) {
	case float64:
		return []int{int(v)}
	case []any:
		out := make([]int, 0, len(v))
		for _, x := range v {
			f, _ := x.(float64)
			out = append(out, int(f))
		}
		return out
	}
	return nil
}

func (c cfg) pair(k string, def int) [2]int {
	s := c.ints(k)
	switch len(s) {
	case 1:
		return [2]int{s[0], s[0]}
	case 2:
		return [2]int{s[0], s[1]}
	}
	return [2]int{def, def}
}

func unsupported(class, name, why string) error {
	return fmt.Errorf("onnx: Export: layer %q (%s): %s: %w", name, class, why, ErrUnsupportedLayer)
}

// weights returns a layer's weights by name.
func weightsOf(l any) map[string]*layers.Weight {
	var ws []*layers.Weight
	switch l := l.(type) {
	case layers.Layer:
		ws = l.Weights()
	case layers.MultiLayer:
		ws = l.Weights()
	}
	m := map[string]*layers.Weight{}
	for _, w := range ws {
		m[w.Name] = w
	}
	return m
}

// outShapes plans the layer's per-example output shapes for its inputs.
func outShapes(l any, ins []value) ([][]int, error) {
	shapes := make([][]int, len(ins))
	for i, v := range ins {
		shapes[i] = v.shape
	}
	if p, ok := l.(layers.MultiPlanner); ok {
		if _, multi := l.(layers.MultiLayer); multi {
			out, _, err := p.PlanMulti(shapes)
			return out, err
		}
	}
	if p, ok := l.(layers.Planner); ok && len(ins) == 1 {
		out, _, err := p.Plan(shapes[0])
		return [][]int{out}, err
	}
	return nil, fmt.Errorf("cannot tell its output shape (%T implements neither layers.Planner nor layers.MultiPlanner)", l)
}
