package cifar

import (
	"archive/tar"
	"compress/gzip"
	"io"
	"os"
	"testing"
)

// FuzzDecodeBatch feeds batch pickles, seeded with the fixture's, to the
// decoder: errors, never panics, and whole images when it succeeds.
func FuzzDecodeBatch(f *testing.F) {
	fh, err := os.Open("testdata/cifar-10-python.tar.gz")
	if err != nil {
		f.Fatal(err)
	}
	zr, _ := gzip.NewReader(fh)
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		b, _ := io.ReadAll(tr)
		if h.Name == "cifar-10-batches-py/test_batch" {
			f.Add(b)
		}
	}
	fh.Close()
	f.Fuzz(func(t *testing.T, b []byte) {
		x, y, err := decodeBatch(b, "labels", 10)
		if err == nil && len(x) != len(y)*3072 {
			t.Fatalf("%d image bytes for %d labels", len(x), len(y))
		}
	})
}
