package winograd

import "golang.org/x/sys/cpu"

var hasAVX512 = cpu.X86.HasAVX512F

//go:noescape
func inputAVX512(v, x *float32, rs, tiles, c int)

//go:noescape
func outputAVX512(y *float32, rs int, m *float32, tiles, f int, bias *float32, relu bool)

//go:noescape
func outputAdjointAVX512(dm, gy *float32, rs, tiles, f int)

//go:noescape
func inputAdjointAVX512(dx, dv *float32, rs, tiles, c int)

func inputAsm(v, x []float32, rs, tiles, c int) bool {
	if !hasAVX512 || c%16 != 0 {
		return false
	}
	inputAVX512(&v[0], &x[0], rs, tiles, c)
	return true
}

func outputAsm(y []float32, rs int, m []float32, tiles, f int, bias []float32, relu bool) bool {
	if !hasAVX512 || f%16 != 0 {
		return false
	}
	outputAVX512(&y[0], rs, &m[0], tiles, f, &bias[0], relu)
	return true
}

func outputAdjointAsm(dm, gy []float32, rs, tiles, f int) bool {
	if !hasAVX512 || f%16 != 0 {
		return false
	}
	outputAdjointAVX512(&dm[0], &gy[0], rs, tiles, f)
	return true
}

func inputAdjointAsm(dx, dv []float32, rs, tiles, c int) bool {
	if !hasAVX512 || c%16 != 0 {
		return false
	}
	inputAdjointAVX512(&dx[0], &dv[0], rs, tiles, c)
	return true
}
