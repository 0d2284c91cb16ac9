//go:build !unix

package http

import "time"

func processCPU() time.Duration { return 0 }

func loadAverage() float64 { return 0 }
