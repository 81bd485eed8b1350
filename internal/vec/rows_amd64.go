package vec

//go:noescape
func addRowsAVX512(dst *float32, dstStep int, src *float32, srcStep int, n, seg int)

//go:noescape
func addRowsAVX2(dst *float32, dstStep int, src *float32, srcStep int, n, seg int)

//go:noescape
func copyRowsAVX512(dst *float32, dstStep int, src *float32, srcStep int, n, seg int)

//go:noescape
func copyRowsAVX2(dst *float32, dstStep int, src *float32, srcStep int, n, seg int)

func addRowsAsm(dst []float32, dstStep int, src []float32, srcStep int, n, seg int) bool {
	switch {
	case hasAVX512:
		addRowsAVX512(&dst[0], dstStep, &src[0], srcStep, n, seg)
	case hasAVX2:
		addRowsAVX2(&dst[0], dstStep, &src[0], srcStep, n, seg)
	default:
		return false
	}
	return true
}

func copyRowsAsm(dst []float32, dstStep int, src []float32, srcStep int, n, seg int) bool {
	switch {
	case hasAVX512:
		copyRowsAVX512(&dst[0], dstStep, &src[0], srcStep, n, seg)
	case hasAVX2:
		copyRowsAVX2(&dst[0], dstStep, &src[0], srcStep, n, seg)
	default:
		return false
	}
	return true
}
