//go:build !linux

package gemm

import "runtime"

// osYield gives up the thread's CPU to another runnable thread, if any (here
// only to other goroutines).
func osYield() { runtime.Gosched() }
