package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/datasets"
	"github.com/neuron-go/neuron/datasets/fashionmnist"
)

// The test binary doubles as the program: with mainArgsEnv set, it runs
// main with those arguments (separated by newlines) instead of the tests.
const mainArgsEnv = "NEURON_FASHION_CNN_BN_MAIN_ARGS"

func TestMain(m *testing.M) {
	if args := os.Getenv(mainArgsEnv); args != "" {
		os.Args = append([]string{"fashion_cnn_bn"}, strings.Split(args, "\n")...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runProgram runs the program with args to its end and returns its output.
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

var scoreLine = regexp.MustCompile(`(?m)^(course CNN:|CNN \+ BN \+ augment:|CNN \+ BN:) +test loss: ([0-9.]+) - test accuracy: ([0-9.]+)$`)

// scores returns the test accuracy of each model the program reported.
func scores(t *testing.T, out string) map[string]float64 {
	t.Helper()
	got := map[string]float64{}
	for _, m := range scoreLine.FindAllStringSubmatch(out, -1) {
		acc, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			t.Fatal(err)
		}
		got[m[1]] = acc
	}
	return got
}

// TestBrief runs the program for two epochs on the first 1000 images at
// batch 8: it must train both models, print the two summaries and report
// both test accuracies. Both models must have learnt (training accuracy
// well above chance); so few steps leave the moving statistics of
// BatchNormalization far from settled, so only the course CNN's test
// accuracy is held to a bound.
func TestBrief(t *testing.T) {
	if _, _, _, _, err := fashionmnist.LoadDataWith(datasets.Options{NoDownload: true}); errors.Is(err, datasets.ErrNotFound) {
		t.Skipf("Fashion-MNIST is not available offline: %v", err)
	} else if err != nil {
		t.Fatal(err)
	}
	out := runProgram(t, "-limit", "1000", "-epochs", "2", "-batch-size", "8", "-verbose", "2", "-seed", "1")
	for _, want := range []string{"The course's CNN:", "The CNN with BatchNormalization and data augmentation:",
		"random_flip (RandomFlip)", "Non-trainable params: 320 (1.25 KB)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	got := scores(t, out)
	if len(got) != 2 {
		t.Fatalf("want the test scores of both models, got %v:\n%s", got, out)
	}
	if acc := got["course CNN:"]; acc < 0.3 {
		t.Errorf("course CNN: test accuracy %.4f after 2 epochs on 1000 images, want >= 0.3", acc)
	}
	// The training accuracy of each model's last epoch.
	epochs := regexp.MustCompile(`(?m)^125/125 - .* - accuracy: ([0-9.]+) - `).FindAllStringSubmatch(out, -1)
	if len(epochs) != 4 {
		t.Fatalf("want 2 epochs of 125 steps for each model, got %d:\n%s", len(epochs), out)
	}
	for _, i := range []int{1, 3} {
		if acc, _ := strconv.ParseFloat(epochs[i][1], 64); acc < 0.4 {
			t.Errorf("model %d: training accuracy %.4f in the second epoch, want >= 0.4:\n%s", i/2+1, acc, out)
		}
	}

	// Without the baseline and the augmentation, one model is trained.
	out = runProgram(t, "-limit", "500", "-epochs", "1", "-verbose", "0", "-baseline=false", "-augment", "none")
	got = scores(t, out)
	if _, ok := got["CNN + BN:"]; !ok || len(got) != 1 {
		t.Errorf("-baseline=false -augment none: want only the CNN + BN scores, got %v:\n%s", got, out)
	}
	if strings.Contains(out, "Random") {
		t.Errorf("-augment none: the summary still has augmentation layers:\n%s", out)
	}

	// -save, then -load evaluates the saved model to the same scores.
	path := filepath.Join(t.TempDir(), "m.safetensors")
	out = runProgram(t, "-limit", "300", "-epochs", "1", "-verbose", "0", "-baseline=false", "-save", path)
	trained := scores(t, out)["CNN + BN + augment:"]
	out = runProgram(t, "-limit", "300", "-verbose", "0", "-load", path)
	if !strings.Contains(out, "random_flip (RandomFlip)") || !strings.Contains(out, fmt.Sprintf("test accuracy: %.4f", trained)) {
		t.Errorf("-load: want the summary and test accuracy %.4f, got:\n%s", trained, out)
	}
}

// TestAugmentList checks the -augment lists: each name adds its layer, in
// a fixed order, and an unknown name is refused with the flag's name.
func TestAugmentList(t *testing.T) {
	ls, err := augmentation("zoom, flip")
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) != 2 || ls[0].ClassName() != "RandomFlip" || ls[1].ClassName() != "RandomZoom" {
		t.Errorf("zoom, flip: got %v", ls)
	}
	if ls, err := augmentation("none"); err != nil || len(ls) != 0 {
		t.Errorf("none: got %v, %v", ls, err)
	}
	if _, err := augmentation("flip,shear"); err == nil || !strings.Contains(err.Error(), `-augment: unknown augmentation "shear"`) {
		t.Errorf("flip,shear: error %v", err)
	}
}
