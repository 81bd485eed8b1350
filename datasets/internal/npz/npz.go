// Package npz reads uint8 arrays from NumPy .npy files and .npz archives,
// the format of Keras's mnist.npz, and checks them strictly.
//
// A .npy file is the magic "\x93NUMPY", a version (1.0, 2.0 or 3.0), a
// little-endian header length (2 bytes in version 1, 4 after), a header
// holding a Python dict literal such as
//
//	{'descr': '|u1', 'fortran_order': False, 'shape': (60000, 28, 28), }
//
// and the raw data. An .npz file is a zip archive of .npy files, one per
// array, stored or deflated.
//
// NumPy evaluates the header with a restricted literal parser; this package
// accepts only the dict above, with exactly those three keys, and only the
// uint8 type in C order, because that is all the Keras archives we read
// contain. Sizes are computed with overflow checks and capped before any
// allocation, and each array must be exactly as long as its shape says.
package npz

import (
	"archive/zip"
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/neuron-go/neuron/datasets"
	"github.com/neuron-go/neuron/internal/safefile"
)

// Any in a wanted shape accepts any size for that dimension.
const Any = -1

// DefaultMaxBytes caps each array's size when the caller passes
// maxBytes <= 0: 5.4 times MNIST's training images.
const DefaultMaxBytes = 256 << 20

// maxHeader is NumPy's own default limit on the header length
// (numpy.lib.format's max_header_size).
const maxHeader = 10000

// maxDims bounds the rank; NumPy 2 allows 64, real data uses far fewer.
const maxDims = 32

// maxMembers bounds the archive's entry count, so a crafted central
// directory cannot make the zip reader build a huge index.
const maxMembers = 1000

// firstChunk bounds the first allocation for an array's data when the
// input's size is unknown; the buffer then grows as data arrives.
const firstChunk = 1 << 20

// maxDeflateRatio is the most DEFLATE can expand its input, about 1032:1.
// A deflated member cannot hold more than its compressed size times this,
// which bounds what is worth allocating up front.
const maxDeflateRatio = 1032

// ReadFile reads the uint8 arrays named in want from the .npz archive at
// path. want maps an array name (the member name without ".npy") to its
// expected shape, with Any for a dimension of any size. Every wanted array
// must be present exactly once; other members are ignored. maxBytes caps
// each array's size (DefaultMaxBytes if maxBytes <= 0).
func ReadFile(path string, want map[string][]int, maxBytes int64) (map[string]datasets.Uint8Array, error) {
	name := filepath.Base(path)
	if fi, err := os.Stat(path); err == nil {
		if err := safefile.Check(path, fi); err != nil {
			return nil, fmt.Errorf("npz: %w", err)
		}
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		if errors.Is(err, zip.ErrFormat) {
			return nil, fmt.Errorf("npz: %s: not a valid zip archive: %w", name, err)
		}
		return nil, fmt.Errorf("npz: %w", err)
	}
	defer zr.Close()
	return read(&zr.Reader, name, want, maxBytes)
}

// Read is ReadFile for an archive held in r, size bytes long; name is used
// in error messages.
func Read(r io.ReaderAt, size int64, name string, want map[string][]int, maxBytes int64) (map[string]datasets.Uint8Array, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("npz: %s: not a valid zip archive: %w", name, err)
	}
	return read(zr, name, want, maxBytes)
}

func read(zr *zip.Reader, name string, want map[string][]int, maxBytes int64) (map[string]datasets.Uint8Array, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	if len(zr.File) > maxMembers {
		return nil, fmt.Errorf("npz: %s: %d members: more than the limit of %d", name, len(zr.File), maxMembers)
	}
	members := make(map[string]*zip.File)
	for _, f := range zr.File {
		key, ok := strings.CutSuffix(f.Name, ".npy")
		if _, wanted := want[key]; !ok || !wanted {
			continue
		}
		if members[key] != nil {
			return nil, fmt.Errorf("npz: %s: member %s appears twice", name, f.Name)
		}
		members[key] = f
	}
	out := make(map[string]datasets.Uint8Array, len(want))
	for _, key := range sortedKeys(want) {
		f := members[key]
		if f == nil {
			return nil, fmt.Errorf("npz: %s: no member %s.npy", name, key)
		}
		// The declared size may lie, so the reads below are capped too;
		// this check only rejects an honest oversize member early.
		if f.UncompressedSize64 > uint64(maxBytes)+maxHeader+16 {
			return nil, fmt.Errorf("npz: %s: member %s is %d bytes: more than the limit of %d", name, f.Name, f.UncompressedSize64, maxBytes)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("npz: %s: %s: %w", name, f.Name, err)
		}
		avail := int64(-1)
		if c := f.CompressedSize64; c <= math.MaxInt64/maxDeflateRatio {
			avail = int64(c)
			if f.Method != zip.Store {
				avail *= maxDeflateRatio
			}
		}
		a, err := readNPY(rc, name+": "+f.Name, want[key], maxBytes, avail)
		rc.Close()
		if err != nil {
			return nil, err
		}
		out[key] = a
	}
	return out, nil
}

func sortedKeys(m map[string][]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	// Insertion sort: a handful of keys, and no extra import.
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

// ReadNPY reads one uint8 array in .npy format from r, which must end
// right after the data. want and maxBytes are as for ReadFile; name is
// used in error messages.
func ReadNPY(r io.Reader, name string, want []int, maxBytes int64) (datasets.Uint8Array, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	return readNPY(r, name, want, maxBytes, -1)
}

// readNPY does the work of ReadNPY. avail, if not -1, bounds how many bytes
// r can deliver; it only sizes the first allocation.
func readNPY(r io.Reader, name string, want []int, maxBytes, avail int64) (datasets.Uint8Array, error) {
	a, err := readTyped(r, name, want, maxBytes, avail, false)
	if err != nil {
		return datasets.Uint8Array{}, err
	}
	return datasets.Uint8Array{Shape: a.Shape, Data: a.Data}, nil
}

// Array is an array of any of the plain NumPy types, as ReadNPYAny reads
// it: Descr is the header's type ("<f8", "<i8", "|u1", …), Data the raw
// little-endian bytes in C order. For an object array (Descr "|O"), Data
// is the pickle stream that follows the header, for package pickle.
type Array struct {
	Descr string
	Shape []int
	Data  []byte
}

// itemSizes are the types ReadNPYAny accepts and their sizes; big-endian
// types are refused (no Keras file has them).
var itemSizes = map[string]int{
	"|u1": 1, "|i1": 1, "|b1": 1, "<u2": 2, "<i2": 2, "<u4": 4, "<i4": 4,
	"<u8": 8, "<i8": 8, "<f4": 4, "<f8": 8,
}

// ReadNPYAny is ReadNPY for any little-endian numeric type, and for
// object arrays, whose pickled data it returns unparsed.
func ReadNPYAny(r io.Reader, name string, want []int, maxBytes int64) (Array, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	return readTyped(r, name, want, maxBytes, -1, true)
}

// readTyped reads one .npy stream; anyType accepts the types of
// itemSizes and "|O", else only uint8.
func readTyped(r io.Reader, name string, want []int, maxBytes, avail int64, anyType bool) (Array, error) {
	p := "npz: " + name + ": "
	for _, d := range want {
		if d < Any {
			return Array{}, fmt.Errorf("%sinvalid wanted shape %v", p, want)
		}
	}
	br := bufio.NewReaderSize(r, 64<<10)

	var pre [10]byte
	if n, err := io.ReadFull(br, pre[:8]); err != nil {
		if n == 0 && err == io.EOF {
			return Array{}, fmt.Errorf("%sempty, want a .npy header", p)
		}
		return Array{}, fmt.Errorf("%struncated header: want 8 bytes, got %d: %w", p, n, unexpected(err))
	}
	if string(pre[:6]) != "\x93NUMPY" {
		return Array{}, fmt.Errorf("%smagic %q: want %q (not a .npy file)", p, pre[:6], "\x93NUMPY")
	}
	major, minor := pre[6], pre[7]
	var hlen int
	switch {
	case major == 1 && minor == 0:
		if n, err := io.ReadFull(br, pre[8:10]); err != nil {
			return Array{}, fmt.Errorf("%struncated header: want 10 bytes, got %d: %w", p, 8+n, unexpected(err))
		}
		hlen = int(binary.LittleEndian.Uint16(pre[8:10]))
	case (major == 2 || major == 3) && minor == 0:
		var l [4]byte
		if n, err := io.ReadFull(br, l[:]); err != nil {
			return Array{}, fmt.Errorf("%struncated header: want 12 bytes, got %d: %w", p, 8+n, unexpected(err))
		}
		hl := binary.LittleEndian.Uint32(l[:])
		if hl > maxHeader {
			return Array{}, fmt.Errorf("%sheader length %d: more than the limit of %d", p, hl, maxHeader)
		}
		hlen = int(hl)
	default:
		return Array{}, fmt.Errorf("%sformat version %d.%d: want 1.0, 2.0 or 3.0", p, major, minor)
	}
	if hlen > maxHeader {
		return Array{}, fmt.Errorf("%sheader length %d: more than the limit of %d", p, hlen, maxHeader)
	}
	hdr := make([]byte, hlen)
	if n, err := io.ReadFull(br, hdr); err != nil {
		return Array{}, fmt.Errorf("%struncated header: want a %d-byte dict, got %d: %w", p, hlen, n, unexpected(err))
	}
	h, err := parseHeader(string(hdr))
	if err != nil {
		return Array{}, fmt.Errorf("%sheader %s: %w", p, quoteHeader(hdr), err)
	}
	item := 1
	switch h.descr {
	case "|u1", "<u1", ">u1", "=u1", "u1":
		h.descr = "|u1"
	default:
		n, ok := itemSizes[h.descr]
		switch {
		case anyType && h.descr == "|O":
			item = 0
		case anyType && ok:
			item = n
		case anyType:
			return Array{}, fmt.Errorf("%sdescr %q: want a little-endian numeric type or '|O'", p, h.descr)
		default:
			return Array{}, fmt.Errorf("%sdescr %q: want '|u1' (uint8)", p, h.descr)
		}
	}
	if h.fortran {
		return Array{}, fmt.Errorf("%sfortran_order True: want False (C order)", p)
	}
	shape := h.shape
	if want != nil {
		if len(shape) != len(want) {
			return Array{}, fmt.Errorf("%sshape %s: want %s", p, tuple(shape), wantTuple(want))
		}
		for i, d := range shape {
			if want[i] != Any && d != want[i] {
				return Array{}, fmt.Errorf("%sshape %s: want %s", p, tuple(shape), wantTuple(want))
			}
		}
	}
	if item == 0 {
		// An object array: the pickle runs to the end of the member.
		data, err := readExactly(io.LimitReader(br, maxBytes+1), int(maxBytes)+1, int(min(int64(firstChunk), maxBytes+1)))
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
			return Array{}, fmt.Errorf("%sreading the pickled data: %w", p, err)
		}
		if int64(len(data)) > maxBytes {
			return Array{}, fmt.Errorf("%spickled data of more than the limit of %d bytes", p, maxBytes)
		}
		return Array{Descr: h.descr, Shape: shape, Data: data}, nil
	}
	size := uint64(item)
	for i, d := range shape {
		if d == 0 {
			return Array{}, fmt.Errorf("%sshape %s: dimension %d is 0, so the array holds no data", p, tuple(shape), i)
		}
		hi, lo := bits.Mul64(size, uint64(d))
		if hi != 0 || lo > uint64(maxBytes) {
			return Array{}, fmt.Errorf("%sshape %s needs more than the limit of %d bytes", p, tuple(shape), maxBytes)
		}
		size = lo
	}

	first := int64(firstChunk)
	if avail >= 0 {
		first = max(first, avail)
	}
	data, err := readExactly(br, int(size), int(min(first, int64(size))))
	switch {
	case err == nil:
	case len(data) == int(size):
		return Array{}, fmt.Errorf("%safter the data: %w", p, err)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return Array{}, fmt.Errorf("%struncated data: want %d bytes (shape %s), got %d: %w", p, size, tuple(shape), len(data), io.ErrUnexpectedEOF)
	default:
		return Array{}, fmt.Errorf("%sreading data: %w", p, err)
	}
	// Reading on to EOF also makes the zip reader check the CRC-32.
	var extra [1]byte
	n, err := io.ReadFull(br, extra[:])
	if n > 0 {
		return Array{}, fmt.Errorf("%strailing bytes after the %d data bytes of shape %s", p, size, tuple(shape))
	}
	if err != io.EOF {
		return Array{}, fmt.Errorf("%safter the data: %w", p, err)
	}
	return Array{Descr: h.descr, Shape: shape, Data: data}, nil
}

// readExactly reads n bytes into a buffer of first bytes, grown as data
// arrives rather than trusting n up front. It returns what it read and, if that is short
// or the read that completed it failed, the error: io.ErrUnexpectedEOF
// for a premature end.
func readExactly(r io.Reader, n, first int) ([]byte, error) {
	buf := make([]byte, 0, min(n, max(first, 1)))
	for len(buf) < n {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(n, 2*cap(buf)))
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

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// quoteHeader shows a header in an error, shortened if it is long.
func quoteHeader(h []byte) string {
	s := strings.TrimRight(string(h), " \n")
	if len(s) > 120 {
		s = s[:120] + "..."
	}
	return strconv.Quote(s)
}

// tuple formats a shape as Python does, e.g. (60000,) or (60000, 28, 28).
func tuple(shape []int) string {
	var b strings.Builder
	b.WriteByte('(')
	for i, d := range shape {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(d))
	}
	if len(shape) == 1 {
		b.WriteByte(',')
	}
	b.WriteByte(')')
	return b.String()
}

func wantTuple(want []int) string {
	s := tuple(want)
	return strings.ReplaceAll(s, strconv.Itoa(Any), "any")
}

// header is the parsed .npy header dict.
type header struct {
	descr   string
	fortran bool
	shape   []int
}

// parseHeader parses the header dict. It accepts Python literal syntax for
// exactly the three keys NumPy writes, in any order, each once.
func parseHeader(s string) (header, error) {
	ps := &parser{s: s}
	var h header
	seen := map[string]bool{}
	ps.space()
	if !ps.eat('{') {
		return h, ps.errorf("want '{'")
	}
	for {
		ps.space()
		if ps.eat('}') {
			break
		}
		key, err := ps.str()
		if err != nil {
			return h, err
		}
		if seen[key] {
			return h, fmt.Errorf("key %q appears twice", key)
		}
		seen[key] = true
		ps.space()
		if !ps.eat(':') {
			return h, ps.errorf("want ':' after %q", key)
		}
		ps.space()
		switch key {
		case "descr":
			if h.descr, err = ps.str(); err != nil {
				return h, err
			}
		case "fortran_order":
			if h.fortran, err = ps.boolean(); err != nil {
				return h, err
			}
		case "shape":
			if h.shape, err = ps.shape(); err != nil {
				return h, err
			}
		default:
			return h, fmt.Errorf("unknown key %q: want only 'descr', 'fortran_order' and 'shape'", key)
		}
		ps.space()
		if ps.eat(',') {
			continue
		}
		ps.space()
		if ps.eat('}') {
			break
		}
		return h, ps.errorf("want ',' or '}'")
	}
	ps.space()
	if ps.i != len(ps.s) {
		return h, ps.errorf("unexpected text after the dict")
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if !seen[k] {
			return h, fmt.Errorf("missing key %q", k)
		}
	}
	return h, nil
}

type parser struct {
	s string
	i int
}

func (p *parser) errorf(format string, args ...any) error {
	return fmt.Errorf("at offset %d: "+format, append([]any{p.i}, args...)...)
}

func (p *parser) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\n' || p.s[p.i] == '\t' || p.s[p.i] == '\r') {
		p.i++
	}
}

func (p *parser) eat(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// str parses a quoted string without escapes; NumPy's keys and type codes
// never contain any.
func (p *parser) str() (string, error) {
	if p.i >= len(p.s) || (p.s[p.i] != '\'' && p.s[p.i] != '"') {
		return "", p.errorf("want a quoted string")
	}
	q := p.s[p.i]
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", p.errorf("unterminated string")
	}
	v := p.s[p.i+1 : p.i+1+end]
	if strings.ContainsAny(v, "\\\n") {
		return "", p.errorf("unsupported character in string %q", v)
	}
	p.i += end + 2
	return v, nil
}

func (p *parser) boolean() (bool, error) {
	switch {
	case strings.HasPrefix(p.s[p.i:], "True"):
		p.i += 4
		return true, nil
	case strings.HasPrefix(p.s[p.i:], "False"):
		p.i += 5
		return false, nil
	}
	return false, p.errorf("want True or False")
}

// shape parses a tuple of non-negative integers: (), (n,), (n, m), ...
func (p *parser) shape() ([]int, error) {
	if !p.eat('(') {
		return nil, p.errorf("want a tuple for shape")
	}
	shape := []int{}
	for {
		p.space()
		if p.eat(')') {
			if len(shape) == 1 {
				// (60000) is an int in parentheses, not a tuple.
				return nil, p.errorf("shape (%d) is not a tuple: want (%d,)", shape[0], shape[0])
			}
			return shape, nil
		}
		d, err := p.integer()
		if err != nil {
			return nil, err
		}
		if len(shape) == maxDims {
			return nil, p.errorf("more than %d dimensions", maxDims)
		}
		shape = append(shape, d)
		p.space()
		if p.eat(',') {
			p.space()
			if p.eat(')') {
				return shape, nil
			}
			continue
		}
		if p.i < len(p.s) && p.s[p.i] == ')' {
			continue
		}
		return nil, p.errorf("want ',' or ')' in shape")
	}
}

func (p *parser) integer() (int, error) {
	start := p.i
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		p.i++
	}
	if p.i == start {
		return 0, p.errorf("want a non-negative integer")
	}
	v, err := strconv.ParseInt(p.s[start:p.i], 10, 64)
	if err != nil || int64(int(v)) != v {
		return 0, p.errorf("dimension %s is too large", p.s[start:p.i])
	}
	// Python 2 wrote long integers with an L suffix.
	p.eat('L')
	return int(v), nil
}

// ReadFileAny reads the arrays named in want from the .npz archive at
// path, of any type ReadNPYAny takes. want maps each name to its expected
// shape (Any for any size); other members are ignored.
func ReadFileAny(path string, want map[string][]int, maxBytes int64) (map[string]Array, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	name := filepath.Base(path)
	if fi, err := os.Stat(path); err == nil {
		if err := safefile.Check(path, fi); err != nil {
			return nil, fmt.Errorf("npz: %w", err)
		}
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		if errors.Is(err, zip.ErrFormat) {
			return nil, fmt.Errorf("npz: %s: not a valid zip archive: %w", name, err)
		}
		return nil, fmt.Errorf("npz: %w", err)
	}
	defer zr.Close()
	if len(zr.File) > maxMembers {
		return nil, fmt.Errorf("npz: %s: %d members: more than the limit of %d", name, len(zr.File), maxMembers)
	}
	out := make(map[string]Array, len(want))
	for _, f := range zr.File {
		key, ok := strings.CutSuffix(f.Name, ".npy")
		shape, wanted := want[key]
		if !ok || !wanted {
			continue
		}
		if _, dup := out[key]; dup {
			return nil, fmt.Errorf("npz: %s: member %s appears twice", name, f.Name)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("npz: %s: %s: %w", name, f.Name, err)
		}
		a, err := readTyped(rc, name+": "+f.Name, shape, maxBytes, -1, true)
		rc.Close()
		if err != nil {
			return nil, err
		}
		out[key] = a
	}
	for _, key := range sortedKeys(want) {
		if _, ok := out[key]; !ok {
			return nil, fmt.Errorf("npz: %s: no member %s.npy", name, key)
		}
	}
	return out, nil
}
