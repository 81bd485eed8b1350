//go:build !amd64

package vec

func mulAddRowsAsm(dst []float32, dstStep int, a []float32, aStep int, b []float32, bStep int, n, seg int) bool {
	return false
}
