//go:build amd64 && !purego

package gemm

// fmaPeak512 runs n iterations of 32 independent zmm FMAs (1024 FLOP).
//
//go:noescape
func fmaPeak512(n int)

// fmaPeak256 runs n iterations of 24 independent ymm FMAs (384 FLOP).
//
//go:noescape
func fmaPeak256(n int)

// peakLoop returns a function that runs about iters·flopsPerIter FLOP of
// register-only FMAs at the vector width of kernel family im, or nil if
// the family has no assembly.
func peakLoop(im impl) (loop func(iters int), flopsPerIter int) {
	switch im {
	case implAVX512:
		return fmaPeak512, 1024
	case implAVX2:
		return fmaPeak256, 384
	}
	return nil, 0
}
