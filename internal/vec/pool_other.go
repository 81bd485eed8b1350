//go:build !amd64

package vec

func maxPoolAsm(dst, src []float32, offs []int32, n, c, step int) bool { return false }

func maxPoolArgAsm(dst []float32, arg []int32, src []float32, offs []int32, base, n, c, step int) bool {
	return false
}

func maxPoolBackwardAsm(dx, g []float32, arg []int32, offs []int32, base, n, c, step int) bool {
	return false
}
