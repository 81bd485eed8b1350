package callbacks

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"

	"github.com/neuron-go/neuron/tensor"
)

// EarlyStopping stops training when a monitored value has stopped
// improving, with Keras's arguments and rules:
//
//   - an epoch improves on the best value so far if it beats it by more
//     than MinDelta (lower is better for losses, higher for accuracy-like
//     values unless Mode says otherwise);
//   - training stops once Patience epochs in a row have not improved
//     (Patience 0 stops at the first epoch that does not improve);
//   - with RestoreBestWeights, the weights of the best epoch are put back
//     when training stops early.
//
// It implements Stateful: a backup (saving.BackupAndRestore, placed after
// it in FitConfig.Callbacks) keeps its count, its best value and its best
// weights, so a resumed run stops where the uninterrupted one would.
type EarlyStopping struct {
	Base
	// Monitor is the logs key to watch; the default is "val_loss".
	Monitor string
	// MinDelta is the smallest change that counts as an improvement.
	MinDelta float64
	// Patience is the number of epochs without improvement to allow.
	Patience int
	// Mode is "min", "max" or "auto" (the default): auto means max for
	// keys containing "acc", "precision", "recall" or "auc", else min.
	Mode string
	// Baseline, if set (non-nil), is a value that must be beaten for the
	// patience counter to reset.
	Baseline *float64
	// RestoreBestWeights restores the best epoch's weights on stopping.
	RestoreBestWeights bool
	// StartFromEpoch ignores the first epochs (warm-up).
	StartFromEpoch int
	// Log, if set, receives Keras's messages ("Epoch 5: early stopping").
	Log io.Writer

	// StoppedEpoch is the epoch (from 0) at which training stopped, or -1.
	StoppedEpoch int
	// BestEpoch is the epoch (from 0) with the best monitored value.
	BestEpoch int

	model       Model
	best        float64
	wait        int
	bestWeights [][]float32
	maximize    bool
}

// OnTrainBegin implements Callback.
func (e *EarlyStopping) OnTrainBegin(m Model) error {
	if e.Monitor == "" {
		e.Monitor = "val_loss"
	}
	maximize, err := maximizeFor("EarlyStopping", e.Monitor, e.Mode)
	if err != nil {
		return err
	}
	e.maximize = maximize
	if e.Patience < 0 {
		return fmt.Errorf("callbacks: EarlyStopping: Patience must be >= 0, got %d", e.Patience)
	}
	e.model = m
	e.wait, e.StoppedEpoch, e.BestEpoch, e.bestWeights = 0, -1, 0, nil
	e.best = math.Inf(1)
	if e.maximize {
		e.best = math.Inf(-1)
	}
	return nil
}

// improves reports whether v beats ref by more than MinDelta.
func (e *EarlyStopping) improves(v, ref float64) bool {
	d := math.Abs(e.MinDelta)
	if e.maximize {
		return v-d > ref
	}
	return v+d < ref
}

// OnEpochEnd implements Callback.
func (e *EarlyStopping) OnEpochEnd(epoch int, logs Logs) error {
	v, ok := logs[e.Monitor]
	if !ok {
		return fmt.Errorf("callbacks: EarlyStopping: monitor %q is not in the logs (have %s)", e.Monitor, keys(logs))
	}
	if epoch < e.StartFromEpoch {
		return nil
	}
	if e.RestoreBestWeights && e.bestWeights == nil {
		e.bestWeights = snapshot(e.model)
		e.BestEpoch = epoch
	}
	e.wait++
	if e.improves(v, e.best) {
		e.best, e.BestEpoch = v, epoch
		if e.RestoreBestWeights {
			e.bestWeights = snapshot(e.model)
		}
		if e.Baseline == nil || e.improves(v, *e.Baseline) {
			e.wait = 0
		}
		return nil
	}
	if e.wait >= e.Patience && epoch > 0 {
		e.StoppedEpoch = epoch
		if e.Log != nil {
			fmt.Fprintf(e.Log, "Epoch %d: early stopping\n", epoch+1)
		}
		if e.RestoreBestWeights && e.bestWeights != nil {
			if e.Log != nil {
				fmt.Fprintf(e.Log, "Restoring model weights from the end of the best epoch: %d.\n", e.BestEpoch+1)
			}
			restore(e.model, e.bestWeights)
		}
		return ErrStopTraining
	}
	return nil
}

// Best returns the best monitored value seen.
func (e *EarlyStopping) Best() float64 { return e.best }

// snapshot copies every weight's values.
func snapshot(m Model) [][]float32 {
	ws := m.Weights()
	out := make([][]float32, len(ws))
	for i, w := range ws {
		out[i] = append([]float32(nil), w.Data()...)
	}
	return out
}

// restore copies saved values back into the weights.
func restore(m Model, saved [][]float32) {
	for i, w := range m.Weights() {
		copy(w.Data(), saved[i])
	}
}

func keys(l Logs) string {
	ks := make([]string, 0, len(l))
	for k := range l {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, ", ")
}

// esStateVersion leads EarlyStopping's state bytes.
const esStateVersion = 1

// CallbackState implements Stateful: the best value, the patience count,
// StoppedEpoch, BestEpoch and, with RestoreBestWeights, the best epoch's
// weights, as little-endian numbers.
func (e *EarlyStopping) CallbackState() ([]byte, error) {
	b := []byte{esStateVersion}
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(e.best))
	for _, v := range []int{e.wait, e.StoppedEpoch, e.BestEpoch} {
		b = binary.LittleEndian.AppendUint64(b, uint64(int64(v)))
	}
	if e.bestWeights == nil {
		return append(b, 0), nil
	}
	b = append(b, 1)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(e.bestWeights)))
	for _, w := range e.bestWeights {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(w)))
		for _, v := range w {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
		}
	}
	return b, nil
}

// SetCallbackState implements Stateful. It is called after OnTrainBegin,
// and checks that saved best weights fit the model's weights.
func (e *EarlyStopping) SetCallbackState(b []byte) error {
	bad := func(what string) error {
		return fmt.Errorf("callbacks: EarlyStopping: state of %d bytes: %s", len(b), what)
	}
	if len(b) < 1+4*8+1 || b[0] != esStateVersion {
		return bad("too short, or of an unknown version")
	}
	best := math.Float64frombits(binary.LittleEndian.Uint64(b[1:]))
	var ints [3]int
	for i := range ints {
		v := int64(binary.LittleEndian.Uint64(b[9+8*i:]))
		if v < -1 || v > math.MaxInt32 {
			return bad(fmt.Sprintf("count %d is out of range", v))
		}
		ints[i] = int(v)
	}
	rest := b[33:]
	var weights [][]float32
	switch rest[0] {
	case 0:
		if len(rest) != 1 {
			return bad("trailing bytes")
		}
	case 1:
		rest = rest[1:]
		var ws []*tensor.Tensor
		if e.model != nil {
			ws = e.model.Weights()
		}
		if len(rest) < 4 || int(binary.LittleEndian.Uint32(rest)) != len(ws) {
			return bad(fmt.Sprintf("the best weights are not the model's %d weights", len(ws)))
		}
		rest = rest[4:]
		for i, w := range ws {
			if len(rest) < 4 || int(binary.LittleEndian.Uint32(rest)) != w.Size() || len(rest)-4 < 4*w.Size() {
				return bad(fmt.Sprintf("best weight %d does not have the model's %d values", i, w.Size()))
			}
			rest = rest[4:]
			vals := make([]float32, w.Size())
			for j := range vals {
				vals[j] = math.Float32frombits(binary.LittleEndian.Uint32(rest[4*j:]))
			}
			rest = rest[4*len(vals):]
			weights = append(weights, vals)
		}
		if len(rest) != 0 {
			return bad("trailing bytes")
		}
		if weights == nil {
			weights = [][]float32{}
		}
	default:
		return bad("bad weights flag")
	}
	e.best, e.wait, e.StoppedEpoch, e.BestEpoch, e.bestWeights = best, ints[0], ints[1], ints[2], weights
	return nil
}
