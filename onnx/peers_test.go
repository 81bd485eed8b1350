package onnx_test

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The interop checks run ONNX's own checker (Debian's python3-onnx) and
// ONNX Runtime (onnxruntime-node) on the files the exporter writes. They
// skip when the peer is missing, and fail instead under
// NEURON_REQUIRE_PYTHON_PEERS=1 and NEURON_REQUIRE_ORT=1, as CI sets.

func peerMissing(t *testing.T, env, msg string) {
	t.Helper()
	if os.Getenv(env) == "1" {
		t.Fatalf("%s (%s=1)", msg, env)
	}
	t.Skip(msg)
}

// checkONNX runs onnx.checker.check_model with full_check (shape
// inference too) on the files at paths.
func checkONNX(t *testing.T, paths ...string) {
	t.Helper()
	const py = "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		peerMissing(t, "NEURON_REQUIRE_PYTHON_PEERS", "no /usr/bin/python3 for onnx.checker")
	}
	if err := exec.Command(py, "-c", "import onnx").Run(); err != nil {
		peerMissing(t, "NEURON_REQUIRE_PYTHON_PEERS", "python3 has no onnx module (Debian: python3-onnx)")
	}
	out, err := exec.Command(py, append([]string{"-c", `import sys, onnx
for p in sys.argv[1:]:
    try:
        onnx.checker.check_model(onnx.load(p), full_check=True)
    except Exception as e:
        sys.exit("%s: %s" % (p, e))`}, paths...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("onnx.checker refuses a file: %v\n%s", err, out)
	}
}

// ortTensor is a tensor as ort_run.js reads and writes it.
type ortTensor struct {
	Dims []int     `json:"dims"`
	Data []float32 `json:"data"`
}

// ortModules finds onnxruntime-node, or skips.
func ortModules(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("NEURON_ORT_NODE_MODULES")
	if dir == "" {
		home, _ := os.UserHomeDir()
		dir = filepath.Join(home, ".cache", "neuron", "npm", "node_modules")
	}
	if _, err := os.Stat(filepath.Join(dir, "onnxruntime-node")); err != nil {
		peerMissing(t, "NEURON_REQUIRE_ORT", "onnxruntime-node not found in "+dir+" (set NEURON_ORT_NODE_MODULES)")
	}
	if _, err := exec.LookPath("node"); err != nil {
		peerMissing(t, "NEURON_REQUIRE_ORT", "node is not on PATH")
	}
	return dir
}

// ortJob is one model to run in ONNX Runtime.
type ortJob struct {
	Model  string               `json:"model"`
	Inputs map[string]ortTensor `json:"inputs"`
}

// ortResult is what ONNX Runtime gave for a job.
type ortResult struct {
	Outputs map[string]ortTensor `json:"outputs"`
	Error   string               `json:"error"`
}

// runORT runs the jobs in one ONNX Runtime process (starting node takes
// most of the time).
func runORT(t *testing.T, jobs []ortJob) []ortResult {
	t.Helper()
	mods := ortModules(t)
	in := filepath.Join(t.TempDir(), "jobs.json")
	b, err := json.Marshal(jobs)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(in, b, 0o644); err != nil {
		t.Fatal(err)
	}
	script, err := filepath.Abs(filepath.Join("testdata", "ort_run.js"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", script, in)
	cmd.Env = append(os.Environ(), "NODE_PATH="+mods)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("ONNX Runtime fails: %s", stderr.String())
		}
		t.Fatal(err)
	}
	var res []ortResult
	if err := json.Unmarshal(out, &res); err != nil || len(res) != len(jobs) {
		t.Fatalf("reading ONNX Runtime's outputs: %v (%d results for %d jobs)", err, len(res), len(jobs))
	}
	return res
}
