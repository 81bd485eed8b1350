package housing

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/datasets"
	"github.com/neuron-go/neuron/datasets/internal/fetch"
	"github.com/neuron-go/neuron/tensor"
)

func toySpec(t *testing.T, content []byte) *fetch.FileSpec {
	h := sha256.Sum256(content)
	t.Setenv("KERAS_HOME", t.TempDir())
	return &fetch.FileSpec{Name: "toy_housing", EnvVar: "NEURON_TOY_HOUSING_DIR", File: "small.npz", SHA256: hex.EncodeToString(h[:])}
}

func check(t *testing.T, name string, got *tensor.Tensor, want []float64) {
	t.Helper()
	if got.Size() != len(want) {
		t.Fatalf("%s: %d values, want %d", name, got.Size(), len(want))
	}
	for i, v := range got.Data() {
		if v != float32(want[i]) {
			t.Fatalf("%s[%d] = %v, want %v", name, i, v, want[i])
		}
	}
}

// TestKerasSplit compares with the split testdata/gen/make_housing.py
// computed with NumPy as Keras's boston_housing.load_data does.
func TestKerasSplit(t *testing.T) {
	content, err := os.ReadFile("testdata/small.npz")
	if err != nil {
		t.Fatal(err)
	}
	var want map[string][]float64
	b, _ := os.ReadFile("testdata/split.json")
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	xTr, yTr, xTe, yTe, err := Load(toySpec(t, content), 13, 0, nil, nil, datasets.Options{Dir: "testdata"})
	if err != nil {
		t.Fatal(err)
	}
	if xTr.Dim(0) != 8 || xTr.Dim(1) != 13 || xTe.Dim(0) != 2 || yTr.Rank() != 1 {
		t.Fatalf("shapes %v %v %v", xTr.Shape(), xTe.Shape(), yTr.Shape())
	}
	check(t, "x_train", xTr, want["x_train"])
	check(t, "y_train", yTr, want["y_train"])
	check(t, "x_test", xTe, want["x_test"])
	check(t, "y_test", yTe, want["y_test"])

	// test_split 0 keeps everything for training; keep cuts first.
	xTr, _, xTe, _, err = Load(toySpec(t, content), 13, 5, new(0.0), new(int64(1)), datasets.Options{Dir: "testdata"})
	if err != nil || xTr.Dim(0) != 5 || xTe.Dim(0) != 0 {
		t.Errorf("keep 5, split 0: %v %v, %v", xTr.Shape(), xTe.Shape(), err)
	}
	for _, c := range []struct {
		split *float64
		seed  *int64
		want  string
	}{{new(1.0), nil, "TestSplit 1"}, {new(-0.1), nil, "TestSplit -0.1"}, {nil, new(int64(-1)), "Seed"}} {
		if _, _, _, _, err := Load(toySpec(t, content), 13, 0, c.split, c.seed, datasets.Options{Dir: "testdata"}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v, want an error naming %q", err, c.want)
		}
	}
	if _, _, _, _, err := Load(toySpec(t, content), 8, 0, nil, nil, datasets.Options{Dir: "testdata"}); err == nil || !strings.Contains(err.Error(), "shape") {
		t.Errorf("wrong width: %v", err)
	}
}

func TestBadFiles(t *testing.T) {
	content, _ := os.ReadFile("testdata/small.npz")
	for name, b := range map[string][]byte{
		"truncated": content[:len(content)/2],
		"empty":     {},
		"not a zip": []byte("hello, this is not an archive"),
	} {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "small.npz"), b, 0o644)
		_, _, _, _, err := Load(toySpec(t, content), 13, 0, nil, nil, datasets.Options{Dir: dir})
		if err == nil || !strings.Contains(err.Error(), "small.npz") {
			t.Errorf("%s: %v, want an error naming the file", name, err)
		}
	}
}

func TestDownload(t *testing.T) {
	content, _ := os.ReadFile("testdata/small.npz")
	serve := content
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(serve) }))
	defer srv.Close()
	cache := t.TempDir()
	opts := datasets.Options{CacheDir: cache, BaseURL: srv.URL + "/"}
	if _, _, _, _, err := Load(toySpec(t, content), 13, 0, nil, nil, opts); err != nil {
		t.Fatal(err)
	}
	// A server handing out other bytes: a checksum error, nothing cached.
	serve = append([]byte(nil), content...)
	serve[100] ^= 1
	cache2 := t.TempDir()
	opts.CacheDir = cache2
	_, _, _, _, err := Load(toySpec(t, content), 13, 0, nil, nil, opts)
	if err == nil || !strings.Contains(err.Error(), "SHA-256 mismatch") {
		t.Fatalf("tampered download: %v", err)
	}
	if entries, _ := os.ReadDir(filepath.Join(cache2, "toy_housing")); len(entries) != 0 {
		t.Errorf("the cache kept %v", entries)
	}
	// Offline: an error that names the file and where to put it.
	_, _, _, _, err = Load(toySpec(t, content), 13, 0, nil, nil, datasets.Options{CacheDir: cache2, NoDownload: true})
	if !errors.Is(err, datasets.ErrNotFound) || !strings.Contains(err.Error(), "put it in "+filepath.Join(cache2, "toy_housing")) {
		t.Errorf("offline: %v", err)
	}
}
