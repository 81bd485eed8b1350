package vec

//go:noescape
func reluGradAVX512(dg, y *float32, n int)

//go:noescape
func reluGradAVX2(dg, y *float32, n int)

func reluGradAsm(g, y []float32) int {
	switch {
	case hasAVX512 && len(g) >= 16:
		n := len(g) &^ 15
		reluGradAVX512(&g[0], &y[0], n)
		return n
	case hasAVX2 && len(g) >= 8:
		n := len(g) &^ 7
		reluGradAVX2(&g[0], &y[0], n)
		return n
	}
	return 0
}
