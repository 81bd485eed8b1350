package main

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/neuron-go/neuron/serving/demo"
)

func TestDemoArguments(t *testing.T) {
	r := neuron(t, "", nil, "help", "demo")
	if r.code != 0 || !strings.Contains(r.stdout, "Usage: neuron demo [-out DIR | -addr HOST:PORT]") {
		t.Errorf("neuron help demo: status %d, stdout %q", r.code, r.stdout)
	}
	bad := filepath.Join(t.TempDir(), "bad.safetensors")
	os.WriteFile(bad, []byte("not a model"), 0o644)
	for _, tc := range []struct {
		args string
		code int
		want string
	}{
		{"demo extra", 2, `neuron demo: unexpected argument "extra"`},
		{"demo -out x -addr 127.0.0.1:0", 2, "-out and -addr exclude each other"},
		{"demo -addr 256.0.0.1:80", 2, `-addr "256.0.0.1:80"`},
		{"demo -model /no/such/file -out x", 1, "neuron demo: -model: open /no/such/file"},
		{"demo -model " + bad + " -out x", 1, "demo: Model: "},
	} {
		r := neuron(t, "", nil, strings.Fields(tc.args)...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("neuron %s: status %d, stderr %q; want %d and %q", tc.args, r.code, r.stderr, tc.code, tc.want)
		}
	}
}

func TestDemoWritesFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("builds main.wasm; skipped with -short")
	}
	dir := filepath.Join(t.TempDir(), "site")
	r := neuron(t, "", nil, "demo", "-out", dir)
	if r.code != 0 {
		t.Fatalf("neuron demo -out: status %d, stderr %q", r.code, r.stderr)
	}
	for _, name := range []string{"index.html", "demo.js", "wasm_exec.js", "main.wasm", "model.safetensors", "config.json"} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestServeDemo runs neuron serve -demo: the page at /demo/ next to the
// model's routes.
func TestServeDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds main.wasm; skipped with -short")
	}
	path := filepath.Join(t.TempDir(), "mnist.safetensors")
	if err := os.WriteFile(path, demo.MNISTModel(), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "serve", "-demo", "-addr", "127.0.0.1:0", "-poll", "0", path)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		re := regexp.MustCompile(`msg=serving address=(127\.0\.0\.1:[0-9]+)`)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
		close(addr)
	}()
	var base string
	select {
	case a, ok := <-addr:
		if !ok {
			t.Fatal("neuron serve -demo ended before serving")
		}
		base = "http://" + a
	case <-time.After(3 * time.Minute):
		t.Fatal("neuron serve -demo did not start serving")
	}
	for path, ctype := range map[string]string{"/demo/": "text/html; charset=utf-8", "/demo/main.wasm": "application/wasm"} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != ctype {
			t.Errorf("GET %s: %s %q, want 200 %q", path, resp.Status, resp.Header.Get("Content-Type"), ctype)
		}
	}
	resp, err := http.Post(base+"/v1/models/mnist:predict", "application/json", strings.NewReader(`{"instances": [`+blackImage()+`]}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(string(b), `{"predictions":[[`) {
		t.Errorf("predict next to the demo: %s %s", resp.Status, b)
	}
}

// blackImage is a black 28×28 image as a JSON list of rows.
func blackImage() string {
	row := "[" + strings.TrimSuffix(strings.Repeat("0,", 28), ",") + "]"
	return "[" + strings.TrimSuffix(strings.Repeat(row+",", 28), ",") + "]"
}
