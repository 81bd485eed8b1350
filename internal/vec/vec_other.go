//go:build !amd64

package vec

// Only the Go kernels exist here; the flags let the tests that compare
// paths run unchanged.
var hasAVX512, hasAVX2 = false, false

func adamAsm(w, g, m, v []float32, alpha, c1, c2, eps float32) int { return 0 }

func reluAsm(y, x []float32) int { return 0 }

func reluBackwardAsm(dx, g, y []float32) int { return 0 }
