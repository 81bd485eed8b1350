package vec

import (
	"math"
	"testing"
)

// TestAllFinite puts one NaN, +Inf or -Inf at every position of slices
// around the vector widths, on every available path, and checks that it
// is found, and that finite slices (with the largest floats, whose
// differences are still 0) pass.
func TestAllFinite(t *testing.T) {
	type path struct {
		name         string
		avx512, avx2 bool
	}
	paths := []path{{"go", false, false}}
	if hasAVX2 {
		paths = append(paths, path{"avx2", false, true})
	}
	if hasAVX512 {
		paths = append(paths, path{"avx512", true, false})
	}
	bad := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))}
	for _, p := range paths {
		old512, old2 := hasAVX512, hasAVX2
		hasAVX512, hasAVX2 = p.avx512, p.avx2
		for _, n := range []int{0, 1, 31, 32, 33, 63, 64, 65, 200} {
			d := make([]float32, n)
			for i := range d {
				d[i] = float32(i%7-3) / 3 * math.MaxFloat32
			}
			if !AllFinite(d) {
				t.Errorf("%s: n=%d: finite values reported as not finite", p.name, n)
			}
			for i := range d {
				for _, b := range bad {
					keep := d[i]
					d[i] = b
					if AllFinite(d) {
						t.Errorf("%s: n=%d: %v at %d not found", p.name, n, b, i)
					}
					d[i] = keep
				}
			}
		}
		hasAVX512, hasAVX2 = old512, old2
	}
}

func BenchmarkAllFinite(b *testing.B) {
	d := make([]float32, 32*784)
	b.SetBytes(int64(4 * len(d)))
	for range b.N {
		if !AllFinite(d) {
			b.Fatal("not finite")
		}
	}
}

// TestAllFiniteSplit checks a slice long enough to be scanned by both
// cores: a NaN or infinity anywhere, at the ends and around where the
// parts meet, is found, and a finite slice passes.
func TestAllFiniteSplit(t *testing.T) {
	n := 5*finiteGrain + 17
	d := make([]float32, n)
	for i := range d {
		d[i] = float32(i%11 - 5)
	}
	if !AllFinite(d) {
		t.Fatal("finite values reported as not finite")
	}
	at := []int{0, 1, n / 2, n - 2, n - 1}
	for k := 1; k <= 16; k++ {
		c := k * n / 16
		at = append(at, c-1, c, min(c+1, n-1))
	}
	for _, i := range at {
		if i >= n {
			continue
		}
		for _, b := range []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))} {
			keep := d[i]
			d[i] = b
			if AllFinite(d) {
				t.Errorf("%v at %d of %d not found", b, i, n)
			}
			d[i] = keep
		}
	}
}

// BenchmarkAllFiniteData checks a data set the size of MNIST's training
// images as float32 (60,000 × 784), as Fit does before training.
func BenchmarkAllFiniteData(b *testing.B) {
	d := make([]float32, 60000*784)
	for i := range d {
		d[i] = float32(i % 256)
	}
	b.SetBytes(int64(4 * len(d)))
	b.ResetTimer()
	for range b.N {
		if !AllFinite(d) {
			b.Fatal("not finite")
		}
	}
}
