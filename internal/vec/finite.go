package vec

import (
	"sync"
	"sync/atomic"

	"github.com/neuron-go/neuron/internal/gemm"
)

// AllFinite reports whether every element of d is finite (no NaN, no
// ±Inf). x − x is 0 for every finite x and NaN otherwise, so the kernels
// add up those differences, without a branch per element, and look at
// the sum once. A slice of a data set's size (Fit checks its inputs
// before training) is read by both cores: the scan is bound by memory,
// and two cores draw more of it than one.
func AllFinite(d []float32) bool {
	if len(d) < 2*finiteGrain {
		return allFinite(d)
	}
	t := finiteTasks.Get().(*finiteTask)
	t.d = d
	t.bad.Store(false)
	gemm.ParallelTask(len(d), finiteGrain, t)
	ok := !t.bad.Load()
	t.d = nil
	finiteTasks.Put(t)
	return ok
}

// finiteGrain is the least number of elements worth scanning on another
// core (4 MiB, about a millisecond from DRAM).
const finiteGrain = 1 << 20

// finiteTask is a part of a split AllFinite.
type finiteTask struct {
	d   []float32
	bad atomic.Bool
}

func (t *finiteTask) Run(lo, hi int) {
	if !allFinite(t.d[lo:hi]) {
		t.bad.Store(true)
	}
}

var finiteTasks = sync.Pool{New: func() any { return new(finiteTask) }}

func allFinite(d []float32) bool {
	done, ok := finiteAsm(d)
	if !ok {
		return false
	}
	var a0, a1, a2, a3 float32
	d = d[done:]
	i := 0
	for ; i+4 <= len(d); i += 4 {
		a0 += d[i] - d[i]
		a1 += d[i+1] - d[i+1]
		a2 += d[i+2] - d[i+2]
		a3 += d[i+3] - d[i+3]
	}
	for ; i < len(d); i++ {
		a0 += d[i] - d[i]
	}
	return a0+a1+a2+a3 == 0
}
