package imdb

import (
	"crypto/md5"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/datasets"
)

// TestGetWordIndex downloads a word index checked by MD5, as Keras pins
// it, and refuses one whose MD5 differs.
func TestGetWordIndex(t *testing.T) {
	t.Setenv("KERAS_HOME", t.TempDir())
	body := []byte(`{"the": 1, "and": 2, "fawn": 34701}`)
	sum := md5.Sum(body)
	saved := wordIndexSpec
	defer func() { wordIndexSpec = saved }()
	wordIndexSpec.SHA256 = hex.EncodeToString(sum[:])
	serve := body
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(serve) }))
	defer srv.Close()
	cache := t.TempDir()
	m, err := GetWordIndex(datasets.Options{CacheDir: cache, BaseURL: srv.URL + "/"})
	if err != nil {
		t.Fatal(err)
	}
	if m["the"] != 1 || m["fawn"] != 34701 || len(m) != 3 {
		t.Errorf("got %v", m)
	}
	serve = []byte(`{"the": 1}`)
	cache2 := t.TempDir()
	if _, err := GetWordIndex(datasets.Options{CacheDir: cache2, BaseURL: srv.URL + "/"}); err == nil || !strings.Contains(err.Error(), "MD5 mismatch") {
		t.Errorf("wrong file: %v", err)
	}
	if entries, _ := os.ReadDir(filepath.Join(cache2, "imdb")); len(entries) != 0 {
		t.Errorf("the cache kept %v", entries)
	}
	// Not JSON of ranks: an error naming the file.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "imdb_word_index.json"), []byte(`{"the": "x"}`), 0o644)
	if _, err := GetWordIndex(datasets.Options{Dir: dir}); err == nil || !strings.Contains(err.Error(), "imdb_word_index.json") {
		t.Errorf("bad JSON: %v", err)
	}
}
