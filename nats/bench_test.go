package nats_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil/internal/pgtest"

	vnats "github.com/vigil-hrdd/vigil/nats"
	"github.com/vigil-hrdd/vigil/postgres"
	"github.com/vigil-hrdd/vigil/sqlite"
	"github.com/vigil-hrdd/vigil/usage"
)

func benchN() int {
	var n int
	if _, err := fmt.Sscan(os.Getenv("VIGIL_BENCH_RECORDS"), &n); err == nil && n > 0 {
		return n
	}
	return 500_000
}

func benchPerMessage() int {
	var n int
	if _, err := fmt.Sscan(os.Getenv("VIGIL_BENCH_PER_MESSAGE"), &n); err == nil && n > 0 {
		return n
	}
	return 100
}

// endToEnd publishes the records (perMessage to a message) while the
// workers consume them into the store, and reports records per second from
// the first publish to the last record committed.
func endToEnd(b *testing.B, us usage.Store, workers int) {
	ctx := context.Background()
	c := dial(b, vnats.Config{Batch: benchBatch(), MaxWait: 100 * time.Millisecond})
	cons, err := c.EnsureStream(ctx)
	if err != nil {
		b.Fatal(err)
	}
	n := benchN()
	recs, _ := records(n, "bench")
	wctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	startWorkers := func() {
		for range workers {
			wg.Go(func() { vnats.NewWorker(c, cons, us, nil).Run(wctx) })
		}
	}
	// VIGIL_BENCH_PREPUBLISH=1: the stream is filled first and the clock
	// runs from the workers' start, which measures the consuming side
	// alone (a backlog being worked off) rather than the slower of the
	// publisher and the consumer.
	prepublish := os.Getenv("VIGIL_BENCH_PREPUBLISH") == "1"
	if !prepublish {
		startWorkers()
	}
	b.ResetTimer()
	start := time.Now()
	if err := c.Publish(ctx, recs, benchPerMessage()); err != nil {
		b.Fatal(err)
	}
	published := time.Since(start)
	if prepublish {
		start = time.Now()
		startWorkers()
	}
	// Done when every message is acked, which workers do only after the
	// commit. (Counting rows instead would scan the table under the
	// writers' feet.)
	msgs := uint64((n + benchPerMessage() - 1) / benchPerMessage())
	for {
		info, err := cons.Info(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if info.AckFloor.Consumer >= msgs && info.NumAckPending == 0 && info.NumPending == 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	el := time.Since(start)
	b.StopTimer()
	cancel()
	wg.Wait()
	if got, err := us.CountUsage(ctx); err != nil || got != int64(n) {
		b.Fatalf("stored %d records of %d (%v)", got, n, err)
	}
	b.ReportMetric(float64(n)/el.Seconds(), "records/s")
	b.ReportMetric(float64(n)/published.Seconds(), "published-records/s")
}

// BenchmarkJetStreamSQLite: NATS JetStream to SQLite, end to end. Run with
// -benchtime 1x.
func BenchmarkJetStreamSQLite(b *testing.B) {
	for range b.N {
		b.StopTimer()
		db, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		// One worker: SQLite has one writer, and a second would only wait
		// for the lock.
		endToEnd(b, db, 1)
		db.Close()
	}
}

// BenchmarkJetStreamPostgres: NATS JetStream to PostgreSQL, end to end.
func BenchmarkJetStreamPostgres(b *testing.B) {
	for range b.N {
		b.StopTimer()
		db := openPostgres(b)
		b.StartTimer()
		endToEnd(b, db, 2)
	}
}

func openPostgres(b *testing.B) *postgres.DB { return pgtest.Open(b, "vigil_bench") }

func benchBatch() int {
	var n int
	if _, err := fmt.Sscan(os.Getenv("VIGIL_BENCH_BATCH"), &n); err == nil && n > 0 {
		return n
	}
	return 0 // the Config default
}
