//go:build !amd64

package winograd

func inputAsm(v []float32, vs int, x []float32, rs, tiles, c int) bool { return false }

func outputAsm(y []float32, rs int, m []float32, ms, tiles, f int, bias []float32, relu bool) bool {
	return false
}

func outputAdjointAsm(dm []float32, ms int, gy []float32, rs, tiles, f int) bool { return false }

func inputAdjointAsm(dx []float32, rs int, dv []float32, vs, tiles, c int) bool { return false }
