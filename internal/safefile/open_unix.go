//go:build unix

package safefile

import (
	"os"
	"syscall"
)

// openNonblocking opens path with O_NONBLOCK, so that a FIFO swapped in
// after the check cannot block the open; the flag does not change reads of
// regular files.
func openNonblocking(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
