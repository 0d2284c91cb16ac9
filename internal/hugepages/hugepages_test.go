package hugepages

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
)

func TestAnonRW(t *testing.T) {
	for _, c := range []struct {
		line   string
		lo, hi uintptr
		ok     bool
	}{
		{"c000000000-c004000000 rw-p 00000000 00:00 0 ", 0xc000000000, 0xc004000000, true},
		{"7f0a12345000-7f0a12400000 rw-p 00000000 00:00 0", 0x7f0a12345000, 0x7f0a12400000, true},
		{"7ffeaaea3000-7ffeaaec4000 rw-p 00000000 00:00 0                          [stack]", 0, 0, false},
		{"00400000-00452000 r-xp 00000000 08:02 173521      /usr/bin/dbus-daemon", 0, 0, false},
		{"00651000-00652000 rw-p 00051000 08:02 173521      /usr/bin/dbus-daemon", 0, 0, false},
		{"7f0a12345000-7f0a12400000 rw-s 00000000 00:05 1234", 0, 0, false},
		{"7f0a12345000-7f0a12400000 ---p 00000000 00:00 0", 0, 0, false},
		{"garbage", 0, 0, false},
	} {
		lo, hi, ok := anonRW([]byte(c.line))
		if lo != c.lo || hi != c.hi || ok != c.ok {
			t.Errorf("anonRW(%q) = %x, %x, %v; want %x, %x, %v", c.line, lo, hi, ok, c.lo, c.hi, c.ok)
		}
	}
}

// TestAdvise checks that a large resident heap object ends up on huge
// pages where the kernel offers them, and that its contents survive.
func TestAdvise(t *testing.T) {
	if runtime.GOOS != "linux" {
		if st := Advise(); st.Err == nil {
			t.Fatal("Advise outside Linux should report that it did nothing")
		}
		return
	}
	thp, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	if err != nil || strings.Contains(string(thp), "[never]") {
		t.Skipf("SKIP LOUDLY: transparent huge pages unavailable here (%v, %q)", err, thp)
	}
	buf := make([]uint64, 16<<20/8)
	for i := range buf {
		buf[i] = uint64(i) * 2654435761
	}
	st := Advise()
	if st.Err != nil {
		t.Fatal(st.Err)
	}
	if st.Collapsed == 0 && !kernelAtLeast(6, 1) {
		t.Skipf("SKIP LOUDLY: this kernel does not collapse pages on request (MADV_COLLAPSE needs Linux 6.1); advised %d bytes", st.Advised)
	}
	if st.Advised < 16<<20-2*hugePage || st.Collapsed < 4*hugePage {
		t.Fatalf("advised %d bytes, collapsed %d (failed %d): want the 16 MiB object advised and mostly collapsed", st.Advised, st.Collapsed, st.Failed)
	}
	for i := range buf {
		if buf[i] != uint64(i)*2654435761 {
			t.Fatalf("word %d changed by collapsing", i)
		}
	}
}

func kernelAtLeast(major, minor int) bool {
	rel, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return false
	}
	var a, b int
	if _, err := fmt.Sscanf(string(rel), "%d.%d", &a, &b); err != nil {
		return false
	}
	return a > major || a == major && b >= minor
}
