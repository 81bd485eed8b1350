package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// poolData returns n random values with the cases that tell the paths apart:
// ties, NaN, ±0 and infinities.
func poolData(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 1, -1}
	for i := range s {
		switch rng.IntN(4) {
		case 0:
			s[i] = special[rng.IntN(len(special))]
		case 1:
			s[i] = float32(rng.IntN(3)) // ties
		default:
			s[i] = float32(rng.NormFloat64())
		}
	}
	return s
}

type poolGeom struct {
	h, w, c    int // image
	kh, kw, sw int // window and horizontal stride
}

// offsets returns the window positions of g in row-major order.
func (g poolGeom) offsets() []int32 {
	var offs []int32
	for i := 0; i < g.kh; i++ {
		for j := 0; j < g.kw; j++ {
			offs = append(offs, int32((i*g.w+j)*g.c))
		}
	}
	return offs
}

var poolGeoms = []poolGeom{
	{4, 8, 32, 2, 2, 2},
	{5, 9, 64, 2, 2, 2},
	{3, 6, 16, 2, 2, 2}, // the second row is the last
	{3, 6, 8, 2, 2, 2},
	{4, 7, 1, 2, 2, 2},
	{4, 7, 3, 3, 3, 1}, // overlapping windows
	{5, 7, 17, 3, 2, 1},
	{4, 8, 40, 2, 3, 2},
	{2, 5, 24, 1, 1, 1},
	{4, 4, 48, 3, 1, 1},
}

// TestMaxPoolPathsAgree runs every path over the same rows of windows and
// requires bit-identical values, winners and gradients, and checks the Go
// path against the definition.
func TestMaxPoolPathsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for _, g := range poolGeoms {
		t.Run(fmt.Sprintf("%+v", g), func(t *testing.T) {
			offs := g.offsets()
			x := poolData(rng, g.h*g.w*g.c)
			gy := poolData(rng, g.w*g.c)
			dx0 := poolData(rng, len(x))
			n := (g.w-g.kw)/g.sw + 1
			step := g.sw * g.c
			// The windows of the second image row, as a caller working on
			// a whole image passes them: src starts at the row.
			base := g.w * g.c
			var ref [4][]uint32
			for _, p := range kernelPaths() {
				restore := p.use()
				plain := make([]float32, n*g.c)
				MaxPool(plain, x[base:], offs, n, g.c, step)
				dst := make([]float32, n*g.c)
				arg := make([]int32, n*g.c)
				MaxPoolArg(dst, arg, x[base:], offs, base, n, g.c, step)
				dx := append([]float32(nil), dx0...)
				MaxPoolBackward(dx[base:], gy, arg, offs, base, n, g.c, step)
				restore()
				got := [4][]uint32{bits(plain), bits(dst), nil, bits(dx)}
				for _, a := range arg {
					got[2] = append(got[2], uint32(a))
				}
				if ref[0] == nil {
					ref = got
					checkMaxPool(t, x, dx0, gy, plain, dst, arg, dx, offs, base, n, g.c, step)
					continue
				}
				for k, name := range []string{"MaxPool", "MaxPoolArg values", "MaxPoolArg winners", "MaxPoolBackward"} {
					for i := range ref[k] {
						if got[k][i] != ref[k][i] {
							t.Fatalf("%s: path %s differs from go at %d: %#x vs %#x", name, p.name, i, got[k][i], ref[k][i])
						}
					}
				}
			}
		})
	}
}

// checkMaxPool checks results against the definition: the first strictly
// greatest value of each window (a NaN only if it comes first), and the
// gradient scattered to it.
func checkMaxPool(t *testing.T, x, dx0, gy, plain, dst []float32, arg []int32, dx []float32, offs []int32, base, n, c, step int) {
	t.Helper()
	want := append([]float32(nil), dx0...)
	for o := 0; o < n; o++ {
		for ch := 0; ch < c; ch++ {
			at := base + o*step + int(offs[0]) + ch
			for _, e := range offs[1:] {
				// PyTorch's rule: val > max || isnan(val).
				if p := base + o*step + int(e) + ch; x[p] > x[at] || x[p] != x[p] {
					at = p
				}
			}
			i := o*c + ch
			if math.Float32bits(plain[i]) != math.Float32bits(x[at]) || math.Float32bits(dst[i]) != math.Float32bits(x[at]) || int(arg[i]) != at {
				t.Fatalf("window %d channel %d: got %v, %v at %d; want %v at %d", o, ch, plain[i], dst[i], arg[i], x[at], at)
			}
			want[at] += gy[i]
		}
	}
	for i := range want {
		if math.Float32bits(want[i]) != math.Float32bits(dx[i]) {
			t.Fatalf("gradient at %d: got %v, want %v", i, dx[i], want[i])
		}
	}
}

func bits(s []float32) []uint32 {
	b := make([]uint32, len(s))
	for i, v := range s {
		b[i] = math.Float32bits(v)
	}
	return b
}

func TestMaxPoolBounds(t *testing.T) {
	mustPanic := func(name string, f func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s: no panic", name)
			}
		}()
		f()
	}
	src := make([]float32, 4*8)
	dst := make([]float32, 16)
	arg := make([]int32, 16)
	offs := []int32{0, 8, 16, 24}
	MaxPool(dst, src, offs, 1, 8, 8) // fits exactly
	mustPanic("past the end", func() { MaxPool(dst, src, offs, 2, 8, 8) })
	mustPanic("negative offset", func() { MaxPool(dst, src, []int32{-1}, 1, 8, 8) })
	mustPanic("short dst", func() { MaxPool(dst[:7], src, offs, 1, 8, 8) })
	mustPanic("int32 overflow", func() { MaxPoolArg(dst, arg, src, offs, 1<<31-8, 1, 8, 8) })
	mustPanic("short arg", func() { MaxPoolBackward(src, dst, arg[:7], offs, 0, 1, 8, 8) })
}

// BenchmarkMaxPoolArg times the first pooling of the course CNN for one
// image: 13 rows of 13 2×2 windows over 26×26×32.
func BenchmarkMaxPoolArg(b *testing.B) {
	g := poolGeom{26, 26, 32, 2, 2, 2}
	rng := rand.New(rand.NewPCG(1, 1))
	x := poolData(rng, g.h*g.w*g.c)
	offs := g.offsets()
	dst := make([]float32, 13*13*32)
	arg := make([]int32, len(dst))
	for _, p := range kernelPaths() {
		b.Run(p.name, func(b *testing.B) {
			defer p.use()()
			for b.Loop() {
				for r := 0; r < 13; r++ {
					MaxPoolArg(dst[r*13*32:], arg[r*13*32:], x[2*r*26*32:], offs, 2*r*26*32, 13, 32, 64)
				}
			}
		})
	}
}
