package hdf5

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// sample is a file shaped like Keras's legacy h5 format plus every type
// the writer takes; values are what the tests expect back.
type sampleAttr struct {
	obj, name string
	value     any
}

type sampleDS struct {
	path  string
	shape []int
	data  any
}

func sample() ([]sampleDS, []sampleAttr, []string) {
	kernel := make([]float32, 12)
	for i := range kernel {
		kernel[i] = float32(i)*0.25 - 1.5
	}
	many := make([]string, 0, 300)
	ds := []sampleDS{
		{"/model_weights/dense/dense/kernel:0", []int{4, 3}, kernel},
		{"/model_weights/dense/dense/bias:0", []int{3}, []float32{0.1, -0.2, 0.3}},
		{"/optimizer_weights/adam/iteration:0", nil, []int64{42}},
		{"/types/f64", []int{2, 2}, []float64{1e-300, -2.5, 3, 1e300}},
		{"/types/i8", []int{3}, []int8{-128, 0, 127}},
		{"/types/i16", []int{2}, []int16{-32768, 32767}},
		{"/types/i32", []int{2, 1}, []int32{-7, 1 << 30}},
		{"/types/u8", []int{2}, []uint8{0, 255}},
		{"/types/u16", []int{1}, []uint16{65535}},
		{"/types/u32", []int{1}, []uint32{4000000000}},
		{"/types/u64", []int{1}, []uint64{1<<63 + 9}},
		{"/types/bool", []int{3}, []bool{true, false, true}},
		{"/types/empty", []int{0, 4}, []float32{}},
		{"/types/vlen", []int{3}, []string{"a", "", "ünï"}},
		{"/types/fixed", []int{3}, FixedStrings{"dense", "dense_1", "x"}},
		{"/types/scalar", nil, []float64{2.5}},
	}
	for i := 0; i < 300; i++ {
		name := fmt.Sprintf("m%03d", (i*7)%300)
		many = append(many, name)
		ds = append(ds, sampleDS{"/many/" + name, []int{1}, []int32{int32(i)}})
	}
	attrs := []sampleAttr{
		{"/", "keras_version", vbytes("2.13.1")},
		{"/", "long", strings.Repeat("long ", 20000)},
		{"/", "backend", "tensorflow"},
		{"/", "model_config", `{"class_name": "Sequential", "config": {"name": "ü"}}`},
		{"/", "epochs", int64(12)},
		{"/", "lr", 0.001},
		{"/", "f32", float32(1.5)},
		{"/", "flag", true},
		{"/", "ints", []int64{1, -2, 3}},
		{"/", "floats", []float64{0.5, 0.25}},
		{"/", "names", []string{"dense", "ünïcode"}},
		{"/model_weights", "layer_names", FixedStrings{"dense", "dense_1", "dropout"}},
		{"/model_weights/dense", "weight_names", FixedStrings{"dense/kernel:0", "dense/bias:0"}},
		{"/optimizer_weights", "weight_names", [][]byte{[]byte("adam/iteration"), []byte("adam/learning_rate"), {}}},
		{"/model_weights/dense/dense/kernel:0", "note", "on a dataset"},
		{"/types/i8", "i32", int32(-5)},
		{"/types/i8", "u8", uint8(200)},
		{"/types/i8", "int", 7},
		{"/types/i8", "bools", []bool{false, true}},
		{"/types/i8", "f32s", []float32{1.25, -2}},
	}
	return ds, attrs, many
}

// vbytes marks a []byte attribute (h5py's bytes) in the sample.
type vbytes []byte

func buildSample(t testing.TB) *Writer {
	w := NewWriter()
	ds, attrs, _ := sample()
	for _, d := range ds {
		if _, err := w.Root().CreateDataset(d.path, d.shape, d.data); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Root().CreateGroup("empty_group"); err != nil {
		t.Fatal(err)
	}
	for _, a := range attrs {
		if b, ok := a.value.(vbytes); ok {
			a.value = []byte(b)
		}
		var err error
		if g, gerr := w.Root().RequireGroup(a.obj); a.obj == "/" {
			err = w.Root().SetAttr(a.name, a.value)
		} else if gerr == nil {
			err = g.SetAttr(a.name, a.value)
		} else {
			parent, name, _ := w.Root().parentOf(a.obj, "test")
			err = parent.members[name].(*WriterDataset).SetAttr(a.name, a.value)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// flatten turns a Go value into comparable elements: strings, bools,
// int64 (uint64 past int64), float64.
func flatten(v any) []any {
	switch x := v.(type) {
	case vbytes:
		return []any{string(x)}
	case string, bool:
		return []any{x}
	case FixedStrings:
		return flatten([]string(x))
	case [][]byte:
		var out []any
		for _, b := range x {
			out = append(out, string(b))
		}
		return out
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return []any{rv.Int()}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if u := rv.Uint(); u > 1<<63-1 {
			return []any{u}
		}
		return []any{int64(rv.Uint())}
	case reflect.Float32, reflect.Float64:
		return []any{rv.Float()}
	}
	var out []any
	for i := 0; i < rv.Len(); i++ {
		out = append(out, flatten(rv.Index(i).Interface())...)
	}
	return out
}

func TestWriterRoundTrip(t *testing.T) {
	w := buildSample(t)
	var buf bytes.Buffer
	n, err := w.WriteTo(&buf)
	if err != nil || n != int64(buf.Len()) {
		t.Fatalf("WriteTo = %d, %v; wrote %d", n, err, buf.Len())
	}
	f, err := Open(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	ds, attrs, many := sample()
	for _, d := range ds {
		got, err := f.Root().Dataset(d.path)
		if err != nil {
			t.Fatalf("%s: %v", d.path, err)
		}
		if !reflect.DeepEqual(got.Shape(), append([]int{}, d.shape...)) {
			t.Errorf("%s: shape %v, wrote %v", d.path, got.Shape(), d.shape)
		}
		raw, err := readAny(got)
		if err != nil {
			t.Fatalf("%s: %v", d.path, err)
		}
		if want := flatten(d.data); !reflect.DeepEqual(flatten(raw), want) && len(want) > 0 {
			t.Errorf("%s: read %v, wrote %v", d.path, flatten(raw), want)
		}
	}
	for _, a := range attrs {
		o, err := f.Lookup(a.obj)
		if err != nil {
			t.Fatal(err)
		}
		v, err := o.Attr(a.name)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := flatten(v), flatten(a.value); !reflect.DeepEqual(got, want) {
			t.Errorf("%s attr %s: read %#v, wrote %#v", a.obj, a.name, got, want)
		}
	}
	g, err := f.Root().Group("many")
	if err != nil {
		t.Fatal(err)
	}
	names, err := g.Names()
	if err != nil {
		t.Fatal(err)
	}
	sortedMany := append([]string{}, many...)
	sortStrings(sortedMany)
	if !reflect.DeepEqual(names, sortedMany) {
		t.Errorf("many: %d names, want the %d written, sorted", len(names), len(many))
	}
}

func sortStrings(s []string) {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
}

func readAny(d *Dataset) (any, error) {
	switch d.DType().Kind {
	case String:
		return d.ReadStrings()
	case Float:
		return d.ReadFloat64()
	case Bool:
		v, err := d.ReadInt64()
		b := make([]bool, len(v))
		for i := range v {
			b[i] = v[i] != 0
		}
		return b, err
	case Uint:
		return d.ReadUint64()
	}
	return d.ReadInt64()
}

// h5dump is run by /usr/bin/python3: it prints every group, attribute and
// dataset of a file as h5py and numpy read them.
const h5dump = `
import json, sys
import h5py, numpy as np
def enc(v):
    if isinstance(v, bytes): return ["bytes", v.decode("latin-1")]
    if isinstance(v, str): return ["str", v]
    a = np.asarray(v)
    flat = a.reshape(-1)
    if a.dtype.kind == "S": return ["S", [x.decode() for x in flat]]
    if a.dtype.kind == "O": return ["str", [x.decode() if isinstance(x, bytes) else x for x in flat]]
    if a.dtype.kind == "b": return ["bool", [str(bool(x)).lower() for x in flat]]
    if a.dtype.kind in "iu": return ["int", [str(int(x)) for x in flat]]
    return ["float", [repr(float(x)) for x in flat]]
out = {}
def visit(path, obj):
    attrs = {k: enc(obj.attrs[k]) for k in obj.attrs}
    if isinstance(obj, h5py.Group):
        out[path] = {"members": list(obj.keys()), "attrs": attrs}
        for k in obj: visit(path.rstrip("/") + "/" + k, obj[k])
    else:
        data = obj.asstr()[()] if obj.dtype.kind == "O" else obj[()]
        out[path] = {"dtype": obj.dtype.str, "shape": list(obj.shape), "data": enc(data), "attrs": attrs}
with h5py.File(sys.argv[1], "r") as f:
    visit("/", f["/"])
json.dump(out, sys.stdout)
`

type dumped struct {
	Members []string                      `json:"members"`
	Attrs   map[string][2]json.RawMessage `json:"attrs"`
	DType   string                        `json:"dtype"`
	Shape   []int                         `json:"shape"`
	Data    [2]json.RawMessage            `json:"data"`
}

// canon spells Go values as the dump does: ints and floats as strings.
func canon(v any) []string {
	var out []string
	for _, x := range flatten(v) {
		switch y := x.(type) {
		case float64:
			out = append(out, pyRepr(y))
		default:
			out = append(out, fmt.Sprint(y))
		}
	}
	return out
}

func pyRepr(f float64) string {
	s := fmt.Sprintf("%v", f)
	b, _ := json.Marshal(f)
	if !strings.ContainsAny(string(b), ".eE") {
		return string(b) + ".0"
	}
	if strings.Contains(s, "e") {
		return strings.Replace(strings.Replace(s, "e+", "e+", 1), "e-0", "e-0", 1)
	}
	return s
}

func decodeDump(raw [2]json.RawMessage) (string, []string, error) {
	var kind string
	if err := json.Unmarshal(raw[0], &kind); err != nil {
		return "", nil, err
	}
	var vals []string
	if err := json.Unmarshal(raw[1], &vals); err != nil {
		var one string
		if err := json.Unmarshal(raw[1], &one); err != nil {
			return "", nil, err
		}
		vals = []string{one}
	}
	return kind, vals, nil
}

func TestWriterH5py(t *testing.T) {
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import h5py, numpy").Run(); err != nil {
		if os.Getenv("NEURON_REQUIRE_PYTHON_PEERS") == "1" {
			t.Fatalf("NEURON_REQUIRE_PYTHON_PEERS=1 but %s cannot import h5py and numpy: %v", py, err)
		}
		t.Skipf("%s with h5py and numpy not available (%v); skipping the interop check", py, err)
	}
	path := filepath.Join(t.TempDir(), "w.h5")
	if err := buildSample(t).WriteFile(path); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, "-c", h5dump, path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("h5py could not read the file: %v\n%s", err, stderr.String())
	}
	var got map[string]dumped
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	ds, attrs, many := sample()
	wantKind := map[string]string{}
	for _, d := range ds {
		g, ok := got[d.path]
		if !ok {
			t.Errorf("h5py finds no %s", d.path)
			continue
		}
		if !reflect.DeepEqual(g.Shape, append([]int{}, d.shape...)) {
			t.Errorf("%s: h5py shape %v, wrote %v", d.path, g.Shape, d.shape)
		}
		_, vals, err := decodeDump(g.Data)
		if err != nil {
			t.Fatal(err)
		}
		if want := canon(d.data); !reflect.DeepEqual(vals, want) && len(want) > 0 {
			t.Errorf("%s: h5py reads %q, wrote %q", d.path, vals, want)
		}
	}
	// h5py stores a bytes attribute as a variable-length ASCII string and
	// reads it back as str (testdata/default.json records the same for a
	// file h5py wrote itself).
	wantKind["keras_version"] = "str"
	wantKind["layer_names"] = "S"
	for _, a := range attrs {
		o, ok := got[a.obj]
		if !ok {
			t.Errorf("h5py finds no %s", a.obj)
			continue
		}
		kind, vals, err := decodeDump(o.Attrs[a.name])
		if err != nil {
			t.Errorf("%s attr %s: %v", a.obj, a.name, err)
			continue
		}
		if want := canon(a.value); !reflect.DeepEqual(vals, want) {
			t.Errorf("%s attr %s: h5py reads %q, wrote %q", a.obj, a.name, vals, want)
		}
		if k := wantKind[a.name]; k != "" && k != kind {
			t.Errorf("%s attr %s: h5py reads a %s, want %s", a.obj, a.name, kind, k)
		}
	}
	if k, _, _ := decodeDump(got["/model_weights"].Attrs["layer_names"]); k != "S" {
		t.Errorf("layer_names reads as %s in h5py, want a numpy S array like Keras writes", k)
	}
	// Nothing more than what was written: the sample's datasets, their
	// parent groups and the empty group.
	written := map[string]bool{"/": true, "/empty_group": true}
	for _, d := range ds {
		for p := d.path; p != ""; p = p[:strings.LastIndex(p, "/")] {
			written[p] = true
		}
	}
	for p := range got {
		if !written[p] {
			t.Errorf("h5py finds %s, which was not written", p)
		}
	}
	if len(got) != len(written) {
		t.Errorf("h5py finds %d objects, %d were written", len(got), len(written))
	}
	sortStrings(many)
	if !reflect.DeepEqual(got["/many"].Members, many) {
		t.Errorf("h5py lists %d members of /many, want the %d written", len(got["/many"].Members), len(many))
	}
	if m := got["/empty_group"].Members; len(m) != 0 {
		t.Errorf("h5py lists %v in /empty_group", m)
	}
	for path, typ := range map[string]string{"/types/i8": "|i1", "/types/u64": "<u8", "/types/bool": "|b1", "/types/fixed": "|S7", "/types/vlen": "|O", "/model_weights/dense/dense/kernel:0": "<f4"} {
		if got[path].DType != typ {
			t.Errorf("%s: h5py dtype %s, want %s", path, got[path].DType, typ)
		}
	}
}

// h5modify has libhdf5 extend and change a file the writer made, which it
// can only do if the heaps, B-trees and headers are what it expects.
const h5modify = `
import sys
import h5py, numpy as np
with h5py.File(sys.argv[1], "a") as f:
    for i in range(40):
        f.create_group("added/g%d" % i).attrs["x"] = i
    f["many"].create_dataset("zz", data=np.arange(3))
    f["model_weights"].attrs["extra"] = "y" * 100
    del f["types/f64"]
`

func TestWriterH5pyModifies(t *testing.T) {
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import h5py, numpy").Run(); err != nil {
		if os.Getenv("NEURON_REQUIRE_PYTHON_PEERS") == "1" {
			t.Fatalf("NEURON_REQUIRE_PYTHON_PEERS=1 but %s cannot import h5py and numpy: %v", py, err)
		}
		t.Skipf("%s with h5py and numpy not available (%v); skipping the interop check", py, err)
	}
	path := filepath.Join(t.TempDir(), "w.h5")
	if err := buildSample(t).WriteFile(path); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(py, "-c", h5modify, path).CombinedOutput(); err != nil {
		t.Fatalf("libhdf5 could not modify the file: %v\n%s", err, out)
	}
	f, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	g, err := f.Root().Group("added")
	if err != nil {
		t.Fatal(err)
	}
	if names, err := g.Names(); err != nil || len(names) != 40 {
		t.Errorf("added: %d members (%v), want 40", len(names), err)
	}
	if v, err := f.Root().Attr("backend"); err != nil || v != "tensorflow" {
		t.Errorf("backend after modification: %v, %v", v, err)
	}
	if _, err := f.Lookup("types/f64"); !errors.Is(err, ErrNotFound) {
		t.Errorf("types/f64 after libhdf5 deleted it: %v", err)
	}
	d, err := f.Root().Dataset("many/zz")
	if err != nil {
		t.Fatal(err)
	}
	if v, err := d.ReadInt64(); err != nil || !reflect.DeepEqual(v, []int64{0, 1, 2}) {
		t.Errorf("many/zz = %v, %v", v, err)
	}
	k, err := f.Root().Dataset("model_weights/dense/dense/kernel:0")
	if err != nil {
		t.Fatal(err)
	}
	if v, err := k.ReadFloat32(); err != nil || v[0] != -1.5 || v[11] != 1.25 {
		t.Errorf("kernel after modification = %v, %v", v, err)
	}
}

func TestWriterErrors(t *testing.T) {
	w := NewWriter()
	for _, c := range []struct {
		err  error
		want string
	}{
		{second(w.Root().CreateDataset("a", []int{2}, []float32{1})), "data has 1 elements, shape=[2] needs 2"},
		{second(w.Root().CreateDataset("b", []int{-1}, []float32{})), "shape=[-1] has a negative dimension"},
		{second(w.Root().CreateDataset("c", []int{1}, []complex64{1})), "[]complex64"},
		{second(w.Root().CreateDataset("x/../y", []int{1}, []float32{1})), ""},
		{w.Root().SetAttr("big", FixedStrings{strings.Repeat("x", 70000)}), "at most 64000"},
		{w.Root().SetAttr("bad", "\xff"), "not valid UTF-8"},
		{w.Root().SetAttr("", 1), `name "" is not valid`},
	} {
		if c.err == nil {
			if c.want != "" {
				t.Errorf("no error, want %q", c.want)
			}
			continue
		}
		if !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("error %q, want it to contain %q", c.err, c.want)
		}
	}
	if _, err := w.Root().CreateDataset("d", []int{1}, []float32{1}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Root().CreateGroup("d/e"); err == nil || !strings.Contains(err.Error(), "is a dataset") {
		t.Errorf("CreateGroup under a dataset: %v", err)
	}
	if _, err := w.Root().CreateDataset("d", []int{1}, []float32{1}); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("CreateDataset twice: %v", err)
	}
	// WriteFile leaves no file behind when the directory is missing.
	if err := w.WriteFile(filepath.Join(t.TempDir(), "no", "dir.h5")); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("WriteFile into a missing directory: %v", err)
	}
}

func second[T any](_ T, err error) error { return err }

// TestWriterManyStrings needs several global heap collections: more than
// 65535 strings, and one larger than a collection's usual size.
func TestWriterManyStrings(t *testing.T) {
	s := make([]string, 70000)
	for i := range s {
		s[i] = fmt.Sprintf("s%d", i)
	}
	s[12345] = strings.Repeat("long", 1<<19) // 2 MiB
	w := NewWriter()
	if _, err := w.Root().CreateDataset("s", []int{len(s)}, s); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	f, err := openBytes(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	d, err := f.Root().Dataset("s")
	if err != nil {
		t.Fatal(err)
	}
	got, err := d.ReadStrings()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, s) {
		t.Fatalf("read %d strings back, not the %d written", len(got), len(s))
	}
	if len(f.gheaps) < 2 {
		t.Errorf("%d global heap collections, want several", len(f.gheaps))
	}
}

// TestReadFloat32Converts reads a float64 dataset larger than the
// conversion buffer as float32, rounding to nearest as numpy's astype.
func TestReadFloat32Converts(t *testing.T) {
	v := make([]float64, 150001)
	for i := range v {
		v[i] = float64(i)/3 + 1e-9
	}
	w := NewWriter()
	if _, err := w.Root().CreateDataset("x", []int{len(v)}, v); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	f, err := openBytes(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	d, err := f.Root().Dataset("x")
	if err != nil {
		t.Fatal(err)
	}
	got, err := d.ReadFloat32()
	if err != nil {
		t.Fatal(err)
	}
	for i := range v {
		if got[i] != float32(v[i]) {
			t.Fatalf("element %d: %v, want %v", i, got[i], float32(v[i]))
		}
	}
}
