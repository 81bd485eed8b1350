package onnx_test

import (
	"slices"
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/models"
)

func init() {
	exportCases = append(exportCases, attentionCases...)
}

// multi applies a layer with several outputs and names each after a
// linear Activation, as a model's outputs must be.
func multi(t *testing.T, l models.Callable, names []string, ins ...*models.Node) []*models.Node {
	t.Helper()
	outs, err := models.ApplyMulti(l, ins...)
	if err != nil {
		t.Fatal(err)
	}
	outs = slices.Clone(outs) // ApplyMulti's slice is the graph's own
	for i := range outs {
		outs[i] = models.ApplyNamed(names[i], &layers.Activation{Activation: activations.Linear}, outs[i]) // not Identity: pointers to empty structs may be equal
	}
	return outs
}

const noAttentionImport = "the attention layers' MatMul/Softmax graph is not imported"

// The attention layers, with and without masks; the masks are float
// inputs fed with values in [-1, 1), so that about a quarter of the keys
// are attended (above 0.5) and some query steps attend to none.
var attentionCases = []exportCase{
	{name: "mha_self_attention", noImport: noAttentionImport, model: func(t *testing.T) any {
		x := models.Input([]int{6, 8}, "tokens")
		a := models.Apply(&layers.MultiHeadAttention{NumHeads: 2, KeyDim: 4}, x, x)
		y := models.Apply(&layers.LayerNormalization{}, models.Apply(&layers.Add{}, x, a))
		return fn(t, []*models.Node{x}, y)
	}},
	{name: "mha_cross_key_causal", noImport: noAttentionImport, model: func(t *testing.T) any {
		q := models.Input([]int{5, 8}, "query")
		v := models.Input([]int{7, 6}, "value")
		k := models.Input([]int{7, 3}, "key")
		outs := multi(t, &layers.MultiHeadAttention{NumHeads: 3, KeyDim: 2, ValueDim: 4, OutputShape: []int{2, 3}, UseCausalMask: true, ReturnAttentionScores: true},
			[]string{"attended", "scores"}, q, v, k)
		return fn(t, []*models.Node{q, v, k}, outs...)
	}},
	{name: "mha_attention_mask", noImport: noAttentionImport, model: func(t *testing.T) any {
		q := models.Input([]int{4, 5}, "query")
		v := models.Input([]int{6, 5}, "value")
		m := models.Input([]int{4, 6}, "attention_mask")
		y := models.Apply(&layers.MultiHeadAttention{NumHeads: 2, KeyDim: 3, NoBias: true, AttentionMask: true}, q, v, m)
		return fn(t, []*models.Node{q, v, m}, y)
	}},
	{name: "mha_mask_and_causal_key", noImport: noAttentionImport, model: func(t *testing.T) any {
		q := models.Input([]int{5, 4}, "query")
		v := models.Input([]int{5, 3}, "value")
		k := models.Input([]int{5, 2}, "key")
		m := models.Input([]int{5, 5}, "attention_mask")
		outs := multi(t, &layers.MultiHeadAttention{NumHeads: 2, KeyDim: 2, AttentionMask: true, UseCausalMask: true, ReturnAttentionScores: true},
			[]string{"attended", "scores"}, q, v, k, m)
		return fn(t, []*models.Node{q, v, k, m}, outs...)
	}},
	{name: "attention_dot", noImport: noAttentionImport, model: func(t *testing.T) any {
		q := models.Input([]int{5, 4}, "query")
		v := models.Input([]int{6, 3}, "value")
		k := models.Input([]int{6, 4}, "key")
		outs := multi(t, &layers.Attention{UseScale: true, UseCausalMask: true, ReturnAttentionScores: true}, []string{"attended", "scores"}, q, v, k)
		return fn(t, []*models.Node{q, v, k}, outs...)
	}},
	{name: "attention_dot_plain", noImport: noAttentionImport, model: func(t *testing.T) any {
		q := models.Input([]int{5, 4}, "query")
		v := models.Input([]int{6, 4}, "value")
		return fn(t, []*models.Node{q, v}, models.Apply(&layers.Attention{}, q, v))
	}},
	{name: "attention_concat", noImport: noAttentionImport, model: func(t *testing.T) any {
		q := models.Input([]int{3, 4}, "query")
		v := models.Input([]int{5, 4}, "value")
		y1 := models.ApplyNamed("concat_scaled", &layers.Attention{ScoreMode: "concat", UseScale: true}, q, v)
		y2 := models.ApplyNamed("concat_causal", &layers.Attention{ScoreMode: "concat", UseCausalMask: true}, q, v)
		return fn(t, []*models.Node{q, v}, y1, y2)
	}},
	{name: "additive_attention", noImport: noAttentionImport, model: func(t *testing.T) any {
		q := models.Input([]int{4, 3}, "query")
		v := models.Input([]int{5, 2}, "value")
		k := models.Input([]int{5, 3}, "key")
		y1 := models.ApplyNamed("scaled", &layers.AdditiveAttention{}, q, v, k)
		outs := multi(t, &layers.AdditiveAttention{NoScale: true, UseCausalMask: true, ReturnAttentionScores: true}, []string{"unscaled", "scores"}, q, v, k)
		return fn(t, []*models.Node{q, v, k}, append([]*models.Node{y1}, outs...)...)
	}},
}
