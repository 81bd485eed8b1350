package onnx

import (
	"fmt"
	"math"
	"slices"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/onnx/internal/pb"
)

// node converts one ONNX node.
func (im *importer) node(n *pb.NodeProto) error {
	if d := n.GetDomain(); d != "" && d != "ai.onnx" {
		return unsupportedOp(n, fmt.Sprintf("operator domain %q", d))
	}
	if len(n.GetOutput()) == 0 {
		return malformed("node %q (%s) has no outputs", n.GetName(), n.GetOpType())
	}
	if x, ok := im.gelu[n]; ok {
		v, ok := im.vals[x]
		if !ok {
			return unsupportedOp(n, fmt.Sprintf("the GELU formula's input %q is not data", x))
		}
		return im.layer(n, &layers.Activation{Activation: activations.GELU}, v.last, v)
	}
	if done, err := im.symbolic(n); done || err != nil {
		return err
	}
	if folded, err := im.fold(n); folded || err != nil {
		return err
	}
	a := attrsOf(n)
	switch op := n.GetOpType(); {
	case op == "Split" || op == "Gather" || op == "Slice":
		sv, ok := im.seqs[n.GetInput()[0]]
		if ok && sv.rec != nil && (sv.kind == rnnY || sv.kind == rnnYh) {
			return im.seqDirections(n, a, sv)
		}
		if ok && op == "Slice" && sv.kind == timeMajor && im.recOf[sv.node] != nil {
			if done, err := im.featHalves(n, a, sv.node, im.recOf[sv.node], dirY); done || err != nil {
				return err
			}
		}
		if v, ok := im.vals[n.GetInput()[0]]; ok && op == "Slice" && im.recOf[v.node] != nil && !v.last {
			if done, err := im.featHalves(n, a, v.node, im.recOf[v.node], dirFeat); done || err != nil {
				return err
			}
		}
	case op == "Add" || op == "Mul" || op == "Sum" || op == "Mean":
		if done, err := im.mergeDirs(n); done || err != nil {
			return err
		}
	case op == "ReduceSum" || op == "ReduceMean" || op == "ReduceProd":
		if done, err := im.reduceDirs(n, a); done || err != nil {
			return err
		}
	}
	switch n.GetOpType() {
	case "Identity", "Dropout", "Cast":
		if n.GetOpType() == "Dropout" && len(n.GetOutput()) > 1 && len(im.readers[n.GetOutput()[1]]) > 0 {
			return unsupportedOp(n, "its mask output is read")
		}
		if n.GetOpType() == "Cast" {
			switch pb.TensorProto_DataType(a.int("to", 0)) {
			case pb.TensorProto_FLOAT, pb.TensorProto_DOUBLE, pb.TensorProto_INT64, pb.TensorProto_INT32:
			default:
				return unsupportedOp(n, fmt.Sprintf("cast to %v", pb.TensorProto_DataType(a.int("to", 0))))
			}
		}
		v, err := im.input(n, 0)
		if err != nil {
			return err
		}
		im.set(n, v)
		return nil

	case "Relu":
		return im.elementwise(n, &layers.ReLU{})
	case "LeakyRelu":
		return im.elementwise(n, &layers.LeakyReLU{NegativeSlope: a.float("alpha", 0.01)})
	case "Elu":
		return im.elementwise(n, &layers.ELU{Alpha: a.float("alpha", 1)})
	case "Selu":
		if !near(a.float("alpha", 1.67326319217681884765625), 1.6732632423543772) || !near(a.float("gamma", 1.05070102214813232421875), 1.0507009873554805) {
			return unsupportedOp(n, "alpha and gamma other than SELU's constants")
		}
		return im.activation(n, "selu")
	case "Sigmoid":
		return im.activation(n, "sigmoid")
	case "Tanh":
		return im.activation(n, "tanh")
	case "Softplus":
		return im.activation(n, "softplus")
	case "Softsign":
		return im.activation(n, "softsign")
	case "Exp":
		return im.activation(n, "exponential")
	case "HardSwish":
		return im.activation(n, "hard_silu")
	case "HardSigmoid":
		if !near(a.float("alpha", 0.2), 1.0/6) || !near(a.float("beta", 0.5), 0.5) {
			return unsupportedOp(n, fmt.Sprintf("alpha=%v beta=%v; neuron's hard_sigmoid is Keras 3's, alpha=1/6 beta=0.5", a.float("alpha", 0.2), a.float("beta", 0.5)))
		}
		return im.activation(n, "hard_sigmoid")
	case "Clip":
		return im.clip(n, a)
	case "Softmax", "LogSoftmax":
		return im.softmax(n, a)
	case "Pad":
		// Zero pads, as PyTorch's exporter writes for a pooling with
		// ceil_mode, change nothing.
		pads := a.ints("pads")
		if c := im.constant(n, 1); c != nil && c.isInt {
			pads = c.i
		} else if len(n.GetInput()) > 1 && n.GetInput()[1] != "" {
			return unsupportedOp(n, "pads that are not a constant")
		}
		for _, p := range pads {
			if p != 0 {
				return unsupportedOp(n, fmt.Sprintf("pads %v (a Pad of zero pads is read)", pads))
			}
		}
		v, err := im.input(n, 0)
		if err != nil {
			return err
		}
		im.set(n, v)
		return nil
	case "Gelu":
		if ap := a.str("approximate", "none"); ap != "none" {
			return unsupportedOp(n, fmt.Sprintf("approximate=%q (Keras's gelu with approximate=True is not a neuron activation; \"none\" is read)", ap))
		}
		return im.activation(n, "gelu")

	case "Gemm", "MatMul":
		return im.dense(n, a)
	case "Conv":
		return im.conv(n, a)
	case "ConvTranspose":
		return im.convTranspose(n, a)
	case "MaxPool", "AveragePool":
		return im.pool(n, a)
	case "GlobalAveragePool", "GlobalMaxPool":
		v, err := im.input(n, 0)
		if err != nil {
			return err
		}
		var l layers.Layer
		switch {
		case len(v.shape()) == 3 && n.GetOpType() == "GlobalAveragePool":
			l = &layers.GlobalAveragePooling2D{KeepDims: true}
		case len(v.shape()) == 3:
			l = &layers.GlobalMaxPooling2D{KeepDims: true}
		case len(v.shape()) == 2 && n.GetOpType() == "GlobalAveragePool":
			l = &layers.GlobalAveragePooling1D{KeepDims: true}
		case len(v.shape()) == 2:
			l = &layers.GlobalMaxPooling1D{KeepDims: true}
		default:
			return unsupportedOp(n, fmt.Sprintf("input of shape %v (1D and 2D are read)", v.shape()))
		}
		return im.layer(n, l, true, v)
	case "BatchNormalization":
		return im.batchNorm(n, a)
	case "LayerNormalization":
		return im.layerNorm(n, a)

	case "Flatten":
		v, err := im.input(n, 0)
		if err != nil {
			return err
		}
		if ax := a.int("axis", 1); ax != 1 {
			return unsupportedOp(n, fmt.Sprintf("axis=%d (the batch axis is kept: only 1 is read)", ax))
		}
		if len(v.shape()) == 1 {
			im.set(n, im.sem(v))
			return nil
		}
		return im.layer(n, &layers.Flatten{}, false, v)
	case "Reshape":
		return im.reshape(n, a)
	case "Transpose":
		return im.transpose(n, a)
	case "Concat":
		return im.concat(n, a)
	case "Add", "Sub", "Mul", "Div":
		return im.arith(n)
	case "PRelu":
		return im.prelu(n)
	case "LSTM", "GRU", "RNN":
		return im.recurrent(n, a)
	case "Squeeze", "Unsqueeze":
		return im.squeeze(n, a)
	case "Max", "Min", "Sum", "Mean":
		return im.variadic(n)
	case "ReduceMean", "ReduceMax":
		return im.reduce(n, a)
	case "Gather":
		table := im.constant(n, 0)
		if table == nil || table.isInt || len(table.dims) != 2 || a.int("axis", 0) != 0 {
			return unsupportedOp(n, "only a constant 2D table gathered along axis 0 (an embedding) is read")
		}
		idx, err := im.input(n, 1)
		if err != nil {
			return err
		}
		// MaskZero when a recurrent node's sequence_lens is its mask.
		l := &layers.Embedding{InputDim: table.dims[0], OutputDim: table.dims[1], MaskZero: im.maskZero[n]}
		im.pendings = append(im.pendings, pendingWeight{l, "embeddings", table.f})
		return im.layer(n, l, false, idx)
	}
	return unsupportedOp(n, "no neuron layer for this operator")
}

// fold evaluates a node whose inputs are all constants, for the operators
// that shape constants (a weight reshaped before use, shapes computed by
// Constant nodes).
func (im *importer) fold(n *pb.NodeProto) (bool, error) {
	a := attrsOf(n)
	if n.GetOpType() == "Constant" {
		at, ok := a["value"]
		if !ok {
			switch {
			case a["value_float"] != nil:
				im.consts[n.GetOutput()[0]] = &tensorData{f: []float32{a["value_float"].GetF()}}
			case a["value_floats"] != nil:
				f := a["value_floats"].GetFloats()
				im.consts[n.GetOutput()[0]] = &tensorData{dims: []int{len(f)}, f: f}
			case a["value_int"] != nil:
				im.consts[n.GetOutput()[0]] = &tensorData{i: []int64{a["value_int"].GetI()}, isInt: true}
			case a["value_ints"] != nil:
				v := a["value_ints"].GetInts()
				im.consts[n.GetOutput()[0]] = &tensorData{dims: []int{len(v)}, i: v, isInt: true}
			default:
				return true, unsupportedOp(n, "a Constant without value, value_float(s) or value_int(s)")
			}
			return true, nil
		}
		td, err := decodeTensor(at.GetT(), nil)
		if err != nil {
			return true, err
		}
		im.consts[n.GetOutput()[0]] = td
		return true, nil
	}
	if n.GetOpType() == "CastLike" && len(n.GetInput()) == 2 && n.GetDomain() == "" {
		// The type of the second input is all that is read of it: a
		// constant cast like the data is a float constant.
		c := im.constant(n, 0)
		if c == nil {
			return false, nil
		}
		to := pb.TensorProto_FLOAT
		if t := im.constant(n, 1); t != nil && t.isInt {
			to = pb.TensorProto_INT64
		}
		im.consts[n.GetOutput()[0]] = castConst(c, to)
		return true, nil
	}
	var ins []*tensorData
	for i, name := range n.GetInput() {
		if name == "" {
			ins = append(ins, nil)
			continue
		}
		c := im.constant(n, i)
		if c == nil {
			return false, nil
		}
		ins = append(ins, c)
	}
	if len(ins) == 0 || ins[0] == nil {
		return false, nil
	}
	x := ins[0]
	var out *tensorData
	switch n.GetOpType() {
	case "Identity", "Cast", "Dropout":
		out = x
		if n.GetOpType() == "Cast" {
			out = castConst(x, pb.TensorProto_DataType(a.int("to", 0)))
		}
	case "Sqrt":
		if x.isInt {
			return true, unsupportedOp(n, "the square root of an integer constant")
		}
		out = &tensorData{dims: x.dims, f: make([]float32, len(x.f))}
		for i, v := range x.f {
			out.f[i] = float32(math.Sqrt(float64(v)))
		}
	case "ConstantOfShape":
		if !x.isInt {
			return true, malformed("node %q (ConstantOfShape) has a float shape", n.GetName())
		}
		dims := make([]int, len(x.i))
		for i, d := range x.i {
			if d < 0 || d > maxMadeElements {
				return true, malformed("node %q (ConstantOfShape): shape %v", n.GetName(), x.i)
			}
			dims[i] = int(d)
		}
		// Unlike other constants its size is not paid for by the file:
		// keep it small.
		if _, ok := boundedProd(dims, maxMadeElements); len(dims) > maxRank || !ok {
			return true, unsupportedOp(n, fmt.Sprintf("shape %v (more than %d values made at load time)", x.i, maxMadeElements))
		}
		v := float32(0)
		if at, ok := a["value"]; ok {
			td, err := decodeTensor(at.GetT(), nil)
			if err != nil || td.size() != 1 {
				return true, malformed("node %q (ConstantOfShape): value is not one number", n.GetName())
			}
			if td.isInt {
				out = &tensorData{dims: dims, isInt: true, i: make([]int64, prodInts(dims))}
				for i := range out.i {
					out.i[i] = td.i[0]
				}
				break
			}
			v = td.f[0]
		}
		out = &tensorData{dims: dims, f: fill(prodInts(dims), v)}
	case "Reshape":
		target := a.ints("shape") // before opset 5
		if im.opset >= 5 {
			if len(ins) < 2 || ins[1] == nil || !ins[1].isInt {
				return true, malformed("node %q (Reshape) has no integer shape", n.GetName())
			}
			target = ins[1].i
		}
		dims, err := reshapeDims(x.dims, target)
		if err != nil {
			return true, fmt.Errorf("%w: %w", err, ErrMalformed)
		}
		out = &tensorData{dims: dims, f: x.f, i: x.i, isInt: x.isInt}
	case "Unsqueeze", "Squeeze":
		axes := a.ints("axes")
		if len(ins) > 1 && ins[1] != nil {
			axes = ins[1].i
		}
		dims, err := squeezeDims(x.dims, axes, n.GetOpType() == "Unsqueeze")
		if err != nil {
			return true, fmt.Errorf("node %q (%s): %w: %w", n.GetName(), n.GetOpType(), err, ErrMalformed)
		}
		out = &tensorData{dims: dims, f: x.f, i: x.i, isInt: x.isInt}
	case "Transpose":
		perm := a.ints("perm")
		if perm == nil {
			for i := len(x.dims) - 1; i >= 0; i-- {
				perm = append(perm, int64(i))
			}
		}
		t, err := transposeConst(x, perm)
		if err != nil {
			return true, fmt.Errorf("node %q (Transpose): %w: %w", n.GetName(), err, ErrMalformed)
		}
		out = t
	default:
		return false, nil
	}
	im.consts[n.GetOutput()[0]] = out
	return true, nil
}

func castConst(x *tensorData, to pb.TensorProto_DataType) *tensorData {
	switch to {
	case pb.TensorProto_INT64, pb.TensorProto_INT32:
		if x.isInt {
			return x
		}
		out := &tensorData{dims: x.dims, isInt: true, i: make([]int64, len(x.f))}
		for i, v := range x.f {
			out.i[i] = int64(v)
		}
		return out
	}
	if !x.isInt {
		return x
	}
	out := &tensorData{dims: x.dims, f: make([]float32, len(x.i))}
	for i, v := range x.i {
		out.f[i] = float32(v)
	}
	return out
}

// reshapeDims resolves ONNX Reshape's target (0 copies, one -1 infers).
func reshapeDims(in []int, target []int64) ([]int, error) {
	if len(target) > maxRank {
		return nil, fmt.Errorf("reshape target %v has rank above %d", target, maxRank)
	}
	total := prodInts(in)
	out := make([]int, len(target))
	infer := -1
	known := 1
	for i, t := range target {
		switch {
		case t == 0 && i < len(in):
			out[i] = in[i]
		case t == -1 && infer < 0:
			infer = i
			continue
		case t > 0 && t <= maxElements:
			out[i] = int(t)
		default:
			return nil, fmt.Errorf("reshape target %v of %v is invalid", target, in)
		}
		known *= out[i]
		if known > maxElements {
			return nil, fmt.Errorf("reshape target %v is too large", target)
		}
	}
	if infer >= 0 {
		if known == 0 || total%known != 0 {
			return nil, fmt.Errorf("reshape target %v does not fit %v", target, in)
		}
		out[infer] = total / known
		known = total
	}
	if known != total {
		return nil, fmt.Errorf("reshape target %v does not fit %v", target, in)
	}
	return out, nil
}

func squeezeDims(in []int, axes []int64, unsqueeze bool) ([]int, error) {
	r := len(in)
	if unsqueeze {
		r += len(axes)
	}
	if r > maxRank {
		return nil, fmt.Errorf("rank %d is above %d", r, maxRank)
	}
	mark := make([]bool, r)
	for _, a := range axes {
		if a < 0 {
			a += int64(r)
		}
		if a < 0 || a >= int64(r) || mark[a] {
			return nil, fmt.Errorf("axes %v out of range for %v", axes, in)
		}
		mark[a] = true
	}
	var out []int
	if unsqueeze {
		k := 0
		for i := range r {
			if mark[i] {
				out = append(out, 1)
			} else {
				out = append(out, in[k])
				k++
			}
		}
		return out, nil
	}
	for i, d := range in {
		if len(axes) == 0 && d == 1 || mark[i] {
			if d != 1 {
				return nil, fmt.Errorf("axis %d of %v is not 1", i, in)
			}
			continue
		}
		out = append(out, d)
	}
	return out, nil
}

func transposeConst(x *tensorData, perm []int64) (*tensorData, error) {
	r := len(x.dims)
	if len(perm) != r {
		return nil, fmt.Errorf("perm %v for rank %d", perm, r)
	}
	seen := make([]bool, r)
	for _, p := range perm {
		if p < 0 || p >= int64(r) || seen[p] {
			return nil, fmt.Errorf("perm %v is not a permutation", perm)
		}
		seen[p] = true
	}
	out := &tensorData{dims: make([]int, r), isInt: x.isInt}
	for i, p := range perm {
		out.dims[i] = x.dims[p]
	}
	strides := make([]int, r)
	s := 1
	for i := r - 1; i >= 0; i-- {
		strides[i] = s
		s *= x.dims[i]
	}
	n := prodInts(x.dims)
	if x.isInt {
		out.i = make([]int64, n)
	} else {
		out.f = make([]float32, n)
	}
	idx := make([]int, r)
	for k := range n {
		src := 0
		for i := range r {
			src += idx[i] * strides[perm[i]]
		}
		if x.isInt {
			out.i[k] = x.i[src]
		} else {
			out.f[k] = x.f[src]
		}
		for i := r - 1; i >= 0; i-- {
			idx[i]++
			if idx[i] < out.dims[i] {
				break
			}
			idx[i] = 0
		}
	}
	return out, nil
}

// scalarInput returns the node's i-th input as a constant scalar.
func (im *importer) scalarInput(n *pb.NodeProto, i int) (float32, bool) {
	c := im.constant(n, i)
	if c == nil || c.size() != 1 {
		return 0, false
	}
	if c.isInt {
		return float32(c.i[0]), true
	}
	return c.f[0], true
}

func (im *importer) clip(n *pb.NodeProto, a attrs) error {
	lo, hi := float32(math.Inf(-1)), float32(math.Inf(1))
	if im.opset < 11 {
		lo, hi = a.float("min", lo), a.float("max", hi)
	} else {
		for i, p := range []*float32{&lo, &hi} {
			if i+1 < len(n.GetInput()) && n.GetInput()[i+1] != "" {
				v, ok := im.scalarInput(n, i+1)
				if !ok {
					return unsupportedOp(n, "a min or max that is not a constant scalar")
				}
				*p = v
			}
		}
	}
	if lo != 0 || hi <= 0 {
		return unsupportedOp(n, fmt.Sprintf("min=%v max=%v (a ReLU with min 0 and a positive max is read)", lo, hi))
	}
	if math.IsInf(float64(hi), 1) {
		return im.elementwise(n, &layers.ReLU{})
	}
	return im.elementwise(n, &layers.ReLU{MaxValue: hi})
}

func (im *importer) softmax(n *pb.NodeProto, a attrs) error {
	v, err := im.input(n, 0)
	if err != nil {
		return err
	}
	r := len(v.shape())
	def := int64(-1)
	if im.opset < 13 {
		def = 1
	}
	axis := a.int("axis", def)
	if axis < 0 {
		axis += int64(r + 1)
	}
	// Before opset 13 Softmax flattened the axes from axis on: the same
	// as a per-axis softmax only on the last axis.
	if im.opset < 13 && axis != int64(r) {
		return unsupportedOp(n, fmt.Sprintf("opset %d softmax over the axes from %d of a rank-%d tensor", im.opset, axis, r+1))
	}
	k, ok := kerasAxis(axis, r, v.last)
	if !ok {
		return unsupportedOp(n, fmt.Sprintf("axis %d (the batch axis, or out of range)", a.int("axis", def)))
	}
	if n.GetOpType() == "LogSoftmax" {
		if k != r {
			v = im.sem(v)
			if k, _ = kerasAxis(axis, r, false); k != r {
				return unsupportedOp(n, fmt.Sprintf("axis %d: neuron's log_softmax is over the last axis", a.int("axis", def)))
			}
		}
		return im.activation(n, "log_softmax")
	}
	return im.layer(n, &layers.Softmax{Axis: k}, v.last, v)
}

// fusedBias returns the constant added to the node's output by an Add that
// only reads it, when the constant holds one value per channel (along
// channelAxis of a rank-rank tensor, counting the batch axis), and marks
// that Add folded into the node.
func (im *importer) fusedBias(n *pb.NodeProto, channels, channelAxis, rank int) ([]float32, *pb.NodeProto) {
	out := n.GetOutput()[0]
	rs := im.readers[out]
	if len(rs) != 1 || im.outputs[out] || rs[0].GetOpType() != "Add" || len(rs[0].GetInput()) != 2 {
		return nil, nil
	}
	add := rs[0]
	other := add.GetInput()[0]
	if other == out {
		other = add.GetInput()[1]
	}
	c := im.consts[other]
	if c == nil || c.isInt || c.size() != channels {
		return nil, nil
	}
	// The constant must lie along the channel axis once broadcast
	// against the output: aligned at the right, or before opset 7 from
	// the Add's axis when it sets broadcast.
	if len(c.dims) > rank {
		return nil, nil
	}
	start := rank - len(c.dims)
	if aa := attrsOf(add); im.opset < 7 {
		if aa.int("broadcast", 0) == 0 && !slices.Equal(c.dims, im.outShape(n, rank, channelAxis, channels)) {
			return nil, nil
		}
		if _, ok := aa["axis"]; ok && aa.int("broadcast", 0) == 1 {
			start = int(aa.int("axis", 0))
		}
	}
	for i, d := range c.dims {
		if axis := start + i; d != 1 && axis != channelAxis {
			return nil, nil
		}
	}
	return c.f, add
}

func (im *importer) dense(n *pb.NodeProto, a attrs) error {
	x, err := im.input(n, 0)
	if err != nil {
		return err
	}
	w := im.constant(n, 1)
	if w == nil || w.isInt || len(w.dims) != 2 {
		return unsupportedOp(n, "the second input is not a constant matrix (a Dense layer's kernel)")
	}
	x = im.sem(x)
	k, m := w.dims[0], w.dims[1]
	kernel := w.f
	var bias []float32
	var add *pb.NodeProto
	if n.GetOpType() == "Gemm" {
		if a.int("transA", 0) != 0 {
			return unsupportedOp(n, "transA=1")
		}
		if len(x.shape()) != 1 {
			return unsupportedOp(n, fmt.Sprintf("input of shape %v (Gemm takes matrices)", x.shape()))
		}
		if a.int("transB", 0) != 0 {
			t, _ := transposeConst(w, []int64{1, 0})
			kernel, k, m = t.f, m, k
		}
		if alpha := a.float("alpha", 1); alpha != 1 {
			kernel = slices.Clone(kernel)
			for i := range kernel {
				kernel[i] *= alpha
			}
		}
		if len(n.GetInput()) > 2 && n.GetInput()[2] != "" {
			c := im.constant(n, 2)
			if c == nil || c.isInt {
				return unsupportedOp(n, "C is not a constant (a Dense layer's bias)")
			}
			beta := a.float("beta", 1)
			bias = make([]float32, m)
			switch {
			case c.size() == 1:
				for i := range bias {
					bias[i] = beta * c.f[0]
				}
			case c.size() == m && (len(c.dims) == 1 || c.dims[0] == 1):
				for i := range bias {
					bias[i] = beta * c.f[i]
				}
			default:
				return unsupportedOp(n, fmt.Sprintf("C of shape %v (one bias per output is read)", c.dims))
			}
		}
	}
	if x.shape()[len(x.shape())-1] != k {
		return malformed("node %q (%s): input of shape %v, kernel of shape %v", n.GetName(), n.GetOpType(), x.shape(), w.dims)
	}
	if bias == nil {
		bias, add = im.fusedBias(n, m, len(x.shape()), len(x.shape())+1)
	}
	l := &layers.Dense{Units: m, NoBias: bias == nil}
	im.pendings = append(im.pendings, pendingWeight{l, "kernel", kernel})
	if bias != nil {
		im.pendings = append(im.pendings, pendingWeight{l, "bias", bias})
	}
	return im.finishFused(n, add, l, false, x)
}

// finishFused applies l and gives its output to add too, if add was
// folded into it.
func (im *importer) finishFused(n, add *pb.NodeProto, l layers.Layer, last bool, x ival) error {
	target := n
	if add != nil {
		im.fused[add] = true
		// Named after the node, giving the Add's output.
		target = &pb.NodeProto{Name: n.Name, OpType: n.OpType, Output: add.GetOutput()}
	}
	return im.layer(target, l, last, x)
}

// padding turns ONNX's pads (begin…, end…) into Keras's: "valid", "same"
// (TensorFlow's, as ONNX's SAME_UPPER), or "valid" after explicit zero
// padding (returned as pre).
func padding(n *pb.NodeProto, a attrs, in, kernel, strides, dil []int) (mode string, pre []int64, err error) {
	r := len(in)
	switch ap := a.str("auto_pad", "NOTSET"); ap {
	case "SAME_UPPER":
		return "same", nil, nil
	case "VALID":
		return "valid", nil, nil
	case "SAME_LOWER":
		pads := samePads(in, kernel, strides, dil)
		for i := range r {
			pads[i], pads[r+i] = pads[r+i], pads[i]
		}
		return "valid", pads, nil
	case "NOTSET", "":
	default:
		return "", nil, unsupportedOp(n, fmt.Sprintf("auto_pad=%q", ap))
	}
	pads := a.ints("pads")
	if pads == nil {
		return "valid", nil, nil
	}
	if len(pads) != 2*r {
		return "", nil, malformed("node %q (%s): pads %v for %d spatial axes", n.GetName(), n.GetOpType(), pads, r)
	}
	zero := true
	for _, p := range pads {
		if p < 0 || p > maxElements {
			return "", nil, malformed("node %q (%s): pads %v", n.GetName(), n.GetOpType(), pads)
		}
		zero = zero && p == 0
	}
	if zero {
		return "valid", nil, nil
	}
	if slices.Equal(pads, samePads(in, kernel, strides, dil)) {
		return "same", nil, nil
	}
	return "valid", pads, nil
}

func windowInts(a attrs, k string, r int, def int) []int {
	v := a.ints(k)
	out := make([]int, r)
	for i := range out {
		out[i] = def
		if i < len(v) {
			out[i] = int(v[i])
		}
	}
	return out
}

func (im *importer) conv(n *pb.NodeProto, a attrs) error {
	x, err := im.input(n, 0)
	if err != nil {
		return err
	}
	w := im.constant(n, 1)
	if w == nil || w.isInt {
		return unsupportedOp(n, "the weights are not a constant")
	}
	in := x.shape() // (C, spatial…)
	r := len(in) - 1
	if (r != 1 && r != 2) || len(w.dims) != r+2 {
		return unsupportedOp(n, fmt.Sprintf("input of shape %v, weights %v (1D and 2D convolutions are read)", in, w.dims))
	}
	co, cig := w.dims[0], w.dims[1]
	kernel := w.dims[2:]
	strides := windowInts(a, "strides", r, 1)
	dil := windowInts(a, "dilations", r, 1)
	for i, s := range strides {
		if s <= 0 || dil[i] <= 0 || kernel[i] <= 0 {
			return malformed("node %q (Conv): strides %v, dilations %v, kernel %v", n.GetName(), strides, dil, kernel)
		}
	}
	for i := range strides {
		if strides[i] > 1 && slices.ContainsFunc(dil, func(d int) bool { return d > 1 }) {
			return unsupportedOp(n, fmt.Sprintf("strides %v with dilations %v (neuron, as Keras, refuses the two together)", strides, dil))
		}
	}
	group := int(a.int("group", 1))
	if group <= 0 || in[0]%group != 0 || cig*group != in[0] || co%group != 0 {
		return malformed("node %q (Conv): group %d, input channels %d, weights %v", n.GetName(), group, in[0], w.dims)
	}
	mode, pre, err := padding(n, a, in[1:], kernel, strides, dil)
	if err != nil {
		return err
	}
	x = im.chLast(x)
	if pre != nil {
		x, err = im.zeroPad(n, x, pre)
		if err != nil {
			return err
		}
	}
	bias := im.constant(n, 2)
	if len(n.GetInput()) > 2 && n.GetInput()[2] != "" && (bias == nil || bias.isInt || bias.size() != co) {
		return unsupportedOp(n, "a bias that is not a constant of one value per filter")
	}
	var b []float32
	var add *pb.NodeProto
	if bias != nil {
		b = bias.f
	} else {
		b, add = im.fusedBias(n, co, 1, r+2)
	}
	var l layers.Layer
	var wname string
	var kdata []float32
	switch {
	case r == 2 && group == in[0] && group > 1:
		// Depthwise: ONNX's filter c·mult + m reads channel c.
		mult := co / group
		kh, kw := kernel[0], kernel[1]
		kdata = make([]float32, len(w.f))
		for c := range group {
			for m := range mult {
				for i := range kh {
					for j := range kw {
						kdata[((i*kw+j)*group+c)*mult+m] = w.f[((c*mult+m)*kh+i)*kw+j]
					}
				}
			}
		}
		l = &layers.DepthwiseConv2D{KernelSize: [2]int{kh, kw}, Strides: [2]int{strides[0], strides[1]}, Padding: mode,
			DepthMultiplier: mult, DilationRate: [2]int{dil[0], dil[1]}, NoBias: b == nil}
		wname = "kernel"
	case r == 2:
		t, _ := transposeConst(w, []int64{2, 3, 1, 0}) // (O, I, kh, kw) → (kh, kw, I, O)
		kdata = t.f
		l = &layers.Conv2D{Filters: co, KernelSize: [2]int{kernel[0], kernel[1]}, Strides: [2]int{strides[0], strides[1]}, Padding: mode,
			DilationRate: [2]int{dil[0], dil[1]}, Groups: group, NoBias: b == nil}
		wname = "kernel"
	default:
		t, _ := transposeConst(w, []int64{2, 1, 0}) // (O, I, k) → (k, I, O)
		kdata = t.f
		l = &layers.Conv1D{Filters: co, KernelSize: kernel[0], Strides: strides[0], Padding: mode, DilationRate: dil[0], Groups: group, NoBias: b == nil}
		wname = "kernel"
	}
	im.pendings = append(im.pendings, pendingWeight{l, wname, kdata})
	if b != nil {
		im.pendings = append(im.pendings, pendingWeight{l, "bias", b})
	}
	return im.finishFused(n, add, l, true, x)
}

// zeroPad pads a channels-last value with zeros (pads begin…, end… over
// the spatial axes).
func (im *importer) zeroPad(n *pb.NodeProto, x ival, pads []int64) (ival, error) {
	var l layers.Layer
	if len(pads) == 4 {
		l = &layers.ZeroPadding2D{Padding: [2][2]int{{int(pads[0]), int(pads[2])}, {int(pads[1]), int(pads[3])}}}
	} else {
		l = &layers.ZeroPadding1D{Padding: [2]int{int(pads[0]), int(pads[1])}}
	}
	y, ln, err := im.applyNamed(n.GetName()+"_pad", l, x.node)
	if err != nil {
		return ival{}, err
	}
	return ival{node: y, last: true, layer: ln}, nil
}

func (im *importer) pool(n *pb.NodeProto, a attrs) error {
	x, err := im.input(n, 0)
	if err != nil {
		return err
	}
	in := x.shape()
	r := len(in) - 1
	if r != 1 && r != 2 {
		return unsupportedOp(n, fmt.Sprintf("input of shape %v (1D and 2D pooling are read)", in))
	}
	if a.int("storage_order", 0) != 0 || len(n.GetOutput()) > 1 && len(im.readers[n.GetOutput()[1]]) > 0 {
		return unsupportedOp(n, "the indices output")
	}
	kernel := windowInts(a, "kernel_shape", r, 0)
	strides := windowInts(a, "strides", r, 1)
	for i := range r {
		if kernel[i] <= 0 || strides[i] <= 0 {
			return malformed("node %q (%s): kernel_shape %v, strides %v", n.GetName(), n.GetOpType(), kernel, strides)
		}
	}
	for _, d := range a.ints("dilations") {
		if d != 1 {
			return unsupportedOp(n, fmt.Sprintf("dilations %v", a.ints("dilations")))
		}
	}
	mode, pre, err := padding(n, a, in[1:], kernel, strides, []int{1, 1}[:r])
	if err != nil {
		return err
	}
	avg := n.GetOpType() == "AveragePool"
	padMode := mode
	if cm := a.int("ceil_mode", 0); cm != 0 {
		if mode, err = ceilMode(n, a, in[1:], kernel, strides, mode, pre); err != nil {
			return err
		}
	}
	if pre != nil || (avg && padMode == "same" && a.int("count_include_pad", 0) != 0) {
		return unsupportedOp(n, fmt.Sprintf("pads %v (only none or TensorFlow's same padding, without counting the padding, are read)", a.ints("pads")))
	}
	var l layers.Layer
	switch {
	case r == 2 && avg:
		l = &layers.AveragePooling2D{PoolSize: [2]int{kernel[0], kernel[1]}, Strides: [2]int{strides[0], strides[1]}, Padding: mode}
	case r == 2:
		l = &layers.MaxPooling2D{PoolSize: [2]int{kernel[0], kernel[1]}, Strides: [2]int{strides[0], strides[1]}, Padding: mode}
	case avg:
		l = &layers.AveragePooling1D{PoolSize: kernel[0], Strides: strides[0], Padding: mode}
	default:
		l = &layers.MaxPooling1D{PoolSize: kernel[0], Strides: strides[0], Padding: mode}
	}
	return im.layer(n, l, true, x)
}

// ceilMode reads a pooling node's ceil_mode=1: the output size rounds up,
// the last window running past the end of the input over the part of it
// inside. Without padding this is the pooling with no padding when the
// windows fit exactly, and TensorFlow's "same" padding when that pads
// the end only (a pooling that, like ONNX's, reads only the values
// inside the input).
func ceilMode(n *pb.NodeProto, a attrs, in, kernel, strides []int, mode string, pre []int64) (string, error) {
	if mode != "valid" || pre != nil {
		return "", unsupportedOp(n, fmt.Sprintf("ceil_mode=1 with pads %v or auto_pad=%q (ceil_mode=1 is read without padding)", a.ints("pads"), a.str("auto_pad", "NOTSET")))
	}
	floor, same := true, true
	for i, d := range in {
		if d < kernel[i] {
			return "", unsupportedOp(n, fmt.Sprintf("ceil_mode=1 with kernel_shape %v larger than the input %v", kernel, in))
		}
		out := (d-kernel[i]+strides[i]-1)/strides[i] + 1
		// ONNX drops a last window that would start past the input.
		if (out-1)*strides[i] >= d {
			out--
		}
		floor = floor && out == (d-kernel[i])/strides[i]+1
		total := max((out-1)*strides[i]+kernel[i]-d, 0)
		same = same && out == (d+strides[i]-1)/strides[i] && total/2 == 0
	}
	switch {
	case floor:
		return "valid", nil
	case same:
		// Without pads, count_include_pad counts nothing: the part of
		// the last window past the input is not padding.
		return "same", nil
	}
	return "", unsupportedOp(n, fmt.Sprintf("ceil_mode=1 with kernel_shape %v and strides %v on an input of %v (read where it equals no padding or TensorFlow's same padding)", kernel, strides, in))
}

func (im *importer) batchNorm(n *pb.NodeProto, a attrs) error {
	x, err := im.input(n, 0)
	if err != nil {
		return err
	}
	if a.int("training_mode", 0) != 0 || len(n.GetOutput()) > 1 && len(im.readers[n.GetOutput()[1]]) > 0 {
		return unsupportedOp(n, "training_mode=1")
	}
	c := x.shape()[0]
	var ps [4][]float32
	for i := range 4 {
		t := im.constant(n, i+1)
		if t == nil || t.isInt || t.size() != c {
			return unsupportedOp(n, fmt.Sprintf("input %d is not a constant of %d values", i+1, c))
		}
		ps[i] = t.f
	}
	mom := float64(a.float("momentum", 0.9))
	if mom <= 0 || mom >= 1 {
		mom = 0.99 // only used in training; neuron needs (0, 1)
	}
	l := &layers.BatchNormalization{Epsilon: float64(a.float("epsilon", 1e-5)), Momentum: mom}
	for i, w := range []string{"gamma", "beta", "moving_mean", "moving_variance"} {
		im.pendings = append(im.pendings, pendingWeight{l, w, ps[i]})
	}
	return im.layer(n, l, len(x.shape()) > 1, x)
}

func (im *importer) layerNorm(n *pb.NodeProto, a attrs) error {
	x, err := im.input(n, 0)
	if err != nil {
		return err
	}
	for _, o := range n.GetOutput()[1:] {
		if o != "" && (len(im.readers[o]) > 0 || im.outputs[o]) {
			return unsupportedOp(n, "its Mean and InvStdDev outputs are read")
		}
	}
	x = im.sem(x)
	s := x.shape()
	r := len(s) + 1
	axis := a.int("axis", -1)
	if axis < 0 {
		axis += int64(r)
	}
	if axis <= 0 || axis >= int64(r) {
		return unsupportedOp(n, fmt.Sprintf("axis %d", a.int("axis", -1)))
	}
	var axes []int
	for i := int(axis); i < r; i++ {
		axes = append(axes, i)
	}
	norm := prodInts(s[axis-1:])
	l := &layers.LayerNormalization{Axis: axes, Epsilon: float64(a.float("epsilon", 1e-5))}
	scale := im.constant(n, 1)
	if scale == nil || scale.isInt || scale.size() != norm {
		return unsupportedOp(n, "a scale that is not a constant of the normalized shape")
	}
	im.pendings = append(im.pendings, pendingWeight{l, "gamma", scale.f})
	beta := make([]float32, norm)
	if b := im.constant(n, 2); b != nil && !b.isInt && b.size() == norm {
		beta = b.f
	} else if len(n.GetInput()) > 2 && n.GetInput()[2] != "" {
		return unsupportedOp(n, "a bias that is not a constant of the normalized shape")
	}
	im.pendings = append(im.pendings, pendingWeight{l, "beta", beta})
	return im.layer(n, l, false, x)
}

func (im *importer) reshape(n *pb.NodeProto, a attrs) error {
	if sv, ok := im.seqs[n.GetInput()[0]]; ok {
		return im.seqReshape(n, sv)
	}
	x, err := im.input(n, 0)
	if err != nil {
		return err
	}
	t := im.constant(n, 1)
	if im.opset < 5 {
		t = &tensorData{i: a.ints("shape"), isInt: true}
	}
	if t == nil || !t.isInt {
		return unsupportedOp(n, "a shape that is not a constant")
	}
	if a.int("allowzero", 0) != 0 {
		return unsupportedOp(n, "allowzero=1")
	}
	x = im.sem(x)
	s := x.shape()
	if len(t.i) < 2 {
		return unsupportedOp(n, fmt.Sprintf("target %v drops the batch axis", t.i))
	}
	// The first target dimension is the batch axis: 0 (copied), -1, or the
	// file's fixed batch size with the rest holding each example.
	target := make([]int64, 0, len(t.i)-1)
	for i, d := range t.i[1:] {
		if d == 0 {
			if i >= len(s) {
				return malformed("node %q (Reshape): target %v copies a dimension %v lacks", n.GetName(), t.i, s)
			}
			d = int64(s[i])
		}
		target = append(target, d)
	}
	dims, err := reshapeDims(s, target)
	if err != nil {
		return unsupportedOp(n, fmt.Sprintf("target %v for an input of per-example shape %v moves values across the batch axis", t.i, s))
	}
	return im.layer(n, &layers.Reshape{TargetShape: dims}, false, x)
}

func (im *importer) transpose(n *pb.NodeProto, a attrs) error {
	if sv, ok := im.seqs[n.GetInput()[0]]; ok {
		return im.seqTranspose(n, a, sv)
	}
	x, err := im.input(n, 0)
	if err != nil {
		return err
	}
	r := len(x.shape()) + 1
	perm := a.ints("perm")
	if r == 3 && slices.Equal(perm, []int64{1, 0, 2}) {
		// Time-major for a recurrent node after it.
		im.seqs[n.GetOutput()[0]] = seqVal{kind: timeMajor, node: im.sem(x).node}
		return nil
	}
	if perm == nil || len(perm) != r || perm[0] != 0 {
		return unsupportedOp(n, fmt.Sprintf("perm %v moves the batch axis", perm))
	}
	toLast := []int64{0}
	toFirst := []int64{0, int64(r - 1)}
	for i := 2; i < r; i++ {
		toLast = append(toLast, int64(i))
	}
	toLast = append(toLast, 1)
	for i := 1; i < r-1; i++ {
		toFirst = append(toFirst, int64(i))
	}
	// Moving channels last (or back) is only a change of how the neuron
	// tensor is read.
	switch {
	case r > 2 && x.last && slices.Equal(perm, toLast):
		im.set(n, ival{node: x.node, layer: x.layer})
		return nil
	case r > 2 && !x.last && slices.Equal(perm, toFirst):
		im.set(n, ival{node: x.node, last: true, layer: x.layer})
		return nil
	}
	dims := make([]int, r-1)
	for i, p := range perm[1:] {
		if p <= 0 || p >= int64(r) {
			return malformed("node %q (Transpose): perm %v", n.GetName(), perm)
		}
		dims[i] = int(p)
	}
	return im.layer(n, &layers.Permute{Dims: dims}, false, x)
}

func (im *importer) concat(n *pb.NodeProto, a attrs) error {
	var xs []ival
	last := true
	for i := range n.GetInput() {
		v, err := im.input(n, i)
		if err != nil {
			return err
		}
		xs = append(xs, v)
		last = last && v.last && len(v.shape()) == len(xs[0].shape())
	}
	if len(xs) < 2 {
		return unsupportedOp(n, "fewer than two inputs")
	}
	axis, ok := kerasAxis(a.int("axis", 0), len(xs[0].shape()), last)
	if !ok {
		return unsupportedOp(n, fmt.Sprintf("axis %d (the batch axis, or out of range)", a.int("axis", 0)))
	}
	return im.layer(n, &layers.Concatenate{Axis: axis}, last, xs...)
}

func (im *importer) arith(n *pb.NodeProto) error {
	op := n.GetOpType()
	if len(n.GetInput()) != 2 {
		return malformed("node %q (%s) has %d inputs", n.GetName(), op, len(n.GetInput()))
	}
	c0, c1 := im.constant(n, 0), im.constant(n, 1)
	if c0 == nil && c1 == nil {
		x, err := im.input(n, 0)
		if err != nil {
			return err
		}
		y, err := im.input(n, 1)
		if err != nil {
			return err
		}
		last := x.last && y.last
		var l layers.MultiLayer
		switch op {
		case "Add":
			l = &layers.Add{}
		case "Sub":
			l = &layers.Subtract{}
		case "Mul":
			l = &layers.Multiply{}
		default:
			return unsupportedOp(n, "division of two tensors")
		}
		return im.layer(n, l, last, x, y)
	}
	// One constant operand: a scalar is a Rescaling.
	ci, c := 1, c1
	if c == nil {
		ci, c = 0, c0
	}
	if c.size() != 1 || c.isInt {
		return unsupportedOp(n, fmt.Sprintf("a constant operand of shape %v (a scalar, or a bias after Conv, Gemm or MatMul, is read)", c.dims))
	}
	v, err := im.input(n, 1-ci)
	if err != nil {
		return err
	}
	k := c.f[0]
	var l *layers.Rescaling
	switch {
	case op == "Add":
		l = &layers.Rescaling{Scale: 1, Offset: k}
	case op == "Sub" && ci == 1:
		l = &layers.Rescaling{Scale: 1, Offset: -k}
	case op == "Sub":
		l = &layers.Rescaling{Scale: -1, Offset: k}
	case op == "Mul":
		l = &layers.Rescaling{Scale: k}
	case op == "Div" && ci == 1 && k != 0:
		l = &layers.Rescaling{Scale: 1 / k}
	default:
		return unsupportedOp(n, "division by a tensor")
	}
	return im.layer(n, l, v.last, v)
}

// variadic reads Max, Min, Sum and Mean of two or more tensors.
func (im *importer) variadic(n *pb.NodeProto) error {
	var xs []ival
	last := true
	for i := range n.GetInput() {
		v, err := im.input(n, i)
		if err != nil {
			return err
		}
		xs = append(xs, v)
		last = last && v.last
	}
	if len(xs) == 1 {
		im.set(n, xs[0])
		return nil
	}
	var l layers.MultiLayer
	switch n.GetOpType() {
	case "Max":
		l = &layers.Maximum{}
	case "Min":
		l = &layers.Minimum{}
	case "Sum":
		l = &layers.Add{}
	default:
		l = &layers.Average{}
	}
	return im.layer(n, l, last, xs...)
}

// reduce reads ReduceMean and ReduceMax over every spatial axis: global
// pooling.
func (im *importer) reduce(n *pb.NodeProto, a attrs) error {
	v, err := im.input(n, 0)
	if err != nil {
		return err
	}
	s := v.shape()
	r := len(s) + 1
	axes := a.ints("axes")
	if len(n.GetInput()) > 1 && n.GetInput()[1] != "" {
		c := im.constant(n, 1)
		if c == nil || !c.isInt {
			return unsupportedOp(n, "axes that are not a constant")
		}
		axes = c.i
	}
	norm := make([]int64, len(axes))
	for i, ax := range axes {
		if ax < 0 {
			ax += int64(r)
		}
		norm[i] = ax
	}
	slices.Sort(norm)
	keep := a.int("keepdims", 1) == 1
	// The reduced axes must be the spatial ones of a channels-first tensor
	// (2…r-1) or of a channels-last one (1…r-2).
	var first, lastAxes []int64
	for i := 2; i < r; i++ {
		first = append(first, int64(i))
		lastAxes = append(lastAxes, int64(i-1))
	}
	var physLast bool // the channels-last node to pool
	var x ival
	switch {
	case r == 3 || r == 4:
		switch {
		case slices.Equal(norm, first):
			x, physLast = im.chLast(v), true
		case slices.Equal(norm, lastAxes):
			x = im.sem(v)
		default:
			return unsupportedOp(n, fmt.Sprintf("axes %v of a rank-%d tensor (global pooling over the spatial axes is read)", axes, r))
		}
	default:
		return unsupportedOp(n, fmt.Sprintf("a rank-%d input (global pooling of 1D and 2D data is read)", r))
	}
	avg := n.GetOpType() == "ReduceMean"
	var l layers.Layer
	switch {
	case r == 4 && avg:
		l = &layers.GlobalAveragePooling2D{KeepDims: keep}
	case r == 4:
		l = &layers.GlobalMaxPooling2D{KeepDims: keep}
	case avg:
		l = &layers.GlobalAveragePooling1D{KeepDims: keep}
	default:
		l = &layers.GlobalMaxPooling1D{KeepDims: keep}
	}
	// The node is pooled as it is: layer() must not move its axes.
	return im.layerAs(n, l, x, physLast && keep)
}

// prelu reads PRelu with a constant slope: one for all, one per value of
// an example, or one per channel.
func (im *importer) prelu(n *pb.NodeProto) error {
	v, err := im.input(n, 0)
	if err != nil {
		return err
	}
	c := im.constant(n, 1)
	if c == nil || c.isInt {
		return unsupportedOp(n, "a slope that is not a constant")
	}
	s := v.shape()
	r := len(s)
	all := make([]int, r)
	for i := range all {
		all[i] = i + 1
	}
	trailing := func(want []int) bool {
		d := c.dims
		for len(d) > len(want) && d[0] == 1 {
			d = d[1:]
		}
		return slices.Equal(d, want)
	}
	// Slopes broadcast against an example from the right (before opset 7,
	// a slope of one value per channel was per channel).
	if im.opset >= 7 && c.size() > 1 {
		d := c.dims
		for len(d) > len(s) && d[0] == 1 {
			d = d[1:]
		}
		if len(d) <= len(s) && c.size() > 1 {
			var shared []int
			ok := true
			for i := range s {
				j := i - (len(s) - len(d))
				switch {
				case j < 0 || d[j] == 1:
					shared = append(shared, i+1)
				case d[j] != s[i]:
					ok = false
				}
			}
			if ok {
				l := &layers.PReLU{SharedAxes: shared}
				im.pendings = append(im.pendings, pendingWeight{l, "alpha", c.f})
				return im.layer(n, l, false, v)
			}
		}
	}
	switch {
	case c.size() == 1:
		l := &layers.PReLU{SharedAxes: all}
		im.pendings = append(im.pendings, pendingWeight{l, "alpha", c.f})
		return im.layer(n, l, v.last, v)
	case trailing(s):
		l := &layers.PReLU{}
		im.pendings = append(im.pendings, pendingWeight{l, "alpha", c.f})
		return im.layer(n, l, false, v)
	case r >= 2 && c.size() == s[0] && (im.opset < 7 || trailing(append([]int{s[0]}, fill1(r-1)...))):
		l := &layers.PReLU{SharedAxes: all[:r-1]}
		im.pendings = append(im.pendings, pendingWeight{l, "alpha", c.f})
		return im.layer(n, l, true, v)
	}
	return unsupportedOp(n, fmt.Sprintf("a slope of shape %v for an input of shape %v", c.dims, s))
}

func fill1(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = 1
	}
	return s
}

// squeeze reads Squeeze and Unsqueeze of axes other than the batch axis
// as a Reshape.
func (im *importer) squeeze(n *pb.NodeProto, a attrs) error {
	if sv, ok := im.seqs[n.GetInput()[0]]; ok {
		return im.seqSqueeze(n, a, sv)
	}
	v, err := im.input(n, 0)
	if err != nil {
		return err
	}
	axes := a.ints("axes")
	if len(n.GetInput()) > 1 && n.GetInput()[1] != "" {
		c := im.constant(n, 1)
		if c == nil || !c.isInt {
			return unsupportedOp(n, "axes that are not a constant")
		}
		axes = c.i
	}
	v = im.sem(v)
	s := v.shape()
	un := n.GetOpType() == "Unsqueeze"
	r := len(s) + 1
	if un {
		r += len(axes)
	}
	if len(axes) == 0 && !un {
		for i, d := range s {
			if d == 1 {
				axes = append(axes, int64(i+1))
			}
		}
	}
	per := make([]int64, len(axes))
	for i, ax := range axes {
		if ax < 0 {
			ax += int64(r)
		}
		if ax <= 0 {
			return unsupportedOp(n, fmt.Sprintf("axes %v include the batch axis", axes))
		}
		per[i] = ax - 1
	}
	dims, err := squeezeDims(s, per, un)
	if err != nil {
		return malformed("node %q (%s): %v", n.GetName(), n.GetOpType(), err)
	}
	if len(dims) == 0 {
		return unsupportedOp(n, "a result with only the batch axis")
	}
	return im.layer(n, &layers.Reshape{TargetShape: dims}, false, v)
}

// outShape is the shape of a fused bias that matches a node's output
// exactly, as Add without broadcast needs before opset 7: one value per
// channel, 1 elsewhere, batch axis 1.
func (im *importer) outShape(_ *pb.NodeProto, rank, channelAxis, channels int) []int {
	s := fill1(rank)
	s[channelAxis] = channels
	return s
}

// symbolic follows the computations of a batch-sized zero state (Shape,
// Gather, Unsqueeze, Concat, ConstantOfShape) without layers; it reports
// whether it took the node.
func (im *importer) symbolic(n *pb.NodeProto) (bool, error) {
	op := n.GetOpType()
	if op == "Shape" {
		if _, seq := im.seqs[n.GetInput()[0]]; !seq || len(n.GetInput()) != 1 {
			if _, err := im.input(n, 0); err != nil {
				return true, err
			}
		}
		im.syms[n.GetOutput()[0]] = true
		return true, nil
	}
	sym := false
	for _, in := range n.GetInput() {
		sym = sym || im.syms[in]
	}
	if !sym {
		return false, nil
	}
	switch op {
	case "Gather", "Unsqueeze", "Squeeze", "Concat", "Cast", "Slice", "Identity":
		im.syms[n.GetOutput()[0]] = true
		return true, nil
	case "ConstantOfShape":
		if at, ok := attrsOf(n)["value"]; ok {
			td, err := decodeTensor(at.GetT(), nil)
			if err != nil || td.size() != 1 || (td.isInt && td.i[0] != 0) || (!td.isInt && td.f[0] != 0) {
				return true, unsupportedOp(n, "a run-time shaped tensor that is not zeros")
			}
		}
		im.zeros[n.GetOutput()[0]] = true
		return true, nil
	}
	return true, unsupportedOp(n, "an input computed from a tensor's shape at run time")
}

// convTranspose reads a 2D ConvTranspose whose padding is Keras's
// "valid" (with output_padding) or TensorFlow's "same".
func (im *importer) convTranspose(n *pb.NodeProto, a attrs) error {
	x, err := im.input(n, 0)
	if err != nil {
		return err
	}
	w := im.constant(n, 1)
	in := x.shape()
	if w == nil || w.isInt || len(w.dims) != 4 || len(in) != 3 || w.dims[0] != in[0] {
		return unsupportedOp(n, "weights that are not a constant of a 2D transposed convolution")
	}
	if a.int("group", 1) != 1 || a["output_shape"] != nil {
		return unsupportedOp(n, "group or output_shape")
	}
	if ap := a.str("auto_pad", "NOTSET"); ap != "NOTSET" && ap != "" {
		return unsupportedOp(n, fmt.Sprintf("auto_pad=%q", ap))
	}
	filters := w.dims[1]
	ks := w.dims[2:]
	strides := windowInts(a, "strides", 2, 1)
	dil := windowInts(a, "dilations", 2, 1)
	pads := windowInts(a, "pads", 4, 0)
	op := windowInts(a, "output_padding", 2, 0)
	mode := ""
	var outPad []int
	var crop []int // pads that are neither: a valid output cropped after
	for i := range 2 {
		if strides[i] <= 0 || dil[i] <= 0 || ks[i] <= 0 || op[i] < 0 || pads[i] < 0 || pads[2+i] < 0 {
			return malformed("node %q (ConvTranspose): strides %v, dilations %v, pads %v, output_padding %v", n.GetName(), strides, dil, pads, op)
		}
		k := (ks[i]-1)*dil[i] + 1
		total := k - strides[i]
		m := ""
		switch {
		case pads[i] == 0 && pads[2+i] == 0:
			m = "valid"
		case op[i] == 0 && total > 0 && pads[i] == total/2 && pads[2+i] == total-total/2:
			m = "same"
		default:
			m = "crop"
		}
		if mode != "" && m != mode {
			m = "crop"
		}
		mode = m
		if op[i] >= strides[i] {
			return unsupportedOp(n, fmt.Sprintf("output_padding %v not below strides %v", op, strides))
		}
		// Keras's valid output without output_padding is in·stride when
		// the kernel is shorter than the stride: say 0 to get ONNX's.
		if mode == "valid" && (op[i] != 0 || k < strides[i]) {
			outPad = op
		}
	}
	if mode == "crop" {
		// ONNX crops pads from the full output (output_padding included).
		mode, outPad, crop = "valid", op, pads
	}
	// (in, filters, kh, kw) → Keras's (kh, kw, filters, in).
	t, _ := transposeConst(w, []int64{2, 3, 1, 0})
	bias := im.constant(n, 2)
	if len(n.GetInput()) > 2 && n.GetInput()[2] != "" && (bias == nil || bias.isInt || bias.size() != filters) {
		return unsupportedOp(n, "a bias that is not a constant of one value per filter")
	}
	l := &layers.Conv2DTranspose{Filters: filters, KernelSize: [2]int{ks[0], ks[1]}, Strides: [2]int{strides[0], strides[1]},
		Padding: mode, OutputPadding: outPad, DilationRate: [2]int{dil[0], dil[1]}, NoBias: bias == nil}
	im.pendings = append(im.pendings, pendingWeight{l, "kernel", t.f})
	if bias != nil {
		im.pendings = append(im.pendings, pendingWeight{l, "bias", bias.f})
	}
	if crop == nil {
		return im.layer(n, l, true, x)
	}
	y, ln, err := im.applyNamed(n.GetName()+"_full", l, im.chLast(x).node)
	if err != nil {
		return err
	}
	c := &layers.Cropping2D{Cropping: [2][2]int{{crop[0], crop[2]}, {crop[1], crop[3]}}}
	return im.layerAs(n, c, ival{node: y, last: true, layer: ln}, true)
}
