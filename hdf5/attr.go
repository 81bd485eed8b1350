package hdf5

import (
	"encoding/binary"
	"fmt"
	"sort"
)

// Attribute is a named value attached to a group or dataset.
//
// Value holds, for a scalar attribute (Shape nil) or an array (Shape its
// dimensions, values flattened in C order):
//
//	strings (fixed or variable length)   string   / []string
//	signed, and unsigned up to 32 bits   int64    / []int64
//	unsigned 64-bit                      uint64   / []uint64
//	floats (16, 32, 64 bits)             float64  / []float64
//	h5py bools                           bool     / []bool
//
// An attribute with an empty (null) dataspace, h5py's Empty, has Value nil.
type Attribute struct {
	Name  string
	Shape []int // nil for a scalar
	DType DType // as stored
	Value any   // decoded as in the table above
}

func (o *object) attributes() ([]Attribute, error) {
	o.once.Do(func() { o.attrs, o.err = o.readAttrs() })
	if o.err != nil {
		return nil, o.err
	}
	return append([]Attribute(nil), o.attrs...), nil
}

func (o *object) attr(name string) (any, error) {
	as, err := o.attributes()
	if err != nil {
		return nil, err
	}
	for _, a := range as {
		if a.Name == name {
			return a.Value, nil
		}
	}
	return nil, fmt.Errorf("hdf5: %q has no attribute %q: %w", o.path, name, ErrNotFound)
}

func (o *object) readAttrs() ([]Attribute, error) {
	f, h := o.f, o.hdr
	type rec struct {
		a   Attribute
		crt int64
	}
	var rs []rec
	tracked := false
	for _, m := range h.msgs {
		if m.typ != msgAttribute {
			continue
		}
		a, err := f.parseAttribute(m.data, o.path)
		if err != nil {
			return nil, err
		}
		rs = append(rs, rec{a, int64(m.crtOrder)})
	}
	if m := h.find(msgAttrInfo); m != nil {
		d := &dec{b: m.data, f: f}
		if v := d.u8(); v != 0 {
			return nil, &FormatError{Object: o.path, What: "attribute info message", Addr: h.addr, Msg: fmt.Sprintf("version %d, want 0", v)}
		}
		flags := d.u8()
		tracked = flags&1 != 0
		if flags&1 != 0 {
			d.u16()
		}
		heapAddr, nameAddr := d.addr(), d.addr()
		if d.bad {
			return nil, &FormatError{Object: o.path, What: "attribute info message", Addr: h.addr, Msg: "truncated"}
		}
		if !f.isUndef(heapAddr) {
			heap, err := f.readFractalHeap(heapAddr, o.path)
			if err != nil {
				return nil, err
			}
			bt, err := f.readBTreeV2(nameAddr, o.path)
			if err != nil {
				return nil, err
			}
			if bt.typ != 8 || bt.recSize < 17 {
				return nil, &FormatError{Object: o.path, What: "v2 B-tree header", Addr: nameAddr, Msg: fmt.Sprintf("record type %d (size %d) for an attribute name index, want type 8", bt.typ, bt.recSize)}
			}
			err = bt.records(func(r []byte) error {
				if r[8]&0x01 != 0 {
					return &UnsupportedError{Object: o.path, Feature: "a shared attribute"}
				}
				obj, err := heap.object(r[:8])
				if err != nil {
					return err
				}
				a, err := f.parseAttribute(obj, o.path)
				if err != nil {
					return err
				}
				rs = append(rs, rec{a, int64(binary.LittleEndian.Uint32(r[9:]))})
				return nil
			})
			if err != nil {
				return nil, err
			}
		}
	}
	if tracked {
		sort.SliceStable(rs, func(i, j int) bool { return rs[i].crt < rs[j].crt })
	} else {
		sort.SliceStable(rs, func(i, j int) bool { return rs[i].a.Name < rs[j].a.Name })
	}
	out := make([]Attribute, len(rs))
	for i, r := range rs {
		if i > 0 && r.a.Name == out[i-1].Name && !tracked {
			return nil, &FormatError{Object: o.path, What: "attributes", Addr: h.addr, Msg: fmt.Sprintf("attribute %q appears twice", r.a.Name)}
		}
		out[i] = r.a
	}
	return out, nil
}

// parseAttribute decodes an attribute message and its value.
func (f *File) parseAttribute(b []byte, path string) (Attribute, error) {
	bad := func(msg string, args ...any) error {
		return &FormatError{Object: path, What: "attribute message", Msg: fmt.Sprintf(msg, args...)}
	}
	if len(b) < 8 {
		return Attribute{}, bad("%d bytes, want at least 8", len(b))
	}
	version := b[0]
	flags := b[1]
	nameLen := int(binary.LittleEndian.Uint16(b[2:]))
	dtLen := int(binary.LittleEndian.Uint16(b[4:]))
	dsLen := int(binary.LittleEndian.Uint16(b[6:]))
	pad := func(n int) int { return n }
	off := 8
	switch version {
	case 1:
		pad = func(n int) int { return (n + 7) &^ 7 }
	case 2:
	case 3:
		off = 9
	default:
		return Attribute{}, bad("version %d, want 1 to 3", version)
	}
	if version > 1 && flags&0x02 != 0 {
		return Attribute{}, &UnsupportedError{Object: path, Feature: "an attribute with a shared dataspace"}
	}
	d := &dec{b: b, off: off}
	rawName := d.take(pad(nameLen))
	dt := d.take(pad(dtLen))
	ds := d.take(pad(dsLen))
	if d.bad || nameLen == 0 {
		return Attribute{}, bad("name, datatype and dataspace (%d, %d, %d bytes) do not fit its %d bytes", nameLen, dtLen, dsLen, len(b))
	}
	name := string(rawName[:nameLen])
	if name[len(name)-1] == 0 {
		name = name[:len(name)-1]
	}
	a := Attribute{Name: name}
	obj := path + " attribute " + fmt.Sprintf("%q", name)
	if version > 1 && flags&0x01 != 0 {
		var err error
		if dt, err = f.sharedMessage(dt, msgDatatype, obj); err != nil {
			return Attribute{}, err
		}
	}
	t, _, err := parseDatatype(dt, obj, 0)
	if err != nil {
		return Attribute{}, err
	}
	space, err := parseDataspace(ds, obj)
	if err != nil {
		return Attribute{}, err
	}
	a.DType = t.DType
	n, err := space.count(uint64(len(b)), obj)
	if err != nil {
		return Attribute{}, err
	}
	if space.null {
		return a, nil
	}
	raw := b[d.off:]
	if uint64(len(raw)) < n*uint64(t.Size) {
		return Attribute{}, bad("attribute %q: %d elements of %d bytes need %d bytes, the message has %d", name, n, t.Size, n*uint64(t.Size), len(raw))
	}
	if space.dims != nil {
		a.Shape = make([]int, len(space.dims))
		for i, v := range space.dims {
			a.Shape[i] = int(v)
		}
	}
	a.Value, err = f.decodeValues(t, int(n), raw, space.dims == nil, obj)
	return a, err
}

// decodeValues turns n stored elements into the Go value documented on
// Attribute.
func (f *File) decodeValues(t datatype, n int, raw []byte, scalar bool, path string) (any, error) {
	switch t.Kind {
	case String:
		s, err := f.decodeStrings(t, n, raw, path)
		if err != nil {
			return nil, err
		}
		if scalar {
			return s[0], nil
		}
		return s, nil
	case Float:
		v := make([]float64, n)
		for i := range v {
			v[i] = t.float64At(raw, i)
		}
		if scalar {
			return v[0], nil
		}
		return v, nil
	case Bool:
		v := make([]bool, n)
		for i := range v {
			v[i] = raw[i] != 0
		}
		if scalar {
			return v[0], nil
		}
		return v, nil
	case Uint:
		if t.Size == 8 {
			v := make([]uint64, n)
			for i := range v {
				v[i] = t.uint64At(raw, i)
			}
			if scalar {
				return v[0], nil
			}
			return v, nil
		}
	}
	v := make([]int64, n)
	for i := range v {
		v[i] = t.int64At(raw, i)
	}
	if scalar {
		return v[0], nil
	}
	return v, nil
}

// decodeStrings decodes n fixed-length or variable-length strings.
func (f *File) decodeStrings(t datatype, n int, raw []byte, path string) ([]string, error) {
	out := make([]string, n)
	if !t.VarLen {
		for i := range out {
			out[i] = t.fixedString(raw[i*t.Size : (i+1)*t.Size])
		}
		return out, nil
	}
	if t.Size < 8+f.offSize {
		return nil, &FormatError{Object: path, What: "datatype message", Msg: fmt.Sprintf("variable-length string reference of %d bytes, want %d", t.Size, 8+f.offSize)}
	}
	for i := range out {
		d := &dec{b: raw[i*t.Size : (i+1)*t.Size], f: f}
		length := d.u32()
		coll := d.addr()
		idx := d.u32()
		if length == 0 {
			continue
		}
		if f.isUndef(coll) || coll == 0 {
			return nil, &FormatError{Object: path, What: "variable-length string", Msg: fmt.Sprintf("element %d of length %d has no heap collection", i, length)}
		}
		obj, err := f.globalObject(coll, idx, path)
		if err != nil {
			return nil, err
		}
		if uint64(length) > uint64(len(obj)) {
			return nil, &FormatError{Object: path, What: "variable-length string", Addr: coll, Msg: fmt.Sprintf("element %d claims %d bytes, its heap object has %d", i, length, len(obj))}
		}
		out[i] = string(obj[:length])
	}
	return out, nil
}
