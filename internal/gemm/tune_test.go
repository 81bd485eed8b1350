package gemm

import (
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"runtime"
	"slices"
	"testing"
	"time"
)

func TestTune(t *testing.T) {
	pat := os.Getenv("TUNE")
	if pat == "" {
		t.Skip()
	}
	re := regexp.MustCompile(pat)
	tunePackA = os.Getenv("PACKA") != ""
	tunePackB = os.Getenv("PACKB") != ""
	if v := os.Getenv("KCMAX"); v != "" {
		fmt.Sscan(v, &kcMax)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	shapes := append(keyShapes[:len(keyShapes):len(keyShapes)], keyShapes[len(keyShapes)-1], keyShapes[len(keyShapes)-1])
	shapes[len(shapes)-2].name, shapes[len(shapes)-2].transA = "square_1024_TN", true
	shapes[len(shapes)-1].name, shapes[len(shapes)-1].transB = "square_1024_NT", true
	for _, s := range shapes {
		if !re.MatchString(s.name) {
			continue
		}
		o := newOperands(rng, s.transA, s.transB, s.m, s.n, s.k, 0)
		line := fmt.Sprintf("%-28s", s.name)
		for _, procs := range []int{1, 2} {
			runtime.GOMAXPROCS(procs)
			var ds []time.Duration
			end := time.Now().Add(300 * time.Millisecond)
			for len(ds) < 5 || time.Now().Before(end) {
				t0 := time.Now()
				Sgemm(o.transA, o.transB, o.m, o.n, o.k, o.a, o.lda, o.b, o.ldb, 0, o.c, o.ldc)
				ds = append(ds, time.Since(t0))
			}
			slices.Sort(ds)
			fl := 2 * float64(s.m*s.n*s.k)
			line += fmt.Sprintf("  P%d min %8.1fus %6.1f GF  med %6.1f GF", procs, float64(ds[0].Nanoseconds())/1e3, fl/float64(ds[0].Nanoseconds()), fl/float64(ds[len(ds)/2].Nanoseconds()))
		}
		fmt.Println(line)
	}
}
