package vec

import "golang.org/x/sys/cpu"

// expExactFMA is math's own condition for the FMA variant of its amd64 Exp,
// whose operations expExactAVX512 repeats.
var expExactFMA = cpu.X86.HasAVX && cpu.X86.HasFMA

//go:noescape
func expExactAVX512(y *float32, n int)

// expExactAsm runs the longest prefix of y that expExactAVX512 covers and returns
// its length.
func expExactAsm(y []float32) int {
	if !hasAVX512 || !expExactFMA || len(y) < 8 {
		return 0
	}
	n := len(y) &^ 7
	expExactAVX512(&y[0], n)
	return n
}
