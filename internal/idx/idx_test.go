package idx

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// file builds an IDX file: magic type and ndims, the dims, then data.
func file(typ byte, dims []uint32, data []byte) []byte {
	b := []byte{0, 0, typ, byte(len(dims))}
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, d)
	}
	return append(b, data...)
}

func seq(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}

func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var (
	images = []int{Any, 28, 28}
	labels = []int{Any}
)

func TestReadValid(t *testing.T) {
	cases := []struct {
		name     string
		in       []byte
		want     []int
		wantDims []int
	}{
		{"labels", file(8, []uint32{5}, []byte{5, 0, 4, 1, 9}), labels, []int{5}},
		{"images", file(8, []uint32{2, 28, 28}, seq(2*28*28)), images, []int{2, 28, 28}},
		{"fixed sizes", file(8, []uint32{3, 2}, seq(6)), []int{3, 2}, []int{3, 2}},
		{"any shape", file(8, []uint32{2, 2, 2, 2}, seq(16)), nil, []int{2, 2, 2, 2}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dims, data, err := Read(bytes.NewReader(tc.in), tc.want, 0)
			if err != nil {
				t.Fatal(err)
			}
			if !equal(dims, tc.wantDims) {
				t.Errorf("dims %v, want %v", dims, tc.wantDims)
			}
			hdr := 4 + 4*len(tc.wantDims)
			if !bytes.Equal(data, tc.in[hdr:]) {
				t.Errorf("data differs")
			}
		})
	}
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestReadMalformed feeds hand-made broken files to Read. Each must fail
// with a message that says what is wrong and shows the value found.
func TestReadMalformed(t *testing.T) {
	good := file(8, []uint32{2, 28, 28}, seq(2*28*28))
	cases := []struct {
		name    string
		in      []byte
		want    []int
		max     int64
		errWant []string // substrings of the error
		is      error
	}{
		{"empty", nil, images, 0, []string{"idx: empty file"}, nil},
		{"short magic", []byte{0, 0, 8}, images, 0, []string{"truncated header: want 4 bytes, got 3", "unexpected EOF"}, io.ErrUnexpectedEOF},
		{"first byte set", []byte{1, 0, 8, 3, 0, 0, 0, 1}, images, 0, []string{"magic 0x01000803: want 0x00000803 (unsigned byte, 3 dims); not an IDX file"}, nil},
		{"second byte set", []byte{0, 9, 8, 3}, images, 0, []string{"magic 0x00090803"}, nil},
		{"gzip bytes", gz(t, good), images, 0, []string{"magic 0x1f8b0800", "gzip-compressed"}, nil},
		{"signed byte type", file(9, []uint32{2, 28, 28}, seq(2*28*28)), images, 0, []string{"magic 0x00000903", "type 0x09 (signed byte) is not supported"}, nil},
		{"float32 type", file(0x0d, []uint32{1}, seq(4)), labels, 0, []string{"magic 0x00000d01: want 0x00000801 (unsigned byte, 1 dim)", "float32"}, nil},
		{"unknown type", file(0x42, []uint32{1}, seq(1)), labels, 0, []string{"type 0x42 is not an IDX type"}, nil},
		{"zero dims", []byte{0, 0, 8, 0}, nil, 0, []string{"magic 0x00000800: want 0x00000801 to 0x00000804 (unsigned byte, 1 to 4 dims)"}, nil},
		{"too many dims", file(8, make([]uint32, 9), nil), nil, 0, []string{"magic 0x00000809", "the file has 9 dims"}, nil},
		{"labels file as images", file(8, []uint32{5}, seq(5)), images, 0, []string{"magic 0x00000801: want 0x00000803 (unsigned byte, 3 dims); the file has 1 dims"}, nil},
		{"truncated dims", good[:9], images, 0, []string{"truncated header: want 16 bytes, got 9", "unexpected EOF"}, io.ErrUnexpectedEOF},
		{"zero items", file(8, []uint32{0, 28, 28}, nil), images, 0, []string{"dimension 0 is 0: the file holds no data"}, nil},
		{"zero width", file(8, []uint32{4, 0}, nil), nil, 0, []string{"dimension 1 is 0"}, nil},
		{"wrong width", file(8, []uint32{2, 27, 28}, seq(2*27*28)), images, 0, []string{"dimension 1 is 27: want 28 (want shape (any, 28, 28))"}, nil},
		{"wrong count", file(8, []uint32{7}, seq(7)), []int{60000}, 0, []string{"dimension 0 is 7: want 60000 (want shape (60000,))"}, nil},
		{"huge dims overflow", file(8, []uint32{0xffffffff, 0xffffffff, 0xffffffff}, nil), nil, 0, []string{"shape [4294967295 4294967295 4294967295] needs more than 2^64 bytes: more than the limit of 268435456"}, nil},
		{"over the limit", file(8, []uint32{60000, 28, 28}, nil), images, 1000, []string{"needs 47040000 bytes: more than the limit of 1000"}, nil},
		{"over the default limit", file(8, []uint32{0x7fffffff, 28, 28}, nil), images, 0, []string{"more than the limit of 268435456"}, nil},
		{"truncated data", good[:len(good)-100], images, 0, []string{"truncated data: want 1568 bytes (shape [2 28 28]), got 1468", "unexpected EOF"}, io.ErrUnexpectedEOF},
		{"no data", good[:16], images, 0, []string{"truncated data: want 1568 bytes", "got 0"}, io.ErrUnexpectedEOF},
		{"trailing garbage", append(append([]byte{}, good...), 0), images, 0, []string{"trailing bytes after the 1568 data bytes of shape [2 28 28]"}, nil},
		{"invalid want", good, []int{}, 0, []string{"invalid wanted shape"}, nil},
		{"negative want", good, []int{-5, 28, 28}, 0, []string{"invalid wanted shape"}, nil},
	}
	if len(cases) < 15 {
		t.Fatalf("only %d malformed cases", len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dims, data, err := Read(bytes.NewReader(tc.in), tc.want, tc.max)
			if err == nil {
				t.Fatalf("no error; got dims %v and %d bytes", dims, len(data))
			}
			if dims != nil || data != nil {
				t.Errorf("a result came with the error")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "idx: ") {
				t.Errorf("error %q lacks the package prefix", msg)
			}
			for _, s := range tc.errWant {
				if !strings.Contains(msg, s) {
					t.Errorf("error %q\n  does not contain %q", msg, s)
				}
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %q does not wrap %v", msg, tc.is)
			}
		})
	}
}

// errReader fails after delivering its data.
type errReader struct {
	data []byte
	err  error
}

func (r *errReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestReadIOError(t *testing.T) {
	errDisk := errors.New("disk on fire")
	good := file(8, []uint32{3}, seq(3))
	for _, cut := range []int{0, 2, 6, 9, len(good)} {
		_, _, err := Read(&errReader{data: good[:cut], err: errDisk}, labels, 0)
		if !errors.Is(err, errDisk) {
			t.Errorf("cut at %d: err = %v, want it to wrap %v", cut, err, errDisk)
		}
	}
}

// TestReadSmallAllocation checks that a short file whose header claims a
// large size fails without allocating that size.
func TestReadSmallAllocation(t *testing.T) {
	in := file(8, []uint32{200000, 28, 28}, seq(100)) // claims 157 MB
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, _, err := Read(bytes.NewReader(in), images, 0)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("err = %v, want unexpected EOF", err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 4<<20 {
		t.Errorf("allocated %d bytes for a %d-byte file", got, len(in))
	}

	// The same through ReadFile, which sizes its first allocation from
	// the file's size.
	for _, name := range []string{"big", "big.gz"} {
		b := in
		if name == "big.gz" {
			b = gz(t, in)
		}
		path := writeFile(t, name, b)
		runtime.ReadMemStats(&before)
		_, _, err = ReadFile(path, images, 0)
		runtime.ReadMemStats(&after)
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("%s: err = %v, want unexpected EOF", name, err)
		}
		if got := after.TotalAlloc - before.TotalAlloc; got > 4<<20 {
			t.Errorf("%s: allocated %d bytes for a %d-byte file", name, got, len(b))
		}
	}
}

func writeFile(t *testing.T, name string, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReadFile(t *testing.T) {
	raw := file(8, []uint32{3, 28, 28}, seq(3*28*28))
	for _, name := range []string{"x-idx3-ubyte", "x-idx3-ubyte.gz"} {
		b := raw
		if strings.HasSuffix(name, ".gz") {
			b = gz(t, raw)
		}
		dims, data, err := ReadFile(writeFile(t, name, b), images, 0)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !equal(dims, []int{3, 28, 28}) || !bytes.Equal(data, raw[16:]) {
			t.Errorf("%s: wrong result: dims %v", name, dims)
		}
	}

	// A multi-member gzip stream is valid gzip (concatenated .gz files).
	multi := append(gz(t, raw[:100]), gz(t, raw[100:])...)
	if _, _, err := ReadFile(writeFile(t, "multi.gz", multi), images, 0); err != nil {
		t.Errorf("multi-member gzip: %v", err)
	}
}

func TestReadFileMalformed(t *testing.T) {
	raw := file(8, []uint32{3, 28, 28}, seq(3*28*28))
	good := gz(t, raw)

	badCRC := append([]byte{}, good...)
	badCRC[len(badCRC)-8] ^= 0xff // CRC-32 field of the trailer
	badSize := append([]byte{}, good...)
	badSize[len(badSize)-1] ^= 0x01 // ISIZE field
	corrupt := append([]byte{}, good...)
	for i := len(corrupt) / 2; i < len(corrupt)/2+20; i++ {
		corrupt[i] = 0xff
	}

	cases := []struct {
		name    string
		in      []byte
		errWant []string
		is      error
	}{
		{"empty", nil, []string{"idx: t.gz: empty file, want a gzip stream"}, nil},
		{"not gzip", raw, []string{"idx: t.gz: not a valid gzip file: gzip: invalid header"}, gzip.ErrHeader},
		{"bad checksum", badCRC, []string{"idx: t.gz: after the data: gzip: invalid checksum"}, gzip.ErrChecksum},
		{"bad size trailer", badSize, []string{"gzip: invalid checksum"}, gzip.ErrChecksum},
		{"corrupt deflate", corrupt, []string{"idx: t.gz: ", "corrupt input"}, nil},
		{"truncated stream", good[:len(good)/2], []string{"unexpected EOF"}, io.ErrUnexpectedEOF},
		{"truncated trailer", good[:len(good)-4], []string{"idx: t.gz: truncated or corrupt after the data: unexpected EOF"}, io.ErrUnexpectedEOF},
		{"garbage after the stream", append(append([]byte{}, good...), "junk!"...), []string{"truncated or corrupt after the data: unexpected EOF"}, io.ErrUnexpectedEOF},
		{"second member cut short", append(append([]byte{}, good...), good[:12]...), []string{"trailing bytes after the 2352 data bytes"}, nil},
		{"zero padding after the stream", append(append([]byte{}, good...), make([]byte, 64)...), []string{"after the data: gzip: invalid header"}, gzip.ErrHeader},
		{"data too short inside", gz(t, raw[:len(raw)-1]), []string{"truncated data: want 2352 bytes (shape [3 28 28]), got 2351"}, io.ErrUnexpectedEOF},
		{"data too long inside", gz(t, append(append([]byte{}, raw...), 1, 2)), []string{"trailing bytes after the 2352 data bytes"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := ReadFile(writeFile(t, "t.gz", tc.in), images, 0)
			if err == nil {
				t.Fatal("no error")
			}
			for _, s := range tc.errWant {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q\n  does not contain %q", err, s)
				}
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %q does not wrap %v", err, tc.is)
			}
		})
	}

	_, _, err := ReadFile(filepath.Join(t.TempDir(), "absent.gz"), images, 0)
	if !errors.Is(err, fs.ErrNotExist) || !strings.HasPrefix(err.Error(), "idx: open ") {
		t.Errorf("missing file: err = %v", err)
	}
}

// TestGzipBomb checks that decompression stops at the size limit instead
// of inflating the whole stream.
func TestGzipBomb(t *testing.T) {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	w.Write(file(8, []uint32{1000, 1000, 1000}, nil))
	zeros := make([]byte, 1<<20)
	for range 64 {
		w.Write(zeros)
	}
	w.Close()
	_, _, err := ReadFile(writeFile(t, "bomb.gz", buf.Bytes()), nil, 1<<20)
	if err == nil || !strings.Contains(err.Error(), "needs 1000000000 bytes: more than the limit of 1048576") {
		t.Fatalf("err = %v", err)
	}
}

func FuzzRead(f *testing.F) {
	f.Add(file(8, []uint32{3}, seq(3)), false, uint8(0))
	f.Add(file(8, []uint32{2, 28, 28}, seq(2*28*28)), false, uint8(1))
	f.Add(file(8, []uint32{3, 2}, seq(6)), false, uint8(2))
	f.Add(gz(f, file(8, []uint32{3}, seq(3))), true, uint8(0))
	f.Add(gz(f, file(8, []uint32{1, 28, 28}, seq(784))), true, uint8(1))
	f.Add(file(8, []uint32{0xffffffff, 0xffffffff}, nil), false, uint8(3))
	f.Add([]byte{0, 0, 8}, false, uint8(0))
	wants := [][]int{labels, images, {3, 2}, nil}
	f.Fuzz(func(t *testing.T, in []byte, compressed bool, mode uint8) {
		want := wants[int(mode)%len(wants)]
		dims, data, err := readStream(bytes.NewReader(in), "fuzz", compressed, want, 1<<16, int64(len(in)))
		if err != nil {
			if dims != nil || data != nil {
				t.Fatal("a result came with an error")
			}
			if !strings.HasPrefix(err.Error(), "idx: fuzz: ") {
				t.Fatalf("error without prefix: %v", err)
			}
			return
		}
		n := 1
		for i, d := range dims {
			if d <= 0 || (want != nil && want[i] != Any && want[i] != d) {
				t.Fatalf("dims %v do not fit want %v", dims, want)
			}
			n *= d
		}
		if n != len(data) {
			t.Fatalf("dims %v but %d bytes", dims, len(data))
		}
	})
}
