//go:build !linux

package hugepage

func advise([]byte) {}

func sliceBytes([]float32) []byte { return nil }
