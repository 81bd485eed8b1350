//go:build !amd64

package winograd

func inputAsm(v, x []float32, rs, tiles, c int) bool { return false }

func outputAsm(y []float32, rs int, m []float32, tiles, f int, bias []float32, relu bool) bool {
	return false
}

func outputAdjointAsm(dm, gy []float32, rs, tiles, f int) bool { return false }

func inputAdjointAsm(dx, dv []float32, rs, tiles, c int) bool { return false }
