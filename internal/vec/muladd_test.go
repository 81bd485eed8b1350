package vec

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestMulAddRowsPathsAgree runs MulAddRows on every path, with steps of
// 0 (a reused row, a running sum) and otherwise, and requires
// bit-identical results equal to the definition.
func TestMulAddRowsPathsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for _, seg := range []int{1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 100} {
		for _, steps := range [][3]int{{seg, seg + 2, 0}, {0, seg, seg + 1}, {seg + 3, 2 * seg, seg}} {
			n := 6
			name := fmt.Sprintf("seg%d_steps%v", seg, steps)
			a := poolData(rng, (n-1)*steps[1]+seg)
			b := poolData(rng, (n-1)*steps[2]+seg)
			dst0 := poolData(rng, (n-1)*steps[0]+seg+3)
			want := append([]float32(nil), dst0...)
			for r := 0; r < n; r++ {
				for i := 0; i < seg; i++ {
					p := float32(a[r*steps[1]+i] * b[r*steps[2]+i])
					want[r*steps[0]+i] += p
				}
			}
			for _, p := range kernelPaths() {
				restore := p.use()
				dst := append([]float32(nil), dst0...)
				MulAddRows(dst, steps[0], a, steps[1], b, steps[2], n, seg)
				restore()
				for i := range want {
					if !sameFloat(dst[i], want[i]) {
						t.Fatalf("%s: path %s at %d: %v, want %v", name, p.name, i, dst[i], want[i])
					}
				}
			}
		}
	}
}
