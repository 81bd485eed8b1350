package hdf5

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
)

// writerFile writes a small file with the writer: a group "g" holding a
// dataset "d" of 4 float32s.
func writerFile(t *testing.T) []byte {
	t.Helper()
	w := NewWriter()
	if _, err := w.Root().CreateDataset("g/d", []int{4}, []float32{1, 2, 3, 4}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type v1msg struct {
	off  int // file offset of the message header
	typ  uint16
	size int
}

// v1Messages lists the messages of the version 1 object header at addr.
func v1Messages(b []byte, addr uint64) []v1msg {
	size := int(binary.LittleEndian.Uint32(b[addr+8:]))
	var out []v1msg
	for off := int(addr) + 16; off < int(addr)+16+size; {
		m := v1msg{off, binary.LittleEndian.Uint16(b[off:]), int(binary.LittleEndian.Uint16(b[off+2:]))}
		out = append(out, m)
		off += 8 + m.size
	}
	return out
}

func openBytes(b []byte) (*File, error) { return Open(bytes.NewReader(b), int64(len(b))) }

// addrs returns the header addresses of /g and /g/d and g's B-tree.
func addrs(t *testing.T, b []byte) (g, d, tree uint64) {
	f, err := openBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	grp, err := f.Root().Group("g")
	if err != nil {
		t.Fatal(err)
	}
	ds, err := grp.Dataset("d")
	if err != nil {
		t.Fatal(err)
	}
	return grp.obj.hdr.addr, ds.obj.hdr.addr, binary.LittleEndian.Uint64(grp.obj.hdr.find(msgSymbolTable).data)
}

func wantFormatError(t *testing.T, err error, parts ...string) {
	t.Helper()
	var fe *FormatError
	if !errors.As(err, &fe) || !errors.Is(err, ErrFormat) {
		t.Fatalf("error %v (%T), want a *FormatError", err, err)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not mention %q", err, p)
		}
	}
}

func TestNotHDF5(t *testing.T) {
	_, err := openBytes([]byte("PK\x03\x04 this is a zip file, not HDF5"))
	wantFormatError(t, err, "no HDF5 signature")
	_, err = openBytes(nil)
	wantFormatError(t, err, "not an HDF5 file")
}

func TestTruncatedFiles(t *testing.T) {
	for _, name := range []string{"default", "latest", "many"} {
		b, err := os.ReadFile("testdata/" + name + ".h5")
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{12, 100, len(b) / 3, len(b) / 2, len(b) - 1} {
			err := readAll(b[:n])
			if err == nil {
				t.Errorf("%s cut to %d bytes: no error", name, n)
				continue
			}
			if !errors.Is(err, ErrFormat) {
				t.Errorf("%s cut to %d bytes: %v does not wrap ErrFormat", name, n, err)
			}
		}
	}
}

func TestContinuationCycle(t *testing.T) {
	b := writerFile(t)
	_, d, _ := addrs(t, b)
	// Turn the layout message into a continuation back to the header's
	// own first block.
	for _, m := range v1Messages(b, d) {
		if m.typ == msgLayout {
			binary.LittleEndian.PutUint16(b[m.off:], msgContinuation)
			binary.LittleEndian.PutUint64(b[m.off+8:], d+16)
			binary.LittleEndian.PutUint64(b[m.off+16:], uint64(binary.LittleEndian.Uint32(b[d+8:])))
		}
	}
	f, err := openBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.Lookup("g/d")
	wantFormatError(t, err, "continuation chain loops back", `"/g/d"`)
}

func TestBTreeCycle(t *testing.T) {
	b := writerFile(t)
	_, _, tree := addrs(t, b)
	b[tree+5] = 1                                      // level 1: children are B-tree nodes
	binary.LittleEndian.PutUint64(b[tree+24+8:], tree) // child 0 is the node itself
	f, err := openBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	g, err := f.Root().Group("g")
	if err != nil {
		t.Fatal(err)
	}
	_, err = g.Names()
	wantFormatError(t, err, "v1 B-tree node", fmt.Sprintf("0x%x", tree), "reached twice")
}

func TestGroupCycle(t *testing.T) {
	b := writerFile(t)
	g, d, _ := addrs(t, b)
	// Point the entry for /g/d at /g itself: g contains itself.
	// The symbol table entry is the last place the address appears.
	i := bytes.LastIndex(b, binary.LittleEndian.AppendUint64(nil, d))
	binary.LittleEndian.PutUint64(b[i:], g)
	f, err := openBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	err = f.Root().Walk(func(string, Object) error { return nil })
	wantFormatError(t, err, "cycle", `"/g/d"`)
}

func TestOutOfFileDataset(t *testing.T) {
	b := writerFile(t)
	_, d, _ := addrs(t, b)
	for _, m := range v1Messages(b, d) {
		if m.typ == msgLayout {
			binary.LittleEndian.PutUint64(b[m.off+8+2:], 1<<40)
		}
	}
	f, err := openBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.Lookup("g/d")
	wantFormatError(t, err, "contiguous dataset storage", "0x10000000000", "past the end of the file", `"/g/d"`)
}

func TestAbsurdDimensions(t *testing.T) {
	b := writerFile(t)
	_, d, _ := addrs(t, b)
	for _, m := range v1Messages(b, d) {
		if m.typ == msgDataspace {
			b[m.off+8+1] = 2 // rank 2 with the maximum-dimension slot as second dim
			binary.LittleEndian.PutUint64(b[m.off+16:], 1<<40)
			binary.LittleEndian.PutUint64(b[m.off+24:], 1<<40)
			b[m.off+8+2] = 0
		}
	}
	f, err := openBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.Lookup("g/d")
	wantFormatError(t, err, "dataspace", "[1099511627776 1099511627776]")
}

func TestDecompressionBomb(t *testing.T) {
	// 16 MiB of zeros deflates to about 16 KiB; the chunk holds 16 KiB.
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(make([]byte, 16<<20))
	zw.Close()
	payload := z.Bytes()
	f := &File{r: bytes.NewReader(payload), size: int64(len(payload)), offSize: 8, lenSize: 8, gheaps: map[uint64]*globalHeap{}}
	d := &Dataset{f: f, path: "/bomb", dt: datatype{DType: DType{Kind: Float, Size: 4}},
		space: dataspace{dims: []uint64{4096}}, n: 4096, filter: []filter{{id: 1}}}
	d.layout.class, d.layout.chunk = 2, []uint64{4096}
	var buf []byte
	_, err := d.loadChunk(chunkRef{scaled: []uint64{0}, addr: 0, size: uint64(len(payload))}, 16384, &buf)
	wantFormatError(t, err, "inflates past the chunk's 16384 bytes", `"/bomb"`)
}

func TestDeepNesting(t *testing.T) {
	w := NewWriter()
	path := strings.Repeat("a/", 1100) + "d"
	if _, err := w.Root().CreateDataset(path, []int{1}, []float32{5}); err == nil {
		t.Fatal("CreateDataset accepted a path of 1101 parts")
	}
	path = strings.Repeat("a/", 1000) + "d"
	if _, err := w.Root().CreateDataset(path, []int{1}, []float32{5}); err != nil {
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
	d, err := f.Root().Dataset(path)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := d.ReadFloat32(); err != nil || v[0] != 5 {
		t.Fatalf("ReadFloat32 = %v, %v", v, err)
	}
	if err := f.Root().Walk(func(string, Object) error { return nil }); err != nil {
		t.Fatal(err)
	}
}

func TestChecksumMismatch(t *testing.T) {
	b, err := os.ReadFile("testdata/latest.h5")
	if err != nil {
		t.Fatal(err)
	}
	b[20] ^= 1 // inside the version 3 superblock
	_, err = openBytes(b)
	wantFormatError(t, err, "superblock", "checksum")
}

func TestTypeErrors(t *testing.T) {
	f, err := OpenFile("testdata/default.h5")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := f.Root().Dataset("types/str_vlen")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.ReadFloat32(); err == nil || !strings.Contains(err.Error(), `"/types/str_vlen" holds str, not numbers`) {
		t.Errorf("ReadFloat32 of strings: %v", err)
	}
	u, err := f.Root().Dataset("types/u64")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := u.ReadInt64(); err == nil || !strings.Contains(err.Error(), "9223372036854775813, past int64") {
		t.Errorf("ReadInt64 of 2^63+5: %v", err)
	}
	if err := u.ReadFloat32Into(make([]float32, 1)); err == nil || !strings.Contains(err.Error(), "len(dst)=1, the dataset has 2") {
		t.Errorf("ReadFloat32Into short: %v", err)
	}
	if _, err := f.Root().Group("types/u64"); err == nil || !strings.Contains(err.Error(), "is a dataset") {
		t.Errorf("Group of a dataset: %v", err)
	}
	if _, err := f.Root().Dataset("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing member: %v", err)
	}
	if _, err := f.Root().Attr("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing attribute: %v", err)
	}
}

func TestOversizedLocalHeap(t *testing.T) {
	b := writerFile(t)
	i := bytes.LastIndex(b, []byte("HEAP")) // the root group's heap is written last
	binary.LittleEndian.PutUint64(b[i+8:], 1<<40)
	f, err := openBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.Root().Names()
	wantFormatError(t, err, "local heap", "1099511627776 bytes is larger than the file")
}

func TestHugeMemberCount(t *testing.T) {
	b := writerFile(t)
	i := bytes.Index(b, []byte("SNOD")) // /g's node, holding d
	binary.LittleEndian.PutUint16(b[i+6:], 60000)
	f, err := openBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	g, err := f.Root().Group("g")
	if err != nil {
		t.Fatal(err)
	}
	_, err = g.Names()
	wantFormatError(t, err, "symbol table node", "60000 entries, more than the 8", `"/g"`)
}

// TestLayoutVersion2 reads a contiguous dataset described by a version 2
// data layout message, as libhdf5 1.6 wrote them: the dimensions after
// the address are ignored and the size comes from the dataspace.
func TestLayoutVersion2(t *testing.T) {
	b := writerFile(t)
	_, d, _ := addrs(t, b)
	for _, m := range v1Messages(b, d) {
		if m.typ == msgLayout {
			p := b[m.off+8 : m.off+8+m.size]
			addr := binary.LittleEndian.Uint64(p[2:])
			clear(p)
			p[0], p[1], p[2] = 2, 2, 1 // version 2, 2 dimensions, contiguous
			binary.LittleEndian.PutUint64(p[8:], addr)
			binary.LittleEndian.PutUint32(p[16:], 4)
			binary.LittleEndian.PutUint32(p[20:], 4)
		}
	}
	f, err := openBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := f.Root().Dataset("g/d")
	if err != nil {
		t.Fatal(err)
	}
	v, err := ds.ReadFloat32()
	if err != nil || fmt.Sprint(v) != "[1 2 3 4]" {
		t.Fatalf("ReadFloat32 = %v, %v; want [1 2 3 4]", v, err)
	}
}

type failingReader struct {
	r    *bytes.Reader
	from int64
}

func (f failingReader) ReadAt(p []byte, off int64) (int, error) {
	if off >= f.from && off < f.from+16 { // the one object header at from
		return 0, errors.New("disk on fire")
	}
	return f.r.ReadAt(p, off)
}

func TestReadErrorsPropagate(t *testing.T) {
	b := writerFile(t)
	_, d, _ := addrs(t, b)
	f, err := Open(failingReader{bytes.NewReader(b), int64(d)}, int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.Lookup("g/d")
	if err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Fatalf("error %v, want the reader's", err)
	}
}

// TestRepeatedChunk lists one compressed chunk twice in a v1 B-tree chunk
// index, the start of a work-multiplying file.
func TestRepeatedChunk(t *testing.T) {
	b, err := os.ReadFile("testdata/chunked.h5")
	if err != nil {
		t.Fatal(err)
	}
	f, err := openBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	d, err := f.Root().Dataset("gzip")
	if err != nil {
		t.Fatal(err)
	}
	node := d.layout.addr
	if b[node+5] != 0 {
		t.Fatalf("the fixture's chunk B-tree has level %d, want one leaf", b[node+5])
	}
	const entry = 32 + 8 // key (size, mask, 3 offsets) and child address
	first := b[node+24 : node+24+entry]
	copy(b[node+24+entry:], first)
	f, err = openBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	d, err = f.Root().Dataset("gzip")
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.ReadFloat32()
	wantFormatError(t, err, "chunk index", "chunk [0 0] is listed twice", `"/gzip"`)
}
