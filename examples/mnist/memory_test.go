//go:build linux

package main

import (
	"errors"
	"strings"
	"syscall"
	"testing"

	"github.com/neuron-go/neuron/datasets"
	"github.com/neuron-go/neuron/datasets/mnist"
)

// maxPeakRSS is the most resident memory the program may use: a third of
// the 638 MiB PyTorch needs for the same program.
const maxPeakRSS = 213 << 20

// TestPeakMemory runs the program for one epoch on all of MNIST, raw and
// scaled, and checks its peak resident memory, as /usr/bin/time -v reports
// it. Fit takes the uint8 arrays and converts a batch at a time; a float32
// copy of the training images alone would be 188 MB.
func TestPeakMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("trains an epoch on all of MNIST")
	}
	if _, _, _, _, err := mnist.LoadDataWith(datasets.Options{NoDownload: true}); errors.Is(err, datasets.ErrNotFound) {
		t.Skipf("MNIST is not available offline: %v", err)
	} else if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"-epochs", "1", "-verbose", "0"}, {"-epochs", "1", "-verbose", "0", "-scale"}} {
		cmd, out := program(t, args...)
		if err := cmd.Wait(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
		if !strings.Contains(out.String(), "test accuracy: ") {
			t.Errorf("%v: output\n%s", args, out)
		}
		ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		if !ok {
			t.Skip("no resource usage on this system")
		}
		peak := ru.Maxrss << 10 // Linux reports kilobytes
		t.Logf("%v: peak resident memory %.1f MiB", args, float64(peak)/(1<<20))
		if peak > maxPeakRSS {
			t.Errorf("%v: peak resident memory %.1f MiB, want at most %d MiB", args, float64(peak)/(1<<20), maxPeakRSS>>20)
		}
	}
}
