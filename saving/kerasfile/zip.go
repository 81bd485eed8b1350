package kerasfile

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"time"
)

// The .keras file is a zip archive (Keras's saving_lib): metadata.json,
// config.json and model.weights.h5, all stored uncompressed, and an
// optional assets/ folder. Reading bounds everything the archive declares
// and never trusts a size it states: entry names are checked, JSON entries
// are read through a limit, and model.weights.h5, stored as Keras stores
// it, is read in place from the file without being copied.

// Names of the archive's entries.
const (
	metadataName = "metadata.json"
	configName   = "config.json"
	weightsName  = "model.weights.h5"
)

// Limits of what an archive may hold.
const (
	maxEntries = 10_000
	// maxWeightsBytes bounds a compressed model.weights.h5, which must be
	// inflated into memory.
	maxWeightsBytes = 4 << 30
	// maxRatio bounds the expansion of a compressed entry (deflate cannot
	// exceed about 1032:1).
	maxRatio = 1100
)

// ErrUnsafePath is wrapped by the errors for archive entries whose names
// would reach outside the archive's folder: "..", absolute paths,
// backslashes or NUL bytes.
var ErrUnsafePath = errors.New("kerasfile: unsafe path in archive")

// archive is an opened .keras file.
type archive struct {
	metadata, config []byte
	weights          io.ReaderAt
	weightsSize      int64
	assets           map[string]*zip.File // by path below assets/
}

// asset reads a file of the assets folder, bounded as config.json is.
func (a *archive) asset(path string) ([]byte, bool, error) {
	f, ok := a.assets[path]
	if !ok {
		return nil, false, nil
	}
	b, err := readEntry(f, maxConfigBytes)
	return b, err == nil, err
}

// checkName refuses entry names that could escape a folder when unpacked.
func checkName(name string) error {
	if name == "" || strings.ContainsAny(name, "\\\x00") || strings.HasPrefix(name, "/") ||
		(len(name) > 1 && name[1] == ':') {
		return fmt.Errorf("%w: %q", ErrUnsafePath, name)
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			return fmt.Errorf("%w: %q", ErrUnsafePath, name)
		}
	}
	if path.Clean(name) != strings.TrimSuffix(name, "/") && path.Clean(name)+"/" != name {
		return fmt.Errorf("%w: %q is not a clean path", ErrUnsafePath, name)
	}
	return nil
}

// readEntry reads a small entry through a limit.
func readEntry(f *zip.File, limit int64) ([]byte, error) {
	if f.UncompressedSize64 > uint64(limit) {
		return nil, invalidf("%s: %d bytes; the limit is %d", f.Name, f.UncompressedSize64, limit)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalid, f.Name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, int64(f.UncompressedSize64)+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalid, f.Name, err)
	}
	if int64(len(b)) != int64(f.UncompressedSize64) {
		return nil, invalidf("%s: holds more than the %d bytes it declares", f.Name, f.UncompressedSize64)
	}
	return b, nil
}

// openArchive opens a .keras archive held by r.
func openArchive(r io.ReaderAt, size int64) (*archive, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("%w: not a .keras (zip) file: %v", ErrInvalid, err)
	}
	if len(zr.File) > maxEntries {
		return nil, invalidf("the archive has %d entries; the limit is %d", len(zr.File), maxEntries)
	}
	a := &archive{assets: map[string]*zip.File{}}
	seen := map[string]bool{}
	var weights *zip.File
	for _, f := range zr.File {
		if err := checkName(f.Name); err != nil {
			return nil, err
		}
		if seen[f.Name] {
			return nil, invalidf("entry %q appears twice", f.Name)
		}
		seen[f.Name] = true
		if f.Method != zip.Store && f.CompressedSize64 > 0 && f.UncompressedSize64/f.CompressedSize64 > maxRatio {
			return nil, invalidf("entry %q expands %d:1 (%d bytes from %d); the limit is %d:1", f.Name, f.UncompressedSize64/f.CompressedSize64, f.UncompressedSize64, f.CompressedSize64, maxRatio)
		}
		switch f.Name {
		case metadataName:
			if a.metadata, err = readEntry(f, 1<<20); err != nil {
				return nil, err
			}
		case configName:
			if a.config, err = readEntry(f, maxConfigBytes); err != nil {
				return nil, err
			}
		case weightsName:
			weights = f
		default:
			if rest, ok := strings.CutPrefix(f.Name, "assets/"); ok {
				a.assets[rest] = f
			}
		}
	}
	if a.config == nil {
		return nil, invalidf("the archive has no %s", configName)
	}
	if weights == nil {
		return nil, invalidf("the archive has no %s", weightsName)
	}
	if weights.Method == zip.Store {
		// Stored as Keras stores it: read the HDF5 file in place.
		off, err := weights.DataOffset()
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrInvalid, weightsName, err)
		}
		n := int64(weights.UncompressedSize64)
		if weights.CompressedSize64 != weights.UncompressedSize64 || off < 0 || n < 0 || off > size || n > size-off {
			return nil, invalidf("%s: stored entry of %d bytes at offset %d does not fit in the %d-byte file", weightsName, n, off, size)
		}
		a.weights, a.weightsSize = io.NewSectionReader(r, off, n), n
		return a, nil
	}
	b, err := readEntry(weights, maxWeightsBytes)
	if err != nil {
		return nil, err
	}
	a.weights, a.weightsSize = bytes.NewReader(b), int64(len(b))
	return a, nil
}

// writeArchive writes a .keras archive as Keras does: the entries in
// Keras's order, stored uncompressed.
func writeArchive(w io.Writer, metadata, config []byte, weights func(io.Writer) error) error {
	zw := zip.NewWriter(w)
	now := time.Now()
	add := func(name string, write func(io.Writer) error) error {
		hw, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store, Modified: now})
		if err != nil {
			return err
		}
		return write(hw)
	}
	bytesOf := func(b []byte) func(io.Writer) error {
		return func(w io.Writer) error { _, err := w.Write(b); return err }
	}
	if err := add(metadataName, bytesOf(metadata)); err != nil {
		return err
	}
	if err := add(configName, bytesOf(config)); err != nil {
		return err
	}
	if err := add(weightsName, weights); err != nil {
		return err
	}
	return zw.Close()
}
