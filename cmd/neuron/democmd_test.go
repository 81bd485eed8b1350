package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
