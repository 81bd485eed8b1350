package hdf5_test

import (
	"bytes"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/hdf5"
)

// TestReadFloat32At reads every numeric dataset of the h5py-written
// fixtures (contiguous, compact and chunked, several types and byte
// orders) and of a file the writer made, in windows of every start and
// several lengths, and compares each window with the whole dataset as
// ReadFloat32Into reads it (itself checked against h5py's values by
// TestFixtures). Ranges outside the dataset are refused.
func TestReadFloat32At(t *testing.T) {
	w := hdf5.NewWriter()
	f32 := make([]float32, 1000)
	f64 := make([]float64, 333)
	for i := range f32 {
		f32[i] = float32(math.Sin(float64(i)))
	}
	for i := range f64 {
		f64[i] = math.Cos(float64(i)) * 1e3
	}
	if _, err := w.Root().CreateDataset("f32", []int{10, 100}, f32); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Root().CreateDataset("f64", []int{333}, f64); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	files := map[string]*hdf5.File{}
	wf, err := hdf5.Open(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	files["writer"] = wf
	paths, _ := filepath.Glob("testdata/*.h5")
	for _, p := range paths {
		f, err := hdf5.OpenFile(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		files[p] = f
	}
	kinds := map[string]bool{}
	checked := 0
	for name, f := range files {
		err := f.Root().Walk(func(path string, o hdf5.Object) error {
			d, ok := o.(*hdf5.Dataset)
			if !ok {
				return nil
			}
			all, err := d.ReadFloat32()
			if err != nil {
				return nil // not numbers
			}
			kind := "contiguous"
			if d.Chunks() != nil {
				kind = "chunked"
			}
			kinds[kind] = true
			n := len(all)
			for start := 0; start <= n; start += max(1, n/37) {
				for _, l := range []int{0, 1, 7, n - start} {
					if l < 0 || start+l > n {
						continue
					}
					got := make([]float32, l)
					if err := d.ReadFloat32At(got, start); err != nil {
						t.Errorf("%s %s: ReadFloat32At(%d values, %d): %v", name, path, l, start, err)
						return nil
					}
					if !slices.EqualFunc(got, all[start:start+l], func(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) }) {
						t.Errorf("%s %s: ReadFloat32At(%d values, %d) = %v, want %v", name, path, l, start, got, all[start:start+l])
						return nil
					}
				}
			}
			for _, r := range [][2]int{{-1, 1}, {n, 1}, {0, n + 1}, {n + 1, 0}} {
				if err := d.ReadFloat32At(make([]float32, r[1]), r[0]); err == nil || !strings.Contains(err.Error(), "outside the dataset") {
					t.Errorf("%s %s: ReadFloat32At(%d values, %d) = %v, want an error", name, path, r[1], r[0], err)
				}
			}
			checked++
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if checked < 5 || !kinds["chunked"] || !kinds["contiguous"] {
		t.Fatalf("checked %d datasets of kinds %v", checked, kinds)
	}
}
