package hdf5

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// walkBTreeV1 visits every leaf entry of the version 1 B-tree at addr:
// node type 0 (group: keys are local heap offsets, children symbol table
// nodes) or 1 (chunks: keys describe the chunk each child points to, with
// ndims = dataset rank + 1 offsets). visit gets the key before each child.
func (f *File) walkBTreeV1(addr uint64, typ int, ndims int, path string, visit func(key []byte, child uint64) error) error {
	keySize := f.lenSize
	if typ == 1 {
		keySize = 8 + 8*ndims
	}
	seen := map[uint64]bool{}
	count := 0
	readBytes := uint64(0)
	var walk func(addr uint64, wantLevel int) error
	walk = func(addr uint64, wantLevel int) error {
		bad := func(msg string, args ...any) error {
			return &FormatError{Object: path, What: "v1 B-tree node", Addr: addr, Msg: fmt.Sprintf(msg, args...)}
		}
		if seen[addr] {
			return bad("node is reached twice (a cycle or shared subtree)")
		}
		seen[addr] = true
		hd, err := f.read(addr, uint64(8+2*f.offSize), "v1 B-tree node")
		if err != nil {
			return err
		}
		if !bytes.Equal(hd[:4], []byte("TREE")) {
			return bad("no TREE signature")
		}
		if int(hd[4]) != typ {
			return bad("node type %d, want %d", hd[4], typ)
		}
		level := int(hd[5])
		if wantLevel >= 0 && level != wantLevel {
			return bad("level %d under a node of level %d", level, wantLevel+1)
		}
		n := int(binary.LittleEndian.Uint16(hd[6:]))
		count += n
		if count > maxTreeRecords {
			return bad("more than %d entries in the tree", maxTreeRecords)
		}
		// Nodes of a valid tree do not overlap, so together they are no
		// larger than the file; more means nodes reused to multiply work.
		readBytes += uint64(len(hd) + n*(keySize+f.offSize) + keySize)
		if readBytes > uint64(f.size) {
			return bad("the tree's nodes add up to more than the file's %d bytes (overlapping nodes)", f.size)
		}
		body, err := f.read(addr+uint64(len(hd)), uint64(n*(keySize+f.offSize)+keySize), "v1 B-tree node")
		if err != nil {
			return err
		}
		d := &dec{b: body, f: f}
		for i := 0; i < n; i++ {
			key := d.take(keySize)
			child := d.addr()
			if level > 0 {
				if err := walk(child, level-1); err != nil {
					return err
				}
				continue
			}
			if err := visit(key, child); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(addr, -1)
}

// btree2 is the header of a version 2 B-tree.
type btree2 struct {
	f        *File
	addr     uint64
	path     string
	typ      int
	nodeSize uint64
	recSize  int
	depth    int
	root     uint64
	rootN    int
	maxNrec  []int // per depth
	cumSize  []int // bytes of a "total records in child" field, per depth
	nrecSize int   // bytes of a "records in child" field
}

func (f *File) readBTreeV2(addr uint64, path string) (*btree2, error) {
	bad := func(msg string, args ...any) error {
		return &FormatError{Object: path, What: "v2 B-tree header", Addr: addr, Msg: fmt.Sprintf(msg, args...)}
	}
	n := uint64(4 + 1 + 1 + 4 + 2 + 2 + 1 + 1 + f.offSize + 2 + f.lenSize + 4)
	b, err := f.read(addr, n, "v2 B-tree header")
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(b[:4], []byte("BTHD")) || b[4] != 0 {
		return nil, bad("no BTHD signature of version 0")
	}
	if got, want := lookup3(b[:n-4]), binary.LittleEndian.Uint32(b[n-4:]); got != want {
		return nil, bad("checksum 0x%08x does not match the stored 0x%08x", got, want)
	}
	d := &dec{b: b, off: 5, f: f}
	t := &btree2{f: f, addr: addr, path: path}
	t.typ = int(d.u8())
	t.nodeSize = uint64(d.u32())
	t.recSize = int(d.u16())
	t.depth = int(d.u16())
	d.u8()
	d.u8()
	t.root = d.addr()
	t.rootN = int(d.u16())
	if t.recSize == 0 || t.nodeSize < 10+uint64(t.recSize) || t.nodeSize > 1<<24 || t.depth > 32 {
		return nil, bad("node size %d, record size %d, depth %d are not valid", t.nodeSize, t.recSize, t.depth)
	}
	// Field widths follow libhdf5's H5B2__hdr_init.
	t.maxNrec = make([]int, t.depth+1)
	t.cumSize = make([]int, t.depth+1)
	cum := make([]uint64, t.depth+1)
	t.maxNrec[0] = int((t.nodeSize - 10) / uint64(t.recSize))
	cum[0] = uint64(t.maxNrec[0])
	t.nrecSize = encSize(uint64(t.maxNrec[0]))
	for u := 1; u <= t.depth; u++ {
		ptr := f.offSize + t.nrecSize
		if u > 1 {
			ptr += t.cumSize[u-1]
		}
		if t.nodeSize < uint64(10+ptr) {
			return nil, bad("node size %d cannot hold an internal node of depth %d", t.nodeSize, u)
		}
		t.maxNrec[u] = int((t.nodeSize - uint64(10+ptr)) / uint64(t.recSize+ptr))
		m := uint64(t.maxNrec[u])
		c := (m+1)*cum[u-1] + m
		if cum[u-1] != 0 && (c-m)/cum[u-1] != m+1 {
			c = ^uint64(0) // overflowed: the field is 8 bytes anyway
		}
		cum[u] = c
		t.cumSize[u] = encSize(c)
	}
	return t, nil
}

// encSize is libhdf5's H5VM_limit_enc_size: bytes to encode values up to v.
func encSize(v uint64) int { return log2(v)/8 + 1 }

// records visits every record of the tree.
func (t *btree2) records(visit func(rec []byte) error) error {
	f := t.f
	seen := map[uint64]bool{}
	count := 0
	readBytes := uint64(0)
	var walk func(addr uint64, depth, nrec int) error
	walk = func(addr uint64, depth, nrec int) error {
		bad := func(msg string, args ...any) error {
			return &FormatError{Object: t.path, What: "v2 B-tree node", Addr: addr, Msg: fmt.Sprintf(msg, args...)}
		}
		if seen[addr] {
			return bad("node is reached twice (a cycle or shared subtree)")
		}
		seen[addr] = true
		if nrec > t.maxNrec[depth] {
			return bad("%d records, more than the %d a node of depth %d holds", nrec, t.maxNrec[depth], depth)
		}
		count += nrec
		if count > maxTreeRecords {
			return bad("more than %d records in the tree", maxTreeRecords)
		}
		readBytes += t.nodeSize
		if readBytes > uint64(f.size) {
			return bad("the tree's nodes add up to more than the file's %d bytes (overlapping nodes)", f.size)
		}
		b, err := f.read(addr, t.nodeSize, "v2 B-tree node")
		if err != nil {
			return err
		}
		sig := "BTLF"
		if depth > 0 {
			sig = "BTIN"
		}
		if !bytes.Equal(b[:4], []byte(sig)) {
			return bad("no %s signature", sig)
		}
		if int(b[5]) != t.typ {
			return bad("record type %d, the tree's is %d", b[5], t.typ)
		}
		d := &dec{b: b, off: 6, f: f}
		recs := d.take(nrec * t.recSize)
		type child struct {
			addr uint64
			n    int
		}
		var kids []child
		if depth > 0 {
			kids = make([]child, nrec+1)
			for i := range kids {
				kids[i].addr = d.addr()
				kids[i].n = int(d.uN(t.nrecSize))
				if depth > 1 {
					d.uN(t.cumSize[depth-1])
				}
			}
		}
		end := d.off
		sum := d.u32()
		if d.bad {
			return bad("node contents run past its %d bytes", t.nodeSize)
		}
		if got := lookup3(b[:end]); got != sum {
			return bad("checksum 0x%08x does not match the stored 0x%08x", got, sum)
		}
		for i := 0; i < nrec; i++ {
			if err := visit(recs[i*t.recSize : (i+1)*t.recSize]); err != nil {
				return err
			}
		}
		for _, k := range kids {
			if err := walk(k.addr, depth-1, k.n); err != nil {
				return err
			}
		}
		return nil
	}
	if t.rootN == 0 || f.isUndef(t.root) {
		return nil
	}
	return walk(t.root, t.depth, t.rootN)
}
