package vec

//go:noescape
func mulAddRowsAVX2(dst *float32, dstStep int, a *float32, aStep int, b *float32, bStep int, n, seg int)

func mulAddRowsAsm(dst []float32, dstStep int, a []float32, aStep int, b []float32, bStep int, n, seg int) bool {
	if !hasAVX2 {
		return false
	}
	mulAddRowsAVX2(&dst[0], dstStep, &a[0], aStep, &b[0], bStep, n, seg)
	return true
}
