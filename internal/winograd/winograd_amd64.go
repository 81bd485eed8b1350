package winograd

import "golang.org/x/sys/cpu"

// The kernels are tried in order: AVX-512 for channel counts that are
// multiples of 16, AVX2 for multiples of 8, otherwise the Go loops.
var (
	hasAVX512 = cpu.X86.HasAVX512F
	hasAVX2   = cpu.X86.HasAVX2 && cpu.X86.HasFMA
)

//go:noescape
func inputAVX512(v *float32, vs int, x *float32, rs, tiles, c int)

//go:noescape
func outputAVX512(y *float32, rs int, m *float32, ms, tiles, f int, bias *float32, relu bool)

//go:noescape
func outputAdjointAVX512(dm *float32, ms int, gy *float32, rs, tiles, f int)

//go:noescape
func inputAdjointAVX512(dx *float32, rs int, dv *float32, vs, tiles, c int)

//go:noescape
func inputAVX2(v *float32, vs int, x *float32, rs, tiles, c int)

//go:noescape
func outputAVX2(y *float32, rs int, m *float32, ms, tiles, f int, bias *float32, relu bool)

//go:noescape
func outputAdjointAVX2(dm *float32, ms int, gy *float32, rs, tiles, f int)

//go:noescape
func inputAdjointAVX2(dx *float32, rs int, dv *float32, vs, tiles, c int)

func inputAsm(v []float32, vs int, x []float32, rs, tiles, c int) bool {
	switch {
	case hasAVX512 && c%16 == 0:
		inputAVX512(&v[0], vs, &x[0], rs, tiles, c)
	case hasAVX2 && c%8 == 0:
		inputAVX2(&v[0], vs, &x[0], rs, tiles, c)
	default:
		return false
	}
	return true
}

func outputAsm(y []float32, rs int, m []float32, ms, tiles, f int, bias []float32, relu bool) bool {
	switch {
	case hasAVX512 && f%16 == 0:
		outputAVX512(&y[0], rs, &m[0], ms, tiles, f, &bias[0], relu)
	case hasAVX2 && f%8 == 0:
		outputAVX2(&y[0], rs, &m[0], ms, tiles, f, &bias[0], relu)
	default:
		return false
	}
	return true
}

func outputAdjointAsm(dm []float32, ms int, gy []float32, rs, tiles, f int) bool {
	switch {
	case hasAVX512 && f%16 == 0:
		outputAdjointAVX512(&dm[0], ms, &gy[0], rs, tiles, f)
	case hasAVX2 && f%8 == 0:
		outputAdjointAVX2(&dm[0], ms, &gy[0], rs, tiles, f)
	default:
		return false
	}
	return true
}

func inputAdjointAsm(dx []float32, rs int, dv []float32, vs, tiles, c int) bool {
	switch {
	case hasAVX512 && c%16 == 0:
		inputAdjointAVX512(&dx[0], rs, &dv[0], vs, tiles, c)
	case hasAVX2 && c%8 == 0:
		inputAdjointAVX2(&dx[0], rs, &dv[0], vs, tiles, c)
	default:
		return false
	}
	return true
}
