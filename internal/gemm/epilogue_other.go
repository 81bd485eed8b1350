//go:build !amd64 || purego

package gemm

func epilogueAsm(c []float32, ldc, rows, cols int, bias []float32, relu bool) int {
	panic("gemm: no assembly on this platform")
}
