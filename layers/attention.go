package layers

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/neuron-go/neuron/initializers"
	"github.com/neuron-go/neuron/tensor"
)

// Attention is dot-product (Luong-style) attention, like
// keras.layers.Attention. It takes [query, value] or [query, value, key]
// (key defaults to value), of shapes (batch, Tq, dim), (batch, Tv, dim)
// and (batch, Tv, dim), and returns (batch, Tq, value_dim):
//
//	scores  = query·keyᵀ (·scale)                     ScoreMode "dot"
//	scores  = concat_score_weight · Σ tanh((scale·)(query + key))   "concat"
//	weights = softmax(scores), after the causal mask (scores − 1e9)
//	output  = dropout(weights)·value
//
// Weights: scale (a scalar, ones) with UseScale; concat_score_weight (a
// scalar, ones) with ScoreMode "concat".
//
// Keras's call arguments use_causal_mask and return_attention_scores are
// fields here (a model's graph has no keyword arguments; a saved model
// writes them in the call's kwargs, as Keras does): UseCausalMask, and
// ReturnAttentionScores, which adds a second output, the weights (batch,
// Tq, Tv) before dropout (use models.ApplyMulti). The returned
// weights carry no gradient. Keras's query and value masks come from
// masking layers, which neuron's graph does not propagate yet.
type Attention struct {
	// UseScale adds the trainable scalar scale to the scores.
	UseScale bool
	// ScoreMode is "dot" (the default, "") or "concat".
	ScoreMode string
	// Dropout is the fraction of the attention weights dropped while
	// training, in [0, 1).
	Dropout float32
	// Seed, if not zero, seeds the dropout stream (Keras's seed).
	Seed uint64
	// UseCausalMask keeps query step i from attending to value steps
	// after i (Keras's use_causal_mask=True).
	UseCausalMask bool
	// ReturnAttentionScores adds the attention weights as a second output.
	ReturnAttentionScores bool

	randomStream
	scale, concatWeight *Weight
	ws                  []*Weight // both, as Weights returns them
	in                  [][]int
	additive            bool // AdditiveAttention
}

// AdditiveAttention is additive (Bahdanau-style) attention, like
// keras.layers.AdditiveAttention: Attention with the scores
//
//	scores = Σ_d scale_d · tanh(query_d + key_d)
//
// where scale (dim values, glorot_uniform) is a weight unless NoScale
// (Keras's use_scale=False, which sums the tanh directly). The inputs,
// outputs, masks and dropout are Attention's.
type AdditiveAttention struct {
	// NoScale drops the scale weight (Keras's use_scale defaults to True).
	NoScale bool
	// Dropout is the fraction of the attention weights dropped while
	// training, in [0, 1).
	Dropout float32
	// Seed, if not zero, seeds the dropout stream.
	Seed uint64
	// UseCausalMask and ReturnAttentionScores are Attention's.
	UseCausalMask, ReturnAttentionScores bool

	impl Attention // the shared implementation, configured by sync
}

// attentionStream is the second PCG word of a seeded attention stream.
const attentionStream = 0x617474656e74 // "attent"

// ClassName implements MultiLayer.
func (*Attention) ClassName() string { return "Attention" }

// ClassName implements MultiLayer.
func (*AdditiveAttention) ClassName() string { return "AdditiveAttention" }

func (l *Attention) name() string {
	if l.additive {
		return "AdditiveAttention"
	}
	return "Attention"
}

// plan checks the settings and the inputs and returns the output shapes
// and the weights.
func (l *Attention) plan(in [][]int) ([][]int, []WeightShape, error) {
	name := l.name()
	if l.ScoreMode != "" && l.ScoreMode != "dot" && l.ScoreMode != "concat" {
		return nil, nil, fmt.Errorf("layers: %s: ScoreMode must be \"dot\" or \"concat\", got %q", name, l.ScoreMode)
	}
	if !(l.Dropout >= 0 && l.Dropout < 1) {
		return nil, nil, fmt.Errorf("layers: %s: Dropout must be in [0, 1), got %v", name, l.Dropout)
	}
	if len(in) < 2 || len(in) > 3 {
		return nil, nil, fmt.Errorf("layers: %s: takes [query, value] or [query, value, key], got %d inputs: %s", name, len(in), shapesList(in))
	}
	for i, s := range in {
		if len(s) != 2 {
			return nil, nil, fmt.Errorf("layers: %s: want inputs of rank 2 per example (steps, dim); %s has shape %v", name, attnInputName(i), s)
		}
		if err := checkOutput(name, attnInputName(i), s); err != nil {
			return nil, nil, err
		}
	}
	q, v, k := in[0], in[1], in[1]
	if len(in) == 3 {
		k = in[2]
	}
	if k[0] != v[0] {
		return nil, nil, fmt.Errorf("layers: %s: value and key must have the same number of steps, got shapes %v and %v", name, v, k)
	}
	if q[1] != k[1] {
		return nil, nil, fmt.Errorf("layers: %s: query and key must have the same width (last axis), got shapes %v and %v", name, q, k)
	}
	var ws []WeightShape
	switch {
	case l.additive && l.UseScale:
		ws = append(ws, WeightShape{Name: "scale", Shape: []int{q[1]}})
	case l.UseScale:
		ws = append(ws, WeightShape{Name: "scale", Shape: []int{}})
	}
	if l.ScoreMode == "concat" {
		ws = append(ws, WeightShape{Name: "concat_score_weight", Shape: []int{}})
	}
	out := [][]int{{q[0], v[1]}}
	if l.ReturnAttentionScores {
		out = append(out, []int{q[0], v[0]})
	}
	return out, ws, nil
}

func attnInputName(i int) string { return [...]string{"query", "value", "key", "attention_mask"}[i] }

// PlanMulti implements MultiPlanner.
func (l *Attention) PlanMulti(in [][]int) ([][]int, []WeightShape, error) { return l.plan(in) }

// BuildMulti implements MultiLayer.
func (l *Attention) BuildMulti(in [][]int, rng *rand.Rand) ([][]int, error) {
	out, ws, err := l.plan(in)
	if err != nil {
		return nil, err
	}
	l.scale, l.concatWeight = nil, nil
	for _, w := range ws {
		var vals []float32
		if w.Name == "scale" && l.additive {
			vals = initializers.GlorotUniform{}.Init(w.Shape, rng)
		} else {
			vals = []float32{1}
		}
		wt := &Weight{Name: w.Name, Value: tensor.New(w.Shape, vals).RequireGrad(), Trainable: true}
		if w.Name == "scale" {
			l.scale = wt
		} else {
			l.concatWeight = wt
		}
	}
	l.ws = scaleCenterWeights(l.scale, l.concatWeight)
	l.in = cloneShapes(in)
	l.reset()
	return out, nil
}

func cloneShapes(in [][]int) [][]int {
	out := make([][]int, len(in))
	for i, s := range in {
		out[i] = append([]int(nil), s...)
	}
	return out
}

// SeedFrom implements Seeder.
func (l *Attention) SeedFrom(rng *rand.Rand) { l.seedFrom(rng, l.Seed, attentionStream) }

// CallMulti implements MultiLayer.
func (l *Attention) CallMulti(xs []*tensor.Tensor, training bool, outs []*tensor.Tensor) {
	name := l.name()
	if len(xs) != len(l.in) {
		panic(&tensor.ShapeError{Op: name, Msg: fmt.Sprintf("built for %d inputs, got %d", len(l.in), len(xs))})
	}
	for i, x := range xs {
		checkBatch(name, x, l.in[i])
	}
	q, v, k := xs[0], xs[1], xs[1]
	if len(xs) == 3 {
		k = xs[2]
	}
	o := tensor.AttentionOptions{Causal: l.UseCausalMask, Fill: tensor.FillSubtract}
	if training && l.Dropout > 0 {
		o.DropoutRate, o.DropoutRNG = l.Dropout, l.stream(l.Seed, attentionStream)
	}
	bs, tq, tv := q.Dim(0), q.Dim(1), v.Dim(1)
	var out, probs *tensor.Tensor
	if l.ScoreMode == "concat" || l.additive {
		var inner, outer *tensor.Tensor
		if l.additive {
			outer = values(l.scale)
		} else {
			inner, outer = values(l.scale), l.concatWeight.Value
		}
		out, probs = tensor.AttendScores(tensor.AdditiveScores(q, k, inner, outer), v, o)
	} else {
		o.ScaleWeight = values(l.scale)
		d, dv := q.Dim(2), v.Dim(2)
		out, probs = tensor.DotProductAttention(q.Reshape(bs, tq, 1, d), k.Reshape(bs, tv, 1, d), v.Reshape(bs, tv, 1, dv), o)
		out = out.Reshape(bs, tq, dv)
	}
	outs[0] = out
	if len(outs) > 1 {
		outs[1] = probs.Reshape(bs, tq, tv)
	}
}

// Weights implements MultiLayer: scale, concat_score_weight.
func (l *Attention) Weights() []*Weight { return l.ws }

// Build implements Layer: it refuses a single input, as Keras refuses an
// Attention called on one tensor.
func (l *Attention) Build(in []int, _ *rand.Rand) ([]int, error) {
	return nil, fmt.Errorf("layers: %s: takes [query, value] or [query, value, key] (apply it to several nodes of a model's graph), got one input of shape %v", l.name(), in)
}

// Plan implements Planner: it refuses a single input, as Build does.
func (l *Attention) Plan(in []int) ([]int, []WeightShape, error) {
	_, err := l.Build(in, nil)
	return nil, nil, err
}

// Call implements Layer as attention of the one input x to itself, which
// Build refuses.
func (l *Attention) Call(x *tensor.Tensor, training bool) *tensor.Tensor {
	outs := []*tensor.Tensor{nil}
	l.CallMulti([]*tensor.Tensor{x}, training, outs)
	return outs[0]
}

// sync copies AdditiveAttention's settings into its implementation.
func (l *AdditiveAttention) sync() *Attention {
	a := &l.impl
	a.additive, a.UseScale, a.Dropout, a.Seed = true, !l.NoScale, l.Dropout, l.Seed
	a.UseCausalMask, a.ReturnAttentionScores, a.ScoreMode = l.UseCausalMask, l.ReturnAttentionScores, ""
	return a
}

// PlanMulti implements MultiPlanner.
func (l *AdditiveAttention) PlanMulti(in [][]int) ([][]int, []WeightShape, error) {
	c := *l
	return c.sync().plan(in)
}

// BuildMulti implements MultiLayer.
func (l *AdditiveAttention) BuildMulti(in [][]int, rng *rand.Rand) ([][]int, error) {
	return l.sync().BuildMulti(in, rng)
}

// CallMulti implements MultiLayer.
func (l *AdditiveAttention) CallMulti(xs []*tensor.Tensor, training bool, outs []*tensor.Tensor) {
	l.impl.CallMulti(xs, training, outs)
}

// SeedFrom implements Seeder.
func (l *AdditiveAttention) SeedFrom(rng *rand.Rand) { l.sync().SeedFrom(rng) }

// Weights implements MultiLayer: scale.
func (l *AdditiveAttention) Weights() []*Weight { return l.impl.Weights() }

// RandomState implements RandomStater.
func (l *AdditiveAttention) RandomState() ([]byte, error) { return l.impl.RandomState() }

// SetRandomState implements RandomStater.
func (l *AdditiveAttention) SetRandomState(state []byte) error { return l.impl.SetRandomState(state) }

// Build implements Layer: it refuses a single input.
func (l *AdditiveAttention) Build(in []int, rng *rand.Rand) ([]int, error) {
	return l.sync().Build(in, rng)
}

// Plan implements Planner: it refuses a single input.
func (l *AdditiveAttention) Plan(in []int) ([]int, []WeightShape, error) {
	_, err := l.Build(in, nil)
	return nil, nil, err
}

// Call implements Layer; Build refuses a single input.
func (l *AdditiveAttention) Call(x *tensor.Tensor, training bool) *tensor.Tensor {
	return l.sync().Call(x, training)
}

// The layers' Keras configs (get_config and from_config). Keras's call
// arguments use_causal_mask and return_attention_scores are not part of
// them: a functional model saves them with each call, in the node's
// kwargs (see CallArguments).
func init() {
	Register("Attention", decodeAttention)
	Register("AdditiveAttention", decodeAdditiveAttention)
}

type attentionConfig struct {
	UseScale  bool    `json:"use_scale"`
	ScoreMode string  `json:"score_mode,omitempty"`
	Dropout   float32 `json:"dropout"`
	Seed      *uint64 `json:"seed"`
}

// Config implements Configurable.
func (l *Attention) Config() (any, error) {
	mode := l.ScoreMode
	if mode == "" {
		mode = "dot"
	}
	return attentionConfig{l.UseScale, mode, l.Dropout, seedPtr(l.Seed)}, nil
}

// Config implements Configurable.
func (l *AdditiveAttention) Config() (any, error) {
	return attentionConfig{!l.NoScale, "", l.Dropout, seedPtr(l.Seed)}, nil
}

func (c *attentionConfig) check() error {
	if !(c.Dropout >= 0 && c.Dropout < 1) {
		return fmt.Errorf("dropout must be in [0, 1), got %v", c.Dropout)
	}
	return nil
}

func decodeAttention(b []byte) (Layer, error) {
	c := attentionConfig{ScoreMode: "dot"}
	if err := DecodeConfig(b, &c); err != nil {
		return nil, err
	}
	if c.ScoreMode != "dot" && c.ScoreMode != "concat" {
		return nil, fmt.Errorf("score_mode must be \"dot\" or \"concat\", got %q", c.ScoreMode)
	}
	if err := c.check(); err != nil {
		return nil, err
	}
	l := &Attention{UseScale: c.UseScale, ScoreMode: c.ScoreMode, Dropout: c.Dropout}
	if c.ScoreMode == "dot" {
		l.ScoreMode = ""
	}
	if c.Seed != nil {
		l.Seed = *c.Seed
	}
	return l, nil
}

func decodeAdditiveAttention(b []byte) (Layer, error) {
	c := attentionConfig{UseScale: true}
	if err := DecodeConfig(b, &c); err != nil {
		return nil, err
	}
	if c.ScoreMode != "" {
		return nil, errors.New("score_mode: not a key of AdditiveAttention")
	}
	if err := c.check(); err != nil {
		return nil, err
	}
	l := &AdditiveAttention{NoScale: !c.UseScale, Dropout: c.Dropout}
	if c.Seed != nil {
		l.Seed = *c.Seed
	}
	return l, nil
}

// CallArguments is implemented by layers whose Keras call takes more than
// a list of tensors: arguments that neuron keeps as the layer's fields
// (use_causal_mask, return_attention_scores) and inputs that Keras passes
// by keyword (MultiHeadAttention's key and attention_mask). A functional
// model's config writes a call of such a layer as Keras does, with these
// in the node's args and kwargs, and not in the layer's config.
type CallArguments interface {
	// CallSignature tells how Keras passes a call on n inputs: the first
	// positional inputs as separate arguments (0: all n in one list, the
	// only argument), the keyword names of the inputs after those, in
	// order, and the other keyword arguments with their values.
	CallSignature(n int) (positional int, keywords []string, options map[string]any)
	// TensorKeywords lists the keyword arguments that take tensors, in
	// the order of the layer's inputs.
	TensorKeywords() []string
	// SetCallOptions sets the layer's fields from a saved call: the tensor
	// keywords it was given and its other keyword arguments. An unknown
	// keyword or a value of the wrong type is an error naming it.
	SetCallOptions(tensors []string, options map[string]json.RawMessage) error
}

// callOptions returns use_causal_mask and return_attention_scores when
// they are set (Keras writes the keyword arguments a call was given).
func callOptions(causal, scores bool) map[string]any {
	o := map[string]any{}
	if causal {
		o["use_causal_mask"] = true
	}
	if scores {
		o["return_attention_scores"] = true
	}
	return o
}

// setCallOptions reads use_causal_mask and return_attention_scores.
func setCallOptions(options map[string]json.RawMessage, causal, scores *bool) error {
	*causal, *scores = false, false
	for k, v := range options {
		var dst *bool
		switch k {
		case "use_causal_mask":
			dst = causal
		case "return_attention_scores":
			dst = scores
		case "training":
			continue // Keras may record it; neuron's Fit decides
		default:
			return fmt.Errorf("kwargs: unknown keyword argument %q", k)
		}
		if err := DecodeConfig(v, dst); err != nil {
			return fmt.Errorf("kwargs: %s: %w", k, err)
		}
	}
	return nil
}

// CallSignature implements CallArguments: Keras calls Attention on one
// list, [query, value] or [query, value, key].
func (l *Attention) CallSignature(int) (int, []string, map[string]any) {
	return 0, nil, callOptions(l.UseCausalMask, l.ReturnAttentionScores)
}

// TensorKeywords implements CallArguments: none.
func (l *Attention) TensorKeywords() []string { return nil }

// SetCallOptions implements CallArguments.
func (l *Attention) SetCallOptions(tensors []string, options map[string]json.RawMessage) error {
	if len(tensors) > 0 {
		return fmt.Errorf("kwargs: %s takes no tensor keyword arguments, got %v", l.name(), tensors)
	}
	return setCallOptions(options, &l.UseCausalMask, &l.ReturnAttentionScores)
}

// CallSignature implements CallArguments.
func (l *AdditiveAttention) CallSignature(n int) (int, []string, map[string]any) {
	return 0, nil, callOptions(l.UseCausalMask, l.ReturnAttentionScores)
}

// TensorKeywords implements CallArguments: none.
func (l *AdditiveAttention) TensorKeywords() []string { return nil }

// SetCallOptions implements CallArguments.
func (l *AdditiveAttention) SetCallOptions(tensors []string, options map[string]json.RawMessage) error {
	if len(tensors) > 0 {
		return fmt.Errorf("kwargs: AdditiveAttention takes no tensor keyword arguments, got %v", tensors)
	}
	return setCallOptions(options, &l.UseCausalMask, &l.ReturnAttentionScores)
}
