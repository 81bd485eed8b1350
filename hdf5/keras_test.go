package hdf5

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// The Keras-written files kept for package saving/kerasfile (origins and
// licences in its testdata/README.md); testdata/keras_manifest.json holds
// what h5py reads in them (testdata/gen/keras_manifest.py).
const kerasDir = "../saving/kerasfile/testdata"

type manifestDS struct {
	DType     string              `json:"dtype"`
	Shape     []int               `json:"shape"`
	SHA256    string              `json:"sha256"`
	Attrs     map[string]expValue `json:"attrs"`
	AttrOrder []string            `json:"attr_order"`
}

type manifestFile struct {
	Groups   map[string]expGroup   `json:"groups"`
	Datasets map[string]manifestDS `json:"datasets"`
}

func TestKerasFiles(t *testing.T) {
	b, err := os.ReadFile("testdata/keras_manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	var man map[string]manifestFile
	if err := json.Unmarshal(b, &man); err != nil {
		t.Fatal(err)
	}
	for name, want := range man {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(kerasDir, name)
			if _, err := os.Stat(path); err != nil {
				t.Skipf("%s is not here (moved by saving/kerasfile?): %v", path, err)
			}
			f, err := OpenFile(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			seen := map[string]bool{"/": true}
			if err := f.Root().Walk(func(p string, o Object) error { seen[p] = true; return nil }); err != nil {
				t.Fatal(err)
			}
			if len(seen) != len(want.Groups)+len(want.Datasets) {
				t.Errorf("walk finds %d objects, h5py %d", len(seen), len(want.Groups)+len(want.Datasets))
			}
			for p, g := range want.Groups {
				o, err := f.Lookup(p)
				if err != nil {
					t.Errorf("%s: %v", p, err)
					continue
				}
				names, err := o.(*Group).Names()
				if err != nil || (!reflect.DeepEqual(names, g.Members) && len(g.Members)+len(names) > 0) {
					t.Errorf("%s: members %q (%v), h5py %q", p, names, err, g.Members)
				}
				checkAttrs(t, p, o, g.Attrs, g.AttrOrder)
			}
			for p, d := range want.Datasets {
				ds, err := f.Root().Dataset(p)
				if err != nil {
					t.Errorf("%s: %v", p, err)
					continue
				}
				if dtypeName(ds.DType()) != d.DType || !reflect.DeepEqual(ds.Shape(), d.Shape) {
					t.Errorf("%s: %s %v, h5py %s %v", p, dtypeName(ds.DType()), ds.Shape(), d.DType, d.Shape)
				}
				raw, err := ds.ReadRaw()
				if err != nil {
					t.Errorf("%s: %v", p, err)
					continue
				}
				if ds.DType().BigEndian {
					for i := 0; i < len(raw); i += ds.DType().Size {
						e := raw[i : i+ds.DType().Size]
						for a, z := 0, len(e)-1; a < z; a, z = a+1, z-1 {
							e[a], e[z] = e[z], e[a]
						}
					}
				}
				sum := sha256.Sum256(raw)
				if got := hex.EncodeToString(sum[:]); got != d.SHA256 {
					t.Errorf("%s: sha256 %s, numpy's %s", p, got, d.SHA256)
				}
				checkAttrs(t, p, ds, d.Attrs, d.AttrOrder)
			}
		})
	}
}
