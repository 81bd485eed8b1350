package saving_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/saving"
)

// TestFromConfig rebuilds a model from the configs Save writes: same
// architecture (layer names, weight shapes), compiled with the same
// optimizer, and the errors of Load for a bad config.
func TestFromConfig(t *testing.T) {
	m := xorModel()
	mc, err := saving.ModelConfig(m)
	if err != nil {
		t.Fatal(err)
	}
	cc, err := saving.CompileConfig(m)
	if err != nil {
		t.Fatal(err)
	}
	got, err := saving.FromConfig(mc, cc)
	if err != nil {
		t.Fatal(err)
	}
	s, ok := got.(*models.Sequential)
	if !ok {
		t.Fatalf("FromConfig gave %T, want *models.Sequential", got)
	}
	if s.Optimizer() == nil || s.Optimizer().Name() != "adam" || s.Optimizer().LR() != 0.05 {
		t.Errorf("optimizer %v, want adam with rate 0.05", s.Optimizer())
	}
	want := []string{"dense/kernel [2 8]", "dense/bias [8]", "dense_1/kernel [8 2]", "dense_1/bias [2]"}
	var have []string
	for _, w := range s.NamedWeights() {
		have = append(have, fmt.Sprint(w.Name, " ", w.Value.Shape()))
	}
	if !slices.Equal(have, want) {
		t.Errorf("weights %q, want %q", have, want)
	}
	if _, err := saving.FromConfig([]byte(`{"class_name":"Sequential","config":{"name":"s","seed":0,"layers":[{"class_name":"Lambda","config":{"name":"l"}}]},"build_config":{"input_shape":[null,2]}}`), nil); err == nil || !strings.Contains(err.Error(), "Lambda") {
		t.Errorf("a Lambda layer: err = %v, want an error naming the class", err)
	}
}
