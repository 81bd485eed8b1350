package fashionmnist

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/datasets"
	"github.com/neuron-go/neuron/datasets/internal/fetch"
	"github.com/neuron-go/neuron/datasets/internal/toydata"
)

// idxSHA256 hashes an array as the uncompressed IDX file it came from,
// so it can be compared with sha256sum of the gunzipped original.
func idxSHA256(a datasets.Uint8Array) string {
	h := sha256.New()
	h.Write([]byte{0, 0, 8, byte(len(a.Shape))})
	for _, d := range a.Shape {
		h.Write([]byte{byte(d >> 24), byte(d >> 16), byte(d >> 8), byte(d)})
	}
	h.Write(a.Data)
	return hex.EncodeToString(h.Sum(nil))
}

// TestLoadDataReal reads Debian's copy in /usr/share/datasets.
func TestLoadDataReal(t *testing.T) {
	t.Setenv("NEURON_FASHION_MNIST_DIR", "")
	x, y, xt, yt, err := LoadDataWith(datasets.Options{CacheDir: t.TempDir(), NoDownload: true})
	if err != nil {
		if errors.Is(err, datasets.ErrNotFound) {
			t.Skipf("Fashion-MNIST is not on this machine; run: apt-get install dataset-fashion-mnist\n%v", err)
		}
		t.Fatal(err)
	}
	// sha256sum of the gunzipped official files.
	want := []struct {
		a     datasets.Uint8Array
		shape string
		sha   string
	}{
		{x, "uint8 (60000, 28, 28)", "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"},
		{y, "uint8 (60000,)", "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"},
		{xt, "uint8 (10000, 28, 28)", "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"},
		{yt, "uint8 (10000,)", "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"},
	}
	for i, w := range want {
		if w.a.Describe() != w.shape {
			t.Errorf("array %d is %s, want %s", i, w.a.Describe(), w.shape)
		}
		if got := idxSHA256(w.a); got != w.sha {
			t.Errorf("array %d: SHA-256 %s, want %s", i, got, w.sha)
		}
	}
	if got := ClassNames[y.Data[0]]; got != "Ankle boot" {
		t.Errorf("first training item is a %s, want an Ankle boot", got)
	}
	if got := y.Data[:10]; !slices.Equal(got, []uint8{9, 0, 0, 3, 0, 2, 7, 2, 5, 5}) {
		t.Errorf("first training labels %v", got)
	}
	if got := yt.Data[:10]; !slices.Equal(got, []uint8{9, 2, 1, 1, 6, 1, 4, 6, 5, 7}) {
		t.Errorf("first test labels %v", got)
	}
	// Fashion-MNIST is balanced: 6,000 and 1,000 items per class.
	for _, c := range []struct {
		y    datasets.Uint8Array
		each int
	}{{y, 6000}, {yt, 1000}} {
		n := make([]int, 10)
		for _, v := range c.y.Data {
			n[v]++
		}
		for k, got := range n {
			if got != c.each {
				t.Errorf("class %d (%s): %d items, want %d", k, ClassNames[k], got, c.each)
			}
		}
	}
}

// useToy shrinks the spec to the toy data set, with downloads pinned to
// files, for the duration of the test.
func useToy(t *testing.T, files map[string][]byte) {
	saved := spec
	t.Cleanup(func() { spec = saved })
	spec.Train, spec.Test, spec.Rows, spec.Cols = toydata.Train, toydata.Test, toydata.Side, toydata.Side
	spec.SystemRoot = t.TempDir()
	spec.Downloads = nil
	for _, name := range spec.Files {
		spec.Downloads = append(spec.Downloads, fetch.Download{Name: name, Size: int64(len(files[name])), SHA256: toydata.SHA256(files[name])})
	}
	t.Setenv("NEURON_FASHION_MNIST_DIR", "")
}

func TestDownload(t *testing.T) {
	files := toydata.IDX(8)
	var requests int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests++
		b, ok := files[strings.TrimPrefix(r.URL.Path, "/tf-keras-datasets/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	defer srv.Close()
	useToy(t, files)
	cacheRoot := t.TempDir()
	opts := datasets.Options{CacheDir: cacheRoot, BaseURL: srv.URL + "/tf-keras-datasets/"}
	_, y, _, _, err := LoadDataWith(opts)
	if err != nil {
		t.Fatal(err)
	}
	if ClassNames[y.Data[0]] != "Bag" || requests != 4 {
		t.Errorf("first label %d, %d requests", y.Data[0], requests)
	}
	for _, name := range spec.Files {
		if _, err := os.Stat(filepath.Join(cacheRoot, "fashion-mnist", name)); err != nil {
			t.Errorf("not cached: %v", err)
		}
	}
}

func TestDownloadWrongHashAndTruncated(t *testing.T) {
	files := toydata.IDX(8)
	tampered := map[string][]byte{} // same sizes, other bytes
	for name, b := range files {
		tb := append([]byte{}, b...)
		tb[len(tb)/2] ^= 0x55
		tampered[name] = tb
	}
	for _, tc := range []struct {
		name  string
		serve func(w http.ResponseWriter, b []byte, tb []byte)
		want  string
	}{
		{"wrong hash", func(w http.ResponseWriter, b, tb []byte) { w.Write(tb) }, "SHA-256 mismatch: got "},
		{"truncated", func(w http.ResponseWriter, b, tb []byte) {
			w.Header().Set("Content-Length", "1000")
			w.Write(b)
		}, "connection closed after"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				name := filepath.Base(r.URL.Path)
				tc.serve(w, files[name], tampered[name])
			}))
			defer srv.Close()
			useToy(t, files)
			cacheRoot := t.TempDir()
			_, _, _, _, err := LoadDataWith(datasets.Options{CacheDir: cacheRoot, BaseURL: srv.URL})
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "nothing was saved") {
				t.Errorf("err = %v", err)
			}
			if tc.name == "wrong hash" && !strings.Contains(err.Error(), "want "+spec.Downloads[0].SHA256) {
				t.Errorf("error does not name the pinned hash: %v", err)
			}
			entries, _ := os.ReadDir(filepath.Join(cacheRoot, "fashion-mnist"))
			if len(entries) != 0 {
				t.Errorf("cache holds %d files after a failed download", len(entries))
			}
		})
	}
}

func TestEnvDirMissingFiles(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "train-images-idx3-ubyte.gz"), toydata.IDX(0)["train-images-idx3-ubyte.gz"], 0o644)
	t.Setenv("NEURON_FASHION_MNIST_DIR", dir)
	_, _, _, _, err := LoadData()
	want := "fashion-mnist: $NEURON_FASHION_MNIST_DIR=" + dir + ": missing train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz (unset it to search the default places)"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
}

func TestNothingFoundSuggestsDebianPackage(t *testing.T) {
	useToy(t, toydata.IDX(0))
	_, _, _, _, err := LoadDataWith(datasets.Options{CacheDir: t.TempDir(), NoDownload: true})
	if err == nil || !strings.Contains(err.Error(), "install Debian's package: apt-get install dataset-fashion-mnist") {
		t.Errorf("err = %v", err)
	}
}

// TestSpec guards the pinned values against accidental edits: sizes and
// SHA-256s of the files whose MD5s the Fashion-MNIST authors publish.
func TestSpec(t *testing.T) {
	want := []fetch.Download{
		{Name: "train-images-idx3-ubyte.gz", Size: 26421880, SHA256: "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"},
		{Name: "train-labels-idx1-ubyte.gz", Size: 29515, SHA256: "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"},
		{Name: "t10k-images-idx3-ubyte.gz", Size: 4422102, SHA256: "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"},
		{Name: "t10k-labels-idx1-ubyte.gz", Size: 5148, SHA256: "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"},
	}
	if !slices.Equal(spec.Downloads, want) {
		t.Errorf("downloads %+v", spec.Downloads)
	}
	if len(ClassNames) != spec.Classes || ClassNames[0] != "T-shirt/top" || ClassNames[9] != "Ankle boot" {
		t.Errorf("ClassNames %q", ClassNames)
	}
}
