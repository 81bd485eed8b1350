package optimizers_test

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/tensor"
)

// TestOptionsMatchKerasFormulas runs Keras's base-optimizer options
// (clipnorm, global_clipnorm, clipvalue, weight_decay, use_ema with its
// overwrite, gradient_accumulation_steps with a schedule), Adafactor and
// AMSGrad for 9 steps on weights of ranks 1 to 3, and compares every
// step's weights with testdata/keras_base_options.json, made by
// testdata/gen/optimizers_base_keras.py from Keras 3's apply and
// update_step transcribed in NumPy float32. Each optimizer is made from
// its Keras config, so the config keys are checked too.
func TestOptionsMatchKerasFormulas(t *testing.T) {
	b, err := os.ReadFile("testdata/keras_base_options.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Shapes [][]int       `json:"shapes"`
		W0     [][]float32   `json:"w0"`
		Grads  [][][]float32 `json:"grads"`
		Cases  []struct {
			ClassName  string          `json:"class_name"`
			Config     json.RawMessage `json:"config"`
			Used       []int           `json:"weights_used"`
			Trajectory [][][]float64   `json:"trajectory"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	for _, c := range doc.Cases {
		raw, _ := json.Marshal(map[string]any{"class_name": c.ClassName, "config": withDefaultRate(t, c.Config)})
		opt, err := optimizers.UnmarshalConfig(raw)
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		var ws []*tensor.Tensor
		for _, k := range c.Used {
			ws = append(ws, tensor.FromSlice(append([]float32(nil), doc.W0[k]...), doc.Shapes[k]...).RequireGrad())
		}
		opt.Build(ws)
		worst := 0.0
		for step := range c.Trajectory {
			for i, k := range c.Used {
				g := make([]float64, len(doc.Grads[step][k]))
				for j, v := range doc.Grads[step][k] {
					g[j] = float64(v)
				}
				setGrad(ws[i], g)
			}
			opt.Apply(ws)
			for i, w := range ws {
				for j, want := range c.Trajectory[step][i] {
					d := math.Abs(float64(w.Data()[j]) - want)
					worst = max(worst, d/max(1, math.Abs(want)))
					if d > 2e-6*max(1, math.Abs(want)) {
						t.Errorf("%s %s: step %d, weight %d[%d]: %v, want %v", c.ClassName, c.Config, step+1, i, j, w.Data()[j], want)
					}
				}
			}
		}
		t.Logf("%s %s: largest relative difference %.3g", c.ClassName, c.Config, worst)
	}
}

// withDefaultRate adds Keras's default learning rate where a case leaves
// it out, as Keras's constructor would.
func withDefaultRate(t *testing.T, cfg json.RawMessage) map[string]any {
	var m map[string]any
	if err := json.Unmarshal(cfg, &m); err != nil {
		t.Fatal(err)
	}
	if _, ok := m["learning_rate"]; !ok {
		m["learning_rate"] = 0.001
	}
	return m
}
