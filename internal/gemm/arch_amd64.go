//go:build amd64 && !purego

package gemm

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

//go:generate go run ./asmgen

// kernelFunc is the signature shared by all assembly micro-kernels. See
// asmgen for the contract: A's element (r, p) is at a[r*ra+p*pa], B's
// (p, j) at b[p*sb+j]; flags bit 0 selects C += tile (else C = tile),
// flags>>8 is the column count used by the masked variants; the kernel
// computes n tiles stacked along M, tile t reading A from a + t·astep and
// writing C from c + t·rows·ldc.
type kernelFunc func(k int, a *float32, ra, pa int, b *float32, sb int, c *float32, ldc int, flags int, n int, astep int)

// avx2Mask backs the AVX2 column masks: the 8 words starting at
// &avx2Mask[8-n] enable exactly the first n lanes.
//
//lint:ignore U1000 read by the AVX2 kernels in kernels_amd64.s
var avx2Mask = [16]int32{-1, -1, -1, -1, -1, -1, -1, -1}

// transpose8 sets dst[p*ldd+i] = src[i*lds+p] for i < 8 and p < k.
//
//go:noescape
func transpose8(src *float32, lds int, dst *float32, ldd int, k int)

// copyRows copies k rows of w floats (w a multiple of 8) from src (row
// stride lds) to dst (row stride ldd).
//
//go:noescape
func copyRows(dst *float32, ldd int, src *float32, lds int, k int, w int)

// copyStrip bounds-checks both sides and then runs copyRows.
func copyStrip(dst []float32, ldd int, src []float32, lds, k, w int) {
	src = src[:(k-1)*lds+w]
	dst = dst[:(k-1)*ldd+w]
	copyRows(unsafe.SliceData(dst), ldd, unsafe.SliceData(src), lds, k, w)
}

// hasAVX512 and hasAVX2 report what this CPU (and OS) support. AVX2 alone
// is not enough: the kernels also need FMA.
var (
	hasAVX512 = cpu.X86.HasAVX512F && cpu.X86.HasAVX2 && cpu.X86.HasFMA
	hasAVX2   = cpu.X86.HasAVX2 && cpu.X86.HasFMA
)

func bestImpl() impl {
	switch {
	case hasAVX512:
		return implAVX512
	case hasAVX2:
		return implAVX2
	}
	return implGo
}

// availableImpls lists every implementation this machine can run, for tests.
func availableImpls() []impl {
	s := []impl{implGo}
	if hasAVX2 {
		s = append(s, implAVX2)
	}
	if hasAVX512 {
		s = append(s, implAVX512)
	}
	return s
}

// asmTile runs one assembly micro-kernel on n rows×cols tiles stacked
// along M (see tile); fns holds the kernels for the full, m2 and m1
// column variants. The slices are cut to exactly the extent the kernel
// touches before their addresses are taken, so a wrong index panics here
// rather than corrupting memory.
func asmTile(fns [3]kernelFunc, nr, k int, a []float32, ra, pa int, b []float32, sb int, c []float32, ldc int, rows, cols int, acc bool, n, aStep int) {
	a = a[:(n-1)*aStep+(rows-1)*ra+(k-1)*pa+1]
	b = b[:(k-1)*sb+cols]
	c = c[:(n*rows-1)*ldc+cols]
	v := 0
	if cols < nr {
		v = 1
		if cols <= nr/2 {
			v = 2
		}
	}
	flags := cols << 8
	if acc {
		flags |= 1
	}
	fns[v](k, unsafe.SliceData(a), ra, pa, unsafe.SliceData(b), sb, unsafe.SliceData(c), ldc, flags, n, aStep)
}

// tile runs the micro-kernel of family im on n ≥ 1 rows×cols tiles of C
// stacked along M: tile t reads A from a[t*aStep:] and writes C from
// c[t*rows*ldc:]; all read the same B. last says that the tile holds the
// last rows of the product, 1 to 3 of them (M mod im.period()): those are
// summed over several accumulator sets, every other row in one chain.
func tile(im impl, k int, a []float32, ra, pa int, b []float32, sb int, c []float32, ldc int, rows, cols int, acc, last bool, n, aStep int) {
	// The kernels read A's adjacent dimension at constant offsets: rows
	// (ra = 1, also any single row) or k steps (pa = 1).
	m := 0
	if ra != 1 && rows > 1 {
		if pa != 1 {
			panic("gemm: A is neither row- nor k-contiguous")
		}
		m = 1
	}
	switch im {
	case implAVX512:
		t := &k512Tab[m]
		if last {
			t := &k512TailTab[m]
			asmTile([3]kernelFunc{t[0][rows], t[1][rows], t[2][rows]}, 32, k, a, ra, pa, b, sb, c, ldc, rows, cols, acc, n, aStep)
			return
		}
		asmTile([3]kernelFunc{t[0][rows], t[1][rows], t[2][rows]}, 32, k, a, ra, pa, b, sb, c, ldc, rows, cols, acc, n, aStep)
	case implAVX2:
		t := &k256Tab[m]
		if last {
			t := &k256TailTab[m]
			asmTile([3]kernelFunc{t[0][rows], t[1][rows], t[2][rows]}, 16, k, a, ra, pa, b, sb, c, ldc, rows, cols, acc, n, aStep)
			return
		}
		asmTile([3]kernelFunc{t[0][rows], t[1][rows], t[2][rows]}, 16, k, a, ra, pa, b, sb, c, ldc, rows, cols, acc, n, aStep)
	default:
		goTiles(k, a, ra, pa, b, sb, c, ldc, rows, cols, acc, n, aStep)
	}
}

// transposeStrip8 transposes 8 rows of src (stride lds, k columns) into dst
// (stride ldd) with the assembly routine, after bounds-checking both sides.
func transposeStrip8(dst []float32, ldd int, src []float32, lds int, k int) {
	src = src[:7*lds+k]
	dst = dst[:(k-1)*ldd+8]
	transpose8(unsafe.SliceData(src), lds, unsafe.SliceData(dst), ldd, k)
}

// axpy8 sets y[i] += alpha*x[i] for i < n, n a multiple of 8 (AVX).
//
//go:noescape
func axpy8(alpha float32, x *float32, y *float32, n int)

// add8 sets dst[i] += src[i] for i < n, n a multiple of 8 (AVX).
//
//go:noescape
func add8(dst *float32, src *float32, n int)

// axpyVec runs axpy8 on x and y, whose common length is a multiple of 8.
func axpyVec(alpha float32, x, y []float32) {
	if len(x) == 0 {
		return
	}
	y = y[:len(x)]
	axpy8(alpha, unsafe.SliceData(x), unsafe.SliceData(y), len(x))
}

// addVec runs add8 on dst and src, whose common length is a multiple of 8.
func addVec(dst, src []float32) {
	if len(dst) == 0 {
		return
	}
	src = src[:len(dst)]
	add8(unsafe.SliceData(dst), unsafe.SliceData(src), len(dst))
}
