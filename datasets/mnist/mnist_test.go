package mnist

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/neuron-go/neuron/datasets"
	"github.com/neuron-go/neuron/datasets/internal/fetch"
	"github.com/neuron-go/neuron/datasets/internal/toydata"
)

var realData struct {
	once   sync.Once
	arrays [4]datasets.Uint8Array
	err    error
}

// loadReal loads the real MNIST without the network and without a user
// cache, which in practice means from the GoMNIST module copy, once for
// all tests. It skips the test only when no copy exists.
func loadReal(t *testing.T) [4]datasets.Uint8Array {
	t.Helper()
	realData.once.Do(func() {
		if os.Getenv("NEURON_MNIST_DIR") != "" {
			realData.err = errors.New("unset NEURON_MNIST_DIR to run this test")
			return
		}
		cache, err := os.MkdirTemp("", "mnist-test-")
		if err != nil {
			realData.err = err
			return
		}
		defer os.RemoveAll(cache)
		x, y, xt, yt, err := LoadDataWith(datasets.Options{CacheDir: cache, NoDownload: true})
		realData.arrays, realData.err = [4]datasets.Uint8Array{x, y, xt, yt}, err
	})
	if err := realData.err; err != nil {
		if errors.Is(err, datasets.ErrNotFound) {
			t.Skipf("MNIST is not on this machine; run: go mod download %s@%s\n%v", spec.Module.Path, spec.Module.Version, err)
		}
		t.Fatal(err)
	}
	return realData.arrays
}

// idxSHA256 hashes an array as the uncompressed IDX file it came from,
// so it can be compared with sha256sum of the gunzipped original.
func idxSHA256(a datasets.Uint8Array) string {
	h := sha256.New()
	magic := []byte{0, 0, 8, byte(len(a.Shape))}
	h.Write(magic)
	for _, d := range a.Shape {
		h.Write([]byte{byte(d >> 24), byte(d >> 16), byte(d >> 8), byte(d)})
	}
	h.Write(a.Data)
	return hex.EncodeToString(h.Sum(nil))
}

func counts(y datasets.Uint8Array) []int {
	c := make([]int, 10)
	for _, v := range y.Data {
		c[v]++
	}
	return c
}

func TestLoadDataReal(t *testing.T) {
	a := loadReal(t)
	wantShapes := []string{"uint8 (60000, 28, 28)", "uint8 (60000,)", "uint8 (10000, 28, 28)", "uint8 (10000,)"}
	// sha256sum of the gunzipped files of the original distribution.
	wantSHA := []string{
		"ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
		"65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
		"0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
		"ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
	}
	for i := range a {
		if a[i].Describe() != wantShapes[i] {
			t.Errorf("array %d is %s, want %s", i, a[i].Describe(), wantShapes[i])
		}
		if got := idxSHA256(a[i]); got != wantSHA[i] {
			t.Errorf("array %d: SHA-256 %s, want %s", i, got, wantSHA[i])
		}
	}
	yTrain, yTest := a[1], a[3]
	if got := yTrain.Data[:10]; !slices.Equal(got, []uint8{5, 0, 4, 1, 9, 2, 1, 3, 1, 4}) {
		t.Errorf("first training labels %v", got)
	}
	if got := yTest.Data[:10]; !slices.Equal(got, []uint8{7, 2, 1, 0, 4, 1, 4, 9, 5, 9}) {
		t.Errorf("first test labels %v", got)
	}
	if got := counts(yTrain); !slices.Equal(got, []int{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949}) {
		t.Errorf("training label counts %v", got)
	}
	if got := counts(yTest); !slices.Equal(got, []int{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}) {
		t.Errorf("test label counts %v", got)
	}
	// The first image's border is blank and its middle is not.
	img := a[0].Row(0)
	if img.Data[0] != 0 || img.Data[27] != 0 || img.Row(14).Data[14] == 0 {
		t.Errorf("first image looks wrong: row 14 = %v", img.Row(14).Data)
	}
}

// TestLoadDataNPZ writes the real data as a Keras-style mnist.npz and
// checks that reading it gives the same arrays as the IDX files.
func TestLoadDataNPZ(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 55 MB")
	}
	a := loadReal(t)
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "mnist.npz"))
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for i, k := range toydata.NPZKeys {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: k + ".npy", Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(toydata.NPYBytes(a[i].Shape, a[i].Data))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()

	x, y, xt, yt, err := LoadDataWith(datasets.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	for i, b := range []datasets.Uint8Array{x, y, xt, yt} {
		if !slices.Equal(b.Shape, a[i].Shape) || !bytes.Equal(b.Data, a[i].Data) {
			t.Errorf("array %d differs: %v vs %v", i, b, a[i])
		}
	}
}

// useToy shrinks the spec to the toy data set, served from srv with
// hashes pinned from npz, for the duration of the test.
func useToy(t *testing.T, npz []byte, pinned string) {
	saved := spec
	t.Cleanup(func() { spec = saved })
	spec.Train, spec.Test, spec.Rows, spec.Cols = toydata.Train, toydata.Test, toydata.Side, toydata.Side
	spec.SystemRoot = t.TempDir()
	spec.Module = nil
	spec.Downloads = []fetch.Download{{Name: "mnist.npz", Size: int64(len(npz)), SHA256: pinned}}
	t.Setenv("NEURON_MNIST_DIR", "")
}

func TestDownload(t *testing.T) {
	npz := toydata.NPZ(3)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/keras/mnist.npz" {
			http.NotFound(w, r)
			return
		}
		w.Write(npz)
	}))
	defer srv.Close()
	useToy(t, npz, toydata.SHA256(npz))
	cacheRoot := t.TempDir()
	x, y, _, _, err := LoadDataWith(datasets.Options{CacheDir: cacheRoot, BaseURL: srv.URL + "/keras/"})
	if err != nil {
		t.Fatal(err)
	}
	if x.Describe() != "uint8 (6, 3, 3)" || y.Data[0] != 3 {
		t.Errorf("got %s, first label %d", x.Describe(), y.Data[0])
	}
	if _, err := os.Stat(filepath.Join(cacheRoot, "mnist", "mnist.npz")); err != nil {
		t.Errorf("not cached: %v", err)
	}
}

func TestDownloadWrongHash(t *testing.T) {
	npz := toydata.NPZ(3)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(npz) }))
	defer srv.Close()
	pinned := strings.Repeat("ab", 32)
	useToy(t, npz, pinned)
	cacheRoot := t.TempDir()
	_, _, _, _, err := LoadDataWith(datasets.Options{CacheDir: cacheRoot, BaseURL: srv.URL})
	if err == nil || !strings.Contains(err.Error(), "SHA-256 mismatch: got "+toydata.SHA256(npz)+", want "+pinned+"; nothing was saved") {
		t.Errorf("err = %v", err)
	}
	entries, _ := os.ReadDir(filepath.Join(cacheRoot, "mnist"))
	if len(entries) != 0 {
		t.Errorf("cache holds %d files after a failed download", len(entries))
	}
}

func TestLabelOutOfRange(t *testing.T) {
	useToy(t, nil, "")
	dir := t.TempDir()
	files := toydata.IDX(0)
	files["train-labels-idx1-ubyte.gz"] = toydata.Gzip(toydata.IDXBytes([]int{6}, []byte{5, 0, 4, 11, 9, 2}))
	for name, b := range files {
		os.WriteFile(filepath.Join(dir, name), b, 0o644)
	}
	t.Setenv("NEURON_MNIST_DIR", dir)
	_, _, _, _, err := LoadData()
	want := "mnist: $NEURON_MNIST_DIR=" + dir + ": train-labels-idx1-ubyte.gz: label 11 at index 3 is outside the valid range [0, 10)"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("err = %v\nwant %s", err, want)
	}
}

// TestSpec guards the pinned values against accidental edits.
func TestSpec(t *testing.T) {
	d := spec.Downloads[0]
	if d.Name != "mnist.npz" || d.Size != 11490434 || d.SHA256 != "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1" {
		t.Errorf("download %+v", d)
	}
	if spec.BaseURL != "https://storage.googleapis.com/tensorflow/tf-keras-datasets/" {
		t.Errorf("base URL %s", spec.BaseURL)
	}
}

// TestFIFODataFile checks that a named pipe in the place of a data file is
// reported as what it is, at once, not as a missing file (and not read,
// which would block until a writer came).
func TestFIFODataFile(t *testing.T) {
	dir := t.TempDir()
	for i, name := range spec.Files {
		p := filepath.Join(dir, name)
		if i == 0 {
			if err := syscall.Mkfifo(p, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan error, 1)
	go func() {
		_, _, _, _, err := LoadDataWith(datasets.Options{Dir: dir, NoDownload: true})
		done <- err
	}()
	select {
	case err := <-done:
		want := filepath.Join(dir, spec.Files[0]) + " is a named pipe (FIFO), not a regular file"
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want it to contain %q", err, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("LoadDataWith blocks on a FIFO")
	}
}
