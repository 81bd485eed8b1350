package saving_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/callbacks"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/saving"
)

// TestBackupKeepsEarlyStopping interrupts a run that EarlyStopping ends,
// at a moment when its patience count is not zero, resumes it with fresh
// callbacks, and checks that it stops at the epoch of the run never
// interrupted, with its history and weights bit for bit.
func TestBackupKeepsEarlyStopping(t *testing.T) {
	x, y := images(31, 64, false)
	// MinDelta 10 makes every epoch after the first fail to improve: the
	// run stops at epoch 3 (index 2), when 2 epochs have not improved.
	early := func() *callbacks.EarlyStopping {
		return &callbacks.EarlyStopping{Monitor: "loss", MinDelta: 10, Patience: 2, RestoreBestWeights: true}
	}
	cfg := func(cbs ...callbacks.Callback) models.FitConfig {
		return models.FitConfig{Epochs: 8, BatchSize: 16, Verbose: models.Silent, Callbacks: cbs}
	}
	ref := resumeModel(t)
	refStop := early()
	hRef, err := ref.Fit(x, y, cfg(refStop))
	if err != nil {
		t.Fatal(err)
	}
	if refStop.StoppedEpoch != 2 {
		t.Fatalf("the reference run stopped at epoch %d, want 2", refStop.StoppedEpoch)
	}

	dir := t.TempDir()
	// 4 steps per epoch: the interruption comes in epoch 3, after the
	// backup of epoch 2's end, when EarlyStopping has counted 1.
	if _, err := resumeModel(t).Fit(x, y, cfg(early(), &saving.BackupAndRestore{Dir: dir}, &interrupt{after: 10})); !errors.Is(err, errInterrupted) {
		t.Fatalf("interrupted run: %v", err)
	}
	m := resumeModel(t)
	stop := early()
	h, err := m.Fit(x, y, cfg(stop, &saving.BackupAndRestore{Dir: dir}))
	if err != nil {
		t.Fatal(err)
	}
	if stop.StoppedEpoch != refStop.StoppedEpoch || stop.BestEpoch != refStop.BestEpoch {
		t.Errorf("resumed run stopped at epoch %d (best %d), want %d (best %d)", stop.StoppedEpoch, stop.BestEpoch, refStop.StoppedEpoch, refStop.BestEpoch)
	}
	if !slices.Equal(h.Epoch, hRef.Epoch) || !sameHistory(h.History, hRef.History) {
		t.Errorf("history %v %v, want %v %v", h.Epoch, h.History, hRef.Epoch, hRef.History)
	}
	if a, b := weightsSHA256(m), weightsSHA256(ref); a != b {
		t.Error("the resumed run's weights differ from the reference's")
	}
}

// TestBackupBeforeStatefulCallback checks that a BackupAndRestore put
// before a callback whose state it saves is refused, as its backups would
// miss that callback's update of each epoch.
func TestBackupBeforeStatefulCallback(t *testing.T) {
	x, y := images(31, 32, false)
	_, err := resumeModel(t).Fit(x, y, models.FitConfig{Epochs: 1, BatchSize: 16, Verbose: models.Silent,
		Callbacks: []callbacks.Callback{&saving.BackupAndRestore{Dir: t.TempDir()}, &callbacks.EarlyStopping{Monitor: "loss"}}})
	if err == nil || !strings.Contains(err.Error(), "put the callback that saves the state after the callbacks whose state it saves") {
		t.Errorf("Fit: %v", err)
	}
}

// TestBackupOtherCallbacks checks that a backup is not resumed by a run
// with other stateful callbacks.
func TestBackupOtherCallbacks(t *testing.T) {
	x, y := images(31, 64, false)
	dir := t.TempDir()
	cfg := func(cbs ...callbacks.Callback) models.FitConfig {
		return models.FitConfig{Epochs: 3, BatchSize: 16, Verbose: models.Silent, Callbacks: cbs}
	}
	if _, err := resumeModel(t).Fit(x, y, cfg(&callbacks.EarlyStopping{Monitor: "loss"}, &saving.BackupAndRestore{Dir: dir}, &interrupt{after: 6})); !errors.Is(err, errInterrupted) {
		t.Fatalf("interrupted run: %v", err)
	}
	_, err := resumeModel(t).Fit(x, y, cfg(&saving.BackupAndRestore{Dir: dir}))
	if err == nil || !strings.Contains(err.Error(), "the callbacks of the run differ") {
		t.Errorf("Fit without the EarlyStopping: %v", err)
	}
}

func sameHistory(a, b map[string][]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}
