package hdf5

import (
	"fmt"
	"math"
	"unsafe"
)

// Dataset is an HDF5 dataset: an n-dimensional array of one datatype, read
// on demand.
type Dataset struct {
	f      *File
	path   string
	obj    object
	space  dataspace
	n      uint64 // elements
	dt     datatype
	layout layout
	filter []filter
	fill   []byte // one element of fill value; nil means zeros
}

type layout struct {
	class   int // 0 compact, 1 contiguous, 2 chunked
	version int
	addr    uint64
	size    uint64 // contiguous: bytes stored
	compact []byte
	chunk   []uint64 // chunk dimensions (dataset rank)
	index   int      // chunk index: 0 v1 B-tree, 1 single, 2 implicit, 3 fixed array, 4 extensible array, 5 v2 B-tree
	single  struct {
		filtered bool
		size     uint64
		mask     uint32
	}
}

type filter struct {
	id     uint16
	params []uint32
}

func (f *File) newDataset(path string, h *objHeader) (*Dataset, error) {
	d := &Dataset{f: f, path: path, obj: object{f: f, path: path, hdr: h}}
	bad := func(msg string, args ...any) error {
		return &FormatError{Object: path, What: "dataset", Addr: h.addr, Msg: fmt.Sprintf(msg, args...)}
	}
	get := func(typ uint16, name string) ([]byte, error) {
		m := h.find(typ)
		if m == nil {
			return nil, bad("no %s message", name)
		}
		if m.flags&0x02 != 0 {
			return f.sharedMessage(m.data, typ, path)
		}
		return m.data, nil
	}
	b, err := get(msgDataspace, "dataspace")
	if err != nil {
		return nil, err
	}
	if d.space, err = parseDataspace(b, path); err != nil {
		return nil, err
	}
	if b, err = get(msgDatatype, "datatype"); err != nil {
		return nil, err
	}
	if d.dt, _, err = parseDatatype(b, path, 0); err != nil {
		return nil, err
	}
	if d.n, err = d.space.count(1<<62/uint64(d.dt.Size), path); err != nil {
		return nil, err
	}
	if b, err = get(msgLayout, "data layout"); err != nil {
		return nil, err
	}
	if err := d.parseLayout(b); err != nil {
		return nil, err
	}
	if m := h.find(msgFilters); m != nil {
		if err := d.parseFilters(m.data); err != nil {
			return nil, err
		}
	}
	if m := h.find(msgFill); m != nil {
		d.parseFill(m.data)
	}
	// A dataset may declare any size, but reading it must not allocate more
	// than its storage could plausibly expand to.
	bytes := d.n * uint64(d.dt.Size)
	switch d.layout.class {
	case 0:
		if uint64(len(d.layout.compact)) < bytes {
			return nil, bad("compact data of %d bytes is smaller than the %d elements of %d bytes it must hold", len(d.layout.compact), d.n, d.dt.Size)
		}
	case 1:
		if !f.isUndef(d.layout.addr) {
			if d.layout.size < bytes {
				return nil, bad("contiguous storage of %d bytes is smaller than the %d elements of %d bytes it must hold", d.layout.size, d.n, d.dt.Size)
			}
			if err := f.checkRange(d.layout.addr, bytes, "contiguous dataset storage", path); err != nil {
				return nil, err
			}
		}
	case 2:
		if limit := minFillExpansion + maxExpansion*uint64(f.size); bytes > limit {
			return nil, bad("declares %d bytes of data, more than a file of %d bytes can hold even compressed (limit %d)", bytes, f.size, limit)
		}
	}
	return d, nil
}

func (d *Dataset) parseLayout(b []byte) error {
	f := d.f
	bad := func(msg string, args ...any) error {
		return &FormatError{Object: d.path, What: "data layout message", Msg: fmt.Sprintf(msg, args...)}
	}
	p := &dec{b: b, f: f}
	l := &d.layout
	l.version = int(p.u8())
	rank := len(d.space.dims)
	switch l.version {
	case 1, 2:
		nd := int(p.u8())
		l.class = int(p.u8())
		p.skip(5)
		if l.class != 0 {
			l.addr = p.addr()
		}
		if nd < 1 || nd > maxRank+1 {
			return bad("dimensionality %d", nd)
		}
		dims := make([]uint64, nd)
		for i := range dims {
			dims[i] = uint64(p.u32())
		}
		switch l.class {
		case 0:
			n := int(p.u32())
			l.compact = p.take(n)
		case 1:
			l.size = ^uint64(0)
		case 2:
			p.u32() // element size
			l.chunk = dims[:nd-1]
		}
	case 3, 4:
		l.class = int(p.u8())
		switch l.class {
		case 0:
			n := int(p.u16())
			l.compact = p.take(n)
		case 1:
			l.addr = p.addr()
			l.size = p.length()
		case 2:
			var flags uint8
			var nd int
			var dimLen int
			if l.version == 3 {
				nd = int(p.u8())
				l.addr = p.addr()
				dimLen = 4
			} else {
				flags = p.u8()
				nd = int(p.u8())
				dimLen = int(p.u8())
				if dimLen < 1 || dimLen > 8 {
					return bad("dimension size length %d", dimLen)
				}
			}
			if nd < 2 || nd > maxRank+1 {
				return bad("chunk dimensionality %d", nd)
			}
			dims := make([]uint64, nd)
			for i := range dims {
				dims[i] = p.uN(dimLen)
			}
			l.chunk = dims[:nd-1]
			if l.version == 4 {
				l.index = int(p.u8())
				switch l.index {
				case 1:
					if flags&0x02 != 0 {
						l.single.filtered = true
						l.single.size = p.length()
						l.single.mask = p.u32()
					}
				case 2:
				case 3:
					p.u8()
				case 4:
					p.skip(5)
				case 5:
					p.skip(6)
				default:
					return bad("chunk index type %d", l.index)
				}
				l.addr = p.addr()
			}
		case 3:
			return &UnsupportedError{Object: d.path, Feature: "a virtual dataset"}
		default:
			return bad("layout class %d", l.class)
		}
	default:
		return bad("version %d, want 1 to 4", l.version)
	}
	if p.bad {
		return bad("truncated")
	}
	if l.class == 2 {
		if len(l.chunk) != rank {
			return bad("chunks of rank %d for a dataset of rank %d", len(l.chunk), rank)
		}
		elems := uint64(1)
		for i, c := range l.chunk {
			if c == 0 {
				return bad("chunk dimension %d is 0", i)
			}
			if elems > (1<<32)/c {
				return bad("chunks %v hold more than 2^32 elements", l.chunk)
			}
			elems *= c
		}
		if elems*uint64(d.dt.Size) > 1<<32 {
			return bad("chunks of %d bytes, more than HDF5's 4 GiB limit", elems*uint64(d.dt.Size))
		}
	}
	if l.class > 2 {
		return bad("layout class %d", l.class)
	}
	return nil
}

func (d *Dataset) parseFilters(b []byte) error {
	bad := func(msg string, args ...any) error {
		return &FormatError{Object: d.path, What: "filter pipeline message", Msg: fmt.Sprintf(msg, args...)}
	}
	p := &dec{b: b, f: d.f}
	version := p.u8()
	n := int(p.u8())
	if version == 1 {
		p.skip(6)
	} else if version != 2 {
		return bad("version %d, want 1 or 2", version)
	}
	if n > 32 {
		return bad("%d filters, more than HDF5's 32", n)
	}
	for i := 0; i < n; i++ {
		var flt filter
		flt.id = p.u16()
		nameLen := 0
		if version == 1 || flt.id >= 256 {
			nameLen = int(p.u16())
		}
		p.u16() // flags
		nv := int(p.u16())
		if version == 1 {
			nameLen = (nameLen + 7) &^ 7
		}
		p.skip(nameLen)
		if nv > 256 {
			return bad("filter %d has %d parameters", flt.id, nv)
		}
		for j := 0; j < nv; j++ {
			flt.params = append(flt.params, p.u32())
		}
		if version == 1 && nv%2 == 1 {
			p.skip(4)
		}
		if p.bad {
			return bad("truncated")
		}
		switch flt.id {
		case 1, 2, 3:
		default:
			return &UnsupportedError{Object: d.path, Feature: fmt.Sprintf("filter %d (only deflate 1, shuffle 2 and fletcher32 3 are read)", flt.id)}
		}
		d.filter = append(d.filter, flt)
	}
	return nil
}

func (d *Dataset) parseFill(b []byte) {
	p := &dec{b: b, f: d.f}
	version := p.u8()
	var size uint32
	switch version {
	case 1, 2:
		p.u8()
		p.u8()
		defined := p.u8()
		if version == 2 && defined == 0 {
			return
		}
		size = p.u32()
	case 3:
		flags := p.u8()
		if flags&(1<<5) == 0 {
			return
		}
		size = p.u32()
	default:
		return
	}
	v := p.take(int(size))
	if !p.bad && int(size) == d.dt.Size && !d.dt.VarLen {
		d.fill = v
	}
}

// Path returns the dataset's absolute path.
func (d *Dataset) Path() string { return d.path }

// Attrs returns the dataset's attributes in h5py's order.
func (d *Dataset) Attrs() ([]Attribute, error) { return d.obj.attributes() }

// Attr returns the value of the dataset's attribute name (see Attribute).
func (d *Dataset) Attr(name string) (any, error) { return d.obj.attr(name) }

// Shape returns the dataset's dimensions; a scalar dataset has none.
func (d *Dataset) Shape() []int {
	s := make([]int, len(d.space.dims))
	for i, v := range d.space.dims {
		s[i] = int(v)
	}
	return s
}

// Len returns the number of elements (1 for a scalar dataset).
func (d *Dataset) Len() int { return int(d.n) }

// DType returns the dataset's datatype.
func (d *Dataset) DType() DType { return d.dt.DType }

// Chunks returns the chunk shape of a chunked dataset, nil otherwise.
func (d *Dataset) Chunks() []int {
	if d.layout.class != 2 {
		return nil
	}
	s := make([]int, len(d.layout.chunk))
	for i, v := range d.layout.chunk {
		s[i] = int(v)
	}
	return s
}

// ReadRaw returns the dataset's elements as stored, in C order: Len()
// elements of DType().Size bytes in the file's byte order. For a
// variable-length string dataset these are heap references; use
// ReadStrings.
func (d *Dataset) ReadRaw() ([]byte, error) {
	b := make([]byte, d.n*uint64(d.dt.Size))
	if err := d.readRaw(b); err != nil {
		return nil, err
	}
	return b, nil
}

func (d *Dataset) readRaw(dst []byte) error {
	f := d.f
	switch d.layout.class {
	case 0:
		copy(dst, d.layout.compact)
		return nil
	case 1:
		if f.isUndef(d.layout.addr) {
			d.fillBytes(dst)
			return nil
		}
		if len(dst) == 0 {
			return nil
		}
		if err := f.readAt(dst, d.layout.addr+f.base); err != nil {
			return fmt.Errorf("hdf5: reading dataset %q: %w", d.path, err)
		}
		return nil
	}
	return d.readChunked(dst)
}

func (d *Dataset) fillBytes(dst []byte) {
	if d.fill == nil {
		clear(dst)
		return
	}
	for i := 0; i+len(d.fill) <= len(dst); i += len(d.fill) {
		copy(dst[i:], d.fill)
	}
}

func (d *Dataset) checkKind(want string, kinds ...Kind) error {
	for _, k := range kinds {
		if d.dt.Kind == k {
			return nil
		}
	}
	return fmt.Errorf("hdf5: dataset %q holds %s, not %s", d.path, d.dt.DType, want)
}

// ReadFloat32 returns the elements as float32, converting from any float
// or integer type (float64 rounds to nearest, as numpy's astype).
func (d *Dataset) ReadFloat32() ([]float32, error) {
	dst := make([]float32, d.n)
	return dst, d.ReadFloat32Into(dst)
}

// ReadFloat32Into reads the elements into dst, which must have Len()
// elements. A little-endian float32 contiguous dataset is read straight
// into dst with no intermediate buffer.
func (d *Dataset) ReadFloat32Into(dst []float32) error {
	if uint64(len(dst)) != d.n {
		return fmt.Errorf("hdf5: ReadFloat32Into %q: len(dst)=%d, the dataset has %d elements", d.path, len(dst), d.n)
	}
	if err := d.checkKind("numbers", Float, Int, Uint, Bool); err != nil {
		return err
	}
	if d.dt.Kind == Float && d.dt.Size == 4 && !d.dt.BigEndian && nativeLittle {
		return d.readRaw(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(dst))), 4*len(dst)))
	}
	if d.layout.class == 1 && !d.f.isUndef(d.layout.addr) {
		// Convert a contiguous dataset through a small buffer rather than
		// a copy of all of it.
		return d.convertContiguous(dst, d.layout.addr+d.f.base)
	}
	raw, err := d.ReadRaw()
	if err != nil {
		return err
	}
	for i := range dst {
		dst[i] = float32(d.dt.float64At(raw, i))
	}
	return nil
}

// convertContiguous converts len(dst) contiguous elements stored from
// file offset off through a 64K-element buffer.
func (d *Dataset) convertContiguous(dst []float32, off uint64) error {
	const block = 1 << 16 // elements
	es := uint64(d.dt.Size)
	buf := make([]byte, min(uint64(len(dst)), block)*es)
	for start := 0; start < len(dst); start += block {
		n := min(len(dst)-start, block)
		b := buf[:uint64(n)*es]
		if err := d.f.readAt(b, off+uint64(start)*es); err != nil {
			return fmt.Errorf("hdf5: reading dataset %q: %w", d.path, err)
		}
		for i := 0; i < n; i++ {
			dst[start+i] = float32(d.dt.float64At(b, i))
		}
	}
	return nil
}

// ReadFloat32At reads the len(dst) elements that start at element start
// (in C order) into dst, converting as ReadFloat32Into does. A contiguous
// dataset is read in place, only the bytes of that range, so that parts
// of one dataset can be read at the same time from several goroutines; a
// chunked dataset (Chunks() != nil) is read whole and the range copied.
func (d *Dataset) ReadFloat32At(dst []float32, start int) error {
	if start < 0 || uint64(start) > d.n || uint64(len(dst)) > d.n-uint64(start) {
		return fmt.Errorf("hdf5: ReadFloat32At %q: elements [%d, %d) are outside the dataset's %d", d.path, start, start+len(dst), d.n)
	}
	if err := d.checkKind("numbers", Float, Int, Uint, Bool); err != nil {
		return err
	}
	if len(dst) == 0 {
		return nil
	}
	es := uint64(d.dt.Size)
	switch {
	case d.layout.class == 0 || (d.layout.class == 1 && d.f.isUndef(d.layout.addr)):
		raw, err := d.ReadRaw()
		if err != nil {
			return err
		}
		raw = raw[uint64(start)*es : (uint64(start)+uint64(len(dst)))*es]
		for i := range dst {
			dst[i] = float32(d.dt.float64At(raw, i))
		}
		return nil
	case d.layout.class == 1:
		off := d.layout.addr + d.f.base + uint64(start)*es
		if d.dt.Kind == Float && d.dt.Size == 4 && !d.dt.BigEndian && nativeLittle {
			if err := d.f.readAt(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(dst))), 4*len(dst)), off); err != nil {
				return fmt.Errorf("hdf5: reading dataset %q: %w", d.path, err)
			}
			return nil
		}
		return d.convertContiguous(dst, off)
	}
	all, err := d.ReadFloat32()
	if err != nil {
		return err
	}
	copy(dst, all[start:])
	return nil
}

// ReadFloat64 returns the elements as float64, converting from any float
// or integer type.
func (d *Dataset) ReadFloat64() ([]float64, error) {
	if err := d.checkKind("numbers", Float, Int, Uint, Bool); err != nil {
		return nil, err
	}
	raw, err := d.ReadRaw()
	if err != nil {
		return nil, err
	}
	out := make([]float64, d.n)
	for i := range out {
		out[i] = d.dt.float64At(raw, i)
	}
	return out, nil
}

// ReadInt64 returns the elements of an integer or bool dataset as int64.
// Unsigned 64-bit values above math.MaxInt64 are an error.
func (d *Dataset) ReadInt64() ([]int64, error) {
	if err := d.checkKind("integers", Int, Uint, Bool); err != nil {
		return nil, err
	}
	raw, err := d.ReadRaw()
	if err != nil {
		return nil, err
	}
	out := make([]int64, d.n)
	for i := range out {
		if d.dt.Kind == Uint && d.dt.Size == 8 {
			u := d.dt.uint64At(raw, i)
			if u > math.MaxInt64 {
				return nil, fmt.Errorf("hdf5: dataset %q element %d is %d, past int64", d.path, i, u)
			}
		}
		out[i] = d.dt.int64At(raw, i)
	}
	return out, nil
}

// ReadUint64 returns the elements of an unsigned integer or bool dataset.
func (d *Dataset) ReadUint64() ([]uint64, error) {
	if err := d.checkKind("unsigned integers", Uint, Bool); err != nil {
		return nil, err
	}
	raw, err := d.ReadRaw()
	if err != nil {
		return nil, err
	}
	out := make([]uint64, d.n)
	for i := range out {
		out[i] = d.dt.uint64At(raw, i)
	}
	return out, nil
}

// ReadStrings returns the elements of a fixed- or variable-length string
// dataset.
func (d *Dataset) ReadStrings() ([]string, error) {
	if err := d.checkKind("strings", String); err != nil {
		return nil, err
	}
	raw, err := d.ReadRaw()
	if err != nil {
		return nil, err
	}
	return d.f.decodeStrings(d.dt, int(d.n), raw, d.path)
}

var nativeLittle = func() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}()
