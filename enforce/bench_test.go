package enforce_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/casework"
	"github.com/vigil-hrdd/vigil/enforce"
	"github.com/vigil-hrdd/vigil/enforce/controlplane"
	"github.com/vigil-hrdd/vigil/sqlite"
)

// BenchmarkPlanAndDispatch measures, on SQLite, planning an approved
// suspension of 200 subscriptions and sending every action through the
// signed webhook to the reference control plane until each is confirmed
// (each confirmation: action, subscription, two events, case entry).
func BenchmarkPlanAndDispatch(b *testing.B) {
	const subs = 200
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		s, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "vigil.db"))
		if err != nil {
			b.Fatal(err)
		}
		cs, _ := casework.StoreOf(s)
		es, _ := enforce.StoreOf(s)
		cp := controlplane.New(secret, controlplane.WithAutoRegister())
		srv := httptest.NewServer(cp)
		ids := make([]string, subs)
		must := func(err error) {
			if err != nil {
				b.Fatal(err)
			}
		}
		must(s.Create(ctx, &vigil.Service{ID: "svc", Name: "Speech", Capabilities: []string{"ai.speech_to_text"}}, "b"))
		must(s.Create(ctx, &vigil.Party{ID: "P", Type: vigil.PartyCompany, Name: "Customer", Country: "FI"}, "b"))
		must(s.Create(ctx, &vigil.Account{ID: "A", PartyID: "P", Name: "Main"}, "b"))
		for i := range ids {
			ids[i] = fmt.Sprintf("S%04d", i)
			must(s.Create(ctx, &vigil.Subscription{ID: ids[i], AccountID: "A", ServiceID: "svc", Region: "eu-north-1", StartedOn: vigil.MustDate("2025-01-01"), Status: vigil.SubscriptionActive}, "b"))
		}
		must(s.CreateUser(ctx, &vigil.User{ID: "an", Name: "Analyst", Role: vigil.RoleAnalyst}, "b"))
		must(s.CreateUser(ctx, &vigil.User{ID: "ap", Name: "Approver", Role: vigil.RoleApprover}, "b"))
		c := &casework.Case{Title: "bench", Priority: "high", SubscriptionIDs: ids}
		must(cs.CreateCase(ctx, c, "an"))
		d := &casework.Decision{CaseID: c.ID, Type: casework.DecisionSuspend, Reasons: "bench", SubscriptionIDs: ids}
		must(cs.CreateDecision(ctx, d, "an"))
		_, err = cs.DecideDecision(ctx, d.ID, casework.DecisionApproved, "ap", "ok", time.Time{})
		must(err)
		b.StartTimer()

		if sum, err := (&enforce.Planner{Cases: cs, Store: es, Portfolio: s}).Run(ctx); err != nil || sum.Actions != subs {
			b.Fatalf("plan: %+v %v", sum, err)
		}
		disp := &enforce.Dispatcher{Store: es, Adapter: &enforce.Webhook{URL: srv.URL, Secret: secret}, Owner: "bench", Batch: 50,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		confirmed := 0
		for confirmed < subs {
			sum, err := disp.RunOnce(ctx)
			if err != nil || sum.Sent == 0 {
				b.Fatalf("dispatch: %+v %v", sum, err)
			}
			confirmed += sum.Confirmed
		}

		b.StopTimer()
		srv.Close()
		s.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(subs)*float64(b.N)/b.Elapsed().Seconds(), "actions/s")
}
