package callbacks_test

import (
	"errors"
	"testing"

	"github.com/neuron-go/neuron/callbacks"
	"github.com/neuron-go/neuron/tensor"
)

// model is a callbacks.Model with one weight.
type model struct{ w *tensor.Tensor }

func (m model) Weights() []*tensor.Tensor { return []*tensor.Tensor{m.w} }
func (model) LearningRate() float64       { return 0 }
func (model) SetLearningRate(float64)     {}

// TestEarlyStoppingRules feeds monitored values epoch by epoch and checks at
// which epoch training stops, following Keras 3's EarlyStopping.
func TestEarlyStoppingRules(t *testing.T) {
	base := 0.5
	cases := []struct {
		name   string
		es     callbacks.EarlyStopping
		key    string
		values []float64
		stop   int // epoch whose OnEpochEnd stops training; -1 for none
		best   int
	}{
		{"loss falls", callbacks.EarlyStopping{}, "val_loss", []float64{3, 2, 1, 0.5}, -1, 3},
		{"patience 0 stops at the first epoch without improvement", callbacks.EarlyStopping{}, "val_loss", []float64{3, 2, 2.5, 1}, 2, 1},
		{"never at epoch 0", callbacks.EarlyStopping{}, "val_loss", []float64{3}, -1, 0},
		{"patience 2", callbacks.EarlyStopping{Patience: 2}, "val_loss", []float64{3, 2, 2.1, 2.2, 1}, 3, 1},
		{"min_delta: small gains do not count", callbacks.EarlyStopping{MinDelta: 0.1, Patience: 1}, "val_loss", []float64{1, 0.95, 0.92}, 1, 0},
		{"min_delta: large gains count", callbacks.EarlyStopping{MinDelta: 0.1, Patience: 1}, "val_loss", []float64{1, 0.85, 0.7}, -1, 2},
		{"accuracy is maximised in auto mode", callbacks.EarlyStopping{Monitor: "val_accuracy"}, "val_accuracy", []float64{0.5, 0.6, 0.55}, 2, 1},
		{"explicit min mode on accuracy", callbacks.EarlyStopping{Monitor: "val_accuracy", Mode: "min"}, "val_accuracy", []float64{0.5, 0.6}, 1, 0},
		// Below the baseline, improvements do not reset the patience counter:
		// without the baseline this run would go on past epoch 2.
		{"baseline must be beaten to reset patience", callbacks.EarlyStopping{Monitor: "accuracy", Baseline: &base, Patience: 2}, "accuracy", []float64{0.3, 0.4, 0.35, 0.36}, 2, 1},
		{"without a baseline", callbacks.EarlyStopping{Monitor: "accuracy", Patience: 2}, "accuracy", []float64{0.3, 0.4, 0.35, 0.36}, 3, 1},
		{"start_from_epoch ignores warm-up", callbacks.EarlyStopping{StartFromEpoch: 2}, "val_loss", []float64{1, 2, 3, 2, 2.5}, 4, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			es := c.es
			if err := es.OnTrainBegin(model{tensor.Zeros(1)}); err != nil {
				t.Fatal(err)
			}
			stopped := -1
			for epoch, v := range c.values {
				err := es.OnEpochEnd(epoch, callbacks.Logs{c.key: v})
				if errors.Is(err, callbacks.ErrStopTraining) {
					stopped = epoch
					break
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			if stopped != c.stop || es.StoppedEpoch != c.stop {
				t.Errorf("stopped at %d (StoppedEpoch %d), want %d", stopped, es.StoppedEpoch, c.stop)
			}
			if es.BestEpoch != c.best {
				t.Errorf("best epoch %d, want %d", es.BestEpoch, c.best)
			}
		})
	}
}

// TestEarlyStoppingRestores checks that the best epoch's weights come back
// when training stops, and that bad settings are errors.
func TestEarlyStoppingRestores(t *testing.T) {
	m := model{tensor.Zeros(2)}
	es := &callbacks.EarlyStopping{Patience: 1, RestoreBestWeights: true}
	if err := es.OnTrainBegin(m); err != nil {
		t.Fatal(err)
	}
	for epoch, v := range []float64{2, 1, 3, 4} {
		m.w.Data()[0] = float32(epoch) // the weights change every epoch
		if err := es.OnEpochEnd(epoch, callbacks.Logs{"val_loss": v}); err != nil {
			if !errors.Is(err, callbacks.ErrStopTraining) {
				t.Fatal(err)
			}
			break
		}
	}
	if got := m.w.Data()[0]; got != 1 {
		t.Errorf("weights after stopping are those of epoch %v, want the best epoch 1", got)
	}
	if err := (&callbacks.EarlyStopping{Mode: "up"}).OnTrainBegin(m); err == nil {
		t.Error("mode \"up\" accepted")
	}
	es = &callbacks.EarlyStopping{}
	_ = es.OnTrainBegin(m)
	if err := es.OnEpochEnd(0, callbacks.Logs{"loss": 1}); err == nil {
		t.Error("a missing monitor key was not reported")
	}
}
