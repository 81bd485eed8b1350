package models

import (
	"strings"
	"testing"

	"github.com/neuron-go/neuron/losses"
)

// TestLossRoundTrip saves and loads each built-in loss without settings by
// its Keras class name.
func TestLossRoundTrip(t *testing.T) {
	cases := []struct {
		l     losses.Loss
		class string
	}{
		{losses.MeanAbsoluteError{}, "MeanAbsoluteError"},
		{&losses.MeanAbsolutePercentageError{}, "MeanAbsolutePercentageError"},
		{losses.MeanSquaredLogarithmicError{}, "MeanSquaredLogarithmicError"},
		{losses.Huber{}, "Huber"},
		{losses.Huber{Delta: 1}, "Huber"},
		{losses.LogCosh{}, "LogCosh"},
		{losses.KLDivergence{}, "KLDivergence"},
		{losses.Poisson{}, "Poisson"},
		{losses.Hinge{}, "Hinge"},
		{losses.SquaredHinge{}, "SquaredHinge"},
	}
	for _, c := range cases {
		b, err := marshalLoss(c.l)
		if err != nil {
			t.Fatalf("%T: %v", c.l, err)
		}
		want := `{"class_name":"` + c.class + `","config":{"name":"` + c.l.Name() + `"}}`
		if string(b) != want {
			t.Errorf("%T saved as %s, want %s", c.l, b, want)
		}
		got, err := unmarshalLoss(b)
		if err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if got.Name() != c.l.Name() {
			t.Errorf("%s loaded as %T %q", b, got, got.Name())
		}
	}
	if _, err := marshalLoss(losses.Huber{Delta: 2}); err == nil {
		t.Error("Huber{Delta: 2} saved, but its delta would be lost")
	}
	if _, err := unmarshalLoss([]byte(`{"class_name":"Poisson","config":{"name":"poisson","from_logits":true}}`)); err == nil || !strings.Contains(err.Error(), "from_logits") {
		t.Errorf("Poisson with from_logits: err = %v, want one naming from_logits", err)
	}
}
