//go:build unix

package risk_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/demo"
	"github.com/vigil-hrdd/vigil/risk"
	"github.com/vigil-hrdd/vigil/sqlite"
	"github.com/vigil-hrdd/vigil/transfer"
)

// benchParties sizes the benchmark portfolio: VIGIL_RISK_BENCH_PARTIES,
// 20000 by default so that a plain `go test -bench` stays short. The demo
// generator writes about 1.18 subscriptions per party at scale, so 850,000
// parties give 1,004,708 subscriptions (393,249 relationships).
func benchParties(b *testing.B) int {
	n := 20000
	if s := os.Getenv("VIGIL_RISK_BENCH_PARTIES"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil {
			b.Fatalf("VIGIL_RISK_BENCH_PARTIES: %v", err)
		}
		n = v
	}
	return n
}

// benchDB returns a SQLite database holding the demo portfolio of n
// parties, built once and kept under VIGIL_RISK_BENCH_DIR (default: the
// system's temporary directory) so that repeated runs skip the import.
// Each benchmark works on a copy, as it writes assessments.
func benchDB(b *testing.B, n int) string {
	b.Helper()
	dir := os.Getenv("VIGIL_RISK_BENCH_DIR")
	if dir == "" {
		dir = os.TempDir()
	}
	base := filepath.Join(dir, fmt.Sprintf("vigil-risk-bench-%d-v1.db", n))
	if _, err := os.Stat(base); err != nil {
		src := b.TempDir()
		if _, err := demo.Generate(src, demo.Options{Parties: n, Seed: 1}); err != nil {
			b.Fatal(err)
		}
		tmp := base + ".tmp"
		os.Remove(tmp)
		db, err := sqlite.Open(ctx, tmp)
		must(b, err)
		if _, err := transfer.ImportDir(ctx, db, src, "bench", nil); err != nil {
			b.Fatal(err)
		}
		_, err = db.DB().ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
		must(b, err)
		must(b, db.Close())
		must(b, os.Rename(tmp, base))
	}
	return base
}

func copyDB(b *testing.B, from string) *sqlite.DB {
	b.Helper()
	to := filepath.Join(b.TempDir(), "vigil.db")
	data, err := os.ReadFile(from)
	must(b, err)
	must(b, os.WriteFile(to, data, 0o600))
	db, err := sqlite.Open(ctx, to)
	must(b, err)
	b.Cleanup(func() { db.Close() })
	return db
}

// cpuTime is the process's user and system CPU time: other engineers'
// benchmarks share the two cores, so wall time alone says little.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkAssessAll is the full assessment of the demo portfolio, from
// reading it to storing every assessment, on a database with none yet.
func BenchmarkAssessAll(b *testing.B) {
	n := benchParties(b)
	base := benchDB(b, n)
	for b.Loop() {
		b.StopTimer()
		db := copyDB(b, base)
		subs, err := db.Count(ctx, vigil.KindSubscription)
		must(b, err)
		e := newEngine(b, db)
		cpu := cpuTime()
		b.StartTimer()
		sum, err := e.AssessAll(ctx, "bench")
		must(b, err)
		b.StopTimer()
		b.ReportMetric(float64(subs), "subscriptions")
		b.ReportMetric(float64(sum.Relationships), "relationships")
		b.ReportMetric(sum.Duration.Seconds(), "s/run")
		b.ReportMetric((cpuTime() - cpu).Seconds(), "cpu-s/run")
		db.Close()
		b.StartTimer()
	}
}

// BenchmarkRecomputeOneFact is one changed fact (a new credible source
// about one end user) re-assessed and stored, on a portfolio assessed in
// full beforehand. The source is written untimed; the timed part is
// finding the dependent relationships, building their facts from the
// store, scoring and storing them with their events.
func BenchmarkRecomputeOneFact(b *testing.B) {
	n := benchParties(b)
	base := benchDB(b, n)
	db := copyDB(b, base)
	e := newEngine(b, db)
	if _, err := e.AssessAll(ctx, "bench"); err != nil {
		b.Fatal(err)
	}
	// End users of reseller chains: changing one reaches the reseller's
	// account through two links.
	top, err := db.TopAssessments(ctx, risk.TopFilter{Limit: 2000})
	must(b, err)
	var targets []string
	for _, r := range top {
		if r.EndUserID != r.CustomerID {
			targets = append(targets, r.EndUserID)
		}
	}
	if len(targets) == 0 {
		b.Fatal("no relationship through an intermediary")
	}
	i := 0
	var stored int
	for b.Loop() {
		b.StopTimer()
		i++
		src := &vigil.Source{ID: fmt.Sprintf("BENCH%07d", i), Title: "Benchmark report", Reliability: "A", Credibility: 1 + i%6,
			PartyIDs: []string{targets[i%len(targets)]}}
		must(b, db.Create(ctx, src, "bench"))
		b.StartTimer()
		sum, err := e.Recompute(ctx, risk.Change{Sources: []string{src.ID}}, "bench")
		must(b, err)
		stored += sum.Stored
	}
	b.ReportMetric(float64(stored)/float64(b.N), "stored/op")
}
