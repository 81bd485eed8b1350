package gemm

import "syscall"

// osYield gives up the thread's CPU to another runnable thread, if any.
// runtime.Gosched only lets other goroutines run on this thread; a spinning
// goroutine whose thread shares a CPU with the thread of the goroutine it
// waits for (the kernel woke both on one CPU) must yield the CPU itself.
func osYield() { syscall.RawSyscall(syscall.SYS_SCHED_YIELD, 0, 0, 0) }
