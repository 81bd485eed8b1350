package kerasfile_test

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/saving/kerasfile"
)

// bigKeras writes a .keras file of about 100 MB: a Dense layer of
// 5000×5000 weights and a small one after it.
func bigKeras(b *testing.B) (string, int64) {
	b.Helper()
	p := filepath.Join(b.TempDir(), "big.keras")
	m := models.NewSequential(&layers.Dense{Units: 5000, InputShape: []int{5000}}, &layers.Dense{Units: 10})
	if err := m.Build(); err != nil {
		b.Fatal(err)
	}
	if err := kerasfile.Save(m, p); err != nil {
		b.Fatal(err)
	}
	fi, err := os.Stat(p)
	if err != nil {
		b.Fatal(err)
	}
	return p, fi.Size()
}

// BenchmarkLoad100MB loads a 100 MB .keras file; BenchmarkReadFile100MB
// reads the same file into memory, the baseline. The extra memory is
// reported as a multiple of the file's size (B/file).
func BenchmarkLoad100MB(b *testing.B) {
	p, size := bigKeras(b)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for range b.N {
		if _, err := kerasfile.Load(p); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/float64(size), "B/file")
	b.SetBytes(size)
}

func BenchmarkReadFile100MB(b *testing.B) {
	p, size := bigKeras(b)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for range b.N {
		if _, err := os.ReadFile(p); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/float64(size), "B/file")
	b.SetBytes(size)
}
