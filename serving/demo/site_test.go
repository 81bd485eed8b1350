package demo

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/internal/course"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/saving"
)

var (
	siteOnce sync.Once
	siteErr  error
	theSite  *Site
)

// testSite builds the site once for the tests that need one.
func testSite(t *testing.T) *Site {
	t.Helper()
	if testing.Short() {
		t.Skip("builds main.wasm; skipped with -short")
	}
	siteOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		theSite, siteErr = Build(ctx, Options{Source: root})
	})
	if siteErr != nil {
		t.Fatal(siteErr)
	}
	return theSite
}

func TestHandler(t *testing.T) {
	s := testSite(t)
	srv := httptest.NewServer(http.StripPrefix("/demo", s.Handler()))
	// A bare transport: the default one would ask for gzip itself and
	// decompress silently. Cleanups run last first: the bodies are closed,
	// then the connections, then the server.
	tr := &http.Transport{DisableCompression: true}
	t.Cleanup(srv.Close)
	t.Cleanup(tr.CloseIdleConnections)
	get := func(method, path string, hdr map[string]string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	for _, tc := range []struct {
		path, ctype string
		wantPrefix  string
	}{
		{"/demo/", "text/html; charset=utf-8", "<!DOCTYPE html>"},
		{"/demo/index.html", "text/html; charset=utf-8", "<!DOCTYPE html>"},
		{"/demo/demo.js", "text/javascript; charset=utf-8", "// The page half"},
		{"/demo/main.wasm", "application/wasm", "\x00asm"},
		{"/demo/config.json", "application/json", `{"scale": false}`},
		{"/demo/model.safetensors", "application/octet-stream", ""},
	} {
		resp := get("GET", tc.path, nil)
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != tc.ctype || !bytes.HasPrefix(body, []byte(tc.wantPrefix)) {
			t.Errorf("GET %s: %d %q, body starts %q; want 200 %q starting %q", tc.path, resp.StatusCode, resp.Header.Get("Content-Type"), body[:min(len(body), 20)], tc.ctype, tc.wantPrefix)
		}
	}
	// The model is served as embedded, byte for byte.
	body, _ := io.ReadAll(get("GET", "/demo/model.safetensors", nil).Body)
	if !bytes.Equal(body, mnistModel) {
		t.Errorf("model.safetensors: %d bytes differ from the embedded %d", len(body), len(mnistModel))
	}
	// main.wasm compressed for clients that ask for it, and the same bytes.
	resp := get("GET", "/demo/main.wasm", map[string]string{"Accept-Encoding": "br, gzip;q=0.8"})
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("main.wasm with Accept-Encoding gzip: Content-Encoding %q", resp.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	unz, _ := io.ReadAll(zr)
	if wasm, _ := s.File("main.wasm"); !bytes.Equal(unz, wasm) {
		t.Errorf("gzipped main.wasm decompresses to %d bytes, not the %d of main.wasm", len(unz), len(wasm))
	}
	if enc := get("GET", "/demo/main.wasm", map[string]string{"Accept-Encoding": "gzip;q=0"}).Header.Get("Content-Encoding"); enc != "" {
		t.Errorf("gzip;q=0 still got Content-Encoding %q", enc)
	}
	for _, tc := range []struct {
		method, path string
		code         int
	}{
		{"GET", "/demo/nothing.js", 404},
		{"GET", "/demo/../go.mod", 404},
		{"GET", "/demo/static/index.html", 404},
		{"GET", "/demo/app/main.go", 404},
		{"POST", "/demo/index.html", 405},
		{"DELETE", "/demo/", 405},
	} {
		if got := get(tc.method, tc.path, nil).StatusCode; got != tc.code {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.path, got, tc.code)
		}
	}
}

func TestWriteDir(t *testing.T) {
	s := testSite(t)
	dir := filepath.Join(t.TempDir(), "new", "site")
	if err := s.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if got, want := strings.Join(names, " "), "config.json demo.js index.html main.wasm model.safetensors wasm_exec.js"; got != want {
		t.Errorf("files %s, want %s (and no temporary files)", got, want)
	}
	for _, name := range names {
		b, _ := os.ReadFile(filepath.Join(dir, name))
		if f, _ := s.File(name); !bytes.Equal(b, f) {
			t.Errorf("%s: written file differs from the site's", name)
		}
	}
	// The loader is Go's own, of the toolchain that built main.wasm.
	if js, _ := s.File("wasm_exec.js"); !bytes.Contains(js, []byte("globalThis.Go = class")) {
		t.Errorf("wasm_exec.js is not Go's WebAssembly loader")
	}
	// A file in the way of the directory is an error, not a panic.
	blocked := filepath.Join(t.TempDir(), "file")
	os.WriteFile(blocked, nil, 0o644)
	if err := s.WriteDir(filepath.Join(blocked, "site")); err == nil {
		t.Errorf("WriteDir under a regular file succeeded")
	}
}

func TestBuildRejectsModels(t *testing.T) {
	ctx := context.Background()
	if _, err := Build(ctx, Options{Model: []byte("not a model")}); err == nil || !strings.Contains(err.Error(), "demo: Model:") {
		t.Errorf("a damaged model: %v, want an error naming Model", err)
	}
	// A model of another input shape: the CNN takes 28×28×1, which fits;
	// a Dense on 10 values does not.
	m := course.FashionCNN()
	if err := m.Build(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := saving.Write(&buf, m); err != nil {
		t.Fatal(err)
	}
	if err := checkModel(buf.Bytes()); err != nil {
		t.Errorf("the course CNN (28×28×1): %v", err)
	}
	small := models.NewSequential(&layers.Flatten{InputShape: []int{5, 2}}, &layers.Dense{Units: 3, Activation: activations.Softmax})
	if err := small.Build(); err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	if _, err := saving.Write(&buf, small); err != nil {
		t.Fatal(err)
	}
	if _, err := Build(ctx, Options{Model: buf.Bytes()}); err == nil || !strings.Contains(err.Error(), "Model takes inputs of shape [5 2], not 28×28 images") {
		t.Errorf("a model of 10 inputs: %v", err)
	}
	if _, err := Build(ctx, Options{Source: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "Source") {
		t.Errorf("Source without go.mod: %v, want an error naming Source", err)
	}
	other := t.TempDir()
	os.WriteFile(filepath.Join(other, "go.mod"), []byte("module example.com/other\n"), 0o644)
	if _, err := Build(ctx, Options{Source: other}); err == nil || !strings.Contains(err.Error(), "not github.com/neuron-go/neuron") {
		t.Errorf("Source of another module: %v", err)
	}
}

func TestMNISTModelIsTheCourseModel(t *testing.T) {
	m, err := saving.Read(bytes.NewReader(MNISTModel()), int64(len(mnistModel)))
	if err != nil {
		t.Fatal(err)
	}
	// Keras's count for the course's model: 784·256+256 + 256·10+10.
	n := 0
	for _, w := range m.Weights() {
		n += w.Size()
	}
	if n != 203530 {
		t.Errorf("the embedded model has %d parameters, want 203,530", n)
	}
}
