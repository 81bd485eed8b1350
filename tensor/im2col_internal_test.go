package tensor

import (
	"fmt"
	"testing"
)

// BenchmarkIm2col times im2col and col2im alone for the course CNN's
// convolutions at batch 32, on one goroutine.
func BenchmarkIm2col(b *testing.B) {
	for _, s := range [][3]int{{28, 28, 1}, {13, 13, 32}, {5, 5, 64}} {
		g := newWindow2D("bench", []int{32, s[0], s[1], s[2]}, 3, 3, [2]int{1, 1}, "valid")
		x := make([]float32, 32*s[0]*s[1]*s[2])
		cols := make([]float32, g.rows()*9*s[2])
		name := fmt.Sprintf("%dx%dx%d", s[0], s[1], s[2])
		b.Run(name+"/im2col", func(b *testing.B) {
			for b.Loop() {
				g.im2col(cols, x, 0, g.n, 0)
			}
		})
		b.Run(name+"/col2im", func(b *testing.B) {
			for b.Loop() {
				g.col2im(x, cols, 0, g.n, 0)
			}
		})
	}
}
