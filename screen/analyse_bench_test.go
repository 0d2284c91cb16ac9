package screen

import (
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// BenchmarkAnalyse reports the CPU time of the benchmark's own thread
// per name besides ns/op: on a shared machine wall time mostly measures
// the wait for a core.
func BenchmarkAnalyse(b *testing.B) {
	names := []string{"Abdul Rahman Muhammad Al-Jaber", "Patricia Lucas Wheeler", "حسین موسوی", "Joint Stock Company Tactical Missiles Corporation", "Сергей Викторович Лавров"}
	getDict()
	countryWord("")
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ResetTimer()
	t0 := threadTime()
	for i := 0; i < b.N; i++ {
		analyse(names[i%len(names)])
	}
	b.ReportMetric(float64((threadTime()-t0).Nanoseconds())/float64(b.N), "thread-cpu-ns/op")
}

func threadTime() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}
