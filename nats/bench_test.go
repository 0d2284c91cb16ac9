package nats_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
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
	for range workers {
		wg.Go(func() { vnats.NewWorker(c, cons, us, nil).Run(wctx) })
	}
	b.ResetTimer()
	start := time.Now()
	if err := c.Publish(ctx, recs, benchPerMessage()); err != nil {
		b.Fatal(err)
	}
	published := time.Since(start)
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

func openPostgres(b *testing.B) *postgres.DB {
	base := os.Getenv("VIGIL_TEST_POSTGRES_URL")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		msg := fmt.Sprintf("PostgreSQL not reachable: %v", err)
		if os.Getenv("VIGIL_REQUIRE_POSTGRES") == "1" {
			b.Fatal(msg)
		}
		fmt.Fprintln(os.Stderr, "SKIP LOUDLY: "+msg)
		b.Skip("SKIP LOUDLY: " + msg)
	}
	var r [6]byte
	rand.Read(r[:])
	schema := "vigil_bench_" + hex.EncodeToString(r[:])
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		admin.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		admin.Close(context.Background())
	})
	u, err := url.Parse(base)
	if err != nil {
		b.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db, err := postgres.Open(ctx, u.String())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

func benchBatch() int {
	var n int
	if _, err := fmt.Sscan(os.Getenv("VIGIL_BENCH_BATCH"), &n); err == nil && n > 0 {
		return n
	}
	return 256
}
