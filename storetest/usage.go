package storetest

import (
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/usage"
)

// RunUsage runs the conformance suite of usage.Store.
func RunUsage(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(*testing.T, vigil.Store, usage.Store)
	}{
		{"IngestStoresEachKeyOnce", testUsageIdempotent},
		{"IngestIsAllOrNothing", testUsageAllOrNothing},
		{"DailyTotalsSplitLongPeriods", testUsageSplit},
		{"SignalsStoreListAndPage", testSignals},
		{"EvaluateRaisesSignalsWithEvents", testEvaluate},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			defer s.Close()
			us, err := usage.StoreOf(s)
			if err != nil {
				t.Fatal(err)
			}
			tc.fn(t, s, us)
		})
	}
}

func urec(key, sub, meter string, q float64, unit, day string) usage.Record {
	start, _ := time.Parse(time.RFC3339, day+"T00:00:00Z")
	return usage.Record{Key: key, Subscription: sub, Meter: meter, Quantity: q, Unit: unit, Start: start, End: start.Add(24 * time.Hour), Region: "eu-west-1"}
}

func ingest(t *testing.T, us usage.Store, recs ...usage.Record) usage.IngestSummary {
	t.Helper()
	sum, err := us.IngestUsage(ctx, usage.IngestRequest{Source: &usage.SliceSource{Records: recs}, Actor: "tester", Origin: "test"})
	must(t, err)
	return sum
}

func countEvents(t *testing.T, s vigil.Store, typ string) int {
	t.Helper()
	evs, err := s.ListEvents(ctx, 0, 1000)
	must(t, err)
	n := 0
	for _, e := range evs {
		if e.Type == typ {
			n++
		}
	}
	return n
}

func testUsageIdempotent(t *testing.T, s vigil.Store, us usage.Store) {
	a := urec("k1", "S1", "ai.speech_to_text", 2, "hour", "2026-03-01")
	b := urec("k2", "S1", "ai.speech_to_text", 3, "hour", "2026-03-01")
	c := urec("k3", "S1", "ai.speech_to_text", 5, "hour", "2026-03-02")
	sum := ingest(t, us, a, b, a, c)
	if sum.Received != 4 || sum.Created != 3 || sum.Duplicates != 1 || sum.EventID == "" {
		t.Fatalf("first ingest: %+v", sum)
	}
	// The same records again, one with another quantity under the same
	// key: the first write stands.
	b2 := b
	b2.Quantity = 1000
	sum = ingest(t, us, a, b2, c)
	if sum.Created != 0 || sum.Duplicates != 3 || sum.EventID != "" {
		t.Fatalf("re-ingest: %+v", sum)
	}
	if n := countEvents(t, s, "usage.ingested"); n != 1 {
		t.Fatalf("%d usage.ingested events, want 1: a redelivery must change nothing", n)
	}
	// Old and new mixed in one batch: only the new one counts.
	d := urec("k4", "S1", "ai.speech_to_text", 7, "hour", "2026-03-03")
	sum = ingest(t, us, c, d, a)
	if sum.Created != 1 || sum.Duplicates != 2 {
		t.Fatalf("mixed batch: %+v", sum)
	}
	// The same key for another period is another record.
	e := urec("k1", "S1", "ai.speech_to_text", 11, "hour", "2026-03-04")
	if sum = ingest(t, us, e); sum.Created != 1 {
		t.Fatalf("same key, other period: %+v", sum)
	}
	n, err := us.CountUsage(ctx)
	must(t, err)
	if n != 5 {
		t.Fatalf("%d records stored, want 5", n)
	}
	ds, err := us.DailyUsage(ctx, usage.DailyQuery{From: usage.DayFromDate(day("2026-03-01")), To: usage.DayFromDate(day("2026-03-31"))})
	must(t, err)
	if len(ds) != 4 || ds[0].Quantity != 5 || ds[0].Records != 2 || ds[1].Quantity != 5 || ds[2].Quantity != 7 || ds[3].Quantity != 11 || ds[0].Day.String() != "2026-03-01" {
		t.Fatalf("daily totals: %+v", ds)
	}
	ds, err = us.DailyUsage(ctx, usage.DailyQuery{From: usage.DayFromDate(day("2026-03-02")), To: usage.DayFromDate(day("2026-03-02")), Subscriptions: []string{"S1"}})
	must(t, err)
	if len(ds) != 1 || ds[0].Quantity != 5 {
		t.Fatalf("daily totals of one day: %+v", ds)
	}
}

type failingUsage struct {
	n   int
	err error
}

func (f *failingUsage) Next(r *usage.Record) error {
	if f.n >= 4500 {
		return f.err
	}
	f.n++
	*r = urec(fmt.Sprintf("fail-%d", f.n), "S1", "ai.translation", 1, "character", "2026-03-01")
	return nil
}

func testUsageAllOrNothing(t *testing.T, s vigil.Store, us usage.Store) {
	bad := errors.New("line 4501: bad")
	_, err := us.IngestUsage(ctx, usage.IngestRequest{Source: &failingUsage{err: bad}, Actor: "tester"})
	if !errors.Is(err, bad) {
		t.Fatalf("err = %v, want the source's", err)
	}
	n, err := us.CountUsage(ctx)
	must(t, err)
	ds, err2 := us.DailyUsage(ctx, usage.DailyQuery{From: 0, To: usage.DayFromDate(day("2030-01-01"))})
	must(t, err2)
	if n != 0 || len(ds) != 0 || countEvents(t, s, "usage.ingested") != 0 {
		t.Fatalf("a failed ingest left %d records, %d daily totals", n, len(ds))
	}
	// The same records succeed afterwards: nothing of the failed one stuck.
	sum, err := us.IngestUsage(ctx, usage.IngestRequest{Source: &failingUsage{err: io.EOF}, Actor: "tester"})
	must(t, err)
	if sum.Created != 4500 {
		t.Fatalf("after a failed ingest: %+v", sum)
	}
}

func testUsageSplit(t *testing.T, s vigil.Store, us usage.Store) {
	r := urec("month", "S2", "storage.audio", 31, "gb_day", "2026-01-01")
	r.End = r.Start.AddDate(0, 1, 0)
	ingest(t, us, r)
	ds, err := us.DailyUsage(ctx, usage.DailyQuery{From: 0, To: usage.DayFromDate(day("2030-01-01"))})
	must(t, err)
	if len(ds) != 31 {
		t.Fatalf("%d daily totals, want 31", len(ds))
	}
	var total float64
	for _, d := range ds {
		total += d.Quantity
	}
	if total < 30.999 || total > 31.001 || ds[0].Records != 1 || ds[1].Records != 0 {
		t.Fatalf("split: total %v, records %d %d", total, ds[0].Records, ds[1].Records)
	}
}

func testSignals(t *testing.T, s vigil.Store, us usage.Store) {
	var sigs []*usage.Signal
	for i := range 5 {
		asOf := usage.DayFromDate(day("2026-03-01")) + usage.Day(i%3)
		acct := "A1"
		if i%2 == 1 {
			acct = "A2"
		}
		sig := &usage.Signal{Rule: "volume-above-threshold", Title: "t", Severity: "high", Scope: usage.ScopeSeries,
			Account: acct, Subscription: fmt.Sprintf("S%d", i), Meter: "ai.translation", AsOf: asOf.Date(),
			Explanation: "x", Numbers: map[string]float64{"week.total": float64(i)}, Facts: map[string]any{"n": float64(i)}}
		sig.ID = usage.SignalID(sig.Rule, sig.Account, sig.Subscription, sig.Meter, asOf)
		sigs = append(sigs, sig)
	}
	n, err := us.SaveSignals(ctx, sigs, "tester")
	must(t, err)
	if n != 5 {
		t.Fatalf("created %d, want 5", n)
	}
	n, err = us.SaveSignals(ctx, sigs, "tester")
	must(t, err)
	if n != 0 || countEvents(t, s, "signal.raised") != 5 {
		t.Fatalf("saving again created %d", n)
	}
	var seen []string
	q := usage.SignalQuery{Limit: 2}
	for {
		p, err := us.ListSignals(ctx, q)
		must(t, err)
		for _, sig := range p.Items {
			seen = append(seen, sig.ID)
			if len(seen) > 1 {
				prev, _ := us.GetSignal(ctx, seen[len(seen)-2])
				if prev.AsOf.Before(sig.AsOf.Time) {
					t.Errorf("signals out of order: %s before %s", prev.AsOf, sig.AsOf)
				}
			}
		}
		if p.Next == "" {
			break
		}
		q.After = p.Next
	}
	if len(seen) != 5 {
		t.Fatalf("paged through %d signals, want 5", len(seen))
	}
	p, err := us.ListSignals(ctx, usage.SignalQuery{Account: "A2"})
	must(t, err)
	if len(p.Items) != 2 {
		t.Fatalf("account filter: %d", len(p.Items))
	}
	got, err := us.GetSignal(ctx, sigs[3].ID)
	must(t, err)
	if got.Numbers["week.total"] != 3 || got.CreatedBy != "tester" || got.AsOf.String() != sigs[3].AsOf.String() {
		t.Fatalf("get: %+v", got)
	}
	_, err = us.GetSignal(ctx, "SIG-NONE")
	wantCode(t, err, vigil.ENOTFOUND)
	_, err = us.ListSignals(ctx, usage.SignalQuery{After: "!!"})
	wantCode(t, err, vigil.EINVALID)
}

func testEvaluate(t *testing.T, s vigil.Store, us usage.Store) {
	seed(t, s)
	rules, err := usage.LoadRules("")
	must(t, err)
	// S1 (seeded) transcribes 2,000 hours a day for the last week.
	var recs []usage.Record
	for i := range 7 {
		d := day("2026-03-01").AddDate(0, 0, i).Format(vigil.DateLayout)
		recs = append(recs, urec("stt-"+d, "S1", "ai.speech_to_text", 2000, "hour", d))
	}
	ingest(t, us, recs...)
	sum, err := usage.Evaluate(ctx, us, s, rules, day("2026-03-07"), "tester")
	must(t, err)
	if sum.Created == 0 {
		t.Fatalf("no signal: %+v", sum)
	}
	p, err := us.ListSignals(ctx, usage.SignalQuery{Rule: "volume-above-threshold"})
	must(t, err)
	if len(p.Items) != 1 || p.Items[0].Subscription != "S1" || p.Items[0].Numbers["week.total"] != 14000 {
		t.Fatalf("signals: %+v", p.Items)
	}
	again, err := usage.Evaluate(ctx, us, s, rules, day("2026-03-07"), "tester")
	must(t, err)
	if again.Created != 0 {
		t.Fatalf("re-evaluation created %d signals", again.Created)
	}
}
