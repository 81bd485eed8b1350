//go:build amd64 && !purego

package gemm

import (
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
