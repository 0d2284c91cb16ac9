package risk_test

import (
	"slices"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/grievance"
	"github.com/vigil-hrdd/vigil/risk"
	"github.com/vigil-hrdd/vigil/sqlite"
)

func enrichedEngine(t testing.TB, st risk.Store) *risk.Engine {
	t.Helper()
	p, err := risk.DefaultPolicyLoaded()
	must(t, err)
	return risk.NewEngine(st, p, risk.Options{Logger: quiet(), Enrichers: risk.EnrichersFor(st)})
}

func lastSeq(t testing.TB, st vigil.Store) int64 {
	t.Helper()
	evs, err := st.ListEvents(ctx, 0, 100000)
	must(t, err)
	return evs[len(evs)-1].Seq
}

func submitGrievance(t testing.TB, db *sqlite.DB, id string) {
	t.Helper()
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	must(t, db.CreateGrievance(ctx, &grievance.Grievance{ID: id, Channel: grievance.ChannelWeb, Language: "en", Subject: "Shop cameras",
		Description: "The shop films the square.", Status: grievance.StatusReceived, ReceivedAt: now, AckDue: now.AddDate(0, 0, 7),
		AnswerDue: now.AddDate(0, 0, 30)}, nil, "receipt-"+id, "public"))
}

// evidence is what a fired flag cites; nil when it did not fire.
func evidence(a *risk.Assessment, flag string) []string {
	for _, f := range a.Flags {
		if f.ID == flag {
			return f.Evidence
		}
	}
	return nil
}

func hasFlag(t testing.TB, db *sqlite.DB, rel, flag string) bool {
	t.Helper()
	return slices.Contains(flagIDs(assessment(t, db, rel)), flag)
}

// An open grievance triaged to a chain party fires open-grievance through
// the real engine, is followed by the incremental recompute on triage,
// re-triage and closing, and an untriaged or closed one fires nothing.
func TestGrievancesFireOpenGrievance(t *testing.T) {
	db := openDB(t)
	seedHandBuilt(t, db)
	e := enrichedEngine(t, db)
	submitGrievance(t, db, "G1")
	_, err := e.AssessAll(ctx, "test")
	must(t, err)
	for _, rel := range []string{"A1~U1", "A2~C1", "A3~U2"} {
		if hasFlag(t, db, rel, "open-grievance") {
			t.Fatalf("%s: an untriaged grievance fired open-grievance", rel)
		}
	}

	// Triaged to the shop: only the shop's relationship is re-assessed.
	mark := lastSeq(t, db)
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	_, err = db.TriageGrievance(ctx, "G1", grievance.Triage{PartyIDs: []string{"C1"}}, "officer", now)
	must(t, err)
	mark, sum, err := e.RecomputeSince(ctx, mark, "test")
	must(t, err)
	if sum.Accounts != 1 || sum.Stored != 1 {
		t.Fatalf("triage to C1 re-assessed %+v, want account A2 only", sum)
	}
	if ev := evidence(assessment(t, db, "A2~C1"), "open-grievance"); !slices.Equal(ev, []string{"G1"}) {
		t.Fatalf("A2~C1 after triage: open-grievance evidence %v", ev)
	}

	// Re-triaged to the police unit's ministry (a parent): the shop loses
	// the fact, the unit's relationship gains it.
	_, err = db.TriageGrievance(ctx, "G1", grievance.Triage{PartyIDs: []string{"M1"}}, "officer", now.Add(time.Hour))
	must(t, err)
	mark, sum, err = e.RecomputeSince(ctx, mark, "test")
	must(t, err)
	if sum.Accounts != 2 {
		t.Fatalf("re-triage re-assessed %d accounts, want A2 and A3", sum.Accounts)
	}
	if hasFlag(t, db, "A2~C1", "open-grievance") || !hasFlag(t, db, "A3~U2", "open-grievance") {
		t.Fatalf("after re-triage: A2~C1 %v, A3~U2 %v", flagIDs(assessment(t, db, "A2~C1")), flagIDs(assessment(t, db, "A3~U2")))
	}

	// Closed: the flag goes. Every party the grievance was ever triaged
	// to is re-assessed; the shop's relationship comes out unchanged.
	_, err = db.CloseGrievance(ctx, "G1", grievance.OutcomeNotUpheld, false, "no evidence", "officer", now.Add(2*time.Hour))
	must(t, err)
	_, sum, err = e.RecomputeSince(ctx, mark, "test")
	must(t, err)
	if sum.Accounts != 2 || sum.Stored != 1 || hasFlag(t, db, "A3~U2", "open-grievance") {
		t.Fatalf("after closing: %+v, flags %v", sum, flagIDs(assessment(t, db, "A3~U2")))
	}
}

// A grievance about a subscription reaches the relationships of its
// account, in a full run as in a recompute.
func TestGrievanceOnSubscriptionReachesItsAccount(t *testing.T) {
	db := openDB(t)
	seedHandBuilt(t, db)
	e := enrichedEngine(t, db)
	submitGrievance(t, db, "G2")
	_, err := db.TriageGrievance(ctx, "G2", grievance.Triage{SubscriptionIDs: []string{"S2"}}, "officer", time.Now())
	must(t, err)
	_, err = e.AssessAll(ctx, "test")
	must(t, err)
	if ev := evidence(assessment(t, db, "A1~U1"), "open-grievance"); !slices.Equal(ev, []string{"G2"}) {
		t.Fatalf("A1~U1: open-grievance evidence %v", ev)
	}
	if hasFlag(t, db, "A2~C1", "open-grievance") {
		t.Fatal("a grievance about A1's subscription fired on A2")
	}
	mark := lastSeq(t, db)
	_, err = db.CloseGrievance(ctx, "G2", grievance.OutcomeUpheld, true, "restricted", "officer", time.Now())
	must(t, err)
	_, sum, err := e.RecomputeSince(ctx, mark, "test")
	must(t, err)
	if sum.Accounts != 1 || hasFlag(t, db, "A1~U1", "open-grievance") {
		t.Fatalf("after closing: %+v, flags %v", sum, flagIDs(assessment(t, db, "A1~U1")))
	}
}
