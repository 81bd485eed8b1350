package vec

// The AVX-512 kernels, then the AVX2 ones; without either the Go loops
// run. All of them take any c (a scalar tail after the vector groups).

//go:noescape
func scaleShiftRowsAVX512(y, x, a, b *float32, n, c int)

//go:noescape
func addSqDevRowsAVX512(acc, x, mean *float32, n, c int)

//go:noescape
func addDevDotRowsAVX512(acc, grad, x, mean *float32, n, c int)

//go:noescape
func addAffine2RowsAVX512(dst, grad, x, a, b, d *float32, n, c int)

//go:noescape
func scaleShiftRowsAVX2(y, x, a, b *float32, n, c int)

//go:noescape
func addSqDevRowsAVX2(acc, x, mean *float32, n, c int)

//go:noescape
func addDevDotRowsAVX2(acc, grad, x, mean *float32, n, c int)

//go:noescape
func addAffine2RowsAVX2(dst, grad, x, a, b, d *float32, n, c int)

func scaleShiftRowsAsm(y, x, a, b []float32, n, c int) bool {
	switch {
	case hasAVX512:
		scaleShiftRowsAVX512(&y[0], &x[0], &a[0], &b[0], n, c)
	case hasAVX2:
		scaleShiftRowsAVX2(&y[0], &x[0], &a[0], &b[0], n, c)
	default:
		return false
	}
	return true
}

func addSqDevRowsAsm(acc, x, mean []float32, n, c int) bool {
	switch {
	case hasAVX512:
		addSqDevRowsAVX512(&acc[0], &x[0], &mean[0], n, c)
	case hasAVX2:
		addSqDevRowsAVX2(&acc[0], &x[0], &mean[0], n, c)
	default:
		return false
	}
	return true
}

func addDevDotRowsAsm(acc, g, x, mean []float32, n, c int) bool {
	switch {
	case hasAVX512:
		addDevDotRowsAVX512(&acc[0], &g[0], &x[0], &mean[0], n, c)
	case hasAVX2:
		addDevDotRowsAVX2(&acc[0], &g[0], &x[0], &mean[0], n, c)
	default:
		return false
	}
	return true
}

func addAffine2RowsAsm(dst, g, x, a, b, d []float32, n, c int) bool {
	switch {
	case hasAVX512:
		addAffine2RowsAVX512(&dst[0], &g[0], &x[0], &a[0], &b[0], &d[0], n, c)
	case hasAVX2:
		addAffine2RowsAVX2(&dst[0], &g[0], &x[0], &a[0], &b[0], &d[0], n, c)
	default:
		return false
	}
	return true
}
