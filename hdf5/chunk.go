package hdf5

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"io"
)

// chunkRef locates one stored chunk: its first element's coordinates (in
// chunk units), file address, stored size and filter mask.
type chunkRef struct {
	scaled []uint64
	addr   uint64
	size   uint64
	mask   uint32
}

func (d *Dataset) chunkBytes() uint64 {
	n := uint64(d.dt.Size)
	for _, c := range d.layout.chunk {
		n *= c
	}
	return n
}

// grid returns the number of chunks along each dimension over dims.
func (d *Dataset) grid(dims []uint64) []uint64 {
	g := make([]uint64, len(dims))
	for i, v := range dims {
		c := d.layout.chunk[i]
		g[i] = v / c
		if v%c != 0 {
			g[i]++
		}
	}
	return g
}

// maxDims is the extent the chunk index was built for: the maximum
// dimensions when they are fixed, else the current ones.
func (d *Dataset) maxDims() []uint64 {
	if d.space.max == nil {
		return d.space.dims
	}
	out := make([]uint64, len(d.space.dims))
	for i, m := range d.space.max {
		if m == ^uint64(0) {
			out[i] = d.space.dims[i]
		} else {
			out[i] = m
		}
	}
	return out
}

// product multiplies v, reporting false if the result exceeds limit.
func product(v []uint64, limit uint64) (uint64, bool) {
	n := uint64(1)
	for _, x := range v {
		if x != 0 && n > limit/x {
			return 0, false
		}
		n *= x
	}
	return n, n <= limit
}

// unscale turns a linear chunk index in row-major order over grid into
// chunk coordinates.
func unscale(i uint64, grid []uint64) []uint64 {
	s := make([]uint64, len(grid))
	for k := len(grid) - 1; k > 0; k-- {
		if grid[k] == 0 {
			return s
		}
		s[k] = i % grid[k]
		i /= grid[k]
	}
	if len(s) > 0 {
		s[0] = i // the slowest dimension does not wrap
	}
	return s
}

func (d *Dataset) readChunked(dst []byte) error {
	d.fillBytes(dst)
	if d.n == 0 {
		return nil
	}
	f := d.f
	if f.isUndef(d.layout.addr) {
		return nil // nothing written: all fill value
	}
	cb := d.chunkBytes()
	// Each chunk inside the extent is loaded once in a valid file: an index
	// repeating one (compressed) chunk could otherwise multiply the work
	// without end. A bit per chunk of the grid (at most one per element)
	// finds repeats.
	grid := d.grid(d.space.dims)
	total, ok := product(grid, 1<<40)
	if !ok {
		return &FormatError{Object: d.path, What: "chunked dataset", Msg: fmt.Sprintf("a grid of %v chunks is too large", grid)}
	}
	loaded := make([]uint64, (total+63)/64)
	var buf []byte // allocated once an unfiltered chunk is known to be in the file
	visit := func(c chunkRef) error {
		if f.isUndef(c.addr) {
			return nil
		}
		var lin uint64
		for i, s := range c.scaled {
			if s >= grid[i] {
				return nil // chunk past the current extent (dataset shrunk)
			}
			lin = lin*grid[i] + s
		}
		if loaded[lin/64]&(1<<(lin%64)) != 0 {
			return &FormatError{Object: d.path, What: "chunk index", Addr: d.layout.addr, Msg: fmt.Sprintf("chunk %v is listed twice", c.scaled)}
		}
		loaded[lin/64] |= 1 << (lin % 64)
		data, err := d.loadChunk(c, cb, &buf)
		if err != nil {
			return err
		}
		d.place(dst, data, c.scaled)
		return nil
	}
	switch d.layout.index {
	case 0:
		return d.btreeV1Chunks(visit)
	case 1:
		c := chunkRef{scaled: make([]uint64, len(d.layout.chunk)), addr: d.layout.addr, size: cb}
		if d.layout.single.filtered {
			c.size, c.mask = d.layout.single.size, d.layout.single.mask
		}
		return visit(c)
	case 2:
		grid := d.grid(d.maxDims())
		total, ok := product(grid, uint64(f.size)/cb)
		if !ok {
			return &FormatError{Object: d.path, What: "implicit chunk index", Addr: d.layout.addr, Msg: fmt.Sprintf("a grid of %v chunks of %d bytes does not fit in the file", grid, cb)}
		}
		if err := f.checkRange(d.layout.addr, total*cb, "implicit chunk index", d.path); err != nil {
			return err
		}
		for i := uint64(0); i < total; i++ {
			if err := visit(chunkRef{scaled: unscale(i, grid), addr: d.layout.addr + i*cb, size: cb}); err != nil {
				return err
			}
		}
		return nil
	case 3:
		return d.fixedArrayChunks(cb, visit)
	case 4:
		return d.extArrayChunks(cb, visit)
	case 5:
		return d.btreeV2Chunks(cb, visit)
	}
	return &FormatError{Object: d.path, What: "data layout message", Msg: fmt.Sprintf("chunk index type %d", d.layout.index)}
}

// loadChunk reads one chunk and undoes its filters, refusing any that
// would expand past the chunk's size.
func (d *Dataset) loadChunk(c chunkRef, cb uint64, bufp *[]byte) ([]byte, error) {
	f := d.f
	bad := func(msg string, args ...any) error {
		return &FormatError{Object: d.path, What: "chunk", Addr: c.addr, Msg: fmt.Sprintf(msg, args...)}
	}
	if len(d.filter) == 0 {
		if c.size < cb {
			return nil, bad("%d bytes stored, an unfiltered chunk has %d", c.size, cb)
		}
		if err := f.checkRange(c.addr, cb, "chunk", d.path); err != nil {
			return nil, err
		}
		if *bufp == nil {
			*bufp = make([]byte, cb)
		}
		buf := *bufp
		if err := f.readAt(buf, c.addr+f.base); err != nil {
			return nil, fmt.Errorf("hdf5: reading chunk of %q at 0x%x: %w", d.path, c.addr, err)
		}
		return buf, nil
	}
	if c.size > cb+uint64(64*len(d.filter))+(cb>>3)+1024 {
		return nil, bad("%d bytes stored for a chunk of %d bytes", c.size, cb)
	}
	data, err := f.read(c.addr, c.size, "chunk")
	if err != nil {
		return nil, err
	}
	limit := cb + 4*uint64(len(d.filter))
	for i := len(d.filter) - 1; i >= 0; i-- {
		if c.mask&(1<<uint(i)) != 0 {
			continue
		}
		flt := d.filter[i]
		switch flt.id {
		case 1:
			zr, err := zlib.NewReader(bytes.NewReader(data))
			if err != nil {
				return nil, bad("deflate: %v", err)
			}
			out, err := io.ReadAll(io.LimitReader(zr, int64(limit)+1))
			if err != nil {
				return nil, bad("deflate: %v", err)
			}
			if uint64(len(out)) > limit {
				return nil, bad("inflates past the chunk's %d bytes (a decompression bomb?)", cb)
			}
			data = out
		case 2:
			size := d.dt.Size
			if len(flt.params) > 0 {
				size = int(flt.params[0])
			}
			data = unshuffle(data, size)
		case 3:
			if len(data) < 4 {
				return nil, bad("fletcher32: %d bytes, no room for the checksum", len(data))
			}
			body := data[:len(data)-4]
			stored := binary.LittleEndian.Uint32(data[len(data)-4:])
			sum := fletcher32(body)
			// Files from libhdf5 before 1.6.3 stored the checksum byte-swapped.
			swapped := sum>>24 | (sum>>8)&0xff00 | (sum<<8)&0xff0000 | sum<<24
			if stored != sum && stored != swapped {
				return nil, bad("fletcher32 checksum 0x%08x does not match the stored 0x%08x", sum, stored)
			}
			data = body
		}
	}
	if uint64(len(data)) != cb {
		return nil, bad("%d bytes after filtering, the chunk has %d", len(data), cb)
	}
	return data, nil
}

func unshuffle(b []byte, size int) []byte {
	if size <= 1 || len(b) < size {
		return b
	}
	n := len(b) / size
	out := make([]byte, len(b))
	for j := 0; j < size; j++ {
		src := b[j*n : (j+1)*n]
		for i, v := range src {
			out[i*size+j] = v
		}
	}
	copy(out[n*size:], b[n*size:]) // trailing bytes are left as they are
	return out
}

// place copies the part of a chunk inside the dataset into dst.
func (d *Dataset) place(dst, chunk []byte, scaled []uint64) {
	dims, cd := d.space.dims, d.layout.chunk
	r := len(dims)
	es := uint64(d.dt.Size)
	origin := make([]uint64, r)
	extent := make([]uint64, r)
	for i := range dims {
		origin[i] = scaled[i] * cd[i]
		extent[i] = min(cd[i], dims[i]-origin[i])
	}
	row := extent[r-1] * es
	idx := make([]uint64, r) // position inside the chunk, last dim fixed at 0
	for {
		var src, off uint64
		for i := 0; i < r; i++ {
			src = src*cd[i] + idx[i]
			off = off*dims[i] + origin[i] + idx[i]
		}
		copy(dst[off*es:off*es+row], chunk[src*es:src*es+row])
		k := r - 2
		for ; k >= 0; k-- {
			idx[k]++
			if idx[k] < extent[k] {
				break
			}
			idx[k] = 0
		}
		if k < 0 {
			return
		}
	}
}

func (d *Dataset) btreeV1Chunks(visit func(chunkRef) error) error {
	r := len(d.layout.chunk)
	return d.f.walkBTreeV1(d.layout.addr, 1, r+1, d.path, func(key []byte, child uint64) error {
		c := chunkRef{addr: child, size: uint64(binary.LittleEndian.Uint32(key)), mask: binary.LittleEndian.Uint32(key[4:])}
		c.scaled = make([]uint64, r)
		for i := range c.scaled {
			off := binary.LittleEndian.Uint64(key[8+8*i:])
			if off%d.layout.chunk[i] != 0 {
				return &FormatError{Object: d.path, What: "v1 B-tree chunk key", Addr: child, Msg: fmt.Sprintf("offset %d in dimension %d is not a multiple of the chunk size %d", off, i, d.layout.chunk[i])}
			}
			c.scaled[i] = off / d.layout.chunk[i]
		}
		return visit(c)
	})
}

// decodeEntry reads one chunk index element: an address, and for filtered
// datasets a size and filter mask.
func (d *Dataset) decodeEntry(p *dec, filtered bool, sizeLen int, cb uint64) chunkRef {
	c := chunkRef{addr: p.addr(), size: cb}
	if filtered {
		c.size = p.uN(sizeLen)
		c.mask = p.u32()
	}
	return c
}

func (d *Dataset) fixedArrayChunks(cb uint64, visit func(chunkRef) error) error {
	f := d.f
	addr := d.layout.addr
	bad := func(a uint64, msg string, args ...any) error {
		return &FormatError{Object: d.path, What: "fixed array chunk index", Addr: a, Msg: fmt.Sprintf(msg, args...)}
	}
	hsize := uint64(4 + 1 + 1 + 1 + 1 + f.lenSize + f.offSize + 4)
	h, err := f.read(addr, hsize, "fixed array header")
	if err != nil {
		return err
	}
	if string(h[:4]) != "FAHD" || h[4] != 0 {
		return bad(addr, "no FAHD signature of version 0")
	}
	if lookup3(h[:hsize-4]) != binary.LittleEndian.Uint32(h[hsize-4:]) {
		return bad(addr, "header checksum mismatch")
	}
	client, esize, pageBits := h[5], int(h[6]), int(h[7])
	p := &dec{b: h, off: 8, f: f}
	nel := p.length()
	dblk := p.addr()
	filtered := client == 1
	sizeLen := esize - f.offSize - 4
	if (!filtered && esize != f.offSize) || (filtered && (sizeLen < 1 || sizeLen > 8)) || pageBits > 32 {
		return bad(addr, "element size %d for client %d, page bits %d", esize, client, pageBits)
	}
	grid := d.grid(d.maxDims())
	want, ok := product(grid, uint64(f.size)/uint64(esize))
	if !ok || nel != want {
		return bad(addr, "%d elements for a grid of %v chunks in a %d-byte file", nel, grid, f.size)
	}
	if f.isUndef(dblk) {
		return nil
	}
	pageN := uint64(1) << uint(pageBits)
	prefix := uint64(4 + 1 + 1 + f.offSize)
	var elems []byte
	if nel <= pageN {
		b, err := f.read(dblk, prefix+nel*uint64(esize)+4, "fixed array data block")
		if err != nil {
			return err
		}
		if string(b[:4]) != "FADB" {
			return bad(dblk, "no FADB signature")
		}
		if lookup3(b[:len(b)-4]) != binary.LittleEndian.Uint32(b[len(b)-4:]) {
			return bad(dblk, "data block checksum mismatch")
		}
		elems = b[prefix : len(b)-4]
	} else {
		npages := (nel + pageN - 1) / pageN
		bm := (npages + 7) / 8
		b, err := f.read(dblk, prefix+bm+4, "fixed array data block")
		if err != nil {
			return err
		}
		if string(b[:4]) != "FADB" {
			return bad(dblk, "no FADB signature")
		}
		bitmap := b[prefix : prefix+bm]
		pos := dblk + uint64(len(b))
		for pg := uint64(0); pg < npages; pg++ {
			n := min(pageN, nel-pg*pageN)
			if bitmap[pg/8]&(0x80>>(pg%8)) == 0 {
				elems = append(elems, bytes.Repeat([]byte{0xff}, int(n)*esize)...)
				pos += pageN*uint64(esize) + 4
				continue
			}
			pb, err := f.read(pos, n*uint64(esize)+4, "fixed array page")
			if err != nil {
				return err
			}
			if lookup3(pb[:len(pb)-4]) != binary.LittleEndian.Uint32(pb[len(pb)-4:]) {
				return bad(pos, "page checksum mismatch")
			}
			elems = append(elems, pb[:len(pb)-4]...)
			pos += pageN*uint64(esize) + 4
		}
	}
	p = &dec{b: elems, f: f}
	for i := uint64(0); i < nel; i++ {
		c := d.decodeEntry(p, filtered, sizeLen, cb)
		c.scaled = unscale(i, grid)
		if err := visit(c); err != nil {
			return err
		}
	}
	return nil
}

func (d *Dataset) btreeV2Chunks(cb uint64, visit func(chunkRef) error) error {
	bt, err := d.f.readBTreeV2(d.layout.addr, d.path)
	if err != nil {
		return err
	}
	r := len(d.layout.chunk)
	filtered := bt.typ == 11
	if bt.typ != 10 && bt.typ != 11 {
		return &FormatError{Object: d.path, What: "v2 B-tree header", Addr: d.layout.addr, Msg: fmt.Sprintf("record type %d for a chunk index, want 10 or 11", bt.typ)}
	}
	sizeLen := bt.recSize - d.f.offSize - 4 - 8*r
	want := d.f.offSize + 8*r
	if filtered {
		want += 4 + sizeLen
	}
	if (filtered && (sizeLen < 1 || sizeLen > 8)) || bt.recSize != want {
		return &FormatError{Object: d.path, What: "v2 B-tree header", Addr: d.layout.addr, Msg: fmt.Sprintf("record size %d for chunks of rank %d", bt.recSize, r)}
	}
	return bt.records(func(rec []byte) error {
		p := &dec{b: rec, f: d.f}
		c := d.decodeEntry(p, filtered, sizeLen, cb)
		c.scaled = make([]uint64, r)
		for i := range c.scaled {
			c.scaled[i] = p.u64()
		}
		return visit(c)
	})
}
