//go:build !amd64

package vec

func expAsm(dst, src []float32) bool     { return false }
func sigmoidAsm(dst, src []float32) bool { return false }
func tanhAsm(dst, src []float32) bool    { return false }

func softmaxAsm(x []float32, c float32) bool            { return false }
func softmaxGradAsm(p, d []float32, scale float32) bool { return false }
