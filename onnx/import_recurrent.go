package onnx

import (
	"fmt"
	"slices"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/onnx/internal/pb"
)

// ONNX's recurrent operators run time-major, (steps, batch, features), and
// neuron's recurrent layers batch-major. The importer follows the
// Transposes and Squeezes that exporters put around them, keeping the
// tensors in between as seqVals: a neuron node and how the ONNX tensor
// relates to it.

type seqKind int

const (
	// timeMajor: the ONNX tensor (steps, batch, …) is the node (batch,
	// steps, …) with its first two axes swapped.
	timeMajor seqKind = iota
	// rnnY: a recurrent node's Y, (steps, directions, batch, units), is
	// the node (batch, steps, directions·units).
	rnnY
	// rnnYh: its Y_h, (directions, batch, units), is the node (batch,
	// directions·units).
	rnnYh
	// rnnYsteps: Y transposed to (steps, batch, directions, units).
	rnnYsteps
)

func (k seqKind) String() string {
	switch k {
	case timeMajor:
		return "a time-major sequence"
	case rnnY:
		return "the output sequence Y of a recurrent node"
	case rnnYsteps:
		return "the output sequence Y of a recurrent node, steps first"
	}
	return "the last state Y_h of a recurrent node"
}

type seqVal struct {
	kind seqKind
	node *models.Node
	dirs int
}

// rnnActivationName maps an ONNX recurrent activation to a Keras one.
func rnnActivationName(name string, alpha, beta *float32) (string, bool) {
	switch name {
	case "Tanh":
		return "tanh", true
	case "Sigmoid":
		return "sigmoid", true
	case "Relu":
		return "relu", true
	case "Affine":
		return "linear", alpha != nil && *alpha == 1 && beta != nil && *beta == 0
	case "HardSigmoid":
		return "hard_sigmoid", alpha != nil && near(*alpha, 1.0/6) && beta != nil && near(*beta, 0.5)
	}
	return "", false
}

func (im *importer) recurrent(n *pb.NodeProto, a attrs) error {
	op := n.GetOpType()
	var x *models.Node
	switch sv, ok := im.seqs[n.GetInput()[0]]; {
	case a.int("layout", 0) == 1:
		v, err := im.input(n, 0)
		if err != nil {
			return err
		}
		x = im.sem(v).node
	case ok && sv.kind == timeMajor:
		x = sv.node
	default:
		return unsupportedOp(n, "an input X that is not a Transpose of batch-major data (neuron's recurrent layers take batch-major sequences)")
	}
	for i := 4; i < len(n.GetInput()); i++ {
		// Zero initial states are neuron's; sequence lengths, other
		// states and peepholes have no neuron form.
		if in := n.GetInput()[i]; in != "" && !((i == 5 || i == 6) && (im.zeros[in] || isZeros(im.consts[in]))) {
			return unsupportedOp(n, "sequence_lens, non-zero initial states or peepholes")
		}
	}
	if a.float("clip", 0) != 0 || a.int("input_forget", 0) != 0 {
		return unsupportedOp(n, "clip or input_forget")
	}
	w, r := im.constant(n, 1), im.constant(n, 2)
	if w == nil || r == nil || w.isInt || r.isInt || len(w.dims) != 3 || len(r.dims) != 3 {
		return unsupportedOp(n, "W and R that are not constants")
	}
	u := int(a.int("hidden_size", 0))
	d := w.dims[0]
	dir := a.str("direction", "forward")
	gates, kerasBlock := 1, []int{0}
	switch op {
	case "LSTM":
		gates, kerasBlock = 4, []int{0, 3, 1, 2} // ONNX i,o,f,c are Keras's blocks 0,3,1,2 (i,f,c,o)
	case "GRU":
		gates, kerasBlock = 3, []int{0, 1, 2}
		if a.int("linear_before_reset", 0) != 1 {
			return unsupportedOp(n, "linear_before_reset=0 (neuron's GRU is Keras's reset_after=True)")
		}
	}
	feat := x.Shape()[len(x.Shape())-1]
	wantD := 1
	if dir == "bidirectional" {
		wantD = 2
	}
	if u <= 0 || d != wantD || w.dims[1] != gates*u || w.dims[2] != feat || !slices.Equal(r.dims, []int{d, gates * u, u}) {
		return malformed("node %q (%s): hidden_size %d, direction %s, W %v, R %v for %d features", n.GetName(), op, u, dir, w.dims, r.dims, feat)
	}
	b := im.constant(n, 3)
	if len(n.GetInput()) > 3 && n.GetInput()[3] != "" && (b == nil || b.isInt || !slices.Equal(b.dims, []int{d, 2 * gates * u})) {
		return unsupportedOp(n, "a bias B that is not a constant of shape (directions, 2·gates·hidden_size)")
	}
	// Activations: per direction, f and g (and h for LSTM).
	per := map[string]int{"LSTM": 3, "GRU": 2, "RNN": 1}[op]
	names := []string{"Sigmoid", "Tanh", "Tanh"}[:per]
	if op == "RNN" {
		names = []string{"Tanh"}
	}
	if at, ok := a["activations"]; ok {
		names = nil
		for _, s := range at.GetStrings() {
			names = append(names, string(s))
		}
	} else if d == 2 {
		names = append(names, names...)
	}
	alphas, betas := a["activation_alpha"].GetFloats(), a["activation_beta"].GetFloats()
	var acts []string
	ai := 0
	for i, name := range names {
		var al, be *float32
		if name == "Affine" || name == "HardSigmoid" {
			if ai < len(alphas) && ai < len(betas) {
				al, be = &alphas[ai], &betas[ai]
			}
			ai++
		}
		k, ok := rnnActivationName(name, al, be)
		if !ok {
			return unsupportedOp(n, fmt.Sprintf("activation %s", name))
		}
		if i >= per && k != acts[i-per] {
			return unsupportedOp(n, "directions with different activations")
		}
		acts = append(acts, k)
	}
	if len(acts) != per*d && !(len(acts) == per && d == 1) {
		return malformed("node %q (%s): %d activations for %d directions", n.GetName(), op, len(acts), d)
	}
	if op == "LSTM" && acts[1] != acts[2] {
		return unsupportedOp(n, "different g and h activations (Keras's LSTM uses its activation for both)")
	}
	out := n.GetOutput()
	readY := len(out) > 0 && out[0] != "" && (len(im.readers[out[0]]) > 0 || im.outputs[out[0]])
	readYh := len(out) > 1 && out[1] != "" && (len(im.readers[out[1]]) > 0 || im.outputs[out[1]])
	if len(out) > 2 && out[2] != "" && (len(im.readers[out[2]]) > 0 || im.outputs[out[2]]) {
		return unsupportedOp(n, "its Y_c output is read")
	}
	if readY == readYh {
		return unsupportedOp(n, "both Y and Y_h, or neither, are read (one of them is)")
	}
	if readY && dir == "reverse" {
		return unsupportedOp(n, "Y of a reverse direction (Keras's go_backwards returns the steps reversed)")
	}
	act := func(s string) activations.Activation { a, _ := activations.Get(s); return a }
	cell := func(back bool) layers.Layer {
		switch op {
		case "LSTM":
			return &layers.LSTM{Units: u, Activation: act(acts[1]), RecurrentActivation: act(acts[0]), NoBias: b == nil, ReturnSequences: readY, GoBackwards: back}
		case "GRU":
			return &layers.GRU{Units: u, Activation: act(acts[1]), RecurrentActivation: act(acts[0]), NoBias: b == nil, ReturnSequences: readY, GoBackwards: back}
		}
		return &layers.SimpleRNN{Units: u, Activation: act(acts[0]), NoBias: b == nil, ReturnSequences: readY, GoBackwards: back}
	}
	var l layers.Layer
	prefix := []string{""}
	if d == 2 {
		l = &layers.Bidirectional{Layer: cell(false)}
		cls := layers.DefaultName(cell(false).ClassName())
		prefix = []string{"forward_" + cls + "/", "backward_" + cls + "/"}
	} else {
		l = cell(dir == "reverse")
	}
	n4 := gates * u
	for side := range d {
		kern := make([]float32, feat*n4)
		rec := make([]float32, u*n4)
		for g := range gates {
			// ONNX gate g at rows g·u…; Keras block kb at columns kb·u….
			kb := kerasBlock[g]
			for j := range u {
				for f := range feat {
					kern[f*n4+kb*u+j] = w.f[(side*n4+g*u+j)*feat+f]
				}
				for f := range u {
					rec[f*n4+kb*u+j] = r.f[(side*n4+g*u+j)*u+f]
				}
			}
		}
		im.pendings = append(im.pendings, pendingWeight{l, prefix[side] + "kernel", kern}, pendingWeight{l, prefix[side] + "recurrent_kernel", rec})
		if b != nil {
			bs := b.f[side*2*n4 : (side+1)*2*n4]
			if op == "GRU" {
				// Keras's reset_after bias: (2, 3·units), input then recurrent.
				bias := make([]float32, 2*n4)
				for row := range 2 {
					for g := range gates {
						for j := range u {
							bias[row*n4+kerasBlock[g]*u+j] = bs[row*n4+g*u+j]
						}
					}
				}
				im.pendings = append(im.pendings, pendingWeight{l, prefix[side] + "bias", bias})
			} else {
				// One bias: Wb + Rb.
				bias := make([]float32, n4)
				for g := range gates {
					for j := range u {
						bias[kerasBlock[g]*u+j] = bs[g*u+j] + bs[n4+g*u+j]
					}
				}
				im.pendings = append(im.pendings, pendingWeight{l, prefix[side] + "bias", bias})
			}
		}
	}
	y, _, err := im.applyNamed(n.GetName(), l, x)
	if err != nil {
		return err
	}
	if readY {
		im.seqs[out[0]] = seqVal{kind: rnnY, node: y, dirs: d}
	} else {
		im.seqs[out[1]] = seqVal{kind: rnnYh, node: y, dirs: d}
	}
	return nil
}

// seqTranspose follows a Transpose of a seqVal back to batch-major data.
func (im *importer) seqTranspose(n *pb.NodeProto, a attrs, sv seqVal) error {
	perm := a.ints("perm")
	switch {
	case sv.kind == timeMajor && slices.Equal(perm, []int64{1, 0, 2}):
		im.set(n, ival{node: sv.node})
		return nil
	case sv.kind == rnnY && slices.Equal(perm, []int64{2, 0, 1, 3}):
		// (batch, steps, directions, units).
		s := sv.node.Shape()
		return im.layer(n, &layers.Reshape{TargetShape: []int{s[0], sv.dirs, s[1] / sv.dirs}}, false, ival{node: sv.node})
	case sv.kind == rnnY && slices.Equal(perm, []int64{0, 2, 1, 3}):
		im.seqs[n.GetOutput()[0]] = seqVal{kind: rnnYsteps, node: sv.node, dirs: sv.dirs}
		return nil
	case sv.kind == rnnYh && slices.Equal(perm, []int64{1, 0, 2}):
		// (batch, directions, units).
		s := sv.node.Shape()
		return im.layer(n, &layers.Reshape{TargetShape: []int{sv.dirs, s[0] / sv.dirs}}, false, ival{node: sv.node})
	}
	return unsupportedOp(n, fmt.Sprintf("perm %v of %s", perm, sv.kind))
}

// seqSqueeze follows the Squeeze of a single direction's axis.
func (im *importer) seqSqueeze(n *pb.NodeProto, a attrs, sv seqVal) error {
	axes := a.ints("axes")
	if len(n.GetInput()) > 1 && n.GetInput()[1] != "" {
		if c := im.constant(n, 1); c != nil && c.isInt {
			axes = c.i
		}
	}
	switch {
	case sv.dirs == 1 && sv.kind == rnnY && slices.Equal(axes, []int64{1}):
		im.seqs[n.GetOutput()[0]] = seqVal{kind: timeMajor, node: sv.node}
		return nil
	case sv.dirs == 1 && sv.kind == rnnYh && slices.Equal(axes, []int64{0}):
		im.set(n, ival{node: sv.node})
		return nil
	}
	return unsupportedOp(n, fmt.Sprintf("axes %v of %s", axes, sv.kind))
}

// seqReshape follows the Reshape that joins the directions of Y.
func (im *importer) seqReshape(n *pb.NodeProto, sv seqVal) error {
	t := im.constant(n, 1)
	if sv.kind == rnnYsteps && t != nil && t.isInt && slices.Equal(t.i, []int64{0, 0, -1}) {
		im.seqs[n.GetOutput()[0]] = seqVal{kind: timeMajor, node: sv.node}
		return nil
	}
	return unsupportedOp(n, fmt.Sprintf("a reshape of %s", sv.kind))
}

func isZeros(t *tensorData) bool {
	if t == nil {
		return false
	}
	for _, v := range t.f {
		if v != 0 {
			return false
		}
	}
	for _, v := range t.i {
		if v != 0 {
			return false
		}
	}
	return true
}
