package tlog_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/casework"
	"github.com/vigil-hrdd/vigil/risk"
)

// The casework store's surface: every method is a read or a state change
// that writes its events (checked to reach the log by the extension test).
func init() {
	extSurfaces = append(extSurfaces, caseworkSurface, func(*testing.T, context.Context, vigil.Store, time.Time) extSurface {
		// The risk engine's read of the customers' responses.
		return extSurface{iface: reflect.TypeFor[risk.ResponseSource](), reads: []string{"DecisionResponses"}}
	})
}

func caseworkSurface(t *testing.T, ctx context.Context, store vigil.Store, now time.Time) extSurface {
	cs, err := casework.StoreOf(store)
	if err != nil {
		t.Fatal(err)
	}
	// Setup: the approver of the four-eyes decision (amira, an analyst,
	// exists already) and a party for the countries of the payloads.
	if err := store.CreateUser(ctx, &vigil.User{ID: "bruno", Name: "Bruno", Role: vigil.RoleApprover, CreatedAt: now}, "tester"); err != nil {
		t.Fatal(err)
	}
	if err := store.Create(ctx, &vigil.Party{ID: "PCW", Type: vigil.PartyGovernment, Name: "Border Police", Country: "NO", Sectors: []string{"police"}}, "tester"); err != nil {
		t.Fatal(err)
	}
	c := &casework.Case{Title: "Border police speech to text", Priority: "critical", PartyIDs: []string{"PCW"}, Auto: true,
		AssessmentIDs: []string{"A1~PCW"}, Due: now.Add(7 * 24 * time.Hour)}
	cond := &casework.Decision{Type: casework.DecisionCondition, Status: casework.DecisionApproved, Reasons: "ask for an end-use assurance",
		Conditions: "no use against protesters", AssessmentID: "A1~PCW"}
	d := &casework.Decision{Type: casework.DecisionSuspend, Reasons: "surveillance of protesters", SubscriptionIDs: []string{"S1"}}
	content := []byte("minutes of the call")
	wantStatus := func(s casework.Status) func() error {
		return func() error {
			got, err := cs.GetCase(ctx, c.ID)
			if err == nil && got.Status != s {
				err = fmt.Errorf("case is %s, want %s", got.Status, s)
			}
			return err
		}
	}
	return extSurface{
		iface: reflect.TypeFor[casework.Store](),
		reads: []string{"GetCase", "ListCases", "CaseEntries", "OpenCaseFor", "Attachment", "Attachments", "GetDecision", "ListDecisions"},
		cases: []extCase{
			{method: "CreateCase", what: "an automatic case", want: []string{vigil.EventCaseOpened},
				run: func() error { return cs.CreateCase(ctx, c, "system:casework") },
				check: func() error {
					_, err := cs.OpenCaseFor(ctx, "A1~PCW")
					return err
				}},
			{method: "UpdateCase", what: "a move to investigating", want: []string{vigil.EventCaseStatusChanged},
				run: func() error {
					_, err := cs.UpdateCase(ctx, c.ID, 1, "amira", func(c *casework.Case) (*casework.Entry, error) {
						c.Status = casework.StatusInvestigating
						return &casework.Entry{Type: casework.EntryStatusChanged}, nil
					})
					return err
				},
				check: wantStatus(casework.StatusInvestigating)},
			{method: "PutAttachment", what: "a new file", want: []string{vigil.EventCaseAttached},
				run: func() error {
					return cs.PutAttachment(ctx, &casework.Attachment{CaseID: c.ID, Name: "minutes.txt", MediaType: "text/plain"}, content, "amira")
				},
				check: func() error {
					list, err := cs.Attachments(ctx, c.ID)
					if err == nil && len(list) != 1 {
						err = fmt.Errorf("%d attachments, want 1", len(list))
					}
					return err
				}},
			{method: "CreateDecision", what: "a proposed suspension", want: []string{"decision.suspend.proposed", vigil.EventCaseStatusChanged},
				run: func() error {
					d.CaseID = c.ID
					return cs.CreateDecision(ctx, d, "amira")
				},
				check: wantStatus(casework.StatusDecisionPending)},
			{method: "DecideDecision", what: "the approval by another user", want: []string{"decision.suspend.approved", vigil.EventCaseStatusChanged},
				run: func() error {
					_, err := cs.DecideDecision(ctx, d.ID, casework.DecisionApproved, "bruno", "proportionate", now)
					return err
				},
				check: wantStatus(casework.StatusActionInForce)},
			{method: "CreateDecision", what: "a recorded condition", want: []string{"decision.condition.proposed", "decision.condition.approved"},
				run: func() error {
					cond.CaseID = c.ID
					return cs.CreateDecision(ctx, cond, "amira")
				},
				check: wantStatus(casework.StatusActionInForce)},
			{method: "RecordResponse", what: "the customer's refusal", want: []string{vigil.EventDecisionResponseRecorded},
				run: func() error {
					_, err := cs.RecordResponse(ctx, cond.ID, &casework.Response{Kind: casework.AssuranceEndUse, Answer: casework.AnswerRefused}, "amira", now)
					return err
				},
				check: func() error {
					got, err := cs.GetDecision(ctx, cond.ID)
					if err == nil && len(got.Responses) != 1 {
						err = fmt.Errorf("%d responses, want 1", len(got.Responses))
					}
					return err
				}},
		},
	}
}
