//go:build unix

package lists

import (
	"syscall"
	"time"
)

// cpuTime is the process's user+system CPU time. The benchmark machine is
// shared, so wall time (ns/op) swings with other load; CPU time per
// operation is the steadier figure. It includes the garbage collector's
// work on other threads, which a real import pays too.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
