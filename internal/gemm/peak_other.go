//go:build !amd64 || purego

package gemm

// peakLoop has no assembly FMA loop to offer on this platform.
func peakLoop(impl) (loop func(iters int), flopsPerIter int) { return nil, 0 }
