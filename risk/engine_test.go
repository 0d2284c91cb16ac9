package risk_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/demo"
	"github.com/vigil-hrdd/vigil/risk"
	"github.com/vigil-hrdd/vigil/sqlite"
	"github.com/vigil-hrdd/vigil/transfer"
	"github.com/vigil-hrdd/vigil/usage"
)

var ctx = context.Background()

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func openDB(t testing.TB) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "vigil.db"))
	must(t, err)
	t.Cleanup(func() { db.Close() })
	return db
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newEngine(t testing.TB, st risk.Store) *risk.Engine {
	t.Helper()
	p, err := risk.DefaultPolicyLoaded()
	must(t, err)
	return risk.NewEngine(st, p, risk.Options{Logger: quiet()})
}

func party(id string, typ vigil.PartyType, country string, sectors ...string) *vigil.Party {
	return &vigil.Party{ID: id, Type: typ, Name: "Party " + id, Country: country, Sectors: sectors}
}

// seedHandBuilt writes a small portfolio by hand. The territory codes are
// arbitrary: AQ-12 is given an occupation context and AQ none; the codes
// mean nothing in the test.
//
//	A1 (reseller R1) -> resells to I1 -> acts for U1 (military intelligence
//	   unit in AQ-12, occupied); object storage, speech to text, translation
//	A2 (company C1 in BV, retail): virtual machines only
//	A3 (police directorate U2 in BV, unit of ministry M1): face API
func seedHandBuilt(t testing.TB, st vigil.Store) {
	t.Helper()
	for _, s := range []*vigil.Service{
		{ID: "object-storage", Name: "Object storage", Capabilities: []string{"storage.object"}},
		{ID: "speech-to-text", Name: "Speech to text", Capabilities: []string{"ai.speech_to_text"}},
		{ID: "translation", Name: "Translation", Capabilities: []string{"ai.translation"}},
		{ID: "virtual-machines", Name: "Virtual machines", Capabilities: []string{"compute"}},
		{ID: "face-api", Name: "Face API", Capabilities: []string{"ai.face_recognition"}},
	} {
		must(t, st.Create(ctx, s, "test"))
	}
	day := vigil.MustDate("2026-01-01")
	for _, c := range []*vigil.CountryContext{
		{ID: "AQ", Status: vigil.ConflictNone, Source: "test desk", AsOf: day},
		{ID: "AQ-12", Status: vigil.ConflictOccupation, HighRisk: true, Source: "test desk", AsOf: day},
		{ID: "BV", Status: vigil.ConflictNone, Source: "test desk", AsOf: day},
	} {
		must(t, st.Create(ctx, c, "test"))
	}
	for _, p := range []*vigil.Party{
		party("R1", vigil.PartyCompany, "BV", "it_services", "reseller"),
		party("I1", vigil.PartyCompany, "AQ", "it_services", "integrator"),
		party("U1", vigil.PartyUnit, "AQ-12", "military", "intelligence"),
		party("C1", vigil.PartyCompany, "BV", "retail"),
		party("M1", vigil.PartyGovernment, "BV", "government", "police"),
		party("U2", vigil.PartyUnit, "BV", "police"),
	} {
		must(t, st.Create(ctx, p, "test"))
	}
	for _, l := range []*vigil.Link{
		{ID: "L1", From: "R1", To: "I1", Type: vigil.LinkResellsTo},
		{ID: "L2", From: "I1", To: "U1", Type: vigil.LinkActsFor},
		{ID: "L3", From: "U2", To: "M1", Type: vigil.LinkUnitOf},
	} {
		must(t, st.Create(ctx, l, "test"))
	}
	for _, a := range []*vigil.Account{
		{ID: "A1", PartyID: "R1", Name: "Partner account", BillingCountry: "BV", OpenedOn: day},
		{ID: "A2", PartyID: "C1", Name: "Shop", BillingCountry: "BV", OpenedOn: day},
		{ID: "A3", PartyID: "U2", Name: "Police IT", BillingCountry: "BV", OpenedOn: day},
	} {
		must(t, st.Create(ctx, a, "test"))
	}
	for i, s := range []struct{ acct, svc string }{
		{"A1", "object-storage"}, {"A1", "speech-to-text"}, {"A1", "translation"},
		{"A2", "virtual-machines"}, {"A3", "face-api"},
	} {
		must(t, st.Create(ctx, &vigil.Subscription{ID: "S" + string(rune('1'+i)), AccountID: s.acct, ServiceID: s.svc, Region: "eu-west-1",
			StartedOn: day, Status: vigil.SubscriptionActive}, "test"))
	}
}

func assessment(t testing.TB, st risk.Store, id string) *risk.Assessment {
	t.Helper()
	row, err := st.GetAssessment(ctx, id, 0)
	must(t, err)
	var a risk.Assessment
	must(t, json.Unmarshal(row.Doc, &a))
	return &a
}

func flagIDs(a *risk.Assessment) []string {
	var ids []string
	for _, f := range a.Flags {
		ids = append(ids, f.ID)
	}
	return ids
}

func TestShowcaseHandBuiltIsCriticalSuspend(t *testing.T) {
	db := openDB(t)
	seedHandBuilt(t, db)
	e := newEngine(t, db)
	sum, err := e.AssessAll(ctx, "test")
	must(t, err)
	if sum.Relationships != 3 || sum.Stored != 3 {
		t.Fatalf("summary %+v", sum)
	}
	a := assessment(t, db, "A1~U1")
	if a.Tier != "critical" || a.Action != "suspend" {
		t.Fatalf("showcase: tier %s action %s\n%s", a.Tier, a.Action, strings.Join(a.Derivation, "\n"))
	}
	for _, want := range []string{"security-body-in-conflict", "bulk-communications-processing", "mass-surveillance-by-security-body", "hidden-end-user", "conflict-area"} {
		if !slices.Contains(flagIDs(a), want) {
			t.Errorf("flag %s did not fire: %v", want, flagIDs(a))
		}
	}
	// The explanation: path, policy version, each number's derivation,
	// facts and evidence per flag.
	if !slices.Equal(a.Path, []string{"R1", "I1", "U1"}) || a.PolicyVersion == "" || a.PolicyDigest == "" || len(a.Derivation) < 7 {
		t.Fatalf("explanation: %+v", a)
	}
	for _, f := range a.Flags {
		if len(f.Reads) == 0 || len(f.Rights) == 0 || f.Framework == "" || a.Facts[f.Reads[0]] == nil {
			t.Errorf("flag %s lacks facts, rights or framework: %+v", f.ID, f)
		}
	}
	if a.Involvement != "contribute" || a.Leverage != "weak" || !a.Severe || a.Likelihood != 5 {
		t.Errorf("involvement %s leverage %s severe %v likelihood %d", a.Involvement, a.Leverage, a.Severe, a.Likelihood)
	}
	// A retail company with virtual machines is low and monitored.
	if b := assessment(t, db, "A2~C1"); b.Tier != "low" || b.Action != "monitor" || len(b.Flags) != 0 {
		t.Errorf("benign: %s %s %v", b.Tier, b.Action, flagIDs(b))
	}
	// A police unit with face recognition outside any conflict.
	c := assessment(t, db, "A3~U2")
	if !slices.Contains(flagIDs(c), "mass-surveillance-by-security-body") || c.Tier == "low" {
		t.Errorf("police with face API: %s %v", c.Tier, flagIDs(c))
	}
	top, err := db.TopAssessments(ctx, risk.TopFilter{Limit: 10})
	must(t, err)
	if len(top) != 3 || top[0].ID != "A1~U1" {
		t.Fatalf("top: %+v", top)
	}
}

func TestVersionsEventsAndIncrementalRecompute(t *testing.T) {
	db := openDB(t)
	seedHandBuilt(t, db)
	e := newEngine(t, db)
	_, err := e.AssessAll(ctx, "test")
	must(t, err)
	// The two critical relationships (the showcase, and the police unit
	// with face recognition) give first-assessment events; the low one
	// does not.
	events := tierEvents(t, db)
	if len(events) != 2 || events[0].Relationship != "A1~U1" || events[0].To != "critical" || events[0].From != "" || events[1].Relationship != "A3~U2" {
		t.Fatalf("events after the first run: %+v", events)
	}
	// A second run over unchanged facts stores nothing.
	sum, err := e.AssessAll(ctx, "test")
	must(t, err)
	if sum.Stored != 0 || sum.Unchanged != 3 || sum.TierChanges != 0 {
		t.Fatalf("second run: %+v", sum)
	}
	// A credible source about the retail company re-assesses only its
	// account, stores version 2 and raises an event for the tier change.
	must(t, db.Create(ctx, &vigil.Source{ID: "SRC1", Title: "Report", Reliability: "B", Credibility: 2, PartyIDs: []string{"C1"}}, "test"))
	sum, err = e.Recompute(ctx, risk.Change{Sources: []string{"SRC1"}}, "test")
	must(t, err)
	if sum.Accounts != 1 || sum.Stored != 1 || sum.TierChanges != 1 {
		t.Fatalf("recompute: %+v", sum)
	}
	b := assessment(t, db, "A2~C1")
	if b.Version != 2 || !slices.Contains(flagIDs(b), "prior-misuse") || len(b.Sources) != 1 || b.Sources[0].Grade != "B2" {
		t.Fatalf("after the source: v%d %v %+v", b.Version, flagIDs(b), b.Sources)
	}
	versions, err := db.AssessmentVersions(ctx, "A2~C1")
	must(t, err)
	if len(versions) != 2 || !versions[0].Current || versions[1].Current || versions[1].Tier != "low" {
		t.Fatalf("versions: %+v", versions)
	}
	old, err := db.GetAssessment(ctx, "A2~C1", 1)
	must(t, err)
	if old.Tier != "low" {
		t.Fatalf("version 1: %+v", old)
	}
	events = tierEvents(t, db)
	last := events[len(events)-1]
	if last.Relationship != "A2~C1" || last.From != "low" || last.To != b.Tier || last.Version != 2 {
		t.Fatalf("tier event: %+v", last)
	}
	// A change of the parent ministry reaches its unit's account only.
	m, err := vigil.GetAs[*vigil.Party](ctx, db, vigil.KindParty, "M1")
	must(t, err)
	m.Country = "AQ-12"
	must(t, db.Update(ctx, m, "test"))
	sum, err = e.Recompute(ctx, risk.Change{Parties: []string{"M1"}}, "test")
	must(t, err)
	if sum.Accounts != 1 || sum.Relationships != 1 {
		t.Fatalf("parent change: %+v", sum)
	}
	if c := assessment(t, db, "A3~U2"); c.Tier != "critical" || !slices.Contains(flagIDs(c), "security-body-in-conflict") {
		t.Fatalf("unit under a ministry in an occupied area: %s %v", c.Tier, flagIDs(c))
	}
	// A context change reaches the parties in that territory and those
	// who resell to them.
	sum, err = e.Recompute(ctx, risk.Change{Territories: []string{"AQ"}}, "test")
	must(t, err)
	if sum.Accounts != 2 { // A1 (I1 in AQ, U1 in AQ-12) and A3 (M1 in AQ-12)
		t.Fatalf("context change: %+v", sum)
	}
	// The end user changes: the old relationship is retired.
	must(t, db.Update(ctx, &vigil.Link{ID: "L2", From: "I1", To: "C1", Type: vigil.LinkActsFor}, "test"))
	sum, err = e.Recompute(ctx, risk.Change{Parties: []string{"I1", "U1", "C1"}}, "test")
	must(t, err)
	if sum.Retired != 1 {
		t.Fatalf("retire: %+v", sum)
	}
	top, err := db.TopAssessments(ctx, risk.TopFilter{Limit: 10})
	must(t, err)
	for _, r := range top {
		if r.ID == "A1~U1" {
			t.Fatalf("retired relationship still ranked: %+v", top)
		}
	}
}

func tierEvents(t testing.TB, st vigil.Store) []risk.TierChange {
	t.Helper()
	evs, err := st.ListEvents(ctx, 0, 100000)
	must(t, err)
	var out []risk.TierChange
	for _, ev := range evs {
		if ev.Type != "assessment.tier_changed" {
			continue
		}
		var tc risk.TierChange
		must(t, json.Unmarshal(ev.Payload, &tc))
		out = append(out, tc)
	}
	return out
}

func TestInvalidPolicyRefusedOldStaysInForce(t *testing.T) {
	db := openDB(t)
	seedHandBuilt(t, db)
	e := newEngine(t, db)
	before := e.Policy()
	broken := strings.Replace(string(risk.DefaultPolicy), "via_intermediary ||", "via_intermediarry ||", 1)
	_, err := e.ReloadPolicy("provider.yaml", []byte(broken))
	if err == nil {
		t.Fatal("a policy with an undeclared fact loaded")
	}
	msg := err.Error()
	for _, want := range []string{"provider.yaml:", "hidden-end-user", "undeclared reference to 'via_intermediarry'", "stays in force"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if e.Policy() != before {
		t.Fatal("the failed reload replaced the policy in force")
	}
	// A scoring error is refused too.
	_, err = e.ReloadPolicy("provider.yaml", []byte(strings.Replace(string(risk.DefaultPolicy), "severe_at: 4", "severe_at: 9", 1)))
	if err == nil || !strings.Contains(err.Error(), "severe_at is 9") {
		t.Fatalf("scoring error: %v", err)
	}
	// The engine still assesses with the previous policy.
	_, err = e.AssessAll(ctx, "test")
	must(t, err)
	if a := assessment(t, db, "A1~U1"); a.PolicyVersion != before.Version() {
		t.Fatalf("assessed under %s", a.PolicyVersion)
	}
	// A valid edit goes into force and re-assesses everything.
	edited := strings.Replace(string(risk.DefaultPolicy), `version: "vigil-default-2026.11.1"`, `version: "provider-1"`, 1)
	p, err := e.ReloadPolicy("provider.yaml", []byte(edited))
	must(t, err)
	if e.Policy() != p {
		t.Fatal("valid policy not in force")
	}
	sum, err := e.AssessAll(ctx, "test")
	must(t, err)
	if sum.Stored != 3 {
		t.Fatalf("new policy stored %d", sum.Stored)
	}
}

func TestDemoShowcaseIsCriticalSuspend(t *testing.T) {
	dir := t.TempDir()
	_, err := demo.Generate(dir, demo.Options{Parties: 3000, Seed: 7})
	must(t, err)
	db := openDB(t)
	_, err = transfer.ImportDir(ctx, db, dir, "test", nil)
	must(t, err)
	e := newEngine(t, db)
	start := time.Now()
	sum, err := e.AssessAll(ctx, "test")
	must(t, err)
	t.Logf("demo of 3000 parties: %+v in %v", sum.ByTier, time.Since(start))
	// Find the showcase unit by its notes.
	page, err := db.List(ctx, vigil.KindParty, vigil.ListOptions{Filters: map[string]string{"type": string(vigil.PartyUnit)}, Limit: 1000})
	must(t, err)
	var unit string
	for _, r := range page.Items {
		if p := r.(*vigil.Party); strings.HasPrefix(p.Notes, "showcase:") {
			unit = p.ID
		}
	}
	if unit == "" {
		t.Fatal("no showcase unit in the demo portfolio")
	}
	top, err := db.TopAssessments(ctx, risk.TopFilter{PartyID: unit, Limit: 10})
	must(t, err)
	if len(top) == 0 {
		t.Fatalf("no relationship with end user %s", unit)
	}
	a := assessment(t, db, top[0].ID)
	if a.Tier != "critical" || a.Action != "suspend" {
		t.Fatalf("showcase %s: tier %s action %s\n%s", a.ID, a.Tier, a.Action, strings.Join(a.Derivation, "\n"))
	}
	if !slices.Contains(flagIDs(a), "prior-misuse") || len(a.Sources) == 0 {
		t.Errorf("the B2 source about the unit is not cited: %v %v", flagIDs(a), a.Sources)
	}
	// Every tier is populated.
	for _, tier := range []string{"critical", "high", "medium", "low"} {
		if sum.ByTier[tier] == 0 {
			t.Errorf("no relationship in tier %s: %v", tier, sum.ByTier)
		}
	}
}

// TestUsageSignalsEnrichFacts stores usage signals for the showcase's
// account and checks that they reach its facts and fire flags 8 and 9,
// in the full run and in an incremental one.
func TestUsageSignalsEnrichFacts(t *testing.T) {
	db := openDB(t)
	seedHandBuilt(t, db)
	us, err := usage.StoreOf(db)
	must(t, err)
	_, err = us.SaveSignals(ctx, []*usage.Signal{
		{ID: "sig-growth", Rule: "sudden-growth", Severity: "medium", Scope: usage.ScopeSeries, Account: "A1", Subscription: "S2",
			Meter: "audio.minutes", AsOf: vigil.MustDate("2026-03-01"), Numbers: map[string]float64{"week.total": 2000, "week.previous": 10}},
		{ID: "sig-moved", Rule: "data-moved-region", Severity: "high", Scope: usage.ScopeAccountMeter, Account: "A1",
			Meter: "storage.object", AsOf: vigil.MustDate("2026-03-02"), Numbers: map[string]float64{}},
		{ID: "sig-calm", Rule: "sudden-growth", Severity: "medium", Scope: usage.ScopeSeries, Account: "A2", Subscription: "S4",
			Meter: "vcpu.hours", AsOf: vigil.MustDate("2026-03-01"), Numbers: map[string]float64{"week.total": 2000, "week.previous": 10}},
	}, "test")
	must(t, err)
	p, err := risk.DefaultPolicyLoaded()
	must(t, err)
	e := risk.NewEngine(db, p, risk.Options{Logger: quiet(), Enrichers: []risk.Enricher{risk.UsageSignals(us)}})
	_, err = e.AssessAll(ctx, "test")
	must(t, err)
	a := assessment(t, db, "A1~U1")
	for _, want := range []string{"usage-surge-after-escalation", "data-residency-shift"} {
		if !slices.Contains(flagIDs(a), want) {
			t.Errorf("%s did not fire: %v", want, flagIDs(a))
		}
	}
	// A surge in a calm place is no surge after an escalation.
	if b := assessment(t, db, "A2~C1"); slices.Contains(flagIDs(b), "usage-surge-after-escalation") {
		t.Errorf("calm surge fired: %v", flagIDs(b))
	}
	// The incremental path reads the signals per account.
	prev, err := e.Preview(ctx, "A1~U1")
	must(t, err)
	if !slices.ContainsFunc(prev.Flags, func(f risk.FlagResult) bool { return f.ID == "data-residency-shift" }) {
		t.Errorf("preview lacks the residency shift: %v", prev.Flags)
	}
}

func TestRecomputeSinceFollowsTheOutbox(t *testing.T) {
	db := openDB(t)
	seedHandBuilt(t, db)
	e := newEngine(t, db)
	_, err := e.AssessAll(ctx, "test")
	must(t, err)
	evs, err := db.ListEvents(ctx, 0, 100000)
	must(t, err)
	mark := evs[len(evs)-1].Seq
	// Nothing changed: nothing to assess.
	last, sum, err := e.RecomputeSince(ctx, mark, "test")
	must(t, err)
	if last != mark || sum.Accounts != 0 {
		t.Fatalf("no change: last %d, %+v", last, sum)
	}
	// A context update reaches the unit's account through its record event.
	c, err := vigil.GetAs[*vigil.CountryContext](ctx, db, vigil.KindContext, "BV")
	must(t, err)
	c.Status = vigil.ConflictActive
	must(t, db.Update(ctx, c, "test"))
	last, sum, err = e.RecomputeSince(ctx, mark, "test")
	must(t, err)
	if last <= mark || sum.Accounts != 3 || sum.Stored == 0 {
		t.Fatalf("context change: last %d, %+v", last, sum)
	}
	if a := assessment(t, db, "A3~U2"); a.Tier != "critical" || !slices.Contains(flagIDs(a), "security-body-in-conflict") {
		t.Fatalf("police unit in a country now at war: %s %v", a.Tier, flagIDs(a))
	}
}

func TestChangeOfEvents(t *testing.T) {
	ev := func(typ string, payload any) *vigil.Event {
		e, err := vigil.NewEvent(typ, "x", "test", time.Now(), payload)
		must(t, err)
		return e
	}
	cases := []struct {
		ev   *vigil.Event
		want risk.Change
		ok   bool
	}{
		{ev("link.created", vigil.RecordEventPayload{Kind: vigil.KindLink, ID: "L1", Record: &vigil.Link{ID: "L1", From: "A", To: "B", Type: vigil.LinkActsFor}}),
			risk.Change{Parties: []string{"A", "B"}}, true},
		{ev("subscription.updated", vigil.RecordEventPayload{Kind: vigil.KindSubscription, ID: "S1", Record: &vigil.Subscription{ID: "S1", AccountID: "A9"}}),
			risk.Change{Accounts: []string{"A9"}}, true},
		{ev("context.updated", vigil.RecordEventPayload{Kind: vigil.KindContext, ID: "AQ-12", Record: &vigil.CountryContext{ID: "AQ-12"}}),
			risk.Change{Territories: []string{"AQ-12"}}, true},
		{ev("import.completed", map[string]any{"kind": "parties", "created": 3, "updated": 0}), risk.Change{All: true}, true},
		{ev("import.completed", map[string]any{"kind": "parties", "created": 0, "updated": 0, "unchanged": 9}), risk.Change{}, false},
		{ev("assessment.tier_changed", risk.TierChange{Relationship: "A1~P1", To: "high"}), risk.Change{}, false},
	}
	for _, c := range cases {
		got, ok := risk.ChangeOf(c.ev)
		gj, _ := json.Marshal(got)
		wj, _ := json.Marshal(c.want)
		if ok != c.ok || string(gj) != string(wj) {
			t.Errorf("%s: got %s %v, want %s %v", c.ev.Type, gj, ok, wj, c.ok)
		}
	}
}
