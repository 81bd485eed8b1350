package gemm

import (
	"math/rand/v2"
	"testing"
)

// TestGoTileFewRows checks the portable kernel's tiles of 1 to 3 rows
// (a prediction of one to three examples) bit for bit against the sums
// written out in the kernel's order: Σ_p from p = 0, then added to C.
func TestGoTileFewRows(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const k, pa, ra, sb, ldc = 37, 1, 40, 9, 11
	a := make([]float32, 4*ra)
	b := make([]float32, k*sb)
	for i := range a {
		a[i] = r.Float32()*2 - 1
	}
	for i := range b {
		b[i] = r.Float32()*2 - 1
	}
	for rows := 1; rows <= 3; rows++ {
		for _, acc := range []bool{false, true} {
			c := make([]float32, 4*ldc)
			want := make([]float32, len(c))
			for i := range c {
				c[i] = r.Float32()
				want[i] = c[i]
			}
			for i := range rows {
				for j := range 4 {
					var s float32
					for p := range k {
						s += a[i*ra+p*pa] * b[p*sb+j]
					}
					if acc {
						want[i*ldc+j] += s
					} else {
						want[i*ldc+j] = s
					}
				}
			}
			goTile(k, a, ra, pa, b, sb, c, ldc, rows, 4, acc)
			for i := range c {
				if c[i] != want[i] {
					t.Fatalf("rows %d acc %v: c[%d] = %v, want %v", rows, acc, i, c[i], want[i])
				}
			}
		}
	}
}
