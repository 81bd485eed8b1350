package pickle

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
)

const limit = 1 << 20

type expectations struct {
	Cifar struct {
		Data       []byte `json:"-"`
		DataInts   []int  `json:"data"`
		Shape      []int  `json:"shape"`
		Labels     []int64
		BatchLabel string `json:"batch_label"`
	} `json:"cifar_py2.pkl"`
	P3 [][]int64 `json:"objarray_p3.pkl"`
	P4 [][]int64 `json:"objarray_p4.pkl"`
}

// expected reads what Python's own unpickler (restricted as Keras's is)
// read from the fixtures; testdata/gen/make_pickles.py wrote both.
func expected(t *testing.T) expectations {
	t.Helper()
	b, err := os.ReadFile("testdata/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var e expectations
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

func load(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCIFARBatch(t *testing.T) {
	e := expected(t)
	v, err := Load(bytes.NewReader(load(t, "cifar_py2.pkl")), limit)
	if err != nil {
		t.Fatal(err)
	}
	d, ok := v.(*Dict)
	if !ok {
		t.Fatalf("got a %s, want a dict", typeName(v))
	}
	a, ok := func() (*Array, bool) { x, _ := d.Get("data"); a, ok := x.(*Array); return a, ok }()
	if !ok {
		t.Fatal("no data array")
	}
	if a.DType.Str != "u1" || a.DType.Order != '|' || a.Fortran || !slices.Equal(a.Shape, e.Cifar.Shape) {
		t.Fatalf("array %+v %+v, want u1 %v", a.DType, a.Shape, e.Cifar.Shape)
	}
	for i, v := range a.Data {
		if int(v) != e.Cifar.DataInts[i] {
			t.Fatalf("data[%d] = %d, want %d", i, v, e.Cifar.DataInts[i])
		}
	}
	x, _ := d.Get("labels")
	l, ok := x.(*List)
	if !ok {
		t.Fatalf("labels are a %s", typeName(x))
	}
	var labels []int64
	for _, it := range l.Items {
		labels = append(labels, it.(int64))
	}
	if !slices.Equal(labels, e.Cifar.Labels) {
		t.Errorf("labels %v, want %v", labels, e.Cifar.Labels)
	}
	x, _ = d.Get("batch_label")
	if s, _ := x.([]byte); string(s) != e.Cifar.BatchLabel {
		t.Errorf("batch_label %q, want %q", s, e.Cifar.BatchLabel)
	}
}

func TestObjectArray(t *testing.T) {
	e := expected(t)
	for name, want := range map[string][][]int64{"objarray_p3.pkl": e.P3, "objarray_p4.pkl": e.P4} {
		v, err := Load(bytes.NewReader(load(t, name)), limit)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		a, ok := v.(*Array)
		if !ok || a.DType.Str != "O8" || !slices.Equal(a.Shape, []int{len(want)}) {
			t.Fatalf("%s: got %s %+v", name, typeName(v), v)
		}
		for i, o := range a.Objects {
			l := o.(*List)
			var got []int64
			for _, it := range l.Items {
				got = append(got, it.(int64))
			}
			if !slices.Equal(got, want[i]) {
				t.Errorf("%s: element %d = %v, want %v", name, i, got, want[i])
			}
		}
	}
}

// TestTruncated cuts every fixture at every length: each prefix is an
// error, none a panic or a value.
func TestTruncated(t *testing.T) {
	for _, name := range []string{"cifar_py2.pkl", "objarray_p3.pkl", "objarray_p4.pkl"} {
		b := load(t, name)
		for n := range len(b) - 1 {
			if _, err := Load(bytes.NewReader(b[:n]), limit); err == nil {
				t.Fatalf("%s cut to %d bytes: no error", name, n)
			}
		}
	}
}

func TestRefused(t *testing.T) {
	cases := map[string]string{
		"\x80\x02cos\nsystem\nX\x02\x00\x00\x00lsq\x85R.":    "os.system",
		"\x80\x02c_codecs\nencode\nX\x01\x00\x00\x00b\x85R.": "_codecs.encode",
		"\x80\x04\x8c\x08builtins\x8c\x04eval\x93.":          "builtins.eval",
		"\x80\x02cnumpy.core.multiarray\n_frombuffer\n.":     "_frombuffer",
	}
	for in, want := range cases {
		_, err := Load(strings.NewReader(in), limit)
		if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want a refusal naming %s", in, err, want)
		}
	}
}

func TestBadInput(t *testing.T) {
	cases := map[string]string{
		"":                          "empty",
		"\x80\x09.":                 "protocol 9",
		"\x80\x02I1\n.":             "opcode 0x49",
		"\x80\x02.":                 "STOP",
		"\x80\x02K":                 "truncated",
		"\x80\x02a.":                "underflow",
		"\x80\x02T\xff\xff\xff\x7f": "limit",
		"\x80\x02\x8e\xff\xff\xff\xff\xff\xff\xff\xff": "limit",
		"\x80\x02h\x05.":           "never stored",
		"\x80\x02K\x01]e.":         "MARK",
		"\x80\x02K\x01K\x02a.":     "want a list",
		"\x80\x02}]K\x01s.":        "unhashable",
		"\x80\x02K\x01K\x01K\x01.": "3 values",
	}
	for in, want := range cases {
		_, err := Load(strings.NewReader(in), limit)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want an error containing %q", in, err, want)
		}
	}
	// An array whose data is shorter than its shape says.
	b := load(t, "cifar_py2.pkl")
	i := bytes.Index(b, []byte("U0")) // the 48 data bytes: SHORT_BINSTRING of length '0' (48)
	if i < 0 {
		t.Fatal("fixture changed")
	}
	bad := slices.Clone(b)
	bad[i+1] = 47
	if _, err := Load(bytes.NewReader(bad), limit); err == nil {
		t.Error("short array data: no error")
	}
}

func FuzzLoad(f *testing.F) {
	for _, name := range []string{"cifar_py2.pkl", "objarray_p3.pkl", "objarray_p4.pkl"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := Load(bytes.NewReader(b), 1<<16)
		if err == nil && v == nil {
			// None is a valid pickle; nothing to check.
			return
		}
		if a, ok := v.(*Array); ok && a.DType.Str[0] != 'O' && len(a.Data) != a.Size()*a.DType.ItemSize() {
			t.Fatalf("array of shape %v holds %d bytes", a.Shape, len(a.Data))
		}
	})
}
