package hdf5

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// localHeap is the data segment of a local heap (names of an old-style
// group's members).
type localHeap struct {
	data []byte
}

func (f *File) readLocalHeap(addr uint64, path string) (*localHeap, error) {
	bad := func(msg string, args ...any) error {
		return &FormatError{Object: path, What: "local heap", Addr: addr, Msg: fmt.Sprintf(msg, args...)}
	}
	b, err := f.read(addr, uint64(8+2*f.lenSize+f.offSize), "local heap")
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(b[:4], []byte("HEAP")) || b[4] != 0 {
		return nil, bad("no HEAP signature of version 0")
	}
	d := &dec{b: b, off: 8, f: f}
	size := d.length()
	d.length() // free list head
	da := d.addr()
	if size > uint64(f.size) {
		return nil, bad("data segment of %d bytes is larger than the file", size)
	}
	data, err := f.read(da, size, "local heap data segment")
	if err != nil {
		return nil, err
	}
	return &localHeap{data: data}, nil
}

func (h *localHeap) name(off uint64, addr uint64, path string) (string, error) {
	if off >= uint64(len(h.data)) {
		return "", &FormatError{Object: path, What: "local heap", Addr: addr, Msg: fmt.Sprintf("name offset %d is past the %d-byte data segment", off, len(h.data))}
	}
	s := h.data[off:]
	z := bytes.IndexByte(s, 0)
	if z < 0 {
		return "", &FormatError{Object: path, What: "local heap", Addr: addr, Msg: fmt.Sprintf("name at offset %d is not NUL-terminated", off)}
	}
	return string(s[:z]), nil
}

// globalHeap is a parsed global heap collection: object index -> bytes.
type globalHeap struct {
	objs map[uint16][]byte
}

// globalObject returns object idx of the collection at addr (variable-length
// data: strings of vlen string datasets and attributes).
func (f *File) globalObject(addr uint64, idx uint32, path string) ([]byte, error) {
	f.mu.Lock()
	h, ok := f.gheaps[addr]
	f.mu.Unlock()
	if !ok {
		var err error
		h, err = f.readGlobalHeap(addr, path)
		if err != nil {
			return nil, err
		}
		f.mu.Lock()
		f.gheaps[addr] = h
		f.mu.Unlock()
	}
	obj, ok := h.objs[uint16(idx)]
	if !ok || idx > 0xffff {
		return nil, &FormatError{Object: path, What: "global heap collection", Addr: addr, Msg: fmt.Sprintf("no object with index %d", idx)}
	}
	return obj, nil
}

func (f *File) readGlobalHeap(addr uint64, path string) (*globalHeap, error) {
	bad := func(msg string, args ...any) error {
		return &FormatError{Object: path, What: "global heap collection", Addr: addr, Msg: fmt.Sprintf(msg, args...)}
	}
	hd, err := f.read(addr, uint64(8+f.lenSize), "global heap collection")
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(hd[:4], []byte("GCOL")) || hd[4] != 1 {
		return nil, bad("no GCOL signature of version 1")
	}
	size := (&dec{b: hd, off: 8, f: f}).length()
	if size < uint64(len(hd)) || size > uint64(f.size) {
		return nil, bad("collection size %d is out of range for a %d-byte file", size, f.size)
	}
	// libhdf5 writes collections of at least 4096 bytes but may end the
	// file early; read what the file holds.
	b, err := f.read(addr, size, "global heap collection")
	if err != nil {
		return nil, err
	}
	h := &globalHeap{objs: map[uint16][]byte{}}
	hdr := 8 + f.lenSize
	for off := len(hd); off+hdr <= len(b); {
		idx := binary.LittleEndian.Uint16(b[off:])
		d := &dec{b: b, off: off + 8, f: f}
		n := d.length()
		if idx == 0 {
			break // free space runs to the end of the collection
		}
		start := off + hdr
		if n > uint64(len(b)-start) {
			return nil, bad("object %d claims %d bytes, past the end of the collection", idx, n)
		}
		if _, dup := h.objs[idx]; dup {
			return nil, bad("object index %d appears twice", idx)
		}
		h.objs[idx] = b[start : start+int(n)]
		off = start + int((n+7)&^7)
	}
	return h, nil
}

// fractalHeap is the header of a fractal heap, the store of dense links
// and dense attributes.
type fractalHeap struct {
	f              *File
	addr           uint64
	path           string
	idLen          int
	maxManaged     uint64
	tableWidth     int
	startBlock     uint64
	maxDirect      uint64
	maxHeapBits    int
	rootAddr       uint64
	rootRows       int
	checksumDirect bool
	offBytes       int // bytes of a heap offset (in IDs and block headers)
	hugeTree       uint64
	iblocks        map[uint64][]uint64 // indirect blocks read so far
	lenBytes       int                 // bytes of a managed object's length in an ID
}

func (f *File) readFractalHeap(addr uint64, path string) (*fractalHeap, error) {
	bad := func(msg string, args ...any) error {
		return &FormatError{Object: path, What: "fractal heap header", Addr: addr, Msg: fmt.Sprintf(msg, args...)}
	}
	n := uint64(4 + 1 + 2 + 2 + 1 + 4 + 12*f.lenSize + 3*f.offSize + 2 + 2 + 2 + 2 + 4)
	b, err := f.read(addr, n, "fractal heap header")
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(b[:4], []byte("FRHP")) || b[4] != 0 {
		return nil, bad("no FRHP signature of version 0")
	}
	d := &dec{b: b, off: 5, f: f}
	h := &fractalHeap{f: f, addr: addr, path: path}
	h.idLen = int(d.u16())
	filterLen := d.u16()
	flags := d.u8()
	h.checksumDirect = flags&0x02 != 0
	h.maxManaged = uint64(d.u32())
	d.length() // next huge ID
	h.hugeTree = d.addr()
	d.length() // free space
	d.addr()   // free space manager
	d.length() // managed space
	d.length() // allocated managed space
	d.length() // direct block allocation iterator
	d.length() // managed objects
	d.length() // huge objects size
	d.length() // huge objects count
	d.length() // tiny objects size
	d.length() // tiny objects count
	h.tableWidth = int(d.u16())
	h.startBlock = d.length()
	h.maxDirect = d.length()
	h.maxHeapBits = int(d.u16())
	d.u16() // starting rows of the root indirect block
	h.rootAddr = d.addr()
	h.rootRows = int(d.u16())
	if d.bad {
		return nil, bad("header truncated")
	}
	if filterLen != 0 {
		return nil, &UnsupportedError{Object: path, Feature: "a fractal heap with I/O filters"}
	}
	if got, want := lookup3(b[:d.off]), binary.LittleEndian.Uint32(b[d.off:]); got != want {
		return nil, bad("checksum 0x%08x does not match the stored 0x%08x", got, want)
	}
	if h.tableWidth == 0 || h.tableWidth > 1<<12 || h.startBlock == 0 || h.startBlock&(h.startBlock-1) != 0 ||
		h.maxDirect < h.startBlock || h.maxDirect&(h.maxDirect-1) != 0 || h.maxHeapBits == 0 || h.maxHeapBits > 64 {
		return nil, bad("doubling table (width %d, start block %d, max direct block %d, max heap size 2^%d) is not valid",
			h.tableWidth, h.startBlock, h.maxDirect, h.maxHeapBits)
	}
	h.offBytes = (h.maxHeapBits + 7) / 8
	h.lenBytes = bytesFor(min(h.maxDirect, h.maxManaged))
	return h, nil
}

// bytesFor is the number of bytes needed to hold v.
func bytesFor(v uint64) int {
	n := 1
	for v > 0xff {
		v >>= 8
		n++
	}
	return n
}

func log2(v uint64) int {
	n := 0
	for v > 1 {
		v >>= 1
		n++
	}
	return n
}

// object returns the heap object named by id.
func (h *fractalHeap) object(id []byte) ([]byte, error) {
	bad := func(msg string, args ...any) error {
		return &FormatError{Object: h.path, What: "fractal heap", Addr: h.addr, Msg: fmt.Sprintf(msg, args...)}
	}
	if len(id) == 0 {
		return nil, bad("empty heap ID")
	}
	switch (id[0] >> 4) & 3 {
	case 0: // managed
		d := &dec{b: id, off: 1, f: h.f}
		off := d.uN(h.offBytes)
		n := d.uN(h.lenBytes)
		if d.bad {
			return nil, bad("heap ID of %d bytes is too short", len(id))
		}
		return h.managed(off, n)
	case 2: // tiny: the object is inside the ID
		n := int(id[0]&0x0f) + 1
		if 1+n > len(id) {
			return nil, bad("tiny object of %d bytes does not fit its %d-byte ID", n, len(id))
		}
		return id[1 : 1+n], nil
	case 1:
		return h.huge(id)
	}
	return nil, bad("heap ID type %d", (id[0]>>4)&3)
}

func (h *fractalHeap) rowSize(r int) uint64 {
	if r == 0 {
		return h.startBlock
	}
	return h.startBlock << uint(r-1)
}

// managed finds the direct block holding heap offset off and returns the n
// bytes there.
func (h *fractalHeap) managed(off, n uint64) ([]byte, error) {
	bad := func(msg string, args ...any) ([]byte, error) {
		return nil, &FormatError{Object: h.path, What: "fractal heap", Addr: h.addr, Msg: fmt.Sprintf(msg, args...)}
	}
	if n > h.maxDirect {
		return bad("managed object of %d bytes is larger than a direct block (%d)", n, h.maxDirect)
	}
	if h.f.isUndef(h.rootAddr) {
		return bad("object at heap offset %d in an empty heap", off)
	}
	if h.rootRows == 0 {
		return h.direct(h.rootAddr, 0, h.startBlock, off, n)
	}
	addr, rows, base := h.rootAddr, h.rootRows, uint64(0)
	maxDirectRows := log2(h.maxDirect) - log2(h.startBlock) + 2
	for {
		if rows > 64 {
			return bad("indirect block at 0x%x has %d rows", addr, rows)
		}
		kids, err := h.indirect(addr, rows)
		if err != nil {
			return nil, err
		}
		// Find the row and column covering off directly.
		rel := off - base
		pos := base
		r, c := -1, 0
		for k := 0; k < rows; k++ {
			rs := h.rowSize(k)
			if rel < rs*uint64(h.tableWidth) {
				r, c = k, int(rel/rs)
				pos += uint64(c) * rs
				break
			}
			rel -= rs * uint64(h.tableWidth)
			pos += rs * uint64(h.tableWidth)
		}
		if r < 0 {
			return bad("heap offset %d is past the heap's blocks", off)
		}
		child := kids[r*h.tableWidth+c]
		rs := h.rowSize(r)
		if h.f.isUndef(child) {
			return bad("heap offset %d falls in an unallocated block", off)
		}
		if r < min(rows, maxDirectRows) {
			return h.direct(child, pos, rs, off, n)
		}
		// An indirect child covering rs bytes has fewer rows than its parent.
		sub := log2(rs) - log2(h.startBlock*uint64(h.tableWidth)) + 1
		if sub >= rows || sub < 1 {
			return bad("indirect block at 0x%x: child of %d rows under a block of %d rows", addr, sub, rows)
		}
		addr, rows, base = child, sub, pos
	}
}

// indirect returns the child block addresses of the indirect block at
// addr, reading it once.
func (h *fractalHeap) indirect(addr uint64, rows int) ([]uint64, error) {
	if kids, ok := h.iblocks[addr]; ok && len(kids) == rows*h.tableWidth {
		return kids, nil
	}
	entries := rows * h.tableWidth
	size := uint64(5+h.f.offSize+h.offBytes) + uint64(entries*h.f.offSize) + 4
	b, err := h.f.read(addr, size, "fractal heap indirect block")
	if err != nil {
		return nil, err
	}
	bad := func(msg string, args ...any) error {
		return &FormatError{Object: h.path, What: "fractal heap indirect block", Addr: addr, Msg: fmt.Sprintf(msg, args...)}
	}
	if !bytes.Equal(b[:4], []byte("FHIB")) {
		return nil, bad("no FHIB signature")
	}
	if got, want := lookup3(b[:len(b)-4]), binary.LittleEndian.Uint32(b[len(b)-4:]); got != want {
		return nil, bad("checksum 0x%08x does not match the stored 0x%08x", got, want)
	}
	d := &dec{b: b, off: 5 + h.f.offSize + h.offBytes, f: h.f}
	kids := make([]uint64, entries)
	for i := range kids {
		kids[i] = d.addr()
	}
	if h.iblocks == nil {
		h.iblocks = map[uint64][]uint64{}
	}
	h.iblocks[addr] = kids
	return kids, nil
}

func (h *fractalHeap) direct(addr, blockOff, blockSize, off, n uint64) ([]byte, error) {
	rel := off - blockOff
	hdr := uint64(5 + h.f.offSize + h.offBytes)
	if h.checksumDirect {
		hdr += 4
	}
	if rel < hdr || rel > blockSize || n > blockSize-rel {
		return nil, &FormatError{Object: h.path, What: "fractal heap direct block", Addr: addr, Msg: fmt.Sprintf("object of %d bytes at heap offset %d does not fit the %d-byte block at heap offset %d", n, off, blockSize, blockOff)}
	}
	sig, err := h.f.read(addr, 4, "fractal heap direct block")
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(sig, []byte("FHDB")) {
		return nil, &FormatError{Object: h.path, What: "fractal heap direct block", Addr: addr, Msg: "no FHDB signature"}
	}
	return h.f.read(addr+rel, n, "fractal heap object")
}

// huge returns an object too large for the heap's blocks, stored on its
// own in the file: its address and length are in the ID itself when the ID
// is long enough, else in the heap's v2 B-tree of huge objects (record
// type 1: address, length, ID).
func (h *fractalHeap) huge(id []byte) ([]byte, error) {
	f := h.f
	if len(id)-1 >= f.offSize+f.lenSize {
		d := &dec{b: id, off: 1, f: f}
		a, n := d.addr(), d.length()
		return h.hugeRead(a, n)
	}
	want := (&dec{b: id, off: 1, f: f}).uN(min(len(id)-1, 8))
	if f.isUndef(h.hugeTree) {
		return nil, &FormatError{Object: h.path, What: "fractal heap", Addr: h.addr, Msg: fmt.Sprintf("huge object %d but no huge object B-tree", want)}
	}
	bt, err := f.readBTreeV2(h.hugeTree, h.path)
	if err != nil {
		return nil, err
	}
	if bt.typ != 1 || bt.recSize != f.offSize+2*f.lenSize {
		return nil, &UnsupportedError{Object: h.path, Feature: fmt.Sprintf("huge fractal heap objects indexed by v2 B-tree record type %d", bt.typ)}
	}
	var addr, n uint64
	found := false
	err = bt.records(func(rec []byte) error {
		d := &dec{b: rec, f: f}
		a, l, i := d.addr(), d.length(), d.length()
		if i == want && !found {
			addr, n, found = a, l, true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, &FormatError{Object: h.path, What: "fractal heap", Addr: h.hugeTree, Msg: fmt.Sprintf("no huge object with ID %d", want)}
	}
	return h.hugeRead(addr, n)
}

func (h *fractalHeap) hugeRead(addr, n uint64) ([]byte, error) {
	if n > uint64(h.f.size) {
		return nil, &FormatError{Object: h.path, What: "fractal heap huge object", Addr: addr, Msg: fmt.Sprintf("%d bytes, more than the file", n)}
	}
	return h.f.read(addr, n, "fractal heap huge object")
}
