package storetest

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/risk"
	"github.com/vigil-hrdd/vigil/sqlite"
)

// RunRisk is the conformance suite of risk.AssessmentStore: versioned
// assessments, their events in the same transaction, the ranked listing and
// the look-ups of incremental recompute; then one engine run end to end.
func RunRisk(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(*testing.T, risk.Store)
	}{
		{"VersionsAndEvents", testRiskVersions},
		{"TopAndFilters", testRiskTop},
		{"Lookups", testRiskLookups},
		{"EngineEndToEnd", testRiskEngine},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			defer s.Close()
			rs, ok := s.(risk.Store)
			if !ok {
				t.Fatalf("%T does not implement risk.Store", s)
			}
			tc.fn(t, rs)
		})
	}
}

func riskRow(id, account string, version int, tier string, rank, priority int) risk.Row {
	eu := id[len(account)+1:]
	return risk.Row{ID: id, Version: version, AccountID: account, CustomerID: "C-" + account, EndUserID: eu, Tier: tier, TierRank: rank,
		Priority: priority, Action: "monitor", PolicyVersion: "p1", Digest: tier + "-digest", AssessedAt: time.Date(2026, 11, 30, 1, 0, 0, 0, time.UTC),
		AssessedBy: "tester", Current: true, Doc: []byte(`{"id":"` + id + `"}`)}
}

func testRiskVersions(t *testing.T, s risk.Store) {
	ev, err := vigil.NewEvent("assessment.tier_changed", "assessments/A1~P1", "tester", time.Now(), map[string]string{"to": "critical"})
	must(t, err)
	must(t, s.SaveAssessments(ctx, risk.SaveBatch{Rows: []risk.Row{riskRow("A1~P1", "A1", 1, "low", 0, 1)}}))
	must(t, s.SaveAssessments(ctx, risk.SaveBatch{Rows: []risk.Row{riskRow("A1~P1", "A1", 2, "critical", 3, 500)}, Events: []*vigil.Event{ev}}))
	cur, err := s.GetAssessment(ctx, "A1~P1", 0)
	must(t, err)
	if cur.Version != 2 || cur.Tier != "critical" || !cur.Current || string(cur.Doc) != `{"id":"A1~P1"}` || !cur.AssessedAt.Equal(time.Date(2026, 11, 30, 1, 0, 0, 0, time.UTC)) {
		t.Fatalf("current = %+v", cur)
	}
	old, err := s.GetAssessment(ctx, "A1~P1", 1)
	must(t, err)
	if old.Current || old.Tier != "low" {
		t.Fatalf("version 1 = %+v", old)
	}
	_, err = s.GetAssessment(ctx, "A1~P1", 3)
	wantCode(t, err, vigil.ENOTFOUND)
	_, err = s.GetAssessment(ctx, "nope", 0)
	wantCode(t, err, vigil.ENOTFOUND)
	vs, err := s.AssessmentVersions(ctx, "A1~P1")
	must(t, err)
	if len(vs) != 2 || vs[0].Version != 2 || vs[1].Version != 1 || vs[0].Doc != nil {
		t.Fatalf("versions = %+v", vs)
	}
	got, err := s.GetEvent(ctx, ev.ID)
	must(t, err)
	if got.Type != "assessment.tier_changed" {
		t.Fatalf("event = %+v", got)
	}
	// Storing a version twice is a conflict, and nothing of the batch
	// (its event included) is kept.
	ev2, err := vigil.NewEvent("assessment.tier_changed", "assessments/A1~P1", "tester", time.Now(), map[string]string{"to": "low"})
	must(t, err)
	err = s.SaveAssessments(ctx, risk.SaveBatch{Rows: []risk.Row{riskRow("A1~P1", "A1", 2, "low", 0, 1)}, Events: []*vigil.Event{ev2}})
	if err == nil {
		t.Fatal("a duplicate version was stored")
	}
	_, err = s.GetEvent(ctx, ev2.ID)
	wantCode(t, err, vigil.ENOTFOUND)
	// Retiring keeps the last version current but out of the ranking.
	must(t, s.SaveAssessments(ctx, risk.SaveBatch{Retire: []string{"A1~P1"}}))
	var states []risk.State
	must(t, s.CurrentStates(ctx, func(st risk.State) error { states = append(states, st); return nil }))
	if len(states) != 1 || !states[0].Retired || states[0].Version != 2 || states[0].Digest != "critical-digest" || states[0].AccountID != "A1" {
		t.Fatalf("states = %+v", states)
	}
	top, err := s.TopAssessments(ctx, risk.TopFilter{Limit: 10})
	must(t, err)
	if len(top) != 0 {
		t.Fatalf("retired relationship ranked: %+v", top)
	}
	// It comes back as version 3.
	must(t, s.SaveAssessments(ctx, risk.SaveBatch{Rows: []risk.Row{riskRow("A1~P1", "A1", 3, "high", 2, 60)}}))
	cur, err = s.GetAssessment(ctx, "A1~P1", 0)
	must(t, err)
	if cur.Version != 3 || cur.Retired {
		t.Fatalf("back = %+v", cur)
	}
}

func testRiskTop(t *testing.T, s risk.Store) {
	must(t, s.SaveAssessments(ctx, risk.SaveBatch{Rows: []risk.Row{
		riskRow("A1~P1", "A1", 1, "medium", 1, 30),
		riskRow("A1~P2", "A1", 1, "critical", 3, 50), // severe override: top tier with a low priority
		riskRow("A2~P3", "A2", 1, "critical", 3, 625),
		riskRow("A3~P3", "A3", 1, "high", 2, 99),
		riskRow("A4~P4", "A4", 1, "low", 0, 1),
	}}))
	top, err := s.TopAssessments(ctx, risk.TopFilter{Limit: 3})
	must(t, err)
	if ids := rowIDs(top); !slices.Equal(ids, []string{"A2~P3", "A1~P2", "A3~P3"}) {
		t.Fatalf("top 3 = %v", ids)
	}
	top, err = s.TopAssessments(ctx, risk.TopFilter{Limit: 10, MinTierRank: 2})
	must(t, err)
	if len(top) != 3 {
		t.Fatalf("high and above = %v", rowIDs(top))
	}
	top, err = s.TopAssessments(ctx, risk.TopFilter{Limit: 10, PartyID: "P3"})
	must(t, err)
	if ids := rowIDs(top); !slices.Equal(ids, []string{"A2~P3", "A3~P3"}) {
		t.Fatalf("party P3 = %v", ids)
	}
	top, err = s.TopAssessments(ctx, risk.TopFilter{Limit: 10, AccountID: "A1"})
	must(t, err)
	if ids := rowIDs(top); !slices.Equal(ids, []string{"A1~P2", "A1~P1"}) {
		t.Fatalf("account A1 = %v", ids)
	}
	states, err := s.CurrentStatesOf(ctx, []string{"A1", "A3"})
	must(t, err)
	if len(states) != 3 {
		t.Fatalf("states of A1, A3 = %+v", states)
	}
}

func rowIDs(rows []risk.Row) []string {
	var ids []string
	for _, r := range rows {
		ids = append(ids, r.ID)
	}
	return ids
}

func testRiskLookups(t *testing.T, s risk.Store) {
	seed(t, s) // P1 in NO, P2 in NO-03, P3 in BB
	must(t, s.Create(ctx, party("P9", "Elsewhere", "NO-50"), "tester"))
	must(t, s.Create(ctx, party("P8", "Other country", "SE"), "tester"))
	ids, err := s.PartiesIn(ctx, "NO")
	must(t, err)
	if !slices.Contains(ids, "P1") || !slices.Contains(ids, "P2") || !slices.Contains(ids, "P9") || slices.Contains(ids, "P8") {
		t.Fatalf("parties in NO = %v", ids)
	}
	ids, err = s.PartiesIn(ctx, "NO-03")
	must(t, err)
	if !slices.Equal(ids, []string{"P2"}) {
		t.Fatalf("parties in NO-03 = %v", ids)
	}
	page, err := s.List(ctx, vigil.KindAccount, vigil.ListOptions{})
	must(t, err)
	acct := page.Items[0].(*vigil.Account)
	got, err := s.AccountsOf(ctx, []string{acct.PartyID, "nobody"})
	must(t, err)
	if !slices.Equal(got, []string{acct.ID}) {
		t.Fatalf("accounts of %s = %v", acct.PartyID, got)
	}
	subs, err := s.List(ctx, vigil.KindSubscription, vigil.ListOptions{})
	must(t, err)
	sub := subs.Items[0].(*vigil.Subscription)
	got, err = s.AccountsWithService(ctx, sub.ServiceID)
	must(t, err)
	if !slices.Equal(got, []string{sub.AccountID}) {
		t.Fatalf("accounts with %s = %v", sub.ServiceID, got)
	}
	// Sources of several parties come once each, and a party id that is a
	// LIKE pattern matches only itself.
	must(t, s.Create(ctx, &vigil.Source{ID: "SRC-R", Title: "Report", Reliability: "B", Credibility: 2, PartyIDs: []string{"P1", "P2"}}, "tester"))
	must(t, s.Create(ctx, &vigil.Source{ID: "SRC-S", Title: "Other", Reliability: "C", Credibility: 3, PartyIDs: []string{"P3"}}, "tester"))
	if sf, ok := s.(risk.SourceFinder); ok {
		srcs, err := sf.SourcesOfParties(ctx, []string{"P1", "P2", "P_"})
		must(t, err)
		if len(srcs) != 1 || srcs[0].ID != "SRC-R" || srcs[0].Grade() != "B2" {
			t.Fatalf("sources of P1, P2 = %+v", srcs)
		}
	}
	// The full run's scan gives the fields the facts need, as stored.
	ps, ok := s.(risk.PortfolioScanner)
	if !ok {
		return
	}
	for _, kind := range []vigil.Kind{vigil.KindParty, vigil.KindLink, vigil.KindAccount, vigil.KindSubscription} {
		n := 0
		must(t, ps.ScanPortfolio(ctx, kind, func(r vigil.Record) error {
			n++
			stored, err := s.Get(ctx, kind, r.RecordID())
			must(t, err)
			var same bool
			switch r := r.(type) {
			case *vigil.Party:
				p := stored.(*vigil.Party)
				same = r.Type == p.Type && r.Name == p.Name && r.Country == p.Country && (slices.Equal(r.Sectors, p.Sectors) || len(r.Sectors)+len(p.Sectors) == 0)
			case *vigil.Link:
				l := stored.(*vigil.Link)
				same = r.From == l.From && r.To == l.To && r.Type == l.Type
			case *vigil.Account:
				a := stored.(*vigil.Account)
				same = r.PartyID == a.PartyID && r.Name == a.Name && r.BillingCountry == a.BillingCountry && r.OpenedOn == a.OpenedOn
			case *vigil.Subscription:
				b := stored.(*vigil.Subscription)
				same = r.AccountID == b.AccountID && r.ServiceID == b.ServiceID && r.Region == b.Region && r.Status == b.Status && r.StartedOn == b.StartedOn
			}
			if !same {
				t.Errorf("scan of %s %s = %+v, stored %+v", kind, r.RecordID(), r, stored)
			}
			return nil
		}))
		if c, _ := s.Count(ctx, kind); int64(n) != c {
			t.Errorf("scan of %s gave %d of %d", kind, n, c)
		}
	}
}

// testRiskEngine runs the default policy over the seeded portfolio with a
// context that puts the border police unit in an occupied area.
func testRiskEngine(t *testing.T, s risk.Store) {
	seed(t, s)
	must(t, s.Create(ctx, &vigil.CountryContext{ID: "NO-03", Status: vigil.ConflictOccupation, HighRisk: true, Source: "tester", AsOf: day("2026-01-01")}, "tester"))
	p, err := risk.DefaultPolicyLoaded()
	must(t, err)
	e := risk.NewEngine(s, p, risk.Options{})
	sum, err := e.AssessAll(ctx, "tester")
	must(t, err)
	if sum.Relationships == 0 || sum.Stored != sum.Relationships {
		t.Fatalf("summary = %+v", sum)
	}
	top, err := s.TopAssessments(ctx, risk.TopFilter{Limit: 1})
	must(t, err)
	row, err := s.GetAssessment(ctx, top[0].ID, 0)
	must(t, err)
	var a risk.Assessment
	must(t, json.Unmarshal(row.Doc, &a))
	if a.PolicyVersion != p.Version() || len(a.Derivation) == 0 || a.Tier != row.Tier {
		t.Fatalf("assessment = %+v", a)
	}
	again, err := e.AssessAll(ctx, "tester")
	must(t, err)
	if again.Stored != 0 || again.Unchanged != sum.Relationships {
		t.Fatalf("second run = %+v", again)
	}
}

// OpenSQLite is an Opener of fresh SQLite stores in the test's temporary
// directory.
func OpenSQLite(t *testing.T) vigil.Store {
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "vigil.db"))
	if err != nil {
		t.Fatal(err)
	}
	return db
}
