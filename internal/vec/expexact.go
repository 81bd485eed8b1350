package vec

import "math"

// ExpExact sets y[i] = float32(math.Exp(float64(y[i]))) for every i, bit for
// bit on every path. With AVX-512 or AVX2 it runs 8 values at a time
// through the very operations of the Go runtime's amd64 math.Exp (its FMA
// variant, which math uses on every CPU with AVX and FMA): the same
// reduction by ln 2, Taylor polynomial and squarings in float64, then the
// same rounding to float32 (TestExpExactAllFloat32 checks all 2³² inputs).
// Elsewhere it calls math.Exp.
func ExpExact(y []float32) {
	done := expExactAsm(y)
	for i, v := range y[done:] {
		y[done+i] = float32(math.Exp(float64(v)))
	}
}
