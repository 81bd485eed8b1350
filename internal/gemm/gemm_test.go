package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
)

// withImpl runs f once per kernel family this machine supports.
func withImpl(t *testing.T, f func(t *testing.T)) {
	saved := useImpl
	defer func() { useImpl = saved }()
	for _, im := range availableImpls() {
		useImpl = im
		t.Run(im.String(), f)
	}
}

// operands holds random inputs for one product, stored with padded strides.
type operands struct {
	transA, transB bool
	m, n, k        int
	a, b, c        []float32
	lda, ldb, ldc  int
	want, abs      []float64 // cached reference, see reference
}

func newOperands(rng *rand.Rand, transA, transB bool, m, n, k, pad int) *operands {
	o := &operands{transA: transA, transB: transB, m: m, n: n, k: k}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	o.lda, o.ldb, o.ldc = ac+pad, bc+pad, n+pad
	// The slices end right after the last element of each matrix, so any
	// read or write past it panics or shows up in the padding checks.
	o.a = randSlice(rng, minLen(ar, ac, o.lda))
	o.b = randSlice(rng, minLen(br, bc, o.ldb))
	o.c = randSlice(rng, minLen(m, n, o.ldc))
	return o
}

func minLen(rows, cols, ld int) int {
	if rows == 0 || cols == 0 {
		return 0
	}
	return (rows-1)*ld + cols
}

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64())
	}
	return s
}

func (o *operands) opA(i, p int) float64 {
	if o.transA {
		return float64(o.a[p*o.lda+i])
	}
	return float64(o.a[i*o.lda+p])
}

func (o *operands) opB(p, j int) float64 {
	if o.transB {
		return float64(o.b[j*o.ldb+p])
	}
	return float64(o.b[p*o.ldb+j])
}

// reference returns the float64 product op(A)·op(B) and Σ|terms| for
// every element of C, computed once per operands.
func (o *operands) reference() (want, abs []float64) {
	if o.want != nil {
		return o.want, o.abs
	}
	o.want = make([]float64, o.m*o.n)
	o.abs = make([]float64, o.m*o.n)
	at := make([]float64, o.k) // row i of op(A)
	for i := 0; i < o.m; i++ {
		for p := range at {
			at[p] = o.opA(i, p)
		}
		for j := 0; j < o.n; j++ {
			s, sa := 0.0, 0.0
			for p, x := range at {
				x *= o.opB(p, j)
				s += x
				sa += math.Abs(x)
			}
			o.want[i*o.n+j], o.abs[i*o.n+j] = s, sa
		}
	}
	return o.want, o.abs
}

// check runs Sgemm on a copy of o.c and compares it with a float64
// reference. The tolerance is the classical bound for a k-term float32 dot
// product, (k+2)·2⁻²⁴·Σ|terms|, so it scales with the actual magnitudes.
// Padding columns of C must come back untouched.
func (o *operands) check(t *testing.T, beta float32) []float32 {
	t.Helper()
	c := append([]float32(nil), o.c...)
	Sgemm(o.transA, o.transB, o.m, o.n, o.k, o.a, o.lda, o.b, o.ldb, beta, c, o.ldc)
	ref, refAbs := o.reference()
	eps := float64(o.k+2) * math.Ldexp(1, -24)
	bad := 0
	for i := 0; i < o.m; i++ {
		for j := 0; j < o.ldc && i*o.ldc+j < len(c); j++ {
			got := c[i*o.ldc+j]
			if j >= o.n {
				if math.Float32bits(got) != math.Float32bits(o.c[i*o.ldc+j]) {
					t.Fatalf("%s: padding C[%d,%d] changed", o, i, j)
				}
				continue
			}
			want, abs := ref[i*o.n+j], refAbs[i*o.n+j]
			if beta != 0 {
				x := float64(beta) * float64(o.c[i*o.ldc+j])
				want += x
				abs += math.Abs(x)
			}
			if d := math.Abs(float64(got) - want); !(d <= eps*abs+1e-30) {
				if bad++; bad <= 3 {
					t.Errorf("%s beta=%v: C[%d,%d] = %v, want %v (|diff| %g > %g)", o, beta, i, j, got, want, d, eps*abs)
				}
			}
		}
	}
	if bad > 0 {
		t.FailNow()
	}
	return c
}

func (o *operands) String() string {
	return fmt.Sprintf("%s m=%d n=%d k=%d lda=%d ldb=%d ldc=%d", transName(o.transA, o.transB), o.m, o.n, o.k, o.lda, o.ldb, o.ldc)
}

func transName(ta, tb bool) string {
	s := [2]string{"N", "T"}
	x := func(b bool) string {
		if b {
			return s[1]
		}
		return s[0]
	}
	return x(ta) + x(tb)
}

var transCombos = [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}}

// withPacking runs f with each packing policy: automatic, read everything
// in place that can be, copy everything.
func withPacking(t *testing.T, f func(t *testing.T)) {
	defer func() { packMode = packAuto }()
	for _, m := range []int{packAuto, packNever, packAlways} {
		packMode = m
		t.Run([]string{"auto", "inplace", "packed"}[m], f)
	}
}

// TestSgemmSmall covers edge tiles, sizes 1..70, strides above the width,
// all transpose combinations and both betas, on every kernel family and
// packing policy.
func TestSgemmSmall(t *testing.T) {
	withImpl(t, func(t *testing.T) { withPacking(t, testSgemmSmall) })
}

func testSgemmSmall(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	type dims struct{ m, n, k int }
	cases := []dims{
		{1, 1, 1}, {1, 1, 7}, {1, 33, 1}, {9, 1, 5}, {8, 32, 8}, {8, 32, 1}, {7, 31, 9},
		{6, 16, 16}, {5, 15, 3}, {12, 48, 17}, {17, 17, 17}, {16, 64, 64}, {33, 65, 9},
		{3, 100, 2}, {100, 3, 2}, {40, 8, 70}, {64, 64, 64}, {70, 70, 70},
	}
	for range 40 {
		cases = append(cases, dims{1 + rng.IntN(70), 1 + rng.IntN(70), 1 + rng.IntN(70)})
	}
	for _, d := range cases {
		for _, tr := range transCombos {
			pad := rng.IntN(3) * (1 + rng.IntN(9))
			o := newOperands(rng, tr[0], tr[1], d.m, d.n, d.k, pad)
			o.check(t, 0)
			o.check(t, 1)
		}
	}
}

// TestSgemmBlocking shrinks the blocking parameters so that small products
// go through several K, MC and NC blocks, the non-lazy B packing and
// multi-group A packing, on every kernel family and packing policy.
func TestSgemmBlocking(t *testing.T) {
	saved := [3]int{kcMax, aBlockFloats, bBlockFloats}
	defer func() { kcMax, aBlockFloats, bBlockFloats = saved[0], saved[1], saved[2] }()
	kcMax, aBlockFloats, bBlockFloats = 13, 13*24, 13*64
	withImpl(t, func(t *testing.T) {
		withPacking(t, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(19, 20))
			for range 12 {
				m, n, k := 1+rng.IntN(90), 1+rng.IntN(150), 1+rng.IntN(60)
				for _, tr := range transCombos {
					o := newOperands(rng, tr[0], tr[1], m, n, k, rng.IntN(4))
					o.check(t, 0)
					o.check(t, 1)
				}
			}
		})
	})
}

// keyShapes are the products of batch-32 Dense, Conv and LSTM(64) training
// (sequences of 100) and of prediction, each with its natural transposes.
var keyShapes = []struct {
	name           string
	transA, transB bool
	m, n, k        int
}{
	{"dense_fwd_32x784x256_NN", false, false, 32, 256, 784},
	{"dense_dW_784x256_k32_TN", true, false, 784, 256, 32},
	{"dense_dX_32x784_k256_NT", false, true, 32, 784, 256},
	{"out_fwd_32x256x10_NN", false, false, 32, 10, 256},
	{"out_dW_256x10_k32_TN", true, false, 256, 10, 32},
	{"out_dX_32x256_k10_NT", false, true, 32, 256, 10},
	{"predict_1024x784x256_NN", false, false, 1024, 256, 784},
	{"conv1_fwd_21632x9x32_NN", false, false, 32 * 26 * 26, 32, 9},
	{"conv1_dW_9x32_k21632_TN", true, false, 9, 32, 32 * 26 * 26},
	{"conv1_dX_21632x9_k32_NT", false, true, 32 * 26 * 26, 9, 32},
	{"conv2_fwd_3872x288x64_NN", false, false, 32 * 11 * 11, 64, 288},
	{"conv2_dW_288x64_k3872_TN", true, false, 288, 64, 32 * 11 * 11},
	{"conv2_dX_3872x64_k288_NT", false, true, 32 * 11 * 11, 288, 64},
	{"conv3_fwd_288x576x64_NN", false, false, 32 * 3 * 3, 64, 576},
	{"conv3_dW_576x64_k288_TN", true, false, 576, 64, 32 * 3 * 3},
	{"conv3_dX_288x64_k576_NT", false, true, 32 * 3 * 3, 576, 64},
	{"lstm_x_3200x256x64_NN", false, false, 32 * 100, 256, 64},
	{"lstm_step_32x256x64_NN", false, false, 32, 256, 64},
	{"lstm_dh_32x64_k256_NT", false, true, 32, 64, 256},
	{"lstm_dR_64x256_k32_TN", true, false, 64, 256, 32},
	{"lstm_dK_64x256_k3200_TN", true, false, 64, 256, 32 * 100},
	{"lstm_dX_3200x64_k256_NT", false, true, 32 * 100, 64, 256},
	{"square_1024_NN", false, false, 1024, 1024, 1024},
}

// TestSgemmKeyShapes checks the products neuron actually runs, with every
// kernel family (the 1024³ product only in benchmarks, to keep tests fast).
func TestSgemmKeyShapes(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, s := range keyShapes {
		if s.m*s.n*s.k > 300<<20 {
			continue
		}
		o := newOperands(rng, s.transA, s.transB, s.m, s.n, s.k, 0)
		t.Run(s.name, func(t *testing.T) {
			withImpl(t, func(t *testing.T) {
				o.check(t, 0)
				if s.m*s.n*s.k < 4<<20 {
					o.check(t, 1)
				}
			})
		})
	}
}

// TestSgemmNaNIgnoredWithBetaZero checks that beta=0 overwrites C without
// reading it, including the k=0 case.
func TestSgemmNaNIgnoredWithBetaZero(t *testing.T) {
	withImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 6))
		for _, d := range [][3]int{{9, 33, 5}, {32, 256, 784}, {3, 4, 0}, {64, 64, 2000}} {
			for _, tr := range transCombos {
				o := newOperands(rng, tr[0], tr[1], d[0], d[1], d[2], 0)
				for i := range o.c {
					o.c[i] = float32(math.NaN())
				}
				o.check(t, 0)
			}
		}
	})
}

// TestSgemmBetaOther checks that values of beta other than 0 and 1 scale C.
func TestSgemmBetaOther(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, tr := range transCombos {
		o := newOperands(rng, tr[0], tr[1], 13, 37, 11, 2)
		o.check(t, 0.5)
		o.k, o.want = 0, nil
		o.check(t, -2)
	}
}

// TestSgemmDeterministic checks that results are bit-identical whatever
// GOMAXPROCS is: the work is split over M and N only.
func TestSgemmDeterministic(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	rng := rand.New(rand.NewPCG(9, 10))
	shapes := [][3]int{{32, 256, 784}, {784, 256, 32}, {32, 784, 256}, {67, 45, 2100}, {288, 64, 3872}}
	withImpl(t, func(t *testing.T) {
		for _, d := range shapes {
			for _, tr := range transCombos {
				o := newOperands(rng, tr[0], tr[1], d[0], d[1], d[2], 1)
				var first []float32
				for _, procs := range []int{1, 2, 4} {
					runtime.GOMAXPROCS(procs)
					c := append([]float32(nil), o.c...)
					Sgemm(o.transA, o.transB, o.m, o.n, o.k, o.a, o.lda, o.b, o.ldb, 0, c, o.ldc)
					if first == nil {
						first = c
						continue
					}
					for i := range c {
						if math.Float32bits(c[i]) != math.Float32bits(first[i]) {
							t.Fatalf("%s: GOMAXPROCS=%d differs from 1 at %d: %v vs %v", o, procs, i, c[i], first[i])
						}
					}
				}
			}
		}
	})
}

// TestSgemmConcurrent runs products from several goroutines at once: one of
// them gets the worker pool, the others run on their own goroutine.
func TestSgemmConcurrent(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	var ops []*operands
	var want [][]float32
	for i := range 6 {
		tr := transCombos[i%4]
		o := newOperands(rng, tr[0], tr[1], 32+i, 200+i, 300, 0)
		ops = append(ops, o)
		c := append([]float32(nil), o.c...)
		Sgemm(o.transA, o.transB, o.m, o.n, o.k, o.a, o.lda, o.b, o.ldb, 0, c, o.ldc)
		want = append(want, c)
	}
	var wg sync.WaitGroup
	for g := range ops {
		wg.Go(func() {
			o := ops[g]
			c := make([]float32, len(o.c))
			for range 20 {
				Sgemm(o.transA, o.transB, o.m, o.n, o.k, o.a, o.lda, o.b, o.ldb, 0, c, o.ldc)
				for i := range c {
					if c[i] != want[g][i] {
						t.Errorf("goroutine %d: C[%d] = %v, want %v", g, i, c[i], want[g][i])
						return
					}
				}
			}
		})
	}
	wg.Wait()
}

// TestSgemmNoAllocs checks that steady-state products do not allocate,
// single-threaded and on the worker pool.
func TestSgemmNoAllocs(t *testing.T) {
	if testing.CoverMode() != "" || raceEnabled {
		t.Skip("instrumented build")
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	rng := rand.New(rand.NewPCG(13, 14))
	for _, s := range keyShapes {
		if s.m*s.n*s.k > 100<<20 {
			continue
		}
		o := newOperands(rng, s.transA, s.transB, s.m, s.n, s.k, 0)
		for _, procs := range []int{1, 2} {
			runtime.GOMAXPROCS(procs)
			f := func() {
				Sgemm(o.transA, o.transB, o.m, o.n, o.k, o.a, o.lda, o.b, o.ldb, 0, o.c, o.ldc)
			}
			f()
			if n := testing.AllocsPerRun(20, f); n != 0 {
				t.Errorf("%s GOMAXPROCS=%d: %v allocations per call", s.name, procs, n)
			}
		}
	}
}

func TestSgemmPanics(t *testing.T) {
	a := make([]float32, 12)
	b := make([]float32, 12)
	c := make([]float32, 12)
	bad := map[string]func(){
		"negative":  func() { Sgemm(false, false, -1, 2, 2, a, 2, b, 2, 0, c, 2) },
		"short A":   func() { Sgemm(false, false, 4, 3, 4, a, 4, b, 3, 0, c, 3) },
		"short B":   func() { Sgemm(false, true, 3, 4, 4, a, 4, b, 4, 0, c, 4) },
		"short C":   func() { Sgemm(false, false, 3, 4, 2, a, 2, b, 4, 0, c, 5) },
		"small lda": func() { Sgemm(true, false, 2, 3, 2, a, 1, b, 3, 0, c, 3) },
		"small ldc": func() { Sgemm(false, false, 2, 3, 2, a, 2, b, 3, 0, c, 2) },
	}
	for name, f := range bad {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("no panic")
				}
			}()
			f()
		})
	}
	// Empty products are fine, even with empty slices.
	Sgemm(false, false, 0, 0, 0, nil, 1, nil, 1, 0, nil, 1)
	Sgemm(true, true, 0, 5, 3, nil, 1, make([]float32, 15), 3, 1, nil, 5)
}

// TestVectorKernels checks Axpy, AddBiasRows and SumRows bit for bit
// against plain loops (the assembly rounds exactly like Go), on every path,
// for lengths around the vector widths and for unaligned starts.
func TestVectorKernels(t *testing.T) {
	withImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(15, 16))
		for _, n := range []int{0, 1, 3, 4, 5, 7, 8, 9, 17, 31, 32, 33, 63, 256, 1001} {
			for _, off := range []int{0, 1} {
				x, y := randSlice(rng, n+off), randSlice(rng, n+off+2)
				x, y = x[off:], y[off:]
				want := append([]float32(nil), y...)
				for i := range x {
					want[i] += 0.37 * x[i]
				}
				Axpy(0.37, x, y)
				for i := range y {
					if math.Float32bits(y[i]) != math.Float32bits(want[i]) {
						t.Fatalf("Axpy n=%d: y[%d] = %v, want %v", n, i, y[i], want[i])
					}
				}
			}
		}
		for _, d := range [][3]int{{0, 3, 3}, {3, 0, 1}, {1, 1, 1}, {5, 7, 9}, {7, 37, 40}, {32, 256, 256}, {3, 784, 790}} {
			m, n, ld := d[0], d[1], d[2]
			g := randSlice(rng, m*ld)
			bias := randSlice(rng, n)
			c := append([]float32(nil), g...)
			AddBiasRows(c, m, n, ld, bias)
			for i := 0; i < m; i++ {
				for j := 0; j < ld; j++ {
					want := g[i*ld+j]
					if j < n {
						want += bias[j]
					}
					if math.Float32bits(c[i*ld+j]) != math.Float32bits(want) {
						t.Fatalf("AddBiasRows %v: C[%d,%d] = %v, want %v", d, i, j, c[i*ld+j], want)
					}
				}
			}
			dst := randSlice(rng, n)
			SumRows(dst, g, m, n, ld)
			for j := 0; j < n; j++ {
				var want float32
				for i := 0; i < m; i++ {
					want += g[i*ld+j]
				}
				if math.Float32bits(dst[j]) != math.Float32bits(want) {
					t.Fatalf("SumRows %v: dst[%d] = %v, want %v", d, j, dst[j], want)
				}
			}
		}
	})
}

func TestVectorKernelsPanic(t *testing.T) {
	for name, f := range map[string]func(){
		"Axpy short y":     func() { Axpy(1, make([]float32, 5), make([]float32, 4)) },
		"AddBiasRows bias": func() { AddBiasRows(make([]float32, 6), 2, 3, 3, make([]float32, 2)) },
		"AddBiasRows C":    func() { AddBiasRows(make([]float32, 5), 2, 3, 3, make([]float32, 3)) },
		"SumRows dst":      func() { SumRows(make([]float32, 2), make([]float32, 6), 2, 3, 3) },
		"SumRows G":        func() { SumRows(make([]float32, 3), make([]float32, 5), 2, 3, 3) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("no panic")
				}
			}()
			f()
		})
	}
}

// BenchmarkAxpy reports GB/s moved (read x and y, write y) for a parameter
// vector the size of a 784-256-10 MLP's.
func BenchmarkAxpy(b *testing.B) {
	rng := rand.New(rand.NewPCG(21, 22))
	x, y := randSlice(rng, 203530), randSlice(rng, 203530)
	for b.Loop() {
		Axpy(1e-3, x, y)
	}
	b.ReportMetric(12*float64(len(x))*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
}

// BenchmarkSgemm reports GFLOP/s (2·m·n·k per call) for the key shapes,
// each with GOMAXPROCS=1 and 2 (sub-benchmarks P1 and P2). The benchmark
// sets GOMAXPROCS itself because -cpu does not reliably apply to the first
// run of a sub-benchmark.
func BenchmarkSgemm(b *testing.B) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	rng := rand.New(rand.NewPCG(17, 18))
	for _, s := range keyShapes {
		o := newOperands(rng, s.transA, s.transB, s.m, s.n, s.k, 0)
		for _, procs := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/P%d", s.name, procs), func(b *testing.B) {
				runtime.GOMAXPROCS(procs)
				b.ReportAllocs()
				for b.Loop() {
					Sgemm(o.transA, o.transB, o.m, o.n, o.k, o.a, o.lda, o.b, o.ldb, 0, o.c, o.ldc)
				}
				b.ReportMetric(2*float64(s.m*s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
