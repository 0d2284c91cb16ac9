package screen_test

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/vigil-hrdd/vigil/screen"
)

// synthEntities builds n fictional list entities: persons from generated
// given names and surnames, organisations from generated words, domain
// words and legal forms, with one to three aliases each and Zipf-like
// word frequencies, so the index sees the skew of real lists.
func synthEntities(n int, seed uint64) []screen.Entity {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	syl := []string{"ka", "ri", "mo", "ta", "len", "vor", "san", "bel", "dra", "ko", "mi", "nat", "us", "el", "ar", "gan", "zu", "pe", "lo", "fir", "hal", "den", "ost", "ru", "vi", "qa", "shi", "tor", "ben", "ul", "ya", "ne", "gor", "sta", "lin", "ma", "di", "ro", "bar", "tek"}
	word := func() string {
		k := 2 + r.IntN(3)
		var b strings.Builder
		for i := 0; i < k; i++ {
			b.WriteString(syl[r.IntN(len(syl))])
		}
		s := b.String()
		return strings.ToUpper(s[:1]) + s[1:]
	}
	pool := func(k int) []string {
		out := make([]string, k)
		for i := range out {
			out[i] = word()
		}
		return out
	}
	given, surnames, orgWords := pool(20000), pool(150000), pool(100000)
	zipf := func(p []string) string {
		// Squaring a uniform draw favours the head of the pool.
		u := r.Float64()
		return p[int(u*u*float64(len(p)))]
	}
	domains := []string{"Trading", "Engineering", "Shipping", "Bank", "Oil", "Defence", "Logistics", "Industries", "Holding", "Research Institute", "Aviation", "Electronics", "Mining", "Construction", "Plant"}
	legal := []string{"LLC", "Ltd", "JSC", "GmbH", "S.A.", "Inc.", "OOO", "Co., Ltd.", "PJSC", "AG", ""}
	countries := []string{"ru", "ir", "cn", "kp", "sy", "by", "ae", "tr", "us", "gb", "de", "fr", "in", "pk", "ve"}
	out := make([]screen.Entity, n)
	for i := range out {
		e := screen.Entity{ID: fmt.Sprintf("synth:%d", i), List: "synth", Countries: []string{countries[r.IntN(len(countries))]}}
		if r.IntN(2) == 0 {
			e.Type = "person"
			g, s := zipf(given), zipf(surnames)
			e.Names = append(e.Names, screen.Name{Value: g + " " + s, Kind: "primary"})
			if r.IntN(2) == 0 {
				e.Names = append(e.Names, screen.Name{Value: s + ", " + g + " " + zipf(given), Kind: "aka"})
			}
		} else {
			e.Type = "organization"
			base := zipf(orgWords)
			if r.IntN(2) == 0 {
				base += " " + zipf(orgWords)
			}
			name := strings.TrimSpace(base + " " + domains[r.IntN(len(domains))] + " " + legal[r.IntN(len(legal))])
			e.Names = append(e.Names, screen.Name{Value: name, Kind: "primary"})
			if r.IntN(3) == 0 {
				e.Names = append(e.Names, screen.Name{Value: fmt.Sprintf("%s %d", base, 1+r.IntN(400)), Kind: "aka"})
			}
		}
		out[i] = e
	}
	return out
}

// threadCPU is the CPU time of the calling OS thread: on a shared
// machine it measures the work of one query without the time spent
// waiting for a core.
func threadCPU() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

var (
	synthOnce sync.Once
	synthIx   *screen.Index
	synthEnts []screen.Entity
)

func synthIndex() *screen.Index {
	synthOnce.Do(func() {
		synthEnts = synthEntities(1_000_000, 1)
		synthIx = screen.NewIndex(synthEnts, screen.Options{})
	})
	return synthIx
}

// BenchmarkIndex1M builds the index of 1,000,000 synthetic entities and
// reports wall time, CPU time and the heap in use after building.
func BenchmarkIndex1M(b *testing.B) {
	ents := synthEntities(1_000_000, 1)
	runtime.GC()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c0, t0 := cpuTime(), time.Now()
		ix := screen.NewIndex(ents, screen.Options{})
		b.ReportMetric(time.Since(t0).Seconds(), "wall-s")
		b.ReportMetric((cpuTime() - c0).Seconds(), "cpu-s")
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MiB")
		b.ReportMetric(float64(ms.Sys)/(1<<20), "sys-MiB")
		b.ReportMetric(float64(ix.Names()), "names")
		runtime.KeepAlive(ix)
	}
}

func synthQueries(n int) []screen.Query {
	ents := synthEntities(20000, 7) // other seed: mostly non-matching parties
	qs := make([]screen.Query, 0, n)
	for i := 0; len(qs) < n; i++ {
		e := ents[i%len(ents)]
		qs = append(qs, screen.Query{Name: e.Names[0].Value, Type: e.Type, Country: e.Countries[0]})
	}
	return qs
}

// BenchmarkScreen1M measures single-core batch screening and single-query
// latency against 1,000,000 synthetic entities.
func BenchmarkScreen1M(b *testing.B) {
	ix := synthIndex()
	qs := synthQueries(20000)
	hugeMiB := adviseHugePages(b)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	lat := make([]time.Duration, 0, b.N)
	clat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	start := time.Now()
	c0 := cpuTime()
	for i := 0; i < b.N; i++ {
		t, tc := time.Now(), threadCPU()
		ix.Screen(qs[i%len(qs)], 10)
		clat = append(clat, threadCPU()-tc)
		lat = append(lat, time.Since(t))
	}
	el := time.Since(start)
	b.ReportMetric(float64(b.N)/el.Seconds(), "parties/s")
	b.ReportMetric(float64(b.N)/(cpuTime()-c0).Seconds(), "parties/cpu-s")
	b.ReportMetric(float64(percentile(lat, 0.5).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(percentile(lat, 0.99).Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(percentile(clat, 0.99).Microseconds())/1000, "p99-cpu-ms")
	var sum time.Duration
	for _, d := range clat {
		sum += d
	}
	b.ReportMetric(float64(b.N)/sum.Seconds(), "parties/thread-cpu-s")
	b.ReportMetric(hugeMiB, "hugepage-MiB")
}
