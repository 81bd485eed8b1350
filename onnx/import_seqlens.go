package onnx

import (
	"fmt"
	"math"
	"slices"

	"github.com/neuron-go/neuron/onnx/internal/pb"
)

// A recurrent node's sequence_lens is read back as the mask of an
// Embedding with mask_zero=True when it is the pattern neuron's export
// writes for one (export_layers.go, stepMask): the lengths count the
// indices that are not 0, the input steps are gathered so that each
// example's valid steps come first (a TopK on the mask), and the output
// steps Y are gathered back to Keras's steps after. Those nodes stand for
// what Keras's masked recurrence does by itself, so the importer drops
// them: the Gather becomes an Embedding with MaskZero, the recurrent
// layer takes the sequence itself, and its outputs are read as they are.
// Any other sequence_lens (a graph input, a constant, lengths computed
// otherwise) is refused with an error naming the node and the input.

// seqLensMatch is a recurrent node whose sequence_lens matched.
type seqLensMatch struct {
	gather *pb.NodeProto // the Embedding's Gather
}

// matchSeqLens finds the pattern for each recurrent node that has a
// sequence_lens, before the nodes are read: it marks the pattern's nodes
// fused, points the readers of the gathered tensors at the tensors
// themselves, and records the node in im.seqLens; a sequence_lens that
// does not match is an error.
func (im *importer) matchSeqLens(g *pb.GraphProto) error {
	producer := map[string]*pb.NodeProto{}
	for _, n := range g.GetNode() {
		for _, o := range n.GetOutput() {
			producer[o] = n
		}
	}
	graphInputs := map[string]bool{}
	for _, in := range g.GetInput() {
		graphInputs[in.GetName()] = true
	}
	matched := false
	for _, n := range g.GetNode() {
		switch n.GetOpType() {
		case "LSTM", "GRU", "RNN":
		default:
			continue
		}
		if n.GetDomain() != "" || len(n.GetInput()) <= 4 || n.GetInput()[4] == "" {
			continue
		}
		lens := n.GetInput()[4]
		if graphInputs[lens] {
			return seqLensInput(n)
		}
		m := &seqLensMatcher{im: im, producer: producer}
		match, err := m.match(n)
		if err != nil {
			return unsupportedOp(n, fmt.Sprintf("input 4, sequence_lens, is %q, which is not the mask of an Embedding with mask_zero=True as neuron's export writes it (%s)", lens, err))
		}
		for _, f := range m.fused {
			im.fused[f] = true
		}
		for _, r := range m.renames {
			r.node.Input[r.input] = r.to
		}
		n.Input[4] = ""
		im.seqLens[n] = match
		im.maskZero[match.gather] = true
		matched = true
	}
	if !matched {
		return nil
	}
	// The readers without the nodes dropped; a value of the pattern read
	// by any other node is refused.
	clear(im.readers)
	for _, n := range g.GetNode() {
		if im.fused[n] {
			continue
		}
		for _, in := range n.GetInput() {
			im.readers[in] = append(im.readers[in], n)
		}
	}
	for _, n := range g.GetNode() {
		if !im.fused[n] || n.GetOpType() == "Constant" {
			continue
		}
		for _, o := range n.GetOutput() {
			if im.outputs[o] {
				return fmt.Errorf("onnx: node %q (%s): its output %q is a graph output, but it belongs to the sequence_lens mask of a recurrent node, which neuron reads as an Embedding's mask: %w", n.GetName(), n.GetOpType(), o, ErrUnsupportedOp)
			}
			if rs := im.readers[o]; len(rs) > 0 {
				return fmt.Errorf("onnx: node %q (%s): its output %q belongs to the sequence_lens mask of a recurrent node, which neuron reads as an Embedding's mask, and node %q (%s) reads it too: %w", n.GetName(), n.GetOpType(), o, rs[0].GetName(), rs[0].GetOpType(), ErrUnsupportedOp)
			}
		}
	}
	return nil
}

// seqLensInput is the error for a recurrent node n whose sequence_lens
// is a graph input.
func seqLensInput(n *pb.NodeProto) error {
	return unsupportedOp(n, fmt.Sprintf("input 4, sequence_lens, is the graph input %q: neuron's recurrent layers skip padding by a mask (an Embedding with mask_zero=True, or Masking), not by lengths given as an input", n.GetInput()[4]))
}

// seqLensMatcher matches one recurrent node's sequence_lens pattern,
// collecting the nodes to drop and the inputs to point elsewhere.
type seqLensMatcher struct {
	im       *importer
	producer map[string]*pb.NodeProto
	fused    []*pb.NodeProto
	renames  []rename
}

type rename struct {
	node  *pb.NodeProto
	input int
	to    string
}

// node returns the producer of name if it is an op of the default domain
// (and takes it into the nodes to drop).
func (m *seqLensMatcher) node(name, op string) (*pb.NodeProto, error) {
	p := m.producer[name]
	if p == nil || p.GetOpType() != op || p.GetDomain() != "" {
		got := "no node"
		if p != nil {
			got = p.GetOpType()
		}
		return nil, fmt.Errorf("%q is made by %s, not %s", name, got, op)
	}
	m.fused = append(m.fused, p)
	return p, nil
}

// only returns the one reader of name, of the op given.
func (m *seqLensMatcher) only(name, op string) (*pb.NodeProto, error) {
	rs := m.im.readers[name]
	if len(rs) != 1 || rs[0].GetOpType() != op || rs[0].GetDomain() != "" || m.im.outputs[name] {
		return nil, fmt.Errorf("%q is not read by one %s alone", name, op)
	}
	m.fused = append(m.fused, rs[0])
	return rs[0], nil
}

func (m *seqLensMatcher) ints(name string) ([]int64, bool) {
	c := m.im.consts[name]
	if c == nil || !c.isInt {
		return nil, false
	}
	return c.i, true
}

func (m *seqLensMatcher) floats(name string) ([]float32, bool) {
	c := m.im.consts[name]
	if c == nil || c.isInt {
		return nil, false
	}
	return c.f, true
}

// axes reads the axes of an Unsqueeze or ReduceSum: the input from opset
// 13, the attribute before.
func (m *seqLensMatcher) axes(n *pb.NodeProto) []int64 {
	if len(n.GetInput()) > 1 && n.GetInput()[1] != "" {
		v, _ := m.ints(n.GetInput()[1])
		return v
	}
	return attrsOf(n).ints("axes")
}

func (m *seqLensMatcher) cast(name string, to pb.TensorProto_DataType) (string, error) {
	c, err := m.node(name, "Cast")
	if err != nil {
		return "", err
	}
	if got := attrsOf(c).int("to", 0); got != int64(to) {
		return "", fmt.Errorf("%q is a cast to %v, not %v", name, pb.TensorProto_DataType(got), to)
	}
	return c.GetInput()[0], nil
}

func in(n *pb.NodeProto, count int) ([]string, error) {
	if len(n.GetInput()) < count {
		return nil, fmt.Errorf("node %q (%s) has %d inputs", n.GetName(), n.GetOpType(), len(n.GetInput()))
	}
	return n.GetInput(), nil
}

// match matches node n's pattern.
func (m *seqLensMatcher) match(n *pb.NodeProto) (*seqLensMatch, error) {
	a := attrsOf(n)
	// sequence_lens = Cast(ReduceSum(Cast(mask, int64), axes=[1]), int32).
	s, err := m.cast(n.GetInput()[4], pb.TensorProto_INT32)
	if err != nil {
		return nil, err
	}
	rs, err := m.node(s, "ReduceSum")
	if err != nil {
		return nil, err
	}
	if !slices.Equal(m.axes(rs), []int64{1}) || attrsOf(rs).int("keepdims", 1) != 0 {
		return nil, fmt.Errorf("the lengths are not a ReduceSum over the steps (axes [1], keepdims 0)")
	}
	mi := rs.GetInput()[0]
	mask, err := m.cast(mi, pb.TensorProto_INT64)
	if err != nil {
		return nil, err
	}
	// mask = Not(Equal(indices, 0)), the indices an Embedding's Gather reads.
	not, err := m.node(mask, "Not")
	if err != nil {
		return nil, err
	}
	eq, err := m.node(not.GetInput()[0], "Equal")
	if err != nil {
		return nil, err
	}
	ei, err := in(eq, 2)
	if err != nil {
		return nil, err
	}
	if z, ok := m.im.consts[ei[1]]; !ok || z.size() != 1 || !isZeros(z) {
		return nil, fmt.Errorf("the mask compares the indices with %q, not with 0", ei[1])
	}
	var gather *pb.NodeProto
	for _, r := range m.im.readers[ei[0]] {
		if r.GetOpType() == "Gather" && r.GetDomain() == "" && len(r.GetInput()) == 2 && r.GetInput()[1] == ei[0] && attrsOf(r).int("axis", 0) == 0 {
			if t := m.im.consts[r.GetInput()[0]]; t != nil && !t.isInt && len(t.dims) == 2 {
				gather = r
			}
		}
	}
	if gather == nil {
		return nil, fmt.Errorf("the indices %q compared with 0 are not those of an embedding's Gather", ei[0])
	}
	// X = Transpose(GatherElements(x, Expand(Unsqueeze(order, [2]), [1, 1, F])), [1, 0, 2]).
	tr := m.producer[n.GetInput()[0]]
	if tr == nil || tr.GetOpType() != "Transpose" || !slices.Equal(attrsOf(tr).ints("perm"), []int64{1, 0, 2}) || a.int("layout", 0) != 0 {
		return nil, fmt.Errorf("the input X is not a Transpose of batch-major steps")
	}
	ge, err := m.node(tr.GetInput()[0], "GatherElements")
	if err != nil {
		return nil, err
	}
	gi, err := in(ge, 2)
	if err != nil {
		return nil, err
	}
	x := gi[0]
	order, feat, err := m.gatherIndex(ge, 1)
	if err != nil {
		return nil, err
	}
	if len(feat) != 1 {
		return nil, fmt.Errorf("the steps of X are gathered for %d axes of values, not 1", len(feat))
	}
	topk := m.producer[order]
	if topk == nil || topk.GetOpType() != "TopK" || len(topk.GetOutput()) != 2 || topk.GetOutput()[1] != order {
		return nil, fmt.Errorf("the order of the steps is not a TopK's indices")
	}
	m.fused = append(m.fused, topk)
	ta := attrsOf(topk)
	ti, err := in(topk, 2)
	if err != nil {
		return nil, err
	}
	k, ok := m.ints(ti[1])
	if !ok || len(k) != 1 || ta.int("axis", -1) != 1 || ta.int("largest", 1) != 0 || ta.int("sorted", 1) != 1 {
		return nil, fmt.Errorf("the TopK is not an ascending sort of the steps")
	}
	steps := k[0]
	// key = (1 − Cast(mask, float))·steps + positions.
	add, err := m.node(ti[0], "Add")
	if err != nil {
		return nil, err
	}
	ai, err := in(add, 2)
	if err != nil {
		return nil, err
	}
	pos, ok := m.floats(ai[1])
	if !ok || int64(len(pos)) != steps {
		return nil, fmt.Errorf("the sort key does not add the step positions")
	}
	for i, p := range pos {
		if p != float32(i) {
			return nil, fmt.Errorf("the sort key adds positions %v", pos)
		}
	}
	mul, err := m.node(ai[0], "Mul")
	if err != nil {
		return nil, err
	}
	mui, err := in(mul, 2)
	if err != nil {
		return nil, err
	}
	if v, ok := m.floats(mui[1]); !ok || len(v) != 1 || v[0] != float32(steps) {
		return nil, fmt.Errorf("the sort key does not put the masked steps last")
	}
	sub, err := m.node(mui[0], "Sub")
	if err != nil {
		return nil, err
	}
	si, err := in(sub, 2)
	if err != nil {
		return nil, err
	}
	if v, ok := m.floats(si[0]); !ok || len(v) != 1 || v[0] != 1 {
		return nil, fmt.Errorf("the sort key does not take 1 − mask")
	}
	if src, err := m.cast(si[1], pb.TensorProto_FLOAT); err != nil || src != mask {
		return nil, fmt.Errorf("the sort key is not made from the mask the lengths count")
	}
	m.renames = append(m.renames, rename{tr, 0, x})
	if err := m.carriesMask(x, gather, 0); err != nil {
		return nil, err
	}
	// Y, gathered back to Keras's steps: Transpose(Y, [2, 0, 1, 3]) →
	// Pad → GatherElements by the cumulated mask (→ Mul by the mask for
	// two directions).
	out := n.GetOutput()
	if len(out) > 0 && out[0] != "" && (len(m.im.readers[out[0]]) > 0 || m.im.outputs[out[0]]) {
		dirs := 1
		dir := a.str("direction", "forward")
		if dir == "bidirectional" {
			dirs = 2
		}
		rs := m.im.readers[out[0]]
		if len(rs) != 1 || rs[0].GetOpType() != "Transpose" || !slices.Equal(attrsOf(rs[0]).ints("perm"), []int64{2, 0, 1, 3}) || m.im.outputs[out[0]] {
			return nil, fmt.Errorf("the output Y is not read by one Transpose to batch-major steps")
		}
		t1 := rs[0].GetOutput()[0]
		pad, err := m.only(t1, "Pad")
		if err != nil {
			return nil, err
		}
		pi, err := in(pad, 3)
		if err != nil {
			return nil, err
		}
		want := []int64{0, 1, 0, 0, 0, 0, 0, 0}
		if dir == "reverse" {
			want = []int64{0, 0, 0, 0, 0, 1, 0, 0}
		}
		if p, ok := m.ints(pi[1]); !ok || !slices.Equal(p, want) || attrsOf(pad).str("mode", "constant") != "constant" {
			return nil, fmt.Errorf("the output Y is not padded with one step of zeros")
		}
		if z, ok := m.im.consts[pi[2]]; !ok || !isZeros(z) {
			return nil, fmt.Errorf("the output Y is not padded with zeros")
		}
		back, err := m.only(pad.GetOutput()[0], "GatherElements")
		if err != nil {
			return nil, err
		}
		idx, width, err := m.gatherIndex(back, 2)
		if err != nil {
			return nil, err
		}
		if len(width) != 2 || width[0] != int64(dirs) {
			return nil, fmt.Errorf("the steps of Y are gathered for %v values", width)
		}
		cs := idx
		if dir == "reverse" {
			sl, err := m.node(idx, "Slice")
			if err != nil {
				return nil, err
			}
			si, err := in(sl, 5)
			if err != nil {
				return nil, err
			}
			st, _ := m.ints(si[1])
			en, _ := m.ints(si[2])
			ax, _ := m.ints(si[3])
			sp, _ := m.ints(si[4])
			if !slices.Equal(st, []int64{-1}) || !slices.Equal(en, []int64{math.MinInt64}) || !slices.Equal(ax, []int64{1}) || !slices.Equal(sp, []int64{-1}) {
				return nil, fmt.Errorf("the steps of a reverse Y are not read from the end")
			}
			cs = si[0]
		}
		cum, err := m.node(cs, "CumSum")
		if err != nil {
			return nil, err
		}
		ci, err := in(cum, 2)
		if err != nil {
			return nil, err
		}
		excl := int64(0)
		if dir == "reverse" {
			excl = 1
		}
		if ax, ok := m.ints(ci[1]); !ok || len(ax) != 1 || ax[0] != 1 || ci[0] != mi || attrsOf(cum).int("exclusive", 0) != excl || attrsOf(cum).int("reverse", 0) != 0 {
			return nil, fmt.Errorf("the steps of Y are not gathered by the cumulated mask")
		}
		final := back.GetOutput()[0]
		if dirs == 2 {
			mm, err := m.only(final, "Mul")
			if err != nil {
				return nil, err
			}
			mmi, err := in(mm, 2)
			if err != nil {
				return nil, err
			}
			u, err := m.node(mmi[1], "Unsqueeze")
			if err != nil {
				return nil, err
			}
			if !slices.Equal(m.axes(u), []int64{2, 3}) {
				return nil, fmt.Errorf("the mask of the steps is not unsqueezed over the directions and units")
			}
			if src, err := m.cast(u.GetInput()[0], pb.TensorProto_FLOAT); err != nil || src != mi || mmi[0] != final {
				return nil, fmt.Errorf("a bidirectional Y is not multiplied by its mask")
			}
			final = mm.GetOutput()[0]
		}
		if m.im.outputs[final] {
			return nil, fmt.Errorf("the output Y gathered back to its steps is a graph output")
		}
		for _, r := range m.im.readers[final] {
			for i, s := range r.GetInput() {
				if s == final {
					m.renames = append(m.renames, rename{r, i, t1})
				}
			}
		}
	}
	return &seqLensMatch{gather: gather}, nil
}

// gatherIndex reads the index of a GatherElements along axis 1:
// Expand(Unsqueeze(idx, axes), [1, 1, width…]) with axes 2… for the
// widths; it returns idx and the widths.
func (m *seqLensMatcher) gatherIndex(ge *pb.NodeProto, widths int) (string, []int64, error) {
	if attrsOf(ge).int("axis", 0) != 1 {
		return "", nil, fmt.Errorf("the steps are not gathered along axis 1")
	}
	gi, err := in(ge, 2)
	if err != nil {
		return "", nil, err
	}
	ex, err := m.node(gi[1], "Expand")
	if err != nil {
		return "", nil, err
	}
	ei, err := in(ex, 2)
	if err != nil {
		return "", nil, err
	}
	shape, ok := m.ints(ei[1])
	if !ok || len(shape) != 2+widths || shape[0] != 1 || shape[1] != 1 {
		return "", nil, fmt.Errorf("the index of the steps is not expanded over the values")
	}
	u, err := m.node(ei[0], "Unsqueeze")
	if err != nil {
		return "", nil, err
	}
	want := []int64{}
	for i := range widths {
		want = append(want, int64(2+i))
	}
	if !slices.Equal(m.axes(u), want) {
		return "", nil, fmt.Errorf("the index of the steps is unsqueezed on axes %v", m.axes(u))
	}
	return u.GetInput()[0], shape[2:], nil
}

// carriesMask checks that x, the recurrent node's input, carries in
// neuron the mask of gather's Embedding: it is the Embedding's output, or
// made from it by layers that pass masks on (activations, Identity,
// Dropout), or the sequence output of a recurrent node masked by the
// same Embedding (which keeps the mask with return_sequences).
func (m *seqLensMatcher) carriesMask(x string, gather *pb.NodeProto, depth int) error {
	if x == gather.GetOutput()[0] {
		return nil
	}
	p := m.producer[x]
	fail := fmt.Errorf("the recurrent node's input %q does not carry the Embedding's mask in neuron (it is made from the Embedding's output only through activations, Identity, Dropout and masked recurrent sequences)", x)
	if p == nil || p.GetDomain() != "" || depth > 64 || len(p.GetInput()) == 0 {
		return fail
	}
	switch p.GetOpType() {
	case "Identity", "Dropout", "Relu", "LeakyRelu", "Elu", "Sigmoid", "Tanh", "Softplus", "Softsign":
		return m.carriesMask(p.GetInput()[0], gather, depth+1)
	case "Reshape", "ReduceSum", "ReduceMean", "ReduceProd":
		// The batch-major sequence of a masked recurrent node before it
		// (its directions joined or merged).
		t := m.producer[p.GetInput()[0]]
		if t == nil || t.GetOpType() != "Transpose" || !slices.Equal(attrsOf(t).ints("perm"), []int64{2, 0, 1, 3}) {
			return fail
		}
		r := m.producer[t.GetInput()[0]]
		if r == nil || m.im.seqLens[r] == nil || m.im.seqLens[r].gather != gather || r.GetOutput()[0] != t.GetInput()[0] {
			return fail
		}
		return nil
	}
	return fail
}
