package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/datasets"
	"github.com/neuron-go/neuron/datasets/fashionmnist"
	"github.com/neuron-go/neuron/internal/course"
)

// The test binary doubles as the program: with mainArgsEnv set, it runs
// main with those arguments (separated by newlines) instead of the tests.
const mainArgsEnv = "NEURON_FASHION_RESNET_MAIN_ARGS"

func TestMain(m *testing.M) {
	if args := os.Getenv(mainArgsEnv); args != "" {
		os.Args = append([]string{"fashion_resnet"}, strings.Split(args, "\n")...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runProgram runs the program with args and returns its output.
func runProgram(t *testing.T, args ...string) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), mainArgsEnv+"="+strings.Join(args, "\n"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %v\n%s", args, err, out)
	}
	return string(out)
}

var lastLineRE = regexp.MustCompile(`(?m)^test loss: \d+\.\d{4} - test accuracy: (\d+\.\d{4})\n$`)

// TestProgram trains the residual network briefly on the first 512
// Fashion-MNIST images, saves it and evaluates the saved file with -load:
// the same summary and the same test scores.
func TestProgram(t *testing.T) {
	if testing.Short() {
		t.Skip("trains on real Fashion-MNIST in a new process")
	}
	if _, _, _, _, err := fashionmnist.LoadDataWith(datasets.Options{NoDownload: true}); errors.Is(err, datasets.ErrNotFound) {
		t.Skipf("Fashion-MNIST is not available offline: %v", err)
	} else if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "resnet.safetensors")
	out := runProgram(t, "-limit", "512", "-epochs", "2", "-verbose", "2", "-seed", "1", "-save", file)
	for _, want := range []string{`Model: "resnet"`, "Connected to", "add (Add)", "│ max_pooling2d[0][", "Total params: 37,642", "Epoch 2/2", " - val_accuracy: ", "predicted: "} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	m := lastLineRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no test scores at the end:\n%s", out)
	}
	loaded := runProgram(t, "-limit", "512", "-verbose", "0", "-load", file)
	if a, b := lastLineRE.FindString(out), lastLineRE.FindString(loaded); a != b {
		t.Errorf("-load reports %q, the training run %q", b, a)
	}
}

// TestSameModelAsTheBenchmark checks that the program's network is the one
// bench/compare times (internal/course's FashionResNet): the same summary
// and the same initial weights.
func TestSameModelAsTheBenchmark(t *testing.T) {
	ours, err := build(3)
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := course.FashionResNet(3)
	if err != nil {
		t.Fatal(err)
	}
	var a, b bytes.Buffer
	if err := ours.SummaryTo(&a, 0); err != nil {
		t.Fatal(err)
	}
	if err := theirs.SummaryTo(&b, 0); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Errorf("summaries differ:\n%s\n%s", a.String(), b.String())
	}
	wa, wb := ours.Weights(), theirs.Weights()
	if len(wa) != len(wb) {
		t.Fatalf("%d and %d weights", len(wa), len(wb))
	}
	for i := range wa {
		if !slices.Equal(wa[i].Data(), wb[i].Data()) {
			t.Errorf("weight %s differs", ours.WeightNames()[i])
		}
	}
}
