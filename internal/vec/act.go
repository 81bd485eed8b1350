package vec

import "math"

// Exp sets dst[i] = exp(src[i]) for every i of src; dst may be src. The
// AVX-512 and AVX2 kernels (bit for bit the same) are within 4e-7 relative
// of the exact value (Cephes's expf); the portable path rounds the float64
// result.
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

// Tanh sets dst[i] = tanh(src[i]); dst may be src. The AVX-512 and AVX2
// kernels (bit for bit the same) are Eigen's rational approximation,
// within 4e-7 relative of tanh.
func Tanh(dst, src []float32) {
	dst = dst[:len(src)]
	if tanhAsm(dst, src) {
		return
	}
	for i, v := range src {
		dst[i] = float32(math.Tanh(float64(v)))
	}
}

// Softmax replaces x by softmax(c·x): the scaled values, exp of their
// differences from the largest, divided by their sum. A NaN anywhere makes
// every value NaN. The AVX-512 and AVX2 kernels use Exp's approximation
// and sum in 16 and 8 lanes; the portable path sums in order with math.Exp.
func Softmax(x []float32, c float32) {
	if len(x) == 0 || softmaxAsm(x, c) {
		return
	}
	m := float32(math.Inf(-1))
	for i, v := range x {
		v *= c
		x[i] = v
		if v > m || v != v {
			m = v
		}
	}
	var sum float32
	for i, v := range x {
		e := float32(math.Exp(float64(v - m)))
		x[i] = e
		sum += e
	}
	inv := 1 / sum
	for i := range x {
		x[i] *= inv
	}
}

// SoftmaxGrad sets d = scale·(p ⊙ (d − Σ p⊙d)), the gradient of the
// softmax's input from the gradient d of its output p, scaled. p and d
// have the same length. The AVX-512 and AVX2 kernels sum in 16 and 8
// lanes; the portable path in order.
func SoftmaxGrad(p, d []float32, scale float32) {
	p = p[:len(d)]
	if len(d) == 0 || softmaxGradAsm(p, d, scale) {
		return
	}
	var dot float32
	for j, v := range p {
		dot += v * d[j]
	}
	for j, v := range p {
		d[j] = scale * (v * (d[j] - dot))
	}
}
