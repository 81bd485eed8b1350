//go:build !amd64

package vec

func addRowsAsm(dst []float32, dstStep int, src []float32, srcStep int, n, seg int) bool {
	return false
}

func copyRowsAsm(dst []float32, dstStep int, src []float32, srcStep int, n, seg int) bool {
	return false
}
