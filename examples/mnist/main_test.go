package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/neuron-go/neuron/datasets"
	"github.com/neuron-go/neuron/datasets/mnist"
	"github.com/neuron-go/neuron/saving"
)

// The test binary doubles as the program: with mainArgsEnv set, it runs
// main with those arguments (separated by newlines) instead of the tests.
const mainArgsEnv = "NEURON_MNIST_MAIN_ARGS"

func TestMain(m *testing.M) {
	if args := os.Getenv(mainArgsEnv); args != "" {
		os.Args = append([]string{"mnist"}, strings.Split(args, "\n")...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// program starts the program with args.
func program(t *testing.T, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), mainArgsEnv+"="+strings.Join(args, "\n"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &out
}

func weightsHash(t *testing.T, path string) string {
	t.Helper()
	m, err := saving.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	for _, w := range m.Weights() {
		for _, v := range w.Data() {
			h.Write(binary.LittleEndian.AppendUint32(nil, math.Float32bits(v)))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// TestKillResumeSaveLoad runs the MNIST program on the first 1024 real
// MNIST images: once without interruption, once killed with SIGKILL
// at least 10 times while it trains and started again with the same -backup
// each time. The saved models must have the same weights, bit for bit, and
// -load must report the same test scores as the run that trained.
func TestKillResumeSaveLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("trains on real MNIST in several processes")
	}
	if _, _, _, _, err := mnist.LoadDataWith(datasets.Options{NoDownload: true}); errors.Is(err, datasets.ErrNotFound) {
		t.Skipf("MNIST is not available offline: %v", err)
	} else if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	common := []string{"-limit", "1024", "-epochs", "2", "-verbose", "0", "-seed", "3", "-backup-every", "4"}
	run := func(extra ...string) string {
		cmd, out := program(t, append(append([]string(nil), common...), extra...)...)
		if err := cmd.Wait(); err != nil {
			t.Fatalf("%v: %v\n%s", extra, err, out)
		}
		return out.String()
	}
	refOut := run("-backup", filepath.Join(dir, "ref-backup"), "-save", filepath.Join(dir, "ref.safetensors"))
	want := weightsHash(t, filepath.Join(dir, "ref.safetensors"))

	backup := filepath.Join(dir, "backup")
	model := filepath.Join(dir, "model.safetensors")
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 2))
	kills, resumed, attempts := 0, 0, 0
	// expectResume says that a backup was left: the next run must resume.
	expectResume := false
	checkResume := func(out string) {
		t.Helper()
		if got := strings.Contains(out, "resuming from"); got != expectResume {
			t.Errorf("a backup was left: %v; the next run resumed: %v\n%s", expectResume, got, out)
		}
		if expectResume {
			resumed++
		}
	}
	for attempt := 0; kills < 10 && attempt < 60; attempt++ {
		attempts++
		began := time.Now()
		cmd, out := program(t, append(append([]string(nil), common...), "-backup", backup, "-save", model)...)
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		// Wait for training to be under way (this run has written a
		// backup), then kill at a random moment.
		var err error
		done := false
		for !done {
			select {
			case err = <-exited:
				done = true
				continue
			case <-time.After(2 * time.Millisecond):
			}
			if info, serr := os.Stat(filepath.Join(backup, "backup.safetensors")); serr == nil && info.ModTime().After(began) {
				break
			}
		}
		if !done {
			select {
			case err = <-exited:
				done = true
			case <-time.After(time.Duration(rng.IntN(150)) * time.Millisecond):
				_ = cmd.Process.Kill()
				<-exited
				kills++
			}
		}
		checkResume(out.String())
		// A kill between the two renames of a save leaves only the
		// previous backup, which the next run resumes from.
		expectResume = false
		for _, name := range []string{"backup.safetensors", "backup.prev.safetensors"} {
			if _, err := os.Stat(filepath.Join(backup, name)); err == nil {
				expectResume = true
			}
		}
		if done {
			if err != nil {
				t.Fatalf("attempt %d: %v\n%s", attempt, err, out)
			}
			// It finished before the kill: start a new series.
			if got := weightsHash(t, model); got != want {
				t.Fatalf("attempt %d finished with other weights", attempt)
			}
			os.Remove(model)
		}
		if strings.Contains(out.String(), "skipping") {
			t.Fatalf("attempt %d found a damaged backup:\n%s", attempt, out)
		}
		for _, name := range []string{"backup.safetensors", "backup.prev.safetensors"} {
			if err := saving.VerifyFile(filepath.Join(backup, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
				t.Fatal(err)
			}
		}
	}
	checkResume(run("-backup", backup, "-save", model))
	if got := weightsHash(t, model); got != want {
		t.Fatalf("after %d kills the weights differ from the uninterrupted run's", kills)
	}
	// -load evaluates the saved model: the same test scores.
	loadOut := run("-load", model)
	if a, b := lastLine(refOut), lastLine(loadOut); a != b {
		t.Errorf("-load reports %q, the training run %q", b, a)
	}
	t.Logf("%d kills in %d runs, %d runs resumed", kills, attempts, resumed)
	if kills < 10 {
		t.Errorf("only %d kills landed in %d runs, want 10", kills, attempts)
	}
}
