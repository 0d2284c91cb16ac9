package usage_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil/internal/pgtest"

	"github.com/vigil-hrdd/vigil/postgres"
	"github.com/vigil-hrdd/vigil/sqlite"
	"github.com/vigil-hrdd/vigil/usage"
)

// benchRecords decodes benchLines: a million records whose keys are
// unordered (a hash and a counter), the hard case for a B-tree.
func benchRecords(b *testing.B, n int) []usage.Record {
	b.Helper()
	recs, err := usage.ReadAll(benchLines(n), "bench")
	if err != nil {
		b.Fatal(err)
	}
	return recs
}

// ingestBench ingests the records in batches of batch (one transaction
// each, as a file or a NATS worker would) and reports records per second.
func ingestBench(b *testing.B, us usage.Store, recs []usage.Record, batch int) {
	ctx := context.Background()
	b.ResetTimer()
	start := time.Now()
	cpu0 := cpuTime()
	for i := 0; i < len(recs); i += batch {
		sum, err := us.IngestUsage(ctx, usage.IngestRequest{Source: &usage.SliceSource{Records: recs[i:min(i+batch, len(recs))]}, Actor: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		if sum.Created != int64(min(batch, len(recs)-i)) {
			b.Fatalf("created %d", sum.Created)
		}
	}
	el := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(len(recs))/el.Seconds(), "records/s")
	b.ReportMetric(float64(len(recs))/(cpuTime()-cpu0).Seconds(), "records/cpu-s(client)")
}

// BenchmarkIngestSQLite: sustained ingest of a million records into SQLite
// (WAL, synchronous=NORMAL), 50,000 records a transaction. Run with
// -benchtime 1x.
func BenchmarkIngestSQLite(b *testing.B) {
	recs := benchRecords(b, benchN())
	for range b.N {
		b.StopTimer()
		db, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		ingestBench(b, db, recs, 50_000)
		db.Close()
	}
}

// BenchmarkIngestPostgres is the same into PostgreSQL, in a schema of its
// own.
func BenchmarkIngestPostgres(b *testing.B) {
	recs := benchRecords(b, benchN())
	for range b.N {
		b.StopTimer()
		db := openPostgres(b)
		b.StartTimer()
		ingestBench(b, db, recs, 50_000)
	}
}

func openPostgres(b *testing.B) *postgres.DB { return pgtest.Open(b, "vigil_usage_bench") }

// benchN is the number of records of the ingest benchmarks:
// VIGIL_BENCH_RECORDS or a million.
func benchN() int {
	var n int
	if _, err := fmt.Sscan(os.Getenv("VIGIL_BENCH_RECORDS"), &n); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}
