package saving

import (
	"bytes"
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
)

// smallFunctional is a two-input, two-output model with a shared layer
// and a Dropout, compiled, for the loader's fuzz test.
func smallFunctional(tb testing.TB) *models.Model {
	a, b := models.Input([]int{3}, "a"), models.Input([]int{2}, "b")
	shared := &layers.Dense{Units: 2, Activation: activations.ReLU}
	o1 := models.Apply(&layers.Dense{Units: 2, Activation: activations.Softmax}, models.Apply(&layers.Dropout{Rate: 0.5}, models.Apply(shared, models.Apply(&layers.Dense{Units: 2}, a))))
	o2 := models.Apply(&layers.Dense{Units: 1}, models.Apply(shared, models.Apply(&layers.Dense{Units: 2}, b)))
	m, err := models.NewModel([]*models.Node{a, b}, []*models.Node{o1, o2})
	if err != nil {
		tb.Fatal(err)
	}
	if err := m.Compile(models.CompileConfig{
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
//	go test ./saving -run '^$' -fuzz FuzzReadModel -fuzztime 60s
func FuzzReadModel(f *testing.F) {
	m := smallFunctional(f)
	var buf bytes.Buffer
	if _, err := Write(&buf, m); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes(), false)
	f.Add(buf.Bytes(), true)
	meta, tensors, err := snapshot(m, formatModel, false, nil, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(encode(f, meta, tensors), false) // without the compile settings
	// A model used as a layer, twice.
	x := models.Input([]int{3}, "x")
	enc, err := models.NewModel([]*models.Node{x}, []*models.Node{models.Apply(&layers.Dropout{Rate: 0.5}, models.Apply(&layers.Dense{Units: 3}, x))})
	if err != nil {
		f.Fatal(err)
	}
	a := models.Input([]int{3}, "a")
	outer, err := models.NewModel([]*models.Node{a}, []*models.Node{models.Apply(&layers.Dense{Units: 1}, models.Apply(enc.AsLayer(), models.Apply(enc.AsLayer(), a)))})
	if err != nil {
		f.Fatal(err)
	}
	if err := outer.Compile(models.CompileConfig{Loss: losses.MeanSquaredError{}}); err != nil {
		f.Fatal(err)
	}
	buf.Reset()
	if _, err := Write(&buf, outer); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes(), false)
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
		if _, err := Write(&out, m); err != nil {
			t.Fatalf("a loaded model cannot be saved: %v", err)
		}
	})
}
