package hdf5

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// expected is what testdata/gen/gen.py recorded with h5py and numpy.
type expected struct {
	SuperblockVersion int                 `json:"superblock_version"`
	Groups            map[string]expGroup `json:"groups"`
	Datasets          map[string]expValue `json:"datasets"`
	Datatypes         map[string]expValue `json:"datatypes"`
}

type expGroup struct {
	Members   []string            `json:"members"`
	Attrs     map[string]expValue `json:"attrs"`
	AttrOrder []string            `json:"attr_order"`
}

type expValue struct {
	Kind      string              `json:"kind"`
	DType     string              `json:"dtype"`
	Shape     []int               `json:"shape"`
	Value     json.RawMessage     `json:"value"`
	Chunks    []int               `json:"chunks"`
	Attrs     map[string]expValue `json:"attrs"`
	AttrOrder []string            `json:"attr_order"`
}

var fixtures = []string{"default", "v108", "latest", "chunked", "compact", "many", "sb1", "userblock"}

func loadExpected(t testing.TB, name string) expected {
	b, err := os.ReadFile(filepath.Join("testdata", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var e expected
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestFixtures(t *testing.T) {
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			e := loadExpected(t, name)
			f, err := OpenFile(filepath.Join("testdata", name+".h5"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if f.SuperblockVersion() != e.SuperblockVersion {
				t.Errorf("superblock version %d, h5py file has %d", f.SuperblockVersion(), e.SuperblockVersion)
			}
			for path, eg := range e.Groups {
				var g *Group
				if path == "/" {
					g = f.Root()
				} else {
					g, err = f.Root().Group(path)
					if err != nil {
						t.Errorf("%s: %v", path, err)
						continue
					}
				}
				names, err := g.Names()
				if err != nil {
					t.Errorf("%s: Names: %v", path, err)
					continue
				}
				if !reflect.DeepEqual(names, eg.Members) && !(len(names) == 0 && len(eg.Members) == 0) {
					t.Errorf("%s: members %q, h5py lists %q", path, names, eg.Members)
				}
				checkAttrs(t, path, g, eg.Attrs, eg.AttrOrder)
			}
			for path, et := range e.Datatypes {
				o, err := f.Lookup(path)
				if err != nil {
					t.Errorf("%s: %v", path, err)
					continue
				}
				nt, ok := o.(*Datatype)
				if !ok {
					t.Errorf("%s: %T, h5py has a named datatype", path, o)
					continue
				}
				if dtypeName(nt.DType()) != et.DType {
					t.Errorf("%s: dtype %s, h5py %s", path, dtypeName(nt.DType()), et.DType)
				}
				checkAttrs(t, path, nt, et.Attrs, et.AttrOrder)
			}
			for path, ed := range e.Datasets {
				d, err := f.Root().Dataset(path)
				if err != nil {
					t.Errorf("%s: %v", path, err)
					continue
				}
				checkDataset(t, path, d, ed)
				checkAttrs(t, path, d, ed.Attrs, ed.AttrOrder)
			}
		})
	}
}

func checkAttrs(t *testing.T, path string, o Object, want map[string]expValue, order []string) {
	t.Helper()
	as, err := o.Attrs()
	if err != nil {
		t.Errorf("%s: Attrs: %v", path, err)
		return
	}
	var names []string
	for _, a := range as {
		names = append(names, a.Name)
	}
	if !reflect.DeepEqual(names, order) && !(len(names) == 0 && len(order) == 0) {
		t.Errorf("%s: attribute order %q, h5py lists %q", path, names, order)
	}
	for _, a := range as {
		ev, ok := want[a.Name]
		if !ok {
			continue
		}
		if err := compareValue(a.Value, a.Shape, ev); err != nil {
			t.Errorf("%s attribute %q: %v", path, a.Name, err)
		}
	}
}

// compareValue compares a decoded value with numpy's.
func compareValue(got any, shape []int, ev expValue) error {
	if ev.Shape != nil && !reflect.DeepEqual(shape, ev.Shape) && !(len(shape) == 0 && len(ev.Shape) == 0) {
		return fmt.Errorf("shape %v, numpy has %v", shape, ev.Shape)
	}
	var v any
	dec := json.NewDecoder(strings.NewReader(string(ev.Value)))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return err
	}
	vals, ok := v.([]any)
	if !ok {
		vals = []any{v}
	}
	var gotVals []any
	rv := reflect.ValueOf(got)
	if rv.Kind() == reflect.Slice {
		for i := 0; i < rv.Len(); i++ {
			gotVals = append(gotVals, rv.Index(i).Interface())
		}
	} else {
		gotVals = []any{got}
	}
	if len(gotVals) != len(vals) {
		return fmt.Errorf("%d values, numpy has %d", len(gotVals), len(vals))
	}
	for i := range vals {
		if err := sameValue(gotVals[i], vals[i], ev.Kind); err != nil {
			return fmt.Errorf("element %d: %v", i, err)
		}
	}
	return nil
}

func sameValue(got, want any, kind string) error {
	switch kind {
	case "str", "bytes":
		if got != want {
			return fmt.Errorf("%q, numpy has %q", got, want)
		}
	case "bool":
		if got != want {
			return fmt.Errorf("%v, numpy has %v", got, want)
		}
	case "sha256": // a long string, recorded by its hash
		s, ok := got.(string)
		sum := sha256.Sum256([]byte(s))
		if !ok || hex.EncodeToString(sum[:]) != want {
			return fmt.Errorf("%d-byte value (%T) does not hash to numpy's %v", len(s), got, want)
		}
	case "int":
		var g string
		switch v := got.(type) {
		case int64, uint64:
			g = fmt.Sprint(v)
		default:
			return fmt.Errorf("value of type %T for numpy kind %s", got, kind)
		}
		if g != want.(json.Number).String() {
			return fmt.Errorf("%v, numpy has %v", g, want)
		}
	case "float":
		w, err := want.(json.Number).Float64()
		if err != nil {
			return err
		}
		var g float64
		switch v := got.(type) {
		case float64:
			g = v
		case float32:
			g = float64(v)
		default:
			return fmt.Errorf("value of type %T for numpy kind %s", got, kind)
		}
		if g != w && !(math.IsNaN(g) && math.IsNaN(w)) {
			return fmt.Errorf("%v, numpy has %v", g, w)
		}
	default:
		return fmt.Errorf("unknown kind %q", kind)
	}
	return nil
}

func checkDataset(t *testing.T, path string, d *Dataset, ed expValue) {
	t.Helper()
	if got := d.Shape(); !reflect.DeepEqual(got, ed.Shape) && !(len(got) == 0 && len(ed.Shape) == 0) {
		t.Errorf("%s: shape %v, h5py has %v", path, got, ed.Shape)
	}
	if !reflect.DeepEqual(d.Chunks(), ed.Chunks) {
		t.Errorf("%s: chunks %v, h5py has %v", path, d.Chunks(), ed.Chunks)
	}
	shape := ed.Shape
	if len(ed.Shape) == 0 {
		shape = nil
	}
	var got any
	var err error
	switch ed.Kind {
	case "str", "bytes":
		var s []string
		s, err = d.ReadStrings()
		got = s
		if shape == nil && err == nil {
			got = s[0]
		}
	case "bool":
		var v []int64
		v, err = d.ReadInt64()
		b := make([]bool, len(v))
		for i := range v {
			b[i] = v[i] != 0
		}
		got = b
	case "int":
		if strings.Contains(ed.DType, "u8") {
			got, err = d.ReadUint64()
		} else {
			got, err = d.ReadInt64()
		}
	case "float":
		got, err = d.ReadFloat64()
		if err == nil && strings.HasSuffix(ed.DType, "f4") {
			// The float32 path must agree exactly with the float64 one.
			f32, err := d.ReadFloat32()
			if err != nil {
				t.Errorf("%s: ReadFloat32: %v", path, err)
			}
			for i, v := range f32 {
				if float64(v) != got.([]float64)[i] {
					t.Errorf("%s: ReadFloat32[%d]=%v, ReadFloat64 gives %v", path, i, v, got.([]float64)[i])
					break
				}
			}
		}
	}
	if err != nil {
		t.Errorf("%s: read: %v", path, err)
		return
	}
	if shape == nil {
		if rv := reflect.ValueOf(got); rv.Kind() == reflect.Slice && rv.Len() == 1 {
			got = rv.Index(0).Interface()
		}
	}
	if err := compareValue(got, shape, expValue{Kind: ed.Kind, Shape: shape, Value: ed.Value}); err != nil {
		t.Errorf("%s: %v", path, err)
	}
	if wantDT := ed.DType; dtypeName(d.DType()) != wantDT {
		t.Errorf("%s: dtype %s, numpy says %s", path, dtypeName(d.DType()), wantDT)
	}
}

// dtypeName spells a DType as numpy's dtype.str.
func dtypeName(t DType) string {
	bo := "<"
	if t.BigEndian {
		bo = ">"
	}
	if t.Size == 1 {
		bo = "|"
	}
	switch t.Kind {
	case Int:
		return fmt.Sprintf("%si%d", bo, t.Size)
	case Uint:
		return fmt.Sprintf("%su%d", bo, t.Size)
	case Float:
		return fmt.Sprintf("%sf%d", bo, t.Size)
	case Bool:
		return "|b1"
	case String:
		if t.VarLen {
			return "|O"
		}
		return fmt.Sprintf("|S%d", t.Size)
	}
	return "?"
}

// TestConcurrentReads reads one File from several goroutines, as a model
// server loading weights in parallel would (run with -race).
func TestConcurrentReads(t *testing.T) {
	f, err := OpenFile("testdata/latest.h5")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	errs := make(chan error, 4)
	for w := 0; w < 4; w++ {
		go func() {
			errs <- f.Root().Walk(func(path string, o Object) error {
				if _, err := o.Attrs(); err != nil {
					return err
				}
				if d, ok := o.(*Dataset); ok && d.DType().Kind == String {
					_, err := d.ReadStrings()
					return err
				} else if ok {
					_, err := d.ReadFloat64()
					return err
				}
				return nil
			})
		}()
	}
	for w := 0; w < 4; w++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
