package casework_test

import (
	"slices"
	"testing"

	"github.com/vigil-hrdd/vigil/casework"
)

func TestPathTo(t *testing.T) {
	for _, tc := range []struct {
		from, to casework.Status
		want     []casework.Status
	}{
		{casework.StatusOpen, casework.StatusDecisionPending, []casework.Status{casework.StatusInvestigating, casework.StatusDecisionPending}},
		{casework.StatusActionInForce, casework.StatusDecisionPending, []casework.Status{casework.StatusInvestigating, casework.StatusDecisionPending}},
		{casework.StatusOpen, casework.StatusMonitoring, []casework.Status{casework.StatusInvestigating, casework.StatusDecisionPending, casework.StatusMonitoring}},
		{casework.StatusInvestigating, casework.StatusClosed, []casework.Status{casework.StatusClosed}},
		{casework.StatusMonitoring, casework.StatusMonitoring, nil},
		// A path never goes through closed: a closed case is reopened by
		// hand or by a new fact, never on the way to something else.
		{casework.StatusClosed, casework.StatusDecisionPending, []casework.Status{casework.StatusInvestigating, casework.StatusDecisionPending}},
	} {
		got := casework.PathTo(tc.from, tc.to)
		if !slices.Equal(got, tc.want) {
			t.Errorf("PathTo(%s, %s) = %v, want %v", tc.from, tc.to, got, tc.want)
		}
		for i, s := range got {
			prev := tc.from
			if i > 0 {
				prev = got[i-1]
			}
			if !casework.CanMove(prev, s) {
				t.Errorf("PathTo(%s, %s) steps %s -> %s, which is not allowed", tc.from, tc.to, prev, s)
			}
			if s == casework.StatusClosed && i != len(got)-1 {
				t.Errorf("PathTo(%s, %s) passes through closed", tc.from, tc.to)
			}
		}
	}
}

func TestEventTypeOf(t *testing.T) {
	for e, want := range map[*casework.Entry]string{
		{Type: casework.EntryOpened}:   "case.opened",
		{Type: casework.EntryReopened}: "case.reopened",
		{Type: casework.EntryDecision, Detail: []byte(`{"type":"suspend","step":"approved"}`)}: "decision.suspend.approved",
		{Type: casework.EntryEnforcement, Event: "enforcement.suspend.confirmed"}:              "enforcement.suspend.confirmed",
		{Type: casework.EntryDecision, Detail: []byte(`{}`)}:                                   "",
	} {
		if got := casework.EventTypeOf(e); got != want {
			t.Errorf("EventTypeOf(%s %s) = %q, want %q", e.Type, e.Detail, got, want)
		}
	}
}

func TestDisengagementPlanComplete(t *testing.T) {
	var none *casework.DisengagementPlan
	if none.Complete() == nil {
		t.Fatal("no plan is complete")
	}
	ok := &casework.DisengagementPlan{NoticeDays: 30, RightsHolderEffects: "Patients keep access through the fallback", DataHandling: "returned then deleted"}
	if err := ok.Complete(); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []casework.DisengagementPlan{
		{NoticeDays: 0, RightsHolderEffects: ok.RightsHolderEffects, DataHandling: ok.DataHandling},
		{NoticeDays: 30, RightsHolderEffects: " ", DataHandling: ok.DataHandling},
		{NoticeDays: 30, RightsHolderEffects: ok.RightsHolderEffects},
	} {
		if bad.Complete() == nil {
			t.Errorf("%+v counted complete", bad)
		}
	}
}
