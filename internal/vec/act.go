package vec

import "math"

// Exp sets dst[i] = exp(src[i]) for every i of src; dst may be src. The
// AVX-512 kernel is within 4e-7 relative of the exact value (Cephes's
// expf); the portable path rounds the float64 result.
func Exp(dst, src []float32) {
	dst = dst[:len(src)]
	if expAsm(dst, src) {
		return
	}
	for i, v := range src {
		dst[i] = float32(math.Exp(float64(v)))
	}
}

// Sigmoid sets dst[i] = 1 / (1 + exp(−src[i])); dst may be src. NaN stays
// NaN, and the ends of the range give exactly 0 and 1.
func Sigmoid(dst, src []float32) {
	dst = dst[:len(src)]
	if sigmoidAsm(dst, src) {
		return
	}
	for i, v := range src {
		dst[i] = float32(1 / (1 + math.Exp(-float64(v))))
	}
}

// Tanh sets dst[i] = tanh(src[i]); dst may be src. The AVX-512 kernel is
// Eigen's rational approximation, within 4e-7 relative of tanh.
func Tanh(dst, src []float32) {
	dst = dst[:len(src)]
	if tanhAsm(dst, src) {
		return
	}
	for i, v := range src {
		dst[i] = float32(math.Tanh(float64(v)))
	}
}
