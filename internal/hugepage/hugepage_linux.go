//go:build linux

package hugepage

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

const hugeSize = 2 << 20

// advise asks for huge pages on the 2 MiB-aligned interior of b. The
// advice only shapes future page faults, so b must not have been touched
// yet; an error (an old kernel without transparent huge pages) leaves the
// memory as it is.
func advise(b []byte) {
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	lo := (p + hugeSize - 1) &^ (hugeSize - 1)
	hi := (p + uintptr(len(b))) &^ (hugeSize - 1)
	if hi <= lo {
		return
	}
	_ = unix.Madvise(b[lo-p:hi-p], unix.MADV_HUGEPAGE)
}

func sliceBytes(d []float32) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(d))), len(d)*4)
}
