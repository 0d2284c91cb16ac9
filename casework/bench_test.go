package casework_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/casework"
	"github.com/vigil-hrdd/vigil/risk"
	"github.com/vigil-hrdd/vigil/sqlite"
)

// BenchmarkOpenFromAssessments measures the automatic trigger on SQLite:
// one run opening a case for each of 500 critical relationships (each
// with its assessment read, its account's subscriptions listed and its
// case, entry and event written), then a run that finds them all open.
func BenchmarkOpenFromAssessments(b *testing.B) {
	const n = 500
	for b.Loop() {
		b.StopTimer()
		must := func(err error) {
			if err != nil {
				b.Fatal(err)
			}
		}
		s, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "vigil.db"))
		must(err)
		must(s.Create(ctx, &vigil.Service{ID: "svc", Name: "Speech", Capabilities: []string{"ai.speech_to_text"}}, "bench"))
		var rows []risk.Row
		for i := range n {
			p, a := fmt.Sprintf("P%04d", i), fmt.Sprintf("A%04d", i)
			must(s.Create(ctx, &vigil.Party{ID: p, Type: vigil.PartyUnit, Name: "Unit " + p, Country: "NO", Sectors: []string{"military"}}, "bench"))
			must(s.Create(ctx, &vigil.Account{ID: a, PartyID: p, Name: a}, "bench"))
			must(s.Create(ctx, &vigil.Subscription{ID: "S" + a, AccountID: a, ServiceID: "svc", Region: "r", StartedOn: vigil.MustDate("2025-01-01"), Status: vigil.SubscriptionActive}, "bench"))
			doc, _ := json.Marshal(risk.Assessment{ID: a + "~" + p, Version: 1, Path: []string{p}})
			rows = append(rows, risk.Row{ID: a + "~" + p, Version: 1, AccountID: a, CustomerID: p, EndUserID: p, Tier: "critical", TierRank: 3,
				Priority: 100, Action: "suspend", PolicyVersion: "b", Digest: "d", AssessedAt: now, AssessedBy: "bench", Current: true, Doc: doc})
		}
		must(s.SaveAssessments(ctx, risk.SaveBatch{Rows: rows}))
		svc, err := casework.NewService(s, casework.Config{Now: time.Now, Logger: slog.New(slog.DiscardHandler)})
		must(err)
		b.StartTimer()
		sum, err := svc.OpenFromAssessments(ctx, 3, "")
		must(err)
		again, err := svc.OpenFromAssessments(ctx, 3, "")
		must(err)
		b.StopTimer()
		if len(sum.Opened) != n || again.AlreadyOpen != n {
			b.Fatalf("first run %+v, second %+v", len(sum.Opened), again.AlreadyOpen)
		}
		s.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(n), "cases/op")
}
