package vec

// The AVX-512 kernels; without AVX-512 the Go loops run.

//go:noescape
func scaleShiftRowsAVX512(y, x, a, b *float32, n, c int)

//go:noescape
func addSqDevRowsAVX512(acc, x, mean *float32, n, c int)

//go:noescape
func addDevDotRowsAVX512(acc, grad, x, mean *float32, n, c int)

//go:noescape
func addAffine2RowsAVX512(dst, grad, x, a, b, d *float32, n, c int)

func scaleShiftRowsAsm(y, x, a, b []float32, n, c int) bool {
	if !hasAVX512 {
		return false
	}
	scaleShiftRowsAVX512(&y[0], &x[0], &a[0], &b[0], n, c)
	return true
}

func addSqDevRowsAsm(acc, x, mean []float32, n, c int) bool {
	if !hasAVX512 {
		return false
	}
	addSqDevRowsAVX512(&acc[0], &x[0], &mean[0], n, c)
	return true
}

func addDevDotRowsAsm(acc, g, x, mean []float32, n, c int) bool {
	if !hasAVX512 {
		return false
	}
	addDevDotRowsAVX512(&acc[0], &g[0], &x[0], &mean[0], n, c)
	return true
}

func addAffine2RowsAsm(dst, g, x, a, b, d []float32, n, c int) bool {
	if !hasAVX512 {
		return false
	}
	addAffine2RowsAVX512(&dst[0], &g[0], &x[0], &a[0], &b[0], &d[0], n, c)
	return true
}
