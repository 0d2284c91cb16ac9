//go:build linux

package hugepages

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

const hugePage = 2 << 20

// Advise marks every private anonymous read-write mapping of at least one
// huge page for huge pages (MADV_HUGEPAGE, so that later faults in it get
// them too) and collapses its resident 2 MiB ranges (MADV_COLLAPSE,
// Linux 6.1 and later), one range at a time: a range the kernel cannot
// collapse (partly unmapped, or no huge page free) is counted and skipped
// rather than ending the walk.
func Advise() Stats {
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return Stats{Err: fmt.Errorf("huge pages: %w", err)}
	}
	var st Stats
	var firstErr error
	sc := bufio.NewScanner(bytes.NewReader(maps))
	for sc.Scan() {
		lo, hi, ok := anonRW(sc.Bytes())
		if !ok {
			continue
		}
		a, b := (lo+hugePage-1)&^(hugePage-1), hi&^(hugePage-1)
		if b <= a {
			continue
		}
		if err := madvise(a, b-a, unix.MADV_HUGEPAGE); err != nil {
			// EINVAL: huge pages disabled ("never") or not built in;
			// ENOMEM: the mapping changed since the list was read. Skip
			// the mapping; only when every one fails is it an error.
			if firstErr == nil {
				firstErr = fmt.Errorf("huge pages: madvise %x-%x: %w", a, b, err)
			}
			st.Failed += int64(b - a)
			continue
		}
		st.Advised += int64(b - a)
		for p := a; p < b; p += hugePage {
			if madvise(p, hugePage, unix.MADV_COLLAPSE) == nil {
				st.Collapsed += hugePage
			} else {
				st.Failed += hugePage
			}
		}
	}
	if st.Advised == 0 {
		st.Err = firstErr
	}
	return st
}

// anonRW parses one line of /proc/self/maps and reports the range of a
// private, read-write mapping backed by no file ("lo-hi rw-p off dev 0").
func anonRW(line []byte) (lo, hi uintptr, ok bool) {
	f := bytes.Fields(line)
	if len(f) != 5 || !bytes.Equal(f[1], []byte("rw-p")) || !bytes.Equal(f[4], []byte("0")) {
		return 0, 0, false
	}
	l, h, found := bytes.Cut(f[0], []byte("-"))
	if !found {
		return 0, 0, false
	}
	x, err1 := strconv.ParseUint(string(l), 16, 64)
	y, err2 := strconv.ParseUint(string(h), 16, 64)
	if err1 != nil || err2 != nil || y <= x {
		return 0, 0, false
	}
	return uintptr(x), uintptr(y), true
}

// madvise advises on an address range of the process's own mappings.
// (A raw system call: the range is named by address, not by a Go value.)
func madvise(addr, n uintptr, advice int) error {
	if _, _, e := unix.Syscall(unix.SYS_MADVISE, addr, n, uintptr(advice)); e != 0 {
		return e
	}
	return nil
}
