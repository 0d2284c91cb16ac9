package tlog_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/casework"
	"github.com/vigil-hrdd/vigil/enforce"
	"github.com/vigil-hrdd/vigil/usage"
)

// The enforcement store's surface: every step of the process writes its
// enforcement.<op>.<step> (or monitoring.*) event; leasing an action and
// handing it back for a later attempt are timers kept in the action row and
// deliberately write none (pinned below as silent).
func init() {
	extSurfaces = append(extSurfaces, enforceSurface)
}

func enforceSurface(t *testing.T, ctx context.Context, store vigil.Store, now time.Time) extSurface {
	cs, err := casework.StoreOf(store)
	if err != nil {
		t.Fatal(err)
	}
	es, err := enforce.StoreOf(store)
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// Setup, through the stores whose coverage is tested elsewhere: a
	// portfolio with two subscriptions, an approver, and an approved
	// suspension of both.
	must(store.CreateUser(ctx, &vigil.User{ID: "enf-approver", Name: "Chidi", Role: vigil.RoleApprover, CreatedAt: now}, "tester"))
	must(store.Create(ctx, &vigil.Service{ID: "svc-enf", Name: "Speech to text", Capabilities: []string{"ai.speech_to_text"}}, "tester"))
	must(store.Create(ctx, &vigil.Party{ID: "PENF", Type: vigil.PartyGovernment, Name: "Signals Directorate", Country: "NO", Sectors: []string{"military"}}, "tester"))
	must(store.Create(ctx, &vigil.Account{ID: "AENF", PartyID: "PENF", Name: "Signals main"}, "tester"))
	for _, id := range []string{"SENF1", "SENF2"} {
		must(store.Create(ctx, &vigil.Subscription{ID: id, AccountID: "AENF", ServiceID: "svc-enf", Region: "eu-west-1",
			StartedOn: vigil.MustDate("2025-01-02"), Status: vigil.SubscriptionActive}, "tester"))
	}
	c := &casework.Case{Title: "Signals directorate speech to text", Priority: "critical", PartyIDs: []string{"PENF"}, SubscriptionIDs: []string{"SENF1", "SENF2"}}
	must(cs.CreateCase(ctx, c, "amira"))
	d := &casework.Decision{CaseID: c.ID, Type: casework.DecisionSuspend, Reasons: "mass surveillance", SubscriptionIDs: []string{"SENF1", "SENF2"}}
	must(cs.CreateDecision(ctx, d, "amira"))
	d, err = cs.DecideDecision(ctx, d.ID, casework.DecisionApproved, "enf-approver", "agreed", time.Time{})
	must(err)
	planner := &enforce.Planner{Cases: cs, Store: es, Portfolio: store, Now: func() time.Time { return now }}
	plan, err := planner.PlanOf(ctx, d)
	must(err)
	first, second := plan.Actions[0].ID, plan.Actions[1].ID
	wantAction := func(id string, ok func(*enforce.Action) bool, want string) func() error {
		return func() error {
			a, err := es.GetAction(ctx, id)
			if err == nil && !ok(a) {
				err = fmt.Errorf("action %+v, want %s", a, want)
			}
			return err
		}
	}
	confirmedAt := now.Add(-10 * 24 * time.Hour)
	sig := &usage.Signal{Rule: enforce.RuleUseAfterSuspension, Title: "Use after suspension", Severity: "critical", Scope: usage.ScopeSeries,
		Account: "AENF", Subscription: "SENF2", Meter: "ai.speech_to_text", AsOf: vigil.MustDate("2026-03-01"), Explanation: "x",
		Numbers: map[string]float64{"after_grace": 3}, Facts: map[string]any{}, RulesDigest: "enforce.Verifier"}
	sig.ID = usage.SignalID(sig.Rule, sig.Account, sig.Subscription, sig.Meter, usage.DayFromDate(sig.AsOf))
	var taskID string
	return extSurface{
		iface:  reflect.TypeFor[enforce.Store](),
		reads:  []string{"GetAction", "ListActions", "LatestUsageDay", "ListMonitoringTasks", "GetMonitoringTask"},
		silent: []string{"LeaseActions", "ReleaseAction"},
		cases: []extCase{
			{method: "PlanActions", what: "an approved suspension of two subscriptions", want: []string{"enforcement.suspend.queued"},
				run: func() error {
					n, err := es.PlanActions(ctx, plan, "system:enforce")
					if err == nil && n != 2 {
						err = fmt.Errorf("planned %d actions, want 2", n)
					}
					return err
				},
				check: wantAction(first, func(a *enforce.Action) bool { return a.Status == enforce.StatusQueued }, "queued")},
			{method: "LeaseActions", what: "a dispatcher claims both", silent: true,
				run: func() error {
					got, err := es.LeaseActions(ctx, "w1", now, time.Minute, 10)
					if err == nil && len(got) != 2 {
						err = fmt.Errorf("leased %d, want 2", len(got))
					}
					return err
				},
				check: wantAction(first, func(a *enforce.Action) bool { return a.LeaseOwner == "w1" && a.Attempts == 1 }, "leased by w1")},
			{method: "ReleaseAction", what: "a failed attempt, retried later", silent: true,
				run: func() error {
					return es.ReleaseAction(ctx, first, "w1", enforce.Release{NextAttemptAt: now.Add(time.Minute), LastError: "HTTP 503"})
				},
				check: wantAction(first, func(a *enforce.Action) bool { return a.LeaseOwner == "" && a.LastError == "HTTP 503" }, "released with its error")},
			{method: "FailAction", what: "a refusal", want: []string{"enforcement.suspend.failed"},
				run: func() error {
					_, err := es.FailAction(ctx, second, "w1", "refused by the control plane", "system:enforce")
					return err
				},
				check: wantAction(second, func(a *enforce.Action) bool { return a.Status == enforce.StatusFailed }, "failed")},
			{method: "RetryAction", what: "a person queues it again", want: []string{"enforcement.suspend.queued"},
				run:   func() error { _, err := es.RetryAction(ctx, second, "amira"); return err },
				check: wantAction(second, func(a *enforce.Action) bool { return a.Status == enforce.StatusQueued }, "queued")},
			{method: "ConfirmAction", what: "the control plane confirms the first", want: []string{"enforcement.suspend.confirmed", "subscription.updated"},
				run: func() error {
					_, err := es.ConfirmAction(ctx, first, enforce.Confirmation{Reference: "CP-1", At: confirmedAt}, "system:enforce")
					return err
				},
				check: func() error {
					sub, err := vigil.GetAs[*vigil.Subscription](ctx, store, vigil.KindSubscription, "SENF1")
					if err == nil && sub.Status != vigil.SubscriptionSuspended {
						err = fmt.Errorf("subscription is %s, want suspended", sub.Status)
					}
					return err
				}},
			{method: "ConfirmAction", what: "and the second", want: []string{"enforcement.suspend.confirmed", "subscription.updated"},
				run: func() error {
					_, err := es.ConfirmAction(ctx, second, enforce.Confirmation{Reference: "CP-2", At: confirmedAt}, "system:enforce")
					return err
				},
				check: wantAction(second, func(a *enforce.Action) bool { return a.Status == enforce.StatusConfirmed }, "confirmed")},
			{method: "SaveVerification", what: "usage stopped on the first", want: []string{"enforcement.suspend.verified"},
				run: func() error {
					_, err := es.SaveVerification(ctx, enforce.VerificationResult{ActionID: first, Outcome: enforce.VerificationVerified, Note: "no use", At: now}, "system:enforce")
					return err
				},
				check: func() error {
					tasks, err := es.ListMonitoringTasks(ctx, enforce.MonitoringQuery{CaseID: c.ID})
					if err == nil && len(tasks) != 1 {
						err = fmt.Errorf("%d monitoring tasks, want 1", len(tasks))
					}
					if err == nil {
						taskID = tasks[0].ID
					}
					return err
				}},
			{method: "SaveVerification", what: "use went on on the second", want: []string{"enforcement.suspend.unverified", "signal.raised", vigil.EventCaseReopened},
				run: func() error {
					_, err := es.SaveVerification(ctx, enforce.VerificationResult{ActionID: second, Outcome: enforce.VerificationUnverified, Note: "3 hour after grace", Signal: sig, At: now}, "system:enforce")
					return err
				},
				check: func() error {
					got, err := cs.GetCase(ctx, c.ID)
					if err == nil && got.Status != casework.StatusInvestigating {
						err = fmt.Errorf("case is %s, want investigating", got.Status)
					}
					return err
				}},
			{method: "MarkMonitoringDue", what: "the re-check falls due", want: []string{vigil.EventMonitoringDue},
				run: func() error {
					n, err := es.MarkMonitoringDue(ctx, time.Now().Add(31*24*time.Hour), "system:enforce")
					if err == nil && n != 1 {
						err = fmt.Errorf("%d tasks due, want 1", n)
					}
					return err
				},
				check: func() error {
					m, err := es.GetMonitoringTask(ctx, taskID)
					if err == nil && !m.DueNotified {
						err = fmt.Errorf("task %+v not marked announced", m)
					}
					return err
				}},
			{method: "RecordMonitoringCheck", what: "a check finding it effective", want: []string{vigil.EventMonitoringRecorded},
				run: func() error {
					_, err := es.RecordMonitoringCheck(ctx, taskID, enforce.MonitoringCheck{Effective: enforce.EffectiveYes, Notes: "no usage, customer confirmed"}, "amira")
					return err
				},
				check: func() error {
					m, err := es.GetMonitoringTask(ctx, taskID)
					if err == nil && m.Checks != 1 {
						err = fmt.Errorf("task %+v, want one check", m)
					}
					return err
				}},
		},
	}
}
