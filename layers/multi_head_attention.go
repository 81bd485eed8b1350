package layers

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/neuron-go/neuron/initializers"
	"github.com/neuron-go/neuron/tensor"
)

// MultiHeadAttention is multi-headed scaled dot-product attention
// ("Attention Is All You Need"), like keras.layers.MultiHeadAttention. It
// takes [query, value] or [query, value, key] (key defaults to value), of
// shapes (batch, T, dim_q), (batch, S, dim_v) and (batch, S, dim_k), and
// returns (batch, T, dim_q), or (batch, T, OutputShape…):
//
//	q = query·Wq + bq    (batch, T, heads, key_dim), and k, v likewise
//	attention = softmax(q·kᵀ/√key_dim, masked) per head
//	output = (dropout(attention)·v)·Wo + bo
//
// With query, value and key the same node it is self-attention.
//
// Weights, with Keras's names and shapes (each projection is an
// EinsumDense): query/kernel (dim_q, heads, key_dim), query/bias (heads,
// key_dim), key/kernel (dim_k, heads, key_dim), key/bias,
// value/kernel (dim_v, heads, value_dim), value/bias (heads, value_dim),
// attention_output/kernel (heads, value_dim, dim_q) and
// attention_output/bias (dim_q); no biases with NoBias. Kernels are
// initialised with fan_in and fan_out over the contracted and produced
// axes, as EinsumDense does.
//
// Keras's call arguments are fields (a model's graph has no keyword
// arguments; a saved model writes query and value as the call's args and
// the others as its kwargs, as Keras does): UseCausalMask; AttentionMask, which takes the attention mask
// (batch, T, S) as the last input (1 attends, 0 does not; a query step
// with no key to attend gets zeros, as Keras's masked softmax gives); and
// ReturnAttentionScores, which adds a second output, the attention
// probabilities (batch, heads, T, S), before dropout and without a
// gradient (use models.ApplyMulti).
type MultiHeadAttention struct {
	// NumHeads is the number of attention heads; > 0.
	NumHeads int
	// KeyDim is the size of each head for query and key; > 0.
	KeyDim int
	// ValueDim is the size of each head for value; 0 means KeyDim.
	ValueDim int
	// Dropout is the fraction of the attention probabilities dropped
	// while training, in [0, 1).
	Dropout float32
	// NoBias drops the projections' biases (Keras's use_bias=False).
	NoBias bool
	// OutputShape is the shape of each step of the output; nil projects
	// back to the query's width.
	OutputShape []int
	// AttentionAxes are the axes attention is applied over, as Keras
	// counts them on the projected (batch, T, heads, key_dim) tensor; nil
	// is Keras's default, the steps axis ({1}, also written {-2}), the
	// only one supported.
	AttentionAxes []int
	// KernelInitializer defaults to GlorotUniform, BiasInitializer to
	// Zeros; they initialise all four projections.
	KernelInitializer, BiasInitializer initializers.Initializer
	// KernelRegularizer and BiasRegularizer penalise every kernel and
	// every bias; nil means none.
	KernelRegularizer, BiasRegularizer Regularizer
	// Seed, if not zero, seeds the dropout stream (Keras's seed).
	Seed uint64
	// UseCausalMask keeps query step i from attending to key steps after
	// i (Keras's use_causal_mask=True).
	UseCausalMask bool
	// AttentionMask makes the last input the attention mask (batch, T, S).
	AttentionMask bool
	// ReturnAttentionScores adds the attention probabilities as a second
	// output.
	ReturnAttentionScores bool

	randomStream
	ws     []*Weight // query, key, value, attention_output: kernel, bias
	in     [][]int
	hasKey bool
}

// ClassName implements MultiLayer.
func (*MultiHeadAttention) ClassName() string { return "MultiHeadAttention" }

func (l *MultiHeadAttention) valueDim() int {
	if l.ValueDim == 0 {
		return l.KeyDim
	}
	return l.ValueDim
}

// checkSettings checks the fields that do not depend on the inputs.
func (l *MultiHeadAttention) checkSettings() error {
	const name = "MultiHeadAttention"
	switch {
	case l.NumHeads <= 0:
		return fmt.Errorf("layers: %s: NumHeads must be a positive integer, got %d", name, l.NumHeads)
	case l.KeyDim <= 0:
		return fmt.Errorf("layers: %s: KeyDim must be a positive integer, got %d", name, l.KeyDim)
	case l.ValueDim < 0:
		return fmt.Errorf("layers: %s: ValueDim must be a positive integer (or 0 for KeyDim), got %d", name, l.ValueDim)
	case !(l.Dropout >= 0 && l.Dropout < 1):
		return fmt.Errorf("layers: %s: Dropout must be in [0, 1), got %v", name, l.Dropout)
	}
	for _, d := range l.OutputShape {
		if d <= 0 {
			return fmt.Errorf("layers: %s: OutputShape must have positive dimensions, got %v", name, l.OutputShape)
		}
	}
	if len(l.OutputShape) > 5 {
		return fmt.Errorf("layers: %s: OutputShape %v has more than 5 axes", name, l.OutputShape)
	}
	switch {
	case len(l.AttentionAxes) == 0:
	case len(l.AttentionAxes) == 1 && (l.AttentionAxes[0] == 1 || l.AttentionAxes[0] == -2):
	default:
		return fmt.Errorf("layers: %s: AttentionAxes %v is not supported: only attention over the steps axis ({1}, Keras's default for inputs (batch, steps, dim))", name, l.AttentionAxes)
	}
	return nil
}

// PlanMulti implements MultiPlanner.
func (l *MultiHeadAttention) PlanMulti(in [][]int) ([][]int, []WeightShape, error) {
	const name = "MultiHeadAttention"
	if err := l.checkSettings(); err != nil {
		return nil, nil, err
	}
	want := "[query, value] or [query, value, key]"
	lo, hi := 2, 3
	if l.AttentionMask {
		want, lo, hi = "[query, value, attention_mask] or [query, value, key, attention_mask] (AttentionMask is set)", 3, 4
	}
	if len(in) < lo || len(in) > hi {
		return nil, nil, fmt.Errorf("layers: %s: takes %s, got %d inputs: %s", name, want, len(in), shapesList(in))
	}
	names := []string{"query", "value", "key"}
	if len(in) == lo {
		names = names[:2]
	}
	if l.AttentionMask {
		names = append(names, "attention_mask")
	}
	for i, s := range in {
		if len(s) != 2 {
			return nil, nil, fmt.Errorf("layers: %s: want inputs of rank 2 per example (steps, dim) (other ranks need AttentionAxes, which is not supported); %s has shape %v", name, names[i], s)
		}
		if err := checkOutput(name, names[i], s); err != nil {
			return nil, nil, err
		}
	}
	q, v, k := in[0], in[1], in[1]
	if len(names) > 2 && names[2] == "key" {
		k = in[2]
	}
	if k[0] != v[0] {
		return nil, nil, fmt.Errorf("layers: %s: value and key must have the same number of steps, got shapes %v and %v", name, v, k)
	}
	if l.AttentionMask {
		if m := in[len(in)-1]; m[0] != q[0] || m[1] != v[0] {
			return nil, nil, fmt.Errorf("layers: %s: attention_mask must have shape [%d %d] per example (query steps, value steps), got %v", name, q[0], v[0], m)
		}
	}
	h, kd, vd := l.NumHeads, l.KeyDim, l.valueDim()
	outShape := l.OutputShape
	if len(outShape) == 0 {
		outShape = []int{q[1]}
	}
	var ws []WeightShape
	add := func(proj string, kernel, bias []int) {
		ws = append(ws, WeightShape{Name: proj + "/kernel", Shape: kernel})
		if !l.NoBias {
			ws = append(ws, WeightShape{Name: proj + "/bias", Shape: bias})
		}
	}
	add("query", []int{q[1], h, kd}, []int{h, kd})
	add("key", []int{k[1], h, kd}, []int{h, kd})
	add("value", []int{v[1], h, vd}, []int{h, vd})
	add("attention_output", append([]int{h, vd}, outShape...), append([]int(nil), outShape...))
	if err := checkWeights(name, ws); err != nil {
		return nil, nil, err
	}
	out := [][]int{append([]int{q[0]}, outShape...)}
	if err := checkOutput(name, "output", out[0]); err != nil {
		return nil, nil, err
	}
	if l.ReturnAttentionScores {
		sc := []int{h, q[0], v[0]}
		if err := checkOutput(name, "attention scores", sc); err != nil {
			return nil, nil, err
		}
		out = append(out, sc)
	}
	return out, ws, nil
}

// BuildMulti implements MultiLayer.
func (l *MultiHeadAttention) BuildMulti(in [][]int, rng *rand.Rand) ([][]int, error) {
	out, ws, err := l.PlanMulti(in)
	if err != nil {
		return nil, err
	}
	ki, bi := l.KernelInitializer, l.BiasInitializer
	if ki == nil {
		ki = initializers.GlorotUniform{}
	}
	if bi == nil {
		bi = initializers.Zeros{}
	}
	l.ws = l.ws[:0]
	for _, w := range ws {
		var vals []float32
		if isKernel(w.Name) {
			// EinsumDense's fans: the contracted axes in, the others out.
			nIn := 1
			if w.Name == "attention_output/kernel" {
				nIn = 2
			}
			fanIn := prod(w.Shape[:nIn])
			vals = ki.Init([]int{fanIn, prod(w.Shape) / fanIn}, rng)
		} else {
			vals = bi.Init([]int{prod(w.Shape)}, rng)
		}
		l.ws = append(l.ws, &Weight{Name: w.Name, Value: tensor.New(w.Shape, vals).RequireGrad(), Trainable: true})
	}
	l.in = cloneShapes(in)
	l.hasKey = len(in) == 3 && !l.AttentionMask || len(in) == 4
	l.reset()
	return out, nil
}

func isKernel(name string) bool { return len(name) > 7 && name[len(name)-7:] == "/kernel" }

// SeedFrom implements Seeder.
func (l *MultiHeadAttention) SeedFrom(rng *rand.Rand) { l.seedFrom(rng, l.Seed, attentionStream) }

// proj returns the kernel and bias (nil with NoBias) of projection i.
func (l *MultiHeadAttention) proj(i int) (kernel, bias *tensor.Tensor) {
	if l.NoBias {
		return l.ws[i].Value, nil
	}
	return l.ws[2*i].Value, l.ws[2*i+1].Value
}

// CallMulti implements MultiLayer.
func (l *MultiHeadAttention) CallMulti(xs []*tensor.Tensor, training bool, outs []*tensor.Tensor) {
	l.call(xs, nil, training, outs)
}

// CallMultiMasked implements MaskedMulti as Keras's does: the query's,
// value's and key's masks (from Embedding's MaskZero, say) join the
// attention mask (query step t attends to key step s where both are kept),
// and the output keeps the query's mask.
func (l *MultiHeadAttention) CallMultiMasked(xs, masks []*tensor.Tensor, training bool, outs, outMasks []*tensor.Tensor) {
	l.call(xs, masks, training, outs)
	clear(outMasks)
	if len(masks) > 0 {
		outMasks[0] = masks[0]
	}
}

func (l *MultiHeadAttention) call(xs, masks []*tensor.Tensor, training bool, outs []*tensor.Tensor) {
	const name = "MultiHeadAttention"
	if len(xs) != len(l.in) || len(l.ws) == 0 {
		panic(&tensor.ShapeError{Op: name, Msg: fmt.Sprintf("built for %d inputs, got %d", len(l.in), len(xs))})
	}
	for i, x := range xs {
		checkBatch(name, x, l.in[i])
	}
	query, value, key := xs[0], xs[1], xs[1]
	if l.hasKey {
		key = xs[2]
	}
	o := tensor.AttentionOptions{Scale: float32(1 / math.Sqrt(float64(l.KeyDim))), Causal: l.UseCausalMask, Fill: tensor.FillSet}
	if l.AttentionMask {
		o.Mask = xs[len(xs)-1]
	}
	if len(masks) > 0 {
		var km *tensor.Tensor
		if l.hasKey {
			km = masks[2]
		}
		o.Mask = tensor.AttentionMask(masks[0], masks[1], km, o.Mask, query.Dim(0), query.Dim(1), value.Dim(1))
	}
	if training && l.Dropout > 0 {
		o.DropoutRate, o.DropoutRNG = l.Dropout, l.stream(l.Seed, attentionStream)
	}
	wq, bq := l.proj(0)
	wk, bk := l.proj(1)
	wv, bv := l.proj(2)
	wo, bo := l.proj(3)
	q := tensor.Project(query, wq, bq, 1)
	k := tensor.Project(key, wk, bk, 1)
	v := tensor.Project(value, wv, bv, 1)
	att, probs := tensor.DotProductAttention(q, k, v, o)
	outs[0] = tensor.Project(att, wo, bo, 2)
	if len(outs) > 1 {
		outs[1] = probs
	}
}

// Weights implements MultiLayer.
func (l *MultiHeadAttention) Weights() []*Weight {
	if len(l.ws) == 0 {
		return nil
	}
	return l.ws
}

// RegularizationLoss implements Regularized.
func (l *MultiHeadAttention) RegularizationLoss() *tensor.Tensor {
	if l.KernelRegularizer == nil && l.BiasRegularizer == nil {
		return nil
	}
	var pairs [8]regPair
	for i, w := range l.ws {
		r := l.BiasRegularizer
		if isKernel(w.Name) {
			r = l.KernelRegularizer
		}
		pairs[i] = regPair{w, r}
	}
	return regLoss(pairs[:len(l.ws)]...)
}

// Build implements Layer: it refuses a single input, as Keras's
// MultiHeadAttention needs query and value.
func (l *MultiHeadAttention) Build(in []int, _ *rand.Rand) ([]int, error) {
	if err := l.checkSettings(); err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("layers: MultiHeadAttention: takes [query, value] or [query, value, key] (apply it to several nodes of a model's graph; the same node twice for self-attention), got one input of shape %v", in)
}

// Plan implements Planner: it refuses a single input, as Build does.
func (l *MultiHeadAttention) Plan(in []int) ([]int, []WeightShape, error) {
	_, err := l.Build(in, nil)
	return nil, nil, err
}

// Call implements Layer as self-attention of x, which Build refuses.
func (l *MultiHeadAttention) Call(x *tensor.Tensor, training bool) *tensor.Tensor {
	outs := []*tensor.Tensor{nil}
	l.CallMulti([]*tensor.Tensor{x}, training, outs)
	return outs[0]
}

// The layer's Keras config (get_config and from_config). Keras's call
// arguments (use_causal_mask, return_attention_scores, key and
// attention_mask) are not part of it: a functional model saves them with
// each call, in the node's args and kwargs (see CallArguments).
func init() { Register("MultiHeadAttention", decodeMultiHeadAttention) }

type mhaConfig struct {
	NumHeads            int                `json:"num_heads"`
	KeyDim              int                `json:"key_dim"`
	ValueDim            *int               `json:"value_dim"`
	Dropout             float32            `json:"dropout"`
	UseBias             bool               `json:"use_bias"`
	UseGate             bool               `json:"use_gate"`
	OutputShape         *outputShapeConfig `json:"output_shape"`
	AttentionAxes       *axesConfig        `json:"attention_axes"`
	SlidingWindow       *int               `json:"sliding_window"`
	KernelInitializer   *object            `json:"kernel_initializer"`
	BiasInitializer     *object            `json:"bias_initializer"`
	KernelRegularizer   *object            `json:"kernel_regularizer"`
	BiasRegularizer     *object            `json:"bias_regularizer"`
	ActivityRegularizer *object            `json:"activity_regularizer"`
	KernelConstraint    *object            `json:"kernel_constraint"`
	BiasConstraint      *object            `json:"bias_constraint"`
	Seed                *uint64            `json:"seed"`
}

// Config implements Configurable.
func (l *MultiHeadAttention) Config() (any, error) {
	if err := l.checkSettings(); err != nil {
		return nil, err
	}
	vd := l.valueDim()
	c := mhaConfig{NumHeads: l.NumHeads, KeyDim: l.KeyDim, ValueDim: &vd, Dropout: l.Dropout, UseBias: !l.NoBias,
		Seed: seedPtr(l.Seed)}
	if l.OutputShape != nil {
		o := outputShapeConfig(append([]int(nil), l.OutputShape...))
		c.OutputShape = &o
	}
	if l.AttentionAxes != nil {
		a := axesConfig(append([]int(nil), l.AttentionAxes...))
		c.AttentionAxes = &a
	}
	var err error
	if c.KernelInitializer, err = encodeInitializer("kernel_initializer", l.KernelInitializer, initializers.GlorotUniform{}); err != nil {
		return nil, err
	}
	if c.BiasInitializer, err = encodeInitializer("bias_initializer", l.BiasInitializer, initializers.Zeros{}); err != nil {
		return nil, err
	}
	if c.KernelRegularizer, err = encodeRegularizer("kernel_regularizer", l.KernelRegularizer); err != nil {
		return nil, err
	}
	if c.BiasRegularizer, err = encodeRegularizer("bias_regularizer", l.BiasRegularizer); err != nil {
		return nil, err
	}
	return c, nil
}

// outputShapeConfig is Keras's output_shape (or attention_axes): null,
// an integer or a list of integers, written as a list.
type outputShapeConfig []int

// UnmarshalJSON reads an integer or a list of integers.
func (o *outputShapeConfig) UnmarshalJSON(b []byte) error {
	return intOrList("output_shape", (*[]int)(o), b)
}

// axesConfig is Keras's attention_axes, read and written as
// outputShapeConfig.
type axesConfig []int

// UnmarshalJSON reads an integer or a list of integers.
func (a *axesConfig) UnmarshalJSON(b []byte) error {
	return intOrList("attention_axes", (*[]int)(a), b)
}

func intOrList(key string, dst *[]int, b []byte) error {
	var one int
	if err := json.Unmarshal(b, &one); err == nil {
		*dst = []int{one}
		return nil
	}
	var many []int
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("%s: want null, an integer or a list of integers, got %.40s", key, b)
	}
	*dst = many
	return nil
}

func decodeMultiHeadAttention(b []byte) (Layer, error) {
	c := mhaConfig{UseBias: true}
	if err := DecodeConfig(b, &c); err != nil {
		return nil, err
	}
	switch {
	case c.UseGate:
		return nil, errors.New("use_gate: gated attention is not supported")
	case c.SlidingWindow != nil:
		return nil, errors.New("sliding_window: not supported")
	case c.ActivityRegularizer != nil:
		return nil, errors.New("activity_regularizer: not supported")
	case c.KernelConstraint != nil || c.BiasConstraint != nil:
		return nil, errors.New("kernel_constraint, bias_constraint: constraints on MultiHeadAttention are not supported")
	case c.NumHeads <= 0:
		return nil, fmt.Errorf("num_heads must be a positive integer, got %d", c.NumHeads)
	case c.KeyDim <= 0:
		return nil, fmt.Errorf("key_dim must be a positive integer, got %d", c.KeyDim)
	case c.ValueDim != nil && *c.ValueDim <= 0:
		return nil, fmt.Errorf("value_dim must be a positive integer or null, got %d", *c.ValueDim)
	}
	l := &MultiHeadAttention{NumHeads: c.NumHeads, KeyDim: c.KeyDim, Dropout: c.Dropout, NoBias: !c.UseBias}
	if c.ValueDim != nil && *c.ValueDim != c.KeyDim {
		l.ValueDim = *c.ValueDim
	}
	if c.OutputShape != nil {
		l.OutputShape = *c.OutputShape
	}
	if c.AttentionAxes != nil {
		l.AttentionAxes = *c.AttentionAxes
	}
	if c.Seed != nil {
		l.Seed = *c.Seed
	}
	var err error
	if l.KernelInitializer, err = decodeInitializer("kernel_initializer", c.KernelInitializer); err != nil {
		return nil, err
	}
	if l.BiasInitializer, err = decodeInitializer("bias_initializer", c.BiasInitializer); err != nil {
		return nil, err
	}
	if l.KernelRegularizer, err = decodeRegularizer("kernel_regularizer", c.KernelRegularizer); err != nil {
		return nil, err
	}
	if l.BiasRegularizer, err = decodeRegularizer("bias_regularizer", c.BiasRegularizer); err != nil {
		return nil, err
	}
	if err := l.checkSettings(); err != nil {
		return nil, err
	}
	return l, nil
}

// CallSignature implements CallArguments: Keras's call(query, value,
// key=None, attention_mask=None, …) takes query and value by position,
// key and attention_mask by keyword.
func (l *MultiHeadAttention) CallSignature(n int) (int, []string, map[string]any) {
	var kw []string
	if n-2-btoi(l.AttentionMask) == 1 {
		kw = append(kw, "key")
	}
	if l.AttentionMask {
		kw = append(kw, "attention_mask")
	}
	return 2, kw, callOptions(l.UseCausalMask, l.ReturnAttentionScores)
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TensorKeywords implements CallArguments: key, attention_mask.
func (l *MultiHeadAttention) TensorKeywords() []string { return []string{"key", "attention_mask"} }

// SetCallOptions implements CallArguments.
func (l *MultiHeadAttention) SetCallOptions(tensors []string, options map[string]json.RawMessage) error {
	l.AttentionMask = slices.Contains(tensors, "attention_mask")
	return setCallOptions(options, &l.UseCausalMask, &l.ReturnAttentionScores)
}
