package vec

//go:noescape
func convRowsAVX512(out, x *float32, xoffs, woffs *int32, k, n, step int, w, bias *float32, f, relu int)

//go:noescape
func convRowsAVX2(out, x *float32, xoffs, woffs *int32, k, n, step int, w, bias *float32, f, relu int)

//go:noescape
func convRowsGradAVX512(dw, dy, x *float32, xoffs, woffs *int32, k, n, step, f int)

//go:noescape
func convRowsGradAVX2(dw, dy, x *float32, xoffs, woffs *int32, k, n, step, f int)

// The kernels take f a multiple of 16 (AVX-512) or 8 (AVX2); a nil bias is
// passed as a nil pointer.

func convRowsAsm(out, x []float32, xoffs, woffs []int32, n, step int, w, bias []float32, f int, relu bool) bool {
	var pb *float32
	if bias != nil {
		pb = &bias[0]
	}
	r := 0
	if relu {
		r = 1
	}
	switch {
	case hasAVX512 && f%16 == 0:
		convRowsAVX512(&out[0], &x[0], &xoffs[0], &woffs[0], len(xoffs), n, step, &w[0], pb, f, r)
	case hasAVX2 && f%8 == 0:
		convRowsAVX2(&out[0], &x[0], &xoffs[0], &woffs[0], len(xoffs), n, step, &w[0], pb, f, r)
	default:
		return false
	}
	return true
}

func convRowsGradAsm(dw, g, x []float32, xoffs, woffs []int32, n, step, f int) bool {
	switch {
	case hasAVX512 && f%16 == 0:
		convRowsGradAVX512(&dw[0], &g[0], &x[0], &xoffs[0], &woffs[0], len(xoffs), n, step, f)
	case hasAVX2 && f%8 == 0:
		convRowsGradAVX2(&dw[0], &g[0], &x[0], &xoffs[0], &woffs[0], len(xoffs), n, step, f)
	default:
		return false
	}
	return true
}

func convRowsFast(f int) bool { return hasAVX512 && f%16 == 0 || hasAVX2 && f%8 == 0 }
