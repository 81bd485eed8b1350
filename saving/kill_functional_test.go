package saving_test

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/neuron-go/neuron/callbacks"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/saving"
)

// The kill test of TestKillAndResume, for a functional model with two
// inputs, two outputs, a shared layer and Dropout: training in a child
// process is killed with SIGKILL at random moments and while backups are
// written, started again each time, and must end with the weights of a
// run never interrupted. TestKillAndResumeNested does the same for a model
// holding nested models, with an EarlyStopping whose state the backups
// keep.

const killFunctionalEnv = "NEURON_KILL_FUNCTIONAL_CHILD"

// killFunctionalChild trains the two-tower model or, for kind "nested",
// a model holding nested models (with Dropout) that an EarlyStopping
// before the backup stops after 3 of its 6 epochs, so that its patience
// count must survive the kills too.
func killFunctionalChild(dir, out, kind string) error {
	if kind == "dataset" {
		return killDatasetChild(dir, out)
	}
	var m *models.Model
	var x, y []models.Array
	var cbs []callbacks.Callback
	if kind == "nested" {
		m = nestedModels(&testing.T{})
		x, y = nestedData(600)
		cbs = append(cbs, &callbacks.EarlyStopping{Monitor: "loss", MinDelta: 10, Patience: 2})
	} else {
		x, y = twoTowerData(4, 600)
		m = twoTower(&testing.T{})
	}
	m.Out = &bytes.Buffer{}
	backup := &saving.BackupAndRestore{Dir: dir, SaveEvery: 3, Log: os.Stderr}
	_, err := m.Fit(x, y, models.FitConfig{Epochs: 6, BatchSize: 16, Verbose: models.Silent,
		Callbacks: append(cbs, backup)})
	if err != nil {
		return err
	}
	if kind == "nested" && m.Optimizer().Iterations() != 3*38 {
		return fmt.Errorf("the nested model trained %d steps, want the 3 epochs EarlyStopping allows", m.Optimizer().Iterations())
	}
	return saving.Save(m, out)
}

// killDatasetChild trains with FitDataset on a pipeline that reshuffles
// at each pass, with epochs of 25 steps that cross the passes of its 38
// batches, so that the dataset's position must survive the kills.
func killDatasetChild(dir, out string) error {
	t := &testing.T{}
	x, y := images(8, 600, false)
	m := resumeModel(t)
	backup := &saving.BackupAndRestore{Dir: dir, SaveEvery: 3, Log: os.Stderr}
	if _, err := m.FitDataset(shuffledBatches(t, x, y, 5), models.FitConfig{Epochs: 6, StepsPerEpoch: 25,
		Verbose: models.Silent, Callbacks: []callbacks.Callback{backup}}); err != nil {
		return err
	}
	return saving.Save(m, out)
}

func TestKillAndResumeFunctional(t *testing.T) { killAndResume(t, "TestKillAndResumeFunctional", "") }

// TestKillAndResumeDataset is TestKillAndResumeFunctional for FitDataset
// on a shuffling pipeline (the bit-exact resume of the issue on data
// pipelines).
func TestKillAndResumeDataset(t *testing.T) { killAndResume(t, "TestKillAndResumeDataset", "dataset") }

// TestKillAndResumeNested is TestKillAndResumeFunctional for nested models
// and an EarlyStopping.
func TestKillAndResumeNested(t *testing.T) { killAndResume(t, "TestKillAndResumeNested", "nested") }

func killAndResume(t *testing.T, test, kind string) {
	if v := os.Getenv(killFunctionalEnv); v != "" {
		dir, rest, _ := strings.Cut(v, "|")
		out, kind, _ := strings.Cut(rest, "|")
		if err := killFunctionalChild(dir, out, kind); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if testing.Short() {
		t.Skip("starts training processes and kills them")
	}
	if runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("no processes")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	start := func(dir, out string) (*exec.Cmd, *bytes.Buffer) {
		cmd := exec.Command(exe, "-test.run=^"+test+"$")
		cmd.Env = append(os.Environ(), killFunctionalEnv+"="+dir+"|"+out+"|"+kind)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd, &stderr
	}
	final := func(out string) string {
		if kind == "dataset" {
			m, err := saving.Load(out)
			if err != nil {
				t.Fatalf("the final model: %v", err)
			}
			var all [][]float32 // every value, printed in full
			for _, w := range m.Weights() {
				all = append(all, w.Data())
			}
			return fmt.Sprint(all)
		}
		m, err := saving.LoadModel(out)
		if err != nil {
			t.Fatalf("the final model: %v", err)
		}
		return fmt.Sprint(modelWeights(m))
	}
	began := time.Now()
	refOut := filepath.Join(root, "ref.safetensors")
	cmd, stderr := start(filepath.Join(root, "ref-backup"), refOut)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("uninterrupted run: %v\n%s", err, stderr)
	}
	runTime := time.Since(began)
	want := final(refOut)

	dir := filepath.Join(root, "backup")
	out := filepath.Join(root, "out.safetensors")
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 2))
	kills, inWrite := 0, 0
	deadline := time.Now().Add(25 * time.Second)
	for attempt := 0; (kills < 8 || inWrite < 2) && time.Now().Before(deadline); attempt++ {
		cmd, stderr := start(dir, out)
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		var err error
		killed := false
		if attempt%2 == 0 {
			select {
			case err = <-exited:
			case <-time.After(time.Duration(rng.Int64N(int64(runTime)))):
				killed = true
			}
		} else {
		poll:
			for {
				select {
				case err = <-exited:
					break poll
				default:
				}
				if len(tempFiles(dir)) > 0 {
					killed = true
					break
				}
			}
		}
		if killed {
			_ = cmd.Process.Kill() // SIGKILL
			<-exited
			kills++
			if len(tempFiles(dir)) > 0 {
				inWrite++
			}
		} else {
			if err != nil {
				t.Fatalf("run %d: %v\n%s", attempt, err, stderr)
			}
			if got := final(out); got != want {
				t.Fatalf("run %d completed with other weights\n%s", attempt, stderr)
			}
			os.Remove(out)
		}
		if strings.Contains(stderr.String(), "skipping") {
			t.Fatalf("run %d found a damaged backup:\n%s", attempt, stderr)
		}
		for _, name := range []string{"backup.safetensors", "backup.prev.safetensors"} {
			if err := saving.VerifyFile(filepath.Join(dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("after run %d: %v", attempt, err)
			}
		}
	}
	if kills < 5 {
		t.Fatalf("only %d kills in the time allowed", kills)
	}
	cmd, stderr = start(dir, out)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("final run: %v\n%s", err, stderr)
	}
	if got := final(out); got != want {
		t.Fatalf("after %d kills the weights differ from the uninterrupted run\n%s", kills, stderr)
	}
	t.Logf("%d kills (%d during a backup write); uninterrupted run %v", kills, inWrite, runTime)
}
