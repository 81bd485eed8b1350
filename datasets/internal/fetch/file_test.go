package fetch

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/datasets"
)

func fileSpec(content []byte) *FileSpec {
	return &FileSpec{Name: "toyfile", EnvVar: "NEURON_TOYFILE_DIR", File: "toy.npz", SHA256: sha(content)}
}

func TestFileDownloadAndCache(t *testing.T) {
	retryDelay = 0
	t.Setenv("KERAS_HOME", t.TempDir())
	content := []byte("the toy file's bytes")
	srv := newServer(t, map[string][]byte{"toy.npz": content})
	cache := t.TempDir()
	opts := datasets.Options{CacheDir: cache, BaseURL: srv.URL + "/datasets/"}
	p, err := File(fileSpec(content), opts)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(cache, "toyfile", "toy.npz"); p != want {
		t.Errorf("path %s, want %s", p, want)
	}
	if got := cacheEntries(t, filepath.Join(cache, "toyfile")); len(got) != 1 {
		t.Errorf("cache holds %v", got)
	}
	// Found in the cache: no second request.
	if _, err := File(fileSpec(content), opts); err != nil || srv.requests.Load() != 1 {
		t.Errorf("second load: %v, %d requests", err, srv.requests.Load())
	}
	// A corrupt cache entry is removed and fetched again.
	os.WriteFile(p, []byte("corrupt"), 0o644)
	if _, err := File(fileSpec(content), opts); err != nil || srv.requests.Load() != 2 {
		t.Errorf("after corruption: %v, %d requests", err, srv.requests.Load())
	}
	if b, _ := os.ReadFile(p); string(b) != string(content) {
		t.Errorf("cache holds %q", b)
	}
}

func TestFileChecksumMismatchKeepsNothing(t *testing.T) {
	retryDelay = 0
	t.Setenv("KERAS_HOME", t.TempDir())
	srv := newServer(t, map[string][]byte{"toy.npz": []byte("tampered")})
	cache := t.TempDir()
	_, err := File(fileSpec([]byte("genuine")), datasets.Options{CacheDir: cache, BaseURL: srv.URL + "/datasets/"})
	if err == nil || !strings.Contains(err.Error(), "SHA-256 mismatch") || strings.Contains(err.Error(), "attempt 2") {
		t.Fatalf("got %v, want a mismatch after one attempt", err)
	}
	if got := cacheEntries(t, filepath.Join(cache, "toyfile")); len(got) != 0 {
		t.Errorf("the cache kept %v", got)
	}
}

func TestFileRetries(t *testing.T) {
	retryDelay = 0
	t.Setenv("KERAS_HOME", t.TempDir())
	content := []byte("bytes")
	srv := newServer(t, map[string][]byte{"toy.npz": content})
	fails := 2
	srv.override["toy.npz"] = func(w http.ResponseWriter, r *http.Request) {
		if fails > 0 {
			fails--
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		w.Write(content)
	}
	if _, err := File(fileSpec(content), datasets.Options{CacheDir: t.TempDir(), BaseURL: srv.URL + "/datasets/"}); err != nil {
		t.Fatalf("after two 503s: %v", err)
	}
	// A 404 is not retried.
	srv2 := newServer(t, nil)
	_, err := File(fileSpec(content), datasets.Options{CacheDir: t.TempDir(), BaseURL: srv2.URL + "/datasets/"})
	if err == nil || srv2.requests.Load() != 1 {
		t.Errorf("404: %v after %d requests, want 1", err, srv2.requests.Load())
	}
}

func TestFileOfflineAndKerasCache(t *testing.T) {
	keras := t.TempDir()
	t.Setenv("KERAS_HOME", keras)
	t.Setenv("NEURON_TOYFILE_DIR", "")
	content := []byte("bytes")
	cache := t.TempDir()
	opts := datasets.Options{CacheDir: cache, NoDownload: true}
	_, err := File(fileSpec(content), opts)
	if !errors.Is(err, datasets.ErrNotFound) {
		t.Fatalf("offline: %v, want ErrNotFound", err)
	}
	for _, want := range []string{"toy.npz", filepath.Join(cache, "toyfile"), "NEURON_TOYFILE_DIR", "Options.NoDownload", filepath.Join(keras, "datasets")} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the offline error does not say %q:\n%v", want, err)
		}
	}
	// A copy in Keras's cache is used when its hash is right, not written.
	os.MkdirAll(filepath.Join(keras, "datasets"), 0o755)
	kp := filepath.Join(keras, "datasets", "toy.npz")
	os.WriteFile(kp, content, 0o644)
	if p, err := File(fileSpec(content), opts); err != nil || p != kp {
		t.Errorf("Keras cache: %s, %v", p, err)
	}
	os.WriteFile(kp, []byte("other"), 0o644)
	if _, err := File(fileSpec(content), opts); err == nil || !strings.Contains(err.Error(), "not used") {
		t.Errorf("wrong hash in Keras's cache: %v", err)
	}
	if _, err := os.Stat(kp); err != nil {
		t.Error("a file in Keras's cache was removed")
	}
	// Options.Dir: only that directory.
	dir := t.TempDir()
	if _, err := File(fileSpec(content), datasets.Options{Dir: dir}); !errors.Is(err, datasets.ErrNotFound) || !strings.Contains(err.Error(), "no toy.npz there") {
		t.Errorf("empty Options.Dir: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "toy.npz"), []byte("x"), 0o644)
	if p, err := File(fileSpec(content), datasets.Options{Dir: dir}); err != nil || p != filepath.Join(dir, "toy.npz") {
		t.Errorf("Options.Dir: %s, %v", p, err)
	}
}
