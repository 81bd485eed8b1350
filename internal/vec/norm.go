package vec

import "fmt"

// Row kernels of the normalization layers (BatchNormalization): x holds n
// rows of c floats, one row per position and one column per channel, and
// the per-channel vectors a, b, d, mean hold c floats. Each element is
// computed with separately rounded operations in the order written, on
// every path.

// ScaleShiftRows sets y[r, j] = x[r, j]·a[j] + b[j].
func ScaleShiftRows(y, x, a, b []float32, n, c int) {
	checkNorm("ScaleShiftRows", n, c, [][]float32{y, x}, [][]float32{a, b})
	if n == 0 || c == 0 || scaleShiftRowsAsm(y, x, a, b, n, c) {
		return
	}
	for r := range n {
		yr, xr := y[r*c:(r+1)*c], x[r*c:(r+1)*c]
		for j, v := range xr {
			yr[j] = float32(v*a[j]) + b[j]
		}
	}
}

// AddSqDevRows adds Σ_r (x[r, j] − mean[j])² to acc[j], row by row.
func AddSqDevRows(acc, x, mean []float32, n, c int) {
	checkNorm("AddSqDevRows", n, c, [][]float32{x}, [][]float32{acc, mean})
	if n == 0 || c == 0 || addSqDevRowsAsm(acc, x, mean, n, c) {
		return
	}
	for r := range n {
		for j, v := range x[r*c : (r+1)*c] {
			d := v - mean[j]
			acc[j] += float32(d * d)
		}
	}
}

// AddDevDotRows adds Σ_r g[r, j]·(x[r, j] − mean[j]) to acc[j], row by row.
func AddDevDotRows(acc, g, x, mean []float32, n, c int) {
	checkNorm("AddDevDotRows", n, c, [][]float32{g, x}, [][]float32{acc, mean})
	if n == 0 || c == 0 || addDevDotRowsAsm(acc, g, x, mean, n, c) {
		return
	}
	for r := range n {
		gr, xr := g[r*c:(r+1)*c], x[r*c:(r+1)*c]
		for j, v := range xr {
			acc[j] += float32(gr[j] * (v - mean[j]))
		}
	}
}

// AddAffine2Rows adds (g[r, j]·a[j] + x[r, j]·b[j]) + d[j] to dst[r, j].
func AddAffine2Rows(dst, g, x, a, b, d []float32, n, c int) {
	checkNorm("AddAffine2Rows", n, c, [][]float32{dst, g, x}, [][]float32{a, b, d})
	if n == 0 || c == 0 || addAffine2RowsAsm(dst, g, x, a, b, d, n, c) {
		return
	}
	for r := range n {
		dr, gr, xr := dst[r*c:(r+1)*c], g[r*c:(r+1)*c], x[r*c:(r+1)*c]
		for j := range dr {
			t := float32(gr[j]*a[j]) + float32(xr[j]*b[j])
			dr[j] += t + d[j]
		}
	}
}

func checkNorm(op string, n, c int, rows, vecs [][]float32) {
	if n < 0 || c < 0 {
		panic(fmt.Sprintf("vec: %s: negative size %d×%d", op, n, c))
	}
	for _, s := range rows {
		if len(s) < n*c {
			panic(fmt.Sprintf("vec: %s: %d rows of %d do not fit a slice of %d", op, n, c, len(s)))
		}
	}
	for _, s := range vecs {
		if len(s) < c {
			panic(fmt.Sprintf("vec: %s: a vector of %d for %d columns", op, len(s), c))
		}
	}
}
