package npz

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// npy builds a .npy file with the given version, header dict and data.
func npy(major byte, dict string, data []byte) []byte {
	b := []byte("\x93NUMPY")
	b = append(b, major, 0)
	if major == 1 {
		b = binary.LittleEndian.AppendUint16(b, uint16(len(dict)))
	} else {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(dict)))
	}
	b = append(b, dict...)
	return append(b, data...)
}

// dict writes a header the way NumPy does, padded to 64 bytes.
func dict(descr, fortran, shape string) string {
	d := fmt.Sprintf("{'descr': '%s', 'fortran_order': %s, 'shape': %s, }", descr, fortran, shape)
	pad := 64 - (10+len(d)+1)%64
	return d + strings.Repeat(" ", pad) + "\n"
}

func seq(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i * 3)
	}
	return b
}

type member struct {
	name   string
	data   []byte
	method uint16
}

// archive builds an .npz (zip) file.
func archive(t testing.TB, members ...member) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, m := range members {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: m.name, Method: m.method})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(m.data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReadNPYValid(t *testing.T) {
	cases := []struct {
		name  string
		in    []byte
		want  []int
		shape []int
	}{
		{"v1 images", npy(1, dict("|u1", "False", "(2, 3, 4)"), seq(24)), []int{Any, 3, 4}, []int{2, 3, 4}},
		{"v1 labels", npy(1, dict("|u1", "False", "(5,)"), seq(5)), []int{5}, []int{5}},
		{"v2", npy(2, dict("|u1", "False", "(5,)"), seq(5)), []int{Any}, []int{5}},
		{"v3", npy(3, dict("|u1", "False", "(5,)"), seq(5)), nil, []int{5}},
		{"scalar", npy(1, dict("|u1", "False", "()"), seq(1)), nil, []int{}},
		{"other key order, double quotes, no trailing comma",
			npy(1, `{"shape": (2, 2), "fortran_order": False, "descr": "<u1"}`+"\n", seq(4)), []int{2, 2}, []int{2, 2}},
		{"python 2 longs", npy(1, dict("|u1", "False", "(2L, 2L)"), seq(4)), nil, []int{2, 2}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, err := ReadNPY(bytes.NewReader(tc.in), "x.npy", tc.want, 0)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(a.Shape) != fmt.Sprint(tc.shape) {
				t.Errorf("shape %v, want %v", a.Shape, tc.shape)
			}
			if n := len(a.Data); !bytes.Equal(a.Data, tc.in[len(tc.in)-n:]) || n != max(1, product(tc.shape)) {
				t.Errorf("data differs")
			}
		})
	}
}

func product(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

func TestReadNPYMalformed(t *testing.T) {
	good := npy(1, dict("|u1", "False", "(2, 3)"), seq(6))
	want := []int{Any, 3}
	cases := []struct {
		name    string
		in      []byte
		max     int64
		errWant string
		is      error
	}{
		{"empty", nil, 0, "npz: x.npy: empty, want a .npy header", nil},
		{"short magic", good[:5], 0, "truncated header: want 8 bytes, got 5: unexpected EOF", io.ErrUnexpectedEOF},
		{"bad magic", append([]byte("\x93NUMPZ"), good[6:]...), 0, `magic "\x93NUMPZ": want "\x93NUMPY" (not a .npy file)`, nil},
		{"version 4", append(append([]byte{}, good[:6]...), append([]byte{4, 0}, good[8:]...)...), 0, "format version 4.0: want 1.0, 2.0 or 3.0", nil},
		{"version 1.1", append(append([]byte{}, good[:6]...), append([]byte{1, 1}, good[8:]...)...), 0, "format version 1.1", nil},
		{"short length", good[:9], 0, "truncated header: want 10 bytes, got 9", io.ErrUnexpectedEOF},
		{"v2 short length", npy(2, "", nil)[:10], 0, "truncated header: want 12 bytes, got 10", io.ErrUnexpectedEOF},
		{"header too long", npy(2, strings.Repeat(" ", 20000), nil), 0, "header length 20000: more than the limit of 10000", nil},
		{"v1 header too long", npy(1, strings.Repeat(" ", 10001), nil), 0, "header length 10001: more than the limit of 10000", nil},
		{"truncated dict", good[:30], 0, "truncated header: want a 118-byte dict, got 20", io.ErrUnexpectedEOF},
		{"float32", npy(1, dict("<f4", "False", "(2, 3)"), seq(24)), 0, `descr "<f4": want '|u1' (uint8)`, nil},
		{"int8", npy(1, dict("|i1", "False", "(2, 3)"), seq(6)), 0, `descr "|i1"`, nil},
		{"fortran order", npy(1, dict("|u1", "True", "(2, 3)"), seq(6)), 0, "fortran_order True: want False (C order)", nil},
		{"wrong rank", npy(1, dict("|u1", "False", "(6,)"), seq(6)), 0, "shape (6,): want (any, 3)", nil},
		{"wrong width", npy(1, dict("|u1", "False", "(3, 2)"), seq(6)), 0, "shape (3, 2): want (any, 3)", nil},
		{"int not tuple", npy(1, dict("|u1", "False", "(6)"), seq(6)), 0, "shape (6) is not a tuple: want (6,)", nil},
		{"negative dim", npy(1, dict("|u1", "False", "(-2, 3)"), seq(6)), 0, "want a non-negative integer", nil},
		{"zero dim", npy(1, dict("|u1", "False", "(0, 3)"), nil), 0, "shape (0, 3): dimension 0 is 0, so the array holds no data", nil},
		{"duplicate key", npy(1, "{'descr': '|u1', 'descr': '|u1', 'fortran_order': False, 'shape': (2, 3)}", seq(6)), 0, `key "descr" appears twice`, nil},
		{"unknown key", npy(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), 'x': 1}", seq(6)), 0, `unknown key "x"`, nil},
		{"missing key", npy(1, "{'descr': '|u1', 'shape': (2, 3)}", seq(6)), 0, `missing key "fortran_order"`, nil},
		{"not a dict", npy(1, "[1, 2]", seq(6)), 0, "at offset 0: want '{'", nil},
		{"text after dict", npy(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3)} x", seq(6)), 0, "unexpected text after the dict", nil},
		{"unterminated string", npy(1, "{'descr: 1}", nil), 0, "unterminated string", nil},
		{"python expression", npy(1, "{'descr': '|u1', 'fortran_order': __import__('os'), 'shape': (2, 3)}", seq(6)), 0, "want True or False", nil},
		{"huge dims", npy(1, dict("|u1", "False", "(9223372036854775807, 3)"), nil), 0, "needs more than the limit of 268435456 bytes", nil},
		{"over the limit", good, 5, "shape (2, 3) needs more than the limit of 5 bytes", nil},
		{"dim too big to parse", npy(1, dict("|u1", "False", "(99999999999999999999, 3)"), nil), 0, "dimension 99999999999999999999 is too large", nil},
		{"truncated data", good[:len(good)-2], 0, "truncated data: want 6 bytes (shape (2, 3)), got 4: unexpected EOF", io.ErrUnexpectedEOF},
		{"trailing data", append(append([]byte{}, good...), 9), 0, "trailing bytes after the 6 data bytes of shape (2, 3)", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, err := ReadNPY(bytes.NewReader(tc.in), "x.npy", want, tc.max)
			if err == nil {
				t.Fatalf("no error; got %v", a)
			}
			if a.Shape != nil || a.Data != nil {
				t.Error("a result came with the error")
			}
			if !strings.HasPrefix(err.Error(), "npz: x.npy: ") || !strings.Contains(err.Error(), tc.errWant) {
				t.Errorf("error %q\n  does not contain %q", err, tc.errWant)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %q does not wrap %v", err, tc.is)
			}
		})
	}
}

var mnistWant = map[string][]int{"x_train": {Any, 2, 2}, "y_train": {Any}}

func writeTemp(t *testing.T, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "mnist.npz")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReadFile(t *testing.T) {
	x := npy(1, dict("|u1", "False", "(3, 2, 2)"), seq(12))
	y := npy(1, dict("|u1", "False", "(3,)"), []byte{5, 0, 4})
	for _, method := range []uint16{zip.Store, zip.Deflate} {
		path := writeTemp(t, archive(t,
			member{"x_train.npy", x, method},
			member{"y_train.npy", y, method},
			member{"notes.txt", []byte("ignored"), method},
		))
		got, err := ReadFile(path, mnistWant, 0)
		if err != nil {
			t.Fatalf("method %d: %v", method, err)
		}
		if got["x_train"].Describe() != "uint8 (3, 2, 2)" || !bytes.Equal(got["y_train"].Data, []byte{5, 0, 4}) {
			t.Errorf("method %d: got %s %v", method, got["x_train"].Describe(), got["y_train"].Data)
		}
	}
}

func TestReadFileMalformed(t *testing.T) {
	x := npy(1, dict("|u1", "False", "(3, 2, 2)"), seq(12))
	y := npy(1, dict("|u1", "False", "(3,)"), []byte{5, 0, 4})

	// A stored member whose bytes no longer match the CRC in the header.
	badCRC := archive(t, member{"x_train.npy", x, zip.Store}, member{"y_train.npy", y, zip.Store})
	i := bytes.Index(badCRC, y)
	badCRC[i+len(y)-1] ^= 0xff

	// A member declaring a huge uncompressed size.
	var big bytes.Buffer
	zw := zip.NewWriter(&big)
	fw, _ := zw.CreateRaw(&zip.FileHeader{Name: "x_train.npy", Method: zip.Store,
		CompressedSize64: uint64(len(x)), UncompressedSize64: 1 << 40, CRC32: crc32.ChecksumIEEE(x)})
	fw.Write(x)
	zw.Close()

	many := make([]member, 1001)
	for i := range many {
		many[i] = member{fmt.Sprintf("m%d", i), nil, zip.Store}
	}

	cases := []struct {
		name    string
		in      []byte
		errWant string
		is      error
	}{
		{"not a zip", x, "npz: mnist.npz: not a valid zip archive: zip: not a valid zip file", zip.ErrFormat},
		{"empty", nil, "not a valid zip archive", zip.ErrFormat},
		{"missing member", archive(t, member{"x_train.npy", x, zip.Deflate}), "npz: mnist.npz: no member y_train.npy", nil},
		{"duplicate member", archive(t, member{"x_train.npy", x, zip.Deflate}, member{"y_train.npy", y, zip.Deflate}, member{"y_train.npy", y, zip.Deflate}), "member y_train.npy appears twice", nil},
		{"bad crc", badCRC, "npz: mnist.npz: y_train.npy: after the data: zip: checksum error", zip.ErrChecksum},
		{"declared size over the limit", big.Bytes(), "member x_train.npy is 1099511627776 bytes: more than the limit of 268435456", nil},
		{"too many members", archive(t, many...), "1001 members: more than the limit of 1000", nil},
		{"bad member", archive(t, member{"x_train.npy", x, zip.Deflate}, member{"y_train.npy", x, zip.Deflate}), "npz: mnist.npz: y_train.npy: shape (3, 2, 2): want (any,)", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadFile(writeTemp(t, tc.in), mnistWant, 0)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.errWant) {
				t.Errorf("error %q\n  does not contain %q", err, tc.errWant)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %q does not wrap %v", err, tc.is)
			}
			// The same through Read.
			if _, err2 := Read(bytes.NewReader(tc.in), int64(len(tc.in)), "mnist.npz", mnistWant, 0); err2 == nil {
				t.Error("Read: no error")
			}
		})
	}
	if _, err := ReadFile(filepath.Join(t.TempDir(), "absent.npz"), mnistWant, 0); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: err = %v", err)
	}
}

func FuzzReadNPY(f *testing.F) {
	f.Add(npy(1, dict("|u1", "False", "(2, 3)"), seq(6)), uint8(0))
	f.Add(npy(2, dict("|u1", "False", "(6,)"), seq(6)), uint8(1))
	f.Add(npy(3, dict("|u1", "False", "()"), seq(1)), uint8(2))
	f.Add(npy(1, `{"shape": (2L, 2), "fortran_order": False, "descr": "<u1"}`, seq(4)), uint8(2))
	wants := [][]int{{Any, 3}, {Any}, nil}
	f.Fuzz(func(t *testing.T, in []byte, mode uint8) {
		want := wants[int(mode)%len(wants)]
		a, err := ReadNPY(bytes.NewReader(in), "f.npy", want, 1<<16)
		if err != nil {
			if a.Shape != nil || a.Data != nil {
				t.Fatal("a result came with an error")
			}
			return
		}
		if product(a.Shape) != len(a.Data) {
			t.Fatalf("shape %v but %d bytes", a.Shape, len(a.Data))
		}
		if want != nil && len(want) != len(a.Shape) {
			t.Fatalf("shape %v does not fit %v", a.Shape, want)
		}
	})
}

func TestReadNPYAny(t *testing.T) {
	// float64 1.5 and -2 little-endian, as NumPy writes '<f8'.
	var data []byte
	for _, v := range []float64{1.5, -2} {
		data = binary.LittleEndian.AppendUint64(data, math.Float64bits(v))
	}
	a, err := ReadNPYAny(bytes.NewReader(npy(1, dict("<f8", "False", "(2,)"), data)), "y.npy", []int{Any}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if a.Descr != "<f8" || len(a.Shape) != 1 || a.Shape[0] != 2 || !bytes.Equal(a.Data, data) {
		t.Errorf("got %+v", a)
	}
	// Truncated numeric data is refused with the byte count.
	if _, err := ReadNPYAny(bytes.NewReader(npy(1, dict("<f8", "False", "(2,)"), data[:15])), "y.npy", nil, 0); err == nil || !strings.Contains(err.Error(), "want 16 bytes") {
		t.Errorf("truncated: %v", err)
	}
	// An object array hands back its pickle stream.
	pk := []byte("\x80\x02N.")
	a, err = ReadNPYAny(bytes.NewReader(npy(1, dict("|O", "False", "(3,)"), pk)), "x.npy", nil, 0)
	if err != nil || a.Descr != "|O" || !bytes.Equal(a.Data, pk) {
		t.Errorf("object array: %+v, %v", a, err)
	}
	if _, err := ReadNPYAny(bytes.NewReader(npy(1, dict("|O", "False", "(3,)"), make([]byte, 100))), "x.npy", nil, 50); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("oversize pickle: %v", err)
	}
	for _, d := range []string{">f8", "<c16", "|V4"} {
		if _, err := ReadNPYAny(bytes.NewReader(npy(1, dict(d, "False", "(1,)"), make([]byte, 16))), "x.npy", nil, 0); err == nil || !strings.Contains(err.Error(), d) {
			t.Errorf("descr %s: %v", d, err)
		}
	}
	// ReadNPY still takes uint8 only.
	if _, err := ReadNPY(bytes.NewReader(npy(1, dict("<f8", "False", "(2,)"), data)), "y.npy", nil, 0); err == nil || !strings.Contains(err.Error(), "uint8") {
		t.Errorf("ReadNPY of float64: %v", err)
	}
}

func FuzzReadNPYAny(f *testing.F) {
	f.Add(npy(1, dict("<f8", "False", "(2,)"), make([]byte, 16)))
	f.Add(npy(2, dict("<i8", "False", "(1, 2)"), make([]byte, 16)))
	f.Add(npy(1, dict("|O", "False", "(3,)"), []byte("\x80\x02N.")))
	f.Fuzz(func(t *testing.T, in []byte) {
		a, err := ReadNPYAny(bytes.NewReader(in), "f.npy", nil, 1<<16)
		if err != nil {
			return
		}
		if a.Descr != "|O" && product(a.Shape)*itemSizes[a.Descr] != len(a.Data) {
			t.Fatalf("%s shape %v but %d bytes", a.Descr, a.Shape, len(a.Data))
		}
	})
}
