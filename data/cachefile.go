package data

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/neuron-go/neuron/internal/atomicfile"
	"github.com/neuron-go/neuron/tensor"
)

// CacheFile returns a Dataset that writes d's elements to the file at path
// the first time it is read to the end, and reads them from the file
// afterwards without reading d, as tf.data's cache(filename) does. The
// file keeps the cache across programs: an iteration that finds it reads
// it instead of d (delete the file when d changes). A first iteration that
// stops early or fails leaves no file, and a file is never seen half
// written (it is written to a temporary file and renamed when complete).
// A damaged file is an error that names it.
func (d *Dataset) CacheFile(path string) *Dataset {
	return New(func(yield func(Element) bool) error {
		f, err := os.Open(path)
		if err == nil {
			defer f.Close()
			return readCache(f, path, yield)
		}
		if !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("data: CacheFile: %w", err)
		}
		stopped := false
		err = atomicfile.WriteFile(path, func(w io.Writer) error {
			if _, err := io.WriteString(w, cacheMagic); err != nil {
				return err
			}
			var werr error
			n := uint64(0)
			err := d.run(func(e Element) bool {
				if werr = writeCacheElement(w, e); werr != nil {
					return false
				}
				n++
				if !yield(e) {
					stopped = true
					return false
				}
				return true
			})
			switch {
			case err != nil:
				return err
			case werr != nil:
				return werr
			case stopped:
				return errStopped
			}
			var end [9]byte
			binary.LittleEndian.PutUint64(end[1:], n)
			_, err = w.Write(end[:])
			return err
		}, 0o644)
		if errors.Is(err, errStopped) {
			return nil
		}
		return err
	})
}

// errStopped aborts the cache file of an iteration stopped early.
var errStopped = errors.New("data: CacheFile: iteration stopped")

// The cache file: cacheMagic, then per element a record
//
//	1, layout (xs int8, ys int8, w uint8), per part: rank uint8, dims uint32…, values float32…
//
// little-endian, and an end record 0, count uint64.
const cacheMagic = "NEURONDS\x01"

// maxCacheRank bounds the rank of a cached tensor.
const maxCacheRank = 32

func writeCacheElement(w io.Writer, e Element) error {
	l := e.layout()
	if l.xs > 127 || l.ys > 127 {
		return fmt.Errorf("data: CacheFile: an element with %d inputs and %d targets is too large to cache", l.xs, l.ys)
	}
	hdr := []byte{1, byte(int8(l.xs)), byte(int8(l.ys)), 0}
	if l.w {
		hdr[3] = 1
	}
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	var buf []byte
	for _, p := range e.parts() {
		if p.Rank() > maxCacheRank {
			return fmt.Errorf("data: CacheFile: a tensor of rank %d is too large to cache", p.Rank())
		}
		buf = append(buf[:0], byte(p.Rank()))
		for _, d := range p.Shape() {
			buf = binary.LittleEndian.AppendUint32(buf, uint32(d))
		}
		for _, v := range p.Data() {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
		}
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
	return nil
}

// readCache yields the elements of a cache file, checking every count
// against what the file can hold.
func readCache(f *os.File, path string, yield func(Element) bool) error {
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("data: CacheFile: %w", err)
	}
	size := st.Size()
	r := bufio.NewReaderSize(f, 1<<16)
	bad := func(format string, a ...any) error {
		return fmt.Errorf("data: CacheFile: %s is damaged: %s (delete it to rebuild the cache)", path, fmt.Sprintf(format, a...))
	}
	magic := make([]byte, len(cacheMagic))
	if _, err := io.ReadFull(r, magic); err != nil || string(magic) != cacheMagic {
		return bad("it does not start as a cache file")
	}
	read := int64(len(cacheMagic))
	full := func(b []byte) error {
		if _, err := io.ReadFull(r, b); err != nil {
			return bad("it ends inside a record at byte %d", read)
		}
		read += int64(len(b))
		return nil
	}
	var hdr [4]byte
	var dims [4 * maxCacheRank]byte
	for n := uint64(0); ; n++ {
		if err := full(hdr[:1]); err != nil {
			return err
		}
		if hdr[0] == 0 {
			var end [8]byte
			if err := full(end[:]); err != nil {
				return err
			}
			if got := binary.LittleEndian.Uint64(end[:]); got != n {
				return bad("its end record counts %d elements, it holds %d", got, n)
			}
			if read != size {
				return bad("%d bytes follow its end record", size-read)
			}
			return nil
		}
		if hdr[0] != 1 {
			return bad("record %d has tag %d", n, hdr[0])
		}
		if err := full(hdr[1:4]); err != nil {
			return err
		}
		l := layout{xs: int(int8(hdr[1])), ys: int(int8(hdr[2])), w: hdr[3] == 1}
		if hdr[3] > 1 || l.xs < -1 || l.ys < -1 || (l.xs == 0 && l.ys == 0 && !l.w) {
			return bad("record %d has layout %v", n, hdr[1:4])
		}
		parts := max(l.xs, -l.xs) + max(l.ys, -l.ys)
		if l.w {
			parts++
		}
		ps := make([]*tensor.Tensor, parts)
		for k := range ps {
			if err := full(hdr[:1]); err != nil {
				return err
			}
			rank := int(hdr[0])
			if rank > maxCacheRank {
				return bad("record %d has a tensor of rank %d", n, rank)
			}
			if err := full(dims[:4*rank]); err != nil {
				return err
			}
			shape := make([]int, rank)
			count := int64(1)
			for i := range shape {
				shape[i] = int(binary.LittleEndian.Uint32(dims[4*i:]))
				count *= int64(shape[i])
				if count > (size-read)/4 {
					return bad("record %d has a tensor of shape %v, more than the file holds", n, shape[:i+1])
				}
			}
			raw := make([]byte, 4*count)
			if err := full(raw); err != nil {
				return err
			}
			vals := make([]float32, count)
			for i := range vals {
				vals[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
			}
			ps[k] = reshaped(vals, shape)
		}
		if !yield(l.element(ps)) {
			return nil
		}
	}
}
