//go:build !amd64

package vec

func convRowsAsm(out, x []float32, xoffs, woffs []int32, n, step int, w, bias []float32, f int, relu bool) bool {
	return false
}

func convRowsGradAsm(dw, g, x []float32, xoffs, woffs []int32, n, step, f int) bool {
	return false
}

func convRowsFast(f int) bool { return false }
