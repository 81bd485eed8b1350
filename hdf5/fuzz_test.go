package hdf5

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// readAll opens data as an HDF5 file and reads every group, attribute and
// dataset, as a Keras loader walking an untrusted file would.
func readAll(data []byte) error {
	f, err := Open(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return err
	}
	if _, err := f.Root().Attrs(); err != nil {
		return err
	}
	return f.Root().Walk(func(path string, o Object) error {
		if _, err := o.Attrs(); err != nil {
			return err
		}
		switch x := o.(type) {
		case *Group:
			if _, err := x.Names(); err != nil {
				return err
			}
		case *Dataset:
			if x.Len() > 1<<16 {
				// Allowed up to the expansion limit (tens of MB), but too
				// slow to read in every fuzz execution.
				return nil
			}
			if x.DType().Kind == String {
				_, err = x.ReadStrings()
			} else {
				_, err = x.ReadFloat64()
			}
			return err
		}
		return nil
	})
}

func FuzzOpen(f *testing.F) {
	names, _ := filepath.Glob("testdata/*.h5")
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	var buf bytes.Buffer
	if _, err := buildSample(f).WriteTo(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		readAll(data) // must return, without panicking or running away
	})
}

func TestReadAllFixtures(t *testing.T) {
	names, _ := filepath.Glob("testdata/*.h5")
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		if err := readAll(b); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
}
