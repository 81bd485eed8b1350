package hdf5

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/neuron-go/neuron/internal/atomicfile"
)

// FixedStrings is an array of fixed-length, NUL-padded ASCII strings, all
// as long as the longest: numpy's "S" dtype, as Keras's legacy h5 format
// stores layer_names and weight_names. h5py reads it back as an array of
// bytes.
type FixedStrings []string

// Writer builds an HDF5 file in memory and writes it with WriteTo or
// WriteFile. Dataset data is referenced, not copied: do not change a slice
// passed to CreateDataset before the file is written.
type Writer struct {
	root *WriterGroup
}

// WriterGroup is a group being built by a Writer.
type WriterGroup struct {
	path    string
	attrs   []wattr
	members map[string]any // *WriterGroup or *WriterDataset
}

// WriterDataset is a dataset being built by a Writer.
type WriterDataset struct {
	path  string
	shape []int
	v     wvalue
	attrs []wattr
}

type wattr struct {
	name string
	v    wvalue
}

// wvalue is an encodable value: a datatype, dimensions (nil for scalar)
// and either raw bytes or strings for the global heap.
type wvalue struct {
	dt     []byte   // datatype message
	size   int      // bytes per element
	dims   []uint64 // nil: scalar
	raw    []byte   // fixed-size elements, little-endian
	vlen   []string // variable-length strings
	utf8   bool
	refs   []vref // filled in at layout time for vlen
	stream func(w io.Writer) error
	nbytes uint64
}

type vref struct {
	coll uint64
	idx  uint32
}

// NewWriter returns an empty file: a root group with no members.
func NewWriter() *Writer {
	return &Writer{root: &WriterGroup{path: "/", members: map[string]any{}}}
}

// Root returns the root group.
func (w *Writer) Root() *WriterGroup { return w.root }

func checkMemberName(what, name string) error {
	if name == "" || name == "." || strings.Contains(name, "/") || strings.IndexByte(name, 0) >= 0 {
		return fmt.Errorf("hdf5: %s: name %q is not a valid member name (no \"/\", NUL, \".\" or empty name)", what, name)
	}
	return nil
}

// CreateGroup creates the group at path relative to g, creating missing
// intermediate groups as h5py's create_group does. It is an error if the
// final group already exists.
func (g *WriterGroup) CreateGroup(path string) (*WriterGroup, error) {
	parent, name, err := g.parentOf(path, "CreateGroup")
	if err != nil {
		return nil, err
	}
	if _, ok := parent.members[name]; ok {
		return nil, fmt.Errorf("hdf5: CreateGroup: %q already exists", parent.child(name))
	}
	sub := &WriterGroup{path: parent.child(name), members: map[string]any{}}
	parent.members[name] = sub
	return sub, nil
}

// RequireGroup returns the group at path, creating it and any missing
// intermediate groups, as h5py's require_group does.
func (g *WriterGroup) RequireGroup(path string) (*WriterGroup, error) {
	parent, name, err := g.parentOf(path, "RequireGroup")
	if err != nil {
		return nil, err
	}
	if m, ok := parent.members[name]; ok {
		sub, ok := m.(*WriterGroup)
		if !ok {
			return nil, fmt.Errorf("hdf5: RequireGroup: %q is a dataset", parent.child(name))
		}
		return sub, nil
	}
	return parent.CreateGroup(name)
}

func (g *WriterGroup) child(name string) string {
	if g.path == "/" {
		return "/" + name
	}
	return g.path + "/" + name
}

// parentOf walks path's intermediate groups (creating them) and returns
// the parent group and the last name.
func (g *WriterGroup) parentOf(path, what string) (*WriterGroup, string, error) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if path == "" || len(parts) > maxPathDepth {
		return nil, "", fmt.Errorf("hdf5: %s: path %q is not valid", what, path)
	}
	cur := g
	for i, p := range parts {
		if err := checkMemberName(what, p); err != nil {
			return nil, "", err
		}
		if i == len(parts)-1 {
			return cur, p, nil
		}
		m, ok := cur.members[p]
		if !ok {
			sub := &WriterGroup{path: cur.child(p), members: map[string]any{}}
			cur.members[p] = sub
			m = sub
		}
		next, ok := m.(*WriterGroup)
		if !ok {
			return nil, "", fmt.Errorf("hdf5: %s %q: %q is a dataset, not a group", what, path, cur.child(p))
		}
		cur = next
	}
	return cur, "", nil
}

// CreateDataset creates a contiguous dataset at path with the given shape
// (nil or empty for a scalar) holding data, which is one of []float32,
// []float64, []int8, []int16, []int32, []int64, []uint8, []uint16,
// []uint32, []uint64, []bool (h5py's bool), []string (variable-length
// UTF-8 strings), [][]byte (variable-length ASCII strings) or
// FixedStrings, with as many elements as the shape has.
func (g *WriterGroup) CreateDataset(path string, shape []int, data any) (*WriterDataset, error) {
	parent, name, err := g.parentOf(path, "CreateDataset")
	if err != nil {
		return nil, err
	}
	full := parent.child(name)
	if _, ok := parent.members[name]; ok {
		return nil, fmt.Errorf("hdf5: CreateDataset: %q already exists", full)
	}
	n := 1
	dims := make([]uint64, len(shape))
	for i, s := range shape {
		if s < 0 {
			return nil, fmt.Errorf("hdf5: CreateDataset %q: shape=%v has a negative dimension", full, shape)
		}
		if s != 0 && n > math.MaxInt32*1024/s {
			return nil, fmt.Errorf("hdf5: CreateDataset %q: shape=%v is too large", full, shape)
		}
		n *= s
		dims[i] = uint64(s)
	}
	if len(shape) == 0 {
		dims = nil
	}
	v, count, err := encodeValue(data, false)
	if err != nil {
		return nil, fmt.Errorf("hdf5: CreateDataset %q: %w", full, err)
	}
	if count != n {
		return nil, fmt.Errorf("hdf5: CreateDataset %q: data has %d elements, shape=%v needs %d", full, count, shape, n)
	}
	v.dims = dims
	d := &WriterDataset{path: full, shape: append([]int(nil), shape...), v: v}
	parent.members[name] = d
	return d, nil
}

// SetAttr sets the group's attribute name to value (replacing any earlier
// value). See (*WriterDataset).SetAttr for the accepted types.
func (g *WriterGroup) SetAttr(name string, value any) error {
	return setAttr(&g.attrs, g.path, name, value)
}

// SetAttr sets the dataset's attribute name to value, one of: string
// (variable-length UTF-8, h5py's str), []byte (variable-length ASCII,
// h5py's bytes), []string, [][]byte (variable-length ASCII strings,
// h5py's list of bytes), FixedStrings, bool, int, int32, int64, uint8,
// float32, float64, or slices of the numbers and bools (one-dimensional
// arrays). Attributes live in the object header, which libhdf5 limits to
// messages of 64 KiB: split longer values, as Keras does.
func (d *WriterDataset) SetAttr(name string, value any) error {
	return setAttr(&d.attrs, d.path, name, value)
}

func setAttr(list *[]wattr, path, name string, value any) error {
	if name == "" || strings.IndexByte(name, 0) >= 0 {
		return fmt.Errorf("hdf5: SetAttr on %q: name %q is not valid", path, name)
	}
	v, n, err := encodeValue(value, true)
	if err != nil {
		return fmt.Errorf("hdf5: SetAttr %q on %q: %w", name, path, err)
	}
	if v.dims != nil {
		v.dims = []uint64{uint64(n)}
	}
	if size := uint64(len(name)+1) + uint64(len(v.dt)) + 32 + v.nbytes; size > 64000 {
		return fmt.Errorf("hdf5: SetAttr %q on %q: the value takes %d bytes; an attribute in an object header holds at most 64000", name, path, size)
	}
	for i := range *list {
		if (*list)[i].name == name {
			(*list)[i].v = v
			return nil
		}
	}
	*list = append(*list, wattr{name, v})
	return nil
}

// Datatype messages, as libhdf5 encodes its native types.
func intType(size int, signed bool) []byte {
	b := make([]byte, 12)
	b[0] = 0x10
	if signed {
		b[1] = 0x08
	}
	binary.LittleEndian.PutUint32(b[4:], uint32(size))
	binary.LittleEndian.PutUint16(b[10:], uint16(8*size))
	return b
}

func floatType(size int) []byte {
	b := make([]byte, 20)
	b[0] = 0x11
	binary.LittleEndian.PutUint32(b[4:], uint32(size))
	binary.LittleEndian.PutUint16(b[10:], uint16(8*size))
	if size == 4 {
		b[1], b[2] = 0x20, 31
		b[12], b[13], b[14], b[15] = 23, 8, 0, 23
		binary.LittleEndian.PutUint32(b[16:], 127)
	} else {
		b[1], b[2] = 0x20, 63
		b[12], b[13], b[14], b[15] = 52, 11, 0, 52
		binary.LittleEndian.PutUint32(b[16:], 1023)
	}
	return b
}

func boolType() []byte {
	b := []byte{0x18, 2, 0, 0, 1, 0, 0, 0}
	b = append(b, intType(1, true)...)
	b = append(b, "FALSE\x00\x00\x00TRUE\x00\x00\x00\x00"...)
	return append(b, 0, 1)
}

func vlenStringType(utf bool) []byte {
	b := []byte{0x19, 0x01, 0, 0, 16, 0, 0, 0}
	if utf {
		b[2] = 0x01
	}
	return append(b, intType(1, false)...)
}

func fixedStringType(size int) []byte {
	b := []byte{0x13, 0x01, 0, 0, 0, 0, 0, 0} // NUL-padded ASCII, as numpy "S"
	binary.LittleEndian.PutUint32(b[4:], uint32(size))
	return b
}

// encodeValue turns a Go value into a wvalue and its element count. Slices
// get dims (set by the caller), scalars none.
func encodeValue(data any, attr bool) (wvalue, int, error) {
	var v wvalue
	le := binary.LittleEndian
	arr := true
	num := func(dt []byte, size, n int, put func(b []byte, i int)) (wvalue, int, error) {
		v.dt, v.size = dt, size
		v.raw = make([]byte, n*size)
		for i := 0; i < n; i++ {
			put(v.raw[i*size:], i)
		}
		v.nbytes = uint64(len(v.raw))
		if arr {
			v.dims = []uint64{uint64(n)}
		}
		return v, n, nil
	}
	switch x := data.(type) {
	case []float32:
		if !attr && nativeLittle {
			// Written straight from the caller's slice.
			v.dt, v.size, v.nbytes = floatType(4), 4, uint64(4*len(x))
			v.stream = func(w io.Writer) error {
				_, err := w.Write(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(x))), 4*len(x)))
				return err
			}
			v.dims = []uint64{uint64(len(x))}
			return v, len(x), nil
		}
		return num(floatType(4), 4, len(x), func(b []byte, i int) { le.PutUint32(b, math.Float32bits(x[i])) })
	case []float64:
		return num(floatType(8), 8, len(x), func(b []byte, i int) { le.PutUint64(b, math.Float64bits(x[i])) })
	case []int8:
		return num(intType(1, true), 1, len(x), func(b []byte, i int) { b[0] = byte(x[i]) })
	case []int16:
		return num(intType(2, true), 2, len(x), func(b []byte, i int) { le.PutUint16(b, uint16(x[i])) })
	case []int32:
		return num(intType(4, true), 4, len(x), func(b []byte, i int) { le.PutUint32(b, uint32(x[i])) })
	case []int64:
		return num(intType(8, true), 8, len(x), func(b []byte, i int) { le.PutUint64(b, uint64(x[i])) })
	case []int:
		return num(intType(8, true), 8, len(x), func(b []byte, i int) { le.PutUint64(b, uint64(x[i])) })
	case []uint8:
		if attr {
			// An attribute of []byte is h5py's bytes: a variable-length ASCII string.
			v.dt, v.size, v.vlen = vlenStringType(false), 16, []string{string(x)}
			v.nbytes = 16
			return v, 1, nil
		}
		return num(intType(1, false), 1, len(x), func(b []byte, i int) { b[0] = x[i] })
	case []uint16:
		return num(intType(2, false), 2, len(x), func(b []byte, i int) { le.PutUint16(b, x[i]) })
	case []uint32:
		return num(intType(4, false), 4, len(x), func(b []byte, i int) { le.PutUint32(b, x[i]) })
	case []uint64:
		return num(intType(8, false), 8, len(x), func(b []byte, i int) { le.PutUint64(b, x[i]) })
	case []bool:
		return num(boolType(), 1, len(x), func(b []byte, i int) {
			if x[i] {
				b[0] = 1
			}
		})
	case []string:
		for i, s := range x {
			if !utf8.ValidString(s) {
				return v, 0, fmt.Errorf("element %d (%q) is not valid UTF-8", i, s)
			}
		}
		v.dt, v.size, v.vlen, v.utf8 = vlenStringType(true), 16, x, true
		v.nbytes = uint64(16 * len(x))
		v.dims = []uint64{uint64(len(x))}
		return v, len(x), nil
	case [][]byte:
		// h5py's list of bytes: variable-length ASCII strings.
		l := make([]string, len(x))
		for i, b := range x {
			l[i] = string(b)
		}
		v.dt, v.size, v.vlen = vlenStringType(false), 16, l
		v.nbytes = uint64(16 * len(x))
		v.dims = []uint64{uint64(len(x))}
		return v, len(x), nil
	case FixedStrings:
		size := 1
		for i, s := range x {
			if strings.IndexByte(s, 0) >= 0 {
				return v, 0, fmt.Errorf("FixedStrings element %d (%q) contains NUL", i, s)
			}
			size = max(size, len(s))
		}
		return num(fixedStringType(size), size, len(x), func(b []byte, i int) { copy(b, x[i]) })
	}
	if !attr {
		return v, 0, fmt.Errorf("data of type %T is not one of the supported slice types", data)
	}
	arr = false
	switch x := data.(type) {
	case string:
		if !utf8.ValidString(x) {
			return v, 0, fmt.Errorf("string %q is not valid UTF-8", x)
		}
		v.dt, v.size, v.vlen, v.utf8, v.nbytes = vlenStringType(true), 16, []string{x}, true, 16
		return v, 1, nil
	case bool:
		return num(boolType(), 1, 1, func(b []byte, _ int) {
			if x {
				b[0] = 1
			}
		})
	case int:
		return num(intType(8, true), 8, 1, func(b []byte, _ int) { le.PutUint64(b, uint64(x)) })
	case int64:
		return num(intType(8, true), 8, 1, func(b []byte, _ int) { le.PutUint64(b, uint64(x)) })
	case int32:
		return num(intType(4, true), 4, 1, func(b []byte, _ int) { le.PutUint32(b, uint32(x)) })
	case uint8:
		return num(intType(1, false), 1, 1, func(b []byte, _ int) { b[0] = x })
	case float32:
		return num(floatType(4), 4, 1, func(b []byte, _ int) { le.PutUint32(b, math.Float32bits(x)) })
	case float64:
		return num(floatType(8), 8, 1, func(b []byte, _ int) { le.PutUint64(b, math.Float64bits(x)) })
	}
	return v, 0, fmt.Errorf("value of type %T is not one of the supported attribute types", data)
}

// Layout constants of the written file (libhdf5's defaults).
const (
	wLeafK     = 4  // symbol table nodes hold 2K = 8 entries
	wInternalK = 16 // group B-tree nodes hold 2K = 32 children
	wSnodSize  = 8 + 2*wLeafK*40
	wTreeSize  = 24 + (2*wInternalK+1)*8 + 2*wInternalK*8
	undefAddr  = ^uint64(0)
)

// WriteFile writes the file to path atomically: a reader sees the old file
// or the complete new one, never a partial write.
func (w *Writer) WriteFile(path string) error {
	return atomicfile.WriteFile(path, func(out io.Writer) error {
		_, err := w.WriteTo(out)
		return err
	}, 0o644)
}

// WriteTo writes the file to out: superblock version 0, variable-length
// strings in global heap collections, dataset data, then the groups and
// object headers.
func (w *Writer) WriteTo(out io.Writer) (int64, error) {
	// Walk in a fixed order: members sorted by name.
	var groups []*WriterGroup
	var datasets []*WriterDataset
	var walk func(g *WriterGroup)
	walk = func(g *WriterGroup) {
		groups = append(groups, g)
		for _, name := range sortedNames(g.members) {
			switch m := g.members[name].(type) {
			case *WriterGroup:
				walk(m)
			case *WriterDataset:
				datasets = append(datasets, m)
			}
		}
	}
	walk(w.root)

	// Variable-length strings go into global heap collections right after
	// the superblock.
	pos := uint64(96)
	var heaps [][]byte
	var cur []byte
	var curAddr uint64
	nobj := 0
	flush := func() {
		if cur == nil {
			return
		}
		// Pad to libhdf5's minimum collection size, the rest as free space.
		size := max(4096, (len(cur)+16+7)&^7)
		free := size - len(cur)
		for len(cur) < size {
			cur = append(cur, 0)
		}
		if free >= 16 {
			binary.LittleEndian.PutUint64(cur[len(cur)-free+8:], uint64(free))
		}
		binary.LittleEndian.PutUint64(cur[8:], uint64(size))
		heaps = append(heaps, cur)
		pos += uint64(size)
		cur = nil
	}
	addStrings := func(v *wvalue) {
		v.refs = make([]vref, len(v.vlen))
		for i, s := range v.vlen {
			need := 16 + (len(s)+7)&^7
			if cur != nil && (nobj == 0xffff || len(cur)+need+16 > max(4096, 1<<20)) {
				flush()
			}
			if cur == nil {
				curAddr = pos
				cur = append([]byte("GCOL\x01\x00\x00\x00"), make([]byte, 8)...)
				nobj = 0
			}
			nobj++
			hdr := make([]byte, 16)
			binary.LittleEndian.PutUint16(hdr, uint16(nobj))
			binary.LittleEndian.PutUint16(hdr[2:], 1)
			binary.LittleEndian.PutUint64(hdr[8:], uint64(len(s)))
			cur = append(cur, hdr...)
			cur = append(cur, s...)
			for len(cur)%8 != 0 {
				cur = append(cur, 0)
			}
			v.refs[i] = vref{curAddr, uint32(nobj)}
		}
		v.raw = make([]byte, 16*len(v.vlen))
		for i, s := range v.vlen {
			binary.LittleEndian.PutUint32(v.raw[16*i:], uint32(len(s)))
			binary.LittleEndian.PutUint64(v.raw[16*i+4:], v.refs[i].coll)
			binary.LittleEndian.PutUint32(v.raw[16*i+12:], v.refs[i].idx)
		}
	}
	for _, g := range groups {
		for i := range g.attrs {
			if g.attrs[i].v.vlen != nil {
				addStrings(&g.attrs[i].v)
			}
		}
	}
	for _, d := range datasets {
		for i := range d.attrs {
			if d.attrs[i].v.vlen != nil {
				addStrings(&d.attrs[i].v)
			}
		}
		if d.v.vlen != nil {
			addStrings(&d.v)
		}
	}
	flush()

	// Dataset data, each aligned to 16 bytes.
	daddr := map[*WriterDataset]uint64{}
	for _, d := range datasets {
		if d.v.nbytes == 0 {
			continue
		}
		pos = (pos + 15) &^ 15
		daddr[d] = pos
		pos += d.v.nbytes
	}
	metaBase := (pos + 7) &^ 7

	// Metadata, children before parents so that addresses are known.
	m := &metaBuf{base: metaBase}
	rootAddr, rootTree, rootHeap := m.group(w.root, daddr)
	eof := metaBase + uint64(len(m.b))

	sb := make([]byte, 96)
	copy(sb, signature)
	sb[13], sb[14] = 8, 8
	binary.LittleEndian.PutUint16(sb[16:], wLeafK)
	binary.LittleEndian.PutUint16(sb[18:], wInternalK)
	le := binary.LittleEndian
	le.PutUint64(sb[24:], 0)
	le.PutUint64(sb[32:], undefAddr)
	le.PutUint64(sb[40:], eof)
	le.PutUint64(sb[48:], undefAddr)
	le.PutUint64(sb[56:], 0)
	le.PutUint64(sb[64:], rootAddr)
	le.PutUint32(sb[72:], 1)
	le.PutUint64(sb[80:], rootTree)
	le.PutUint64(sb[88:], rootHeap)

	cw := &countWriter{w: out}
	cw.write(sb)
	for _, h := range heaps {
		cw.write(h)
	}
	for _, d := range datasets {
		if d.v.nbytes == 0 {
			continue
		}
		cw.pad(daddr[d])
		if cw.err == nil {
			if d.v.stream != nil {
				cw.err = d.v.stream(cw)
			} else {
				cw.write(d.v.raw)
			}
		}
	}
	cw.pad(metaBase)
	cw.write(m.b)
	return cw.n, cw.err
}

func sortedNames(m map[string]any) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

type countWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *countWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.err = err
	return n, err
}

func (c *countWriter) write(p []byte) { c.Write(p) }

func (c *countWriter) pad(to uint64) {
	if c.err == nil && uint64(c.n) < to {
		c.write(make([]byte, to-uint64(c.n)))
	}
}

// metaBuf accumulates metadata at file address base+len(b).
type metaBuf struct {
	base uint64
	b    []byte
}

// alloc reserves n zero bytes, 8-aligned, and returns their address and
// a closure giving the current slice (m.b moves as it grows).
func (m *metaBuf) alloc(n int) (uint64, func() []byte) {
	for len(m.b)%8 != 0 {
		m.b = append(m.b, 0)
	}
	a := m.base + uint64(len(m.b))
	m.b = append(m.b, make([]byte, n)...)
	off := int(a - m.base)
	return a, func() []byte { return m.b[off : off+n] }
}

// header writes a version 1 object header holding msgs (type, flags, data).
func (m *metaBuf) header(msgs []hmsg) uint64 {
	size := 0
	for _, h := range msgs {
		size += 8 + (len(h.data)+7)&^7
	}
	a, buf := m.alloc(16 + size)
	b := buf()
	b[0] = 1
	binary.LittleEndian.PutUint16(b[2:], uint16(len(msgs)))
	binary.LittleEndian.PutUint32(b[4:], 1)
	binary.LittleEndian.PutUint32(b[8:], uint32(size))
	off := 16
	for _, h := range msgs {
		n := (len(h.data) + 7) &^ 7
		binary.LittleEndian.PutUint16(b[off:], h.typ)
		binary.LittleEndian.PutUint16(b[off+2:], uint16(n))
		b[off+4] = h.flags
		copy(b[off+8:], h.data)
		off += 8 + n
	}
	return a
}

type hmsg struct {
	typ   uint16
	flags uint8
	data  []byte
}

func pad8(b []byte) []byte {
	for len(b)%8 != 0 {
		b = append(b, 0)
	}
	return b
}

func dataspaceMsg(dims []uint64) []byte {
	b := []byte{1, byte(len(dims)), 0, 0, 0, 0, 0, 0}
	if len(dims) > 0 {
		b[2] = 1 // maximum dimensions stored, equal to the dimensions
	}
	for _, d := range dims {
		b = binary.LittleEndian.AppendUint64(b, d)
	}
	for _, d := range dims {
		b = binary.LittleEndian.AppendUint64(b, d)
	}
	return b
}

func attrMsgs(attrs []wattr) []hmsg {
	var out []hmsg
	for _, a := range attrs {
		name := append([]byte(a.name), 0)
		ds := dataspaceMsg(a.v.dims)
		b := []byte{1, 0, 0, 0, 0, 0, 0, 0}
		binary.LittleEndian.PutUint16(b[2:], uint16(len(name)))
		binary.LittleEndian.PutUint16(b[4:], uint16(len(a.v.dt)))
		binary.LittleEndian.PutUint16(b[6:], uint16(len(ds)))
		b = append(b, pad8(name)...)
		b = append(b, pad8(append([]byte(nil), a.v.dt...))...)
		b = append(b, pad8(ds)...)
		b = append(b, a.v.raw...)
		out = append(out, hmsg{typ: msgAttribute, data: b})
	}
	return out
}

func (m *metaBuf) dataset(d *WriterDataset, addr uint64) uint64 {
	fill := []byte{2, 2, 2, 1, 0, 0, 0, 0}
	if d.v.vlen != nil {
		fill[2] = 0
	}
	layout := []byte{3, 1}
	if d.v.nbytes == 0 {
		addr = undefAddr
	}
	layout = binary.LittleEndian.AppendUint64(layout, addr)
	layout = binary.LittleEndian.AppendUint64(layout, d.v.nbytes)
	msgs := []hmsg{
		{typ: msgDataspace, data: dataspaceMsg(d.v.dims)},
		{typ: msgDatatype, flags: 1, data: d.v.dt},
		{typ: msgFill, flags: 1, data: fill},
		{typ: msgLayout, data: layout},
	}
	return m.header(append(msgs, attrMsgs(d.attrs)...))
}

// group writes g's members, local heap, symbol table nodes, B-tree and
// object header, and returns the header, B-tree and heap addresses.
func (m *metaBuf) group(g *WriterGroup, daddr map[*WriterDataset]uint64) (hdr, tree, heap uint64) {
	type entry struct {
		name       string
		addr       uint64
		tree, heap uint64
		isGroup    bool
		nameOff    uint64
	}
	names := sortedNames(g.members)
	entries := make([]entry, len(names))
	for i, name := range names {
		e := entry{name: name}
		switch c := g.members[name].(type) {
		case *WriterGroup:
			e.addr, e.tree, e.heap = m.group(c, daddr)
			e.isGroup = true
		case *WriterDataset:
			e.addr = m.dataset(c, daddr[c])
		}
		entries[i] = e
	}
	// Local heap: offset 0 is the empty string, then each name, 8-aligned.
	data := make([]byte, 8)
	for i := range entries {
		entries[i].nameOff = uint64(len(data))
		data = pad8(append(append(data, entries[i].name...), 0))
	}
	heap, hbuf := m.alloc(32)
	daddr2, dbuf := m.alloc(len(data))
	copy(dbuf(), data)
	hb := hbuf()
	copy(hb, "HEAP")
	binary.LittleEndian.PutUint64(hb[8:], uint64(len(data)))
	binary.LittleEndian.PutUint64(hb[16:], 1) // H5HL_FREE_NULL: no free block
	binary.LittleEndian.PutUint64(hb[24:], daddr2)

	// Symbol table nodes of up to 2K entries.
	type child struct {
		addr    uint64
		lastKey uint64
	}
	var level []child
	for i := 0; i < len(entries); i += 2 * wLeafK {
		chunk := entries[i:min(len(entries), i+2*wLeafK)]
		a, buf := m.alloc(wSnodSize)
		b := buf()
		copy(b, "SNOD")
		b[4] = 1
		binary.LittleEndian.PutUint16(b[6:], uint16(len(chunk)))
		for j, e := range chunk {
			o := 8 + 40*j
			binary.LittleEndian.PutUint64(b[o:], e.nameOff)
			binary.LittleEndian.PutUint64(b[o+8:], e.addr)
			if e.isGroup {
				binary.LittleEndian.PutUint32(b[o+16:], 1)
				binary.LittleEndian.PutUint64(b[o+24:], e.tree)
				binary.LittleEndian.PutUint64(b[o+32:], e.heap)
			}
		}
		level = append(level, child{a, chunk[len(chunk)-1].nameOff})
	}
	// B-tree levels, leaves first, until one root node remains.
	for lv := 0; ; lv++ {
		var next []child
		var addrs []uint64
		var bufs []func() []byte
		for i := 0; i == 0 || i < len(level); i += 2 * wInternalK {
			kids := level[i:min(len(level), i+2*wInternalK)]
			a, buf := m.alloc(wTreeSize)
			b := buf()
			copy(b, "TREE")
			b[5] = byte(lv)
			binary.LittleEndian.PutUint16(b[6:], uint16(len(kids)))
			off := 24
			// key 0 is the empty name (or the first key of the first child);
			// key i+1 is the last name under child i.
			binary.LittleEndian.PutUint64(b[off:], 0)
			for _, k := range kids {
				binary.LittleEndian.PutUint64(b[off+8:], k.addr)
				binary.LittleEndian.PutUint64(b[off+16:], k.lastKey)
				off += 16
			}
			last := uint64(0)
			if len(kids) > 0 {
				last = kids[len(kids)-1].lastKey
			}
			next = append(next, child{a, last})
			addrs = append(addrs, a)
			bufs = append(bufs, buf)
		}
		for i, buf := range bufs {
			b := buf()
			left, right := undefAddr, undefAddr
			if i > 0 {
				left = addrs[i-1]
			}
			if i+1 < len(addrs) {
				right = addrs[i+1]
			}
			binary.LittleEndian.PutUint64(b[8:], left)
			binary.LittleEndian.PutUint64(b[16:], right)
		}
		if len(next) == 1 {
			tree = next[0].addr
			break
		}
		level = next
	}
	stab := binary.LittleEndian.AppendUint64(nil, tree)
	stab = binary.LittleEndian.AppendUint64(stab, heap)
	msgs := []hmsg{{typ: msgSymbolTable, data: stab}}
	hdr = m.header(append(msgs, attrMsgs(g.attrs)...))
	return hdr, tree, heap
}
