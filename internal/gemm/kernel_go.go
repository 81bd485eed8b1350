package gemm

// goTiles runs goTile on n tiles stacked along M, the t-th reading A from
// a[t*aStep:] and writing C from c[t*rows*ldc:].
func goTiles(k int, a []float32, ra, pa int, b []float32, sb int, c []float32, ldc int, rows, cols int, acc bool, n, aStep int) {
	for t := range n {
		goTile(k, a[t*aStep:], ra, pa, b, sb, c[t*rows*ldc:], ldc, rows, cols, acc)
	}
}

// goTile is the portable micro-kernel, with the same contract as the
// assembly kernels: the rows×cols tile Σ_p A[r*ra+p*pa]·B[p*sb+j] is stored
// into C (acc false) or added to it, for rows ≤ 4 and cols ≤ 4. Full 4×4
// tiles keep the 16 sums in locals.
func goTile(k int, a []float32, ra, pa int, b []float32, sb int, c []float32, ldc int, rows, cols int, acc bool) {
	if rows == 4 && cols == 4 {
		goTile4x4(k, a, ra, pa, b, sb, c, ldc, acc)
		return
	}
	if cols == 4 {
		// Batches of 1 to 3 rows (a single prediction) keep their sums in
		// locals too: the loop below is several times slower, most of all
		// in WebAssembly, where the array t lives in linear memory. The
		// sums are added in the same order, so the bits are the same.
		if rows >= 2 {
			goTile2x4(k, a, ra, pa, b, sb, c, ldc, acc)
		}
		if rows != 2 {
			off := rows - 1 // row 0 of 1, row 2 of 3
			goTile1x4(k, a[off*ra:], pa, b, sb, c[off*ldc:], acc)
		}
		return
	}
	var t [16]float32
	for r := 0; r < rows; r++ {
		ar := a[r*ra:]
		tr := t[r*4 : r*4+4]
		for p := 0; p < k; p++ {
			av := ar[p*pa]
			bp := b[p*sb : p*sb+cols]
			for j, bv := range bp {
				tr[j] += av * bv
			}
		}
	}
	for r := 0; r < rows; r++ {
		cr := c[r*ldc : r*ldc+cols]
		for j := range cr {
			if acc {
				cr[j] += t[r*4+j]
			} else {
				cr[j] = t[r*4+j]
			}
		}
	}
}

// goTile4x4 computes a full 4×4 tile as two 2×4 halves: 8 sums, 2 A and 4
// B values stay in registers even on amd64, whose 15 usable float
// registers would spill half of a 4×4 tile's 16 sums every k step.
func goTile4x4(k int, a []float32, ra, pa int, b []float32, sb int, c []float32, ldc int, acc bool) {
	goTile2x4(k, a, ra, pa, b, sb, c, ldc, acc)
	goTile2x4(k, a[2*ra:], ra, pa, b, sb, c[2*ldc:], ldc, acc)
}

func goTile1x4(k int, a []float32, pa int, b []float32, sb int, c []float32, acc bool) {
	var c0, c1, c2, c3 float32
	as := a[:(k-1)*pa+1]
	for p := 0; p < k; p++ {
		bp := b[p*sb : p*sb+4 : p*sb+4]
		av := as[p*pa]
		c0 += av * bp[0]
		c1 += av * bp[1]
		c2 += av * bp[2]
		c3 += av * bp[3]
	}
	r := c[0:4:4]
	if acc {
		c0 += r[0]
		c1 += r[1]
		c2 += r[2]
		c3 += r[3]
	}
	r[0], r[1], r[2], r[3] = c0, c1, c2, c3
}

func goTile2x4(k int, a []float32, ra, pa int, b []float32, sb int, c []float32, ldc int, acc bool) {
	var c00, c01, c02, c03, c10, c11, c12, c13 float32
	a0s := a[:(k-1)*pa+1]
	a1s := a[ra : ra+(k-1)*pa+1]
	for p := 0; p < k; p++ {
		bp := b[p*sb : p*sb+4 : p*sb+4]
		b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
		a0, a1 := a0s[p*pa], a1s[p*pa]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
	}
	r0 := c[0:4:4]
	r1 := c[ldc : ldc+4 : ldc+4]
	if acc {
		c00 += r0[0]
		c01 += r0[1]
		c02 += r0[2]
		c03 += r0[3]
		c10 += r1[0]
		c11 += r1[1]
		c12 += r1[2]
		c13 += r1[3]
	}
	r0[0], r0[1], r0[2], r0[3] = c00, c01, c02, c03
	r1[0], r1[1], r1[2], r1[3] = c10, c11, c12, c13
}
