package layers

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"

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

	fwd, bwd Layer
	weights  []*Weight
	seq      bool
	in       []int
	pair     [2]*tensor.Tensor
	noMask   [1]*tensor.Tensor // CallMulti's masks, none
	outMasks [2]*tensor.Tensor // CallMulti's output masks, dropped
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

// sequenceOptions reads go_backwards and return_sequences from a
// recurrent layer's config.
func sequenceOptions(field string, r Layer) (backwards, sequences bool, err error) {
	b, err := MarshalLayer(r, "r")
	if err != nil {
		return false, false, fmt.Errorf("layers: Bidirectional: %s: %w", field, err)
	}
	var s struct {
		Config struct {
			GoBackwards     *bool `json:"go_backwards"`
			ReturnSequences *bool `json:"return_sequences"`
		} `json:"config"`
	}
	if err := json.Unmarshal(b, &s); err != nil || s.Config.GoBackwards == nil || s.Config.ReturnSequences == nil {
		return false, false, fmt.Errorf("layers: Bidirectional: %s must be a recurrent layer (a config with go_backwards and return_sequences), got %s", field, r.ClassName())
	}
	return *s.Config.GoBackwards, *s.Config.ReturnSequences, nil
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
	var fb bool
	switch l.MergeMode {
	case "", "concat", "sum", "mul", "ave", "none":
	default:
		return fail(fmt.Errorf("layers: Bidirectional: MergeMode must be \"concat\", \"sum\", \"mul\", \"ave\" or \"none\", got %q", l.MergeMode))
	}
	if isNilLayer(l.Layer) {
		return fail(fmt.Errorf("layers: Bidirectional: Layer is nil"))
	}
	fb, seq, err = sequenceOptions("Layer", l.Layer)
	if err != nil {
		return fail(err)
	}
	base := DefaultName(l.Layer.ClassName())
	fwd, err = recreate(l.Layer, "forward_"+base, fb)
	if err != nil {
		return fail(fmt.Errorf("layers: Bidirectional: Layer: %w", err))
	}
	if isNilLayer(l.BackwardLayer) {
		if fb {
			return fail(fmt.Errorf("layers: Bidirectional: Layer has go_backwards set; the backward copy would run the same way"))
		}
		if bwd, err = recreate(l.Layer, "backward_"+base, true); err != nil {
			return fail(fmt.Errorf("layers: Bidirectional: Layer: %w", err))
		}
	} else {
		bb, bseq, err := sequenceOptions("BackwardLayer", l.BackwardLayer)
		if err != nil {
			return fail(err)
		}
		if bb == fb {
			return fail(fmt.Errorf("layers: Bidirectional: Layer and BackwardLayer must have different go_backwards, both are %v", fb))
		}
		if bseq != seq {
			return fail(fmt.Errorf("layers: Bidirectional: Layer and BackwardLayer must have the same return_sequences, got %v and %v", seq, bseq))
		}
		// A fresh copy, so that the wrapper owns its weights as it owns the
		// forward layer's.
		if bwd, err = recreate(l.BackwardLayer, "backward_"+DefaultName(l.BackwardLayer.ClassName()), true); err != nil {
			return fail(fmt.Errorf("layers: Bidirectional: BackwardLayer: %w", err))
		}
	}
	return fwd, bwd, seq, nil
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
	return planSides(fwd, bwd, l.MergeMode, in)
}

// oneOutput refuses MergeMode "none" where the layer must have one
// output.
func (l *Bidirectional) oneOutput() error {
	if l.MergeMode == "none" {
		return fmt.Errorf("layers: Bidirectional: MergeMode \"none\" gives 2 outputs; apply the layer with models.ApplyMulti in a functional model")
	}
	return nil
}

// UsesMulti implements DualLayer: with MergeMode "none" the layer has two
// outputs.
func (l *Bidirectional) UsesMulti(int) bool { return l.MergeMode == "none" }

// PlanMulti implements MultiPlanner: one input; one output, or two with
// MergeMode "none".
func (l *Bidirectional) PlanMulti(in [][]int) ([][]int, []WeightShape, error) {
	if len(in) != 1 {
		return nil, nil, fmt.Errorf("layers: Bidirectional: takes 1 input, got %d", len(in))
	}
	fwd, bwd, _, err := l.sides()
	if err != nil {
		return nil, nil, err
	}
	out, ws, err := planSides(fwd, bwd, l.MergeMode, in[0])
	if err != nil {
		return nil, nil, err
	}
	if l.MergeMode == "none" {
		return [][]int{out, slices.Clone(out)}, ws, nil
	}
	return [][]int{out}, ws, nil
}

// BuildMulti implements MultiLayer.
func (l *Bidirectional) BuildMulti(in [][]int, rng *rand.Rand) ([][]int, error) {
	outs, _, err := l.PlanMulti(in)
	if err != nil {
		return nil, err
	}
	if _, err := l.build(in[0], rng); err != nil {
		return nil, err
	}
	return outs, nil
}

// CallMulti implements MultiLayer.
func (l *Bidirectional) CallMulti(xs []*tensor.Tensor, training bool, outs []*tensor.Tensor) {
	l.CallMultiMasked(xs, l.noMask[:], training, outs, l.outMasks[:len(outs)])
}

// CallMultiMasked implements MaskedMulti.
func (l *Bidirectional) CallMultiMasked(xs, masks []*tensor.Tensor, training bool, outs, outMasks []*tensor.Tensor) {
	y, yr := l.sidesOn(xs[0], masks[0], training)
	m := sequenceMask(masks[0], l.seq)
	if l.MergeMode == "none" {
		outs[0], outs[1], outMasks[0], outMasks[1] = y, yr, m, m
		return
	}
	outs[0], outMasks[0] = l.merge(y, yr), m
}

// planSides plans the forward and backward layers on in.
func planSides(fwd, bwd Layer, mode string, in []int) ([]int, []WeightShape, error) {
	fp, ok1 := fwd.(Planner)
	bp, ok2 := bwd.(Planner)
	if !ok1 || !ok2 {
		return nil, nil, fmt.Errorf("layers: Bidirectional: the wrapped layers must implement Planner")
	}
	out, fws, err := fp.Plan(in)
	if err != nil {
		return nil, nil, fmt.Errorf("layers: Bidirectional: %w", err)
	}
	bout, bws, err := bp.Plan(in)
	if err != nil {
		return nil, nil, fmt.Errorf("layers: Bidirectional: BackwardLayer: %w", err)
	}
	if !slices.Equal(out, bout) {
		return nil, nil, fmt.Errorf("layers: Bidirectional: the forward layer gives %v per example, the backward one %v", out, bout)
	}
	ws := make([]WeightShape, 0, len(fws)+len(bws))
	for _, w := range fws {
		w.Name = "forward_" + DefaultName(fwd.ClassName()) + "/" + w.Name
		ws = append(ws, w)
	}
	for _, w := range bws {
		w.Name = "backward_" + DefaultName(bwd.ClassName()) + "/" + w.Name
		ws = append(ws, w)
	}
	out = slices.Clone(out)
	if mode == "" || mode == "concat" {
		out[len(out)-1] *= 2
	}
	return out, ws, nil
}

// Build implements Layer.
func (l *Bidirectional) Build(in []int, rng *rand.Rand) ([]int, error) {
	if err := l.oneOutput(); err != nil {
		return nil, err
	}
	return l.build(in, rng)
}

func (l *Bidirectional) build(in []int, rng *rand.Rand) ([]int, error) {
	fwd, bwd, seq, err := l.sides()
	if err != nil {
		return nil, err
	}
	out, _, err := planSides(fwd, bwd, l.MergeMode, in)
	if err != nil {
		return nil, err
	}
	if _, err := fwd.Build(in, rng); err != nil {
		return nil, fmt.Errorf("layers: Bidirectional: %w", err)
	}
	if _, err := bwd.Build(in, rng); err != nil {
		return nil, fmt.Errorf("layers: Bidirectional: BackwardLayer: %w", err)
	}
	l.fwd, l.bwd, l.seq = fwd, bwd, seq
	l.weights = l.weights[:0]
	for _, side := range []struct {
		prefix string
		l      Layer
	}{{"forward_", l.fwd}, {"backward_", l.bwd}} {
		for _, w := range side.l.Weights() {
			// The same tensor under the wrapper's name for it.
			l.weights = append(l.weights, &Weight{Name: side.prefix + DefaultName(side.l.ClassName()) + "/" + w.Name, Value: w.Value, Trainable: w.Trainable})
		}
	}
	l.in = slices.Clone(in)
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
	return l.merge(y, yr), sequenceMask(mask, l.seq)
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
func (l *Bidirectional) merge(y, yr *tensor.Tensor) *tensor.Tensor {
	switch l.MergeMode {
	case "sum":
		return y.Add(yr)
	case "mul":
		return y.Mul(yr)
	case "ave":
		return y.Add(yr).MulScalar(0.5)
	}
	l.pair = [2]*tensor.Tensor{y, yr}
	out := tensor.Concat(-1, l.pair[:]...)
	l.pair = [2]*tensor.Tensor{}
	return out
}

// Weights implements Layer: the forward layer's, then the backward
// layer's, named "forward_lstm/kernel", "backward_lstm/kernel", ….
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
// layer's config, named forward_…) and backward_layer.
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
	if c.Layer, err = MarshalLayer(fwd, "forward_"+DefaultName(fwd.ClassName())); err != nil {
		return nil, err
	}
	if c.BackwardLayer, err = MarshalLayer(bwd, "backward_"+DefaultName(bwd.ClassName())); err != nil {
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
	var err error
	if l.Layer, _, err = UnmarshalLayer(c.Layer); err != nil {
		return nil, fmt.Errorf("layer: %w", err)
	}
	if len(c.BackwardLayer) > 0 && string(c.BackwardLayer) != "null" {
		if l.BackwardLayer, _, err = UnmarshalLayer(c.BackwardLayer); err != nil {
			return nil, fmt.Errorf("backward_layer: %w", err)
		}
	}
	if _, _, _, err := l.sides(); err != nil {
		return nil, err
	}
	return l, nil
}

var (
	_ DualLayer   = (*Bidirectional)(nil)
	_ MultiLayer  = (*Bidirectional)(nil)
	_ MaskedMulti = (*Bidirectional)(nil)
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
