package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/demo"
	"github.com/vigil-hrdd/vigil/sqlite"
	"github.com/vigil-hrdd/vigil/transfer"
)

// benchParties is the portfolio size: VIGIL_BENCH_PARTIES, default 100,000
// (the 1,000,000 figure in BENCHMARKS.md comes from setting it).
func benchParties() int {
	if n, err := strconv.Atoi(os.Getenv("VIGIL_BENCH_PARTIES")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

// BenchmarkImportPortfolio imports a whole generated portfolio (all kinds)
// into a fresh SQLite file and reports records per second.
func BenchmarkImportPortfolio(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	counts, err := demo.Generate(filepath.Join(dir, "portfolio"), demo.Options{Parties: benchParties(), Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var elapsed time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db, err := sqlite.Open(ctx, filepath.Join(dir, "bench"+strconv.Itoa(i)+".db"))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		if _, err := transfer.ImportDir(ctx, db, filepath.Join(dir, "portfolio"), "bench", nil); err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(start)
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(counts.Total()*b.N)/elapsed.Seconds(), "records/s")
	b.ReportMetric(float64(counts[vigil.KindParty]), "parties")
}
