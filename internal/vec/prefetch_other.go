//go:build !amd64

package vec

import "unsafe"

// Without the assembly, prefetching is left to the hardware.
func prefetchRows(base unsafe.Pointer, idx []int, rowBytes int) {}
