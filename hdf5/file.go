package hdf5

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"sync"

	"github.com/neuron-go/neuron/internal/safefile"
)

// Limits that keep a hostile file from taking unbounded memory or time.
// Every structure is also bounded by the size of the file itself.
const (
	maxHeaderBytes   = 64 << 20 // one object header with all its continuation blocks
	maxHeaderChunks  = 4096     // continuation blocks of one object header
	maxMessages      = 1 << 16  // messages in one object header
	maxRank          = 32       // libhdf5's H5S_MAX_RANK
	maxTreeRecords   = 1 << 22  // records gathered from one B-tree or heap walk
	maxPathDepth     = 1024     // nested groups a walk descends into
	maxNameBytes     = 1 << 16  // a link or attribute name
	minFillExpansion = 64 << 20 // bytes any chunked or compact dataset may declare
	maxExpansion     = 2048     // past minFillExpansion, declared bytes per byte of file
)

var signature = []byte("\x89HDF\r\n\x1a\n")

// File is an HDF5 file open for reading. Its groups, datasets and
// attributes are read on demand from the underlying io.ReaderAt; the file
// is never loaded into memory as a whole. A File is safe for concurrent use
// by several goroutines if its io.ReaderAt is.
type File struct {
	r        io.ReaderAt
	size     int64  // bytes in r
	base     uint64 // absolute position of address 0
	sbAddr   uint64 // absolute position of the superblock
	version  int    // superblock version
	offSize  int    // bytes of an address
	lenSize  int    // bytes of a length
	leafK    int    // group leaf node K (symbol table nodes hold 2K entries)
	rootAddr uint64
	root     *Group
	closer   io.Closer

	mu     sync.Mutex
	gheaps map[uint64]*globalHeap
}

// OpenFile opens the HDF5 file at path. Close the File when done.
func OpenFile(path string) (*File, error) {
	fh, size, err := safefile.Open(path)
	if err != nil {
		return nil, err
	}
	f, err := Open(fh, size)
	if err != nil {
		fh.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	f.closer = fh
	return f, nil
}

// Open reads the superblock and root group of the HDF5 file held in r,
// which has size bytes. Nothing else is read until asked for.
func Open(r io.ReaderAt, size int64) (*File, error) {
	if size < 0 {
		return nil, fmt.Errorf("hdf5: Open: size=%d is negative", size)
	}
	f := &File{r: r, size: size, gheaps: map[uint64]*globalHeap{}}
	if err := f.readSuperblock(); err != nil {
		return nil, err
	}
	root, err := f.openGroup("/", f.rootAddr)
	if err != nil {
		return nil, err
	}
	f.root = root
	return f, nil
}

// Close closes the file opened by OpenFile; for a File from Open it does
// nothing (the caller owns the io.ReaderAt).
func (f *File) Close() error {
	if f.closer != nil {
		c := f.closer
		f.closer = nil
		return c.Close()
	}
	return nil
}

// Root returns the root group "/".
func (f *File) Root() *Group { return f.root }

// SuperblockVersion returns the version of the file's superblock (0 to 3):
// 0 for files written with libhdf5's default (earliest) format, 2 or 3 for
// files written with libver "v108" or "latest".
func (f *File) SuperblockVersion() int { return f.version }

// Lookup returns the group or dataset at path, relative to the root
// ("model_weights/dense/kernel:0" and "/model_weights/dense/kernel:0" are
// the same). The result is a *Group, a *Dataset or a *Datatype.
func (f *File) Lookup(path string) (Object, error) { return f.root.Lookup(path) }

func (f *File) undef() uint64 {
	if f.offSize == 8 {
		return ^uint64(0)
	}
	return 1<<(8*uint(f.offSize)) - 1
}

func (f *File) isUndef(a uint64) bool { return a == f.undef() }

// read returns n bytes at address addr (relative to the base address),
// refusing ranges outside the file.
func (f *File) read(addr, n uint64, what string) ([]byte, error) {
	abs := addr + f.base
	if abs < addr || n > uint64(f.size) || abs > uint64(f.size)-n {
		return nil, &FormatError{What: what, Addr: addr, Msg: fmt.Sprintf("%d bytes at this address run past the end of the file (%d bytes)", n, f.size)}
	}
	b := make([]byte, n)
	if err := f.readAt(b, abs); err != nil {
		return nil, fmt.Errorf("hdf5: reading %s at address 0x%x: %w", what, addr, err)
	}
	return b, nil
}

// checkRange reports whether n bytes at addr lie inside the file.
func (f *File) checkRange(addr, n uint64, what, obj string) error {
	abs := addr + f.base
	if abs < addr || n > uint64(f.size) || abs > uint64(f.size)-n {
		return &FormatError{Object: obj, What: what, Addr: addr, Msg: fmt.Sprintf("%d bytes at this address run past the end of the file (%d bytes)", n, f.size)}
	}
	return nil
}

func (f *File) readAt(b []byte, abs uint64) error {
	n, err := f.r.ReadAt(b, int64(abs))
	if n == len(b) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}

func (f *File) readSuperblock() error {
	// The superblock is at 0 or after a user block of 512, 1024, 2048, ... bytes.
	var sig [8]byte
	found := false
	for pos := int64(0); pos+8 <= f.size; pos = max(512, pos*2) {
		if _, err := f.r.ReadAt(sig[:], pos); err != nil && err != io.EOF {
			return fmt.Errorf("hdf5: reading signature at %d: %w", pos, err)
		}
		if bytes.Equal(sig[:], signature) {
			f.sbAddr = uint64(pos)
			found = true
			break
		}
		if pos > 1<<40 {
			break
		}
	}
	if !found {
		return &FormatError{What: "superblock", Msg: "no HDF5 signature at offset 0 or any user-block boundary (512, 1024, ...): not an HDF5 file"}
	}
	n := min(int64(256), f.size-int64(f.sbAddr))
	b := make([]byte, n)
	if err := f.readAt(b, f.sbAddr); err != nil {
		return fmt.Errorf("hdf5: reading superblock: %w", err)
	}
	bad := func(msg string, args ...any) error {
		return &FormatError{What: "superblock", Addr: f.sbAddr, Msg: fmt.Sprintf(msg, args...)}
	}
	if len(b) < 12 {
		return bad("file ends inside the superblock")
	}
	f.version = int(b[8])
	var eof uint64
	switch f.version {
	case 0, 1:
		if len(b) < 24 {
			return bad("file ends inside the superblock")
		}
		f.offSize, f.lenSize = int(b[13]), int(b[14])
		if err := f.checkSizes(); err != nil {
			return err
		}
		f.leafK = int(binary.LittleEndian.Uint16(b[16:]))
		if f.leafK == 0 {
			return bad("group leaf node K is 0")
		}
		d := &dec{b: b, off: 24, f: f}
		if f.version == 1 {
			d.skip(4) // indexed storage internal node K, reserved
		}
		base := d.addr()
		d.addr() // free-space info
		eof = d.addr()
		d.addr() // driver info
		// Root group symbol table entry: name offset, object header address, cache.
		d.addr()
		f.rootAddr = d.addr()
		if d.bad {
			return bad("file ends inside the superblock")
		}
		f.base = base
	case 2, 3:
		f.offSize, f.lenSize = int(b[9]), int(b[10])
		if err := f.checkSizes(); err != nil {
			return err
		}
		d := &dec{b: b, off: 12, f: f}
		base := d.addr()
		d.addr() // superblock extension
		eof = d.addr()
		f.rootAddr = d.addr()
		end := d.off
		sum := d.u32()
		if d.bad {
			return bad("file ends inside the superblock")
		}
		if got := lookup3(b[:end]); got != sum {
			return bad("checksum 0x%08x does not match the stored 0x%08x", got, sum)
		}
		f.base = base
	default:
		return &UnsupportedError{Feature: fmt.Sprintf("superblock version %d", f.version)}
	}
	if f.base > uint64(f.size) {
		return bad("base address 0x%x is past the end of the file (%d bytes)", f.base, f.size)
	}
	// libhdf5 refuses a file shorter than its end-of-file address: it was
	// truncated (an interrupted copy or download). libhdf5 writes this
	// address counting the user block, unlike the others.
	if !f.isUndef(eof) && eof > uint64(f.size) {
		return bad("the file is truncated: its end-of-file address is 0x%x, the file has %d bytes", eof, f.size)
	}
	return nil
}

func (f *File) checkSizes() error {
	for _, s := range []int{f.offSize, f.lenSize} {
		if s != 2 && s != 4 && s != 8 {
			return &FormatError{What: "superblock", Addr: f.sbAddr, Msg: fmt.Sprintf("size of offsets/lengths is %d, want 2, 4 or 8", s)}
		}
	}
	return nil
}

// dec decodes little-endian fields from b. A read past the end sets bad and
// yields zeros, so a parser checks once at the end.
type dec struct {
	b   []byte
	off int
	bad bool
	f   *File
}

func (d *dec) take(n int) []byte {
	if n < 0 || d.off > len(d.b)-n {
		d.bad = true
		d.off = len(d.b)
		return nil
	}
	s := d.b[d.off : d.off+n]
	d.off += n
	return s
}

func (d *dec) skip(n int)     { d.take(n) }
func (d *dec) u8() uint8      { return uint8(d.uN(1)) }
func (d *dec) u16() uint16    { return uint16(d.uN(2)) }
func (d *dec) u32() uint32    { return uint32(d.uN(4)) }
func (d *dec) u64() uint64    { return d.uN(8) }
func (d *dec) addr() uint64   { return d.uN(d.f.offSize) }
func (d *dec) length() uint64 { return d.uN(d.f.lenSize) }

// uN decodes an n-byte little-endian unsigned integer (n <= 8).
func (d *dec) uN(n int) uint64 {
	s := d.take(n)
	if s == nil || n > 8 {
		if n > 8 {
			d.bad = true
		}
		return 0
	}
	var v uint64
	for i := len(s) - 1; i >= 0; i-- {
		v = v<<8 | uint64(s[i])
	}
	return v
}
