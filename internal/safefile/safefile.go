// Package safefile opens user-named files for reading without the traps of
// special files: a named pipe (FIFO) blocks open(2) until a writer comes,
// a device such as /dev/zero never ends, and a directory is not data. Open
// refuses all of them with an error that says what the path is, before
// it could block.
package safefile

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
)

// Open opens path for reading if it is a regular file (symbolic links are
// followed) and returns the file and its size. Any other kind of file is
// an error naming the path and its kind; the check is made before the open
// and again on the opened file, so that a path swapped in between is
// caught too.
func Open(path string) (*os.File, int64, error) {
	fi, err := os.Stat(path)
	if err != nil {
		if pe, ok := err.(*fs.PathError); ok {
			pe.Op = "open" // what the caller asked for
		}
		return nil, 0, err
	}
	if err := Check(path, fi); err != nil {
		return nil, 0, err
	}
	f, err := openNonblocking(path)
	if err != nil {
		return nil, 0, err
	}
	if fi, err = f.Stat(); err == nil {
		err = Check(path, fi)
	}
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, fi.Size(), nil
}

// ReadFile is os.ReadFile for regular files only, with Open's checks.
func ReadFile(path string) ([]byte, error) {
	f, size, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := bytes.NewBuffer(make([]byte, 0, size+1))
	_, err = buf.ReadFrom(f)
	return buf.Bytes(), err
}

// Check returns an error unless fi, the information of path, is that of a
// regular file.
func Check(path string, fi fs.FileInfo) error {
	if fi.Mode().IsRegular() {
		return nil
	}
	return &NotRegularError{Path: path, Kind: Kind(fi.Mode())}
}

// NotRegularError is the error of Open for a path that is not a regular
// file.
type NotRegularError struct {
	Path string // the path given
	Kind string // what it is: "a directory", "a named pipe (FIFO)", …
}

// Error implements error.
func (e *NotRegularError) Error() string {
	return fmt.Sprintf("%s is %s, not a regular file", e.Path, e.Kind)
}

// Kind describes the type of a file mode in words.
func Kind(m fs.FileMode) string {
	switch t := m.Type(); {
	case t&fs.ModeDir != 0:
		return "a directory"
	case t&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case t&fs.ModeSocket != 0:
		return "a socket"
	case t&fs.ModeCharDevice != 0:
		return "a character device"
	case t&fs.ModeDevice != 0:
		return "a block device"
	case t&fs.ModeSymlink != 0:
		return "a symbolic link"
	case t&fs.ModeIrregular != 0:
		return "an irregular file"
	}
	return "not a regular file"
}
