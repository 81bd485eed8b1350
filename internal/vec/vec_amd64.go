package vec

import "golang.org/x/sys/cpu"

var (
	hasAVX512 = cpu.X86.HasAVX512F
	hasAVX2   = cpu.X86.HasAVX2 && cpu.X86.HasFMA
)

//go:noescape
func adamAVX512(w, grad, m, v *float32, n int, alpha, c1, c2, eps float32)

//go:noescape
func adamAVX2(w, grad, m, v *float32, n int, alpha, c1, c2, eps float32)

// adamAsm updates the longest prefix the vector kernels cover and returns
// its length.
func adamAsm(w, g, m, v []float32, alpha, c1, c2, eps float32) int {
	switch {
	case hasAVX512 && len(w) >= 16:
		n := len(w) &^ 15
		adamAVX512(&w[0], &g[0], &m[0], &v[0], n, alpha, c1, c2, eps)
		return n
	case hasAVX2 && len(w) >= 8:
		n := len(w) &^ 7
		adamAVX2(&w[0], &g[0], &m[0], &v[0], n, alpha, c1, c2, eps)
		return n
	}
	return 0
}

//go:noescape
func reluAVX512(y, x *float32, n int)

//go:noescape
func reluAVX2(y, x *float32, n int)

//go:noescape
func reluBackwardAVX512(dx, grad, y *float32, n int)

//go:noescape
func reluBackwardAVX2(dx, grad, y *float32, n int)

func reluAsm(y, x []float32) int {
	switch {
	case hasAVX512 && len(y) >= 16:
		n := len(y) &^ 15
		reluAVX512(&y[0], &x[0], n)
		return n
	case hasAVX2 && len(y) >= 8:
		n := len(y) &^ 7
		reluAVX2(&y[0], &x[0], n)
		return n
	}
	return 0
}

func reluBackwardAsm(dx, g, y []float32) int {
	switch {
	case hasAVX512 && len(dx) >= 16:
		n := len(dx) &^ 15
		reluBackwardAVX512(&dx[0], &g[0], &y[0], n)
		return n
	case hasAVX2 && len(dx) >= 8:
		n := len(dx) &^ 7
		reluBackwardAVX2(&dx[0], &g[0], &y[0], n)
		return n
	}
	return 0
}
