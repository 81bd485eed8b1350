package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// convData returns n random values, some of them ±0 and small integers,
// so that sums hit exact zeros and ties; no NaN, whose payloads the
// products would mix.
func convData(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		switch rng.IntN(6) {
		case 0:
			s[i] = float32(math.Copysign(0, -1))
		case 1:
			s[i] = float32(rng.IntN(3) - 1)
		default:
			s[i] = float32(rng.NormFloat64())
		}
	}
	return s
}

type convRowsCase struct {
	h, w, c, kh, kw, f, sw int
	drop                   int // window positions dropped, as padding would
}

// TestConvRowsPathsAgree runs ConvRows and ConvRowsGrad on every path over
// one output row of an image and requires bit-identical results, and
// checks the Go path against the definition.
func TestConvRowsPathsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	cases := []convRowsCase{
		{28, 28, 1, 3, 3, 32, 1, 0},
		{28, 28, 1, 3, 3, 32, 1, 3},
		{9, 9, 3, 3, 3, 16, 2, 0},
		{7, 8, 2, 2, 3, 48, 1, 1},
		{6, 7, 1, 5, 5, 8, 1, 0},
		{6, 30, 1, 1, 1, 24, 1, 0},
		{5, 9, 4, 2, 2, 64, 2, 0},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%+v", c), func(t *testing.T) {
			var xoffs, woffs []int32
			for i := 0; i < c.kh; i++ {
				for j := 0; j < c.kw; j++ {
					for ch := 0; ch < c.c; ch++ {
						e := (i*c.kw+j)*c.c + ch
						xoffs = append(xoffs, int32((i*c.w+j)*c.c+ch))
						woffs = append(woffs, int32(e*c.f))
					}
				}
			}
			xoffs, woffs = xoffs[c.drop:], woffs[c.drop:]
			n := (c.w-c.kw)/c.sw + 1
			step := c.sw * c.c
			x := convData(rng, c.h*c.w*c.c)
			w := convData(rng, c.kh*c.kw*c.c*c.f)
			bias := convData(rng, c.f)
			g := convData(rng, n*c.f)
			dw0 := convData(rng, len(w))
			var ref [][]uint32
			for _, p := range kernelPaths() {
				restore := p.use()
				var got [][]uint32
				for _, b := range [][]float32{nil, bias} {
					for _, relu := range []bool{false, true} {
						out := make([]float32, n*c.f)
						ConvRows(out, x, xoffs, woffs, n, step, w, b, c.f, relu)
						got = append(got, bits(out))
					}
				}
				dw := append([]float32(nil), dw0...)
				ConvRowsGrad(dw, g, x, xoffs, woffs, n, step, c.f)
				got = append(got, bits(dw))
				restore()
				if ref == nil {
					ref = got
					continue
				}
				for k := range ref {
					for i := range ref[k] {
						if got[k][i] != ref[k][i] {
							t.Fatalf("result %d: path %s differs from go at %d: %v vs %v", k, p.name, i,
								math.Float32frombits(got[k][i]), math.Float32frombits(ref[k][i]))
						}
					}
				}
			}
			// The definition, for the bias and ReLU case and the gradient.
			for o := 0; o < n; o++ {
				for j := 0; j < c.f; j++ {
					acc := bias[j]
					for e := range xoffs {
						acc += float32(x[o*step+int(xoffs[e])] * w[int(woffs[e])+j])
					}
					if !(acc > 0) {
						acc = 0
					}
					if got := math.Float32frombits(ref[3][o*c.f+j]); math.Float32bits(got) != math.Float32bits(acc) {
						t.Fatalf("output %d filter %d: %v, want %v", o, j, got, acc)
					}
				}
			}
			for e := range xoffs {
				for j := 0; j < c.f; j++ {
					var s [4]float32
					for o := 0; o < n; o++ {
						s[o%4] += float32(x[o*step+int(xoffs[e])] * g[o*c.f+j])
					}
					want := dw0[int(woffs[e])+j] + ((s[0] + s[1]) + (s[2] + s[3]))
					if got := math.Float32frombits(ref[4][int(woffs[e])+j]); math.Float32bits(got) != math.Float32bits(want) {
						t.Fatalf("dw row %d filter %d: %v, want %v", e, j, got, want)
					}
				}
			}
		})
	}
}

func TestConvRowsBounds(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	x := make([]float32, 10)
	ConvRows(make([]float32, 32), x, []int32{0, 9}, []int32{0, 32}, 2, 1, make([]float32, 64), nil, 32, false)
}

// BenchmarkConvRows times the first convolution of the course CNN for one
// image (26 rows of 26 outputs, 3×3 on one channel, 32 filters), forward
// and kernel gradient.
func BenchmarkConvRows(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	x := convData(rng, 28*28)
	w := convData(rng, 9*32)
	bias := convData(rng, 32)
	out := make([]float32, 26*26*32)
	var xoffs, woffs []int32
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			xoffs = append(xoffs, int32(i*28+j))
			woffs = append(woffs, int32((i*3+j)*32))
		}
	}
	for _, p := range kernelPaths() {
		b.Run(p.name+"/forward", func(b *testing.B) {
			defer p.use()()
			for b.Loop() {
				for r := 0; r < 26; r++ {
					ConvRows(out[r*26*32:], x[r*28:], xoffs, woffs, 26, 1, w, bias, 32, true)
				}
			}
		})
		b.Run(p.name+"/grad", func(b *testing.B) {
			defer p.use()()
			for b.Loop() {
				for r := 0; r < 26; r++ {
					ConvRowsGrad(w, out[r*26*32:], x[r*28:], xoffs, woffs, 26, 1, 32)
				}
			}
		})
	}
}

// TestConvRowsReLUNaN checks that the fused ReLU keeps a NaN, as ReLU does,
// on every path and bit for bit: one NaN input reaches exactly the outputs
// whose window covers it, and the others stay max(v, 0).
func TestConvRowsReLUNaN(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, c := range []convRowsCase{{3, 40, 1, 3, 3, 32, 1, 0}, {3, 12, 2, 3, 3, 64, 1, 0}, {3, 12, 1, 3, 3, 24, 1, 0}} {
		var xoffs, woffs []int32
		for i := 0; i < c.kh; i++ {
			for j := 0; j < c.kw; j++ {
				for ch := 0; ch < c.c; ch++ {
					xoffs = append(xoffs, int32((i*c.w+j)*c.c+ch))
					woffs = append(woffs, int32(((i*c.kw+j)*c.c+ch)*c.f))
				}
			}
		}
		n := c.w - c.kw + 1
		x := convData(rng, c.h*c.w*c.c)
		col := 5 // the NaN is in column 5 of the middle row, channel 0
		x[(1*c.w+col)*c.c] = math.Float32frombits(0xffc00321)
		w := convData(rng, c.kh*c.kw*c.c*c.f)
		for i := range w {
			if w[i] == 0 {
				w[i] = 0.5 // no 0·NaN questions: every product with NaN is NaN
			}
		}
		bias := convData(rng, c.f)
		var ref []uint32
		for _, p := range kernelPaths() {
			restore := p.use()
			out := make([]float32, n*c.f)
			ConvRows(out, x, xoffs, woffs, n, c.c, w, bias, c.f, true)
			restore()
			got := bits(out)
			if ref == nil {
				ref = got
				for o := 0; o < n; o++ {
					covers := o <= col && col < o+c.kw
					for j := 0; j < c.f; j++ {
						v := out[o*c.f+j]
						if covers && got[o*c.f+j] != 0xffc00321 || !covers && !(v >= 0 && math.Float32bits(v) != 0x80000000) {
							t.Fatalf("%+v: output %d filter %d = %#x (window covers the NaN: %v)", c, o, j, got[o*c.f+j], covers)
						}
					}
				}
				continue
			}
			for i := range ref {
				if got[i] != ref[i] {
					t.Fatalf("%+v: path %s differs from go at %d: %#x vs %#x", c, p.name, i, got[i], ref[i])
				}
			}
		}
	}
}
