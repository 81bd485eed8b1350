package main

import (
	"bufio"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/saving"
)

// TestServe runs neuron serve on a saved model, queries it in both
// protocols, reloads it with SIGHUP and stops it with SIGTERM.
func TestServe(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGHUP or SIGTERM on Windows")
	}
	dir := t.TempDir()
	m := models.NewSequential(&layers.Input{Shape: []int{2}}, &layers.Dense{Units: 1})
	if err := m.Build(2); err != nil {
		t.Fatal(err)
	}
	for _, w := range m.NamedWeights() { // y = x0 + x1 + 1
		for i := range w.Value.Data() {
			w.Value.Data()[i] = 1
		}
	}
	path := filepath.Join(dir, "adder.safetensors")
	if err := saving.Save(m, path); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "serve", "-addr", "127.0.0.1:0", "-poll", "0", "-max-batch-size", "8", "-log-level", "debug", path)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var log strings.Builder
	waitFor := func(re string) []string {
		t.Helper()
		timeout := time.After(30 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("neuron serve ended before logging %s:\n%s", re, log.String())
				}
				log.WriteString(l + "\n")
				if m := regexp.MustCompile(re).FindStringSubmatch(l); m != nil {
					return m
				}
			case <-timeout:
				t.Fatalf("no log line %s:\n%s", re, log.String())
			}
		}
	}
	addr := waitFor(`msg=serving address=(127\.0\.0\.1:[0-9]+) models=\[adder\]`)[1]
	get := func(method, url, body string) string {
		t.Helper()
		req, _ := http.NewRequest(method, "http://"+addr+url, strings.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.Status + " " + strings.TrimSpace(string(b))
	}
	if got := get("POST", "/v1/models/adder:predict", `{"instances": [[1, 2]]}`); got != `200 OK {"predictions":[[4]]}` {
		t.Errorf("v1 predict: %s", got)
	}
	if got := get("POST", "/v2/models/adder/infer", `{"inputs": [{"name": "input_layer", "shape": [1, 2], "datatype": "FP32", "data": [3, 4]}]}`); got != `200 OK {"model_name":"adder","model_version":"1","outputs":[{"name":"dense","datatype":"FP32","shape":[1,1],"data":[8]}]}` {
		t.Errorf("v2 infer: %s", got)
	}
	waitFor(`msg=request method=POST path=/v2/models/adder/infer model=adder protocol=v2 code=200`)
	if got := get("GET", "/metrics", ""); !strings.Contains(got, `neuron_serving_requests_total{code="200",model="adder",protocol="v2"} 1`) {
		t.Errorf("metrics: %s", got)
	}
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(`SIGHUP: reloading the models`)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitFor(`msg=stopped`)
	if err := cmd.Wait(); err != nil {
		t.Errorf("neuron serve after SIGTERM: %v\n%s", err, log.String())
	}
}

// TestServeErrors checks the command line's mistakes and a missing model.
func TestServeErrors(t *testing.T) {
	r := neuron(t, "", nil, "serve")
	if r.code != 2 || !strings.Contains(r.stderr, "neuron serve: missing MODEL_OR_DIR") {
		t.Errorf("no model: %d %s", r.code, r.stderr)
	}
	r = neuron(t, "", nil, "serve", "-name", "x", "a.safetensors", "b.safetensors")
	if r.code != 2 || !strings.Contains(r.stderr, "-name names one model, got 2") {
		t.Errorf("-name with two models: %d %s", r.code, r.stderr)
	}
	r = neuron(t, "", nil, "serve", "missing.safetensors")
	if r.code != 1 || !strings.Contains(r.stderr, "neuron serve: serving: model missing: model path missing.safetensors: no such file or directory") {
		t.Errorf("a missing model: %d %s", r.code, r.stderr)
	}
	r = neuron(t, "", nil, "serve", "-log-level", "loud", "m.safetensors")
	if r.code != 2 || !strings.Contains(r.stderr, `-log-level must be debug, info, warn or error, got "loud"`) {
		t.Errorf("-log-level loud: %d %s", r.code, r.stderr)
	}
	r = neuron(t, "", nil, "help", "serve")
	if r.code != 0 || !strings.Contains(r.stdout, `(default "127.0.0.1:8501")`) {
		t.Errorf("help serve: the default address is not 127.0.0.1:8501: %s", r.stdout)
	}
}
