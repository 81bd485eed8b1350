package kerasfile_test

import (
	"bufio"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/saving"
	"github.com/neuron-go/neuron/saving/kerasfile"
)

// bigKeras writes a .keras file of about 100 MB: a Dense layer of
// 5000×5000 weights and a small one after it, as a Sequential or as a
// functional model.
func bigKeras(b *testing.B, functional bool) (string, int64) {
	b.Helper()
	p := filepath.Join(b.TempDir(), "big.keras")
	var m saving.Model
	if functional {
		x := models.Input([]int{5000}, "x")
		f, err := models.NewModel([]*models.Node{x}, []*models.Node{models.Apply(&layers.Dense{Units: 10}, models.Apply(&layers.Dense{Units: 5000}, x))})
		if err != nil {
			b.Fatal(err)
		}
		m = f
	} else {
		s := models.NewSequential(&layers.Dense{Units: 5000, InputShape: []int{5000}}, &layers.Dense{Units: 10})
		if err := s.Build(); err != nil {
			b.Fatal(err)
		}
		m = s
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

// BenchmarkLoad100MB loads a 100 MB .keras file and, in the same
// iterations, reads the file into memory with os.ReadFile, alternating.
// ns/op is the load's time; the metrics are the ratios the loader is held
// to (under 2x each):
//
//	x-readfile     the load's time over os.ReadFile's, summed over the run
//	alloc/size     bytes allocated by one load over the file's size, an
//	               upper bound on its extra peak heap
//	peak-rss/size  the growth of the process's peak resident memory
//	               during one load (measured once, after the heap is
//	               returned to the system) over the file's size
func BenchmarkLoad100MB(b *testing.B) {
	for _, kind := range []string{"sequential", "functional"} {
		b.Run(kind, func(b *testing.B) {
			p, size := bigKeras(b, kind == "functional")
			load := func() {
				if _, err := kerasfile.Load(p); err != nil {
					b.Fatal(err)
				}
			}
			rss := peakRSSGrowth(b, load)
			var before, after runtime.MemStats
			var tLoad, tRead time.Duration
			runtime.GC()
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				t0 := time.Now()
				if _, err := os.ReadFile(p); err != nil {
					b.Fatal(err)
				}
				tRead += time.Since(t0)
				runtime.ReadMemStats(&before)
				b.StartTimer()
				t0 = time.Now()
				load()
				tLoad += time.Since(t0)
				b.StopTimer()
				runtime.ReadMemStats(&after)
				b.StartTimer()
			}
			b.StopTimer()
			b.ReportMetric(float64(tLoad)/float64(tRead), "x-readfile")
			if rss >= 0 {
				b.ReportMetric(float64(rss)/float64(size), "peak-rss/size")
			}
			b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(size), "alloc/size")
			b.SetBytes(size)
		})
	}
}

// peakRSSGrowth returns by how much f raises the process's peak resident
// memory (VmHWM), from a heap returned to the system, or -1 where Linux's
// /proc/self files are not there to tell.
func peakRSSGrowth(b *testing.B, f func()) int64 {
	b.Helper()
	debug.FreeOSMemory()
	// Writing 5 to clear_refs resets the peak to the current size.
	cr, err := os.OpenFile("/proc/self/clear_refs", os.O_WRONLY, 0)
	if err != nil {
		return -1
	}
	_, err = cr.WriteString("5")
	cr.Close()
	if err != nil {
		return -1
	}
	rss0, _ := procStatus("VmRSS")
	f()
	hwm, ok := procStatus("VmHWM")
	if !ok || rss0 <= 0 {
		return -1
	}
	return hwm - rss0
}

// procStatus reads a size in bytes from /proc/self/status.
func procStatus(key string) (int64, bool) {
	fh, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, false
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || k != key {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		return n << 10, err == nil
	}
	return 0, false
}

// BenchmarkReadFile100MB reads the file of BenchmarkLoad100MB into memory:
// the baseline on its own.
func BenchmarkReadFile100MB(b *testing.B) {
	p, size := bigKeras(b, false)
	b.ResetTimer()
	for range b.N {
		if _, err := os.ReadFile(p); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(size)
}
