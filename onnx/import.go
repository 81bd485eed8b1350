package onnx

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/onnx/internal/pb"
)

// Import reads the ONNX model at path into a neuron functional model that
// predicts, evaluates and can be compiled and fine-tuned like any other.
//
// The model takes the file's inputs in the file's layout, with the first
// axis as the batch axis: an image model that takes NCHW (batch, channels,
// height, width) tensors takes them the same way in neuron, and Permute
// layers move the channels last around neuron's channels-last
// convolutions. Inputs and outputs keep the file's names, and layers take
// the names of the nodes they come from ('/' becomes '_').
//
// Operators that map to neuron layers are read: Gemm, MatMul (with the
// Add of a bias after it), Conv (1D and 2D, grouped and depthwise),
// ConvTranspose (2D), MaxPool and AveragePool (ceil_mode=1 where it needs
// no padding), GlobalAveragePool, GlobalMaxPool and ReduceMean/ReduceMax
// over the spatial axes, BatchNormalization, LayerNormalization, Relu,
// LeakyRelu, PRelu, Elu, Selu, Sigmoid, HardSigmoid, HardSwish, Tanh,
// Softplus, Softsign, Exp, Clip, Softmax and LogSoftmax, Gelu
// (approximate="none") and GELU written as its Erf formula, Flatten,
// Reshape, Squeeze, Unsqueeze, Transpose, Concat, Add, Sub, Mul, Div, Max,
// Min, Sum and Mean, Gather on a constant table (an Embedding), LSTM, GRU
// and RNN (one or both directions, batch-major or
// time-major between the Transposes and Squeezes exporters put around
// them, from zero initial states; Y with Y_h, or Y_c, as return_state; a
// bidirectional node's directions concatenated, or taken apart and
// summed, multiplied or averaged, or reduced over the directions axis by
// ReduceSum, ReduceProd or ReduceMean, as Bidirectional's merge modes; a
// GRU with linear_before_reset=0 as Keras's reset_after=False),
// Dropout, Identity and Cast. Constant
// nodes and operators on constants only (Reshape, Transpose, Unsqueeze,
// Squeeze, Identity, Cast, CastLike, Sqrt, ConstantOfShape) are evaluated
// when reading. The package documentation lists the settings read.
//
// Any other operator, and a setting of one that no neuron layer has
// (sequence_lens, non-zero initial states,
// peepholes, both Y and Y_h of a bidirectional node read, Gelu with
// approximate="tanh", a Reshape or Transpose that moves the batch axis,
// weights that are not constants, …), is refused with an error naming
// the node, the operator and the attribute or input with its value,
// wrapping ErrUnsupportedOp; a file that breaks the format or the
// reader's bounds gives an error wrapping ErrMalformed. Weights kept in
// external data files are read only from inside the model's directory.
func Import(path string) (*models.Model, error) {
	m, consts, err := readModel(path)
	if err != nil {
		return nil, err
	}
	return importModel(m, consts)
}

// Decode reads an ONNX model from data as Import reads a file; a model
// whose weights are in external data files is refused (it needs Import).
func Decode(data []byte) (*models.Model, error) {
	if len(data) > MaxFileSize {
		return nil, malformed("the model is larger than %d bytes", MaxFileSize)
	}
	m, consts, err := parseModel(data, "")
	if err != nil {
		return nil, err
	}
	return importModel(m, consts)
}

// ival is a tensor of the ONNX graph as a node of the neuron model; last
// is true when the neuron node holds it with its channels (ONNX's axis 1)
// moved last.
type ival struct {
	node  *models.Node
	last  bool
	layer string // the name of the layer that made it, "" for an input
}

type importer struct {
	opset   int64
	consts  map[string]*tensorData
	vals    map[string]ival
	names   map[string]bool
	outputs map[string]bool // graph output names
	readers map[string][]*pb.NodeProto
	fused   map[*pb.NodeProto]bool // nodes folded into the layer before them
	toSem   map[*models.Node]ival  // cached Permutes back to ONNX's layout
	toLast  map[*models.Node]ival  // and to channels-last
	// seqs holds the tensors around recurrent nodes whose batch axis is
	// not first (see recurrent.go).
	seqs map[string]seqVal
	// dirsTransposed holds a bidirectional node's Y or Y_h made
	// batch-major, read only by reductions over the directions.
	dirsTransposed map[string]seqVal
	// recOf maps the node of a bidirectional recurrent node's
	// concatenated output to the node, for the Slices of its halves.
	recOf map[*models.Node]*recInfo
	// syms are tensors computed from a tensor's shape (the batch size a
	// zero initial state is made for); zeros are the zero tensors made
	// from them (ConstantOfShape), which recurrent nodes take as their
	// initial states.
	syms, zeros map[string]bool
	// gelu maps the last node of a GELU written out as its formula to
	// the name of its input (see import_gelu.go).
	gelu map[*pb.NodeProto]string
	// outputTaken records the graph outputs whose reserved layer name is
	// in use.
	outputTaken map[string]bool
	// seqLens holds the recurrent nodes whose sequence_lens is an
	// Embedding's mask, and maskZero
	// the Gathers read as an Embedding with mask_zero=True (see
	// import_seqlens.go).
	seqLens  map[*pb.NodeProto]*seqLensMatch
	maskZero map[*pb.NodeProto]bool
	pendings []pendingWeight
}

// pendingWeight is a weight value to set once the model has built its
// layers.
type pendingWeight struct {
	layer  any
	weight string
	data   []float32
}

func importModel(m *pb.ModelProto, consts map[string]*tensorData) (*models.Model, error) {
	im := &importer{
		consts:  consts,
		vals:    map[string]ival{},
		names:   map[string]bool{},
		outputs: map[string]bool{},
		readers: map[string][]*pb.NodeProto{},
		fused:   map[*pb.NodeProto]bool{},
		toSem:   map[*models.Node]ival{},
		toLast:  map[*models.Node]ival{},

		outputTaken:    map[string]bool{},
		seqs:           map[string]seqVal{},
		dirsTransposed: map[string]seqVal{},
		syms:           map[string]bool{},
		zeros:          map[string]bool{},
		gelu:           map[*pb.NodeProto]string{},
		recOf:          map[*models.Node]*recInfo{},
		seqLens:        map[*pb.NodeProto]*seqLensMatch{},
		maskZero:       map[*pb.NodeProto]bool{},
	}
	im.opset = -1
	for _, o := range m.GetOpsetImport() {
		if o.GetDomain() == "" || o.GetDomain() == "ai.onnx" {
			im.opset = o.GetVersion()
		}
	}
	if im.opset < 0 {
		return nil, malformed("the model imports no version of the default operator set")
	}
	g := m.GetGraph()
	for _, o := range g.GetOutput() {
		im.outputs[o.GetName()] = true
		// Reserved for the layer that gives the output.
		im.names[sanitize(o.GetName())] = true
	}
	for _, n := range g.GetNode() {
		for _, in := range n.GetInput() {
			im.readers[in] = append(im.readers[in], n)
		}
	}
	var inputs []*models.Node
	for _, in := range g.GetInput() {
		if _, isConst := consts[in.GetName()]; isConst {
			continue // older files list initializers among the inputs
		}
		for _, r := range im.readers[in.GetName()] {
			if op := r.GetOpType(); (op == "LSTM" || op == "GRU" || op == "RNN") && len(r.GetInput()) > 4 && r.GetInput()[4] == in.GetName() {
				return nil, seqLensInput(r)
			}
		}
		tm := im.timeMajorInput(in.GetName())
		shape, err := inputShape(in, tm)
		if err != nil {
			return nil, err
		}
		name := im.layerName(in.GetName(), "input")
		x := models.Input(shape, name)
		if err := x.Err(); err != nil {
			return nil, fmt.Errorf("onnx: input %q: %w", in.GetName(), err)
		}
		inputs = append(inputs, x)
		if tm {
			im.seqs[in.GetName()] = seqVal{kind: timeMajor, node: x}
			continue
		}
		im.vals[in.GetName()] = ival{node: x, layer: name}
	}
	if len(inputs) == 0 {
		return nil, malformed("the graph has no inputs other than initializers")
	}
	// Constant nodes first: a file may list a weight after the node that
	// reads it (CNTK's exporter does), and a bias is fused by looking
	// ahead.
	for _, n := range g.GetNode() {
		if n.GetOpType() == "Constant" && n.GetDomain() == "" && len(n.GetOutput()) == 1 {
			if _, err := im.fold(n); err != nil {
				return nil, fmt.Errorf("onnx: node %q (Constant): %w", n.GetName(), err)
			}
			im.fused[n] = true
		}
	}
	im.matchGelu(g)
	if err := im.matchSeqLens(g); err != nil {
		return nil, err
	}
	for _, n := range g.GetNode() {
		if im.fused[n] {
			continue
		}
		if err := im.node(n); err != nil {
			var ue *opError
			if errors.As(err, &ue) {
				return nil, err
			}
			return nil, fmt.Errorf("onnx: node %q (%s): %w", n.GetName(), n.GetOpType(), err)
		}
	}
	var outs []*models.Node
	for _, o := range g.GetOutput() {
		v, ok := im.vals[o.GetName()]
		if sv, isSeq := im.seqs[o.GetName()]; !ok && isSeq {
			var err error
			if v, err = im.seqOutput(o.GetName(), sv); err != nil {
				return nil, err
			}
			ok = true
		}
		if !ok {
			if _, c := im.consts[o.GetName()]; c {
				return nil, fmt.Errorf("onnx: output %q is a constant, which a neuron model cannot give: %w", o.GetName(), ErrUnsupportedOp)
			}
			return nil, malformed("output %q is made by no node", o.GetName())
		}
		v = im.sem(v)
		name := sanitize(o.GetName())
		if v.layer != name || slices.Contains(outs, v.node) {
			// A linear Activation rather than an Identity: pointers to
			// zero-size values may be equal, and each output needs a
			// layer of its own.
			l := &layers.Activation{Activation: activations.Linear}
			ln := name
			if v.layer == name || im.outputTaken[name] {
				ln = im.layerName(name, "identity")
			}
			im.outputTaken[name] = true
			n := models.ApplyNamed(ln, l, v.node)
			if err := n.Err(); err != nil {
				return nil, fmt.Errorf("onnx: output %q: %w", o.GetName(), err)
			}
			v = ival{node: n}
		}
		outs = append(outs, v.node)
	}
	model, err := models.NewModel(inputs, outs)
	if err != nil {
		return nil, fmt.Errorf("onnx: %w", err)
	}
	model.Name = sanitize(g.GetName())
	if model.Name == "" {
		model.Name = "functional"
	}
	for _, p := range im.pendings {
		if err := setWeight(p); err != nil {
			return nil, err
		}
	}
	return model, nil
}

// seqOutput gives a graph output whose batch axis is not first with its
// batch axis first and its other axes in their order: a time-major
// sequence (steps, batch, features) as (batch, steps, features), a
// recurrent node's Y (steps, directions, batch, units) as (batch, steps,
// directions, units) and its Y_h (directions, batch, units) as (batch,
// directions, units).
func (im *importer) seqOutput(name string, sv seqVal) (ival, error) {
	node := im.seqNode(sv)
	s := node.Shape()
	var target []int
	switch sv.kind {
	case timeMajor:
		return ival{node: node}, nil
	case rnnY, rnnYsteps:
		target = []int{s[0], sv.dirs, s[1] / sv.dirs}
	case rnnYh:
		target = []int{sv.dirs, s[0] / sv.dirs}
	default:
		return ival{}, fmt.Errorf("onnx: output %q is %s, which no neuron layer gives: %w", name, sv.kind, ErrUnsupportedOp)
	}
	ln := sanitize(name)
	if im.outputTaken[ln] {
		ln = im.layerName(name, "reshape")
	}
	im.outputTaken[ln] = true
	y := models.ApplyNamed(ln, &layers.Reshape{TargetShape: target}, node)
	if err := y.Err(); err != nil {
		return ival{}, fmt.Errorf("onnx: output %q: %w", name, err)
	}
	return ival{node: y, layer: ln}, nil
}

// The prefixes of a Bidirectional's pending weights, for its forward and
// backward layers' own.
const (
	sideForward  = "forward/"
	sideBackward = "backward/"
)

func setWeight(p pendingWeight) error {
	var ws []*layers.Weight
	name := p.weight
	switch l := p.layer.(type) {
	case *layers.Bidirectional:
		if n, ok := strings.CutPrefix(name, sideForward); ok {
			ws, name = l.Forward().Weights(), n
		} else if n, ok := strings.CutPrefix(name, sideBackward); ok {
			ws, name = l.Backward().Weights(), n
		} else {
			ws = l.Weights()
		}
	case layers.Layer:
		ws = l.Weights()
	case layers.MultiLayer:
		ws = l.Weights()
	}
	for _, w := range ws {
		if w.Name == name {
			d := w.Value.Data()
			if len(d) != len(p.data) {
				return fmt.Errorf("onnx: weight %s has %d values in neuron, %d in the file", p.weight, len(d), len(p.data))
			}
			copy(d, p.data)
			return nil
		}
	}
	return fmt.Errorf("onnx: the layer has no weight %q", p.weight)
}

// opError is an unsupported operator, already naming its node.
type opError struct{ msg string }

func (e *opError) Error() string { return e.msg }
func (e *opError) Unwrap() error { return ErrUnsupportedOp }

func unsupportedOp(n *pb.NodeProto, why string) error {
	return &opError{fmt.Sprintf("onnx: node %q (%s): %s: %v", n.GetName(), n.GetOpType(), why, ErrUnsupportedOp)}
}

// timeMajorInput tells whether the graph input name is read only as the
// time-major sequence X (layout=0) of recurrent nodes: its batch axis is
// the second, and neuron takes it batch-major.
func (im *importer) timeMajorInput(name string) bool {
	rs := im.readers[name]
	rnn := false
	for _, r := range rs {
		switch r.GetOpType() {
		case "LSTM", "GRU", "RNN":
			rnn = true
		case "Shape":
			// The batch size for a zero initial state.
			continue
		default:
			return false
		}
		if r.GetDomain() != "" || attrsOf(r).int("layout", 0) != 0 || slices.Index(r.GetInput(), name) != 0 || slices.Index(r.GetInput()[1:], name) >= 0 {
			return false
		}
	}
	return rnn && !im.outputs[name]
}

// inputShape returns the per-example shape of a graph input: its
// dimensions after the first (the batch axis), which must be known; for a
// time-major input (steps, batch, features), the steps and features.
func inputShape(in *pb.ValueInfoProto, timeMajor bool) ([]int, error) {
	tt := in.GetType().GetTensorType()
	if tt == nil {
		return nil, fmt.Errorf("onnx: input %q is not a tensor: %w", in.GetName(), ErrUnsupportedOp)
	}
	switch pb.TensorProto_DataType(tt.GetElemType()) {
	case pb.TensorProto_FLOAT, pb.TensorProto_DOUBLE, pb.TensorProto_INT64, pb.TensorProto_INT32:
	default:
		return nil, fmt.Errorf("onnx: input %q has element type %v (float, double or integer indices are read): %w", in.GetName(), pb.TensorProto_DataType(tt.GetElemType()), ErrUnsupportedOp)
	}
	dims := tt.GetShape().GetDim()
	if len(dims) < 2 || len(dims) > maxRank {
		// neuron's examples have at least one axis.
		return nil, fmt.Errorf("onnx: input %q has rank %d; a batch axis and 1 to %d more are read: %w", in.GetName(), len(dims), maxRank-1, ErrUnsupportedOp)
	}
	batch := 0
	if timeMajor {
		if len(dims) != 3 {
			return nil, fmt.Errorf("onnx: input %q, the time-major X of a recurrent node, has rank %d, not 3: %w", in.GetName(), len(dims), ErrMalformed)
		}
		batch = 1
	}
	var shape []int
	for i, d := range dims {
		if i == batch {
			continue
		}
		v := d.GetDimValue()
		if _, ok := d.GetValue().(*pb.TensorShapeProto_Dimension_DimValue); !ok || v <= 0 || v > maxElements {
			return nil, fmt.Errorf("onnx: input %q: dimension %d is %q, not a fixed size (only the batch axis, %d, may vary): %w", in.GetName(), i, d.String(), batch, ErrUnsupportedOp)
		}
		shape = append(shape, int(v))
	}
	if _, ok := boundedProd(shape, maxElements); !ok {
		return nil, malformed("input %q has more than %d values per example", in.GetName(), maxElements)
	}
	return shape, nil
}

// sanitize makes an ONNX name a neuron layer name.
func sanitize(s string) string {
	return strings.Trim(strings.ReplaceAll(s, "/", "_"), "_")
}

// layerName returns a unique layer name made from an ONNX name.
func (im *importer) layerName(s, def string) string {
	n := sanitize(s)
	if n == "" {
		n = def
	}
	return unique(im.names, n)
}

// applyNamed applies a layer named after an ONNX name and returns the
// node and the layer's name.
func (im *importer) applyNamed(name string, l models.Callable, ins ...*models.Node) (*models.Node, string, error) {
	class := ""
	switch l := l.(type) {
	case layers.Layer:
		class = l.ClassName()
	case layers.MultiLayer:
		class = l.ClassName()
	}
	ln := im.layerName(name, layers.DefaultName(class))
	n := models.ApplyNamed(ln, l, ins...)
	if err := n.Err(); err != nil {
		return nil, "", err
	}
	return n, ln, nil
}

// perExample returns the per-example shape in ONNX's layout.
func (v ival) shape() []int {
	s := v.node.Shape()
	if !v.last {
		return s
	}
	return append([]int{s[len(s)-1]}, s[:len(s)-1]...)
}

// sem returns v in ONNX's layout.
func (im *importer) sem(v ival) ival {
	if !v.last {
		return v
	}
	if c, ok := im.toSem[v.node]; ok {
		return c
	}
	r := len(v.node.Shape())
	dims := []int{r}
	for i := 1; i < r; i++ {
		dims = append(dims, i)
	}
	n := models.ApplyNamed(im.layerName(v.layer+"_channels_first", "permute"), &layers.Permute{Dims: dims}, v.node)
	out := ival{node: n}
	im.toSem[v.node] = out
	return out
}

// chLast returns v with its channels last.
func (im *importer) chLast(v ival) ival {
	if v.last {
		return v
	}
	if c, ok := im.toLast[v.node]; ok {
		return c
	}
	r := len(v.node.Shape())
	var dims []int
	for i := 2; i <= r; i++ {
		dims = append(dims, i)
	}
	dims = append(dims, 1)
	n := models.ApplyNamed(im.layerName(v.layer+"_channels_last", "permute"), &layers.Permute{Dims: dims}, v.node)
	out := ival{node: n, last: true}
	im.toLast[v.node] = out
	return out
}

// attrs reads a node's attributes by name.
type attrs map[string]*pb.AttributeProto

func attrsOf(n *pb.NodeProto) attrs {
	a := attrs{}
	for _, at := range n.GetAttribute() {
		a[at.GetName()] = at
	}
	return a
}

func (a attrs) int(k string, def int64) int64 {
	if at, ok := a[k]; ok {
		return at.GetI()
	}
	return def
}

func (a attrs) float(k string, def float32) float32 {
	if at, ok := a[k]; ok {
		return at.GetF()
	}
	return def
}

func (a attrs) ints(k string) []int64 {
	if at, ok := a[k]; ok {
		return at.GetInts()
	}
	return nil
}

func (a attrs) str(k, def string) string {
	if at, ok := a[k]; ok {
		return string(at.GetS())
	}
	return def
}

// input returns the node's i-th input as a value of the neuron graph.
func (im *importer) input(n *pb.NodeProto, i int) (ival, error) {
	if i >= len(n.GetInput()) || n.GetInput()[i] == "" {
		return ival{}, malformed("node %q (%s) lacks input %d", n.GetName(), n.GetOpType(), i)
	}
	name := n.GetInput()[i]
	v, ok := im.vals[name]
	if ok {
		return v, nil
	}
	if _, c := im.consts[name]; c {
		return ival{}, unsupportedOp(n, fmt.Sprintf("input %d (%q) is a constant where neuron needs the data", i, name))
	}
	if im.syms[name] || im.zeros[name] {
		return ival{}, unsupportedOp(n, fmt.Sprintf("input %q is computed from a tensor's shape at run time, which only a recurrent node's zero initial state may be", name))
	}
	if sv, ok := im.seqs[name]; ok {
		return ival{}, unsupportedOp(n, fmt.Sprintf("input %q is %s, read in a way no neuron layer follows", name, sv.kind))
	}
	return ival{}, malformed("node %q (%s) reads %q, which no earlier node makes", n.GetName(), n.GetOpType(), name)
}

// constant returns the node's i-th input if it is a constant, or nil.
func (im *importer) constant(n *pb.NodeProto, i int) *tensorData {
	if i >= len(n.GetInput()) || n.GetInput()[i] == "" {
		return nil
	}
	return im.consts[n.GetInput()[i]]
}

// set records the node's output.
func (im *importer) set(n *pb.NodeProto, v ival) {
	if len(n.GetOutput()) > 0 {
		im.vals[n.GetOutput()[0]] = v
	}
}

// layer applies l to v in the layout given, naming it after the node (or
// after the graph output the node makes).
func (im *importer) layer(n *pb.NodeProto, l models.Callable, last bool, ins ...ival) error {
	nodes := make([]*models.Node, len(ins))
	for i, v := range ins {
		if last {
			nodes[i] = im.chLast(v).node
		} else {
			nodes[i] = im.sem(v).node
		}
	}
	return im.applyNodes(n, l, nodes, last)
}

// layerAs applies l to x's node as it is; last says how the output holds
// the ONNX tensor.
func (im *importer) layerAs(n *pb.NodeProto, l models.Callable, x ival, last bool) error {
	return im.applyNodes(n, l, []*models.Node{x.node}, last)
}

func (im *importer) applyNodes(n *pb.NodeProto, l models.Callable, nodes []*models.Node, last bool) error {
	name := n.GetName()
	if name == "" {
		name = n.GetOutput()[0]
	}
	var (
		y   *models.Node
		ln  string
		err error
	)
	if out := n.GetOutput()[0]; im.outputs[out] && !last && !im.outputTaken[sanitize(out)] {
		// The layer that gives a graph output takes the output's name.
		ln = sanitize(out)
		im.outputTaken[ln] = true
		y = models.ApplyNamed(ln, l, nodes...)
		err = y.Err()
	} else {
		y, ln, err = im.applyNamed(name, l, nodes...)
	}
	if err != nil {
		return err
	}
	im.set(n, ival{node: y, last: last, layer: ln})
	return nil
}

// elementwise applies a layer that acts value by value, in v's layout.
func (im *importer) elementwise(n *pb.NodeProto, l models.Callable) error {
	v, err := im.input(n, 0)
	if err != nil {
		return err
	}
	return im.layer(n, l, v.last, v)
}

func (im *importer) activation(n *pb.NodeProto, name string) error {
	a, err := activations.Get(name)
	if err != nil {
		return err
	}
	return im.elementwise(n, &layers.Activation{Activation: a})
}

// kerasAxis maps an ONNX axis (batch axis 0) of a tensor of per-example
// rank r to the axis of the neuron tensor holding it, counting the batch
// axis as Keras does.
func kerasAxis(axis int64, r int, last bool) (int, bool) {
	full := int64(r + 1)
	if axis < 0 {
		axis += full
	}
	if axis <= 0 || axis >= full {
		return 0, false
	}
	if !last {
		return int(axis), true
	}
	if axis == 1 {
		return r, true
	}
	return int(axis) - 1, true
}

func near(a, b float32) bool { return math.Abs(float64(a-b)) <= 1e-6*max(1, math.Abs(float64(b))) }
