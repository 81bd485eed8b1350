package gemm

// Epilogue is what SgemmEpilogue applies to each element of C once its sum
// over K is complete: C[i,j] = act(C[i,j] + Bias[j]). It runs on each C
// tile right after the tile's last K block is written, while the tile is
// still in the cache, instead of as separate passes over the whole of C
// afterwards; the results are bit for bit those of Sgemm followed by
// AddBiasRows and then a ReLU pass (vec.ReLU), since every element goes
// through the same operations in the same order.
type Epilogue struct {
	// Bias, if not nil, holds at least n values; Bias[j] is added to every
	// element of column j of C.
	Bias []float32
	// ReLU then replaces each element x by max(x, 0): −0 becomes +0 and a
	// NaN stays NaN (x + 0), as vec.ReLU does.
	ReLU bool
}

// active reports whether the epilogue does anything.
func (e *Epilogue) active() bool { return e.Bias != nil || e.ReLU }

// SgemmEpilogue computes C = ep(op(A)·op(B) + beta·C): Sgemm followed by
// the bias and activation of ep, applied to each tile of C as soon as it is
// complete. Its arguments are those of Sgemm; it also panics if ep.Bias is
// not nil and shorter than n.
func SgemmEpilogue(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, ep Epilogue) {
	if ep.Bias != nil && len(ep.Bias) < n {
		panic("gemm: Epilogue.Bias is shorter than n")
	}
	sgemm(transA, transB, m, n, k, a, lda, b, ldb, beta, c, ldc, ep)
}

// epilogue applies j.epi to rows [i0, i0+rows), columns [c0, c0+cols) of C.
func (j *job) epilogue(i0, rows, c0, cols int) {
	applyEpilogue(j.im, j.c[i0*j.ldc+c0:], j.ldc, rows, cols, j.epi.Bias, c0, j.epi.ReLU)
}

// applyEpilogue adds bias[c0:c0+cols] (if bias is not nil) to each of the
// rows×cols elements of c (row stride ldc) and then, with relu, applies the
// ReLU to them.
func applyEpilogue(im impl, c []float32, ldc, rows, cols int, bias []float32, c0 int, relu bool) {
	if rows == 0 || cols == 0 {
		return
	}
	c = c[:(rows-1)*ldc+cols]
	if bias != nil {
		bias = bias[c0 : c0+cols]
	}
	done := 0
	if im != implGo {
		done = epilogueAsm(c, ldc, rows, cols&^7, bias, relu)
	}
	if done == cols {
		return
	}
	for i := 0; i < rows; i++ {
		ci := c[i*ldc+done : i*ldc+cols]
		if bias != nil {
			for jj, v := range bias[done:cols] {
				ci[jj] += v
			}
		}
		if relu {
			for jj, v := range ci {
				// vec.ReLU's Go loop: max, and a NaN plus 0 (the
				// assembly's max(0, x) + 0).
				y := max(v, 0)
				if v != v {
					y = v + 0
				}
				ci[jj] = y
			}
		}
	}
}
