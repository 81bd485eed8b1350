package callbacks_test

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/callbacks"
	"github.com/neuron-go/neuron/tensor"
)

// lrModel is a callbacks.Model with a learning rate.
type lrModel struct{ lr float64 }

func (*lrModel) Weights() []*tensor.Tensor   { return nil }
func (m *lrModel) LearningRate() float64     { return m.lr }
func (m *lrModel) SetLearningRate(v float64) { m.lr = v }

// TestPyRepr checks the formatting against Python 3's repr of the same
// float64 values.
func TestPyRepr(t *testing.T) {
	a, b := 0.1, 0.2
	third := a + b
	for _, c := range []struct {
		v    float64
		want string
	}{
		{0.001, "0.001"}, {2, "2.0"}, {1e-05, "1e-05"}, {0.0001, "0.0001"}, {1.5e16, "1.5e+16"},
		{123456789012345, "123456789012345.0"}, {1e16, "1e+16"}, {third, "0.30000000000000004"},
		{-3.5e-7, "-3.5e-07"}, {100, "100.0"}, {float64(float32(0.001)) * 0.1, "0.00010000000474974513"},
		{0.5, "0.5"}, {1e22, "1e+22"}, {12345678901234567, "1.2345678901234568e+16"}, {0, "0.0"},
		{math.NaN(), "nan"}, {math.Inf(-1), "-inf"},
	} {
		if got := callbacks.PyRepr(c.v); got != c.want {
			t.Errorf("PyRepr(%v) = %q, want %q", c.v, got, c.want)
		}
	}
}

// TestReduceLROnPlateauRules follows Keras 3's on_epoch_end by hand:
// patience, min_delta, cooldown, min_lr and the message.
func TestReduceLROnPlateauRules(t *testing.T) {
	var log bytes.Buffer
	r := &callbacks.ReduceLROnPlateau{Monitor: "loss", Factor: 0.5, Patience: 2, Cooldown: 1, MinLR: 0.02, Verbose: 1, Log: &log}
	m := &lrModel{lr: 0.1}
	if err := r.OnTrainBegin(m); err != nil {
		t.Fatal(err)
	}
	// Epoch: loss, then the rate after the epoch. Keras: epoch 0 sets best
	// 1; epochs 1, 2 do not improve (0.99995 is within min_delta 1e-4), so
	// epoch 2 halves the rate (float32(0.1)·0.5) and sets the cooldown
	// counter to 1; epoch 3 decrements it first, so it is out of cooldown
	// and counts (wait 1); epoch 4 halves again; epoch 6 would give
	// 0.0125 and takes MinLR; at epoch 8 the rate is at MinLR and stays; 9
	// improves.
	losses := []float64{1, 0.99995, 1.2, 1.1, 1.1, 1.1, 1.1, 1.1, 1.1, 0.5}
	half := float64(float32(0.1)) * 0.5
	q := float64(float32(half)) * 0.5
	rates := []float64{0.1, 0.1, half, half, q, q, 0.02, 0.02, 0.02, 0.02}
	for epoch, l := range losses {
		logs := callbacks.Logs{"loss": l}
		if err := r.OnEpochEnd(epoch, logs); err != nil {
			t.Fatal(err)
		}
		if m.lr != rates[epoch] {
			t.Errorf("epoch %d: rate %v, want %v", epoch, m.lr, rates[epoch])
		}
		if epoch == 0 && logs["learning_rate"] != float64(float32(0.1)) {
			t.Errorf("logs learning_rate %v, want float32(0.1)", logs["learning_rate"])
		}
	}
	want := "\nEpoch 3: ReduceLROnPlateau reducing learning rate to 0.05000000074505806.\n" +
		"\nEpoch 5: ReduceLROnPlateau reducing learning rate to 0.02500000037252903.\n" +
		"\nEpoch 7: ReduceLROnPlateau reducing learning rate to 0.02.\n"
	if log.String() != want {
		t.Errorf("messages %q, want %q", log.String(), want)
	}
	if best, ok := r.Best(); !ok || best != 0.5 {
		t.Errorf("best %v %v", best, ok)
	}
}

// TestReduceLROnPlateauState checks that a state taken mid-run and given
// to a fresh callback makes it act as the original.
func TestReduceLROnPlateauState(t *testing.T) {
	mk := func() *callbacks.ReduceLROnPlateau {
		return &callbacks.ReduceLROnPlateau{Monitor: "val_accuracy", Patience: 3, Cooldown: 2}
	}
	a, ma := mk(), &lrModel{lr: 1}
	if err := a.OnTrainBegin(ma); err != nil {
		t.Fatal(err)
	}
	vals := []float64{0.5, 0.6, 0.6, 0.6, 0.6, 0.59, 0.6, 0.6, 0.6, 0.6, 0.6}
	var state []byte
	for i, v := range vals[:5] {
		if err := a.OnEpochEnd(i, callbacks.Logs{"val_accuracy": v}); err != nil {
			t.Fatal(err)
		}
	}
	state, _ = a.CallbackState()
	b, mb := mk(), &lrModel{lr: ma.lr}
	if err := b.OnTrainBegin(mb); err != nil {
		t.Fatal(err)
	}
	if err := b.SetCallbackState(state); err != nil {
		t.Fatal(err)
	}
	for i := 5; i < len(vals); i++ {
		for _, c := range []struct {
			r *callbacks.ReduceLROnPlateau
			m *lrModel
		}{{a, ma}, {b, mb}} {
			if err := c.r.OnEpochEnd(i, callbacks.Logs{"val_accuracy": vals[i]}); err != nil {
				t.Fatal(err)
			}
		}
		if ma.lr != mb.lr {
			t.Fatalf("epoch %d: resumed rate %v, want %v", i, mb.lr, ma.lr)
		}
	}
	if ma.lr == 1 {
		t.Fatal("the rate was never reduced: the test tests nothing")
	}
	for _, bad := range [][]byte{nil, {1}, append([]byte{2}, state[1:]...), state[:len(state)-1]} {
		if err := b.SetCallbackState(bad); err == nil {
			t.Errorf("state %v accepted", bad)
		}
	}
}

func TestReduceLROnPlateauErrors(t *testing.T) {
	for _, c := range []struct {
		r    callbacks.ReduceLROnPlateau
		want string
	}{
		{callbacks.ReduceLROnPlateau{Factor: 1}, "Factor must be in (0, 1), got 1"},
		{callbacks.ReduceLROnPlateau{Factor: -0.5}, "Factor"},
		{callbacks.ReduceLROnPlateau{Patience: -1}, "Patience"},
		{callbacks.ReduceLROnPlateau{Cooldown: -1}, "Cooldown"},
		{callbacks.ReduceLROnPlateau{MinLR: math.NaN()}, "MinLR"},
		{callbacks.ReduceLROnPlateau{Mode: "up"}, `Mode must be "min", "max" or "auto", got "up"`},
	} {
		if err := c.r.OnTrainBegin(&lrModel{lr: 1}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want an error with %q", c.r, err, c.want)
		}
	}
	r := &callbacks.ReduceLROnPlateau{}
	_ = r.OnTrainBegin(&lrModel{lr: 1})
	if err := r.OnEpochEnd(0, callbacks.Logs{"loss": 1}); err == nil || !strings.Contains(err.Error(), `"val_loss" is not in the logs (have learning_rate, loss)`) {
		t.Errorf("missing monitor: %v", err)
	}
}

func TestLearningRateScheduler(t *testing.T) {
	var log bytes.Buffer
	s := &callbacks.LearningRateScheduler{Verbose: 1, Log: &log, Schedule: func(epoch int, lr float64) (float64, error) {
		if epoch < 2 {
			return lr, nil
		}
		return lr * math.Exp(-0.1), nil
	}}
	m := &lrModel{lr: 0.01}
	if err := s.OnTrainBegin(m); err != nil {
		t.Fatal(err)
	}
	want := 0.01
	for epoch := range 15 {
		if err := s.OnEpochBegin(epoch); err != nil {
			t.Fatal(err)
		}
		// The schedule gets the rate as Keras reads its float32 variable.
		want = float64(float32(want))
		if epoch >= 2 {
			want *= math.Exp(-0.1)
		}
		if m.lr != want {
			t.Fatalf("epoch %d: rate %v, want %v", epoch, m.lr, want)
		}
	}
	// Keras's docstring: 15 epochs, 10 of them at the initial rate there,
	// give 0.00607; here 13 decays.
	if math.Abs(m.lr-0.01*math.Exp(-1.3)) > 1e-8 {
		t.Errorf("final rate %v", m.lr)
	}
	if !strings.HasPrefix(log.String(), "\nEpoch 1: LearningRateScheduler setting learning rate to 0.009999999776482582.\n") {
		t.Errorf("message %q", log.String()[:80])
	}
	logs := callbacks.Logs{}
	_ = s.OnEpochEnd(0, logs)
	if logs["learning_rate"] != float64(float32(m.lr)) {
		t.Errorf("logs %v", logs)
	}
	for _, bad := range []float64{math.NaN(), -1, math.Inf(1)} {
		s := &callbacks.LearningRateScheduler{Schedule: func(int, float64) (float64, error) { return bad, nil }}
		_ = s.OnTrainBegin(m)
		if err := s.OnEpochBegin(3); err == nil || !strings.Contains(err.Error(), "epoch 3") {
			t.Errorf("rate %v: %v", bad, err)
		}
	}
	if err := (&callbacks.LearningRateScheduler{}).OnTrainBegin(m); err == nil {
		t.Error("a nil Schedule is accepted")
	}
}

func TestTerminateOnNaN(t *testing.T) {
	var log bytes.Buffer
	c := &callbacks.TerminateOnNaN{Log: &log}
	if err := c.OnBatchEnd(0, callbacks.Logs{"loss": 1}); err != nil {
		t.Fatal(err)
	}
	if err := c.OnBatchEnd(4, callbacks.Logs{"loss": math.Inf(1)}); !errors.Is(err, callbacks.ErrStopTraining) {
		t.Fatal(err)
	}
	if log.String() != "Batch 4: Invalid loss, terminating training\n" {
		t.Errorf("message %q", log.String())
	}
	c.RaiseError = true
	if err := c.OnBatchEnd(5, callbacks.Logs{"loss": math.NaN()}); err == nil || errors.Is(err, callbacks.ErrStopTraining) || !strings.Contains(err.Error(), "batch 5. Loss value: nan") {
		t.Errorf("RaiseError: %v", err)
	}
}

// TestCSVLogger checks the file against what Python's csv module writes
// for Keras's CSVLogger (rows produced with csv.writer, excel dialect).
func TestCSVLogger(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log.csv")
	c := &callbacks.CSVLogger{Filename: path}
	a, b := 0.1, 0.2
	third := a + b
	run := func(epochs ...callbacks.Logs) {
		t.Helper()
		if err := c.OnTrainBegin(nil); err != nil {
			t.Fatal(err)
		}
		for i, l := range epochs {
			if err := c.OnEpochEnd(i, l); err != nil {
				t.Fatal(err)
			}
		}
		if err := c.OnTrainEnd(nil); err != nil {
			t.Fatal(err)
		}
	}
	read := func() string {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	run(callbacks.Logs{"loss": 0.5, "accuracy": 0.75}, callbacks.Logs{"loss": third, "accuracy": 1})
	want := "epoch,accuracy,loss,val_accuracy,val_loss\r\n0,0.75,0.5,NA,NA\r\n1,1.0,0.30000000000000004,NA,NA\r\n"
	if got := read(); got != want {
		t.Errorf("file %q, want %q", got, want)
	}
	c.Append = true
	run(callbacks.Logs{"loss": 1e-5, "accuracy": 0})
	if got := read(); got != want+"0,0.0,1e-05,NA,NA\r\n" {
		t.Errorf("appended file %q", got)
	}
	// Python: csv.writer(s, delimiter=';').writerow(['epoch', 'a;b', 'val_x']) → 'epoch;"a;b";val_x\r\n'
	c = &callbacks.CSVLogger{Filename: path, Separator: ";"}
	run(callbacks.Logs{"a;b": 2, "val_x": math.NaN()})
	if got := read(); got != "epoch;\"a;b\";val_x\r\n0;2.0;nan\r\n" {
		t.Errorf("with separator ;: %q", got)
	}
	// A backup's state rewrites the file as it stood.
	state, _ := c.CallbackState()
	c2 := &callbacks.CSVLogger{Filename: path, Separator: ";"}
	if err := c2.OnTrainBegin(nil); err != nil {
		t.Fatal(err)
	}
	if err := c2.SetCallbackState(state); err != nil {
		t.Fatal(err)
	}
	if err := c2.OnEpochEnd(1, callbacks.Logs{"a;b": 3}); err != nil {
		t.Fatal(err)
	}
	if got := read(); got != "epoch;\"a;b\";val_x\r\n0;2.0;nan\r\n1;3.0;NA\r\n" {
		t.Errorf("resumed: %q", got)
	}
	if err := c2.SetCallbackState(state[:len(state)-1]); err == nil {
		t.Error("a truncated state is accepted")
	}
	for _, bad := range []callbacks.CSVLogger{{}, {Filename: path, Separator: ",,"}, {Filename: path, Separator: `"`}, {Filename: t.TempDir()}} {
		if err := bad.OnTrainBegin(nil); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

func TestLambdaCallback(t *testing.T) {
	var got []string
	l := &callbacks.LambdaCallback{
		EpochBegin: func(int) error { got = append(got, "eb"); return nil },
		BatchBegin: func(int) error { got = append(got, "bb"); return nil },
		BatchEnd:   func(int, callbacks.Logs) error { return callbacks.ErrStopTraining },
	}
	var cb callbacks.Callback = l
	_ = cb.OnTrainBegin(nil)
	_ = cb.OnEpochBegin(0)
	_ = cb.(callbacks.BatchBeginner).OnBatchBegin(0)
	if err := cb.OnBatchEnd(0, nil); !errors.Is(err, callbacks.ErrStopTraining) {
		t.Error(err)
	}
	_ = cb.OnEpochEnd(0, nil)
	_ = cb.OnTrainEnd(nil)
	if strings.Join(got, " ") != "eb bb" {
		t.Errorf("calls %v", got)
	}
}
