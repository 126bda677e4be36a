//go:build !linux

package report

import (
	"syscall"
	"time"
)

// threadCPU is the CPU time (user and system) the whole process has used so far: outside
// Linux there is no RUSAGE_THREAD, and the test's work is the process's only busy thread.
func threadCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
