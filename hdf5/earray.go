package hdf5

import (
	"encoding/binary"
	"fmt"
)

// extArrayChunks walks the extensible array that indexes the chunks of a
// dataset with one unlimited dimension (libver="latest"). Elements are in
// row-major chunk order with the unlimited dimension moved first, as
// libhdf5's H5VM_swizzle_coords does.
func (d *Dataset) extArrayChunks(cb uint64, visit func(chunkRef) error) error {
	f := d.f
	bad := func(a uint64, msg string, args ...any) error {
		return &FormatError{Object: d.path, What: "extensible array chunk index", Addr: a, Msg: fmt.Sprintf(msg, args...)}
	}
	check := func(b []byte, a uint64, what string) error {
		if lookup3(b[:len(b)-4]) != binary.LittleEndian.Uint32(b[len(b)-4:]) {
			return bad(a, "%s checksum mismatch", what)
		}
		return nil
	}
	addr := d.layout.addr
	hsize := uint64(12 + 6*f.lenSize + f.offSize + 4)
	h, err := f.read(addr, hsize, "extensible array header")
	if err != nil {
		return err
	}
	if string(h[:4]) != "EAHD" || h[4] != 0 {
		return bad(addr, "no EAHD signature of version 0")
	}
	if err := check(h, addr, "header"); err != nil {
		return err
	}
	client, esize := h[5], int(h[6])
	maxBits, idxElmts, minElmts, minPtrs, pageBits := int(h[7]), uint64(h[8]), uint64(h[9]), uint64(h[10]), int(h[11])
	p := &dec{b: h, off: 12 + 6*f.lenSize, f: f}
	iblock := p.addr()
	filtered := client == 1
	sizeLen := esize - f.offSize - 4
	if (!filtered && esize != f.offSize) || (filtered && (sizeLen < 1 || sizeLen > 8)) ||
		maxBits == 0 || maxBits > 64 || minElmts == 0 || minElmts&(minElmts-1) != 0 ||
		minPtrs == 0 || minPtrs&(minPtrs-1) != 0 || pageBits > 32 || log2(minElmts) > maxBits {
		return bad(addr, "parameters (element size %d, client %d, max bits %d, data block min %d, min pointers %d, page bits %d) are not valid",
			esize, client, maxBits, minElmts, minPtrs, pageBits)
	}
	if f.isUndef(iblock) {
		return nil
	}

	// The chunks to find: the grid over the current extent, unlimited
	// dimension first.
	dims := d.maxDims()
	grid := d.grid(dims)
	unlim := 0
	for i, m := range d.space.max {
		if m == ^uint64(0) {
			unlim = i
			break
		}
	}
	sw := append([]uint64{grid[unlim]}, grid[:unlim]...)
	sw = append(sw, grid[unlim+1:]...)
	total, ok := product(grid, 1<<62)
	if !ok {
		return bad(addr, "a grid of %v chunks is too large", grid)
	}
	idx := uint64(0)
	emit := func(elems []byte, n uint64) error {
		q := &dec{b: elems, f: f}
		for k := uint64(0); k < n && idx < total; k++ {
			c := d.decodeEntry(q, filtered, sizeLen, cb)
			s := unscale(idx, sw)
			c.scaled = append(append(append([]uint64{}, s[1:unlim+1]...), s[0]), s[unlim+1:]...)
			idx++
			if err := visit(c); err != nil {
				return err
			}
		}
		return nil
	}

	nsblks := 1 + maxBits - log2(minElmts)
	ibSblks := 2 * log2(minPtrs)
	ndblkAddrs := 2 * (minPtrs - 1)
	nsblkAddrs := max(0, nsblks-ibSblks)
	ibSize := uint64(6+f.offSize) + idxElmts*uint64(esize) + (ndblkAddrs+uint64(nsblkAddrs))*uint64(f.offSize) + 4
	ib, err := f.read(iblock, ibSize, "extensible array index block")
	if err != nil {
		return err
	}
	if string(ib[:4]) != "EAIB" {
		return bad(iblock, "no EAIB signature")
	}
	if err := check(ib, iblock, "index block"); err != nil {
		return err
	}
	off := 6 + f.offSize
	if err := emit(ib[off:], idxElmts); err != nil {
		return err
	}
	off += int(idxElmts) * esize
	p = &dec{b: ib, off: off, f: f}
	dblkAddrs := make([]uint64, ndblkAddrs)
	for i := range dblkAddrs {
		dblkAddrs[i] = p.addr()
	}
	sblkAddrs := make([]uint64, nsblkAddrs)
	for i := range sblkAddrs {
		sblkAddrs[i] = p.addr()
	}
	blkOffLen := (maxBits + 7) / 8
	pageN := uint64(1) << uint(pageBits)
	prefix := uint64(6+f.offSize+blkOffLen) + 4

	dataBlock := func(a, n uint64, pageInit func(pg uint64) bool) error {
		if f.isUndef(a) {
			idx += n
			return nil
		}
		if n <= pageN {
			b, err := f.read(a, prefix+n*uint64(esize), "extensible array data block")
			if err != nil {
				return err
			}
			if string(b[:4]) != "EADB" {
				return bad(a, "no EADB signature")
			}
			if err := check(b, a, "data block"); err != nil {
				return err
			}
			return emit(b[prefix-4:], n)
		}
		for pg := uint64(0); pg < n/pageN; pg++ {
			pa := a + prefix + pg*(pageN*uint64(esize)+4)
			if !pageInit(pg) {
				idx += pageN
				continue
			}
			b, err := f.read(pa, pageN*uint64(esize)+4, "extensible array data block page")
			if err != nil {
				return err
			}
			if err := check(b, pa, "data block page"); err != nil {
				return err
			}
			if err := emit(b, pageN); err != nil {
				return err
			}
		}
		return nil
	}

	di := 0
	for u := 0; u < nsblks && idx < total; u++ {
		ndblks := uint64(1) << uint(u/2)
		nel := (uint64(1) << uint((u+1)/2)) * minElmts
		if u < ibSblks {
			for k := uint64(0); k < ndblks && idx < total; k++ {
				if di >= len(dblkAddrs) {
					return bad(iblock, "index block has too few data block addresses")
				}
				if err := dataBlock(dblkAddrs[di], nel, func(uint64) bool { return true }); err != nil {
					return err
				}
				di++
			}
			continue
		}
		sa := sblkAddrs[u-ibSblks]
		if f.isUndef(sa) {
			idx += ndblks * nel
			continue
		}
		var bmLen uint64
		npages := nel / pageN
		if nel > pageN {
			bmLen = ndblks * ((npages + 7) / 8)
		}
		sbSize := uint64(6+f.offSize+blkOffLen) + bmLen + ndblks*uint64(f.offSize) + 4
		sb, err := f.read(sa, sbSize, "extensible array secondary block")
		if err != nil {
			return err
		}
		if string(sb[:4]) != "EASB" {
			return bad(sa, "no EASB signature")
		}
		if err := check(sb, sa, "secondary block"); err != nil {
			return err
		}
		bm := sb[6+f.offSize+blkOffLen : 6+f.offSize+blkOffLen+int(bmLen)]
		p := &dec{b: sb, off: 6 + f.offSize + blkOffLen + int(bmLen), f: f}
		for k := uint64(0); k < ndblks && idx < total; k++ {
			a := p.addr()
			base := k * ((npages + 7) / 8) * 8
			if err := dataBlock(a, nel, func(pg uint64) bool {
				bit := base + pg
				return bm[bit/8]&(0x80>>(bit%8)) != 0
			}); err != nil {
				return err
			}
		}
	}
	return nil
}
