package vec

import "unsafe"

//go:noescape
func prefetchRowsAsm(base unsafe.Pointer, idx *int, rows, rowBytes int)

func prefetchRows(base unsafe.Pointer, idx []int, rowBytes int) {
	prefetchRowsAsm(base, &idx[0], len(idx), rowBytes)
}
