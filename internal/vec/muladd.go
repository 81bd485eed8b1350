package vec

import "fmt"

// MulAddRows adds n rows of seg products, in order:
//
//	dst[r·dstStep:][:seg] += a[r·aStep:][:seg] ⊙ b[r·bStep:][:seg]   for r = 0, 1, …, n−1
//
// Each product is rounded before it is added (no fused multiply-add), as
// the Go code computes it, so every path gives the same bits. A step of 0
// reuses a row: b's for a depthwise convolution's kernel tap, dst's for a
// running sum (its kernel gradient).
func MulAddRows(dst []float32, dstStep int, a []float32, aStep int, b []float32, bStep int, n, seg int) {
	if n <= 0 || seg <= 0 {
		return
	}
	if dstStep < 0 || aStep < 0 || bStep < 0 {
		panic("vec: MulAddRows: negative step")
	}
	if (n-1)*dstStep+seg > len(dst) || (n-1)*aStep+seg > len(a) || (n-1)*bStep+seg > len(b) {
		panic(fmt.Sprintf("vec: MulAddRows: %d rows of %d (steps %d, %d, %d) do not fit slices of %d, %d and %d",
			n, seg, dstStep, aStep, bStep, len(dst), len(a), len(b)))
	}
	if mulAddRowsAsm(dst, dstStep, a, aStep, b, bStep, n, seg) {
		return
	}
	for r := 0; r < n; r++ {
		d := dst[r*dstStep : r*dstStep+seg]
		x := a[r*aStep : r*aStep+seg]
		y := b[r*bStep : r*bStep+seg]
		for i := range d {
			d[i] += float32(x[i] * y[i]) // rounded: no fused multiply-add
		}
	}
}
