//go:build !amd64

package vec

func expAsm(dst, src []float32) bool     { return false }
func sigmoidAsm(dst, src []float32) bool { return false }
func tanhAsm(dst, src []float32) bool    { return false }
