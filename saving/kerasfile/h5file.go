package kerasfile

import (
	"errors"
	"io"
)

// openH5 opens an HDF5 file for the weight layouts.
func openH5(r io.ReaderAt, size int64) (h5Group, error) {
	return nil, errNoHDF5
}

// encodeH5 writes an in-memory HDF5 tree.
func encodeH5(w io.Writer, root *memGroup) error {
	return errNoHDF5
}

var errNoHDF5 = errors.New("kerasfile: HDF5 support is missing")
