package models

import (
	"bytes"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/optimizers"
)

// smallFunctional is a two-input, two-output model with a shared layer
// and a Dropout, compiled, for the loader's fuzz test.
func smallFunctional(tb testing.TB) *Model {
	a, b := Input([]int{3}, "a"), Input([]int{2}, "b")
	shared := &layers.Dense{Units: 2, Activation: activations.ReLU}
	o1 := Apply(&layers.Dense{Units: 2, Activation: activations.Softmax}, Apply(&layers.Dropout{Rate: 0.5}, Apply(shared, Apply(&layers.Dense{Units: 2}, a))))
	o2 := Apply(&layers.Dense{Units: 1}, Apply(shared, Apply(&layers.Dense{Units: 2}, b)))
	m, err := NewModel([]*Node{a, b}, []*Node{o1, o2})
	if err != nil {
		tb.Fatal(err)
	}
	if err := m.Compile(CompileConfig{
		Optimizer:     optimizers.NewAdam(),
		OutputLosses:  map[string]losses.Loss{m.OutputNames()[0]: losses.SparseCategoricalCrossentropy{}, m.OutputNames()[1]: losses.MeanSquaredError{}},
		LossWeights:   map[string]float64{m.OutputNames()[1]: 0.5},
		OutputMetrics: map[string][]metrics.Metric{m.OutputNames()[0]: {metrics.NewAccuracy()}},
	}); err != nil {
		tb.Fatal(err)
	}
	return m
}

// FuzzReadModel feeds arbitrary bytes to the functional model loader: it
// must return a model or an error, never panic or allocate without bound.
// Half the runs skip the checksum, so that the fuzzer reaches the decoding
// of the config, its inbound nodes and the compile settings behind it.
//
//	go test ./models -run '^$' -fuzz FuzzReadModel -fuzztime 60s
func FuzzReadModel(f *testing.F) {
	m := smallFunctional(f)
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes(), false)
	f.Add(buf.Bytes(), true)
	meta, tensors, err := m.eng().snapshot(formatModel, false)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(encode(f, meta, tensors), false) // without the compile settings
	f.Fuzz(func(t *testing.T, b []byte, verify bool) {
		m, err := readModel(bytes.NewReader(b), int64(len(b)), verify)
		if err != nil {
			if m != nil {
				t.Fatal("a model and an error")
			}
			return
		}
		// What loads can be used and saved.
		var out bytes.Buffer
		if _, err := m.WriteTo(&out); err != nil {
			t.Fatalf("a loaded model cannot be saved: %v", err)
		}
	})
}

// TestNewModelRejectsCycle builds a cycle that Apply cannot make, by
// rewiring a node's input, and checks that NewModel returns an error
// instead of looping.
func TestNewModelRejectsCycle(t *testing.T) {
	a := Input([]int{2}, "a")
	d1 := Apply(&layers.Dense{Units: 2}, a)
	d2 := Apply(&layers.Dense{Units: 2}, d1)
	d1.call.ins = []*Node{d2} // d1 ← d2 ← d1
	if _, err := NewModel([]*Node{a}, []*Node{d2}); err == nil || !strings.Contains(err.Error(), "cycle") {
		t.Fatalf("NewModel on a cycle: %v", err)
	}
}
