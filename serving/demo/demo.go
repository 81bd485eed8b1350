// Package demo builds and serves a page on which a person draws a digit
// and sees the course's MNIST model's ten probabilities change as they
// draw. The model runs in the page: neuron's own Go code, compiled to
// WebAssembly, loads the model file and predicts; no request leaves the
// browser after the page has loaded.
//
// The site is five static files:
//
//	index.html         the page
//	demo.js            drawing, and showing the prediction
//	wasm_exec.js       Go's loader for WebAssembly programs, from the Go installation that built main.wasm
//	main.wasm          the program in ./app: preprocessing (package digit) and Predict
//	model.safetensors  the trained model (by default the course's MNIST model, see internal/genmodel)
//
// Build compiles main.wasm from neuron's source with the Go toolchain, so
// the page runs exactly the code of the neuron it is built from (Go's
// build cache makes later builds take a second or two). The result can
// be written as plain files for any static web server (Site.WriteDir,
// "neuron demo -out DIR") or served (Site.Handler, "neuron demo -addr").
//
// The page turns the drawing into a 28×28 image as MNIST's images were
// made (see package digit) and feeds its grey levels 0..255 to the model
// as they are, since the course's program trains on the raw pixels; a
// model trained on pixels divided by 255 is given them divided (Options.Scale).
package demo

import (
	"bytes"
	"compress/gzip"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/neuron-go/neuron/internal/atomicfile"
	"github.com/neuron-go/neuron/saving"
)

//go:generate go run ./internal/genmodel -out static/model.safetensors

var (
	//go:embed static/index.html
	indexHTML []byte
	//go:embed static/demo.js
	demoJS []byte
	//go:embed static/model.safetensors
	mnistModel []byte
)

// MNISTModel returns the bytes of the model the page uses by default: the
// course's MNIST program trained for 5 epochs on the raw pixels (seed 1,
// test accuracy 0.9368), saved without its optimizer's state.
func MNISTModel() []byte { return bytes.Clone(mnistModel) }

// Options change what Build builds. The zero value builds the page for
// the course's MNIST model from the neuron source this program was built
// from.
type Options struct {
	// Model is a saved model (the bytes of a file saving.Save wrote) to put
	// in the page instead of the course's MNIST model. It must take 784
	// values per example (28×28 or 28×28×1) and output one probability
	// per class.
	Model []byte
	// Scale divides the pixels by 255 before predicting, for a model
	// trained on scaled pixels (the course's programs' -scale).
	Scale bool
	// Source is the root of neuron's source tree (the directory of its
	// go.mod). Empty means the tree this program was built from, or the
	// module cache's copy of the neuron version it was built with.
	Source string
	// Go is the go command to build with; empty means "go" on PATH.
	Go string
}

// Site is the built demo: its files, by name.
type Site struct {
	files map[string][]byte
	// gz holds gzip-compressed copies of the larger files, for clients
	// that accept them.
	gz map[string][]byte
}

// fileNames lists the site's files in the order WriteDir writes them, the
// page last so that a reader of the directory never sees a page whose
// files are not there yet.
var fileNames = []string{"wasm_exec.js", "main.wasm", "model.safetensors", "demo.js", "config.json", "index.html"}

// Build compiles the page's WebAssembly program and assembles the site.
// It needs the Go toolchain (the go command) and neuron's source, which a
// program built from a checkout or installed with go install has.
func Build(ctx context.Context, o Options) (*Site, error) {
	model := o.Model
	if model == nil {
		model = mnistModel
	}
	if err := checkModel(model); err != nil {
		return nil, err
	}
	goCmd := o.Go
	if goCmd == "" {
		goCmd = "go"
	}
	src := o.Source
	if src == "" {
		var err error
		if src, err = findSource(ctx, goCmd); err != nil {
			return nil, err
		}
	} else if err := isNeuronRoot(src); err != nil {
		return nil, fmt.Errorf("demo: Source %q: %w", src, err)
	}
	tmp, err := os.MkdirTemp("", "neuron-demo-")
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "main.wasm")
	cmd := exec.CommandContext(ctx, goCmd, "build", "-trimpath", "-ldflags=-s -w", "-o", out, "./serving/demo/app")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("demo: building main.wasm in %s: %w\n%s", src, err, bytes.TrimSpace(msg))
	}
	wasm, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	execJS, err := wasmExecJS(ctx, goCmd)
	if err != nil {
		return nil, err
	}
	s := &Site{files: map[string][]byte{
		"index.html":        indexHTML,
		"demo.js":           demoJS,
		"wasm_exec.js":      execJS,
		"main.wasm":         wasm,
		"model.safetensors": model,
		"config.json":       []byte(`{"scale": ` + strconv.FormatBool(o.Scale) + "}\n"),
	}, gz: map[string][]byte{}}
	for _, name := range []string{"main.wasm", "model.safetensors", "wasm_exec.js"} {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		zw.Write(s.files[name])
		zw.Close()
		s.gz[name] = b.Bytes()
	}
	return s, nil
}

// checkModel loads the model natively so that a model the page cannot use
// is an error here rather than in a visitor's browser.
func checkModel(b []byte) error {
	m, err := saving.Read(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return fmt.Errorf("demo: Model: %w", err)
	}
	n := 1
	for _, d := range m.InputShape() {
		n *= d
	}
	if n != 28*28 {
		return fmt.Errorf("demo: Model takes inputs of shape %v, not 28×28 images", m.InputShape())
	}
	if out := m.OutputShape(); len(out) != 1 || out[0] < 2 {
		return fmt.Errorf("demo: Model's outputs have shape %v, not one probability per class", out)
	}
	return nil
}

// File returns the contents of the named file of the site ("index.html",
// "main.wasm", …) and whether it exists.
func (s *Site) File(name string) ([]byte, bool) {
	b, ok := s.files[name]
	return b, ok
}

// WriteDir writes the site's files into dir, creating it if needed. Each
// file is replaced atomically, and index.html is written last.
func (s *Site) WriteDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	for _, name := range fileNames {
		if err := atomicfile.WriteBytes(filepath.Join(dir, name), s.files[name], 0o644); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	return nil
}

var contentTypes = map[string]string{
	".html":        "text/html; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".json":        "application/json",
	".wasm":        "application/wasm", // instantiateStreaming requires it
	".safetensors": "application/octet-stream",
}

// Handler serves the site: "/" is index.html and "/NAME" the file NAME;
// anything else is 404, and methods other than GET and HEAD are 405. To
// serve it under a prefix, wrap it:
//
//	mux.Handle("/demo/", http.StripPrefix("/demo", site.Handler()))
func (s *Site) Handler() http.Handler {
	modTime := time.Now()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name := strings.TrimPrefix(r.URL.Path, "/")
		if name == "" {
			name = "index.html"
		}
		body, ok := s.files[name]
		if !ok || strings.Contains(name, "/") {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", contentTypes[filepath.Ext(name)])
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-cache")
		h.Add("Vary", "Accept-Encoding")
		if z, ok := s.gz[name]; ok && acceptsGzip(r) && r.Header.Get("Range") == "" {
			h.Set("Content-Encoding", "gzip")
			body = z
		}
		http.ServeContent(w, r, name, modTime, bytes.NewReader(body))
	})
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.TrimSpace(q) != "q=0" {
			return true
		}
	}
	return false
}

// wasmExecJS returns the loader that matches the go command's runtime:
// lib/wasm in Go 1.24 and later, misc/wasm before.
func wasmExecJS(ctx context.Context, goCmd string) ([]byte, error) {
	root, err := exec.CommandContext(ctx, goCmd, "env", "GOROOT").Output()
	if err != nil {
		return nil, fmt.Errorf("demo: %s env GOROOT: %w", goCmd, err)
	}
	dir := strings.TrimSpace(string(root))
	for _, p := range []string{"lib/wasm/wasm_exec.js", "misc/wasm/wasm_exec.js"} {
		if b, err := os.ReadFile(filepath.Join(dir, p)); err == nil {
			return b, nil
		}
	}
	return nil, fmt.Errorf("demo: no wasm_exec.js under GOROOT %s (lib/wasm or misc/wasm)", dir)
}

const modulePath = "github.com/neuron-go/neuron"

// findSource returns the root of the neuron source this program was built
// from: the tree this file was compiled in (a checkout, or the module
// cache when neuron is a dependency), else the module cache's copy of the
// neuron version in the build information.
func findSource(ctx context.Context, goCmd string) (string, error) {
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		root := filepath.Dir(filepath.Dir(filepath.Dir(file)))
		if isNeuronRoot(root) == nil {
			return root, nil
		}
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		mods := append([]*debug.Module{&bi.Main}, bi.Deps...)
		for _, m := range mods {
			if m.Path != modulePath || m.Version == "" || m.Version == "(devel)" {
				continue
			}
			cache, err := exec.CommandContext(ctx, goCmd, "env", "GOMODCACHE").Output()
			if err != nil {
				break
			}
			root := filepath.Join(strings.TrimSpace(string(cache)), modulePath+"@"+m.Version)
			if isNeuronRoot(root) == nil {
				return root, nil
			}
		}
	}
	return "", errors.New("demo: cannot find neuron's source to build main.wasm from; give the root of a neuron checkout (Options.Source, neuron demo -src DIR)")
}

// isNeuronRoot reports why dir is not the root of neuron's module.
func isNeuronRoot(dir string) error {
	b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return err
	}
	for line := range strings.Lines(string(b)) {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "module" {
			if f[1] == modulePath {
				return nil
			}
			return fmt.Errorf("go.mod is module %s, not %s", f[1], modulePath)
		}
	}
	return errors.New("go.mod has no module line")
}
