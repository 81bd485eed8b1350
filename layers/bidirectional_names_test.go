package layers_test

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/layers"
)

// The names Keras's Bidirectional gives its layers: forward_ and
// backward_ before the wrapped layer's name (not repeated), a given
// backward layer's own name; bad names are refused naming the field.
func TestBidirectionalLayerNames(t *testing.T) {
	for _, c := range []struct {
		l          *layers.Bidirectional
		fwd, bwd   string
		wantErrSub string
	}{
		{l: &layers.Bidirectional{Layer: &layers.GRU{Units: 2}}, fwd: "forward_gru", bwd: "backward_gru"},
		{l: &layers.Bidirectional{Layer: &layers.GRU{Units: 2}, LayerName: "enc"}, fwd: "forward_enc", bwd: "backward_enc"},
		// Keras 3's config holds the forward layer's name.
		{l: &layers.Bidirectional{Layer: &layers.LSTM{Units: 2}, LayerName: "forward_lstm_3"}, fwd: "forward_lstm_3", bwd: "backward_forward_lstm_3"},
		{l: &layers.Bidirectional{Layer: &layers.GRU{Units: 2}, BackwardLayer: &layers.GRU{Units: 2, GoBackwards: true}}, fwd: "forward_gru", bwd: "gru_1"},
		{l: &layers.Bidirectional{Layer: &layers.GRU{Units: 2}, BackwardLayer: &layers.GRU{Units: 2, GoBackwards: true}, BackwardLayerName: "back"}, fwd: "forward_gru", bwd: "back"},
		{l: &layers.Bidirectional{Layer: &layers.GRU{Units: 2}, LayerName: "a/b"}, wantErrSub: `LayerName "a/b"`},
		{l: &layers.Bidirectional{Layer: &layers.GRU{Units: 2}, BackwardLayerName: "b"}, wantErrSub: `BackwardLayerName "b" names no BackwardLayer`},
		{l: &layers.Bidirectional{Layer: &layers.GRU{Units: 2}, BackwardLayer: &layers.GRU{Units: 2, GoBackwards: true}, BackwardLayerName: "forward_gru"}, wantErrSub: `both named "forward_gru"`},
	} {
		_, err := c.l.Build([]int{4, 3}, rand.New(rand.NewPCG(1, 2)))
		if c.wantErrSub != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErrSub) {
				t.Errorf("%+v: error %v, want one with %q", c.l, err, c.wantErrSub)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		ws := c.l.Weights()
		if got := ws[0].Name; got != c.fwd+"/kernel" {
			t.Errorf("%+v: first weight %s, want %s/kernel", c.l, got, c.fwd)
		}
		if got := ws[len(ws)-1].Name; got != c.bwd+"/bias" {
			t.Errorf("%+v: last weight %s, want %s/bias", c.l, got, c.bwd)
		}
		b, err := layers.MarshalLayer(c.l, "bidirectional")
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []string{c.fwd, c.bwd} {
			if !strings.Contains(string(b), `"name":"`+n+`"`) {
				t.Errorf("config %s does not name %s", b, n)
			}
		}
		// Read back, the layers keep their names.
		l2, _, err := layers.UnmarshalLayer(b)
		if err != nil {
			t.Fatal(err)
		}
		if b2, _ := layers.MarshalLayer(l2, "bidirectional"); string(b2) != string(b) {
			t.Errorf("read back, the config is\n%s\nwant\n%s", b2, b)
		}
	}
}
