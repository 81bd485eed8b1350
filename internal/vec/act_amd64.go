package vec

//go:noescape
func expAVX512(dst, src *float32, n int)

//go:noescape
func sigmoidAVX512(dst, src *float32, n int)

//go:noescape
func tanhAVX512(dst, src *float32, n int)

//go:noescape
func expAVX2(dst, src *float32, n int)

//go:noescape
func sigmoidAVX2(dst, src *float32, n int)

//go:noescape
func tanhAVX2(dst, src *float32, n int)

func expAsm(dst, src []float32) bool {
	switch {
	case len(src) == 0:
		return false
	case hasAVX512:
		expAVX512(&dst[0], &src[0], len(src))
	case hasAVX2:
		expAVX2(&dst[0], &src[0], len(src))
	default:
		return false
	}
	return true
}

func sigmoidAsm(dst, src []float32) bool {
	switch {
	case len(src) == 0:
		return false
	case hasAVX512:
		sigmoidAVX512(&dst[0], &src[0], len(src))
	case hasAVX2:
		sigmoidAVX2(&dst[0], &src[0], len(src))
	default:
		return false
	}
	return true
}

func tanhAsm(dst, src []float32) bool {
	switch {
	case len(src) == 0:
		return false
	case hasAVX512:
		tanhAVX512(&dst[0], &src[0], len(src))
	case hasAVX2:
		tanhAVX2(&dst[0], &src[0], len(src))
	default:
		return false
	}
	return true
}

//go:noescape
func softmaxAVX512(x *float32, n int, c float32)

//go:noescape
func softmaxGradAVX512(p, d *float32, n int, scale float32)

//go:noescape
func softmaxAVX2(x *float32, n int, c float32)

//go:noescape
func softmaxGradAVX2(p, d *float32, n int, scale float32)

func softmaxAsm(x []float32, c float32) bool {
	switch {
	case len(x) == 0:
		return false
	case hasAVX512:
		softmaxAVX512(&x[0], len(x), c)
	case hasAVX2:
		softmaxAVX2(&x[0], len(x), c)
	default:
		return false
	}
	return true
}

func softmaxGradAsm(p, d []float32, scale float32) bool {
	switch {
	case len(d) == 0:
		return false
	case hasAVX512:
		softmaxGradAVX512(&p[0], &d[0], len(d), scale)
	case hasAVX2:
		softmaxGradAVX2(&p[0], &d[0], len(d), scale)
	default:
		return false
	}
	return true
}
