//go:build !unix

package usage_test

import "time"

func cpuTime() time.Duration { return 0 }
