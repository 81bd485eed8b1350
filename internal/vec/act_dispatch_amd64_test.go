package vec

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestPrintActPath prints the kernel family the activations dispatch to;
// it is the child process of TestActDispatchFollowsGODEBUG.
func TestPrintActPath(t *testing.T) {
	if os.Getenv("NEURON_VEC_PRINT_PATH") == "" {
		t.Skip("only run as the child of TestActDispatchFollowsGODEBUG")
	}
	fmt.Printf("path=%s\n", actPath())
}

// actPath names the family Exp, Sigmoid, Tanh, Softmax, SoftmaxGrad and
// ExpExact use, from the same conditions as their dispatch.
func actPath() string {
	switch {
	case hasAVX512:
		return "avx512"
	case hasAVX2 && expExactFMA:
		return "avx2"
	}
	return "go"
}

// TestActDispatchFollowsGODEBUG checks that GODEBUG=cpu.avx512f=off makes
// the activations take the AVX2 kernels on a CPU with AVX2 and FMA, and
// that cpu.avx2=off or cpu.fma=off makes them fall back to Go, so that CI
// runs every test on the paths older CPUs take.
func TestActDispatchFollowsGODEBUG(t *testing.T) {
	if os.Getenv("NEURON_VEC_PRINT_PATH") != "" {
		t.Skip("child process")
	}
	cases := []struct{ godebug, want string }{
		{"cpu.avx512f=off", "avx2"},
		{"cpu.avx512f=off,cpu.avx2=off", "go"},
		{"cpu.avx512f=off,cpu.fma=off", "go"},
	}
	for _, c := range cases {
		if c.want == "avx2" && !hasAVX2 {
			continue
		}
		cmd := exec.Command(os.Args[0], "-test.run", "^TestPrintActPath$")
		cmd.Env = append(os.Environ(), "GODEBUG="+c.godebug, "NEURON_VEC_PRINT_PATH=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("GODEBUG=%s: %v\n%s", c.godebug, err, out)
		}
		if !strings.Contains(string(out), "path="+c.want+"\n") {
			t.Errorf("GODEBUG=%s: want path=%s, child printed:\n%s", c.godebug, c.want, out)
		}
	}
}
