package saving_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/callbacks"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/saving"
)

// interrupt fails Fit after a number of steps, as a crash would.
type interrupt struct {
	callbacks.Base
	after, steps int
}

var errInterrupted = errors.New("interrupted")

func (c *interrupt) OnBatchEnd(int, callbacks.Logs) error {
	c.steps++
	if c.steps == c.after {
		return errInterrupted
	}
	return nil
}

// resumeModel is dropoutModel compiled with Adam and two metrics.
func resumeModel(t *testing.T) *models.Sequential {
	m := dropoutModel()
	err := m.Compile(models.CompileConfig{
		Optimizer: optimizers.NewAdam(),
		Loss:      lossSCC(),
		Metrics:   []metrics.Metric{metrics.NewAccuracy(), metrics.NewPrecision()},
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestBackupAndRestoreResumesExactly interrupts training at many points,
// mid-epoch and at epoch ends, resumes it each time from the backup, and
// checks that the final weights and the whole history equal those of a
// run never interrupted.
func TestBackupAndRestoreResumesExactly(t *testing.T) {
	x, y := images(8, 100, false) // 7 steps of 16 per epoch
	xv, yv := images(9, 30, false)
	fit := func(cbs ...callbacks.Callback) models.FitConfig {
		return models.FitConfig{Epochs: 3, BatchSize: 16, Verbose: models.Silent, Callbacks: cbs,
			ValidationData: &models.Data{X: xv, Y: yv}}
	}
	ref := resumeModel(t)
	refH, err := ref.Fit(x, y, fit())
	if err != nil {
		t.Fatal(err)
	}
	want := weightsSHA256(ref)

	for _, saveEvery := range []int{0, 1, 3} {
		for _, stops := range [][]int{{1}, {7}, {8}, {5, 5, 5}, {13, 1}, {20}, {2, 3, 4, 5}} {
			t.Run(fmt.Sprintf("every%d/stops%v", saveEvery, stops), func(t *testing.T) {
				dir := t.TempDir()
				var log bytes.Buffer
				for _, after := range stops {
					m := resumeModel(t)
					backup := &saving.BackupAndRestore{Dir: dir, SaveEvery: saveEvery, Log: &log}
					_, err := m.Fit(x, y, fit(backup, &interrupt{after: after}))
					if !errors.Is(err, errInterrupted) {
						t.Fatalf("interrupted run: %v", err)
					}
				}
				m := resumeModel(t)
				h, err := m.Fit(x, y, fit(&saving.BackupAndRestore{Dir: dir, SaveEvery: saveEvery, Log: &log}))
				if err != nil {
					t.Fatal(err)
				}
				if got := weightsSHA256(m); got != want {
					t.Errorf("final weights differ from the uninterrupted run\n%s", log.String())
				}
				if !reflect.DeepEqual(h.History, refH.History) || !reflect.DeepEqual(h.Epoch, refH.Epoch) {
					t.Errorf("history differs:\n got %v %v\nwant %v %v", h.Epoch, h.History, refH.Epoch, refH.History)
				}
				if strings.Contains(log.String(), "skipping") {
					t.Errorf("a backup was damaged:\n%s", log.String())
				}
				entries, _ := os.ReadDir(dir)
				if len(entries) != 0 {
					t.Errorf("backups left after training completed: %v", entries)
				}
			})
		}
	}
}

func TestBackupAndRestoreRefusesAnotherRun(t *testing.T) {
	x, y := images(8, 64, false)
	dir := t.TempDir()
	m := resumeModel(t)
	_, err := m.Fit(x, y, models.FitConfig{Epochs: 2, BatchSize: 16, Verbose: models.Silent,
		Callbacks: []callbacks.Callback{&saving.BackupAndRestore{Dir: dir}, &interrupt{after: 5}}})
	if !errors.Is(err, errInterrupted) {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		fit  models.FitConfig
		x    func() *models.Sequential
		want string
	}{
		{"batch size", models.FitConfig{Epochs: 2, BatchSize: 8}, func() *models.Sequential { return resumeModel(t) }, "batch size 16, this run uses 8"},
		{"seed", models.FitConfig{Epochs: 2, BatchSize: 16}, func() *models.Sequential { m := resumeModel(t); m.SetSeed(5); return m }, "seed"},
		{"shuffle", models.FitConfig{Epochs: 2, BatchSize: 16, NoShuffle: true}, func() *models.Sequential { return resumeModel(t) }, "shuffling"},
		{"architecture", models.FitConfig{Epochs: 2, BatchSize: 16}, func() *models.Sequential {
			m := dropoutModel()
			compileAdam(t, m, optimizers.NewAdam())
			return m
		}, "compile settings"},
	}
	for _, c := range cases {
		m := c.x()
		c.fit.Verbose = models.Silent
		c.fit.Callbacks = []callbacks.Callback{&saving.BackupAndRestore{Dir: dir}}
		_, err := m.Fit(x, y, c.fit)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.name, err, c.want)
		}
	}
	// Other data.
	x2, y2 := images(3, 64, false)
	_, err = resumeModel(t).Fit(x2, y2, models.FitConfig{Epochs: 2, BatchSize: 16, Verbose: models.Silent,
		Callbacks: []callbacks.Callback{&saving.BackupAndRestore{Dir: dir}}})
	if err == nil || !strings.Contains(err.Error(), "training data differs") {
		t.Errorf("other data: %v", err)
	}
}

// TestBackupAndRestoreFallsBack damages the newest backup and checks that
// the previous one is used, with a message, and that the result is still
// exact; with both damaged, Fit fails naming both.
func TestBackupAndRestoreFallsBack(t *testing.T) {
	x, y := images(8, 64, false)
	fit := func(cbs ...callbacks.Callback) models.FitConfig {
		return models.FitConfig{Epochs: 2, BatchSize: 16, Verbose: models.Silent, Callbacks: cbs}
	}
	ref := resumeModel(t)
	if _, err := ref.Fit(x, y, fit()); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := resumeModel(t).Fit(x, y, fit(&saving.BackupAndRestore{Dir: dir, SaveEvery: 2}, &interrupt{after: 6})); !errors.Is(err, errInterrupted) {
		t.Fatal(err)
	}
	latest := filepath.Join(dir, "backup.safetensors")
	b, err := os.ReadFile(latest)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-5] ^= 1
	if err := os.WriteFile(latest, b, 0o644); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	m := resumeModel(t)
	if _, err := m.Fit(x, y, fit(&saving.BackupAndRestore{Dir: dir, SaveEvery: 2, Log: &log})); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "skipping") || !strings.Contains(log.String(), "checksum") {
		t.Errorf("no message about the damaged backup:\n%s", log.String())
	}
	if weightsSHA256(m) != weightsSHA256(ref) {
		t.Errorf("weights differ after falling back to the previous backup")
	}

	// Both damaged.
	if _, err := resumeModel(t).Fit(x, y, fit(&saving.BackupAndRestore{Dir: dir, SaveEvery: 2}, &interrupt{after: 6})); !errors.Is(err, errInterrupted) {
		t.Fatal(err)
	}
	for _, name := range []string{"backup.safetensors", "backup.prev.safetensors"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("garbage"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, err = resumeModel(t).Fit(x, y, fit(&saving.BackupAndRestore{Dir: dir}))
	if err == nil || !strings.Contains(err.Error(), "backup.safetensors") || !strings.Contains(err.Error(), "backup.prev.safetensors") {
		t.Errorf("both damaged: %v", err)
	}
}

func TestModelCheckpoint(t *testing.T) {
	x, y := images(8, 64, false)
	xv, yv := images(9, 30, false)
	dir := t.TempDir()
	var log bytes.Buffer
	m := resumeModel(t)
	ck := &saving.ModelCheckpoint{FilePath: filepath.Join(dir, "m-{epoch:02d}-{val_loss:.3f}.safetensors"), Log: &log}
	best := &saving.ModelCheckpoint{FilePath: filepath.Join(dir, "best.safetensors"), Monitor: "val_accuracy", SaveBestOnly: true, Log: &log}
	weights := &saving.ModelCheckpoint{FilePath: filepath.Join(dir, "w-{epoch}-{batch}.safetensors"), SaveWeightsOnly: true, SaveEvery: 3}
	h, err := m.Fit(x, y, models.FitConfig{Epochs: 3, BatchSize: 16, Verbose: models.Silent,
		ValidationData: &models.Data{X: xv, Y: yv}, Callbacks: []callbacks.Callback{ck, best, weights}})
	if err != nil {
		t.Fatal(err)
	}
	for e := 0; e < 3; e++ {
		name := filepath.Join(dir, fmt.Sprintf("m-%02d-%.3f.safetensors", e+1, h.History["val_loss"][e]))
		if _, err := saving.Load(name); err != nil {
			t.Errorf("epoch %d: %v", e+1, err)
		}
	}
	got, err := saving.Load(filepath.Join(dir, fmt.Sprintf("m-%02d-%.3f.safetensors", 3, h.History["val_loss"][2])))
	if err != nil {
		t.Fatal(err)
	}
	if weightsSHA256(got) != weightsSHA256(m) {
		t.Errorf("the last checkpoint does not hold the final weights")
	}
	if _, err := saving.Load(filepath.Join(dir, "best.safetensors")); err != nil {
		t.Error(err)
	}
	// 4 steps per epoch, every 3 steps: epoch 1 step 3, epoch 2 steps 2
	// (6) and 4... counted over the run: steps 3, 6, 9, 12.
	for _, name := range []string{"w-1-3", "w-2-2", "w-3-1", "w-3-4"} {
		if err := saving.VerifyFile(filepath.Join(dir, name+".safetensors")); err != nil {
			t.Error(err)
		}
	}
	if !strings.Contains(log.String(), "Epoch 1: val_accuracy improved from -inf") {
		t.Errorf("log:\n%s", log.String())
	}

	for _, c := range []struct{ pattern, want string }{
		{"m-{epoch:x}.safetensors", "format spec"},
		{"m-{}.safetensors", "empty placeholder"},
		{"m-{epoch.safetensors", "unmatched brace"},
		{"m-{nope}.safetensors", `"nope" is not in the logs`},
	} {
		ck := &saving.ModelCheckpoint{FilePath: filepath.Join(dir, c.pattern)}
		_, err := resumeModel(t).Fit(x, y, models.FitConfig{Epochs: 1, Verbose: models.Silent, Callbacks: []callbacks.Callback{ck}})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.pattern, err, c.want)
		}
	}
}
