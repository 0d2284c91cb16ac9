package http

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/casework"
)

// sampleCondition is an approved condition decision, seeded for the access
// test's sample of the response route.
const sampleCondition = "dec-condition"

func init() {
	samples["POST /api/v1/decisions/{id}/responses"] = []sample{{path: "/api/v1/decisions/" + sampleCondition + "/responses",
		body: `{"kind":"end_use_assurance","response":"refused","note":"their counsel declined"}`}}
	envOptions = append(envOptions, func(t testing.TB, store vigil.Store) Option {
		if t.Name() == "TestAccessEveryRoute" || t.Name() == "TestDecisionResponsesAPI" {
			seedCondition(t, store)
		}
		return func(*Server) {}
	})
}

// seedCondition stores a case of its own with an approved condition
// decision, sampleCondition, and an unapproved suspension, "dec-proposed".
func seedCondition(t testing.TB, store vigil.Store) {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(store.CreateUser(ctx, &vigil.User{ID: "conditioner", Name: "Conditioner", Role: vigil.RoleAnalyst}, "test"))
	cs, err := casework.StoreOf(store)
	must(err)
	must(cs.CreateCase(ctx, &casework.Case{ID: "case-condition", Title: "Conditions asked of the reseller", Priority: "high",
		AssessmentIDs: []string{"acc~unit"}, SubscriptionIDs: []string{"sub"}, Due: time.Now().AddDate(0, 0, 30)}, "test"))
	must(cs.CreateDecision(ctx, &casework.Decision{ID: sampleCondition, CaseID: "case-condition", Type: casework.DecisionCondition,
		Status: casework.DecisionApproved, Reasons: "ask for an end-use assurance", Conditions: "no use against civilians", AssessmentID: "acc~unit"}, "conditioner"))
	must(cs.CreateDecision(ctx, &casework.Decision{ID: "dec-proposed", CaseID: "case-condition", Type: casework.DecisionSuspend,
		Reasons: "transcribes intercepted calls", AssessmentID: "acc~unit", SubscriptionIDs: []string{"sub"}}, "conditioner"))
}

func TestDecisionResponsesAPI(t *testing.T) {
	e := newEnv(t)
	path := "/api/v1/decisions/" + sampleCondition + "/responses"
	res := e.do(t, "analyst", "POST", path, `{"kind":"end_use_assurance","response":"refused","note":"counsel declined"}`)
	var d casework.Decision
	if res.status != http.StatusOK {
		t.Fatalf("record: %d %s", res.status, res.body)
	}
	res.decode(t, &d)
	if len(d.Responses) != 1 || d.Responses[0].Answer != casework.AnswerRefused || d.Responses[0].RecordedBy != "analyst" {
		t.Fatalf("recorded = %+v", d.Responses)
	}
	if res := e.do(t, "auditor", "POST", path, `{"kind":"audit_clause","response":"vague"}`); res.status != http.StatusForbidden {
		t.Fatalf("auditor: %d %s", res.status, res.body)
	}
	if res := e.do(t, "analyst", "POST", path, `{"kind":"loyalty","response":"refused"}`); res.status != http.StatusBadRequest || !strings.Contains(string(res.body), "kind") {
		t.Fatalf("bad kind: %d %s", res.status, res.body)
	}
	if res := e.do(t, "analyst", "POST", "/api/v1/decisions/dec-proposed/responses", `{"kind":"audit_clause","response":"vague"}`); res.status != http.StatusConflict {
		t.Fatalf("a response to a suspension: %d %s", res.status, res.body)
	}
	res = e.do(t, "reviewer", "GET", "/api/v1/decisions/"+sampleCondition, "")
	res.decode(t, &d)
	if res.status != http.StatusOK || len(d.Responses) != 1 {
		t.Fatalf("read back: %d %s", res.status, res.body)
	}
	evs, err := e.store.ListEvents(context.Background(), 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ev := range evs {
		if ev.Type == vigil.EventDecisionResponseRecorded {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d response events, want 1", n)
	}
}
