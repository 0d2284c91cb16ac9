//go:build unix

package http

import (
	"syscall"
	"time"
)

// processCPU is the CPU time the process has used, user and system. On a
// shared machine wall-clock percentiles swing with the neighbours' load;
// CPU time per request does not, so the benchmark reports both.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
