package vec

//go:noescape
func maxPoolAVX512(dst, src *float32, offs *int32, nOffs, n, c, step int)

//go:noescape
func maxPoolAVX2(dst, src *float32, offs *int32, nOffs, n, c, step int)

//go:noescape
func maxPoolArgAVX512(dst *float32, arg *int32, src *float32, offs *int32, nOffs, base, n, c, step int)

//go:noescape
func maxPoolArgAVX2(dst *float32, arg *int32, src *float32, offs *int32, nOffs, base, n, c, step int)

//go:noescape
func maxPoolBackwardAVX512(dx, gy *float32, arg *int32, offs *int32, nOffs, base, n, c, step int)

//go:noescape
func maxPoolBackwardAVX2(dx, gy *float32, arg *int32, offs *int32, nOffs, base, n, c, step int)

// The AVX-512 kernels take channel counts that are multiples of 16, the
// AVX2 ones multiples of 8; others take the Go path. (A masked last group
// would be slower than Go: Zen 4 takes ~10 cycles for a masked store that
// crosses a cache line.) The callers have checked the geometry, so every
// access is within the slices.

func maxPoolAsm(dst, src []float32, offs []int32, n, c, step int) bool {
	switch {
	case hasAVX512 && c%16 == 0:
		maxPoolAVX512(&dst[0], &src[0], &offs[0], len(offs), n, c, step)
	case hasAVX2 && c%8 == 0:
		maxPoolAVX2(&dst[0], &src[0], &offs[0], len(offs), n, c, step)
	default:
		return false
	}
	return true
}

func maxPoolArgAsm(dst []float32, arg []int32, src []float32, offs []int32, base, n, c, step int) bool {
	switch {
	case hasAVX512 && c%16 == 0:
		maxPoolArgAVX512(&dst[0], &arg[0], &src[0], &offs[0], len(offs), base, n, c, step)
	case hasAVX2 && c%8 == 0:
		maxPoolArgAVX2(&dst[0], &arg[0], &src[0], &offs[0], len(offs), base, n, c, step)
	default:
		return false
	}
	return true
}

func maxPoolBackwardAsm(dx, g []float32, arg []int32, offs []int32, base, n, c, step int) bool {
	switch {
	case hasAVX512 && c%16 == 0:
		maxPoolBackwardAVX512(&dx[0], &g[0], &arg[0], &offs[0], len(offs), base, n, c, step)
	case hasAVX2 && c%8 == 0:
		maxPoolBackwardAVX2(&dx[0], &g[0], &arg[0], &offs[0], len(offs), base, n, c, step)
	default:
		return false
	}
	return true
}
