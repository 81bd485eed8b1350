//go:build amd64 && !purego

package gemm

import (
	"math"
	"math/big"
	"math/rand/v2"
	"runtime"
	"testing"
)

// fma32 is the float32 fused multiply-add a·b+c with one rounding, as
// VFMADD231PS computes it. math.FMA rounds to float64 first; that double
// rounding can differ from a single one only when the float64 result is a
// float32 midpoint, and then the sum is redone exactly.
func fma32(a, b, c float32) float32 {
	r := math.FMA(float64(a), float64(b), float64(c))
	if math.Float64bits(r)&(1<<29-1) != 1<<28 {
		return float32(r)
	}
	x := new(big.Float).SetPrec(64).SetFloat64(float64(a))
	x.Mul(x, new(big.Float).SetFloat64(float64(b))) // exact: 48 bits
	z := new(big.Float).SetPrec(24).SetMode(big.ToNearestEven)
	z.Add(x, new(big.Float).SetFloat64(float64(c)))
	f, _ := z.Float32()
	return f
}

// modelSgemm computes, in Go, the bits the assembly kernels of im are
// specified to produce (beta 0 or 1): K is cut into equal blocks of at most
// kcMax; within a block every element of C is one chain of FMAs in k order,
// except the product's last M mod P rows (P = 8 for AVX-512, 6 for AVX2)
// when those are 1 to 3, which rotate the k steps over 4 (one row) or 2
// (two or three) chains and add them at the end; a block's sum is stored
// (the first block, beta 0) or added to C. The rule is written out here
// independently of the driver, so a change of tile shape or blocking that
// changed any element's rounding fails.
func modelSgemm(im impl, o *operands, beta float32, c []float32) {
	p := map[impl]int{implAVX512: 8, implAVX2: 6}[im]
	last := o.m % p
	if last > 3 {
		last = 0
	}
	nk := (o.k + kcMax - 1) / kcMax
	kc := (o.k + nk - 1) / nk
	for i := 0; i < o.m; i++ {
		sets := 1
		if i >= o.m-last {
			sets = map[int]int{1: 4, 2: 2, 3: 2}[last]
		}
		for jj := 0; jj < o.n; jj++ {
			cv := c[i*o.ldc+jj]
			for pc := 0; pc < o.k; pc += kc {
				var acc [4]float32
				for q := pc; q < min(pc+kc, o.k); q++ {
					s := (q - pc) % sets
					acc[s] = fma32(float32(o.opA(i, q)), float32(o.opB(q, jj)), acc[s])
				}
				sum := acc[0]
				for s := 1; s < sets; s++ {
					sum += acc[s]
				}
				if pc == 0 && beta == 0 {
					cv = sum
				} else {
					cv += sum
				}
			}
			c[i*o.ldc+jj] = cv
		}
	}
}

// TestAssemblyRounding checks the assembly kernels bit for bit against
// modelSgemm, for heights around every tile and period boundary, several K
// blocks, every transpose combination and packing policy, and on two
// goroutines with products small enough to be split.
func TestAssemblyRounding(t *testing.T) {
	savedK, savedMACs := kcMax, minParallelMACs
	defer func() { kcMax, minParallelMACs = savedK, savedMACs }()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	kcMax, minParallelMACs = 40, 1<<10
	saved := useImpl
	defer func() { useImpl = saved }()
	for _, im := range availableImpls() {
		if im == implGo {
			continue
		}
		useImpl = im
		t.Run(im.String(), func(t *testing.T) {
			withPacking(t, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(31, 32))
				for m := 1; m <= 50; m++ {
					n, k := 1+rng.IntN(80), 1+rng.IntN(90)
					tr := transCombos[m%4]
					o := newOperands(rng, tr[0], tr[1], m, n, k, rng.IntN(3))
					for _, beta := range []float32{0, 1} {
						want := append([]float32(nil), o.c...)
						modelSgemm(im, o, beta, want)
						got := append([]float32(nil), o.c...)
						Sgemm(o.transA, o.transB, o.m, o.n, o.k, o.a, o.lda, o.b, o.ldb, beta, got, o.ldc)
						for i := range got {
							if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
								t.Fatalf("%s beta=%v: element %d (row %d) = %v, the kernels' summation order gives %v", o, beta, i, i/o.ldc, got[i], want[i])
							}
						}
					}
				}
			})
		})
	}
}
