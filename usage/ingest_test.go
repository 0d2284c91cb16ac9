package usage_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil/internal/pgtest"
	"github.com/vigil-hrdd/vigil/sqlite"
	"github.com/vigil-hrdd/vigil/usage"
)

// TestIngestLargeAndConcurrent covers what the conformance suite's small
// requests do not reach on PostgreSQL: a request of several staging
// batches (100,000 records each there) whose later batch repeats keys of
// an earlier one, and two requests racing on the same keys, where the one
// that waits must count the other's records as duplicates. On both stores.
func TestIngestLargeAndConcurrent(t *testing.T) {
	stores := map[string]func(t *testing.T) usage.Store{
		"sqlite": func(t *testing.T) usage.Store {
			db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "v.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		},
		"postgres": func(t *testing.T) usage.Store { return pgtest.Open(t, "vigil_usage_ingest") },
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			us := open(t)
			recs := make([]usage.Record, 0, 150_000)
			start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
			for i := range 120_000 {
				s := start.Add(time.Duration(i/1000) * time.Hour)
				recs = append(recs, usage.Record{Key: fmt.Sprintf("k%06d", i), Subscription: fmt.Sprintf("S%02d", i%20), Meter: "ai.translation",
					Quantity: 2, Unit: "character", Start: s, End: s.Add(time.Hour), Region: "eu-west-1"})
			}
			// The last 30,000 repeat the first 30,000: in the second
			// staging batch on PostgreSQL, the first holding them.
			recs = append(recs, recs[:30_000]...)
			sum, err := us.IngestUsage(ctx, usage.IngestRequest{Source: &usage.SliceSource{Records: recs}, Actor: "test"})
			if err != nil {
				t.Fatal(err)
			}
			if sum.Received != 150_000 || sum.Created != 120_000 || sum.Duplicates != 30_000 {
				t.Fatalf("summary %+v", sum)
			}
			// Two requests race on 5,000 shared keys; 15,000 new ones in all.
			extra := make([]usage.Record, 15_000)
			for i := range extra {
				extra[i] = recs[0]
				extra[i].Key = fmt.Sprintf("x%06d", i)
			}
			var wg sync.WaitGroup
			sums := make([]usage.IngestSummary, 2)
			errs := make([]error, 2)
			for j, part := range [][]usage.Record{extra[:10_000], extra[5_000:]} {
				wg.Go(func() {
					sums[j], errs[j] = us.IngestUsage(ctx, usage.IngestRequest{Source: &usage.SliceSource{Records: part}, Actor: "test"})
				})
			}
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			if created := sums[0].Created + sums[1].Created; created != 15_000 || sums[0].Duplicates+sums[1].Duplicates != 5_000 {
				t.Fatalf("racing requests: %+v", sums)
			}
			n, err := us.CountUsage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			ds, err := us.DailyUsage(ctx, usage.DailyQuery{From: 0, To: usage.DayOf(start.AddDate(1, 0, 0))})
			if err != nil {
				t.Fatal(err)
			}
			var records int64
			var q float64
			for _, d := range ds {
				records += d.Records
				q += d.Quantity
			}
			if n != 135_000 || records != 135_000 || q != 270_000 {
				t.Fatalf("stored %d records; daily totals count %d records, quantity %v; want 135000, 135000, 270000", n, records, q)
			}
		})
	}
}
