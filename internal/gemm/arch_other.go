//go:build !amd64 || purego

package gemm

func bestImpl() impl { return implGo }

func availableImpls() []impl { return []impl{implGo} }

// tile runs the portable micro-kernel on n rows×cols tiles of C stacked
// along M (see goTiles).
func tile(_ impl, k int, a []float32, ra, pa int, b []float32, sb int, c []float32, ldc int, rows, cols int, acc, _ bool, n, aStep int) {
	goTiles(k, a, ra, pa, b, sb, c, ldc, rows, cols, acc, n, aStep)
}

func transposeStrip8(dst []float32, ldd int, src []float32, lds int, k int) {
	panic("gemm: no assembly transpose on this platform")
}

func copyStrip(dst []float32, ldd int, src []float32, lds, k, w int) {
	panic("gemm: no assembly copy on this platform")
}

func axpyVec(alpha float32, x, y []float32) { panic("gemm: no assembly on this platform") }

func addVec(dst, src []float32) { panic("gemm: no assembly on this platform") }
