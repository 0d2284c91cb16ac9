package usage_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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
// serverCPU, when not nil, is the CPU time the database server's process
// has used so far (the PostgreSQL backend); its share is reported as well.
func ingestBench(b *testing.B, us usage.Store, recs []usage.Record, batch int, serverCPU func() time.Duration) {
	ctx := context.Background()
	b.ResetTimer()
	start := time.Now()
	cpu0 := cpuTime()
	var server0 time.Duration
	if serverCPU != nil {
		server0 = serverCPU()
	}
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
	client := cpuTime() - cpu0
	b.ReportMetric(float64(len(recs))/client.Seconds(), "records/cpu-s(client)")
	if serverCPU != nil {
		server := serverCPU() - server0
		b.ReportMetric(server.Seconds(), "server-cpu-s")
		b.ReportMetric(client.Seconds(), "client-cpu-s")
		b.ReportMetric(float64(len(recs))/(client+server).Seconds(), "records/cpu-s(client+server)")
	}
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
		ingestBench(b, db, recs, 50_000, nil)
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
		// One connection, so that one server process does all the work
		// and its CPU time can be read.
		db.DB().SetMaxOpenConns(1)
		var pid int
		if err := db.DB().QueryRow("SELECT pg_backend_pid()").Scan(&pid); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		ingestBench(b, db, recs, 50_000, func() time.Duration { return procCPU(pid) })
	}
}

// procCPU is the CPU time, user and system, of process pid as /proc
// tells it (Linux, on this machine); 0 where /proc is not readable. The
// server is on the same machine in the benchmarks.
func procCPU(pid int) time.Duration {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The fields after the command name, which is in parentheses and may
	// hold spaces: state is field 3, utime 14 and stime 15.
	i := strings.LastIndexByte(string(stat), ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 13 {
		return 0
	}
	var user, sys int64
	fmt.Sscan(f[11], &user)
	fmt.Sscan(f[12], &sys)
	// USER_HZ is 100 on Linux.
	return time.Duration(user+sys) * 10 * time.Millisecond
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
