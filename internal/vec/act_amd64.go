package vec

//go:noescape
func expAVX512(dst, src *float32, n int)

//go:noescape
func sigmoidAVX512(dst, src *float32, n int)

//go:noescape
func tanhAVX512(dst, src *float32, n int)

func expAsm(dst, src []float32) bool {
	if !hasAVX512 || len(src) == 0 {
		return false
	}
	expAVX512(&dst[0], &src[0], len(src))
	return true
}

func sigmoidAsm(dst, src []float32) bool {
	if !hasAVX512 || len(src) == 0 {
		return false
	}
	sigmoidAVX512(&dst[0], &src[0], len(src))
	return true
}

func tanhAsm(dst, src []float32) bool {
	if !hasAVX512 || len(src) == 0 {
		return false
	}
	tanhAVX512(&dst[0], &src[0], len(src))
	return true
}
