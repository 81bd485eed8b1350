package main

// End-to-end tests of the commands on Keras files: summary, convert,
// evaluate and predict on a model file Keras wrote.

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// kerasMNIST is tf.keras 2's model.save of an MNIST MLP (see
// saving/kerasfile/testdata/README.md).
var kerasMNIST, _ = filepath.Abs(filepath.Join("..", "..", "saving", "kerasfile", "testdata", "kotlindl_mnist.h5"))

func TestSummaryConvert(t *testing.T) {
	dir := t.TempDir()
	r := neuron(t, dir, nil, "summary", kerasMNIST)
	if r.code != 0 {
		t.Fatalf("summary: status %d, stderr %q", r.code, r.stderr)
	}
	for _, want := range []string{`Model: "sequential_3"`, "dense_6 (Dense)", "(None, 128)", "100,480", "Trainable params: 101,770 (397.54 KB)",
		// The file holds Adam's state, so Keras counts its variables: the
		// iteration count, the learning rate, two slots per weight.
		"Optimizer params: 203,542 ", "Total params: 305,312 "} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("summary does not say %q:\n%s", want, r.stdout)
		}
	}
	// Keras's .h5 → .keras → neuron's format → .h5: the summary stays.
	steps := [][2]string{{kerasMNIST, "m.keras"}, {"m.keras", "m.safetensors"}, {"m.safetensors", "m.h5"}}
	for _, s := range steps {
		r := neuron(t, dir, nil, "convert", s[0], s[1])
		if r.code != 0 {
			t.Fatalf("convert %s %s: status %d, stderr %q", s[0], s[1], r.code, r.stderr)
		}
		if !strings.Contains(r.stdout, "→ "+s[1]) {
			t.Errorf("convert: stdout %q", r.stdout)
		}
		r = neuron(t, dir, nil, "summary", s[1])
		if r.code != 0 || !strings.Contains(r.stdout, "Total params: 305,312") {
			t.Errorf("summary %s: status %d, stdout %q, stderr %q", s[1], r.code, r.stdout, r.stderr)
		}
	}
	// Errors: one line naming the file.
	os.WriteFile(filepath.Join(dir, "bad.keras"), []byte("not a zip"), 0o644)
	r = neuron(t, dir, nil, "summary", "bad.keras")
	wantOneLineError(t, r, "summary bad.keras", 1, regexp.MustCompile(`^neuron summary: model bad.keras is not a valid Keras 3 \(.keras\) model file: .*zip`))
	r = neuron(t, dir, nil, "convert", "m.keras")
	if r.code != 2 || !strings.Contains(r.stderr, "IN and OUT") {
		t.Errorf("convert with one argument: status %d, stderr %q", r.code, r.stderr)
	}
}

// TestEvaluateKerasFile evaluates the Keras-trained MNIST model on the
// MNIST test images (scaled to [0, 1] as it was trained): the accuracy of
// a trained model, and the same scores from its .keras conversion.
func TestEvaluateKerasFile(t *testing.T) {
	needData(t, "mnist")
	dir := t.TempDir()
	r := neuron(t, dir, nil, "evaluate", kerasMNIST, "-data", "mnist", "-scale", "-limit", "1000", "-verbose", "0")
	if r.code != 0 {
		t.Fatalf("evaluate: status %d, stderr %q", r.code, r.stderr)
	}
	line := lineStarting(r.stdout, "test loss:")
	m := regexp.MustCompile(`test accuracy: (0\.\d+)`).FindStringSubmatch(line)
	if m == nil || m[1] < "0.95" {
		t.Fatalf("evaluate: %q, want an accuracy above 0.95", line)
	}
	if r := neuron(t, dir, nil, "convert", kerasMNIST, "m.keras"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	r2 := neuron(t, dir, nil, "evaluate", "m.keras", "-data", "mnist", "-scale", "-limit", "1000", "-verbose", "0")
	if got := lineStarting(r2.stdout, "test loss:"); got != line {
		t.Errorf("the .keras conversion scores %q, the .h5 %q", got, line)
	}
	r = neuron(t, dir, nil, "predict", "m.keras", "-data", "mnist", "-scale", "0")
	if r.code != 0 || !strings.Contains(r.stdout, "7") {
		t.Errorf("predict: status %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}
