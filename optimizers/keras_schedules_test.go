package optimizers_test

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/tensor"
)

// TestSchedulesMatchKerasFormulas builds each schedule from its Keras
// config (through an SGD's saved config) and compares its rates with
// testdata/keras_schedules.json, made by testdata/gen/schedules_keras.py
// from Keras 3's __call__ transcribed in NumPy float32. The schedules
// compute in float64, so the tolerance is float32's: 1e-6 relative, and
// 1e-8 absolute for rates below 0.01, where Keras's float32 cosine near
// the end of a cycle loses digits to cancellation.
func TestSchedulesMatchKerasFormulas(t *testing.T) {
	b, err := os.ReadFile("testdata/keras_schedules.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Steps []int `json:"steps"`
		Cases []struct {
			ClassName string          `json:"class_name"`
			Config    json.RawMessage `json:"config"`
			Rates     []float64       `json:"rates"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	for _, c := range doc.Cases {
		sched, _ := json.Marshal(map[string]any{"class_name": c.ClassName, "config": c.Config})
		cfg, _ := json.Marshal(map[string]any{"class_name": "SGD", "config": map[string]any{
			"name": "sgd", "learning_rate": json.RawMessage(sched), "momentum": 0, "nesterov": false}})
		opt, err := optimizers.UnmarshalConfig(cfg)
		if err != nil {
			t.Fatalf("%s: %v", cfg, err)
		}
		// The config written back reads back the same.
		again, err := optimizers.MarshalConfig(opt)
		if err != nil {
			t.Fatal(err)
		}
		opt2, err := optimizers.UnmarshalConfig(again)
		if err != nil {
			t.Fatalf("%s: %v", again, err)
		}
		w := []*tensor.Tensor{tensor.Zeros(1)}
		opt.Build(w)
		opt2.Build(w)
		for i := 0; i <= doc.Steps[len(doc.Steps)-1]; i++ {
			for k, s := range doc.Steps {
				if s != i {
					continue
				}
				got, want := opt.LR(), c.Rates[k]
				if math.Abs(got-want) > 1e-6*max(math.Abs(want), 1e-2) {
					t.Errorf("%s %s: step %d: rate %.9g, want %.9g", c.ClassName, c.Config, s, got, want)
				}
				if opt2.LR() != got {
					t.Errorf("%s: after a config round trip, step %d: %v, want %v", c.ClassName, s, opt2.LR(), got)
				}
			}
			// A weight without a gradient: the step only counts.
			opt.Apply(w)
			opt2.Apply(w)
		}
	}
}
