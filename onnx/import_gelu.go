package onnx

import (
	"math"

	"github.com/neuron-go/neuron/onnx/internal/pb"
)

// GELU written out as 0.5·x·(1+erf(x/√2)), as PyTorch's exporter writes
// nn.GELU before opset 20 and as ONNX's Gelu function body expands: the
// importer reads the nodes of the formula as one gelu activation. Any
// other arrangement of Erf is refused as an operator without a layer.

// geluMatch finds the formula's nodes before the nodes are read: the
// nodes it is made of are marked fused, and the node that gives its
// result is recorded in im.gelu with the name of x.
func (im *importer) matchGelu(g *pb.GraphProto) {
	producer := map[string]*pb.NodeProto{}
	for _, n := range g.GetNode() {
		for _, o := range n.GetOutput() {
			producer[o] = n
		}
	}
	// only is true when name is read by n alone and is not a graph output.
	only := func(name string, n *pb.NodeProto) bool {
		r := im.readers[name]
		return !im.outputs[name] && len(r) == 1 && r[0] == n
	}
	// scalar is the value of a constant of one value, following the
	// Sqrt, Cast, CastLike and Identity nodes that ONNX's function
	// bodies put between a Constant and its use.
	var scalar func(name string, depth int) (float64, bool)
	scalar = func(name string, depth int) (float64, bool) {
		if c, ok := im.consts[name]; ok {
			if c.size() != 1 || c.isInt {
				return 0, false
			}
			return float64(c.f[0]), true
		}
		p := producer[name]
		if p == nil || depth > 4 || len(p.GetInput()) == 0 || p.GetDomain() != "" {
			return 0, false
		}
		v, ok := scalar(p.GetInput()[0], depth+1)
		switch p.GetOpType() {
		case "Sqrt":
			return math.Sqrt(v), ok && v >= 0
		case "Cast", "CastLike", "Identity":
			return v, ok
		}
		return 0, false
	}
	near := func(v, want float64) bool { return math.Abs(v-want) <= 1e-6*math.Abs(want) }
	// other returns the input of a two-input node that is not name.
	other := func(n *pb.NodeProto, name string) (string, bool) {
		in := n.GetInput()
		if len(in) != 2 || n.GetDomain() != "" {
			return "", false
		}
		switch name {
		case in[0]:
			return in[1], true
		case in[1]:
			return in[0], true
		}
		return "", false
	}
	// half tells whether n multiplies name by 0.5.
	half := func(n *pb.NodeProto, name string) bool {
		if n.GetOpType() != "Mul" {
			return false
		}
		c, ok := other(n, name)
		if !ok {
			return false
		}
		v, ok := scalar(c, 0)
		return ok && v == 0.5
	}
	for _, e := range g.GetNode() {
		if e.GetOpType() != "Erf" || e.GetDomain() != "" || len(e.GetInput()) != 1 || len(e.GetOutput()) != 1 {
			continue
		}
		u, v := e.GetInput()[0], e.GetOutput()[0]
		d := producer[u]
		if d == nil || !only(u, e) || len(d.GetInput()) != 2 || d.GetDomain() != "" {
			continue
		}
		// d: x/√2 or x·(1/√2).
		var x string
		switch d.GetOpType() {
		case "Div":
			if s, ok := scalar(d.GetInput()[1], 0); ok && near(s, math.Sqrt2) {
				x = d.GetInput()[0]
			}
		case "Mul":
			for i := range 2 {
				if s, ok := scalar(d.GetInput()[i], 0); ok && near(s, 1/math.Sqrt2) {
					x = d.GetInput()[1-i]
				}
			}
		}
		if x == "" || len(im.readers[v]) != 1 {
			continue
		}
		// p: 1 + erf(·).
		p := im.readers[v][0]
		one, ok := other(p, v)
		if s, isC := scalar(one, 0); !ok || !isC || s != 1 || (p.GetOpType() != "Add" && p.GetOpType() != "Sum") || !only(v, p) || len(p.GetOutput()) != 1 {
			continue
		}
		w := p.GetOutput()[0]
		if len(im.readers[w]) != 1 || im.outputs[w] {
			continue
		}
		q := im.readers[w][0]
		s, ok := other(q, w)
		if !ok || q.GetOpType() != "Mul" || len(q.GetOutput()) != 1 {
			continue
		}
		qo := q.GetOutput()[0]
		var final *pb.NodeProto
		fused := []*pb.NodeProto{d, e, p}
		rs := im.readers[qo]
		switch h := producer[s]; {
		case s == x && len(rs) == 1 && !im.outputs[qo] && half(rs[0], qo):
			// (x·(1+erf))·0.5
			final = rs[0]
			fused = append(fused, q)
		case h != nil && only(s, q) && half(h, x):
			// (0.5·x)·(1+erf)
			final = q
			fused = append(fused, h)
		case len(rs) == 1 && !im.outputs[qo] && half(q, w) && rs[0].GetOpType() == "Mul":
			// x·((1+erf)·0.5)
			if o, ok := other(rs[0], qo); ok && o == x {
				final = rs[0]
				fused = append(fused, q)
			}
		}
		if final == nil {
			continue
		}
		for _, f := range fused {
			im.fused[f] = true
		}
		im.gelu[final] = x
	}
}
