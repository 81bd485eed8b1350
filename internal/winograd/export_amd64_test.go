package winograd

import (
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/cpu"
)

// kernelPaths lists the kernel paths this CPU can run, the portable Go
// first, each as a function that selects it and returns one that restores
// the previous choice.
func kernelPaths() []kernelPath {
	paths := []kernelPath{{"go", false, false}}
	if hasAVX2 {
		paths = append(paths, kernelPath{"avx2", false, true})
	}
	if hasAVX512 {
		paths = append(paths, kernelPath{"avx512", true, false})
	}
	return paths
}

type kernelPath struct {
	name         string
	avx512, avx2 bool
}

func (p kernelPath) use() (restore func()) {
	old512, old2 := hasAVX512, hasAVX2
	hasAVX512, hasAVX2 = p.avx512, p.avx2
	return func() { hasAVX512, hasAVX2 = old512, old2 }
}

// TestDispatchFollowsCPU checks that the kernels chosen at start-up are
// the ones the CPU and GODEBUG allow, so that CI's GODEBUG=cpu.avx512f=off
// run takes the AVX2 kernels on an AVX-512 machine and cpu.avx2=off the
// Go loops.
func TestDispatchFollowsCPU(t *testing.T) {
	godebug := os.Getenv("GODEBUG")
	if hasAVX512 != cpu.X86.HasAVX512F || hasAVX2 != (cpu.X86.HasAVX2 && cpu.X86.HasFMA) {
		t.Fatalf("hasAVX512 = %v, hasAVX2 = %v for the CPU's AVX512F %v, AVX2 %v, FMA %v", hasAVX512, hasAVX2, cpu.X86.HasAVX512F, cpu.X86.HasAVX2, cpu.X86.HasFMA)
	}
	if strings.Contains(godebug, "cpu.avx512f=off") && hasAVX512 {
		t.Errorf("GODEBUG=%s, yet the AVX-512 kernels are on", godebug)
	}
	if strings.Contains(godebug, "cpu.avx2=off") && hasAVX2 {
		t.Errorf("GODEBUG=%s, yet the AVX2 kernels are on", godebug)
	}
	var names []string
	for _, p := range kernelPaths() {
		names = append(names, p.name)
	}
	t.Logf("kernel paths: %v", names)
}

// covers reports whether the path has a kernel for channel count c.
func (p kernelPath) covers(c int) bool {
	return p.avx512 && c%16 == 0 || p.avx2 && c%8 == 0
}
