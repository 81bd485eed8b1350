package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestLoadTestRuns runs the whole load test with a few requests per row:
// both servers start, agree on the sample's predictions, answer every
// request, and the table has a row per model and client count.
func TestLoadTestRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two servers; skipped with -short")
	}
	var missing string
	if _, err := os.Stat(filepath.Join(ortModules(), "onnxruntime-node")); err != nil {
		missing = "onnxruntime-node in " + ortModules()
	} else if _, err := exec.LookPath("node"); err != nil {
		missing = "node"
	} else if err := exec.Command("/usr/bin/python3", "-c", "import onnx, numpy").Run(); err != nil {
		missing = "python3 with onnx and numpy"
	}
	if missing != "" {
		if os.Getenv("NEURON_REQUIRE_ORT") == "1" {
			t.Fatalf("%s is required (NEURON_REQUIRE_ORT=1)", missing)
		}
		t.Skipf("%s not available", missing)
	}
	var out bytes.Buffer
	c := config{requests: 40, duration: 5 * time.Second, clients: []int{1, 8}, ortThreads: 1, python: "/usr/bin/python3",
		node: "node", dir: t.TempDir(), batch: 8, batchDelay: time.Millisecond, soak: time.Second}
	if err := run(&out, c); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	t.Logf("\n%s", out.String())
	rows := regexp.MustCompile(`(?m)^(dnn|cnn) +(1|8) \|`).FindAllString(out.String(), -1)
	if len(rows) != 4 {
		t.Errorf("%d table rows, want 4 (2 models × 2 client counts)", len(rows))
	}
	if !strings.Contains(out.String(), "0 failed") || !regexp.MustCompile(`RSS [0-9.]+ MiB at the start, [0-9.]+ MiB at the end`).MatchString(out.String()) {
		t.Errorf("no failure count or RSS in the output")
	}
}

func TestInstancesBody(t *testing.T) {
	img := make([]float32, 784)
	img[0], img[29], img[783] = 0.5, 1, 0.25
	for _, channel := range []bool{false, true} {
		var v struct{ Instances [][][]any }
		if err := json.Unmarshal(instances(img, channel), &v); err != nil {
			t.Fatal(err)
		}
		if len(v.Instances) != 1 || len(v.Instances[0]) != 28 || len(v.Instances[0][27]) != 28 {
			t.Fatalf("channel %v: instances is not one 28×28 image", channel)
		}
		get := func(r, c int) float64 {
			if channel {
				return v.Instances[0][r][c].([]any)[0].(float64)
			}
			return v.Instances[0][r][c].(float64)
		}
		if get(0, 0) != 0.5 || get(1, 1) != 1 || get(27, 27) != 0.25 || get(0, 1) != 0 {
			t.Errorf("channel %v: pixels (0,0) (1,1) (27,27) (0,1) = %v %v %v %v, want 0.5 1 0.25 0", channel, get(0, 0), get(1, 1), get(27, 27), get(0, 1))
		}
	}
}
