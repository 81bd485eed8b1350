// Package safetensors reads and writes float32 tensors in the safetensors
// layout (https://github.com/huggingface/safetensors), with an optional
// SHA-256 checksum over the whole file.
//
// A file is:
//
//   - 8 bytes: N, the length of the header, a little-endian uint64;
//   - N bytes: the header, a JSON object in UTF-8, padded with spaces to a
//     multiple of 8 bytes. Its key "__metadata__" maps to an object of
//     strings; every other key names a tensor and maps to
//     {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]};
//   - the data: each tensor's values in row-major order as little-endian
//     IEEE 754 float32, at [begin, end) counted from the end of the header.
//
// The tensors must cover the data exactly, without gaps or overlaps, as
// the reference implementation requires.
//
// The checksum is the metadata entry "checksum": "sha256:" followed by 64
// lowercase hexadecimal digits, the SHA-256 of the whole file in which
// those 64 digits are replaced by the digit '0'. It covers the header and
// the data, so any flipped bit is detected.
//
// Open checks the layout against the file's size before it allocates
// anything in proportion to what the header declares.
package safetensors

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/neuron-go/neuron/internal/strictjson"
)

// MaxHeaderSize is the largest header Open accepts, as in the reference
// implementation.
const MaxHeaderSize = 100_000_000

// ChecksumKey is the metadata key of the checksum.
const ChecksumKey = "checksum"

const checksumPrefix = "sha256:"

// ErrInvalid is wrapped by every error about a malformed file.
var ErrInvalid = errors.New("invalid file")

// ErrChecksum is wrapped by the error of VerifyChecksum when the file does
// not match its checksum.
var ErrChecksum = errors.New("checksum mismatch")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// Tensor is a named float32 tensor to write.
type Tensor struct {
	// Name is the tensor's key in the header.
	Name string
	// Shape is the tensor's shape; Data must hold its product of values.
	Shape []int
	// Data holds the values in row-major order.
	Data []float32
}

// Write writes the tensors, in order, with the metadata. With checksum,
// it adds the ChecksumKey entry (the metadata must not hold one).
func Write(w io.Writer, meta map[string]string, tensors []Tensor, checksum bool) error {
	if _, ok := meta[ChecksumKey]; ok && checksum {
		return fmt.Errorf("safetensors: metadata already holds %q", ChecksumKey)
	}
	m := make(map[string]string, len(meta)+1)
	for k, v := range meta {
		m[k] = v
	}
	placeholder := checksumPrefix + strings.Repeat("0", 64)
	if checksum {
		m[ChecksumKey] = placeholder
	}
	header, err := buildHeader(m, tensors)
	if err != nil {
		return err
	}
	var prefix [8]byte
	binary.LittleEndian.PutUint64(prefix[:], uint64(len(header)))
	if checksum {
		h := sha256.New()
		h.Write(prefix[:])
		h.Write(header)
		if err := writeData(h, tensors); err != nil {
			return err
		}
		sum := hex.EncodeToString(h.Sum(nil))
		i := bytes.Index(header, []byte(placeholder))
		if i < 0 || bytes.Count(header, []byte(sum)) != 0 {
			return errors.New("safetensors: cannot place the checksum in the header")
		}
		copy(header[i+len(checksumPrefix):], sum)
	}
	if _, err := w.Write(prefix[:]); err != nil {
		return err
	}
	if _, err := w.Write(header); err != nil {
		return err
	}
	return writeData(w, tensors)
}

// buildHeader returns the padded JSON header for the tensors in order.
func buildHeader(meta map[string]string, tensors []Tensor) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`{"__metadata__":{`)
	keys := make([]string, 0, len(meta))
	for k := range meta {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		writeString(&b, k)
		b.WriteByte(':')
		writeString(&b, meta[k])
	}
	b.WriteByte('}')
	var off int64
	seen := map[string]bool{"__metadata__": true}
	for _, t := range tensors {
		if t.Name == "" || seen[t.Name] {
			return nil, fmt.Errorf("safetensors: tensor name %q is empty or used twice", t.Name)
		}
		seen[t.Name] = true
		n := 1
		for _, d := range t.Shape {
			if d < 0 {
				return nil, fmt.Errorf("safetensors: tensor %q has shape %v", t.Name, t.Shape)
			}
			n *= d
		}
		if n != len(t.Data) {
			return nil, fmt.Errorf("safetensors: tensor %q: %d values for shape %v", t.Name, len(t.Data), t.Shape)
		}
		b.WriteByte(',')
		writeString(&b, t.Name)
		b.WriteString(`:{"dtype":"F32","shape":[`)
		for i, d := range t.Shape {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(d))
		}
		end := off + 4*int64(n)
		fmt.Fprintf(&b, `],"data_offsets":[%d,%d]}`, off, end)
		off = end
	}
	b.WriteByte('}')
	for b.Len()%8 != 0 {
		b.WriteByte(' ')
	}
	return b.Bytes(), nil
}

func writeString(b *bytes.Buffer, s string) {
	q, _ := json.Marshal(s) // a string always marshals
	b.Write(q)
}

// writeData writes the tensors' values as little-endian float32.
func writeData(w io.Writer, tensors []Tensor) error {
	buf := make([]byte, 0, 64<<10)
	for _, t := range tensors {
		for _, v := range t.Data {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
			if len(buf) == cap(buf) {
				if _, err := w.Write(buf); err != nil {
					return err
				}
				buf = buf[:0]
			}
		}
	}
	if len(buf) > 0 {
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
	return nil
}

// Entry describes a tensor of an opened file.
type Entry struct {
	// Name is the tensor's key in the header.
	Name string
	// Shape is the tensor's shape.
	Shape []int
	// Begin and End are the byte offsets of its data from the end of the
	// header.
	Begin, End int64
}

// Len returns the number of values.
func (e Entry) Len() int { return int((e.End - e.Begin) / 4) }

// File is an opened, checked safetensors file.
type File struct {
	r      io.ReaderAt
	size   int64
	header []byte // the raw header, padding included
	// Meta is the header's "__metadata__".
	Meta map[string]string
	// Entries describes the tensors, in the order of their data.
	Entries []Entry
	byName  map[string]int
}

// entry is a tensor's header entry.
type entry struct {
	DType       string  `json:"dtype"`
	Shape       []int64 `json:"shape"`
	DataOffsets []int64 `json:"data_offsets"`
}

// Open reads and checks the header of the size-byte file r. The header
// length, every tensor's size and offsets are checked against the file's
// size; the data is not read.
func Open(r io.ReaderAt, size int64) (*File, error) {
	if size < 8 {
		return nil, invalid("the file has %d bytes, fewer than the 8 of the header length", size)
	}
	var prefix [8]byte
	if err := readAt(r, prefix[:], 0); err != nil {
		return nil, fmt.Errorf("safetensors: reading the header length: %w", err)
	}
	n := binary.LittleEndian.Uint64(prefix[:])
	switch {
	case n < 2:
		return nil, invalid("header length %d is too small for a JSON object", n)
	case n > MaxHeaderSize:
		return nil, invalid("header length %d is over the limit of %d bytes", n, MaxHeaderSize)
	case n > uint64(size-8):
		return nil, invalid("header length %d runs past the end of the %d-byte file", n, size)
	}
	header := make([]byte, n)
	if err := readAt(r, header, 8); err != nil {
		return nil, fmt.Errorf("safetensors: reading the header: %w", err)
	}
	if header[0] != '{' {
		return nil, invalid("the header does not start with '{'")
	}
	var raw map[string]json.RawMessage
	if err := strictjson.Decode(header, &raw); err != nil {
		return nil, invalid("header: %v", err)
	}
	f := &File{r: r, size: size, header: header, Meta: map[string]string{}, byName: map[string]int{}}
	dataLen := size - 8 - int64(n)
	names := make([]string, 0, len(raw))
	for name := range raw {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		msg := raw[name]
		if name == "__metadata__" {
			if err := strictjson.Decode(msg, &f.Meta); err != nil {
				return nil, invalid("header: __metadata__: %v", err)
			}
			continue
		}
		var e entry
		if err := strictjson.Decode(msg, &e); err != nil {
			return nil, invalid("header: tensor %q: %v", name, err)
		}
		ent, err := checkEntry(name, e, dataLen)
		if err != nil {
			return nil, err
		}
		f.Entries = append(f.Entries, ent)
	}
	slices.SortFunc(f.Entries, func(a, b Entry) int {
		// Zero-size tensors sort before the tensor that starts where
		// they are.
		if c := cmp.Compare(a.Begin, b.Begin); c != 0 {
			return c
		}
		if c := cmp.Compare(a.End, b.End); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	var pos int64
	for i, e := range f.Entries {
		if e.Begin != pos {
			what := "a gap"
			if e.Begin < pos {
				what = "an overlap"
			}
			return nil, invalid("tensor %q starts at byte %d of the data, want %d (%s)", e.Name, e.Begin, pos, what)
		}
		pos = e.End
		f.byName[e.Name] = i
	}
	if pos != dataLen {
		return nil, invalid("the tensors cover %d bytes but the data holds %d", pos, dataLen)
	}
	return f, nil
}

// checkEntry checks a tensor's entry against the data length.
func checkEntry(name string, e entry, dataLen int64) (Entry, error) {
	if name == "" {
		return Entry{}, invalid("a tensor has an empty name")
	}
	if e.DType != "F32" {
		return Entry{}, invalid("tensor %q: dtype %q is not supported (want \"F32\")", name, e.DType)
	}
	if e.Shape == nil {
		return Entry{}, invalid("tensor %q: shape is missing", name)
	}
	if len(e.DataOffsets) != 2 {
		return Entry{}, invalid("tensor %q: data_offsets must have 2 elements, got %d", name, len(e.DataOffsets))
	}
	begin, end := e.DataOffsets[0], e.DataOffsets[1]
	if begin < 0 || end < begin || end > dataLen {
		return Entry{}, invalid("tensor %q: data_offsets [%d, %d] are not within the %d bytes of data", name, begin, end, dataLen)
	}
	// The number of values must fit the bytes the tensor covers, so it is
	// at most dataLen/4: check each product against that bound.
	limit := dataLen / 4
	count := int64(1)
	shape := make([]int, len(e.Shape))
	zero := false
	for i, d := range e.Shape {
		if d < 0 {
			return Entry{}, invalid("tensor %q: shape %v has a negative dimension", name, e.Shape)
		}
		if d > math.MaxInt32 {
			return Entry{}, invalid("tensor %q: dimension %d of shape %v is too large", name, d, e.Shape)
		}
		shape[i] = int(d)
		if d == 0 {
			zero = true
		}
	}
	if zero {
		count = 0
	} else {
		for _, d := range e.Shape {
			if count > limit/d {
				return Entry{}, invalid("tensor %q: shape %v holds more values than the file has bytes for", name, e.Shape)
			}
			count *= d
		}
	}
	if end-begin != 4*count {
		return Entry{}, invalid("tensor %q: shape %v needs %d bytes but data_offsets [%d, %d] cover %d", name, e.Shape, 4*count, begin, end, end-begin)
	}
	return Entry{Name: name, Shape: shape, Begin: begin, End: end}, nil
}

// readAt fills b from r at off; a full read that ends at the end of the
// input is not an error, whatever io.EOF convention r follows.
func readAt(r io.ReaderAt, b []byte, off int64) error {
	n, err := r.ReadAt(b, off)
	if n == len(b) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// Lookup returns the entry of the named tensor.
func (f *File) Lookup(name string) (Entry, bool) {
	i, ok := f.byName[name]
	if !ok {
		return Entry{}, false
	}
	return f.Entries[i], true
}

// dataStart is the offset of the data in the file.
func (f *File) dataStart() int64 { return 8 + int64(len(f.header)) }

// Read reads the named tensor's values into dst, which must have exactly
// the tensor's number of values.
func (f *File) Read(name string, dst []float32) error {
	e, ok := f.Lookup(name)
	if !ok {
		return fmt.Errorf("safetensors: no tensor %q", name)
	}
	if len(dst) != e.Len() {
		return fmt.Errorf("safetensors: tensor %q has %d values, destination %d", name, e.Len(), len(dst))
	}
	buf := make([]byte, min(int64(64<<10), e.End-e.Begin))
	off := f.dataStart() + e.Begin
	for i := 0; i < len(dst); {
		chunk := buf[:min(len(buf), 4*(len(dst)-i))]
		if err := readAt(f.r, chunk, off); err != nil {
			return fmt.Errorf("safetensors: reading tensor %q: %w", name, err)
		}
		for j := 0; j < len(chunk); j += 4 {
			dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(chunk[j:]))
			i++
		}
		off += int64(len(chunk))
	}
	return nil
}

// HasChecksum reports whether the metadata holds a checksum.
func (f *File) HasChecksum() bool {
	_, ok := f.Meta[ChecksumKey]
	return ok
}

// VerifyChecksum reads the whole file and compares its SHA-256 with the
// checksum in the metadata. A missing checksum is an error.
func (f *File) VerifyChecksum() error {
	v, ok := f.Meta[ChecksumKey]
	if !ok {
		return invalid("the metadata has no %q", ChecksumKey)
	}
	want, found := strings.CutPrefix(v, checksumPrefix)
	if !found || len(want) != 64 || strings.Trim(want, "0123456789abcdef") != "" {
		return invalid("metadata %q: want \"sha256:\" and 64 lowercase hexadecimal digits, got %.80q", ChecksumKey, v)
	}
	if c := bytes.Count(f.header, []byte(want)); c != 1 {
		return invalid("metadata %q: its digits appear %d times in the header, want exactly once", ChecksumKey, c)
	}
	header := bytes.Clone(f.header)
	i := bytes.Index(header, []byte(want))
	copy(header[i:], strings.Repeat("0", 64))
	h := sha256.New()
	var prefix [8]byte
	binary.LittleEndian.PutUint64(prefix[:], uint64(len(header)))
	h.Write(prefix[:])
	h.Write(header)
	sr := io.NewSectionReader(f.r, f.dataStart(), f.size-f.dataStart())
	if _, err := io.Copy(h, sr); err != nil {
		return fmt.Errorf("safetensors: reading the data: %w", err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return fmt.Errorf("%w: the file's SHA-256 is %s, its header records %s", ErrChecksum, got, want)
	}
	return nil
}
