//go:build amd64 && !purego

package gemm

import (
	"math"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestPrintImpl prints the kernel family chosen at start-up; it is the
// child process of TestDispatchFollowsGODEBUG.
func TestPrintImpl(t *testing.T) {
	if os.Getenv("NEURON_GEMM_PRINT_IMPL") == "" {
		t.Skip("only run as the child of TestDispatchFollowsGODEBUG")
	}
	t.Logf("impl=%s", bestImpl())
}

// TestDispatchFollowsGODEBUG checks that GODEBUG=cpu.avx512f=off (and
// cpu.avx2=off) make a machine with AVX-512 pick the AVX2 (and the Go)
// kernels, so that CI can run every test on the paths an older CPU takes.
func TestDispatchFollowsGODEBUG(t *testing.T) {
	if os.Getenv("NEURON_GEMM_PRINT_IMPL") != "" {
		t.Skip("child process")
	}
	cases := []struct{ godebug, want string }{
		{"cpu.avx512f=off", "avx2"},
		{"cpu.avx512f=off,cpu.avx2=off", "go"},
		{"cpu.fma=off", "go"},
	}
	for _, c := range cases {
		if c.want == "avx2" && !hasAVX2 {
			continue
		}
		cmd := exec.Command(os.Args[0], "-test.run", "^TestPrintImpl$", "-test.v")
		cmd.Env = append(os.Environ(), "GODEBUG="+c.godebug, "NEURON_GEMM_PRINT_IMPL=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("GODEBUG=%s: %v\n%s", c.godebug, err, out)
		}
		if !strings.Contains(string(out), "impl="+c.want+"\n") {
			t.Errorf("GODEBUG=%s: want impl=%s, child printed:\n%s", c.godebug, c.want, out)
		}
	}
	// And in this process, without the override, the best family is used.
	if hasAVX512 && useImpl != implAVX512 && !strings.Contains(os.Getenv("GODEBUG"), "cpu.") {
		t.Errorf("useImpl = %s on an AVX-512 machine", useImpl)
	}
}

// tinyFactor is a variable so that the compiler cannot fold the product
// that TestAssemblyFlushesDenormals checks after the kernels ran.
var tinyFactor float32 = 1e-20

// TestAssemblyFlushesDenormals checks that the assembly kernels treat
// denormal operands as zero and flush denormal results to zero (DAZ and
// FTZ), as TensorFlow's CPU kernels do, and that they put the caller's
// MXCSR back: Go arithmetic after the call still underflows gradually.
func TestAssemblyFlushesDenormals(t *testing.T) {
	const tiny = 1e-40 // denormal in float32
	saved := useImpl
	defer func() { useImpl = saved }()
	for _, im := range availableImpls() {
		if im == implGo {
			continue
		}
		useImpl = im
		for _, n := range []int{1, 5, 32, 40} { // full and masked column variants
			// A (2×2) = [tiny 1; 1e-20 0], B (2×n) = [1e30 …; 2 …]:
			// row 0 is tiny·1e30 + 2 = 2 either way; row 1 of A alone
			// times B's first row is 1e-20·1e30 = 1e10. A = [tiny 0]
			// gives tiny·1e30 = 1e-10 unless tiny reads as zero.
			b := make([]float32, 2*n)
			for j := range n {
				b[j], b[n+j] = 1e30, 2
			}
			a := []float32{tiny, 0, 1e-20, 0}
			c := make([]float32, 2*n)
			Sgemm(false, false, 2, n, 2, a, 2, b, n, 0, c, n)
			for j := range n {
				if c[j] != 0 || c[n+j] != 1e10 {
					t.Errorf("%s n=%d: C[:, %d] = %g, %g, want 0 (a denormal operand reads as zero), 1e10", im, n, j, c[j], c[n+j])
				}
			}
			// FTZ: 1e-20·1e-20 = 1e-40 is denormal and stored as +0,
			// whether C is overwritten or accumulated into.
			for _, beta := range []float32{0, 1} {
				a1 := []float32{1e-20}
				b1 := make([]float32, n)
				for j := range b1 {
					b1[j] = 1e-20
				}
				c1 := make([]float32, n)
				Sgemm(false, false, 1, n, 1, a1, 1, b1, n, beta, c1, n)
				for j, v := range c1 {
					if v != 0 || math.Signbit(float64(v)) {
						t.Errorf("%s n=%d beta=%g: 1e-20·1e-20 = %g at column %d, want +0 (a denormal result is flushed)", im, n, beta, v, j)
					}
				}
			}
		}
	}
	if y := tinyFactor * tinyFactor; y == 0 {
		t.Errorf("MXCSR left with FTZ set: 1e-20·1e-20 = %g in Go after the kernels ran", y)
	}
}
