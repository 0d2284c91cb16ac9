//go:build !linux

package hugepages

import "errors"

// Advise does nothing outside Linux.
func Advise() Stats {
	return Stats{Err: errors.New("huge pages: only advised on Linux")}
}
