package gemm

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// refEpilogue applies the bias and the ReLU to C the way the separate
// passes do: for each element, one float32 add, then max(x, 0) with −0
// turned into +0 and a NaN kept.
func refEpilogue(c []float32, m, n, ldc int, ep Epilogue) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			v := c[i*ldc+j]
			if ep.Bias != nil {
				v += ep.Bias[j]
			}
			if ep.ReLU {
				switch {
				case v != v:
				case v > 0:
				default:
					v = 0
				}
			}
			c[i*ldc+j] = v
		}
	}
}

// checkEpilogue compares SgemmEpilogue with Sgemm followed by refEpilogue,
// bit for bit, for every epilogue; padding columns of C must stay as they
// were.
func (o *operands) checkEpilogue(t *testing.T, rng *rand.Rand, beta float32) {
	t.Helper()
	bias := randSlice(rng, o.n+1)
	for _, ep := range []Epilogue{{Bias: bias}, {ReLU: true}, {Bias: bias, ReLU: true}} {
		want := append([]float32(nil), o.c...)
		Sgemm(o.transA, o.transB, o.m, o.n, o.k, o.a, o.lda, o.b, o.ldb, beta, want, o.ldc)
		refEpilogue(want, o.m, o.n, o.ldc, ep)
		got := append([]float32(nil), o.c...)
		SgemmEpilogue(o.transA, o.transB, o.m, o.n, o.k, o.a, o.lda, o.b, o.ldb, beta, got, o.ldc, ep)
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%s beta=%v bias=%v relu=%v: C[%d] = %v, want %v", o, beta, ep.Bias != nil, ep.ReLU, i, got[i], want[i])
			}
		}
	}
}

// TestSgemmEpilogue checks the epilogue on edge tiles, several K, MC and NC
// blocks (with the blocking shrunk), every packing policy and kernel
// family, against the separate passes.
func TestSgemmEpilogue(t *testing.T) {
	saved := [3]int{kcMax, aBlockFloats, bBlockFloats}
	defer func() { kcMax, aBlockFloats, bBlockFloats = saved[0], saved[1], saved[2] }()
	withImpl(t, func(t *testing.T) {
		withPacking(t, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(31, 32))
			kcMax, aBlockFloats, bBlockFloats = saved[0], saved[1], saved[2]
			shapes := [][3]int{{1, 1, 1}, {1, 10, 256}, {8, 32, 8}, {7, 31, 9}, {33, 65, 9}, {32, 10, 256}, {128, 256, 784}, {5, 40, 0}}
			for range 20 {
				shapes = append(shapes, [3]int{1 + rng.IntN(70), 1 + rng.IntN(70), 1 + rng.IntN(70)})
			}
			for _, d := range shapes {
				for _, tr := range transCombos {
					o := newOperands(rng, tr[0], tr[1], d[0], d[1], d[2], rng.IntN(3)*(1+rng.IntN(9)))
					o.checkEpilogue(t, rng, 0)
					o.checkEpilogue(t, rng, 1)
					o.checkEpilogue(t, rng, 0.5)
				}
			}
			kcMax, aBlockFloats, bBlockFloats = 13, 13*24, 13*64
			for range 8 {
				m, n, k := 1+rng.IntN(90), 1+rng.IntN(150), 1+rng.IntN(60)
				for _, tr := range transCombos {
					o := newOperands(rng, tr[0], tr[1], m, n, k, rng.IntN(4))
					o.checkEpilogue(t, rng, 0)
					o.checkEpilogue(t, rng, 1)
				}
			}
		})
	})
}

// TestEpilogueSpecialValues checks the elementwise part on NaNs,
// infinities, signed zeros and denormals, on every path (the assembly's
// 8-wide columns and the Go loop's tail), against refEpilogue.
func TestEpilogueSpecialValues(t *testing.T) {
	special := []float32{0, float32(math.Copysign(0, -1)), 1, -1, float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 1e-40, -1e-40, 3.5, -2.25}
	rng := rand.New(rand.NewPCG(33, 34))
	withImpl(t, func(t *testing.T) {
		for _, n := range []int{1, 7, 8, 10, 16, 31, 32, 45} {
			rows, ldc := 3, n+2
			c := make([]float32, (rows-1)*ldc+n)
			bias := make([]float32, n+3)
			for i := range c {
				c[i] = special[rng.IntN(len(special))]
			}
			for i := range bias {
				bias[i] = special[rng.IntN(len(special))]
			}
			for _, ep := range []Epilogue{{Bias: bias[3:]}, {ReLU: true}, {Bias: bias[3:], ReLU: true}} {
				want := append([]float32(nil), c...)
				refEpilogue(want, rows, n, ldc, ep)
				got := append([]float32(nil), c...)
				// The epilogue of columns [3, 3+n) of a wider product
				// reads bias[3:3+n].
				applyEpilogue(useImpl, got, ldc, rows, n, ep.Bias, 0, ep.ReLU)
				got2 := append([]float32(nil), c...)
				full := Epilogue{ReLU: ep.ReLU}
				if ep.Bias != nil {
					full.Bias = bias
				}
				applyEpilogue(useImpl, got2, ldc, rows, n, full.Bias, 3, full.ReLU)
				for i := range got {
					wb := math.Float32bits(want[i])
					if math.Float32bits(got[i]) != wb || math.Float32bits(got2[i]) != wb {
						t.Fatalf("n=%d bias=%v relu=%v: element %d of %v: got %v and %v, want %v", n, ep.Bias != nil, ep.ReLU, i, c[i], got[i], got2[i], want[i])
					}
				}
			}
		}
	})
}

// TestSgemmEpilogueDeterministic checks that the epilogue's results do not
// depend on GOMAXPROCS.
func TestSgemmEpilogueDeterministic(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	rng := rand.New(rand.NewPCG(35, 36))
	withImpl(t, func(t *testing.T) {
		for _, d := range [][3]int{{128, 256, 784}, {1024, 256, 784}, {67, 45, 2100}} {
			o := newOperands(rng, false, false, d[0], d[1], d[2], 0)
			ep := Epilogue{Bias: randSlice(rng, d[1]), ReLU: true}
			var first []float32
			for _, procs := range []int{1, 2, 4} {
				runtime.GOMAXPROCS(procs)
				c := make([]float32, len(o.c))
				SgemmEpilogue(false, false, o.m, o.n, o.k, o.a, o.lda, o.b, o.ldb, 0, c, o.ldc, ep)
				if first == nil {
					first = c
					continue
				}
				for i := range c {
					if math.Float32bits(c[i]) != math.Float32bits(first[i]) {
						t.Fatalf("%s: GOMAXPROCS=%d differs from 1 at %d", o, procs, i)
					}
				}
			}
		}
	})
}

func TestSgemmEpilogueNoAllocs(t *testing.T) {
	if testing.CoverMode() != "" || raceEnabled {
		t.Skip("instrumented build")
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	rng := rand.New(rand.NewPCG(37, 38))
	o := newOperands(rng, false, false, 1024, 256, 784, 0)
	bias := randSlice(rng, 256)
	for _, procs := range []int{1, 2} {
		runtime.GOMAXPROCS(procs)
		f := func() {
			SgemmEpilogue(false, false, o.m, o.n, o.k, o.a, o.lda, o.b, o.ldb, 0, o.c, o.ldc, Epilogue{Bias: bias, ReLU: true})
		}
		f()
		if n := testing.AllocsPerRun(10, f); n != 0 {
			t.Errorf("GOMAXPROCS=%d: %v allocations per call", procs, n)
		}
	}
}

func TestSgemmEpiloguePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("a bias shorter than n did not panic")
		}
	}()
	SgemmEpilogue(false, false, 2, 3, 2, make([]float32, 4), 2, make([]float32, 6), 3, 0, make([]float32, 6), 3, Epilogue{Bias: make([]float32, 2)})
}
