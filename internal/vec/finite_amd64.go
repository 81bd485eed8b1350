package vec

//go:noescape
func finiteAVX512(d *float32, n int) bool

//go:noescape
func finiteAVX2(d *float32, n int) bool

// finiteAsm checks the longest prefix the vector kernels cover and
// returns its length and whether it is finite.
func finiteAsm(d []float32) (int, bool) {
	switch {
	case hasAVX512 && len(d) >= 64:
		n := len(d) &^ 63
		return n, finiteAVX512(&d[0], n)
	case hasAVX2 && len(d) >= 32:
		n := len(d) &^ 31
		return n, finiteAVX2(&d[0], n)
	}
	return 0, true
}
