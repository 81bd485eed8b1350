package vec

import (
	"fmt"
	"unsafe"
)

// PrefetchRows asks the CPU to bring rows idx of src (rows of n floats) into
// its caches, without waiting for them: the rows of the next shuffled
// batch, fetched from DRAM while the current step computes, so that
// gathering them later reads the cache instead of paying a DRAM miss for
// each line. It changes no memory and does nothing without the amd64
// assembly. It panics if a row is out of range, as gathering it would.
func PrefetchRows(src []float32, idx []int, n int) {
	if checkPrefetch(len(src), idx, n) {
		prefetchRows(unsafe.Pointer(&src[0]), idx, 4*n)
	}
}

// PrefetchByteRows is PrefetchRows for rows of n bytes.
func PrefetchByteRows(src []byte, idx []int, n int) {
	if checkPrefetch(len(src), idx, n) {
		prefetchRows(unsafe.Pointer(&src[0]), idx, n)
	}
}

// checkPrefetch reports whether there is anything to prefetch, and panics if a
// row is out of range.
func checkPrefetch(size int, idx []int, n int) bool {
	if n <= 0 || len(idx) == 0 {
		return false
	}
	rows := size / n
	for _, r := range idx {
		if r < 0 || r >= rows {
			panic(fmt.Sprintf("vec: PrefetchRows: row %d out of range [0,%d)", r, rows))
		}
	}
	return true
}
