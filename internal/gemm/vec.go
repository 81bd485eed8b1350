package gemm

// Axpy computes y += alpha·x over the first len(x) elements of y. It panics
// if y is shorter than x.
func Axpy(alpha float32, x, y []float32) {
	y = y[:len(x)]
	i := 0
	if useImpl != implGo {
		// The assembly rounds alpha·x and the sum separately, like the
		// loop below, so both give the same bits.
		i = len(x) &^ 7
		axpyVec(alpha, x[:i], y[:i])
	}
	// Four independent elements per iteration: the loads and stores
	// overlap and the bounds checks are paid once per four.
	for ; i+4 <= len(x); i += 4 {
		xs := x[i : i+4 : i+4]
		ys := y[i : i+4 : i+4]
		ys[0] += alpha * xs[0]
		ys[1] += alpha * xs[1]
		ys[2] += alpha * xs[2]
		ys[3] += alpha * xs[3]
	}
	for ; i < len(x); i++ {
		y[i] += alpha * x[i]
	}
}

// AddBiasRows adds bias[j] to C[i,j] for every row i of the m×n matrix C
// (row stride ldc). It panics if C or bias is too short.
func AddBiasRows(c []float32, m, n, ldc int, bias []float32) {
	checkMat("C", c, m, n, ldc)
	if m == 0 || n == 0 {
		return
	}
	bias = bias[:n]
	for i := 0; i < m; i++ {
		addTo(c[i*ldc:i*ldc+n], bias)
	}
}

// SumRows sets dst[j] = Σ_i G[i,j] for the m×n matrix G (row stride ldg),
// overwriting dst[:n]; the sum runs over i in order. This is the bias
// gradient of a Dense layer. It panics if dst or G is too short.
func SumRows(dst []float32, g []float32, m, n, ldg int) {
	checkMat("G", g, m, n, ldg)
	dst = dst[:n]
	clear(dst)
	for i := 0; i < m; i++ {
		addTo(dst, g[i*ldg:i*ldg+n])
	}
}

// addTo computes dst += src for len(dst) == len(src).
func addTo(dst, src []float32) {
	src = src[:len(dst)]
	i := 0
	if useImpl != implGo {
		i = len(dst) &^ 7
		addVec(dst[:i], src[:i])
	}
	for ; i+4 <= len(dst); i += 4 {
		d := dst[i : i+4 : i+4]
		s := src[i : i+4 : i+4]
		d[0] += s[0]
		d[1] += s[1]
		d[2] += s[2]
		d[3] += s[3]
	}
	for ; i < len(dst); i++ {
		dst[i] += src[i]
	}
}
