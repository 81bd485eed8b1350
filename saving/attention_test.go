package saving_test

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/internal/safetensors"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/saving"
	"github.com/neuron-go/neuron/tensor"
)

// attentionGraph applies MultiHeadAttention with key, attention_mask and
// use_causal_mask, twice (shared), and Attention with use_causal_mask.
func attentionGraph(t *testing.T) *models.Model {
	q, v, mask := models.Input([]int{4, 6}, "q"), models.Input([]int{5, 3}, "v"), models.Input([]int{4, 5}, "mask")
	mha := &layers.MultiHeadAttention{NumHeads: 2, KeyDim: 3, AttentionMask: true, UseCausalMask: true}
	o := models.Apply(mha, q, v, v, mask)
	o2 := models.Apply(mha, o, v, v, mask)
	a := models.Apply(&layers.Attention{UseCausalMask: true, UseScale: true}, o2, o)
	m, err := models.NewModel([]*models.Node{q, v, mask}, []*models.Node{a})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestAttentionCallArguments checks that a functional model writes the
// attention layers' calls as Keras does (query and value by position, key
// and attention_mask by keyword, use_causal_mask among the kwargs, not in
// the layer's config), loads them back to the same predictions, and
// refuses calls that do not fit.
func TestAttentionCallArguments(t *testing.T) {
	m := attentionGraph(t)
	var buf bytes.Buffer
	if _, err := saving.Write(&buf, m); err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.Open(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	mc := f.Meta["model_config"]
	for _, want := range []string{
		`"args":[{"class_name":"__keras_tensor__","config":{"shape":[null,4,6],"dtype":"float32","keras_history":["q",0,0]}},{"class_name":"__keras_tensor__","config":{"shape":[null,5,3],"dtype":"float32","keras_history":["v",0,0]}}],"kwargs":{"attention_mask":`,
		`"key":{"class_name":"__keras_tensor__","config":{"shape":[null,5,3],"dtype":"float32","keras_history":["v",0,0]}},"use_causal_mask":true}`,
		`"args":[[{"class_name":"__keras_tensor__","config":{"shape":[null,4,6],"dtype":"float32","keras_history":["multi_head_attention",1,0]}}`,
	} {
		if !strings.Contains(mc, want) {
			t.Errorf("the config lacks %s:\n%s", want, mc)
		}
	}
	if strings.Contains(mc, `"attention_mask":true`) || strings.Contains(mc, `"return_attention_scores"`) {
		t.Errorf("call arguments in a layer's config: %s", mc)
	}
	got, err := saving.ReadModel(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	mk := tensor.Full(1, 2, 4, 5)
	mk.Data()[3] = 0
	xs := []models.Array{tensor.Full(0.5, 2, 4, 6), tensor.Full(-0.25, 2, 5, 3), mk}
	p1, err1 := m.Predict(xs, models.PredictConfig{Verbose: models.Silent})
	p2, err2 := got.Predict(xs, models.PredictConfig{Verbose: models.Silent})
	if err1 != nil || err2 != nil || !slices.Equal(p1[0].Data(), p2[0].Data()) {
		t.Errorf("predictions differ after loading (%v, %v)", err1, err2)
	}
	attnArgs := `"args":[[{"class_name":"__keras_tensor__","config":{"shape":[null,4,6],"dtype":"float32","keras_history":["multi_head_attention",1,0]}}`
	for _, tc := range []struct {
		name string
		edit func(string) string
		want string
	}{
		{"unknown kwarg", func(s string) string {
			return strings.Replace(s, `"use_causal_mask":true}},{`, `"use_causal_mask":true,"flash":1}},{`, 1)
		}, `unknown keyword argument "flash"`},
		{"kwarg of the wrong type", func(s string) string {
			return strings.Replace(s, `"use_causal_mask":true}},{`, `"use_causal_mask":3}},{`, 1)
		}, `kwargs: use_causal_mask`},
		{"a later call with other kwargs", func(s string) string {
			return strings.Replace(s, `"use_causal_mask":true}}]`, `"use_causal_mask":false}}]`, 1)
		}, `differ from the layer's first call's`},
		{"Attention given positional arguments", func(s string) string {
			s = strings.Replace(s, attnArgs, strings.Replace(attnArgs, "[[", "[", 1), 1)
			return strings.Replace(s, `["multi_head_attention",0,0]}}]],"kwargs":{"use_causal_mask":true}}]`, `["multi_head_attention",0,0]}}],"kwargs":{"use_causal_mask":true}}]`, 1)
		}, `does not fit Attention's`},
	} {
		edited := tc.edit(mc)
		if edited == mc {
			t.Fatalf("%s: the edit changed nothing in %s", tc.name, mc)
		}
		meta := maps(f.Meta)
		meta["model_config"] = edited
		var out bytes.Buffer
		var tensors []safetensors.Tensor
		for _, e := range f.Entries {
			d := make([]float32, prodInts(e.Shape))
			if err := f.Read(e.Name, d); err != nil {
				t.Fatal(err)
			}
			tensors = append(tensors, safetensors.Tensor{Name: e.Name, Shape: e.Shape, Data: d})
		}
		delete(meta, safetensors.ChecksumKey)
		if err := safetensors.Write(&out, meta, tensors, true); err != nil {
			t.Fatal(err)
		}
		_, err := saving.ReadModel(bytes.NewReader(out.Bytes()), int64(out.Len()))
		if !errors.Is(err, saving.ErrInvalidFile) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want ErrInvalidFile containing %q", tc.name, err, tc.want)
		}
	}
}
