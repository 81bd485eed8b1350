//go:build unix

package tensor_test

import (
	"syscall"
	"testing"
	"time"
)

// cpuTimer measures the CPU time the process uses, which on a shared
// machine varies less than wall time: time the process waits for a CPU is
// not counted. Compare with -cpu 1, where the process time is the
// benchmark's own (with more procs, idle workers that spin count too).
type cpuTimer struct{ start time.Duration }

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func startCPU() cpuTimer { return cpuTimer{processCPU()} }

// report adds the CPU time per iteration as the metric cpu-ns/op.
func (c cpuTimer) report(b *testing.B) {
	b.ReportMetric(float64(processCPU()-c.start)/float64(b.N), "cpu-ns/op")
}
