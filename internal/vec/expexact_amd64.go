package vec

import "golang.org/x/sys/cpu"

// expExactFMA is math's own condition for the FMA variant of its amd64 Exp,
// whose operations expExactAVX512 and expExactAVX2 repeat.
var expExactFMA = cpu.X86.HasAVX && cpu.X86.HasFMA

//go:noescape
func expExactAVX512(y *float32, n int)

//go:noescape
func expExactAVX2(y *float32, n int)

// expExactAsm runs the longest prefix of y that the vector kernels cover
// (a multiple of 8) and returns its length.
func expExactAsm(y []float32) int {
	if !expExactFMA || len(y) < 8 {
		return 0
	}
	n := len(y) &^ 7
	switch {
	case hasAVX512:
		expExactAVX512(&y[0], n)
	case hasAVX2:
		expExactAVX2(&y[0], n)
	default:
		return 0
	}
	return n
}
