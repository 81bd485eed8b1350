package hdf5

import (
	"errors"
	"fmt"
)

// ErrFormat is wrapped by every error about a malformed file: a bad
// signature or checksum, an address outside the file, a cycle, a count or
// size larger than the structure holding it. Test with errors.Is.
var ErrFormat = errors.New("malformed HDF5 file")

// ErrUnsupported is wrapped by errors about valid HDF5 features outside the
// subset this package reads (compound datatypes, external links, filters
// other than deflate, shuffle and fletcher32, ...).
var ErrUnsupported = errors.New("unsupported HDF5 feature")

// ErrNotFound is wrapped when a group has no member or an object no
// attribute of the given name.
var ErrNotFound = errors.New("not found")

// FormatError describes a malformed structure: which object (its path when
// known), which structure and file address, and what was wrong.
type FormatError struct {
	Object string // path of the group or dataset being read, "" if unknown
	What   string // the structure, e.g. "object header", "v1 B-tree node"
	Addr   uint64 // file address of the structure (relative to the base address)
	Msg    string // what was wrong
}

// Error says where the structure is and what was wrong with it.
func (e *FormatError) Error() string {
	obj := ""
	if e.Object != "" {
		obj = fmt.Sprintf(" (object %q)", e.Object)
	}
	return fmt.Sprintf("hdf5: %s at address 0x%x%s: %s", e.What, e.Addr, obj, e.Msg)
}

// Unwrap makes errors.Is(err, ErrFormat) true.
func (e *FormatError) Unwrap() error { return ErrFormat }

// UnsupportedError names a valid HDF5 feature this package does not read.
type UnsupportedError struct {
	Object  string // path of the object that uses it
	Feature string // what it is, e.g. "datatype class 6 (compound)"
}

// Error names the object and the feature.
func (e *UnsupportedError) Error() string {
	if e.Object != "" {
		return fmt.Sprintf("hdf5: %q uses %s, which this package does not read", e.Object, e.Feature)
	}
	return fmt.Sprintf("hdf5: %s is not supported by this package", e.Feature)
}

// Unwrap makes errors.Is(err, ErrUnsupported) true.
func (e *UnsupportedError) Unwrap() error { return ErrUnsupported }
