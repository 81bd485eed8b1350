package demo

import (
	"bytes"
	"context"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/saving"
	"github.com/neuron-go/neuron/serving/demo/digit"
	"github.com/neuron-go/neuron/tensor"
)

// root is the module's root, from this package's directory.
const root = "../.."

// inferencePackages are the packages a program that loads a saved model
// and predicts uses; they must build for both WebAssembly targets.
var inferencePackages = []string{
	"./activations", "./tensor", "./layers", "./models", "./saving",
	"./initializers", "./losses", "./metrics", "./optimizers", "./callbacks",
	"./serving/demo/digit",
}

func goBuild(t *testing.T, goos string, args ...string) {
	t.Helper()
	cmd := exec.Command("go", append([]string{"build"}, args...)...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH=wasm", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("GOOS=%s GOARCH=wasm go build %s: %v\n%s", goos, strings.Join(args, " "), err, out)
	}
}

// TestBuildsForWebAssembly is the CI check that the inference path and
// the demo's programs build for the browser (js) and for WASI (wasip1).
func TestBuildsForWebAssembly(t *testing.T) {
	if testing.Short() {
		t.Skip("builds for two targets; skipped with -short")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command on PATH")
	}
	goBuild(t, "js", append(inferencePackages, "./serving/demo/app")...)
	goBuild(t, "wasip1", append(inferencePackages, "./serving/demo/internal/wasiprobe")...)
}

// testInputs returns n examples of 784 values: drawn-like digit images
// (bars and boxes through Preprocess) and random pixels 0..255.
func testInputs(t *testing.T, n int) []float32 {
	t.Helper()
	r := rand.New(rand.NewPCG(7, 17))
	var x []float32
	for i := range n {
		var img []uint8
		if i%2 == 0 {
			w, h := 120, 120
			pix := make([]byte, 4*w*h)
			x0, y0 := r.IntN(60), r.IntN(60)
			bw, bh := 5+r.IntN(50), 5+r.IntN(50)
			for y := range h {
				for x := range w {
					p := pix[4*(y*w+x):]
					p[3] = 255
					if x >= x0 && x < x0+bw && y >= y0 && y < y0+bh && (x-x0 < 6 || y-y0 < 6) {
						p[0], p[1], p[2] = 255, 255, 255
					}
				}
			}
			var err error
			if img, err = digit.Preprocess(pix, w, h); err != nil {
				t.Fatal(err)
			}
		} else {
			img = make([]uint8, 784)
			for j := range img {
				img[j] = uint8(r.IntN(256))
			}
		}
		for _, v := range img {
			x = append(x, float32(v))
		}
	}
	return x
}

func nativePredict(t *testing.T, x []float32) []float32 {
	t.Helper()
	m, err := saving.Read(bytes.NewReader(mnistModel), int64(len(mnistModel)))
	if err != nil {
		t.Fatal(err)
	}
	y, err := m.Predict(tensor.New([]int{len(x) / 784, 28, 28}, x), models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	return y.Data()
}

// nativeLatency returns the mean milliseconds of predicting one example,
// over n calls, through the model's Predict and through a Predictor's
// PredictInto (what the page calls).
func nativeLatency(t *testing.T, x []float32, n int) (predict, predictor float64) {
	t.Helper()
	m, err := saving.Read(bytes.NewReader(mnistModel), int64(len(mnistModel)))
	if err != nil {
		t.Fatal(err)
	}
	one := tensor.New([]int{1, 28, 28}, x[:784])
	cfg := models.PredictConfig{Verbose: models.Silent}
	m.Predict(one, cfg) // warm up
	start := time.Now()
	for range n {
		if _, err := m.Predict(one, cfg); err != nil {
			t.Fatal(err)
		}
	}
	predict = float64(time.Since(start).Nanoseconds()) / 1e6 / float64(n)
	p, err := m.NewPredictor(models.PredictorConfig{})
	if err != nil {
		t.Fatal(err)
	}
	in, out := [][]float32{x[:784]}, [][]float32{make([]float32, 10)}
	p.PredictInto(context.Background(), 1, in, out)
	start = time.Now()
	for range n {
		if err := p.PredictInto(context.Background(), 1, in, out); err != nil {
			t.Fatal(err)
		}
	}
	predictor = float64(time.Since(start).Nanoseconds()) / 1e6 / float64(n)
	return predict, predictor
}

// requireTool skips the test when a tool is missing, or fails it when the
// environment variable env is 1 (as in CI).
func requireTool(t *testing.T, env, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if os.Getenv(env) == "1" {
		t.Fatalf("%s is required (%s=1): %v", what, env, err)
	}
	t.Skipf("%s not available: %v", what, err)
}

// wasiRunner is node's WASI host, run as: node runner.js WASM DIR ARGS...
// with DIR preopened as /data.
const wasiRunner = `"use strict";
const { WASI } = require("node:wasi");
const fs = require("node:fs");
const [wasmPath, dir, ...args] = process.argv.slice(2);
const wasi = new WASI({ version: "preview1", args: ["wasiprobe", ...args], env: {}, preopens: { "/data": dir }, returnOnExit: true });
WebAssembly.compile(fs.readFileSync(wasmPath))
  .then(mod => WebAssembly.instantiate(mod, wasi.getImportObject()))
  .then(inst => { process.exitCode = wasi.start(inst); })
  .catch(e => { console.error(e); process.exitCode = 1; });
`

// TestWASIPredictMatchesNative runs the wasip1 build of Predict under
// node's WASI and compares its outputs with native Predict's.
func TestWASIPredictMatchesNative(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a WebAssembly program; skipped with -short")
	}
	node, err := exec.LookPath("node")
	if err == nil {
		err = exec.Command(node, "-e", `require("node:wasi")`).Run()
	}
	requireTool(t, "NEURON_REQUIRE_NODE", "node with node:wasi", err)
	dir := t.TempDir()
	wasm := filepath.Join(dir, "probe.wasm")
	goBuild(t, "wasip1", "-o", wasm, "./serving/demo/internal/wasiprobe")
	x := testInputs(t, 16)
	raw := make([]byte, 4*len(x))
	for i, v := range x {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	for name, b := range map[string][]byte{"model.safetensors": mnistModel, "pixels.bin": raw, "runner.js": []byte(wasiRunner)} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(node, "--no-warnings", filepath.Join(dir, "runner.js"), wasm, dir, "/data/model.safetensors", "/data/pixels.bin", "200")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node WASI run: %v\n%s", err, stderr.Bytes())
	}
	lines := strings.Fields(string(out))
	want := nativePredict(t, x)
	if len(lines) != len(want)+2 || lines[len(want)] != "ms" {
		t.Fatalf("wasiprobe printed %d fields, want %d values and the timing:\n%s", len(lines), len(want), out)
	}
	worst := 0.0
	for i, w := range want {
		bits, err := strconv.ParseUint(lines[i], 16, 32)
		if err != nil {
			t.Fatal(err)
		}
		got := math.Float32frombits(uint32(bits))
		d := math.Abs(float64(got) - float64(w))
		worst = max(worst, d)
		if d > tolerance || math.IsNaN(float64(got)) {
			t.Fatalf("output %d (example %d, class %d): wasip1 %g, native %g", i, i/10, i%10, got, w)
		}
	}
	ms, err := strconv.ParseFloat(lines[len(lines)-1], 64)
	if err != nil {
		t.Fatal(err)
	}
	np, _ := nativeLatency(t, x, 200)
	t.Logf("wasip1 (node %s) agrees with native to %.2g; Predict of one example: wasip1 %.3f ms, native %.3f ms",
		nodeVersion(node), worst, ms, np)
}

func nodeVersion(node string) string {
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(out))
}

// tolerance bounds the difference between a probability computed in
// WebAssembly and natively. Both are float32, but the native kernels sum
// in another order (AVX-512 FMA tiles against the portable Go loop), and
// the course's model takes raw pixels 0..255, so its logits reach the
// hundreds: a few float32 ulps of a logit move a probability by ~1e-7.
const tolerance = 2e-6
