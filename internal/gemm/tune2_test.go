package gemm

import (
	"fmt"
	"os"
	"testing"
	"time"
)

func TestTunePack(t *testing.T) {
	if os.Getenv("TUNEPACK") == "" {
		t.Skip()
	}
	for _, d := range [][3]int{{784, 256, 32}, {32, 784, 8}, {21632, 32, 8}, {1024, 1024, 8}} {
		rows, kc, g := d[0], d[1], d[2]
		src := make([]float32, rows*kc)
		dst := make([]float32, roundUp(rows, g)*kc)
		best := time.Hour
		for range 200 {
			t0 := time.Now()
			packT(implAVX512, dst, src, kc, 0, rows, 0, kc, g)
			best = min(best, time.Since(t0))
		}
		fmt.Printf("pack %dx%d g=%d: %v  %.3f ns/elem\n", rows, kc, g, best, float64(best.Nanoseconds())/float64(rows*kc))
	}
}
