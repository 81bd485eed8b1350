//go:build amd64 && !purego

package gemm

import "unsafe"

// biasAct8 adds bias[j] to c[i*ldc+j] (flags bit 0) and then applies the
// ReLU (bit 1) for i < rows and j < cols, cols a multiple of 8 (AVX).
//
//go:noescape
func biasAct8(c *float32, ldc, rows, cols int, bias *float32, flags int)

// epilogueAsm runs biasAct8 on the first cols columns (a multiple of 8) of
// the rows×cols' matrix c and returns cols. c and bias are already cut to
// their extent by applyEpilogue.
func epilogueAsm(c []float32, ldc, rows, cols int, bias []float32, relu bool) int {
	if cols == 0 {
		return 0
	}
	_ = c[(rows-1)*ldc+cols-1]
	flags := 0
	var bp *float32
	if bias != nil {
		_ = bias[cols-1]
		bp = unsafe.SliceData(bias)
		flags |= 1
	}
	if relu {
		flags |= 2
	}
	biasAct8(unsafe.SliceData(c), ldc, rows, cols, bp, flags)
	return cols
}
