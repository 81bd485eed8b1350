package saving

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

// TestLabelSmoothingRoundTrip saves label_smoothing only when set.
func TestLabelSmoothingRoundTrip(t *testing.T) {
	b, err := marshalLoss(losses.BinaryCrossentropy{LabelSmoothing: 0.25})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"class_name":"BinaryCrossentropy","config":{"name":"binary_crossentropy","from_logits":false,"label_smoothing":0.25}}`; string(b) != want {
		t.Errorf("saved %s, want %s", b, want)
	}
	l, err := unmarshalLoss(b)
	if err != nil || l.(losses.BinaryCrossentropy).LabelSmoothing != 0.25 {
		t.Errorf("loaded %+v, %v", l, err)
	}
	if b, _ := marshalLoss(losses.CategoricalCrossentropy{}); strings.Contains(string(b), "label_smoothing") {
		t.Errorf("default saved as %s", b)
	}
	if _, err := unmarshalLoss([]byte(`{"class_name":"CategoricalCrossentropy","config":{"name":"c","label_smoothing":2}}`)); err == nil || !strings.Contains(err.Error(), "label_smoothing must be in [0, 1], got 2") {
		t.Errorf("label_smoothing 2: err = %v", err)
	}
}
