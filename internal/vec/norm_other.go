//go:build !amd64

package vec

func scaleShiftRowsAsm(y, x, a, b []float32, n, c int) bool         { return false }
func addSqDevRowsAsm(acc, x, mean []float32, n, c int) bool         { return false }
func addDevDotRowsAsm(acc, g, x, mean []float32, n, c int) bool     { return false }
func addAffine2RowsAsm(dst, g, x, a, b, d []float32, n, c int) bool { return false }
