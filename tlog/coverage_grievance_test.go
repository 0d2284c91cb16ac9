package tlog_test

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/grievance"
)

// The grievance store's surface: every method is a read or a state change
// whose events reach the log (checked by the extension test). Deadlines
// decide the event type, so the cases run in order on a clock that makes
// one acknowledgement late.
func init() {
	extSurfaces = append(extSurfaces, grievanceSurface)
}

func grievanceSurface(t *testing.T, ctx context.Context, store vigil.Store, now time.Time) extSurface {
	gs, err := grievance.StoreOf(store)
	if err != nil {
		t.Fatal(err)
	}
	keys := filepath.Join(t.TempDir(), "keys")
	if _, err := grievance.GenerateKeyWorkFactor(keys, "pass phrase", 10); err != nil {
		t.Fatal(err)
	}
	rcpt, err := grievance.LoadRecipient(keys)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := grievance.Seal(rcpt, grievance.Contact{Email: "someone@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	received := now.Add(-10 * 24 * time.Hour)
	file, err := grievance.DefaultLimits.CheckAttachment("evidence.txt", []byte("names and dates\n"), received)
	if err != nil {
		t.Fatal(err)
	}
	if file, err = grievance.SealFile(rcpt, file); err != nil {
		t.Fatal(err)
	}
	g := &grievance.Grievance{ID: "GCOV1", Channel: grievance.ChannelWeb, Language: "en", Subject: "s", Description: "d",
		Status: grievance.StatusReceived, ReceivedAt: received, AckDue: received.Add(7 * 24 * time.Hour), AnswerDue: received.Add(30 * 24 * time.Hour),
		PartyIDs: []string{}, SubscriptionIDs: []string{}, CaseIDs: []string{}, Attachments: []grievance.File{file}}
	_, receiptHash := grievance.NewReceiptCode()
	e := &grievance.Engagement{ID: "ECOV1", Kind: grievance.EngagementLetterIn, StakeholderType: grievance.StakeholderCivilSociety,
		Stakeholders: "six organisations", Date: vigil.Date{Time: received.Truncate(24 * time.Hour)}, Asked: "answer", RecordedAt: now}
	promise := func(id string, due time.Time) *grievance.Promise {
		return &grievance.Promise{ID: id, EngagementID: e.ID, Text: "we will answer", Due: vigil.Date{Time: due.Truncate(24 * time.Hour)}, PromisedAt: now}
	}
	kept, missed := promise("PCOV1", now.Add(48*time.Hour)), promise("PCOV2", now.Add(-72*time.Hour))
	wantStatus := func(s grievance.Status) func() error {
		return func() error {
			got, err := gs.GetGrievance(ctx, g.ID)
			if err == nil && got.Status != s {
				err = fmt.Errorf("grievance is %s, want %s", got.Status, s)
			}
			return err
		}
	}
	wantPromise := func(p *grievance.Promise, answered, marked bool) func() error {
		return func() error {
			ps, err := gs.ListPromises(ctx, grievance.PromiseQuery{EngagementID: e.ID})
			if err != nil {
				return err
			}
			for _, q := range ps {
				if q.ID == p.ID {
					if (q.AnsweredAt != nil) != answered || q.OverdueMarked != marked {
						return fmt.Errorf("promise %+v, want answered %v marked %v", q, answered, marked)
					}
					return nil
				}
			}
			return fmt.Errorf("promise %s not stored", p.ID)
		}
	}
	return extSurface{
		iface: reflect.TypeFor[grievance.Store](),
		reads: []string{"GetGrievance", "GrievanceByReceipt", "ListGrievances", "GrievanceUpdates", "GrievanceAttachment",
			"GetEngagement", "ListEngagements", "ListPromises"},
		cases: []extCase{
			{method: "CreateGrievance", what: "a named grievance with a sealed contact", want: []string{vigil.EventGrievanceReceived},
				run:   func() error { return gs.CreateGrievance(ctx, g, sealed, receiptHash, "public:web") },
				check: func() error { _, err := gs.GrievanceByReceipt(ctx, receiptHash); return err }},
			{method: "AddGrievanceInformation", what: "the submitter adds a line", want: []string{vigil.EventGrievanceUpdated},
				run: func() error { return gs.AddGrievanceInformation(ctx, g.ID, "one more thing", nil, now) },
				check: func() error {
					ups, err := gs.GrievanceUpdates(ctx, g.ID)
					if err == nil && len(ups) != 1 {
						err = fmt.Errorf("%d updates, want 1", len(ups))
					}
					return err
				}},
			{method: "AcknowledgeGrievance", what: "three days after the deadline", want: []string{vigil.EventGrievanceAcknowledgedLate},
				run: func() error {
					_, err := gs.AcknowledgeGrievance(ctx, g.ID, "received", "officer", now)
					return err
				},
				check: wantStatus(grievance.StatusAcknowledged)},
			{method: "TriageGrievance", what: "a link to a case", want: []string{vigil.EventGrievanceTriaged},
				run: func() error {
					_, err := gs.TriageGrievance(ctx, g.ID, grievance.Triage{PartyIDs: []string{}, SubscriptionIDs: []string{}, CaseIDs: []string{"C1"}}, "officer", now)
					return err
				},
				check: func() error {
					got, err := gs.GetGrievance(ctx, g.ID)
					if err == nil && len(got.CaseIDs) != 1 {
						err = fmt.Errorf("case ids %v", got.CaseIDs)
					}
					return err
				}},
			{method: "AnswerGrievance", what: "within the answer deadline", want: []string{vigil.EventGrievanceAnswered},
				run: func() error {
					_, err := gs.AnswerGrievance(ctx, g.ID, "our answer", "officer", now)
					return err
				},
				check: wantStatus(grievance.StatusAnswered)},
			{method: "OpenGrievanceContact", what: "an officer opens the contact", want: []string{vigil.EventGrievanceContactOpened},
				run: func() error {
					b, err := gs.OpenGrievanceContact(ctx, g.ID, "officer", now)
					if err == nil && len(b) == 0 {
						err = fmt.Errorf("no sealed contact returned")
					}
					return err
				}},
			{method: "OpenGrievanceAttachment", what: "an officer opens a sealed file", want: []string{vigil.EventGrievanceAttachmentOpened},
				run: func() error {
					_, b, err := gs.OpenGrievanceAttachment(ctx, g.ID, file.SHA256, "officer", now)
					if err == nil && len(b) == 0 {
						err = fmt.Errorf("no sealed file returned")
					}
					return err
				}},
			{method: "CloseGrievance", what: "upheld, with action", want: []string{vigil.EventGrievanceClosed},
				run: func() error {
					_, err := gs.CloseGrievance(ctx, g.ID, grievance.OutcomeUpheld, true, "", "officer", now)
					return err
				},
				check: wantStatus(grievance.StatusClosed)},
			{method: "CreateEngagement", what: "a letter from civil society", want: []string{vigil.EventEngagementRecorded},
				run:   func() error { return gs.CreateEngagement(ctx, e, "officer") },
				check: func() error { _, err := gs.GetEngagement(ctx, e.ID); return err }},
			{method: "AddPromise", what: "a promise due in two days", want: []string{vigil.EventEngagementPromised},
				run:   func() error { return gs.AddPromise(ctx, kept, "officer") },
				check: wantPromise(kept, false, false)},
			{method: "AddPromise", what: "a promise due three days ago", want: []string{vigil.EventEngagementPromised},
				run:   func() error { return gs.AddPromise(ctx, missed, "officer") },
				check: wantPromise(missed, false, false)},
			{method: "AnswerPromise", what: "kept in time", want: []string{vigil.EventEngagementKept},
				run: func() error {
					_, err := gs.AnswerPromise(ctx, kept.ID, "answered", "officer", now)
					return err
				},
				check: wantPromise(kept, true, false)},
			{method: "MarkOverduePromises", what: "the missed promise", want: []string{vigil.EventEngagementPromiseOpen},
				run: func() error {
					ps, err := gs.MarkOverduePromises(ctx, now, "system")
					if err == nil && len(ps) != 1 {
						err = fmt.Errorf("marked %d promises, want 1", len(ps))
					}
					return err
				},
				check: wantPromise(missed, false, true)},
			{method: "AnswerPromise", what: "kept late", want: []string{vigil.EventEngagementKeptLate},
				run: func() error {
					_, err := gs.AnswerPromise(ctx, missed.ID, "late answer", "officer", now)
					return err
				},
				check: wantPromise(missed, true, true)},
		},
	}
}
