package layers

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/neuron-go/neuron/tensor"
)

// Bidirectional runs a recurrent layer over the sequence forwards and a
// copy of it backwards, and merges the two outputs, as Keras's
// Bidirectional wrapper. The wrapped layer is a recipe: Bidirectional
// makes its forward layer and, unless BackwardLayer is given, its backward
// layer from Layer's config (the backward one with go_backwards set), so
// Layer's own weights are not used, as in Keras. With return_sequences the
// backward outputs are put back in time order before merging, so step t of
// the result sees the whole sequence.
//
// With return_state on the wrapped layer (ReturnState), the layer has
// several outputs, as Keras's: the merged output (or the two of
// MergeMode "none"), then the forward layer's last states (h, and c for
// an LSTM), then the backward layer's, for models.ApplyMulti in a
// functional model; called on more inputs there, the ones after the
// sequence are the initial states, the forward layer's then the backward
// layer's (Keras's initial_state). A mask makes both layers skip the
// masked steps, so that each state is the one at its direction's last
// unmasked step; the output keeps the mask with return_sequences, the
// states carry none.
type Bidirectional struct {
	// Layer is the recurrent layer: LSTM, GRU, SimpleRNN, or a custom
	// layer whose registered config has "go_backwards" and
	// "return_sequences" keys.
	Layer Layer
	// MergeMode combines the forward and backward outputs: "concat" (the
	// default, ""), "sum", "mul" or "ave"; "none" is Keras's None, two
	// outputs (the forward one, then the backward one, in time order with
	// return_sequences), for models.ApplyMulti in a functional model.
	MergeMode string
	// BackwardLayer optionally gives the recipe of the backward layer
	// (another recurrent layer, or the same with other settings); it must
	// have go_backwards set and the same return_sequences as Layer.
	BackwardLayer Layer
	// LayerName optionally names Layer, as the name argument of the Keras
	// layer given to Bidirectional: the forward layer is named "forward_"
	// + LayerName and, without BackwardLayer, the backward one "backward_"
	// + LayerName, a "forward_" or "backward_" already there not repeated
	// (Keras's names; they prefix the weights' names and name the layers
	// in saved configs and files). Empty, the model gives Layer Keras's
	// automatic name, numbered with the model's other layers of its class:
	// in a model of two Bidirectional GRUs the second one's layers are
	// forward_gru_1 and backward_gru_1. A layer loaded from a config keeps
	// the names it holds.
	LayerName string
	// BackwardLayerName optionally names BackwardLayer; as in Keras, the
	// given backward layer keeps its name, without a prefix. Empty, the
	// model gives it its automatic name, as LayerName.
	BackwardLayerName string

	// autoNames are the names the model gave the wrapped layers that
	// LayerName and BackwardLayerName leave unnamed (NameWrapped).
	autoNames [2]string
	fwd, bwd  Layer
	weights   []*Weight
	seq       bool
	in        []int
	noMask    []*tensor.Tensor // CallMulti's masks, none
	// With return_state: the number of states per side.
	states int
	// scratch holds *biScratch: each call takes its own, so that calls
	// from several goroutines (a Predictor's) share nothing, and steady
	// state allocates nothing.
	scratch sync.Pool
}

// biScratch is the argument slices of one call.
type biScratch struct {
	pair     [2]*tensor.Tensor
	outMasks []*tensor.Tensor // CallMulti's output masks, dropped
	// The arguments of the sides' CallMultiMasked, with return_state.
	xs, ms, outs, oms [2][]*tensor.Tensor
}

// getScratch takes a scratch for a call; putScratch gives it back.
func (l *Bidirectional) getScratch() *biScratch {
	if s, ok := l.scratch.Get().(*biScratch); ok && len(s.outMasks) == 2+2*l.states {
		return s // (one of another size is from before a rebuild)
	}
	k := 1 + l.states
	s := &biScratch{outMasks: make([]*tensor.Tensor, 2+2*l.states)}
	for side := range 2 {
		s.xs[side], s.ms[side] = make([]*tensor.Tensor, k), make([]*tensor.Tensor, k)
		s.outs[side], s.oms[side] = make([]*tensor.Tensor, k), make([]*tensor.Tensor, k)
	}
	return s
}

func (l *Bidirectional) putScratch(s *biScratch) {
	// Nothing kept past the call.
	s.pair = [2]*tensor.Tensor{}
	clear(s.outMasks)
	for side := range 2 {
		clear(s.xs[side])
		clear(s.ms[side])
		clear(s.outs[side])
		clear(s.oms[side])
	}
	l.scratch.Put(s)
}

// ClassName implements Layer.
func (*Bidirectional) ClassName() string { return "Bidirectional" }

// ModelInputShape implements InputShaper: the wrapped layer's InputShape.
func (l *Bidirectional) ModelInputShape() []int {
	if s, ok := l.Layer.(InputShaper); ok {
		return s.ModelInputShape()
	}
	return nil
}

// sequenceOptions reads go_backwards, return_sequences and return_state
// from a recurrent layer's config.
func sequenceOptions(field string, r Layer) (backwards, sequences, state bool, err error) {
	b, err := MarshalLayer(r, "r")
	if err != nil {
		return false, false, false, fmt.Errorf("layers: Bidirectional: %s: %w", field, err)
	}
	var s struct {
		Config struct {
			GoBackwards     *bool `json:"go_backwards"`
			ReturnSequences *bool `json:"return_sequences"`
			ReturnState     bool  `json:"return_state"`
		} `json:"config"`
	}
	if err := json.Unmarshal(b, &s); err != nil || s.Config.GoBackwards == nil || s.Config.ReturnSequences == nil {
		return false, false, false, fmt.Errorf("layers: Bidirectional: %s must be a recurrent layer (a config with go_backwards and return_sequences), got %s", field, r.ClassName())
	}
	return *s.Config.GoBackwards, *s.Config.ReturnSequences, s.Config.ReturnState, nil
}

// recreate makes a fresh layer from r's config with the given name in it
// and go_backwards set as asked, as Keras's Bidirectional recreates its
// layers from their configs.
func recreate(r Layer, name string, backwards bool) (Layer, error) {
	b, err := MarshalLayer(r, name)
	if err != nil {
		return nil, err
	}
	var s struct {
		ClassName string                     `json:"class_name"`
		Config    map[string]json.RawMessage `json:"config"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, err
	}
	s.Config["go_backwards"] = json.RawMessage(fmt.Sprint(backwards))
	if b, err = json.Marshal(s); err != nil {
		return nil, err
	}
	l, _, err := UnmarshalLayer(b)
	return l, err
}

// sides validates the settings and makes fresh forward and backward
// layers (Build keeps them; Plan and Config only look).
func (l *Bidirectional) sides() (fwd, bwd Layer, seq bool, err error) {
	fail := func(err error) (Layer, Layer, bool, error) { return nil, nil, false, err }
	var fb, fs bool
	switch l.MergeMode {
	case "", "concat", "sum", "mul", "ave", "none":
	default:
		return fail(fmt.Errorf("layers: Bidirectional: MergeMode must be \"concat\", \"sum\", \"mul\", \"ave\" or \"none\", got %q", l.MergeMode))
	}
	if isNilLayer(l.Layer) {
		return fail(fmt.Errorf("layers: Bidirectional: Layer is nil"))
	}
	fb, seq, fs, err = sequenceOptions("Layer", l.Layer)
	if err != nil {
		return fail(err)
	}
	if _, ok := l.Layer.(MultiPlanner); fs && !ok {
		return fail(fmt.Errorf("layers: Bidirectional: Layer %s has return_state but does not implement MultiPlanner", l.Layer.ClassName()))
	}
	fname, bname, err := l.sideNames()
	if err != nil {
		return fail(err)
	}
	fwd, err = recreate(l.Layer, fname, fb)
	if err != nil {
		return fail(fmt.Errorf("layers: Bidirectional: Layer: %w", err))
	}
	if isNilLayer(l.BackwardLayer) {
		if fb {
			return fail(fmt.Errorf("layers: Bidirectional: Layer has go_backwards set; the backward copy would run the same way"))
		}
		if bwd, err = recreate(l.Layer, bname, true); err != nil {
			return fail(fmt.Errorf("layers: Bidirectional: Layer: %w", err))
		}
	} else {
		bb, bseq, bs, err := sequenceOptions("BackwardLayer", l.BackwardLayer)
		if err != nil {
			return fail(err)
		}
		if bs != fs {
			return fail(fmt.Errorf("layers: Bidirectional: Layer and BackwardLayer must have the same return_state, got %v and %v", fs, bs))
		}
		if bb == fb {
			return fail(fmt.Errorf("layers: Bidirectional: Layer and BackwardLayer must have different go_backwards, both are %v", fb))
		}
		if bseq != seq {
			return fail(fmt.Errorf("layers: Bidirectional: Layer and BackwardLayer must have the same return_sequences, got %v and %v", seq, bseq))
		}
		// A fresh copy, so that the wrapper owns its weights as it owns the
		// forward layer's.
		if bwd, err = recreate(l.BackwardLayer, bname, true); err != nil {
			return fail(fmt.Errorf("layers: Bidirectional: BackwardLayer: %w", err))
		}
	}
	return fwd, bwd, seq, nil
}

// sideNames returns the names of the forward and the backward layer, as
// Keras's Bidirectional makes them from the wrapped layers' names.
func (l *Bidirectional) sideNames() (fwd, bwd string, err error) {
	for _, n := range []struct{ field, name string }{{"LayerName", l.LayerName}, {"BackwardLayerName", l.BackwardLayerName}} {
		if strings.Contains(n.name, "/") {
			return "", "", fmt.Errorf("layers: Bidirectional: %s %q must hold no '/'", n.field, n.name)
		}
	}
	name := l.LayerName
	if name == "" {
		name = l.autoNames[0]
	}
	if name == "" {
		name = DefaultName(l.Layer.ClassName())
	}
	fwd = "forward_" + strings.TrimPrefix(name, "forward_")
	if isNilLayer(l.BackwardLayer) {
		if l.BackwardLayerName != "" {
			return "", "", fmt.Errorf("layers: Bidirectional: BackwardLayerName %q names no BackwardLayer", l.BackwardLayerName)
		}
		return fwd, "backward_" + strings.TrimPrefix(name, "backward_"), nil
	}
	bwd = l.BackwardLayerName
	if bwd == "" {
		bwd = l.autoNames[1]
	}
	if bwd == "" {
		// Outside a model, the name a fresh Keras session gives the
		// layer made after Layer.
		bwd = DefaultName(l.BackwardLayer.ClassName())
		if l.LayerName == "" && bwd == DefaultName(l.Layer.ClassName()) {
			bwd += "_1"
		}
	}
	if bwd == fwd {
		return "", "", fmt.Errorf("layers: Bidirectional: the forward and the backward layer are both named %q", bwd)
	}
	return fwd, bwd, nil
}

// UnnamedWrapped implements WrappedNamer: the classes of Layer and
// BackwardLayer, those that LayerName and BackwardLayerName leave unnamed.
func (l *Bidirectional) UnnamedWrapped() []string {
	var out []string
	if l.LayerName == "" && !isNilLayer(l.Layer) {
		out = append(out, l.Layer.ClassName())
	}
	if l.BackwardLayerName == "" && !isNilLayer(l.BackwardLayer) {
		out = append(out, l.BackwardLayer.ClassName())
	}
	return out
}

// NameWrapped implements WrappedNamer; a built layer's weights take the
// new names.
func (l *Bidirectional) NameWrapped(names []string) {
	i := 0
	next := func() string {
		if i < len(names) {
			i++
			return names[i-1]
		}
		return ""
	}
	l.autoNames = [2]string{}
	if l.LayerName == "" && !isNilLayer(l.Layer) {
		l.autoNames[0] = next()
	}
	if l.BackwardLayerName == "" && !isNilLayer(l.BackwardLayer) {
		l.autoNames[1] = next()
	}
	if l.fwd != nil {
		l.nameWeights()
	}
}

// nameWeights lists the forward and then the backward layer's weights
// under the wrapper's names for them, "forward_gru/kernel", ….
func (l *Bidirectional) nameWeights() {
	fname, bname, err := l.sideNames()
	if err != nil {
		return // (Build checked the names)
	}
	old := l.weights
	l.weights = nil
	for _, side := range []struct {
		name string
		l    Layer
	}{{fname, l.fwd}, {bname, l.bwd}} {
		for _, w := range side.l.Weights() {
			// The same tensor under the wrapper's name for it; renamed
			// in place when the wrapper had it already.
			name := side.name + "/" + w.Name
			if i := len(l.weights); i < len(old) && old[i].Value == w.Value {
				old[i].Name = name
				l.weights = append(l.weights, old[i])
				continue
			}
			l.weights = append(l.weights, &Weight{Name: name, Value: w.Value, Trainable: w.Trainable})
		}
	}
}

// Plan implements Planner.
func (l *Bidirectional) Plan(in []int) ([]int, []WeightShape, error) {
	if err := l.oneOutput(); err != nil {
		return nil, nil, err
	}
	fwd, bwd, _, err := l.sides()
	if err != nil {
		return nil, nil, err
	}
	out, _, ws, err := l.planSides(fwd, bwd, [][]int{in})
	return out, ws, err
}

// oneOutput refuses MergeMode "none" and return_state where the layer
// must have one output.
func (l *Bidirectional) oneOutput() error {
	if l.MergeMode == "none" {
		return fmt.Errorf("layers: Bidirectional: MergeMode \"none\" gives 2 outputs; apply the layer with models.ApplyMulti in a functional model")
	}
	if l.returnState() {
		return fmt.Errorf("layers: Bidirectional: the wrapped %s has return_state, which gives several outputs; apply the layer with models.ApplyMulti in a functional model", l.Layer.ClassName())
	}
	return nil
}

// returnState reports whether the wrapped layer has return_state.
func (l *Bidirectional) returnState() bool {
	if isNilLayer(l.Layer) {
		return false
	}
	_, _, s, err := sequenceOptions("Layer", l.Layer)
	return err == nil && s
}

// UsesMulti implements DualLayer: with MergeMode "none", or return_state,
// the layer has several outputs.
func (l *Bidirectional) UsesMulti(int) bool { return l.MergeMode == "none" || l.returnState() }

// KeywordInputs implements KeywordInputs: initial_state.
func (*Bidirectional) KeywordInputs() string { return "initial_state" }

// PlanMulti implements MultiPlanner: the sequence, and with return_state
// optionally the initial states (the forward layer's, then the backward
// layer's); the output, or two with MergeMode "none", then with
// return_state the forward and the backward layer's last states.
func (l *Bidirectional) PlanMulti(in [][]int) ([][]int, []WeightShape, error) {
	fwd, bwd, _, err := l.sides()
	if err != nil {
		return nil, nil, err
	}
	out, states, ws, err := l.planSides(fwd, bwd, in)
	if err != nil {
		return nil, nil, err
	}
	outs := [][]int{out}
	if l.MergeMode == "none" {
		outs = append(outs, slices.Clone(out))
	}
	for range 2 {
		for _, s := range states {
			outs = append(outs, slices.Clone(s))
		}
	}
	return outs, ws, nil
}

// BuildMulti implements MultiLayer.
func (l *Bidirectional) BuildMulti(in [][]int, rng *rand.Rand) ([][]int, error) {
	outs, _, err := l.PlanMulti(in)
	if err != nil {
		return nil, err
	}
	if _, err := l.build(in, rng); err != nil {
		return nil, err
	}
	return outs, nil
}

// CallMulti implements MultiLayer.
func (l *Bidirectional) CallMulti(xs []*tensor.Tensor, training bool, outs []*tensor.Tensor) {
	s := l.getScratch()
	l.CallMultiMasked(xs, l.noMask[:len(xs)], training, outs, s.outMasks[:len(outs)])
	l.putScratch(s)
}

// CallMultiMasked implements MaskedMulti: the mask of the sequence (the
// first input's) reaches both layers; the outputs keep it with
// return_sequences, and the states carry none.
func (l *Bidirectional) CallMultiMasked(xs, masks []*tensor.Tensor, training bool, outs, outMasks []*tensor.Tensor) {
	s := l.getScratch()
	defer l.putScratch(s)
	var y, yr *tensor.Tensor
	if l.states > 0 {
		y, yr = l.statesOn(s, xs, masks[0], training, outs)
	} else {
		y, yr = l.sidesOn(xs[0], masks[0], training)
	}
	clear(outMasks)
	m := sequenceMask(masks[0], l.seq)
	if l.MergeMode == "none" {
		outs[0], outs[1], outMasks[0], outMasks[1] = y, yr, m, m
		return
	}
	outs[0], outMasks[0] = l.merge(s, y, yr), m
}

// statesOn runs both layers with return_state: outs gets their states
// after the output(s); it returns the outputs, as sidesOn.
func (l *Bidirectional) statesOn(sc *biScratch, xs []*tensor.Tensor, mask *tensor.Tensor, training bool, outs []*tensor.Tensor) (y, yr *tensor.Tensor) {
	checkBatch("Bidirectional", xs[0], l.in)
	first := 1
	if l.MergeMode == "none" {
		first = 2
	}
	for side, s := range []Layer{l.fwd, l.bwd} {
		sx := sc.xs[side][:1]
		sx[0] = xs[0]
		if len(xs) > 1 {
			sx = sc.xs[side][:1+l.states]
			copy(sx[1:], xs[1+side*l.states:1+(side+1)*l.states])
		}
		ms := sc.ms[side][:len(sx)]
		clear(ms)
		ms[0] = mask
		so := sc.outs[side]
		if mm, ok := s.(MaskedMulti); ok {
			mm.CallMultiMasked(sx, ms, training, so, sc.oms[side])
		} else {
			s.(MultiLayer).CallMulti(sx, training, so)
		}
		copy(outs[first+side*l.states:], so[1:])
	}
	y, yr = sc.outs[0][0], sc.outs[1][0]
	if l.seq {
		yr = yr.Reverse(1)
		if mask != nil {
			y, yr = tensor.MaskSteps(y, mask), tensor.MaskSteps(yr, mask)
		}
	}
	return y, yr
}

// planSides plans the forward and backward layers on in: the sequence,
// and with return_state optionally the initial states, half for each
// layer. It returns the merged output's shape and, with return_state,
// the shapes of one layer's states.
func (l *Bidirectional) planSides(fwd, bwd Layer, in [][]int) (out []int, states [][]int, ws []WeightShape, err error) {
	fm, fState := fwd.(MultiPlanner)
	bm, _ := bwd.(MultiPlanner)
	if d, ok := fwd.(DualLayer); !fState || !ok || !d.UsesMulti(1) {
		fState = false
	}
	var fws, bws []WeightShape
	var bout []int
	if fState {
		if bm == nil {
			return nil, nil, nil, fmt.Errorf("layers: Bidirectional: the backward layer %s must implement MultiPlanner", bwd.ClassName())
		}
		half := [2][][]int{{in[0]}, {in[0]}}
		if len(in) > 1 {
			if (len(in)-1)%2 != 0 {
				return nil, nil, nil, fmt.Errorf("layers: Bidirectional: takes the sequence and optionally the initial states of both layers (an even number), got %d inputs", len(in))
			}
			k := (len(in) - 1) / 2
			half[0], half[1] = append(half[0], in[1:1+k]...), append(half[1], in[1+k:]...)
		}
		fo, fw, err := fm.PlanMulti(half[0])
		if err != nil {
			return nil, nil, nil, fmt.Errorf("layers: Bidirectional: %w", err)
		}
		bo, bw, err := bm.PlanMulti(half[1])
		if err != nil {
			return nil, nil, nil, fmt.Errorf("layers: Bidirectional: BackwardLayer: %w", err)
		}
		if len(fo) != len(bo) {
			return nil, nil, nil, fmt.Errorf("layers: Bidirectional: the forward layer gives %d outputs, the backward one %d", len(fo), len(bo))
		}
		for i := 1; i < len(fo); i++ {
			if !slices.Equal(fo[i], bo[i]) {
				return nil, nil, nil, fmt.Errorf("layers: Bidirectional: the forward layer's state %d is %v per example, the backward one's %v", i-1, fo[i], bo[i])
			}
		}
		out, states, fws, bout, bws = fo[0], fo[1:], fw, bo[0], bw
	} else {
		if len(in) != 1 {
			return nil, nil, nil, fmt.Errorf("layers: Bidirectional: takes 1 input (initial states need return_state), got %d", len(in))
		}
		fp, ok1 := fwd.(Planner)
		bp, ok2 := bwd.(Planner)
		if !ok1 || !ok2 {
			return nil, nil, nil, fmt.Errorf("layers: Bidirectional: the wrapped layers must implement Planner")
		}
		if out, fws, err = fp.Plan(in[0]); err != nil {
			return nil, nil, nil, fmt.Errorf("layers: Bidirectional: %w", err)
		}
		if bout, bws, err = bp.Plan(in[0]); err != nil {
			return nil, nil, nil, fmt.Errorf("layers: Bidirectional: BackwardLayer: %w", err)
		}
	}
	if !slices.Equal(out, bout) {
		return nil, nil, nil, fmt.Errorf("layers: Bidirectional: the forward layer gives %v per example, the backward one %v", out, bout)
	}
	fname, bname, err := l.sideNames()
	if err != nil {
		return nil, nil, nil, err
	}
	ws = make([]WeightShape, 0, len(fws)+len(bws))
	for _, w := range fws {
		w.Name = fname + "/" + w.Name
		ws = append(ws, w)
	}
	for _, w := range bws {
		w.Name = bname + "/" + w.Name
		ws = append(ws, w)
	}
	out = slices.Clone(out)
	if l.MergeMode == "" || l.MergeMode == "concat" {
		out[len(out)-1] *= 2
	}
	return out, states, ws, nil
}

// Build implements Layer.
func (l *Bidirectional) Build(in []int, rng *rand.Rand) ([]int, error) {
	if err := l.oneOutput(); err != nil {
		return nil, err
	}
	return l.build([][]int{in}, rng)
}

func (l *Bidirectional) build(in [][]int, rng *rand.Rand) ([]int, error) {
	fwd, bwd, seq, err := l.sides()
	if err != nil {
		return nil, err
	}
	out, states, _, err := l.planSides(fwd, bwd, in)
	if err != nil {
		return nil, err
	}
	if l.returnState() {
		// Each layer built on the sequence and its own initial states.
		k := (len(in) - 1) / 2
		if _, err := fwd.(MultiLayer).BuildMulti(append([][]int{in[0]}, in[1:1+k]...), rng); err != nil {
			return nil, fmt.Errorf("layers: Bidirectional: %w", err)
		}
		if _, err := bwd.(MultiLayer).BuildMulti(append([][]int{in[0]}, in[1+k:]...), rng); err != nil {
			return nil, fmt.Errorf("layers: Bidirectional: BackwardLayer: %w", err)
		}
	} else {
		if _, err := fwd.Build(in[0], rng); err != nil {
			return nil, fmt.Errorf("layers: Bidirectional: %w", err)
		}
		if _, err := bwd.Build(in[0], rng); err != nil {
			return nil, fmt.Errorf("layers: Bidirectional: BackwardLayer: %w", err)
		}
	}
	l.fwd, l.bwd, l.seq, l.states = fwd, bwd, seq, len(states)
	l.noMask = make([]*tensor.Tensor, 1+2*len(states))
	l.nameWeights()
	l.in = slices.Clone(in[0])
	return out, nil
}

// Call implements Layer.
func (l *Bidirectional) Call(x *tensor.Tensor, training bool) *tensor.Tensor {
	y, _ := l.CallMasked(x, nil, training)
	return y
}

// CallMasked implements Masked: both layers skip the masked steps, and
// with return_sequences the outputs at masked steps are 0 (Keras forces
// zero_output_for_mask there) and the mask goes on.
func (l *Bidirectional) CallMasked(x, mask *tensor.Tensor, training bool) (*tensor.Tensor, *tensor.Tensor) {
	y, yr := l.sidesOn(x, mask, training)
	s := l.getScratch()
	y = l.merge(s, y, yr)
	l.putScratch(s)
	return y, sequenceMask(mask, l.seq)
}

// sidesOn runs both layers; with return_sequences the backward output is
// put back in time order and both are 0 at masked steps.
func (l *Bidirectional) sidesOn(x, mask *tensor.Tensor, training bool) (y, yr *tensor.Tensor) {
	checkBatch("Bidirectional", x, l.in)
	y, yr = callMasked(l.fwd, x, mask, training), callMasked(l.bwd, x, mask, training)
	if l.seq {
		yr = yr.Reverse(1)
		if mask != nil {
			y, yr = tensor.MaskSteps(y, mask), tensor.MaskSteps(yr, mask)
		}
	}
	return y, yr
}

// callMasked runs l with the mask if it takes one.
func callMasked(l Layer, x, mask *tensor.Tensor, training bool) *tensor.Tensor {
	if m, ok := l.(Masked); ok && mask != nil {
		y, _ := m.CallMasked(x, mask, training)
		return y
	}
	return l.Call(x, training)
}

// merge combines the forward and backward outputs by MergeMode.
func (l *Bidirectional) merge(s *biScratch, y, yr *tensor.Tensor) *tensor.Tensor {
	switch l.MergeMode {
	case "sum":
		return y.Add(yr)
	case "mul":
		return y.Mul(yr)
	case "ave":
		return y.Add(yr).MulScalar(0.5)
	}
	s.pair = [2]*tensor.Tensor{y, yr}
	return tensor.Concat(-1, s.pair[:]...)
}

// Weights implements Layer: the forward layer's, then the backward
// layer's, named after them: "forward_lstm/kernel", "backward_lstm/kernel", ….
func (l *Bidirectional) Weights() []*Weight {
	if len(l.weights) == 0 {
		return nil
	}
	return l.weights
}

// Forward returns the forward layer, after Build.
func (l *Bidirectional) Forward() Layer { return l.fwd }

// Backward returns the backward layer, after Build.
func (l *Bidirectional) Backward() Layer { return l.bwd }

// The layer's Keras config (get_config and from_config), registered as a
// custom layer would be.
func init() { Register("Bidirectional", decodeBidirectional) }

type bidirectionalConfig struct {
	MergeMode     *string         `json:"merge_mode"`
	Layer         json.RawMessage `json:"layer"`
	BackwardLayer json.RawMessage `json:"backward_layer,omitempty"`
}

// Config implements Configurable: Keras's merge_mode, layer (the forward
// layer's config, under its name forward_…) and backward_layer (under
// its name).
func (l *Bidirectional) Config() (any, error) {
	fwd, bwd, _, err := l.sides()
	if err != nil {
		return nil, err
	}
	mode := l.MergeMode
	if mode == "" {
		mode = "concat"
	}
	c := bidirectionalConfig{MergeMode: &mode}
	if mode == "none" {
		c.MergeMode = nil // Keras's None
	}
	fname, bname, err := l.sideNames()
	if err != nil {
		return nil, err
	}
	if c.Layer, err = MarshalLayer(fwd, fname); err != nil {
		return nil, err
	}
	if c.BackwardLayer, err = MarshalLayer(bwd, bname); err != nil {
		return nil, err
	}
	return c, nil
}

func decodeBidirectional(b []byte) (Layer, error) {
	var c bidirectionalConfig
	if err := DecodeConfig(b, &c); err != nil {
		return nil, err
	}
	l := &Bidirectional{MergeMode: "none"}
	if c.MergeMode != nil {
		if *c.MergeMode == "none" {
			return nil, fmt.Errorf(`merge_mode: "none" is written null`)
		}
		l.MergeMode = *c.MergeMode
	}
	if len(c.Layer) == 0 || string(c.Layer) == "null" {
		return nil, fmt.Errorf("layer is missing")
	}
	// The layers keep their names: Keras 3 writes the forward layer's
	// (forward_gru_1), Keras 2 the wrapped layer's (gru_1), and the given
	// backward layer's.
	var err error
	if l.Layer, l.LayerName, err = UnmarshalLayer(c.Layer); err != nil {
		return nil, fmt.Errorf("layer: %w", err)
	}
	if len(c.BackwardLayer) > 0 && string(c.BackwardLayer) != "null" {
		if l.BackwardLayer, l.BackwardLayerName, err = UnmarshalLayer(c.BackwardLayer); err != nil {
			return nil, fmt.Errorf("backward_layer: %w", err)
		}
	}
	if _, _, _, err := l.sides(); err != nil {
		return nil, err
	}
	return l, nil
}

var (
	_ DualLayer     = (*Bidirectional)(nil)
	_ MultiLayer    = (*Bidirectional)(nil)
	_ MaskedMulti   = (*Bidirectional)(nil)
	_ KeywordInputs = (*Bidirectional)(nil)
	_ WrappedNamer  = (*Bidirectional)(nil)
)

// isNilLayer reports whether l is nil or a typed nil pointer (a nil
// *LSTM in the interface), which would panic when called.
func isNilLayer(l Layer) bool {
	if l == nil {
		return true
	}
	v := reflect.ValueOf(l)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// SeedFrom implements Seeder: the forward and then the backward layer
// draw their own streams from rng (for recurrent dropout).
func (l *Bidirectional) SeedFrom(rng *rand.Rand) {
	for _, s := range []Layer{l.fwd, l.bwd} {
		if sd, ok := s.(Seeder); ok {
			sd.SeedFrom(rng)
		}
	}
}

// RandomState implements RandomStater: the forward and the backward
// layers' states, each after its length as 4 bytes.
func (l *Bidirectional) RandomState() ([]byte, error) {
	var out []byte
	for _, s := range []Layer{l.fwd, l.bwd} {
		var st []byte
		if rs, ok := s.(RandomStater); ok {
			var err error
			if st, err = rs.RandomState(); err != nil {
				return nil, err
			}
		}
		out = binary.BigEndian.AppendUint32(out, uint32(len(st)))
		out = append(out, st...)
	}
	if len(out) == 8 {
		return nil, nil // neither has a state yet
	}
	return out, nil
}

// SetRandomState implements RandomStater.
func (l *Bidirectional) SetRandomState(state []byte) error {
	if l.fwd == nil {
		if len(state) == 0 {
			return nil
		}
		return fmt.Errorf("layers: Bidirectional: a random state before Build")
	}
	for _, s := range []Layer{l.fwd, l.bwd} {
		var st []byte
		if len(state) > 0 {
			if len(state) < 4 || int(binary.BigEndian.Uint32(state)) > len(state)-4 {
				return fmt.Errorf("layers: Bidirectional: random state of %d bytes is damaged", len(state))
			}
			n := int(binary.BigEndian.Uint32(state))
			st, state = state[4:4+n], state[4+n:]
		}
		if rs, ok := s.(RandomStater); ok {
			if err := rs.SetRandomState(st); err != nil {
				return err
			}
		} else if len(st) > 0 {
			return fmt.Errorf("layers: Bidirectional: a random state for %s, which has none", s.ClassName())
		}
	}
	if len(state) != 0 {
		return fmt.Errorf("layers: Bidirectional: %d bytes of random state left over", len(state))
	}
	return nil
}
