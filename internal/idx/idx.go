// Package idx reads IDX files, the format of the MNIST and Fashion-MNIST
// data sets, and checks them strictly.
//
// An IDX file is a 4-byte big-endian magic number (two zero bytes, a type
// code, the number of dimensions), one big-endian uint32 per dimension,
// and then the values in row-major order. Only the unsigned-byte type
// (0x08) is supported because that is all the MNIST family uses.
//
// The readers trust nothing in the file. The header is checked against
// what the caller expects, the data size is computed with overflow checks
// and capped before anything is allocated, and the data must be exactly
// that long: missing bytes, trailing bytes, and gzip corruption are all
// errors. Common loaders (Keras's fashion_mnist, torchvision with
// strict=False) skip such checks and return garbage or allocate whatever a
// corrupt header asks for; these readers return an error naming the file,
// what is wrong and the value found. They never panic.
package idx

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"path/filepath"
	"strings"

	"github.com/neuron-go/neuron/internal/hugepage"
	"github.com/neuron-go/neuron/internal/safefile"
)

// TypeUint8 is the IDX type code for unsigned bytes, the only type read.
const TypeUint8 = 0x08

// MaxDims is the largest number of dimensions accepted when the caller
// does not fix it. MNIST uses 1 and 3; no IDX data set in use has more
// than 4.
const MaxDims = 4

// DefaultMaxBytes caps the data size when the caller passes maxBytes <= 0.
// It is 5.4 times the largest MNIST file (47,040,000 bytes of training
// images), so real files pass and a corrupt header cannot ask for more.
const DefaultMaxBytes = 256 << 20

// Any in a wanted shape accepts any size for that dimension.
const Any = -1

// firstChunk bounds the first allocation for the data when the input's
// size is unknown. Later allocations double up to the size from the
// header, so a small file whose header claims a large size costs little
// memory before it fails as truncated.
const firstChunk = 1 << 20

// maxDeflateRatio is the most DEFLATE can expand its input (258-byte
// matches in 2-bit codes, about 1032:1). A gzip file of n bytes cannot
// hold more than n*maxDeflateRatio bytes of data, which bounds what is
// worth allocating up front.
const maxDeflateRatio = 1032

// Read reads one IDX file of unsigned bytes from r.
//
// want gives the expected dimensions, Any for a dimension of any size; a
// nil want accepts any shape of 1 to MaxDims dimensions. maxBytes caps the
// data size (DefaultMaxBytes if maxBytes <= 0). r must end right after the
// data.
func Read(r io.Reader, want []int, maxBytes int64) (dims []int, data []uint8, err error) {
	return read(r, "", want, maxBytes, -1)
}

// ReadFile reads an IDX file of unsigned bytes from path, decompressing it
// if the name ends in ".gz". want and maxBytes are as for Read; maxBytes
// limits the decompressed size, so a gzip bomb is cut off early. Errors
// start with "idx: " and the file's base name.
func ReadFile(path string, want []int, maxBytes int64) (dims []int, data []uint8, err error) {
	name := filepath.Base(path)
	f, size, err := safefile.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("idx: %w", err)
	}
	defer f.Close()
	return readStream(f, name, strings.HasSuffix(name, ".gz"), want, maxBytes, size)
}

// readStream reads an IDX file from r, gzip-compressed if gz is set.
// avail is r's size if known, else -1.
func readStream(r io.Reader, name string, gz bool, want []int, maxBytes, avail int64) ([]int, []uint8, error) {
	if !gz {
		return read(bufio.NewReaderSize(r, 64<<10), name, want, maxBytes, avail)
	}
	if avail >= 0 {
		if avail > math.MaxInt64/maxDeflateRatio {
			avail = math.MaxInt64
		} else {
			avail *= maxDeflateRatio
		}
	}
	zr, err := gzip.NewReader(bufio.NewReaderSize(r, 64<<10))
	if err != nil {
		if err == io.EOF {
			return nil, nil, fmt.Errorf("%sempty file, want a gzip stream", prefix(name))
		}
		return nil, nil, fmt.Errorf("%snot a valid gzip file: %w", prefix(name), err)
	}
	defer zr.Close()
	return read(zr, name, want, maxBytes, avail)
}

func prefix(name string) string {
	if name == "" {
		return "idx: "
	}
	return "idx: " + name + ": "
}

// read does the work of Read; name, if set, goes into error messages.
// avail, if not -1, bounds how many bytes r can deliver; it only sizes the
// first allocation.
func read(r io.Reader, name string, want []int, maxBytes, avail int64) ([]int, []uint8, error) {
	p := prefix(name)
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	if want != nil && !validWant(want) {
		// A programming error, but an error is kinder than a panic here.
		return nil, nil, fmt.Errorf("%sinvalid wanted shape %v: want 1 to 255 sizes, each >= 0 or Any", p, want)
	}

	var magic [4]byte
	if n, err := io.ReadFull(r, magic[:]); err != nil {
		if n == 0 && err == io.EOF {
			return nil, nil, fmt.Errorf("%sempty file, want an IDX header", p)
		}
		return nil, nil, fmt.Errorf("%struncated header: want 4 bytes, got %d: %w", p, n, unexpected(err))
	}
	m := binary.BigEndian.Uint32(magic[:])
	nd := int(magic[3])
	if magic[0] != 0 || magic[1] != 0 || magic[2] != TypeUint8 || !ndimsOK(nd, want) {
		return nil, nil, fmt.Errorf("%smagic 0x%08x: want %s%s", p, m, wantMagic(want), magicHint(magic))
	}

	var hdr [4 * 255]byte
	h := hdr[:4*nd]
	if n, err := io.ReadFull(r, h); err != nil {
		return nil, nil, fmt.Errorf("%struncated header: want %d bytes, got %d: %w", p, 4+len(h), 4+n, unexpected(err))
	}
	dims := make([]int, nd)
	size := uint64(1)
	overflow := false
	for i := range dims {
		d := binary.BigEndian.Uint32(h[4*i:])
		if want != nil && want[i] != Any && uint64(d) != uint64(want[i]) {
			return nil, nil, fmt.Errorf("%sdimension %d is %d: want %d (want shape %s)", p, i, d, want[i], shapeString(want))
		}
		if d == 0 {
			return nil, nil, fmt.Errorf("%sdimension %d is 0: the file holds no data", p, i)
		}
		hi, lo := bits.Mul64(size, uint64(d))
		if hi != 0 {
			overflow = true
		}
		size = lo
		dims[i] = int(d)
		if uint64(dims[i]) != uint64(d) { // 32-bit int
			overflow = true
		}
	}
	if overflow || size > uint64(maxBytes) || size > math.MaxInt {
		sz := fmt.Sprintf("%d bytes", size)
		if overflow {
			sz = "more than 2^64 bytes"
		}
		return nil, nil, fmt.Errorf("%sshape %v needs %s: more than the limit of %d", p, dims, sz, maxBytes)
	}

	first := int64(firstChunk)
	if avail >= 0 {
		first = max(first, avail)
	}
	data, err := readExactly(r, int(size), int(min(first, int64(size))))
	switch {
	case err == nil:
	case len(data) == int(size):
		// The data is all there but the stream is bad after it, for
		// example a gzip trailer with the wrong CRC, or none.
		return nil, nil, afterData(p, err)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return nil, nil, fmt.Errorf("%struncated data: want %d bytes (shape %v), got %d: %w", p, size, dims, len(data), io.ErrUnexpectedEOF)
	default:
		return nil, nil, fmt.Errorf("%sreading data: %w", p, err)
	}
	// Reading on to EOF also makes a gzip reader check its CRC and size.
	var extra [1]byte
	n, err := io.ReadFull(r, extra[:])
	if n > 0 {
		return nil, nil, fmt.Errorf("%strailing bytes after the %d data bytes of shape %v", p, size, dims)
	}
	if err != io.EOF {
		return nil, nil, afterData(p, err)
	}
	return dims, data, nil
}

// readExactly reads n bytes into a buffer of first bytes, grown as data
// arrives rather than trusting n up front. It returns what it read and, if that is short
// or the read that completed it failed, the error: io.ErrUnexpectedEOF
// for a premature end.
func readExactly(r io.Reader, n, first int) ([]byte, error) {
	buf := hugepage.Bytes(min(n, max(first, 1)))[:0]
	for len(buf) < n {
		if len(buf) == cap(buf) {
			grown := hugepage.Bytes(min(n, 2*cap(buf)))[:len(buf)]
			copy(grown, buf)
			buf = grown
		}
		k, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+k]
		if err == io.EOF {
			if len(buf) < n {
				return buf, io.ErrUnexpectedEOF
			}
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// afterData reports an error met after all the data was read.
func afterData(p string, err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%struncated or corrupt after the data: %w", p, err)
	}
	return fmt.Errorf("%safter the data: %w", p, err)
}

// unexpected turns the io.EOF of an empty read into io.ErrUnexpectedEOF:
// inside a header either way means the file was cut short.
func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

func validWant(want []int) bool {
	if len(want) < 1 || len(want) > 255 {
		return false
	}
	for _, d := range want {
		if d < Any || int64(d) > math.MaxUint32 {
			return false
		}
	}
	return true
}

func ndimsOK(nd int, want []int) bool {
	if want == nil {
		return nd >= 1 && nd <= MaxDims
	}
	return nd == len(want)
}

func wantMagic(want []int) string {
	if want == nil {
		return fmt.Sprintf("0x%08x to 0x%08x (unsigned byte, 1 to %d dims)", 0x801, 0x800+MaxDims, MaxDims)
	}
	s := "s"
	if len(want) == 1 {
		s = ""
	}
	return fmt.Sprintf("0x%08x (unsigned byte, %d dim%s)", 0x800+len(want), len(want), s)
}

// magicHint explains a wrong magic number when the cause is guessable.
func magicHint(m [4]byte) string {
	switch {
	case m[0] == 0x1f && m[1] == 0x8b:
		return "; the file is gzip-compressed (name it *.gz or decompress it)"
	case m[0] != 0 || m[1] != 0:
		return "; not an IDX file"
	case m[2] != TypeUint8:
		if t, ok := typeNames[m[2]]; ok {
			return fmt.Sprintf("; type 0x%02x (%s) is not supported", m[2], t)
		}
		return fmt.Sprintf("; type 0x%02x is not an IDX type", m[2])
	}
	return fmt.Sprintf("; the file has %d dims", m[3])
}

var typeNames = map[byte]string{
	0x08: "unsigned byte",
	0x09: "signed byte",
	0x0b: "int16",
	0x0c: "int32",
	0x0d: "float32",
	0x0e: "float64",
}

func shapeString(want []int) string {
	var b strings.Builder
	b.WriteByte('(')
	for i, d := range want {
		if i > 0 {
			b.WriteString(", ")
		}
		if d == Any {
			b.WriteString("any")
		} else {
			fmt.Fprint(&b, d)
		}
	}
	if len(want) == 1 {
		b.WriteByte(',')
	}
	b.WriteByte(')')
	return b.String()
}
