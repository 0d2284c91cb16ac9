//go:build unix

package http

import (
	"os"
	"strconv"
	"strings"
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

// loadAverage is the one-minute load average, reported beside latency
// because on a shared machine it explains most of the tail.
func loadAverage() float64 {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f, _, _ := strings.Cut(string(raw), " ")
	v, _ := strconv.ParseFloat(f, 64)
	return v
}
