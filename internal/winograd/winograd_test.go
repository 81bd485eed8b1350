package winograd

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}

// conv3x3 is the direct stride-1 valid 3×3 cross-correlation of one
// [h][w][c] image with a [3][3][c][f] kernel, in float64.
func conv3x3(x, w []float32, h, wd, c, f int) []float64 {
	oh, ow := h-2, wd-2
	y := make([]float64, oh*ow*f)
	for i := range oh {
		for j := range ow {
			for o := range f {
				var s float64
				for p := range 3 {
					for q := range 3 {
						for ch := range c {
							s += float64(x[((i+p)*wd+j+q)*c+ch]) * float64(w[((p*3+q)*c+ch)*f+o])
						}
					}
				}
				y[(i*ow+j)*f+o] = s
			}
		}
	}
	return y
}

// winogradConv convolves one image whose output is 2·th × 2·tw with the
// package's transforms and a float64 product, the way a caller does.
func winogradConv(x, w, bias []float32, th, tw, c, f int, relu bool) []float32 {
	rs := (2*tw + 2) * c
	tiles := th * tw
	v := make([]float32, tiles*16*c)
	for ty := range th {
		Input(v[ty*tw*c:], tiles*c, x[2*ty*rs:], rs, tw, c)
	}
	u := make([]float32, 16*c*f)
	Filter(u, w, c, f)
	m := make([]float32, tiles*16*f)
	for t := range tiles {
		for xi := range 16 {
			for o := range f {
				var s float64
				for ch := range c {
					s += float64(v[(xi*tiles+t)*c+ch]) * float64(u[(xi*c+ch)*f+o])
				}
				m[(xi*tiles+t)*f+o] = float32(s)
			}
		}
	}
	y := make([]float32, 2*th*2*tw*f)
	for ty := range th {
		Output(y[2*ty*2*tw*f:], 2*tw*f, m[ty*tw*f:], tiles*f, tw, f, bias, relu)
	}
	return y
}

// TestConvolutionMatchesDirect checks the transforms against the direct
// definition of the convolution (float64), the independent source.
func TestConvolutionMatchesDirect(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, sh := range []struct{ th, tw, c, f int }{{3, 4, 16, 16}, {2, 2, 3, 5}, {5, 6, 32, 64}, {2, 3, 8, 24}, {3, 2, 24, 8}} {
		for _, p := range kernelPaths() {
			restore := p.use()
			h, wd := 2*sh.th+2, 2*sh.tw+2
			x := randSlice(r, h*wd*sh.c)
			w := randSlice(r, 9*sh.c*sh.f)
			bias := randSlice(r, sh.f)
			want := conv3x3(x, w, h, wd, sh.c, sh.f)
			got := winogradConv(x, w, bias, sh.th, sh.tw, sh.c, sh.f, false)
			gotRelu := winogradConv(x, w, bias, sh.th, sh.tw, sh.c, sh.f, true)
			restore()
			scale := math.Sqrt(float64(9 * sh.c))
			for i, v := range want {
				o := i % sh.f
				v += float64(bias[o])
				if d := math.Abs(float64(got[i]) - v); d > 1e-5*scale {
					t.Fatalf("%+v path %s: y[%d] = %v, direct %v", sh, p.name, i, got[i], v)
				}
				if e := float32(max(0, float64(got[i]))); gotRelu[i] != e {
					t.Fatalf("%+v path %s: relu y[%d] = %v, want %v", sh, p.name, i, gotRelu[i], e)
				}
			}
		}
	}
}

func dot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

// TestAdjoints checks ⟨T x, y⟩ = ⟨x, Tᵀ y⟩ for each transform and its
// adjoint, which is what makes the adjoints the gradients.
func TestAdjoints(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const tiles = 5
	for _, p := range kernelPaths() {
		for _, cf := range [][2]int{{16, 32}, {8, 24}} {
			c, f := cf[0], cf[1]
			restore := p.use()
			rs := (2*tiles+2)*c + 7
			x := randSlice(r, 4*rs)
			vs := tiles*c + 16
			dv := randSlice(r, 16*vs)
			v := make([]float32, 16*vs)
			Input(v, vs, x, rs, tiles, c)
			dx := make([]float32, len(x))
			InputAdjoint(dx, rs, dv, vs, tiles, c)
			if a, b := dot(v, dv), dot(x, dx); math.Abs(a-b) > 1e-3*math.Abs(a)+1e-3 {
				t.Errorf("path %s c=%d: ⟨Input x, dv⟩ = %v, ⟨x, InputAdjoint dv⟩ = %v", p.name, c, a, b)
			}

			ors := 2*tiles*f + 3
			ms := tiles*f + 32
			m := randSlice(r, 16*ms)
			for xi := range 16 { // the values between the matrices are not read
				clear(m[xi*ms+tiles*f : (xi+1)*ms])
			}
			gy := randSlice(r, 2*ors)
			zero := make([]float32, f)
			y := make([]float32, 2*ors)
			Output(y, ors, m, ms, tiles, f, zero, false)
			dm := make([]float32, len(m))
			OutputAdjoint(dm, ms, gy, ors, tiles, f)
			mask := make([]float32, len(gy)) // the positions Output writes
			for a := range 2 {
				for i := range 2 * tiles * f {
					mask[a*ors+i] = gy[a*ors+i]
				}
			}
			if a, b := dot(y, mask), dot(m, dm); math.Abs(a-b) > 1e-3*math.Abs(a)+1e-3 {
				t.Errorf("path %s f=%d: ⟨Output m, gy⟩ = %v, ⟨m, OutputAdjoint gy⟩ = %v", p.name, f, a, b)
			}
			restore()
		}
	}
	const c, f = 16, 32
	w := randSlice(r, 9*c*f)
	du := randSlice(r, 16*c*f)
	u := make([]float32, len(du))
	Filter(u, w, c, f)
	dw := make([]float32, len(w))
	FilterAdjoint(dw, du, c, f)
	if a, b := dot(u, du), dot(w, dw); math.Abs(a-b) > 1e-3*math.Abs(a) {
		t.Errorf("⟨Filter w, du⟩ = %v, ⟨w, FilterAdjoint du⟩ = %v", a, b)
	}
}

// TestAssemblyMatchesGo checks that each kernel gives the Go code's bits,
// on values with NaNs, infinities and signed zeros among them.
func TestAssemblyMatchesGo(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	special := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.Copysign(0, -1)), 0, 1e-40}
	fill := func(n int) []float32 {
		s := randSlice(r, n)
		for i := range s {
			if r.IntN(50) == 0 {
				s[i] = special[r.IntN(len(special))]
			}
		}
		return s
	}
	same := func(name string, a, b []float32) {
		t.Helper()
		for i := range a {
			if math.Float32bits(a[i]) != math.Float32bits(b[i]) && !(a[i] != a[i] && b[i] != b[i]) {
				t.Fatalf("%s: [%d] assembly %v, Go %v", name, i, a[i], b[i])
			}
		}
	}
	paths := kernelPaths()
	goPath := paths[0]
	for _, p := range paths[1:] {
		run := func(asm bool, fn func()) {
			q := goPath
			if asm {
				q = p
			}
			defer q.use()()
			fn()
		}
		for _, c := range []int{8, 16, 24, 48} {
			const tiles = 6
			rs := (2*tiles+2)*c + 16
			x := fill(4 * rs)
			bias := fill(c)
			vs := tiles*c + 32
			m := fill(16 * vs)
			ya0, va0 := make([]float32, 4*rs), make([]float32, 16*vs)
			for _, relu := range []bool{false, true} {
				va, vg := make([]float32, 16*vs), make([]float32, 16*vs)
				if p.covers(c) { // the kernels run, not the fallback
					restore := p.use()
					ok := inputAsm(va0, vs, x, rs, tiles, c) && outputAsm(ya0, rs, m, vs, tiles, c, bias, relu) &&
						outputAdjointAsm(va0, vs, x, rs, tiles, c) && inputAdjointAsm(ya0, rs, m, vs, tiles, c)
					restore()
					if !ok {
						t.Fatalf("path %s c=%d: a kernel fell back to Go", p.name, c)
					}
				}
				run(true, func() { Input(va, vs, x, rs, tiles, c) })
				run(false, func() { Input(vg, vs, x, rs, tiles, c) })
				same(p.name+" Input", va, vg)

				ya, yg := make([]float32, 2*rs), make([]float32, 2*rs)
				run(true, func() { Output(ya, rs, m, vs, tiles, c, bias, relu) })
				run(false, func() { Output(yg, rs, m, vs, tiles, c, bias, relu) })
				same(p.name+" Output", ya, yg)

				da, dg := make([]float32, 16*vs), make([]float32, 16*vs)
				run(true, func() { OutputAdjoint(da, vs, x, rs, tiles, c) })
				run(false, func() { OutputAdjoint(dg, vs, x, rs, tiles, c) })
				same(p.name+" OutputAdjoint", da, dg)

				xa, xg := fill(4*rs), []float32(nil)
				xg = slices.Clone(xa)
				run(true, func() { InputAdjoint(xa, rs, m, vs, tiles, c) })
				run(false, func() { InputAdjoint(xg, rs, m, vs, tiles, c) })
				same(p.name+" InputAdjoint", xa, xg)
			}
		}
	}
}

// TestFilterMatrix checks FilterMatrix·kernel against Filter.
func TestFilterMatrix(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	const c, f = 3, 5
	w := randSlice(r, 9*c*f)
	u := make([]float32, 16*c*f)
	Filter(u, w, c, f)
	for xi := range 16 {
		for e := range c * f {
			var s float64
			for k := range 9 {
				s += float64(FilterMatrix[xi*9+k]) * float64(w[k*c*f+e])
			}
			if d := math.Abs(s - float64(u[xi*c*f+e])); d > 1e-6 {
				t.Fatalf("u[%d][%d] = %v, FilterMatrix gives %v", xi, e, u[xi*c*f+e], s)
			}
		}
	}
}

// BenchmarkTransforms times each transform on every kernel path for one
// image of the course CNN's middle convolution (13×13×32 padded to 14×14,
// 6×6 tiles, 64 filters), the bytes counting the floats read and written.
func BenchmarkTransforms(b *testing.B) {
	r := rand.New(rand.NewPCG(9, 10))
	const th, tw, c, f = 6, 6, 32, 64
	tiles := th * tw
	rs, ors := (2*tw+2)*c, 2*tw*f
	x := randSlice(r, (2*th+2)*rs)
	v := randSlice(r, 16*tiles*c)
	m := randSlice(r, 16*tiles*f)
	y := randSlice(r, 2*th*ors)
	bias := randSlice(r, f)
	kernels := []struct {
		name  string
		bytes int
		run   func()
	}{
		{"Input", 4 * (16 + 16) * tiles * c, func() {
			for ty := range th {
				Input(v[ty*tw*c:], tiles*c, x[2*ty*rs:], rs, tw, c)
			}
		}},
		{"OutputBiasReLU", 4 * (16 + 4) * tiles * f, func() {
			for ty := range th {
				Output(y[2*ty*ors:], ors, m[ty*tw*f:], tiles*f, tw, f, bias, true)
			}
		}},
		{"OutputAdjoint", 4 * (4 + 16) * tiles * f, func() {
			for ty := range th {
				OutputAdjoint(m[ty*tw*f:], tiles*f, y[2*ty*ors:], ors, tw, f)
			}
		}},
		{"InputAdjoint", 4 * (16 + 32) * tiles * c, func() {
			for ty := range th {
				InputAdjoint(x[2*ty*rs:], rs, v[ty*tw*c:], tiles*c, tw, c)
			}
		}},
	}
	for _, k := range kernels {
		for _, p := range kernelPaths() {
			b.Run("kernel="+k.name+"/path="+p.name, func(b *testing.B) {
				defer p.use()()
				b.SetBytes(int64(k.bytes))
				for b.Loop() {
					k.run()
				}
			})
		}
	}
}
