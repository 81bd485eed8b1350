package hdf5

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// Header message types used here (HDF5 file format specification, IV.A.2).
const (
	msgNil          = 0x00
	msgDataspace    = 0x01
	msgLinkInfo     = 0x02
	msgDatatype     = 0x03
	msgFillOld      = 0x04
	msgFill         = 0x05
	msgLink         = 0x06
	msgLayout       = 0x08
	msgFilters      = 0x0B
	msgAttribute    = 0x0C
	msgContinuation = 0x10
	msgSymbolTable  = 0x11
	msgAttrInfo     = 0x15
)

type message struct {
	typ      uint16
	flags    uint8
	crtOrder int // creation order from a v2 header, -1 when not stored
	data     []byte
}

type objHeader struct {
	addr    uint64
	version int
	msgs    []message
}

func (h *objHeader) find(typ uint16) *message {
	for i := range h.msgs {
		if h.msgs[i].typ == typ {
			return &h.msgs[i]
		}
	}
	return nil
}

// readObjHeader reads the object header at addr with every continuation
// block. path names the object in errors.
func (f *File) readObjHeader(addr uint64, path string) (*objHeader, error) {
	bad := func(a uint64, msg string, args ...any) error {
		return &FormatError{Object: path, What: "object header", Addr: a, Msg: fmt.Sprintf(msg, args...)}
	}
	if f.isUndef(addr) {
		return nil, bad(addr, "undefined address")
	}
	if addr+f.base >= uint64(f.size) || addr+f.base < addr {
		return nil, bad(addr, "address is past the end of the file (%d bytes)", f.size)
	}
	pre, err := f.read(addr, min(16, uint64(f.size)-min(uint64(f.size), addr+f.base)), "object header")
	if err != nil {
		return nil, err
	}
	h := &objHeader{addr: addr}
	type chunk struct{ addr, size uint64 }
	var queue []chunk
	seen := map[uint64]bool{addr: true}
	total := uint64(0)
	addCont := func(m message) error {
		d := &dec{b: m.data, f: f}
		a, n := d.addr(), d.length()
		if d.bad {
			return bad(addr, "continuation message of %d bytes is truncated", len(m.data))
		}
		if seen[a] {
			return bad(a, "continuation chain loops back to address 0x%x", a)
		}
		seen[a] = true
		if len(seen) > maxHeaderChunks {
			return bad(addr, "more than %d continuation blocks", maxHeaderChunks)
		}
		total += n
		if n > maxHeaderBytes || total > maxHeaderBytes {
			return bad(a, "continuation blocks add up to %d bytes, more than the limit of %d", total, maxHeaderBytes)
		}
		queue = append(queue, chunk{a, n})
		return nil
	}
	if len(pre) >= 4 && bytes.Equal(pre[:4], []byte("OHDR")) {
		h.version = 2
		if len(pre) < 6 || pre[4] != 2 {
			return nil, bad(addr, "OHDR version is not 2")
		}
		flags := pre[5]
		n := 6
		if flags&0x20 != 0 {
			n += 16
		}
		if flags&0x10 != 0 {
			n += 4
		}
		szLen := 1 << (flags & 3)
		hd, err := f.read(addr, uint64(n+szLen), "object header")
		if err != nil {
			return nil, err
		}
		d := &dec{b: hd, off: n, f: f}
		size := d.uN(szLen)
		if size > maxHeaderBytes {
			return nil, bad(addr, "first chunk claims %d bytes, more than the limit of %d", size, maxHeaderBytes)
		}
		total = size
		all, err := f.read(addr, uint64(n+szLen)+size+4, "object header")
		if err != nil {
			return nil, err
		}
		body := all[:len(all)-4]
		if got, want := lookup3(body), binary.LittleEndian.Uint32(all[len(all)-4:]); got != want {
			return nil, bad(addr, "checksum 0x%08x does not match the stored 0x%08x", got, want)
		}
		if err := f.parseV2Messages(h, body[n+szLen:], flags, addr, path, addCont); err != nil {
			return nil, err
		}
		for len(queue) > 0 {
			c := queue[0]
			queue = queue[1:]
			b, err := f.read(c.addr, c.size, "object header continuation block")
			if err != nil {
				return nil, err
			}
			if len(b) < 8 || !bytes.Equal(b[:4], []byte("OCHK")) {
				return nil, bad(c.addr, "continuation block has no OCHK signature")
			}
			if got, want := lookup3(b[:len(b)-4]), binary.LittleEndian.Uint32(b[len(b)-4:]); got != want {
				return nil, bad(c.addr, "continuation block checksum 0x%08x does not match the stored 0x%08x", got, want)
			}
			if err := f.parseV2Messages(h, b[4:len(b)-4], flags, c.addr, path, addCont); err != nil {
				return nil, err
			}
		}
		return h, nil
	}
	if len(pre) < 16 || pre[0] != 1 {
		v := -1
		if len(pre) > 0 {
			v = int(pre[0])
		}
		return nil, bad(addr, "not an object header (version byte %d, want 1 or the OHDR signature)", v)
	}
	h.version = 1
	size := uint64(binary.LittleEndian.Uint32(pre[8:]))
	if size > maxHeaderBytes {
		return nil, bad(addr, "header claims %d bytes, more than the limit of %d", size, maxHeaderBytes)
	}
	total = size
	queue = append(queue, chunk{addr + 16, size})
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		b, err := f.read(c.addr, c.size, "object header")
		if err != nil {
			return nil, err
		}
		for off := 0; off+8 <= len(b); {
			typ := binary.LittleEndian.Uint16(b[off:])
			n := int(binary.LittleEndian.Uint16(b[off+2:]))
			flags := b[off+4]
			off += 8
			if n > len(b)-off {
				return nil, bad(c.addr, "message type 0x%x at offset %d claims %d bytes, past the end of its %d-byte block", typ, off-8, n, len(b))
			}
			m := message{typ: typ, flags: flags, crtOrder: -1, data: b[off : off+n]}
			off += n
			if err := f.addMessage(h, m, path, addCont); err != nil {
				return nil, err
			}
		}
	}
	return h, nil
}

func (f *File) parseV2Messages(h *objHeader, b []byte, hflags uint8, at uint64, path string, addCont func(message) error) error {
	hdr := 4
	if hflags&0x04 != 0 {
		hdr = 6
	}
	for off := 0; off+hdr <= len(b); {
		typ := uint16(b[off])
		n := int(binary.LittleEndian.Uint16(b[off+1:]))
		flags := b[off+3]
		crt := -1
		if hdr == 6 {
			crt = int(binary.LittleEndian.Uint16(b[off+4:]))
		}
		off += hdr
		if n > len(b)-off {
			return &FormatError{Object: path, What: "object header", Addr: at, Msg: fmt.Sprintf("message type 0x%x claims %d bytes, past the end of its block", typ, n)}
		}
		m := message{typ: typ, flags: flags, crtOrder: crt, data: b[off : off+n]}
		off += n
		if err := f.addMessage(h, m, path, addCont); err != nil {
			return err
		}
	}
	return nil
}

func (f *File) addMessage(h *objHeader, m message, path string, addCont func(message) error) error {
	switch m.typ {
	case msgNil:
		return nil
	case msgContinuation:
		return addCont(m)
	}
	if len(h.msgs) >= maxMessages {
		return &FormatError{Object: path, What: "object header", Addr: h.addr, Msg: fmt.Sprintf("more than %d messages", maxMessages)}
	}
	h.msgs = append(h.msgs, m)
	return nil
}
