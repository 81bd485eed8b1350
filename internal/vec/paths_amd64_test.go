package vec

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
