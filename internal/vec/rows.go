package vec

import "fmt"

// AddRows adds n rows of seg floats: dst[r·dstStep:][:seg] += src[r·srcStep:][:seg]
// for r = 0, 1, ..., n−1 in that order, so rows of dst may overlap (as in
// the adjoint of im2col, where the windows of neighbouring outputs share
// inputs) and every element sees its additions in the same order on every
// path.
func AddRows(dst []float32, dstStep int, src []float32, srcStep int, n, seg int) {
	if n <= 0 || seg <= 0 {
		return
	}
	checkRows("AddRows", len(dst), dstStep, len(src), srcStep, n, seg)
	if addRowsAsm(dst, dstStep, src, srcStep, n, seg) {
		return
	}
	for r := 0; r < n; r++ {
		d := dst[r*dstStep : r*dstStep+seg]
		s := src[r*srcStep : r*srcStep+seg]
		for i, v := range s {
			d[i] += v
		}
	}
}

// CopyRows copies n rows of seg floats: dst[r·dstStep:][:seg] = src[r·srcStep:][:seg]
// for r = 0, 1, ..., n−1. The rows of dst must not overlap those of src.
func CopyRows(dst []float32, dstStep int, src []float32, srcStep int, n, seg int) {
	if n <= 0 || seg <= 0 {
		return
	}
	checkRows("CopyRows", len(dst), dstStep, len(src), srcStep, n, seg)
	if copyRowsAsm(dst, dstStep, src, srcStep, n, seg) {
		return
	}
	for r := 0; r < n; r++ {
		copy(dst[r*dstStep:r*dstStep+seg], src[r*srcStep:r*srcStep+seg])
	}
}

func checkRows(op string, dstLen, dstStep, srcLen, srcStep, n, seg int) {
	if dstStep < 0 || srcStep < 0 {
		panic(fmt.Sprintf("vec: %s: negative step", op))
	}
	if (n-1)*dstStep+seg > dstLen || (n-1)*srcStep+seg > srcLen {
		panic(fmt.Sprintf("vec: %s: %d rows of %d (steps %d, %d) do not fit slices of %d and %d", op, n, seg, dstStep, srcStep, dstLen, srcLen))
	}
}
