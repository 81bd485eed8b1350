package cifar

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/datasets"
	"github.com/neuron-go/neuron/datasets/internal/fetch"
)

var set10 = Set{
	File:   fetch.FileSpec{Name: "cifar10", EnvVar: "NEURON_TEST_CIFAR10_DIR", File: "cifar-10-python.tar.gz"},
	Folder: "cifar-10-batches-py",
	Keras:  "cifar-10-batches-py-target",
	Train:  []string{"data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5"},
	Test:   "test_batch",
}

var set100 = Set{
	File:   fetch.FileSpec{Name: "cifar100", EnvVar: "NEURON_TEST_CIFAR100_DIR", File: "cifar-100-python.tar.gz"},
	Folder: "cifar-100-python",
	Keras:  "cifar-100-python-target",
	Train:  []string{"train"},
	Test:   "test",
}

type split struct {
	XTrain []byte `json:"-"`
	X      []int  `json:"x_train"`
	Y      []int  `json:"y_train"`
	XT     []int  `json:"x_test"`
	YT     []int  `json:"y_test"`
}

func expected(t *testing.T) map[string]split {
	b, err := os.ReadFile("testdata/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var e map[string]split
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

func same(t *testing.T, what string, got datasets.Uint8Array, want []int) {
	t.Helper()
	if len(got.Data) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got.Data), len(want))
	}
	for i, v := range got.Data {
		if int(v) != want[i] {
			t.Fatalf("%s[%d] = %d, want %d", what, i, v, want[i])
		}
	}
}

// TestMatchesKeras compares with Keras's load_batch and transpose run by
// Python on the same archives (testdata/gen/make_cifar.py).
func TestMatchesKeras(t *testing.T) {
	t.Setenv("KERAS_HOME", t.TempDir())
	e := expected(t)
	for _, c := range []struct {
		set     *Set
		key     string
		classes int
		name    string
	}{{&set10, "labels", 10, "cifar10"}, {&set100, "fine_labels", 100, "cifar100_fine"}, {&set100, "coarse_labels", 20, "cifar100_coarse"}} {
		xTr, yTr, xTe, yTe, err := Load(c.set, c.key, c.classes, datasets.Options{Dir: "testdata"})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		w := e[c.name]
		if xTr.Shape[1] != 32 || xTr.Shape[3] != 3 || len(yTr.Shape) != 2 || yTr.Shape[1] != 1 || xTr.Shape[0] != len(w.Y) {
			t.Fatalf("%s: shapes %v %v", c.name, xTr.Shape, yTr.Shape)
		}
		same(t, c.name+" x_train", xTr, w.X)
		same(t, c.name+" y_train", yTr, w.Y)
		same(t, c.name+" x_test", xTe, w.XT)
		same(t, c.name+" y_test", yTe, w.YT)
	}
}

// TestExtractedFolder reads the same batches from an extracted folder,
// as Keras leaves them in ~/.keras/datasets.
func TestExtractedFolder(t *testing.T) {
	keras := t.TempDir()
	t.Setenv("KERAS_HOME", keras)
	dir := filepath.Join(keras, "datasets", set10.Keras)
	untar(t, "testdata/cifar-10-python.tar.gz", dir)
	xTr, _, _, _, err := Load(&set10, "labels", 10, datasets.Options{CacheDir: t.TempDir(), NoDownload: true})
	if err != nil {
		t.Fatal(err)
	}
	same(t, "x_train", xTr, expected(t)["cifar10"].X)
	// A missing batch names it.
	os.Remove(filepath.Join(dir, set10.Folder, "data_batch_3"))
	if _, _, _, _, err := Load(&set10, "labels", 10, datasets.Options{CacheDir: t.TempDir(), NoDownload: true}); err == nil || !strings.Contains(err.Error(), "data_batch_3") {
		t.Errorf("missing batch: %v", err)
	}
}

func untar(t *testing.T, archive, dir string) {
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, _ := gzip.NewReader(f)
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, h.Name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		b, _ := io.ReadAll(tr)
		os.WriteFile(p, b, 0o644)
	}
}

func TestBadArchives(t *testing.T) {
	t.Setenv("KERAS_HOME", t.TempDir())
	good, _ := os.ReadFile("testdata/cifar-10-python.tar.gz")
	var raw bytes.Buffer
	zr, _ := gzip.NewReader(bytes.NewReader(good))
	io.Copy(&raw, zr)
	regz := func(b []byte) []byte {
		var out bytes.Buffer
		zw := gzip.NewWriter(&out)
		zw.Write(b)
		zw.Close()
		return out.Bytes()
	}
	// Flip a byte inside the first data batch's pickle.
	corrupt := bytes.Clone(raw.Bytes())
	i := bytes.Index(corrupt, []byte("cnumpy.core.multiarray"))
	corrupt[i+1] = 'x'
	for name, b := range map[string][]byte{
		"truncated gzip": good[:len(good)/2],
		"not gzip":       []byte("plain text"),
		"corrupt pickle": regz(corrupt),
		"truncated tar":  regz(raw.Bytes()[:raw.Len()/3]),
	} {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "cifar-10-python.tar.gz"), b, 0o644)
		_, _, _, _, err := Load(&set10, "labels", 10, datasets.Options{Dir: dir})
		if err == nil || !strings.Contains(err.Error(), "cifar-10-python.tar.gz") {
			t.Errorf("%s: %v, want an error naming the archive", name, err)
		}
	}
	// Labels beyond the class count.
	if _, _, _, _, err := Load(&set10, "labels", 3, datasets.Options{Dir: "testdata"}); err == nil || !strings.Contains(err.Error(), "outside [0, 3)") {
		t.Errorf("labels: %v", err)
	}
	// Offline with nothing: the error says which file to put where.
	cache := t.TempDir()
	_, _, _, _, err := Load(&set10, "labels", 10, datasets.Options{CacheDir: cache, NoDownload: true})
	if err == nil || !strings.Contains(err.Error(), "cifar-10-python.tar.gz") || !strings.Contains(err.Error(), filepath.Join(cache, "cifar10")) {
		t.Errorf("offline: %v", err)
	}
}
