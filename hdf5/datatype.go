package hdf5

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
)

// Kind is what a datatype's values are.
type Kind int

// The kinds of datatypes this package reads.
const (
	Int    Kind = iota + 1 // signed integer, 1, 2, 4 or 8 bytes
	Uint                   // unsigned integer, 1, 2, 4 or 8 bytes
	Float                  // IEEE 754 binary16, binary32 or binary64
	Bool                   // h5py's bool: an enum of int8 with FALSE=0 and TRUE=1
	String                 // fixed-length or variable-length string
)

// DType describes the datatype of a dataset or attribute as stored.
type DType struct {
	Kind      Kind
	Size      int  // bytes per element in the file; 16 for a variable-length string's heap reference
	BigEndian bool // byte order of numbers
	VarLen    bool // variable-length string, its bytes in the global heap
	UTF8      bool // string character set UTF-8 rather than ASCII
}

// String gives numpy's name for the type ("float32", "int64", "bool") with
// a ">" prefix for big-endian numbers, "|S7" for a 7-byte fixed-length
// string and "str" for a variable-length string.
func (t DType) String() string {
	var s string
	switch t.Kind {
	case Int:
		s = fmt.Sprintf("int%d", 8*t.Size)
	case Uint:
		s = fmt.Sprintf("uint%d", 8*t.Size)
	case Float:
		s = fmt.Sprintf("float%d", 8*t.Size)
	case Bool:
		return "bool"
	case String:
		if t.VarLen {
			return "str"
		}
		return fmt.Sprintf("|S%d", t.Size)
	default:
		return fmt.Sprintf("invalid(kind=%d)", int(t.Kind))
	}
	if t.BigEndian && t.Size > 1 {
		s = ">" + s
	}
	return s
}

// datatype is a decoded datatype message.
type datatype struct {
	DType
	strPad int // 0 null-terminated, 1 null-padded, 2 space-padded
}

// parseDatatype decodes a datatype message and returns it with the number
// of bytes it took.
func parseDatatype(b []byte, path string, depth int) (datatype, int, error) {
	unsup := func(what string, args ...any) error {
		return &UnsupportedError{Object: path, Feature: fmt.Sprintf(what, args...)}
	}
	bad := func(what string, args ...any) error {
		return &FormatError{Object: path, What: "datatype message", Msg: fmt.Sprintf(what, args...)}
	}
	if depth > 4 {
		return datatype{}, 0, bad("datatypes nested more than 4 deep")
	}
	if len(b) < 8 {
		return datatype{}, 0, bad("%d bytes, want at least 8", len(b))
	}
	class, version := b[0]&0x0f, b[0]>>4
	if version < 1 || version > 4 {
		return datatype{}, 0, bad("version %d, want 1 to 4", version)
	}
	bits := uint32(b[1]) | uint32(b[2])<<8 | uint32(b[3])<<16
	size := binary.LittleEndian.Uint32(b[4:])
	p := b[8:]
	var t datatype
	switch class {
	case 0: // fixed-point
		if len(p) < 4 {
			return t, 0, bad("fixed-point properties truncated")
		}
		off, prec := binary.LittleEndian.Uint16(p), binary.LittleEndian.Uint16(p[2:])
		if size != 1 && size != 2 && size != 4 && size != 8 {
			return t, 0, unsup("a %d-byte integer", size)
		}
		if off != 0 || uint32(prec) != 8*size {
			return t, 0, unsup("an integer of %d bits at bit offset %d in %d bytes", prec, off, size)
		}
		t.Kind = Uint
		if bits&0x08 != 0 {
			t.Kind = Int
		}
		t.Size = int(size)
		t.BigEndian = bits&1 != 0
		return t, 12, nil
	case 1: // floating point
		if len(p) < 12 {
			return t, 0, bad("floating-point properties truncated")
		}
		if bits&0x40 != 0 {
			return t, 0, unsup("VAX floating point")
		}
		off, prec := binary.LittleEndian.Uint16(p), binary.LittleEndian.Uint16(p[2:])
		expLoc, expSize, manLoc, manSize := p[4], p[5], p[6], p[7]
		ok := off == 0 && uint32(prec) == 8*size && manLoc == 0 && int(expLoc) == int(manSize)
		switch size {
		case 2:
			ok = ok && expSize == 5 && manSize == 10
		case 4:
			ok = ok && expSize == 8 && manSize == 23
		case 8:
			ok = ok && expSize == 11 && manSize == 52
		default:
			ok = false
		}
		if !ok {
			return t, 0, unsup("a %d-byte float with %d exponent and %d mantissa bits", size, expSize, manSize)
		}
		t.Kind, t.Size, t.BigEndian = Float, int(size), bits&1 != 0
		return t, 20, nil
	case 3: // string
		if size == 0 {
			return t, 0, bad("fixed-length string of 0 bytes")
		}
		t.Kind, t.Size = String, int(size)
		t.strPad = int(bits & 0x0f)
		t.UTF8 = (bits>>4)&0x0f == 1
		return t, 8, nil
	case 8: // enumeration
		base, n, err := parseDatatype(p, path, depth+1)
		if err != nil {
			return t, 0, err
		}
		if base.Kind != Int && base.Kind != Uint {
			return t, 0, unsup("an enumeration over %s", base.DType)
		}
		members := int(bits & 0xffff)
		q := p[n:]
		names := make([]string, 0, min(members, 64))
		for i := 0; i < members; i++ {
			z := bytes.IndexByte(q, 0)
			if z < 0 {
				return t, 0, bad("enumeration member name %d not terminated", i)
			}
			names = append(names, string(q[:z]))
			l := z + 1
			if version < 3 {
				l = (l + 7) &^ 7
			}
			if l > len(q) {
				return t, 0, bad("enumeration member names truncated")
			}
			q = q[l:]
		}
		vals := q
		if members*base.Size > len(vals) {
			return t, 0, bad("enumeration values truncated")
		}
		used := 8 + n + (len(p[n:]) - len(q)) + members*base.Size
		t.DType = base.DType
		if base.Size == 1 && members == 2 && names[0] == "FALSE" && names[1] == "TRUE" && vals[0] == 0 && vals[1] == 1 {
			t.Kind = Bool
		}
		return t, used, nil
	case 9: // variable-length
		if bits&0x0f != 1 {
			return t, 0, unsup("a variable-length sequence")
		}
		_, n, err := parseDatatype(p, path, depth+1)
		if err != nil {
			return t, 0, err
		}
		t.Kind, t.VarLen, t.Size = String, true, int(size)
		t.UTF8 = (bits>>8)&0x0f == 1
		t.strPad = int((bits >> 4) & 0x0f)
		return t, 8 + n, nil
	}
	names := map[byte]string{2: "time", 4: "bitfield", 5: "opaque", 6: "compound", 7: "reference", 10: "array", 11: "complex"}
	return t, 0, unsup("datatype class %d (%s)", class, names[class])
}

// dataspace is a decoded dataspace message: dims is nil for a scalar, and
// null is true for an empty (H5S_NULL) dataspace.
type dataspace struct {
	dims []uint64
	max  []uint64 // maximum dimensions when stored; ^0 is unlimited
	null bool
}

func parseDataspace(b []byte, path string) (dataspace, error) {
	bad := func(what string, args ...any) (dataspace, error) {
		return dataspace{}, &FormatError{Object: path, What: "dataspace message", Msg: fmt.Sprintf(what, args...)}
	}
	if len(b) < 4 {
		return bad("%d bytes, want at least 4", len(b))
	}
	version, rank, flags := b[0], int(b[1]), b[2]
	var s dataspace
	off := 0
	switch version {
	case 1:
		off = 8
	case 2:
		off = 4
		switch b[3] {
		case 0:
			if rank != 0 {
				return bad("scalar dataspace with rank %d", rank)
			}
			return s, nil
		case 1:
		case 2:
			s.null = true
			return s, nil
		default:
			return bad("dataspace type %d, want 0, 1 or 2", b[3])
		}
	default:
		return bad("version %d, want 1 or 2", version)
	}
	if rank > maxRank {
		return bad("rank %d, more than HDF5's limit of %d", rank, maxRank)
	}
	if len(b) < off+8*rank {
		return bad("%d dimensions need %d bytes, message has %d", rank, off+8*rank, len(b))
	}
	if rank == 0 {
		return s, nil
	}
	s.dims = make([]uint64, rank)
	for i := range s.dims {
		s.dims[i] = binary.LittleEndian.Uint64(b[off+8*i:])
	}
	if flags&1 != 0 && len(b) >= off+16*rank {
		s.max = make([]uint64, rank)
		for i := range s.max {
			s.max[i] = binary.LittleEndian.Uint64(b[off+8*(rank+i):])
		}
	}
	return s, nil
}

// count returns the number of elements, refusing products that overflow
// or exceed limit.
func (s dataspace) count(limit uint64, path string) (uint64, error) {
	if s.null {
		return 0, nil
	}
	n := uint64(1)
	for _, d := range s.dims {
		if d != 0 && n > limit/d {
			return 0, &FormatError{Object: path, What: "dataspace", Msg: fmt.Sprintf("dimensions %v hold more than %d elements", s.dims, limit)}
		}
		n *= d
	}
	return n, nil
}

// Decoding of stored elements into Go values.

func order(big bool) binary.ByteOrder {
	if big {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

// float16 converts an IEEE binary16 value to float32 exactly.
func float16(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	man := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f:
		return math.Float32frombits(sign | 0xff<<23 | man<<13)
	case exp == 0:
		if man == 0 {
			return math.Float32frombits(sign)
		}
		v := float32(man) / (1 << 24) // subnormal: man * 2^-24
		if sign != 0 {
			v = -v
		}
		return v
	}
	return math.Float32frombits(sign | (exp+112)<<23 | man<<13)
}

// toFloat64 decodes element i of raw.
func (t DType) float64At(raw []byte, i int) float64 {
	o := order(t.BigEndian)
	b := raw[i*t.Size:]
	switch t.Kind {
	case Float:
		switch t.Size {
		case 2:
			return float64(float16(o.Uint16(b)))
		case 4:
			return float64(math.Float32frombits(o.Uint32(b)))
		default:
			return math.Float64frombits(o.Uint64(b))
		}
	case Uint, Bool:
		return float64(t.uint64At(raw, i))
	default:
		return float64(t.int64At(raw, i))
	}
}

func (t DType) uint64At(raw []byte, i int) uint64 {
	o := order(t.BigEndian)
	b := raw[i*t.Size:]
	switch t.Size {
	case 1:
		return uint64(b[0])
	case 2:
		return uint64(o.Uint16(b))
	case 4:
		return uint64(o.Uint32(b))
	default:
		return o.Uint64(b)
	}
}

func (t DType) int64At(raw []byte, i int) int64 {
	u := t.uint64At(raw, i)
	if t.Kind == Int {
		sh := 64 - 8*uint(t.Size)
		return int64(u<<sh) >> sh
	}
	return int64(u)
}

// fixedString decodes a fixed-length string element the way h5py/numpy
// does: null-padded and null-terminated strings end at the first NUL,
// space-padded ones lose trailing spaces.
func (t datatype) fixedString(b []byte) string {
	if t.strPad == 2 {
		return strings.TrimRight(string(b), " ")
	}
	if z := bytes.IndexByte(b, 0); z >= 0 {
		b = b[:z]
	}
	return string(b)
}
