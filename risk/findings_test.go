package risk_test

import (
	"slices"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/casework"
	"github.com/vigil-hrdd/vigil/risk"
	"github.com/vigil-hrdd/vigil/sqlite"
)

// What engagement finds out about a relationship (unusual customisation,
// provider staff embedded in the customer, a demand for confidentiality)
// is recorded as a response on an engage decision and fires red flags 7
// and 11 at the next recompute; a later "absent" clears it. These kinds
// take requested, present or absent, never an assurance's answers.
func TestFindingsFireCustomEngineeringAndConfidentiality(t *testing.T) {
	db, e, svc, analyst, c := caseOnShop(t)
	for _, f := range []string{"custom-engineering", "refused-assurances"} {
		if hasFlag(t, db, "A2~C1", f) {
			t.Fatalf("%s fired before anything was recorded", f)
		}
	}
	d, err := svc.Propose(ctx, analyst, casework.Proposal{CaseID: c.ID, Type: casework.DecisionEngage, Reasons: "find out how the services are run"})
	must(t, err)

	for _, bad := range []casework.ResponseRequest{
		{Kind: casework.AssuranceCustomEngineering, Answer: casework.AnswerAccepted},
		{Kind: casework.AssuranceEndUse, Answer: casework.AnswerPresent},
	} {
		if _, err := svc.RecordResponse(ctx, analyst, d.ID, bad); vigil.ErrorCode(err) != vigil.EINVALID {
			t.Fatalf("%+v: %v, want a field error", bad, err)
		}
	}

	mark := lastSeq(t, db)
	rec, err := svc.RecordResponse(ctx, analyst, d.ID, casework.ResponseRequest{Kind: casework.AssuranceCustomEngineering, Answer: casework.AnswerRequested, Note: "asks for a dedicated transcription pipeline"})
	must(t, err)
	mark, _, err = e.RecomputeSince(ctx, mark, "test")
	must(t, err)
	want := rec.Responses[len(rec.Responses)-1].ID
	if ev := evidence(assessment(t, db, "A2~C1"), "custom-engineering"); !slices.Equal(ev, []string{want}) {
		t.Fatalf("custom-engineering evidence %v, want [%s]", ev, want)
	}

	_, err = svc.RecordResponse(ctx, analyst, d.ID, casework.ResponseRequest{Kind: casework.AssuranceCustomEngineering, Answer: casework.AnswerAbsent, Note: "request withdrawn"})
	must(t, err)
	mark, _, err = e.RecomputeSince(ctx, mark, "test")
	must(t, err)
	if hasFlag(t, db, "A2~C1", "custom-engineering") {
		t.Fatal("custom-engineering still fires after the request was withdrawn")
	}

	conf, err := svc.RecordResponse(ctx, analyst, d.ID, casework.ResponseRequest{Kind: casework.AssuranceConfidentiality, Answer: casework.AnswerPresent})
	must(t, err)
	_, _, err = e.RecomputeSince(ctx, mark, "test")
	must(t, err)
	want = conf.Responses[len(conf.Responses)-1].ID
	if ev := evidence(assessment(t, db, "A2~C1"), "refused-assurances"); !slices.Equal(ev, []string{want}) {
		t.Fatalf("refused-assurances evidence %v, want [%s]", ev, want)
	}
}

// caseOnShop assesses the hand-built portfolio with every enricher and
// opens a case, as an analyst, on the relationship A2~C1, where responses
// to decisions are recorded.
func caseOnShop(t *testing.T) (*sqlite.DB, *risk.Engine, *casework.Service, *vigil.User, *casework.Case) {
	t.Helper()
	db := openDB(t)
	seedHandBuilt(t, db)
	e := enrichedEngine(t, db)
	_, err := e.AssessAll(ctx, "test")
	must(t, err)
	analyst := &vigil.User{ID: "amira", Name: "Amira", Role: vigil.RoleAnalyst, CreatedAt: time.Now()}
	must(t, db.CreateUser(ctx, analyst, "test"))
	svc, err := casework.NewService(db, casework.Config{Logger: quiet()})
	must(t, err)
	c, err := svc.Open(ctx, analyst, casework.OpenRequest{Title: "Shop", Priority: "low", Links: casework.Links{AssessmentIDs: []string{"A2~C1"}}})
	must(t, err)
	return db, e, svc, analyst, c
}
