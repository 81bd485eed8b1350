package winograd

import "golang.org/x/sys/cpu"

var hasAVX512 = cpu.X86.HasAVX512F

//go:noescape
func inputAVX512(v *float32, vs int, x *float32, rs, tiles, c int)

//go:noescape
func outputAVX512(y *float32, rs int, m *float32, ms, tiles, f int, bias *float32, relu bool)

//go:noescape
func outputAdjointAVX512(dm *float32, ms int, gy *float32, rs, tiles, f int)

//go:noescape
func inputAdjointAVX512(dx *float32, rs int, dv *float32, vs, tiles, c int)

func inputAsm(v []float32, vs int, x []float32, rs, tiles, c int) bool {
	if !hasAVX512 || c%16 != 0 {
		return false
	}
	inputAVX512(&v[0], vs, &x[0], rs, tiles, c)
	return true
}

func outputAsm(y []float32, rs int, m []float32, ms, tiles, f int, bias []float32, relu bool) bool {
	if !hasAVX512 || f%16 != 0 {
		return false
	}
	outputAVX512(&y[0], rs, &m[0], ms, tiles, f, &bias[0], relu)
	return true
}

func outputAdjointAsm(dm []float32, ms int, gy []float32, rs, tiles, f int) bool {
	if !hasAVX512 || f%16 != 0 {
		return false
	}
	outputAdjointAVX512(&dm[0], ms, &gy[0], rs, tiles, f)
	return true
}

func inputAdjointAsm(dx []float32, rs int, dv []float32, vs, tiles, c int) bool {
	if !hasAVX512 || c%16 != 0 {
		return false
	}
	inputAdjointAVX512(&dx[0], rs, &dv[0], vs, tiles, c)
	return true
}
