package screen_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil/internal/hugepages"
	"github.com/vigil-hrdd/vigil/screen"
	"github.com/vigil-hrdd/vigil/screen/lists"
)

var (
	realOnce sync.Once
	realEnts []screen.Entity
)

// realLists loads OFAC (SDN 2024 and the consolidated non-SDN list), UN,
// EU and CSL, the lists the speed targets name.
func realLists(b testing.TB) []screen.Entity {
	dir := sharedData(b)
	realOnce.Do(func() {
		ctx := context.Background()
		for _, l := range []struct{ format, path string }{
			{"ofac", "ofac/sdn_2024-05-03/sdn.csv"},
			{"ofac", "ofac/non_sdn_consolidated_2025-12/cons_prim.csv"},
			{"un", "un/UN_consolidated.xml"},
			{"eu", "eu/journal_sanctions_consolidated"},
			{"csl", "us/csl_sample_2019.csv"},
			{"csl", "us/csl_sample_2023.csv"},
		} {
			es, err := lists.Load(ctx, l.format, filepath.Join(dir, l.path))
			if err != nil {
				b.Fatal(err)
			}
			realEnts = append(realEnts, es...)
		}
	})
	return realEnts
}

// BenchmarkIndexRealLists times building the index of every name and
// alias of OFAC+UN+EU+CSL (parsing excluded).
func BenchmarkIndexRealLists(b *testing.B) {
	ents := realLists(b)
	b.ResetTimer()
	var ix *screen.Index
	c0 := cpuTime()
	for i := 0; i < b.N; i++ {
		ix = screen.NewIndex(ents, screen.Options{})
	}
	b.ReportMetric((cpuTime()-c0).Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(ix.Len()), "entities")
	b.ReportMetric(float64(ix.Names()), "names")
}

func benchQueries(b testing.TB) []screen.Query {
	var qs []screen.Query
	for _, f := range []string{"negatives_global.csv", "negatives_us.csv", "positives_un_treated.csv", "positives_us_congress_untreated.csv"} {
		for i, r := range readPeople(b, filepath.Join(sharedData(b), "screening_benchmark", f)) {
			if i >= 5000 {
				break
			}
			qs = append(qs, screen.Query{Name: r[0], Type: "person"})
		}
	}
	return qs
}

// BenchmarkScreenRealLists measures single-core batch screening against
// OFAC+UN+EU+CSL; parties/s is per core (one goroutine).
func BenchmarkScreenRealLists(b *testing.B) {
	ix := screen.NewIndex(realLists(b), screen.Options{})
	qs := benchQueries(b)
	hugeMiB := adviseHugePages(b)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ResetTimer()
	start, c0, t0 := time.Now(), cpuTime(), threadCPU()
	for i := 0; i < b.N; i++ {
		ix.Screen(qs[i%len(qs)], 10)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "parties/s")
	b.ReportMetric(float64(b.N)/(cpuTime()-c0).Seconds(), "parties/cpu-s")
	b.ReportMetric(float64(b.N)/(threadCPU()-t0).Seconds(), "parties/thread-cpu-s")
	b.ReportMetric(hugeMiB, "hugepage-MiB")
}

// adviseHugePages does what the batch command does once its index is
// built (see internal/hugepages), unless VIGIL_HUGEPAGES=0, which
// measures without.
//
// It returns the MiB now on huge pages, for ReportMetric after the timed
// loop (ResetTimer drops metrics reported before it).
func adviseHugePages(b *testing.B) float64 {
	if os.Getenv("VIGIL_HUGEPAGES") == "0" {
		return 0
	}
	st := hugepages.Advise()
	if st.Err != nil {
		b.Logf("%v", st.Err)
	}
	return float64(st.Collapsed) / (1 << 20)
}

func percentile(d []time.Duration, p float64) time.Duration {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[int(float64(len(d)-1)*p)]
}
