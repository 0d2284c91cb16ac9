package report_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/report"
	"github.com/vigil-hrdd/vigil/risk"
	"github.com/vigil-hrdd/vigil/tlog"
	"golang.org/x/mod/sumdb/note"
	"k8s.io/klog/v2"
)

// store is what the fixture writes to: a SQL store.
type store interface {
	vigil.Store
	report.Store
	SaveAssessments(ctx context.Context, b risk.SaveBatch) error
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// fixture is the small portfolio whose figures the tests compute by hand.
type fixture struct {
	s        store
	logDir   string
	verifier note.Verifier
	signer   *tlog.Signer
	cp       *report.Checkpoint
	// late is an event of the period recorded after the checkpoint.
	late *vigil.Event
}

type evSpec struct {
	typ       string
	n         int
	when      string
	countries []string
	sectors   []string
	extra     map[string]any
}

// events of the small portfolio. 2026 (the period):
//
//	approved decisions: engage 6 (XA? no: NL, telecom), condition 7 (LU, military),
//	restrict 2 (BE, military+police), suspend 5 (LU, police), terminate 0: total 20
//	rejected: 1
//	grievances: received 9, acknowledged 7 + 2 late, answered 6, closed 5 (3 led to action)
//	engagement: promised 6, kept 5, overdue 1
//	enforcement: suspend queued 5, confirmed 5, verified 5; restrict queued 2, unverified 2
//
// 2025 (the previous period): engage 3, condition 8 (total 11), received 4.
var fixtureEvents = []evSpec{
	{vigil.DecisionEventType("engage", "approved"), 6, "2026-02-10T10:00:00Z", []string{"NL"}, []string{"telecom"}, nil},
	{vigil.DecisionEventType("condition", "approved"), 7, "2026-03-15T10:00:00Z", []string{"LU"}, []string{"military"}, nil},
	{vigil.DecisionEventType("restrict", "approved"), 2, "2026-05-01T10:00:00Z", []string{"BE-VLG"}, []string{"military", "police"}, nil},
	{vigil.DecisionEventType("suspend", "approved"), 4, "2026-06-01T10:00:00Z", []string{"LU"}, []string{"police"}, nil},
	// On the last instant of the period: counted.
	{vigil.DecisionEventType("suspend", "approved"), 1, "2026-12-31T23:59:59Z", []string{"LU"}, []string{"police"}, nil},
	// On the first instant of the next: not counted.
	{vigil.DecisionEventType("terminate", "approved"), 1, "2027-01-01T00:00:00Z", []string{"LU"}, []string{"police"}, nil},
	{vigil.DecisionEventType("suspend", "proposed"), 5, "2026-05-30T10:00:00Z", []string{"LU"}, []string{"police"}, nil},
	{vigil.DecisionEventType("terminate", "rejected"), 1, "2026-07-01T10:00:00Z", []string{"LU"}, []string{"police"}, nil},
	{vigil.EventGrievanceReceived, 9, "2026-04-01T10:00:00Z", nil, nil, nil},
	{vigil.EventGrievanceAcknowledged, 7, "2026-04-03T10:00:00Z", nil, nil, nil},
	{vigil.EventGrievanceAcknowledgedLate, 2, "2026-04-20T10:00:00Z", nil, nil, nil},
	{vigil.EventGrievanceAnswered, 6, "2026-05-20T10:00:00Z", nil, nil, nil},
	{vigil.EventGrievanceClosed, 3, "2026-06-20T10:00:00Z", nil, nil, map[string]any{"outcome": "upheld", "led_to_action": true}},
	{vigil.EventGrievanceClosed, 2, "2026-06-21T10:00:00Z", nil, nil, map[string]any{"outcome": "not_upheld", "led_to_action": false}},
	{vigil.EventEngagementPromised, 6, "2026-02-01T10:00:00Z", nil, nil, nil},
	{vigil.EventEngagementKept, 5, "2026-03-01T10:00:00Z", nil, nil, nil},
	{vigil.EventEngagementPromiseOpen, 1, "2026-03-02T10:00:00Z", nil, nil, nil},
	{vigil.EnforcementEventType("suspend", "queued"), 5, "2026-06-02T10:00:00Z", nil, nil, nil},
	{vigil.EnforcementEventType("suspend", "confirmed"), 5, "2026-06-02T11:00:00Z", nil, nil, nil},
	{vigil.EnforcementEventType("suspend", "verified"), 5, "2026-06-09T11:00:00Z", nil, nil, nil},
	{vigil.EnforcementEventType("restrict", "queued"), 2, "2026-05-02T10:00:00Z", nil, nil, nil},
	{vigil.EnforcementEventType("restrict", "unverified"), 2, "2026-05-09T10:00:00Z", nil, nil, nil},
	{vigil.DecisionEventType("engage", "approved"), 3, "2025-06-01T10:00:00Z", []string{"NL"}, []string{"telecom"}, nil},
	{vigil.DecisionEventType("condition", "approved"), 8, "2025-07-01T10:00:00Z", []string{"LU"}, []string{"military"}, nil},
	{vigil.EventGrievanceReceived, 4, "2025-08-01T10:00:00Z", nil, nil, nil},
}

func writeEvents(t testing.TB, s vigil.EventStore, specs []evSpec) {
	var evs []*vigil.Event
	for _, sp := range specs {
		for i := 0; i < sp.n; i++ {
			payload := map[string]any{"case_id": fmt.Sprintf("K%d", len(evs))}
			if sp.countries != nil {
				payload["countries"] = sp.countries
				payload["sectors"] = sp.sectors
			}
			for k, v := range sp.extra {
				payload[k] = v
			}
			ev, err := vigil.NewEvent(sp.typ, fmt.Sprintf("cases/K%d", len(evs)), "tester", at(sp.when).Add(time.Duration(i)*time.Minute), payload)
			must(t, err)
			evs = append(evs, ev)
		}
	}
	must(t, s.RecordEvents(context.Background(), evs))
}

// portfolio: 15 live relationships. End users: 7 in NL (context: active
// armed conflict, high risk; sector military), 2 in BE-VLG (the BE context:
// occupation; police), 6 in LU (no context; telecom, two also health).
// Every account subscribes to one service with the capabilities compute
// and face_recognition. Flags: NL security-body-in-conflict (life,
// privacy) and conflict-area (life); BE conflict-area. One retired
// relationship in NL does not count.
func writePortfolio(t testing.TB, s store) {
	ctx := context.Background()
	must(t, s.Create(ctx, &vigil.CountryContext{ID: "NL", Status: vigil.ConflictActive, HighRisk: true, Source: "test", AsOf: vigil.MustDate("2026-01-01")}, "tester"))
	must(t, s.Create(ctx, &vigil.CountryContext{ID: "BE", Status: vigil.ConflictOccupation, Source: "test", AsOf: vigil.MustDate("2026-01-01")}, "tester"))
	must(t, s.Create(ctx, &vigil.Service{ID: "svc", Name: "Vision", Capabilities: []string{"compute", "face_recognition"}}, "tester"))
	type eu struct {
		country string
		sectors []string
		tier    string
		rank    int
		flags   []risk.FlagResult
	}
	nlFlags := []risk.FlagResult{
		{ID: "security-body-in-conflict", RuleMeta: risk.RuleMeta{Kind: "red_flag", Rights: []string{"life", "privacy"}}},
		{ID: "conflict-area", RuleMeta: risk.RuleMeta{Kind: "red_flag", Rights: []string{"life"}}},
	}
	beFlags := []risk.FlagResult{{ID: "conflict-area", RuleMeta: risk.RuleMeta{Kind: "red_flag", Rights: []string{"life"}}}}
	var ends []eu
	for i := 0; i < 7; i++ {
		ends = append(ends, eu{"NL", []string{"military"}, "critical", 3, nlFlags})
	}
	for i := 0; i < 2; i++ {
		ends = append(ends, eu{"BE-VLG", []string{"police"}, "high", 2, beFlags})
	}
	for i := 0; i < 6; i++ {
		sec := []string{"telecom"}
		if i < 2 {
			sec = append(sec, "health")
		}
		ends = append(ends, eu{"LU", sec, "low", 0, nil})
	}
	ends = append(ends, eu{"NL", []string{"military"}, "critical", 3, nlFlags}) // retired below
	var rows []risk.Row
	for i, e := range ends {
		pid, aid := fmt.Sprintf("E%02d", i), fmt.Sprintf("A%02d", i)
		must(t, s.Create(ctx, &vigil.Party{ID: pid, Type: "company", Name: "End user " + pid, Country: e.country, Sectors: e.sectors}, "tester"))
		must(t, s.Create(ctx, &vigil.Account{ID: aid, PartyID: pid, Name: "Account " + aid, BillingCountry: "DE"}, "tester"))
		must(t, s.Create(ctx, &vigil.Subscription{ID: "S" + aid, AccountID: aid, ServiceID: "svc", Region: "eu-1", StartedOn: vigil.MustDate("2025-01-01"), Status: vigil.SubscriptionActive}, "tester"))
		id := risk.RelationshipID(aid, pid)
		doc, err := jsonDoc(risk.Assessment{ID: id, AccountID: aid, CustomerID: pid, EndUserID: pid, Flags: e.flags, Tier: e.tier, TierRank: e.rank})
		must(t, err)
		rows = append(rows, risk.Row{ID: id, Version: 1, AccountID: aid, CustomerID: pid, EndUserID: pid, Tier: e.tier, TierRank: e.rank,
			Priority: 10, Action: "monitor", PolicyVersion: "p1", Digest: id, AssessedAt: at("2026-11-30T01:00:00Z"), AssessedBy: "tester", Current: true, Doc: doc})
	}
	must(t, s.SaveAssessments(ctx, risk.SaveBatch{Rows: rows}))
	must(t, s.SaveAssessments(ctx, risk.SaveBatch{Retire: []string{rows[len(rows)-1].ID}}))
}

func init() {
	// The log's storage library reports through klog.
	klog.LogToStderr(false)
	klog.SetOutput(io.Discard)
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// newFixture writes the portfolio and events, appends them to a real proof
// log, and records one more event after the checkpoint.
func newFixture(t testing.TB, s store) *fixture {
	t.Helper()
	ctx := context.Background()
	writePortfolio(t, s)
	writeEvents(t, s, fixtureEvents)
	skey, vkey, err := note.GenerateKey(rand.Reader, "vigil.test/log")
	must(t, err)
	signer, err := tlog.NewSigner(skey)
	must(t, err)
	v, err := note.NewVerifier(vkey)
	must(t, err)
	dir := filepath.Join(t.TempDir(), "log")
	flush(t, s, dir, signer)
	f, err := tlog.NewFetcher(dir, nil)
	must(t, err)
	cp, err := report.ReadCheckpoint(ctx, f, v)
	must(t, err)
	late, err := vigil.NewEvent(vigil.DecisionEventType("engage", "approved"), "cases/late", "tester", at("2026-09-01T10:00:00Z"), map[string]any{"countries": []string{"NL"}, "sectors": []string{"telecom"}})
	must(t, err)
	must(t, s.RecordEvent(ctx, late))
	return &fixture{s: s, logDir: dir, verifier: v, signer: signer, cp: cp, late: late}
}

// flush appends every pending event to the log and closes it.
func flush(t testing.TB, s vigil.EventStore, dir string, signer *tlog.Signer) {
	t.Helper()
	ctx := context.Background()
	l, err := tlog.Open(ctx, tlog.Config{Dir: dir, Signer: signer, CheckpointInterval: 100 * time.Millisecond, BatchMaxAge: 5 * time.Millisecond, Logger: quiet()})
	must(t, err)
	if _, err := tlog.NewRelay(s, l, tlog.RelayConfig{Logger: quiet()}).Flush(ctx); err != nil {
		t.Fatal(err)
	}
	must(t, l.Close(ctx))
}
