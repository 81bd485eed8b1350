package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestRowsPathsAgree runs AddRows (with overlapping destination rows, as
// col2im has them) and CopyRows on every path and requires bit-identical
// results, equal to the definition.
func TestRowsPathsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for _, seg := range []int{1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 96, 100, 192} {
		for _, dstStep := range []int{seg, seg / 3, seg + 5} {
			n, srcStep := 7, seg+3
			name := fmt.Sprintf("seg%d_step%d", seg, dstStep)
			src := poolData(rng, (n-1)*srcStep+seg)
			dst0 := poolData(rng, (n-1)*dstStep+seg+4)
			want := append([]float32(nil), dst0...)
			for r := 0; r < n; r++ {
				for i := 0; i < seg; i++ {
					want[r*dstStep+i] += src[r*srcStep+i]
				}
			}
			wantCopy := append([]float32(nil), dst0...)
			if dstStep >= seg {
				for r := 0; r < n; r++ {
					copy(wantCopy[r*dstStep:r*dstStep+seg], src[r*srcStep:])
				}
			}
			for _, p := range kernelPaths() {
				restore := p.use()
				dst := append([]float32(nil), dst0...)
				AddRows(dst, dstStep, src, srcStep, n, seg)
				cp := append([]float32(nil), dst0...)
				if dstStep >= seg {
					CopyRows(cp, dstStep, src, srcStep, n, seg)
				}
				restore()
				for i := range want {
					if !sameFloat(dst[i], want[i]) {
						t.Fatalf("%s: AddRows path %s at %d: %v, want %v", name, p.name, i, dst[i], want[i])
					}
					if math.Float32bits(cp[i]) != math.Float32bits(wantCopy[i]) {
						t.Fatalf("%s: CopyRows path %s at %d: %v, want %v", name, p.name, i, cp[i], wantCopy[i])
					}
				}
			}
		}
	}
}

// sameFloat reports whether a and b have the same bits, or are both NaN:
// which NaN a sum of two NaNs gives depends on how the compiler orders the
// operands of the Go code.
func sameFloat(a, b float32) bool {
	return math.Float32bits(a) == math.Float32bits(b) || a != a && b != b
}

func TestRowsBounds(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	AddRows(make([]float32, 10), 4, make([]float32, 20), 4, 3, 4)
}

// BenchmarkAddRows times the adjoint of im2col for one output row of the
// course CNN's second convolution: 11 windows of 3×32 floats, stride 32.
func BenchmarkAddRows(b *testing.B) {
	dst := make([]float32, 13*32)
	src := make([]float32, 11*288)
	for _, p := range kernelPaths() {
		b.Run(p.name, func(b *testing.B) {
			defer p.use()()
			for b.Loop() {
				AddRows(dst, 32, src, 288, 11, 96)
			}
		})
	}
}
