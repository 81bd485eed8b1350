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

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/callbacks"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/saving"
)

// The kill test runs training in a child process (this test binary,
// re-executed with NEURON_KILL_CHILD set), kills it with SIGKILL at random
// moments, some of them while a backup is being written, starts it again
// each time, and checks that the final weights equal those of a run never
// interrupted and that no backup on disk is ever damaged.

const killChildEnv = "NEURON_KILL_CHILD"

// killChild is the training program: MNIST-shaped synthetic data, a dense
// model with Dropout, Adam, a backup every 3 steps, and the final model
// saved to the file named by the second argument.
func killChild(dir, out string) error {
	x, y := images(21, 512, false)
	m := models.NewSequential(
		&layers.Flatten{InputShape: []int{28, 28}},
		&layers.Dense{Units: 64, Activation: activations.ReLU},
		&layers.Dropout{Rate: 0.2},
		&layers.Dense{Units: 10, Activation: activations.Softmax},
	)
	m.SetSeed(7)
	m.Out = &bytes.Buffer{}
	err := m.Compile(models.CompileConfig{
		Optimizer: optimizers.NewAdam(),
		Loss:      losses.SparseCategoricalCrossentropy{},
		Metrics:   []metrics.Metric{metrics.NewAccuracy()},
	})
	if err != nil {
		return err
	}
	backup := &saving.BackupAndRestore{Dir: dir, SaveEvery: 3, Log: os.Stderr}
	// MinDelta 10 makes every epoch after the first a plateau: the rate
	// falls at epochs 2 and 4, with a cooldown between, and the CSV file
	// records it; both must come out of the kills as if there were none.
	plateau := &callbacks.ReduceLROnPlateau{Monitor: "loss", Patience: 1, MinDelta: 10, Cooldown: 1, Factor: 0.5}
	csv := &callbacks.CSVLogger{Filename: out + ".csv"}
	_, err = m.Fit(x, y, models.FitConfig{Epochs: 4, BatchSize: 32, Verbose: models.Silent,
		Callbacks: []callbacks.Callback{plateau, csv, backup}})
	if err != nil {
		return err
	}
	return saving.Save(m, out)
}

func TestKillAndResume(t *testing.T) {
	if v := os.Getenv(killChildEnv); v != "" {
		dir, out, _ := strings.Cut(v, "|")
		if err := killChild(dir, out); err != nil {
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
		cmd := exec.Command(exe, "-test.run=^TestKillAndResume$")
		cmd.Env = append(os.Environ(), killChildEnv+"="+dir+"|"+out)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd, &stderr
	}
	finalHash := func(out string) string {
		m, err := saving.Load(out)
		if err != nil {
			t.Fatalf("the final model: %v", err)
		}
		return weightsSHA256(m)
	}

	// The uninterrupted run.
	began := time.Now()
	refOut := filepath.Join(root, "ref.safetensors")
	cmd, stderr := start(filepath.Join(root, "ref-backup"), refOut)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("uninterrupted run: %v\n%s", err, stderr)
	}
	runTime := time.Since(began)
	want := finalHash(refOut)

	dir := filepath.Join(root, "backup")
	out := filepath.Join(root, "out.safetensors")
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	kills, inWrite, completed := 0, 0, 0
	deadline := time.Now().Add(40 * time.Second)
	for attempt := 0; (kills < 12 || inWrite < 3) && time.Now().Before(deadline); attempt++ {
		cmd, stderr := start(dir, out)
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		var err error
		killed := false
		if attempt%2 == 0 {
			// At a random moment.
			select {
			case err = <-exited:
			case <-time.After(time.Duration(rng.Int64N(int64(runTime)))):
				killed = true
			}
		} else {
			// As soon as a backup's temporary file appears.
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
				inWrite++ // the write was cut short: its temporary file is left
			}
		} else {
			if err != nil {
				t.Fatalf("run %d: %v\n%s", attempt, err, stderr)
			}
			completed++
			if got := finalHash(out); got != want {
				t.Fatalf("run %d completed with weights %s, want %s\n%s", attempt, got, want, stderr)
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
	if kills < 10 || inWrite < 1 {
		t.Fatalf("only %d kills, %d during a write, in the time allowed", kills, inWrite)
	}
	cmd, stderr = start(dir, out)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("final run: %v\n%s", err, stderr)
	}
	if got := finalHash(out); got != want {
		t.Fatalf("after %d kills the weights are %s, want %s\n%s", kills, got, want, stderr)
	}
	refCSV, err1 := os.ReadFile(refOut + ".csv")
	gotCSV, err2 := os.ReadFile(out + ".csv")
	if err := errors.Join(err1, err2); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(gotCSV, refCSV) || !bytes.Contains(refCSV, []byte(",0.0005000000237487257,")) {
		t.Fatalf("after %d kills the CSV log is\n%s\nwant\n%s", kills, gotCSV, refCSV)
	}
	if strings.Contains(stderr.String(), "skipping") {
		t.Fatalf("the final run found a damaged backup:\n%s", stderr)
	}
	t.Logf("%d kills (%d during a backup write), %d runs completed in between; uninterrupted run %v", kills, inWrite, completed, runTime)
}

// tempFiles lists the temporary files of interrupted writes in dir.
func tempFiles(dir string) []string {
	entries, _ := os.ReadDir(dir)
	var out []string
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			out = append(out, e.Name())
		}
	}
	return out
}
