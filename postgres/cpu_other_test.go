//go:build !linux

package postgres_test

import (
	"time"

	"github.com/vigil-hrdd/vigil"
)

// processCPU and backendCPU read Linux's accounting; elsewhere the
// benchmarks report rows/s only.
func processCPU() time.Duration { return 0 }

func backendCPU(vigil.Store) time.Duration { return 0 }
