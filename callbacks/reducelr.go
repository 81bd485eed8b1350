package callbacks

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
)

// ReduceLROnPlateau multiplies the learning rate by Factor when a
// monitored value has stopped improving, with Keras 3's arguments and
// rules (keras/src/callbacks/reduce_lr_on_plateau.py):
//
//   - an epoch improves on the best value so far if it beats it by more
//     than MinDelta (the first epoch always does);
//   - during the Cooldown epochs after a reduction the count of epochs
//     without improvement stays at 0;
//   - otherwise, once Patience epochs in a row have not improved, the rate
//     becomes max(rate·Factor, MinLR), unless it is already at or below
//     MinLR, and the cooldown starts.
//
// Like Keras it puts the rate into the epoch's logs as "learning_rate", for
// the callbacks after it (History, recorded before the callbacks run, does
// not get it). It implements Stateful: a backup keeps its best value and
// its counts, so that a resumed run reduces the rate where the
// uninterrupted one would. The rate itself is part of the training state.
type ReduceLROnPlateau struct {
	Base
	// Monitor is the logs key to watch; the default is "val_loss".
	Monitor string
	// Factor multiplies the rate, new_lr = lr·Factor; it must be in
	// (0, 1). The default is 0.1.
	Factor float64
	// Patience is the number of epochs without improvement after which
	// the rate is reduced; the default (0) is Keras's 10. Patience 1
	// reduces at the first epoch that does not improve.
	Patience int
	// Verbose 1 prints Keras's message when the rate is reduced.
	Verbose int
	// Mode is "min", "max" or "auto" (the default), as for EarlyStopping.
	Mode string
	// MinDelta is the smallest change that counts as an improvement; the
	// default (0) is Keras's 1e-4. A tiny positive value such as 1e-300
	// counts every change.
	MinDelta float64
	// Cooldown is the number of epochs to wait after a reduction before
	// counting epochs without improvement again.
	Cooldown int
	// MinLR is the lower bound on the rate (default 0).
	MinLR float64
	// Log receives the messages when Verbose is 1; the default is
	// os.Stdout, where Keras prints them.
	Log io.Writer

	model    Model
	maximize bool
	hasBest  bool
	best     float64
	wait     int
	cooldown int
}

// NewReduceLROnPlateau returns ReduceLROnPlateau with Keras's defaults
// spelled out.
func NewReduceLROnPlateau() *ReduceLROnPlateau {
	return &ReduceLROnPlateau{Monitor: "val_loss", Factor: 0.1, Patience: 10, Mode: "auto", MinDelta: 1e-4}
}

func (r *ReduceLROnPlateau) settings() (monitor string, factor float64, patience int, minDelta float64) {
	monitor, factor, patience, minDelta = r.Monitor, r.Factor, r.Patience, math.Abs(r.MinDelta)
	if monitor == "" {
		monitor = "val_loss"
	}
	if factor == 0 {
		factor = 0.1
	}
	if patience == 0 {
		patience = 10
	}
	if minDelta == 0 {
		minDelta = 1e-4
	}
	return
}

// OnTrainBegin implements Callback: it checks the arguments and resets
// the counts and the best value, as Keras's _reset.
func (r *ReduceLROnPlateau) OnTrainBegin(m Model) error {
	monitor, factor, patience, minDelta := r.settings()
	switch {
	case !(factor > 0 && factor < 1):
		return fmt.Errorf("callbacks: ReduceLROnPlateau: Factor must be in (0, 1), got %v", r.Factor)
	case patience < 0:
		return fmt.Errorf("callbacks: ReduceLROnPlateau: Patience must be >= 0, got %d", r.Patience)
	case r.Cooldown < 0:
		return fmt.Errorf("callbacks: ReduceLROnPlateau: Cooldown must be >= 0, got %d", r.Cooldown)
	case !(r.MinLR >= 0) || math.IsInf(r.MinLR, 1):
		return fmt.Errorf("callbacks: ReduceLROnPlateau: MinLR must be >= 0 and finite, got %v", r.MinLR)
	case math.IsNaN(minDelta) || math.IsInf(minDelta, 0):
		return fmt.Errorf("callbacks: ReduceLROnPlateau: MinDelta must be finite, got %v", r.MinDelta)
	case r.Verbose < 0:
		return fmt.Errorf("callbacks: ReduceLROnPlateau: Verbose must be 0 or 1, got %d", r.Verbose)
	}
	maximize, err := maximizeFor("ReduceLROnPlateau", monitor, r.Mode)
	if err != nil {
		return err
	}
	r.model, r.maximize = m, maximize
	r.hasBest, r.best, r.wait, r.cooldown = false, 0, 0, 0
	return nil
}

// OnEpochEnd implements Callback.
func (r *ReduceLROnPlateau) OnEpochEnd(epoch int, logs Logs) error {
	monitor, factor, patience, minDelta := r.settings()
	if logs != nil {
		logs["learning_rate"] = float64(float32(r.model.LearningRate()))
	}
	current, ok := logs[monitor]
	if !ok {
		return fmt.Errorf("callbacks: ReduceLROnPlateau: monitor %q is not in the logs (have %s)", monitor, keys(logs))
	}
	if r.cooldown > 0 {
		r.cooldown--
		r.wait = 0
	}
	improves := !r.hasBest
	if r.hasBest {
		if r.maximize {
			improves = current-minDelta > r.best
		} else {
			improves = current+minDelta < r.best
		}
	}
	switch {
	case improves:
		r.hasBest, r.best, r.wait = true, current, 0
	case r.cooldown == 0:
		r.wait++
		if r.wait >= patience && r.reduce(epoch, factor) {
			r.cooldown, r.wait = r.Cooldown, 0
		}
	}
	return nil
}

// reduce lowers the rate, reading it as Keras reads its float32 variable,
// and reports whether it did.
func (r *ReduceLROnPlateau) reduce(epoch int, factor float64) bool {
	old := float64(float32(r.model.LearningRate()))
	if !(old > float64(float32(r.MinLR))) {
		return false
	}
	lr := max(old*factor, r.MinLR)
	r.model.SetLearningRate(lr)
	if r.Verbose > 0 {
		w := r.Log
		if w == nil {
			w = os.Stdout
		}
		fmt.Fprintf(w, "\nEpoch %d: ReduceLROnPlateau reducing learning rate to %s.\n", epoch+1, PyRepr(lr))
	}
	return true
}

// Best returns the best monitored value seen, and whether there is one.
func (r *ReduceLROnPlateau) Best() (float64, bool) { return r.best, r.hasBest }

// rlrStateVersion leads ReduceLROnPlateau's state bytes.
const rlrStateVersion = 1

// CallbackState implements Stateful: whether there is a best value, the
// best value, the count of epochs without improvement and the cooldown
// count, as little-endian numbers.
func (r *ReduceLROnPlateau) CallbackState() ([]byte, error) {
	b := []byte{rlrStateVersion, 0}
	if r.hasBest {
		b[1] = 1
	}
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(r.best))
	b = binary.LittleEndian.AppendUint64(b, uint64(int64(r.wait)))
	return binary.LittleEndian.AppendUint64(b, uint64(int64(r.cooldown))), nil
}

// SetCallbackState implements Stateful.
func (r *ReduceLROnPlateau) SetCallbackState(b []byte) error {
	if len(b) != 2+3*8 || b[0] != rlrStateVersion || b[1] > 1 {
		return fmt.Errorf("callbacks: ReduceLROnPlateau: state of %d bytes: not one this version wrote", len(b))
	}
	best := math.Float64frombits(binary.LittleEndian.Uint64(b[2:]))
	wait := int64(binary.LittleEndian.Uint64(b[10:]))
	cool := int64(binary.LittleEndian.Uint64(b[18:]))
	if wait < 0 || wait > math.MaxInt32 || cool < 0 || cool > math.MaxInt32 {
		return fmt.Errorf("callbacks: ReduceLROnPlateau: state: counts %d and %d out of range", wait, cool)
	}
	r.hasBest, r.best, r.wait, r.cooldown = b[1] == 1, best, int(wait), int(cool)
	return nil
}

var _ Stateful = (*ReduceLROnPlateau)(nil)
