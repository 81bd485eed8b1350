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

//go:noescape
func softmaxAVX512(x *float32, n int, c float32)

//go:noescape
func softmaxGradAVX512(p, d *float32, n int, scale float32)

func softmaxAsm(x []float32, c float32) bool {
	if !hasAVX512 || len(x) == 0 {
		return false
	}
	softmaxAVX512(&x[0], len(x), c)
	return true
}

func softmaxGradAsm(p, d []float32, scale float32) bool {
	if !hasAVX512 || len(d) == 0 {
		return false
	}
	softmaxGradAVX512(&p[0], &d[0], len(d), scale)
	return true
}
