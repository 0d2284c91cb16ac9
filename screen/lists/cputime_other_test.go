//go:build !unix

package lists

import "time"

// cpuTime is not measured where getrusage is missing; the benchmark then
// reports 0 cpu-ns/op and only wall time is meaningful.
func cpuTime() time.Duration { return 0 }
