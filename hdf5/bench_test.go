package hdf5

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkRead100MB reads a 100 MB contiguous float32 dataset (the shape
// of a large Keras weights file) and, for comparison, the whole file with
// os.ReadFile. The "ratio" metric is hdf5 time over os.ReadFile time,
// interleaved in one loop so that load on the machine hits both alike.
func BenchmarkRead100MB(b *testing.B) {
	const n = 25 << 20 // float32s: 100 MiB
	path := filepath.Join(b.TempDir(), "big.h5")
	data := make([]float32, n)
	for i := range data {
		data[i] = float32(i)
	}
	w := NewWriter()
	if _, err := w.Root().CreateDataset("layers/dense/vars/0", []int{n / 1024, 1024}, data); err != nil {
		b.Fatal(err)
	}
	if err := w.WriteFile(path); err != nil {
		b.Fatal(err)
	}
	dst := make([]float32, n)
	readH5 := func() {
		f, err := OpenFile(path)
		if err != nil {
			b.Fatal(err)
		}
		d, err := f.Root().Dataset("layers/dense/vars/0")
		if err != nil {
			b.Fatal(err)
		}
		if err := d.ReadFloat32Into(dst); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
	readFile := func() {
		if _, err := os.ReadFile(path); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("hdf5", func(b *testing.B) {
		b.SetBytes(4 * n)
		for b.Loop() {
			readH5()
		}
	})
	readH5Alloc := func() {
		f, err := OpenFile(path)
		if err != nil {
			b.Fatal(err)
		}
		d, err := f.Root().Dataset("layers/dense/vars/0")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := d.ReadFloat32(); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
	b.Run("hdf5-ReadFloat32", func(b *testing.B) {
		b.SetBytes(4 * n)
		for b.Loop() {
			readH5Alloc()
		}
	})
	b.Run("os.ReadFile", func(b *testing.B) {
		b.SetBytes(4 * n)
		for b.Loop() {
			readFile()
		}
	})
	b.Run("ratio", func(b *testing.B) {
		var th, ta, tr time.Duration
		for b.Loop() {
			t0 := time.Now()
			readH5()
			t1 := time.Now()
			readH5Alloc()
			t2 := time.Now()
			readFile()
			th += t1.Sub(t0)
			ta += t2.Sub(t1)
			tr += time.Since(t2)
		}
		b.ReportMetric(float64(th)/float64(tr), "Into/ReadFile")
		b.ReportMetric(float64(ta)/float64(tr), "ReadFloat32/ReadFile")
	})
	if dst[n-1] != float32(n-1) {
		b.Fatalf("last element %v, wrote %v", dst[n-1], float32(n-1))
	}
}
