package gemm

import (
	"fmt"
	"os"
	"testing"
	"time"
)

func TestTuneKernel(t *testing.T) {
	if os.Getenv("TUNEK") == "" {
		t.Skip()
	}
	for _, kc := range []int{32, 256, 1024} {
		a := make([]float32, kc*8)
		b := make([]float32, kc*32)
		c := make([]float32, 8*32)
		for i := range a {
			a[i] = 1
		}
		best := time.Hour
		for range 50 {
			t0 := time.Now()
			for range 1000 {
				tile(implAVX512, kc, a, 1, 8, b, 32, c, 32, 8, 32, true)
			}
			best = min(best, time.Since(t0))
		}
		fmt.Printf("kernel kc=%d: %.1f GF/s  %.1f ns/call\n", kc, 2*8*32*float64(kc)*1000/float64(best.Nanoseconds()), float64(best.Nanoseconds())/1000)
	}
}
