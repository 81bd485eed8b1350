package main

// End-to-end tests of the commands on ONNX files: a model the ONNX model
// zoo published (CNTK's MNIST CNN, see onnx/testdata/mnist/README.md), and
// Keras's MNIST model converted to ONNX and back.

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var cntkMNIST, _ = filepath.Abs(filepath.Join("..", "..", "onnx", "testdata", "mnist", "model.onnx"))

func TestONNXFiles(t *testing.T) {
	dir := t.TempDir()
	r := neuron(t, dir, nil, "summary", cntkMNIST)
	if r.code != 0 {
		t.Fatalf("summary: status %d, stderr %q", r.code, r.stderr)
	}
	for _, want := range []string{`Model: "CNTKGraph"`, "Input3 (InputLayer)", "(None, 1, 28, 28)", "Convolution28 (Conv2D)", "Total params: 5,994"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("summary does not say %q:\n%s", want, r.stdout)
		}
	}
	// Keras's .h5 → .onnx → .keras: the summary's parameters stay.
	for _, s := range [][2]string{{kerasMNIST, "m.onnx"}, {"m.onnx", "m.keras"}} {
		r := neuron(t, dir, nil, "convert", s[0], s[1])
		if r.code != 0 || !strings.Contains(r.stdout, "→ "+s[1]) {
			t.Fatalf("convert %s %s: status %d, stdout %q, stderr %q", s[0], s[1], r.code, r.stdout, r.stderr)
		}
		r = neuron(t, dir, nil, "summary", s[1])
		if r.code != 0 || !strings.Contains(r.stdout, "Total params: 101,770") {
			t.Errorf("summary %s: status %d, stdout %q, stderr %q", s[1], r.code, r.stdout, r.stderr)
		}
	}
	os.WriteFile(filepath.Join(dir, "bad.onnx"), []byte("\xff\xff not protobuf"), 0o644)
	r = neuron(t, dir, nil, "summary", "bad.onnx")
	wantOneLineError(t, r, "summary bad.onnx", 1, regexp.MustCompile(`^neuron summary: model bad.onnx is not a valid ONNX \(.onnx\) model file: `))
}

// The zoo's MNIST model takes raw pixels (0–255) as NCHW images: evaluate
// reshapes the test images to (1, 28, 28) and scores a trained model.
func TestEvaluateONNXFile(t *testing.T) {
	needData(t, "mnist")
	r := neuron(t, t.TempDir(), nil, "evaluate", cntkMNIST, "-data", "mnist", "-limit", "1000", "-verbose", "0")
	if r.code != 0 {
		t.Fatalf("evaluate: status %d, stderr %q", r.code, r.stderr)
	}
	m := regexp.MustCompile(`test accuracy: ([0-9.]+)`).FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("no accuracy in %q", r.stdout)
	}
	if acc, _ := strconv.ParseFloat(m[1], 64); acc < 0.97 {
		t.Errorf("accuracy %v on the first 1000 test images; the zoo's model scores about 0.99", acc)
	}
}

// predict works on an ONNX file and on Keras's .h5 as on neuron's own:
// the zoo's model (raw pixels, NCHW) and Keras's (pixels scaled) both
// call the first two test images a 7 and a 2, their labels.
func TestPredictONNXAndH5Files(t *testing.T) {
	needData(t, "mnist")
	dir := t.TempDir()
	for _, args := range [][]string{
		{"predict", cntkMNIST, "-data", "mnist", "0", "1"},
		{"predict", kerasMNIST, "-data", "mnist", "-scale", "0", "1"},
	} {
		r := neuron(t, dir, nil, args...)
		if r.code != 0 {
			t.Fatalf("%v: status %d, stderr %q", args, r.code, r.stderr)
		}
		for _, want := range []string{"argmax(pred[0]): 7", "y_test[0]: 7", "argmax(pred[1]): 2", "y_test[1]: 2"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("%v: the output does not say %q:\n%s", args, want, r.stdout)
			}
		}
	}
}
