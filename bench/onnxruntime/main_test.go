package main

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// requirePeers skips the test, or fails it in CI (NEURON_REQUIRE_ORT=1,
// NEURON_REQUIRE_PYTHON_PEERS=1), when python3-onnx or onnxruntime-node is
// missing.
func requirePeers(t *testing.T) {
	t.Helper()
	missing := func(env, what string) {
		if os.Getenv(env) == "1" {
			t.Fatalf("%s is missing and %s=1", what, env)
		}
		t.Skipf("%s is missing", what)
	}
	if err := exec.Command("/usr/bin/python3", "-c", "import onnx, numpy").Run(); err != nil {
		missing("NEURON_REQUIRE_PYTHON_PEERS", "/usr/bin/python3 with onnx and numpy")
	}
	if _, err := exec.LookPath("node"); err != nil {
		missing("NEURON_REQUIRE_ORT", "node")
	}
	if _, err := os.Stat(filepath.Join(ortModules(), "onnxruntime-node")); err != nil {
		missing("NEURON_REQUIRE_ORT", "onnxruntime-node in "+ortModules())
	}
}

// TestAgainstONNXRuntime runs the whole comparison with a few calls: the
// graphs build and pass onnx.checker, ONNX Runtime runs them, and neuron's
// course models with the same weights give ONNX Runtime's probabilities on
// the sample images (run fails otherwise).
func TestAgainstONNXRuntime(t *testing.T) {
	requirePeers(t)
	dir := t.TempDir()
	if err := run(io.Discard, dir, "1", 20, 1, 2, "/usr/bin/python3", "node"); err != nil {
		t.Fatal(err)
	}
	// The cross-check is not vacuous: one changed weight is caught.
	nets, err := loadNets(dir)
	if err != nil {
		t.Fatal(err)
	}
	src, err := sourceDir()
	if err != nil {
		t.Fatal(err)
	}
	res, err := runORT("node", src, dir, 1, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	cnn := nets[1]
	cnn.model.Weights()[0].Data()[4] += 0.05
	if err := cnn.check(res["cnn"].SampleOutputs); err == nil {
		t.Error("a changed conv kernel weight went unnoticed by the cross-check")
	}
	for _, f := range []string{"dnn.onnx", "cnn.onnx", "identity_dnn.onnx", "identity_cnn.onnx", "dnn.weights", "cnn.weights", "sample.f32"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("graphs.py did not write %s: %v", f, err)
		}
	}
}

// TestWeightsMismatch checks that a weights file of the wrong size is
// refused with a message, not loaded partly.
func TestWeightsMismatch(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, floats int) {
		if err := os.WriteFile(filepath.Join(dir, name), make([]byte, 4*floats), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("sample.f32", 16*28*28)
	write("dnn.weights", 784*256+256+256*10+10+1)
	write("cnn.weights", 10)
	_, err := loadNets(dir)
	if err == nil || err.Error() != "dnn.weights holds 1 floats more than the model's weights" {
		t.Errorf("one float too many: error %v", err)
	}
	write("dnn.weights", 784*256+256+256*10+10)
	_, err = loadNets(dir)
	if err == nil || err.Error() != "cnn.weights holds fewer floats than the model's weights" {
		t.Errorf("too few floats: error %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cnn.weights"), []byte{1, 2, 3}, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err = loadNets(dir); err == nil || errors.Is(err, os.ErrNotExist) {
		t.Errorf("3 bytes: error %v", err)
	}
}

// TestMedian checks that each figure's median is taken on its own, over
// the rounds, for the model asked for.
func TestMedian(t *testing.T) {
	rounds := [][]result{
		{{1, 5, 3}, {0, 0, 0}},
		{{3, 1, 2}, {0, 0, 0}},
		{{2, 9, 1}, {0, 0, 0}},
	}
	if got, want := median(rounds, 0), (result{2, 5, 2}); got != want {
		t.Errorf("median of three rounds: %+v, want %+v", got, want)
	}
	if got, want := median(rounds[:2], 0), (result{3, 5, 3}); got != want {
		t.Errorf("median of two rounds (the upper): %+v, want %+v", got, want)
	}
}
