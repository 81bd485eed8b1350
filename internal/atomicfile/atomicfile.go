// Package atomicfile replaces files so that readers see either the old
// contents or the complete new contents, never a partial write.
//
// A file written in place and interrupted (kill -9, a full disk, a power
// cut) is left truncated, and a later run may trust it: Keras's get_file
// has exactly this problem with its download cache. Writing a temporary
// file in the same directory, syncing it, and renaming it over the target
// avoids it. The file is synced before the rename because otherwise some
// file systems can show a zero-length file after a crash; the directory is
// synced after the rename so that the rename itself survives one.
package atomicfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// WriteFile atomically replaces the file at path with what write writes.
//
// The data goes to a new temporary file in the same directory (so that the
// final rename never crosses file systems), named "."+base+".tmp-*". After
// write returns nil, the temporary file is synced, closed, given mode perm
// (exactly, without applying the umask) and renamed to path, and the
// directory is synced.
//
// If write or any step fails, the temporary file is removed and the file
// at path, if any, is untouched. An error from write is returned as it is;
// other errors wrap the underlying *os.PathError, so errors.Is(err,
// syscall.ENOSPC) and similar tests work.
func WriteFile(path string, write func(w io.Writer) error, perm os.FileMode) (err error) {
	dir, base := filepath.Split(path)
	if base == "" {
		return fmt.Errorf("atomicfile: %q names a directory, not a file", path)
	}
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	tmp := f.Name()
	closed := false
	defer func() {
		if err != nil {
			if !closed {
				f.Close()
			}
			os.Remove(tmp)
		}
	}()

	bw := bufio.NewWriterSize(f, 64<<10)
	if err := write(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	if err := f.Chmod(perm); err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	closed = true
	if err := f.Close(); err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	// From here on the new file is in place; an error only means the
	// rename may not yet be durable.
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("atomicfile: %s is in place but not yet durable: %w", path, err)
	}
	return nil
}

// WriteBytes atomically replaces the file at path with data. It is
// WriteFile for callers that already hold the whole contents.
func WriteBytes(path string, data []byte, perm os.FileMode) error {
	return WriteFile(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	}, perm)
}

// RemoveStale removes temporary files that WriteFile left next to path
// when its process was killed, if they were last modified more than
// olderThan ago. Young files are kept because another process may be
// writing them right now. It returns how many files it removed.
func RemoveStale(path string, olderThan time.Duration) (int, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, fmt.Errorf("atomicfile: %w", err)
	}
	prefix := "." + base + ".tmp-"
	cutoff := time.Now().Add(-olderThan)
	removed := 0
	var errs []error
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), prefix) || !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil || info.ModTime().After(cutoff) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		removed++
	}
	if err := errors.Join(errs...); err != nil {
		return removed, fmt.Errorf("atomicfile: %w", err)
	}
	return removed, nil
}

// syncDir makes a rename in dir durable. Windows cannot open a directory
// for syncing, and NTFS journals renames, so it is skipped there.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
