package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func randSlice(rng *rand.Rand, n int, scale float64, positive bool) []float32 {
	s := make([]float32, n)
	for i := range s {
		x := rng.NormFloat64() * scale
		if positive {
			x = math.Abs(x)
		}
		s[i] = float32(x)
	}
	return s
}

// TestAdamPathsAgree runs every available path on the same inputs and
// requires bit-identical results, for lengths around the vector widths.
func TestAdamPathsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 33, 1000} {
		g := randSlice(rng, n, 1, false)
		m0 := randSlice(rng, n, 0.1, false)
		v0 := randSlice(rng, n, 0.1, true)
		w0 := randSlice(rng, n, 1, false)
		type path struct {
			name         string
			avx512, avx2 bool
		}
		paths := []path{{"go", false, false}}
		if hasAVX2 {
			paths = append(paths, path{"avx2", false, true})
		}
		if hasAVX512 {
			paths = append(paths, path{"avx512", true, false})
		}
		var ref []float32
		for _, p := range paths {
			old512, old2 := hasAVX512, hasAVX2
			hasAVX512, hasAVX2 = p.avx512, p.avx2
			w := append([]float32(nil), w0...)
			m := append([]float32(nil), m0...)
			v := append([]float32(nil), v0...)
			for step := 0; step < 3; step++ {
				Adam(w, g, m, v, 0.001, 0.1, 0.001, 1e-7)
			}
			hasAVX512, hasAVX2 = old512, old2
			all := append(append(append([]float32(nil), w...), m...), v...)
			if ref == nil {
				ref = all
				continue
			}
			for i := range ref {
				if math.Float32bits(ref[i]) != math.Float32bits(all[i]) {
					t.Fatalf("n=%d: path %s differs from go at %d: %v vs %v", n, p.name, i, all[i], ref[i])
				}
			}
		}
	}
}

// TestAdamDenormals runs every path on moments, gradients and weights in
// and near the denormal range and requires bit-identical results, each
// denormal input read as zero and no denormal left in m, v or w (the DAZ
// and FTZ modes); and that the caller's floating-point mode is back after
// the call, so Go code keeps its gradual underflow.
func TestAdamDenormals(t *testing.T) {
	const n = 1000
	tiny := []float32{0, 1e-39, -3e-40, 1.2e-38, -1.1754944e-38, 2e-38, 1e-20, -3e-22, 1e-3, 1.17549435e-38}
	rng := rand.New(rand.NewPCG(2, 2))
	pick := func() []float32 {
		s := make([]float32, n)
		for i := range s {
			s[i] = tiny[rng.IntN(len(tiny))]
		}
		return s
	}
	g, m0, v0, w0 := pick(), pick(), pick(), pick()
	for i := range v0 {
		v0[i] = float32(math.Abs(float64(v0[i])))
	}
	var ref []float32
	for _, p := range []struct{ avx512, avx2 bool }{{false, false}, {false, hasAVX2}, {hasAVX512, false}} {
		old512, old2 := hasAVX512, hasAVX2
		hasAVX512, hasAVX2 = p.avx512, p.avx2
		w, m, v := slices.Clone(w0), slices.Clone(m0), slices.Clone(v0)
		for range 3 {
			Adam(w, g, m, v, 1e-3, 0.1, 0.001, 1e-7)
		}
		hasAVX512, hasAVX2 = old512, old2
		all := slices.Concat(w, m, v)
		for i, x := range all {
			if x != 0 && math.Abs(float64(x)) < 0x1p-126 {
				t.Fatalf("avx512=%v avx2=%v: element %d is denormal: %g", p.avx512, p.avx2, i, x)
			}
		}
		if ref == nil {
			ref = all
			continue
		}
		for i := range ref {
			if math.Float32bits(ref[i]) != math.Float32bits(all[i]) {
				t.Fatalf("avx512=%v avx2=%v differs from go at %d: %g vs %g", p.avx512, p.avx2, i, all[i], ref[i])
			}
		}
	}
	// A denormal moment with a zero gradient is read as zero: the moment
	// stays zero and the weight does not move.
	w, m, v := []float32{0.5}, []float32{1e-39}, []float32{0}
	Adam(w, []float32{0}, m, v, 1e-3, 0.1, 0.001, 1e-7)
	if m[0] != 0 || w[0] != 0.5 {
		t.Errorf("m=1e-39, g=0: got m=%g w=%g, want m=0 w=0.5", m[0], w[0])
	}
	if got := halve(0x1p-126); got != 0x1p-127 {
		t.Errorf("after Adam, Go's 2^-126 / 2 = %g, want the denormal 2^-127: the floating-point mode was not restored", got)
	}
}

//go:noinline
func halve(x float32) float32 { return x / 2 }

// TestAdamValues checks one step against the formula evaluated in float64.
func TestAdamValues(t *testing.T) {
	w := []float32{1, -2, 0.5}
	g := []float32{0.1, -0.2, 0.3}
	m := []float32{0, 0, 0}
	v := []float32{0, 0, 0}
	lr, b1, b2, eps := 0.001, 0.9, 0.999, 1e-7
	alpha := lr * math.Sqrt(1-b2) / (1 - b1)
	Adam(w, g, m, v, float32(alpha), float32(1-b1), float32(1-b2), float32(eps))
	for i, w0 := range []float64{1, -2, 0.5} {
		gi := []float64{0.1, -0.2, 0.3}[i]
		mi, vi := (1-b1)*gi, (1-b2)*gi*gi
		want := w0 - alpha*mi/(math.Sqrt(vi)+eps)
		if math.Abs(float64(w[i])-want) > 1e-6 {
			t.Errorf("w[%d] = %v, want %v", i, w[i], want)
		}
	}
}

// BenchmarkAdam updates the weights of the course's Fashion-MNIST DNN
// (101,770) and MNIST DNN (203,530).
func BenchmarkAdam(b *testing.B) {
	for _, n := range []int{101770, 203530} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			w, g := randSlice(rng, n, 1, false), randSlice(rng, n, 1, false)
			m, v := randSlice(rng, n, 1, false), randSlice(rng, n, 1, true)
			b.SetBytes(int64(n * 4 * 7))
			for i := 0; i < b.N; i++ {
				Adam(w, g, m, v, 0.001, 0.1, 0.001, 1e-7)
			}
		})
	}
}

// TestReLUPathsAgree compares every path bit for bit, NaN and ±0 included,
// and checks the values: max(x, 0) with +0 for ±0, and NaN for NaN (quiet,
// with its payload and sign), as IEEE maximum and PyTorch's relu give; the
// gradient is 0 where the output is NaN (TensorFlow's and JAX's g·(x > 0)).
func TestReLUPathsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	// Quiet NaN, a negative quiet NaN with a payload, a signaling NaN (it
	// comes out quiet: 0x7fc00001).
	nans := []uint32{0x7fc00000, 0xffc00123, 0x7f800001}
	for _, n := range []int{0, 1, 7, 8, 15, 16, 17, 40, 1001} {
		x := randSlice(rng, n, 1, false)
		if n > 3 {
			x[0], x[1], x[2] = float32(math.NaN()), float32(math.Copysign(0, -1)), 0
		}
		for i := 3; i+20 < n; i += 20 {
			// NaNs at many lanes, in the vector body and in the tail.
			x[i] = math.Float32frombits(nans[i%len(nans)])
		}
		g := randSlice(rng, n, 1, false)
		dx0 := randSlice(rng, n, 1, false)
		if n > 3 {
			dx0[3] = float32(math.Copysign(0, -1))
		}
		var refY, refDX []float32
		for _, p := range [][2]bool{{false, false}, {false, true}, {true, false}} {
			if (p[0] && !hasAVX512) || (p[1] && !hasAVX2) {
				continue
			}
			old512, old2 := hasAVX512, hasAVX2
			hasAVX512, hasAVX2 = p[0], p[1]
			y := make([]float32, n)
			ReLU(y, x)
			dx := append([]float32(nil), dx0...)
			ReLUBackward(dx, g, y)
			hasAVX512, hasAVX2 = old512, old2
			if refY == nil {
				refY, refDX = y, dx
				for i, v := range x {
					want := uint32(0)
					switch {
					case v != v:
						want = math.Float32bits(v) | 1<<22
					case v > 0:
						want = math.Float32bits(v)
					}
					if math.Float32bits(y[i]) != want {
						t.Fatalf("ReLU(%#x) = %#x, want %#x", math.Float32bits(v), math.Float32bits(y[i]), want)
					}
					if v != v && dx[i] != dx0[i] {
						t.Fatalf("ReLUBackward at a NaN output changed dx from %v to %v", dx0[i], dx[i])
					}
				}
				continue
			}
			for i := range y {
				if math.Float32bits(y[i]) != math.Float32bits(refY[i]) || math.Float32bits(dx[i]) != math.Float32bits(refDX[i]) {
					t.Fatalf("n=%d path %v differs at %d", n, p, i)
				}
			}
		}
	}
}

// TestPrefetchRows checks that prefetching leaves memory as it is and
// that an out-of-range row panics, for float and byte rows.
func TestPrefetchRows(t *testing.T) {
	f := randSlice(rand.New(rand.NewPCG(3, 3)), 10*33, 1, false)
	b := make([]byte, 10*13)
	for i := range b {
		b[i] = byte(i)
	}
	f0, b0 := slices.Clone(f), slices.Clone(b)
	PrefetchRows(f, []int{9, 0, 5}, 33)
	PrefetchByteRows(b, []int{9, 0, 5}, 13)
	PrefetchRows(f, nil, 33)
	if !slices.Equal(f, f0) || !slices.Equal(b, b0) {
		t.Fatal("prefetching changed memory")
	}
	for _, r := range []int{-1, 10} {
		for name, call := range map[string]func(){
			"PrefetchRows":     func() { PrefetchRows(f, []int{r}, 33) },
			"PrefetchByteRows": func() { PrefetchByteRows(b, []int{r}, 13) },
		} {
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("%s(row %d of 10) did not panic", name, r)
					}
				}()
				call()
			}()
		}
	}
}
