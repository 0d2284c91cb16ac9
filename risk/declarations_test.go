package risk_test

import (
	"slices"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/casework"
	"github.com/vigil-hrdd/vigil/risk"
)

// A customer's refusal of an end-use assurance, recorded on a condition
// decision, fires refused-assurances on the relationship the decision
// rests on, through the recompute that follows the outbox; a later
// acceptance replaces it, and a vague answer to an audit clause does not
// fire it. A refused suspension clause is read as an absent one, which
// weakens leverage.
func TestDeclarationsFireRefusedAssurances(t *testing.T) {
	db, e, svc, analyst, c := caseOnShop(t)
	if hasFlag(t, db, "A2~C1", "refused-assurances") {
		t.Fatal("refused-assurances fired before anyone asked")
	}
	d, err := svc.Propose(ctx, analyst, casework.Proposal{CaseID: c.ID, Type: casework.DecisionCondition, Reasons: "cameras on the square",
		Conditions: "an end-use assurance and an audit clause"})
	must(t, err)

	mark := lastSeq(t, db)
	_, err = svc.RecordResponse(ctx, analyst, d.ID, casework.ResponseRequest{Kind: casework.AssuranceAuditClause, Answer: casework.AnswerVague, Note: "will think about it"})
	must(t, err)
	mark, sum, err := e.RecomputeSince(ctx, mark, "test")
	must(t, err)
	if sum.Accounts != 1 || sum.Stored != 1 || hasFlag(t, db, "A2~C1", "refused-assurances") {
		t.Fatalf("a vague audit clause: %+v, flags %v", sum, flagIDs(assessment(t, db, "A2~C1")))
	}

	refusal, err := svc.RecordResponse(ctx, analyst, d.ID, casework.ResponseRequest{Kind: casework.AssuranceEndUse, Answer: casework.AnswerRefused})
	must(t, err)
	mark, sum, err = e.RecomputeSince(ctx, mark, "test")
	must(t, err)
	if sum.Accounts != 1 {
		t.Fatalf("a refusal re-assessed %d accounts, want A2 only", sum.Accounts)
	}
	want := refusal.Responses[len(refusal.Responses)-1].ID
	if ev := evidence(assessment(t, db, "A2~C1"), "refused-assurances"); !slices.Equal(ev, []string{want}) {
		t.Fatalf("after the refusal: refused-assurances evidence %v, want [%s]", ev, want)
	}
	for _, rel := range []string{"A1~U1", "A3~U2"} {
		if hasFlag(t, db, rel, "refused-assurances") {
			t.Fatalf("%s fired on another relationship's refusal", rel)
		}
	}

	// The customer thought again: the latest answer of a kind stands.
	_, err = svc.RecordResponse(ctx, analyst, d.ID, casework.ResponseRequest{Kind: casework.AssuranceEndUse, Answer: casework.AnswerAccepted})
	must(t, err)
	mark, _, err = e.RecomputeSince(ctx, mark, "test")
	must(t, err)
	if hasFlag(t, db, "A2~C1", "refused-assurances") {
		t.Fatal("an accepted assurance still fires refused-assurances")
	}

	_, err = svc.RecordResponse(ctx, analyst, d.ID, casework.ResponseRequest{Kind: casework.AssuranceSuspensionClause, Answer: casework.AnswerRefused})
	must(t, err)
	_, _, err = e.RecomputeSince(ctx, mark, "test")
	must(t, err)
	a := assessment(t, db, "A2~C1")
	if !slices.ContainsFunc(a.Modifiers, func(f risk.FlagResult) bool { return f.ID == "leverage-no-suspension-clause" }) {
		t.Fatalf("a refused suspension clause: modifiers %+v", a.Modifiers)
	}

	// A full run reads the same declarations as the recompute did.
	sum, err = e.AssessAll(ctx, "test")
	must(t, err)
	if sum.Stored != 0 {
		t.Fatalf("a full run after the recompute stored %d new versions, want 0", sum.Stored)
	}
}

// A response needs an analyst, a decision that asks something, and a
// known kind and answer.
func TestRecordResponseRefusesBadInput(t *testing.T) {
	db := openDB(t)
	seedHandBuilt(t, db)
	_, err := enrichedEngine(t, db).AssessAll(ctx, "test")
	must(t, err)
	analyst := &vigil.User{ID: "amira", Name: "Amira", Role: vigil.RoleAnalyst}
	auditor := &vigil.User{ID: "dora", Name: "Dora", Role: vigil.RoleAuditor}
	must(t, db.CreateUser(ctx, analyst, "test"))
	must(t, db.CreateUser(ctx, auditor, "test"))
	svc, err := casework.NewService(db, casework.Config{Logger: quiet()})
	must(t, err)
	c, err := svc.Open(ctx, analyst, casework.OpenRequest{Title: "Shop", Priority: "low", Links: casework.Links{AssessmentIDs: []string{"A2~C1"}, SubscriptionIDs: []string{"S4"}}})
	must(t, err)
	d, err := svc.Propose(ctx, analyst, casework.Proposal{CaseID: c.ID, Type: casework.DecisionEngage, Reasons: "ask"})
	must(t, err)
	ok := casework.ResponseRequest{Kind: casework.AssuranceEndUse, Answer: casework.AnswerRefused}
	if _, err := svc.RecordResponse(ctx, auditor, d.ID, ok); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
		t.Fatalf("an auditor recorded a response: %v", err)
	}
	for _, bad := range []casework.ResponseRequest{{Kind: "loyalty", Answer: casework.AnswerRefused}, {Kind: casework.AssuranceEndUse, Answer: "maybe"}} {
		_, err := svc.RecordResponse(ctx, analyst, d.ID, bad)
		if ve, okk := err.(*vigil.Error); !okk || ve.Code != vigil.EINVALID || ve.Field == "" {
			t.Fatalf("%+v: %v, want a field error", bad, err)
		}
	}
	sus, err := svc.Propose(ctx, analyst, casework.Proposal{CaseID: c.ID, Type: casework.DecisionSuspend, Reasons: "harm", SubscriptionIDs: []string{"S4"}})
	must(t, err)
	if _, err := svc.RecordResponse(ctx, analyst, sus.ID, ok); vigil.ErrorCode(err) != vigil.ECONFLICT {
		t.Fatalf("a response to a suspension: %v", err)
	}
}

// A recorded response names the relationship its decision rests on; the
// change is that relationship's account.
func TestChangeOfRecordedResponse(t *testing.T) {
	ev, err := vigil.NewEvent(vigil.EventDecisionResponseRecorded, "cases/C1", "amira", time.Now(),
		map[string]any{"decision_id": "D1", "assessment_id": "A9~P9", "kind": "audit_clause", "response": "refused"})
	must(t, err)
	got, ok := risk.ChangeOf(ev)
	if !ok || !slices.Equal(got.Accounts, []string{"A9"}) || len(got.Parties) != 0 {
		t.Fatalf("change of a recorded response = %+v %v", got, ok)
	}
	ev, err = vigil.NewEvent(vigil.EventDecisionResponseRecorded, "cases/C1", "amira", time.Now(), map[string]any{"decision_id": "D1"})
	must(t, err)
	if got, ok := risk.ChangeOf(ev); ok {
		t.Fatalf("a response without a relationship changed %+v", got)
	}
}
