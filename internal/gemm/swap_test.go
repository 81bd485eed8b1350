package gemm

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// TestSgemmSwapped checks that the products computed as Cᵀ = B·Aᵀ (see
// swapOperands) give bit for bit what the same products give computed as
// they are, on one and two goroutines and with every epilogue, and that
// the Dense input-gradient shapes do take that path on AVX-512.
func TestSgemmSwapped(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	defer func() { noSwap = false }()
	rng := rand.New(rand.NewPCG(31, 32))
	cases := [][3]int{{32, 784, 256}, {32, 784, 128}, {32, 256, 128}, {8, 64, 16}, {16, 100, 40}, {24, 200, 768}, {64, 130, 128}, {4, 13, 9}, {12, 45, 30}}
	for range 20 {
		m := 4 + rng.IntN(60)
		cases = append(cases, [3]int{m, 2*m + rng.IntN(300), 2*m + rng.IntN(400)})
	}
	withImpl(t, func(t *testing.T) {
		for _, d := range cases {
			o := newOperands(rng, false, true, d[0], d[1], d[2], rng.IntN(3)*(1+rng.IntN(9)))
			j := job{im: useImpl, transB: true, m: d[0], n: d[1], k: d[2], overwrite: true}
			swaps := swapOperands(&j)
			if useImpl == implAVX512 && d[0] == 32 && d[1] == 784 && !swaps {
				t.Fatalf("%s is not swapped", o)
			}
			bias := randSlice(rng, o.n)
			for _, ep := range []Epilogue{{}, {Bias: bias, ReLU: true}} {
				for _, procs := range []int{1, 2} {
					runtime.GOMAXPROCS(procs)
					noSwap = true
					want := append([]float32(nil), o.c...)
					SgemmEpilogue(false, true, o.m, o.n, o.k, o.a, o.lda, o.b, o.ldb, 0, want, o.ldc, ep)
					noSwap = false
					got := append([]float32(nil), o.c...)
					SgemmEpilogue(false, true, o.m, o.n, o.k, o.a, o.lda, o.b, o.ldb, 0, got, o.ldc, ep)
					for i := range got {
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
							t.Fatalf("%s swapped=%v procs=%d epilogue=%v: C[%d] = %v, want %v", o, swaps, procs, ep.active(), i, got[i], want[i])
						}
					}
				}
			}
			if swaps {
				o.check(t, 0)
			}
		}
	})
}

// TestSgemmSharedB checks that products whose parts share one packed B
// (shareB) give the same bits on one, two and four goroutines, with and
// without an epilogue, and the right values.
func TestSgemmSharedB(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	rng := rand.New(rand.NewPCG(33, 34))
	saved := useImpl
	defer func() { useImpl = saved }()
	useImpl = bestImpl()
	for _, d := range [][3]int{{1000, 256, 512}, {1000, 250, 1100}} {
		for _, tr := range transCombos {
			o := newOperands(rng, tr[0], tr[1], d[0], d[1], d[2], 3)
			j := job{im: useImpl, transA: tr[0], transB: tr[1], m: d[0], n: d[1], k: d[2], overwrite: true}
			j.mr, j.nr = useImpl.shape()
			nk := (j.k + kcMax - 1) / kcMax
			j.kc = (j.k + nk - 1) / nk
			j.copyA, j.copyB = choosePacking(&j)
			if useImpl != implGo && !shareB(&j, 4) {
				t.Fatalf("%s: B is not shared", o)
			}
			bias := randSlice(rng, o.n)
			for _, ep := range []Epilogue{{}, {Bias: bias, ReLU: true}} {
				var first []float32
				for _, procs := range []int{1, 2, 4} {
					runtime.GOMAXPROCS(procs)
					c := append([]float32(nil), o.c...)
					SgemmEpilogue(o.transA, o.transB, o.m, o.n, o.k, o.a, o.lda, o.b, o.ldb, 0, c, o.ldc, ep)
					if first == nil {
						first = c
						continue
					}
					for i := range c {
						if math.Float32bits(c[i]) != math.Float32bits(first[i]) {
							t.Fatalf("%s epilogue=%v: GOMAXPROCS=%d differs from 1 at %d: %v vs %v", o, ep.active(), procs, i, c[i], first[i])
						}
					}
				}
			}
			if tr == transCombos[0] || tr == transCombos[3] {
				runtime.GOMAXPROCS(2)
				o.check(t, 0)
			}
		}
	}
}
