package onnx

import (
	"fmt"
	"slices"
	"strings"

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
	// dirY: one direction of a bidirectional node's Y, (steps, 1, batch,
	// units), or (steps, batch, units) when squeezed.
	dirY
	// dirYh: one direction of its Y_h, (1, batch, units), or (batch,
	// units) when squeezed.
	dirYh
	// dirFeat: one direction's half of the features of its output made
	// batch-major, (batch, [steps,] units).
	dirFeat
)

func (k seqKind) String() string {
	switch k {
	case timeMajor:
		return "a time-major sequence"
	case rnnY:
		return "the output sequence Y of a recurrent node"
	case rnnYsteps:
		return "the output sequence Y of a recurrent node, steps first"
	case dirY, dirFeat:
		return "one direction of a bidirectional recurrent node's output"
	case dirYh:
		return "one direction of a bidirectional recurrent node's last state Y_h"
	}
	return "the last state Y_h of a recurrent node"
}

type seqVal struct {
	kind seqKind
	// node is the neuron node; nil for a bidirectional node's outputs,
	// whose Bidirectional layer is made when it is known how the two
	// directions are merged (rec).
	node *models.Node
	dirs int
	rec  *recInfo
	// dir is the direction of a dirY, dirYh or dirFeat view, squeezed
	// whether its directions axis was removed.
	dir      int
	squeezed bool
	// state is which state an rnnYh of a bidirectional node with
	// return_state is: 0 for Y_h, 1 for Y_c.
	state int
}

// recInfo is a bidirectional recurrent node whose Bidirectional layer is
// applied once the graph shows how the directions are merged: "concat"
// when the output is read whole, "sum", "mul" or "ave" when the two
// directions are taken apart and added, multiplied or averaged.
type recInfo struct {
	name    string // the node's name
	x       *models.Node
	mk      func(merge string) layers.Layer
	weights []pendingWeight // layer unset
	nodes   map[string]*models.Node
	// With return_state (both Y and Y_h, or Y_c, read): the states of
	// each direction per layer applied (forward h [, c], backward h
	// [, c]), the merge mode Y's readers show (guess), and the states
	// read whole, concatenated.
	state  bool
	states map[string][]*models.Node
	guess  string
	joined [2]*models.Node
}

// seqNode returns sv's neuron node, applying a bidirectional node's layer
// with its directions concatenated if it is not yet.
func (im *importer) seqNode(sv seqVal) *models.Node {
	if sv.node != nil {
		return sv.node
	}
	if sv.rec.state && sv.kind == rnnYh {
		return im.joinedState(sv.rec, sv.state)
	}
	return im.recNode(sv.rec, "concat")
}

// recStates returns the states of rec's Bidirectional layer with
// return_state: those of the layer with the merge mode Y's readers show.
func (im *importer) recStates(rec *recInfo) []*models.Node {
	im.recNode(rec, rec.guess)
	return rec.states[rec.guess]
}

// stateOf returns one direction's state (0 h, 1 c) of rec.
func (im *importer) stateOf(rec *recInfo, dir, state int) *models.Node {
	st := im.recStates(rec)
	if len(st) < 2 {
		return st[0] // carries the error
	}
	per := len(st) / 2
	return st[dir*per+state]
}

// joinedState returns rec's state (0 h, 1 c) of both directions
// concatenated, (batch, 2·units): Y_h or Y_c read whole.
func (im *importer) joinedState(rec *recInfo, state int) *models.Node {
	if n := rec.joined[state]; n != nil {
		return n
	}
	f, b := im.stateOf(rec, 0, state), im.stateOf(rec, 1, state)
	n := models.ApplyNamed(im.layerName(rec.name+"_"+[]string{"h", "c"}[state], "concatenate"), &layers.Concatenate{}, f, b)
	rec.joined[state] = n
	return n
}

// guessMerge tells the merge mode of a bidirectional node's Y from its
// readers: a reduction over the directions (of Y or of Y made
// batch-major), or an Add, Mul, Sum or Mean of the directions taken
// apart; "concat" otherwise. (A wrong guess costs a second layer with
// the same weights, not a wrong value.)
func (im *importer) guessMerge(y string) string {
	mode := map[string]string{"ReduceSum": "sum", "ReduceMean": "ave", "ReduceProd": "mul", "Add": "sum", "Sum": "sum", "Mul": "mul", "Mean": "ave"}
	var walk func(name string, depth int) string
	walk = func(name string, depth int) string {
		for _, r := range im.readers[name] {
			switch op := r.GetOpType(); op {
			case "ReduceSum", "ReduceMean", "ReduceProd":
				return mode[op]
			case "Add", "Sum", "Mul", "Mean":
				if depth > 0 {
					return mode[op]
				}
			case "Transpose", "Reshape", "Split", "Slice", "Gather", "Squeeze":
				if depth < 4 {
					for _, o := range r.GetOutput() {
						if m := walk(o, depth+1); m != "" {
							return m
						}
					}
				}
			}
		}
		return ""
	}
	if m := walk(y, 0); m != "" {
		return m
	}
	return "concat"
}

// recNode applies rec's Bidirectional layer with the merge mode given (once
// per mode).
func (im *importer) recNode(rec *recInfo, merge string) *models.Node {
	if y, ok := rec.nodes[merge]; ok {
		return y
	}
	l := rec.mk(merge)
	name := rec.name
	if len(rec.nodes) > 0 {
		name += "_" + merge
	}
	var y *models.Node
	if rec.state {
		// The output, then the states.
		ys, err := models.ApplyMultiNamed(im.layerName(name, "bidirectional"), l, rec.x)
		if err != nil {
			ys = []*models.Node{models.ApplyNamed(im.layerName(name, "bidirectional"), l, rec.x)} // carries the error
		}
		y = ys[0]
		rec.states[merge] = ys[1:]
		if len(ys) == 1 {
			rec.states[merge] = ys
		}
	} else {
		var err error
		if y, _, err = im.applyNamed(name, l, rec.x); err != nil {
			y = models.ApplyNamed(im.layerName(name, "bidirectional"), l, rec.x) // carries the error
		}
	}
	for _, w := range rec.weights {
		w.layer = l
		im.pendings = append(im.pendings, w)
	}
	rec.nodes[merge] = y
	if merge == "concat" {
		im.recOf[y] = rec
	}
	return y
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
		x = im.seqNode(sv)
	default:
		return unsupportedOp(n, "an input X that is not a Transpose of batch-major data (neuron's recurrent layers take batch-major sequences)")
	}
	masked := im.seqLens[n] != nil // sequence_lens, read as the mask (import_seqlens.go)
	for i := 4; i < len(n.GetInput()); i++ {
		// Zero initial states are neuron's; sequence lengths, other
		// states and peepholes have no neuron form.
		if in := n.GetInput()[i]; in != "" && !((i == 5 || i == 6) && (im.zeros[in] || isZeros(im.consts[in]))) {
			what := []string{"sequence_lens", "initial_h", "initial_c", "P (peepholes)"}[min(i-4, 3)]
			return unsupportedOp(n, fmt.Sprintf("input %d, %s, is %q (sequence lengths, non-zero initial states and peepholes have no neuron form)", i, what, in))
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
	resetBefore := false
	switch op {
	case "LSTM":
		gates, kerasBlock = 4, []int{0, 3, 1, 2} // ONNX i,o,f,c are Keras's blocks 0,3,1,2 (i,f,c,o)
	case "GRU":
		gates, kerasBlock = 3, []int{0, 1, 2}
		switch lbr := a.int("linear_before_reset", 0); lbr {
		case 0:
			resetBefore = true
		case 1:
		default:
			return unsupportedOp(n, fmt.Sprintf("linear_before_reset=%d (0 or 1)", lbr))
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
	read := func(i int) bool {
		return len(out) > i && out[i] != "" && (len(im.readers[out[i]]) > 0 || im.outputs[out[i]])
	}
	readY, readYh, readYc := read(0), read(1), read(2) && op == "LSTM"
	// Y_h with Y, or Y_c, is Keras's return_state (for a bidirectional
	// node, its Bidirectional's: the output, then each direction's states).
	state := readYc || readY && readYh
	if !readY && !readYh && !readYc {
		return unsupportedOp(n, "none of its outputs is read")
	}
	// Y of a reverse direction is by input time; the go_backwards layer
	// returns the steps in the order it reads them, so they are reversed
	// after it (reverseSteps). With sequence_lens read as a mask, the
	// steps were gathered back in Keras's order (import_seqlens.go).
	reversedY := readY && dir == "reverse" && !masked
	if reversedY && x.Shape()[0] <= 0 {
		return unsupportedOp(n, "Y of a reverse direction over an unknown number of steps")
	}
	act := func(s string) activations.Activation { a, _ := activations.Get(s); return a }
	cell := func(back bool) layers.Layer {
		switch op {
		case "LSTM":
			return &layers.LSTM{Units: u, Activation: act(acts[1]), RecurrentActivation: act(acts[0]), NoBias: b == nil, ReturnSequences: readY, GoBackwards: back, ReturnState: state}
		case "GRU":
			// linear_before_reset=0 is Keras's reset_after=False.
			return &layers.GRU{Units: u, Activation: act(acts[1]), RecurrentActivation: act(acts[0]), NoBias: b == nil, NoResetAfter: resetBefore, ReturnSequences: readY, GoBackwards: back, ReturnState: state}
		}
		return &layers.SimpleRNN{Units: u, Activation: act(acts[0]), NoBias: b == nil, ReturnSequences: readY, GoBackwards: back, ReturnState: state}
	}
	var ws []pendingWeight
	prefix := []string{""}
	if d == 2 {
		// The side's layer (setWeight), whatever the model names it.
		prefix = []string{sideForward, sideBackward}
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
		ws = append(ws, pendingWeight{nil, prefix[side] + "kernel", kern}, pendingWeight{nil, prefix[side] + "recurrent_kernel", rec})
		if b != nil {
			bs := b.f[side*2*n4 : (side+1)*2*n4]
			if op == "GRU" && !resetBefore {
				// Keras's reset_after bias: (2, 3·units), input then recurrent.
				bias := make([]float32, 2*n4)
				for row := range 2 {
					for g := range gates {
						for j := range u {
							bias[row*n4+kerasBlock[g]*u+j] = bs[row*n4+g*u+j]
						}
					}
				}
				ws = append(ws, pendingWeight{nil, prefix[side] + "bias", bias})
			} else {
				// One bias: Wb + Rb (for a GRU with linear_before_reset=0,
				// Rbh is outside the reset gate, so it adds to Wbh too).
				bias := make([]float32, n4)
				for g := range gates {
					for j := range u {
						bias[kerasBlock[g]*u+j] = bs[g*u+j] + bs[n4+g*u+j]
					}
				}
				ws = append(ws, pendingWeight{nil, prefix[side] + "bias", bias})
			}
		}
	}
	sv := seqVal{kind: rnnYh, dirs: d}
	if readY {
		sv.kind = rnnY
	}
	if d == 2 {
		sv.rec = &recInfo{name: n.GetName(), x: x, weights: ws, nodes: map[string]*models.Node{}, mk: func(merge string) layers.Layer {
			return &layers.Bidirectional{Layer: cell(false), MergeMode: merge}
		}, state: state, states: map[string][]*models.Node{}}
		if state {
			sv.rec.guess = "concat"
			if readY {
				sv.rec.guess = im.guessMerge(out[0])
				im.seqs[out[0]] = seqVal{kind: rnnY, dirs: 2, rec: sv.rec}
			}
			for i := 1; i < len(out) && i < 3; i++ {
				if read(i) {
					im.seqs[out[i]] = seqVal{kind: rnnYh, dirs: 2, rec: sv.rec, state: i - 1}
				}
			}
			return nil
		}
	} else {
		l := cell(dir == "reverse")
		for _, w := range ws {
			w.layer = l
			im.pendings = append(im.pendings, w)
		}
		if state {
			// The output, then h (and c): Y, Y_h, Y_c.
			ys, err := models.ApplyMultiNamed(im.layerName(n.GetName(), layers.DefaultName(l.ClassName())), l, x)
			if err != nil {
				return err
			}
			if readY {
				y := ys[0]
				if reversedY {
					if y, err = im.reverseSteps(n, y); err != nil {
						return err
					}
				}
				im.seqs[out[0]] = seqVal{kind: rnnY, node: y, dirs: 1}
			}
			for i := 1; i < len(ys) && i < len(out); i++ {
				if read(i) {
					im.seqs[out[i]] = seqVal{kind: rnnYh, node: ys[i], dirs: 1}
				}
			}
			return nil
		}
		y, _, err := im.applyNamed(n.GetName(), l, x)
		if err != nil {
			return err
		}
		if reversedY {
			if y, err = im.reverseSteps(n, y); err != nil {
				return err
			}
		}
		sv.node = y
	}
	if readY {
		im.seqs[out[0]] = sv
	} else {
		im.seqs[out[1]] = sv
	}
	return nil
}

// reduceDirs reads a ReduceSum, ReduceMean or ReduceProd over the
// directions axis of a bidirectional node's Y (steps, 2, batch, units),
// its Y_h (2, batch, units), or of them made batch-major, (batch, steps, 2,
// units) and (batch, 2, units), as its Bidirectional layer's merge mode
// sum, ave or mul. It returns false when the input is none of them.
func (im *importer) reduceDirs(n *pb.NodeProto, a attrs) (bool, error) {
	in := n.GetInput()[0]
	var rec *recInfo
	var kind seqKind
	batchMajor := false
	if sv, ok := im.seqs[in]; ok && sv.rec != nil && (sv.kind == rnnY || sv.kind == rnnYh) {
		rec, kind = sv.rec, sv.kind
	} else if p, ok := im.dirsTransposed[in]; ok {
		rec, kind, batchMajor = p.rec, p.kind, true
	} else {
		return false, nil
	}
	r := int64(4)
	axis := int64(1) // Y's directions axis
	if kind == rnnYh {
		r, axis = 3, 0
	}
	if batchMajor {
		axis++
	}
	axes := a.ints("axes")
	if len(n.GetInput()) > 1 && n.GetInput()[1] != "" {
		c := im.constant(n, 1)
		if c == nil || !c.isInt {
			return true, unsupportedOp(n, "axes that are not a constant")
		}
		axes = c.i
	}
	if len(axes) == 1 && axes[0] < 0 {
		axes = []int64{axes[0] + r}
	}
	if !slices.Equal(axes, []int64{axis}) {
		return true, unsupportedOp(n, fmt.Sprintf("axes %v of %s (the directions axis, %d, is reduced)", axes, kind, axis))
	}
	merge := map[string]string{"ReduceSum": "sum", "ReduceMean": "ave", "ReduceProd": "mul"}[n.GetOpType()]
	var y *models.Node
	if rec.state && kind == rnnYh {
		// The states of a Bidirectional with return_state are each
		// direction's: merged by a layer of their own.
		l := map[string]models.Callable{"sum": &layers.Add{}, "mul": &layers.Multiply{}, "ave": &layers.Average{}}[merge]
		st := im.seqs[in].state
		if batchMajor {
			st = im.dirsTransposed[in].state
		}
		y = models.ApplyNamed(im.layerName(n.GetName(), layers.DefaultName(l.ClassName())), l, im.stateOf(rec, 0, st), im.stateOf(rec, 1, st))
		if err := y.Err(); err != nil {
			return true, err
		}
	} else {
		y = im.recNode(rec, merge)
	}
	keep := a.int("keepdims", 1) == 1
	out := n.GetOutput()[0]
	switch {
	case !batchMajor && kind == rnnY && !keep:
		im.seqs[out] = seqVal{kind: timeMajor, node: y}
	case !batchMajor && kind == rnnY:
		im.seqs[out] = seqVal{kind: rnnY, node: y, dirs: 1}
	case !batchMajor && !keep, batchMajor && !keep:
		im.vals[out] = ival{node: y}
	case !batchMajor:
		im.seqs[out] = seqVal{kind: rnnYh, node: y, dirs: 1}
	default:
		// (batch, [steps,] 1, units).
		s := y.Shape()
		target := []int{1, s[0]}
		if kind == rnnY {
			target = []int{s[0], 1, s[1]}
		}
		return true, im.layer(n, &layers.Reshape{TargetShape: target}, false, ival{node: y})
	}
	return true, nil
}

// seqDirections follows the Split, Slice or Gather that takes the two
// directions of a bidirectional node's Y or Y_h apart.
func (im *importer) seqDirections(n *pb.NodeProto, a attrs, sv seqVal) error {
	kind, axis := dirY, int64(1)
	if sv.kind == rnnYh {
		kind, axis = dirYh, 0
	}
	r := int64(4)
	if kind == dirYh {
		r = 3
	}
	norm := func(ax int64) int64 {
		if ax < 0 {
			ax += r
		}
		return ax
	}
	bad := func(what string) error {
		return unsupportedOp(n, fmt.Sprintf("%s of %s (the directions axis %d is read, one direction at a time)", what, sv.kind, axis))
	}
	view := func(dir int, squeezed bool) seqVal {
		return seqVal{kind: kind, rec: sv.rec, dirs: 1, dir: dir, squeezed: squeezed}
	}
	if sv.rec.state && sv.kind == rnnYh {
		// One direction's state of a Bidirectional with return_state:
		// the layer's output for it, (1, batch, units) or squeezed.
		view = func(dir int, squeezed bool) seqVal {
			return seqVal{kind: rnnYh, node: im.stateOf(sv.rec, dir, sv.state), dirs: 1, squeezed: squeezed}
		}
		set := func(o string, v seqVal) {
			if v.squeezed {
				im.vals[o] = ival{node: v.node}
			} else {
				im.seqs[o] = v
			}
		}
		defer func() {
			for _, o := range n.GetOutput() {
				if v, ok := im.seqs[o]; ok && v.squeezed && v.kind == rnnYh && v.node != nil {
					delete(im.seqs, o)
					set(o, v)
				}
			}
		}()
	}
	switch n.GetOpType() {
	case "Split":
		if norm(a.int("axis", 0)) != axis || len(n.GetOutput()) != 2 {
			return bad(fmt.Sprintf("axis=%d into %d outputs", a.int("axis", 0), len(n.GetOutput())))
		}
		split := a.ints("split")
		if c := im.constant(n, 1); c != nil && c.isInt {
			split = c.i
		}
		if split != nil && !slices.Equal(split, []int64{1, 1}) {
			return bad(fmt.Sprintf("split %v", split))
		}
		for i, o := range n.GetOutput() {
			im.seqs[o] = view(i, false)
		}
		return nil
	case "Gather":
		c := im.constant(n, 1)
		if norm(a.int("axis", 0)) != axis || c == nil || !c.isInt || c.size() != 1 || len(c.dims) > 1 {
			return bad(fmt.Sprintf("Gather on axis %d", a.int("axis", 0)))
		}
		i := c.i[0]
		if i < 0 {
			i += 2
		}
		if i != 0 && i != 1 {
			return bad(fmt.Sprintf("index %d", c.i[0]))
		}
		im.seqs[n.GetOutput()[0]] = view(int(i), len(c.dims) == 0)
		return nil
	}
	// Slice.
	starts, ends, axes, ok := im.sliceArgs(n, a)
	if !ok || len(starts) != 1 || len(axes) > 1 || (len(axes) == 1 && norm(axes[0]) != axis) || (len(axes) == 0 && axis != 0) {
		return bad(fmt.Sprintf("Slice with starts %v, ends %v, axes %v", starts, ends, axes))
	}
	st, en := min(max(starts[0], -2), 2), min(max(ends[0], -2), 2)
	if st < 0 {
		st += 2
	}
	if en < 0 {
		en += 2
	}
	if en != st+1 {
		return bad(fmt.Sprintf("Slice with starts %v, ends %v", starts, ends))
	}
	im.seqs[n.GetOutput()[0]] = view(int(st), false)
	return nil
}

// featHalves follows the Slice that takes one direction's half of the
// features of a bidirectional node's output, y, with the directions
// joined, batch-major (kind dirFeat) or time-major (dirY).
func (im *importer) featHalves(n *pb.NodeProto, a attrs, y *models.Node, rec *recInfo, kind seqKind) (bool, error) {
	starts, ends, axes, ok := im.sliceArgs(n, a)
	s := y.Shape()
	r := int64(len(s) + 1)
	feat := int64(s[len(s)-1])
	if !ok || len(starts) != 1 || len(axes) != 1 || (axes[0] != -1 && axes[0] != r-1) {
		return false, nil
	}
	st, en := min(max(starts[0], -feat), feat), min(max(ends[0], -feat), feat)
	if st < 0 {
		st += feat
	}
	if en < 0 {
		en += feat
	}
	u := feat / 2
	dir := -1
	switch {
	case st == 0 && en == u:
		dir = 0
	case st == u && en == feat:
		dir = 1
	default:
		return true, unsupportedOp(n, fmt.Sprintf("Slice with starts %v, ends %v of a bidirectional node's %d features (a direction's half is read)", starts, ends, feat))
	}
	im.seqs[n.GetOutput()[0]] = seqVal{kind: kind, rec: rec, dirs: 1, dir: dir, squeezed: true}
	return true, nil
}

// sliceArgs reads a Slice's starts, ends and axes (inputs from opset 10,
// attributes before); steps other than 1 are refused as not read.
func (im *importer) sliceArgs(n *pb.NodeProto, a attrs) (starts, ends, axes []int64, ok bool) {
	if im.opset < 10 {
		return a.ints("starts"), a.ints("ends"), a.ints("axes"), true
	}
	get := func(i int) ([]int64, bool) {
		if i >= len(n.GetInput()) || n.GetInput()[i] == "" {
			return nil, true
		}
		c := im.constant(n, i)
		if c == nil || !c.isInt {
			return nil, false
		}
		return c.i, true
	}
	starts, ok1 := get(1)
	ends, ok2 := get(2)
	axes, ok3 := get(3)
	steps, ok4 := get(4)
	for _, st := range steps {
		ok4 = ok4 && st == 1
	}
	return starts, ends, axes, ok1 && ok2 && ok3 && ok4 && len(starts) == len(ends)
}

// mergeDirs reads an Add, Mul, Sum or Mean of the two directions of a
// bidirectional node as its Bidirectional layer's merge mode; an Add or
// Sum read only by a multiplication by 0.5 or a division by 2 is "ave".
// It returns false when the inputs are not the two directions.
func (im *importer) mergeDirs(n *pb.NodeProto) (bool, error) {
	in := n.GetInput()
	if len(in) != 2 {
		return false, nil
	}
	a, okA := im.seqs[in[0]]
	b, okB := im.seqs[in[1]]
	if !okA || !okB || a.rec == nil || a.rec != b.rec || a.kind != b.kind || a.squeezed != b.squeezed || a.dir == b.dir || (a.kind != dirY && a.kind != dirYh && a.kind != dirFeat) {
		return false, nil
	}
	merge := map[string]string{"Add": "sum", "Sum": "sum", "Mul": "mul", "Mean": "ave"}[n.GetOpType()]
	out := n.GetOutput()[0]
	if merge == "sum" && len(im.readers[out]) == 1 && !im.outputs[out] {
		h := im.readers[out][0]
		k, isScalar := float32(0), false
		if len(h.GetInput()) == 2 && h.GetDomain() == "" {
			if h.GetInput()[0] == out {
				k, isScalar = im.scalarInput(h, 1)
			} else if h.GetOpType() == "Mul" {
				k, isScalar = im.scalarInput(h, 0)
			}
		}
		if isScalar && (h.GetOpType() == "Mul" && k == 0.5 || h.GetOpType() == "Div" && k == 2) {
			merge = "ave"
			im.fused[h] = true
			out = h.GetOutput()[0]
		}
	}
	y := im.recNode(a.rec, merge)
	switch {
	case a.kind == dirY && a.squeezed:
		im.seqs[out] = seqVal{kind: timeMajor, node: y}
	case a.kind == dirY:
		im.seqs[out] = seqVal{kind: rnnY, node: y, dirs: 1}
	case a.kind == dirYh && !a.squeezed:
		im.seqs[out] = seqVal{kind: rnnYh, node: y, dirs: 1}
	default:
		im.vals[out] = ival{node: y}
	}
	return true, nil
}

// seqTranspose follows a Transpose of a seqVal back to batch-major data.
func (im *importer) seqTranspose(n *pb.NodeProto, a attrs, sv seqVal) error {
	perm := a.ints("perm")
	switch {
	case sv.kind == timeMajor && slices.Equal(perm, []int64{1, 0, 2}):
		y := im.seqNode(sv)
		im.set(n, ival{node: y})
		return nil
	case sv.rec != nil && (sv.kind == rnnY && slices.Equal(perm, []int64{2, 0, 1, 3}) || sv.kind == rnnYh && slices.Equal(perm, []int64{1, 0, 2})) && im.onlyReduced(n.GetOutput()[0]):
		// Made batch-major for a reduction over the directions: the
		// reduction picks the merge mode (reduceDirs).
		im.dirsTransposed[n.GetOutput()[0]] = seqVal{kind: sv.kind, rec: sv.rec, dirs: 2, state: sv.state}
		return nil
	case sv.kind == rnnY && slices.Equal(perm, []int64{2, 0, 1, 3}) && im.joinedDirs(n.GetOutput()[0], im.seqNode(sv)):
		// Read only by Reshapes that join the directions again: the node
		// itself (which keeps the mask of a masked sequence).
		y := im.seqNode(sv)
		for _, r := range im.readers[n.GetOutput()[0]] {
			im.fused[r] = true
			im.vals[r.GetOutput()[0]] = ival{node: y}
		}
		return nil
	case sv.kind == rnnY && slices.Equal(perm, []int64{2, 0, 1, 3}):
		// (batch, steps, directions, units).
		y := im.seqNode(sv)
		s := y.Shape()
		return im.layer(n, &layers.Reshape{TargetShape: []int{s[0], sv.dirs, s[1] / sv.dirs}}, false, ival{node: y})
	case sv.kind == rnnY && slices.Equal(perm, []int64{0, 2, 1, 3}):
		im.seqs[n.GetOutput()[0]] = seqVal{kind: rnnYsteps, node: sv.node, rec: sv.rec, dirs: sv.dirs}
		return nil
	case sv.kind == rnnYh && slices.Equal(perm, []int64{1, 0, 2}):
		// (batch, directions, units).
		y := im.seqNode(sv)
		s := y.Shape()
		return im.layer(n, &layers.Reshape{TargetShape: []int{sv.dirs, s[0] / sv.dirs}}, false, ival{node: y})
	case sv.kind == dirY && sv.squeezed && slices.Equal(perm, []int64{1, 0, 2}):
		// One direction made batch-major: a view of the features.
		im.seqs[n.GetOutput()[0]] = seqVal{kind: dirFeat, rec: sv.rec, dirs: 1, dir: sv.dir, squeezed: true}
		return nil
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
	case sv.kind == dirY && !sv.squeezed && slices.Equal(axes, []int64{1}), sv.kind == dirYh && !sv.squeezed && slices.Equal(axes, []int64{0}):
		sv.squeezed = true
		im.seqs[n.GetOutput()[0]] = sv
		return nil
	}
	return unsupportedOp(n, fmt.Sprintf("axes %v of %s", axes, sv.kind))
}

// seqReshape follows the Reshape that joins the directions of Y.
func (im *importer) seqReshape(n *pb.NodeProto, sv seqVal) error {
	t := im.constant(n, 1)
	if sv.kind == rnnYsteps && t != nil && t.isInt && slices.Equal(t.i, []int64{0, 0, -1}) {
		im.seqs[n.GetOutput()[0]] = seqVal{kind: timeMajor, node: im.seqNode(sv)}
		return nil
	}
	return unsupportedOp(n, fmt.Sprintf("a reshape of %s", sv.kind))
}

// joinedDirs tells whether every reader of name, Y made batch-major
// (batch, steps, directions, units), is a Reshape to (batch, steps,
// directions·units), y's shape (and name is not a graph output).
func (im *importer) joinedDirs(name string, y *models.Node) bool {
	rs := im.readers[name]
	if len(rs) == 0 || im.outputs[name] || y.Err() != nil {
		return false
	}
	s := y.Shape()
	for _, r := range rs {
		if r.GetOpType() != "Reshape" || r.GetDomain() != "" || len(r.GetInput()) != 2 || r.GetInput()[0] != name || attrsOf(r).int("allowzero", 0) != 0 {
			return false
		}
		t := im.consts[r.GetInput()[1]]
		if t == nil || !t.isInt || len(t.i) != 3 || (t.i[0] != 0 && t.i[0] != -1) || t.i[1] != int64(s[0]) || t.i[2] != int64(s[1]) {
			return false
		}
	}
	return true
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

// onlyReduced tells whether every reader of name is a ReduceSum,
// ReduceMean or ReduceProd (and it is not a graph output).
func (im *importer) onlyReduced(name string) bool {
	rs := im.readers[name]
	if len(rs) == 0 || im.outputs[name] {
		return false
	}
	for _, r := range rs {
		switch r.GetOpType() {
		case "ReduceSum", "ReduceMean", "ReduceProd":
		default:
			return false
		}
	}
	return true
}

// reverseSteps puts y, the (batch, steps, units) output of a
// go_backwards layer, whose steps are in the order the layer reads them,
// back in input-time order, as ONNX's Y of a reverse direction: each step
// cropped out (Cropping1D), then concatenated from the last.
func (im *importer) reverseSteps(n *pb.NodeProto, y *models.Node) (*models.Node, error) {
	steps := y.Shape()[0]
	if steps == 1 {
		return y, nil
	}
	base := n.GetName()
	if base == "" {
		base = strings.ToLower(n.GetOpType())
	}
	parts := make([]*models.Node, steps)
	for i := range steps {
		// Processing step i read input time steps−1−i.
		p := models.ApplyNamed(im.layerName(fmt.Sprintf("%s_step%d", base, i), "cropping1d"), &layers.Cropping1D{Cropping: [2]int{i, steps - 1 - i}}, y)
		if err := p.Err(); err != nil {
			return nil, err
		}
		parts[steps-1-i] = p
	}
	r := models.ApplyNamed(im.layerName(base+"_by_input_time", "concatenate"), &layers.Concatenate{Axis: 1}, parts...)
	return r, r.Err()
}
