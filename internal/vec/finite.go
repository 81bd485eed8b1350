package vec

// AllFinite reports whether every element of d is finite (no NaN, no
// ±Inf). x − x is 0 for every finite x and NaN otherwise, so the kernels
// add up those differences, without a branch per element, and look at
// the sum once.
func AllFinite(d []float32) bool {
	done, ok := finiteAsm(d)
	if !ok {
		return false
	}
	var a0, a1, a2, a3 float32
	d = d[done:]
	i := 0
	for ; i+4 <= len(d); i += 4 {
		a0 += d[i] - d[i]
		a1 += d[i+1] - d[i+1]
		a2 += d[i+2] - d[i+2]
		a3 += d[i+3] - d[i+3]
	}
	for ; i < len(d); i++ {
		a0 += d[i] - d[i]
	}
	return a0+a1+a2+a3 == 0
}
