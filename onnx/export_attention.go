package onnx

import (
	"fmt"
	"math"

	"github.com/neuron-go/neuron/layers"
)

// The attention layers are written out in ONNX's standard operators
// (MatMul, Add, Mul, Reshape, Transpose, Softmax, Where, …): opset 17 has
// no attention operator.

// excludedScore is what neuron's masked softmax puts in place of an
// excluded score (MultiHeadAttention), or subtracts from it (Attention).
const excludedScore = 1e9

// causalKeep adds a constant boolean (T, S) initializer, true where query
// step t may attend to key step s (s ≤ t).
func (e *exporter) causalKeep(name string, t, s int) string {
	n := e.fresh(name)
	keep := make([]bool, t*s)
	for i := range t {
		for j := range s {
			keep[i*s+j] = j <= i
		}
	}
	e.bools(n, []int{t, s}, keep)
	return n
}

// multiHeadAttention exports MultiHeadAttention:
//
//	q = query·Wq + bq → (batch, heads, T, key_dim), k and v likewise
//	scores = (q·kᵀ)·(1/√key_dim), −1e9 where excluded
//	probs = softmax(scores), 0 where excluded
//	output = (probs·v → (batch, T, heads·value_dim))·Wo + bo
//
// A query step with every key excluded gets zero probabilities, as
// neuron's (and Keras's Softmax layer's) masked softmax gives.
func (e *exporter) multiHeadAttention(c cfg, l *layers.MultiHeadAttention, ins []value, shapes [][]int) ([]value, error) {
	name := c.name
	ws := weightsOf(l)
	hasKey := len(ins) == 4 || len(ins) == 3 && !l.AttentionMask
	query, val, key := ins[0], ins[1], ins[1]
	if hasKey {
		key = ins[2]
	}
	h, kd := l.NumHeads, l.KeyDim
	vd := l.ValueDim
	if vd == 0 {
		vd = kd
	}
	t, s := query.shape[0], val.shape[0]
	// project gives x·W + b as (batch, heads, steps, dim).
	project := func(p string, x value, dim int) string {
		k := ws[p+"/kernel"].Value
		in := k.Shape()[0]
		y := e.op("MatMul", name+"/"+p+"/matmul", []string{e.last(x), e.floats(name+"/"+p+"/kernel", []int{in, h * dim}, k.Data())})
		if b, ok := ws[p+"/bias"]; ok {
			y = e.op("Add", name+"/"+p+"/add", []string{y, e.floats(name+"/"+p+"/bias", []int{h * dim}, b.Value.Data())})
		}
		y = e.op("Reshape", name+"/"+p+"/heads", []string{y, e.ints(name+"/"+p+"/heads_shape", 0, 0, int64(h), int64(dim))})
		return e.op("Transpose", name+"/"+p+"/heads_first", []string{y}, attrInts("perm", 0, 2, 1, 3))
	}
	q := project("query", query, kd)
	k := project("key", key, kd)
	v := project("value", val, vd)
	kt := e.op("Transpose", name+"/key/transposed", []string{k}, attrInts("perm", 0, 1, 3, 2))
	scores := e.op("MatMul", name+"/scores", []string{q, kt})
	scores = e.op("Mul", name+"/scaled_scores", []string{scores, e.scalar(name+"/scale", float32(1/math.Sqrt(float64(kd))))})
	// keep: a boolean (batch, 1, T, S) or (T, S), true where attended.
	keep := ""
	if l.AttentionMask {
		m := ins[len(ins)-1]
		mu := e.op("Unsqueeze", name+"/mask_heads", []string{e.last(m), e.ints(name+"/mask_axes", 1)})
		keep = e.op("Greater", name+"/mask_keep", []string{mu, e.scalar(name+"/mask_half", 0.5)})
	}
	if l.UseCausalMask {
		cm := e.causalKeep(name+"/causal_keep", t, s)
		if keep == "" {
			keep = cm
		} else {
			keep = e.op("And", name+"/keep", []string{keep, cm})
		}
	}
	if keep != "" {
		scores = e.op("Where", name+"/masked_scores", []string{keep, scores, e.scalar(name+"/excluded", -excludedScore)})
	}
	probs := e.op("Softmax", name+"/softmax", []string{scores}, attrInt("axis", -1))
	if keep != "" {
		probs = e.op("Where", name+"/masked_probs", []string{keep, probs, e.scalar(name+"/zero", 0)})
	}
	att := e.op("MatMul", name+"/attention", []string{probs, v})
	att = e.op("Transpose", name+"/steps_first", []string{att}, attrInts("perm", 0, 2, 1, 3))
	att = e.op("Reshape", name+"/heads_joined", []string{att, e.ints(name+"/heads_joined_shape", 0, 0, int64(h*vd))})
	wo := ws["attention_output/kernel"].Value
	od := len(wo.Data()) / (h * vd)
	y := e.op("MatMul", name+"/attention_output/matmul", []string{att, e.floats(name+"/attention_output/kernel", []int{h * vd, od}, wo.Data())})
	if b, ok := ws["attention_output/bias"]; ok {
		y = e.op("Add", name+"/attention_output/add", []string{y, e.floats(name+"/attention_output/bias", []int{od}, b.Value.Data())})
	}
	if len(shapes[0]) != 2 {
		y = e.reshape(name+"/output_shape", y, shapes[0])
	}
	outs := []value{{name: y, shape: shapes[0]}}
	if l.ReturnAttentionScores {
		outs = append(outs, value{name: probs, shape: shapes[1]})
	}
	return outs, nil
}

// attention exports Attention and AdditiveAttention:
//
//	dot:      scores = q·kᵀ (·scale)
//	concat:   scores = concat_score_weight · Σ_d tanh((scale·)(q_d + k_d))
//	additive: scores = Σ_d scale_d · tanh(q_d + k_d)
//	probs = softmax(scores, −1e9 added where causally excluded)
//	output = probs·value
func (e *exporter) attention(c cfg, causal, scores bool, additive bool, scoreMode string, ws map[string]*layers.Weight, ins []value, shapes [][]int) ([]value, error) {
	name := c.name
	q, v, k := e.last(ins[0]), e.last(ins[1]), e.last(ins[1])
	if len(ins) == 3 {
		k = e.last(ins[2])
	}
	tq, tv := ins[0].shape[0], ins[1].shape[0]
	var sc string
	if additive || scoreMode == "concat" {
		// (batch, Tq, 1, d) + (batch, 1, Tv, d).
		qe := e.op("Unsqueeze", name+"/query_expanded", []string{q, e.ints(name+"/query_axes", 2)})
		ke := e.op("Unsqueeze", name+"/key_expanded", []string{k, e.ints(name+"/key_axes", 1)})
		sum := e.op("Add", name+"/query_plus_key", []string{qe, ke})
		scale, hasScale := ws["scale"]
		if !additive && hasScale {
			sum = e.op("Mul", name+"/scaled_sum", []string{sum, e.floats(name+"/scale", nil, scale.Value.Data())})
		}
		th := e.op("Tanh", name+"/tanh", []string{sum})
		if additive && hasScale {
			th = e.op("Mul", name+"/scaled_tanh", []string{th, e.floats(name+"/scale", []int{len(scale.Value.Data())}, scale.Value.Data())})
		}
		sc = e.op("ReduceSum", name+"/scores", []string{th, e.ints(name+"/scores_axes", -1)}, attrInt("keepdims", 0))
		if w, ok := ws["concat_score_weight"]; ok && !additive {
			sc = e.op("Mul", name+"/weighted_scores", []string{sc, e.floats(name+"/concat_score_weight", nil, w.Value.Data())})
		}
	} else {
		kt := e.op("Transpose", name+"/key_transposed", []string{k}, attrInts("perm", 0, 2, 1))
		sc = e.op("MatMul", name+"/scores", []string{q, kt})
		if s, ok := ws["scale"]; ok {
			sc = e.op("Mul", name+"/scaled_scores", []string{sc, e.floats(name+"/scale", nil, s.Value.Data())})
		}
	}
	if causal {
		// Keras's Attention subtracts 1e9 from the excluded scores.
		pen := make([]float32, tq*tv)
		for i := range tq {
			for j := range tv {
				if j > i {
					pen[i*tv+j] = -excludedScore
				}
			}
		}
		sc = e.op("Add", name+"/causal_scores", []string{sc, e.floats(name+"/causal_penalty", []int{tq, tv}, pen)})
	}
	probs := e.op("Softmax", name+"/softmax", []string{sc}, attrInt("axis", -1))
	y := e.op("MatMul", name, []string{probs, v})
	outs := []value{{name: y, shape: shapes[0]}}
	if scores {
		outs = append(outs, value{name: probs, shape: shapes[1]})
	}
	return outs, nil
}

// attentionLayer dispatches the attention layers.
func (e *exporter) attentionLayer(c cfg, l any, ins []value, shapes [][]int) ([]value, error) {
	switch l := l.(type) {
	case *layers.MultiHeadAttention:
		if len(l.AttentionAxes) > 0 && l.AttentionAxes[0] != 1 && l.AttentionAxes[0] != -2 {
			return nil, unsupported(c.class, c.name, fmt.Sprintf("attention_axes %v", l.AttentionAxes))
		}
		return e.multiHeadAttention(c, l, ins, shapes)
	case *layers.Attention:
		return e.attention(c, l.UseCausalMask, l.ReturnAttentionScores, false, l.ScoreMode, weightsOf(l), ins, shapes)
	case *layers.AdditiveAttention:
		return e.attention(c, l.UseCausalMask, l.ReturnAttentionScores, true, "", weightsOf(l), ins, shapes)
	}
	return nil, unsupported(c.class, c.name, "no ONNX form")
}
