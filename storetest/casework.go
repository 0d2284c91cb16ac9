package storetest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/casework"
	"github.com/vigil-hrdd/vigil/risk"
)

// RunCasework runs the conformance suite of casework.Store: cases, their
// transitions and history, attachments by SHA-256, and decisions under
// four eyes.
func RunCasework(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(*testing.T, vigil.Store, casework.Store)
	}{
		{"CreateGetListCases", testCaseList},
		{"EveryTransitionAllowedOrRefused", testCaseTransitions},
		{"StaleVersionConflicts", testCaseStaleVersion},
		{"OneOpenAutomaticCasePerRelationship", testCaseAutoOnce},
		{"AttachmentsBySHA256", testCaseAttachments},
		{"DecisionsUnderFourEyes", testDecisionsFourEyes},
		{"EngageAndConditionNeedNoSecondApprover", testDecisionsRecorded},
		{"RejectAndWithdraw", testDecisionsRejectWithdraw},
		{"ResponsesToEngageAndCondition", testDecisionResponses},
		{"RacesLeaveOneWinner", testCaseRaces},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			defer s.Close()
			cs, err := casework.StoreOf(s)
			if err != nil {
				t.Fatal(err)
			}
			tc.fn(t, s, cs)
		})
	}
}

func newCase(t *testing.T, cs casework.Store, title string, auto bool, assessment string, parties ...string) *casework.Case {
	t.Helper()
	c := &casework.Case{Title: title, Priority: "critical", PartyIDs: parties, AccountIDs: []string{"A1"}, SubscriptionIDs: []string{"S1"},
		Auto: auto, Due: time.Date(2026, 12, 12, 0, 0, 0, 0, time.UTC)}
	if assessment != "" {
		c.AssessmentIDs = []string{assessment}
	}
	must(t, cs.CreateCase(ctx, c, "amira"))
	return c
}

// moveTo moves a case by UpdateCase, with an outcome when closing.
func moveTo(cs casework.Store, id string, to casework.Status, version int) (*casework.Case, error) {
	return cs.UpdateCase(ctx, id, version, "amira", func(c *casework.Case) (*casework.Entry, error) {
		c.Status = to
		if to == casework.StatusClosed {
			c.Outcome = casework.OutcomeNoIssue
		}
		return &casework.Entry{Type: casework.EntryStatusChanged}, nil
	})
}

// forceStatus brings a case to a status along allowed transitions.
func forceStatus(t *testing.T, cs casework.Store, c *casework.Case, to casework.Status) *casework.Case {
	t.Helper()
	for _, next := range casework.PathTo(c.Status, to) {
		var err error
		c, err = moveTo(cs, c.ID, next, c.Version)
		must(t, err)
	}
	if to == casework.StatusClosed && c.Status != to {
		var err error
		c, err = moveTo(cs, c.ID, to, c.Version)
		must(t, err)
	}
	if c.Status != to {
		t.Fatalf("case at %s, want %s", c.Status, to)
	}
	return c
}

func eventsOf(t *testing.T, s vigil.Store, types ...string) []*vigil.Event {
	t.Helper()
	evs, err := s.ListEvents(ctx, 0, 10000)
	must(t, err)
	var out []*vigil.Event
	for _, e := range evs {
		if slices.Contains(types, e.Type) {
			out = append(out, e)
		}
	}
	return out
}

func testCaseList(t *testing.T, s vigil.Store, cs casework.Store) {
	seed(t, s)
	c1 := newCase(t, cs, "Border police speech to text", true, "A1~P2", "P2", "P3")
	c2 := newCase(t, cs, "Ministry", false, "", "P1")
	if c1.Version != 1 || c1.Status != casework.StatusOpen || c1.OpenedBy != "amira" || c1.ID == "" {
		t.Fatalf("created case = %+v", c1)
	}
	got, err := cs.GetCase(ctx, c1.ID)
	must(t, err)
	if got.Title != c1.Title || !slices.Equal(got.PartyIDs, []string{"P2", "P3"}) || got.Version != 1 || !got.Due.Equal(c1.Due) || got.SignalIDs == nil {
		t.Fatalf("stored case = %+v", got)
	}
	_, err = cs.GetCase(ctx, "nope")
	wantCode(t, err, vigil.ENOTFOUND)
	wantCode(t, cs.CreateCase(ctx, &casework.Case{Title: " "}, "amira"), vigil.EINVALID)
	wantCode(t, cs.CreateCase(ctx, &casework.Case{Title: "x", Status: casework.StatusClosed}, "amira"), vigil.EINVALID)

	// The opened event carries the countries and sectors of the parties,
	// never in its type.
	evs := eventsOf(t, s, vigil.EventCaseOpened)
	if len(evs) != 2 {
		t.Fatalf("%d case.opened events, want 2", len(evs))
	}
	var p struct {
		CaseID    string   `json:"case_id"`
		How       string   `json:"how"`
		Countries []string `json:"countries"`
		Sectors   []string `json:"sectors"`
	}
	must(t, json.Unmarshal(evs[0].Payload, &p))
	if p.CaseID != c1.ID || p.How != "auto" || !slices.Equal(p.Countries, []string{"BB", "NO-03"}) || !slices.Equal(p.Sectors, []string{"border", "police"}) {
		t.Fatalf("case.opened payload = %s", evs[0].Payload)
	}
	entries, err := cs.CaseEntries(ctx, c1.ID)
	must(t, err)
	if len(entries) != 1 || entries[0].Type != casework.EntryOpened || entries[0].EventID != evs[0].ID {
		t.Fatalf("entries = %+v", entries)
	}

	_, err = cs.UpdateCase(ctx, c2.ID, 0, "amira", func(c *casework.Case) (*casework.Entry, error) {
		c.Assignee = "bruno"
		return &casework.Entry{Type: casework.EntryAssigned, Detail: json.RawMessage(`{"assignee":"bruno"}`)}, nil
	})
	must(t, err)
	for _, tc := range []struct {
		q    casework.CaseQuery
		want []string
	}{
		{casework.CaseQuery{}, []string{c1.ID, c2.ID}},
		{casework.CaseQuery{PartyID: "P3"}, []string{c1.ID}},
		{casework.CaseQuery{Assignee: "bruno"}, []string{c2.ID}},
		{casework.CaseQuery{Status: casework.StatusInvestigating}, nil},
		{casework.CaseQuery{Priority: "critical"}, []string{c1.ID, c2.ID}},
		{casework.CaseQuery{Overdue: true, Now: c1.Due.Add(-time.Hour)}, nil},
		{casework.CaseQuery{Overdue: true, Now: c1.Due.Add(time.Hour)}, []string{c1.ID, c2.ID}},
		// Within the due second: text order must still be time order.
		{casework.CaseQuery{Overdue: true, Now: c1.Due.Add(500 * time.Millisecond)}, []string{c1.ID, c2.ID}},
		{casework.CaseQuery{Overdue: true, Now: c1.Due}, nil},
	} {
		page, err := cs.ListCases(ctx, tc.q)
		must(t, err)
		var ids []string
		for _, c := range page.Items {
			ids = append(ids, c.ID)
		}
		// Ids are time-ordered to the millisecond: two cases opened in
		// the same one list in id order, whatever their opening order.
		slices.Sort(tc.want)
		if !slices.Equal(ids, tc.want) {
			t.Errorf("ListCases(%+v) = %v, want %v", tc.q, ids, tc.want)
		}
	}
	page, err := cs.ListCases(ctx, casework.CaseQuery{Limit: 1})
	must(t, err)
	if len(page.Items) != 1 || page.Next == "" {
		t.Fatalf("first page = %+v", page)
	}
	first := page.Items[0].ID
	page, err = cs.ListCases(ctx, casework.CaseQuery{Limit: 1, After: page.Next})
	must(t, err)
	if len(page.Items) != 1 || page.Items[0].ID == first || page.Items[0].ID != max(c1.ID, c2.ID) || page.Next != "" {
		t.Fatalf("second page = %+v", page)
	}
	_, err = cs.ListCases(ctx, casework.CaseQuery{Status: "lost"})
	wantCode(t, err, vigil.EINVALID)
}

// Every pair of statuses: the allowed moves succeed with their entry and
// event, every other one is refused and changes nothing.
func testCaseTransitions(t *testing.T, s vigil.Store, cs casework.Store) {
	seed(t, s)
	for _, from := range casework.Statuses {
		for _, to := range casework.Statuses {
			c := forceStatus(t, cs, newCase(t, cs, fmt.Sprintf("%s to %s", from, to), false, "", "P1"), from)
			moved, err := moveTo(cs, c.ID, to, c.Version)
			if casework.CanMove(from, to) {
				if err != nil {
					t.Errorf("%s -> %s refused: %v", from, to, err)
					continue
				}
				if moved.Status != to || moved.Version != c.Version+1 {
					t.Errorf("%s -> %s: case = %+v", from, to, moved)
				}
				if to == casework.StatusClosed && (moved.ClosedAt == nil || moved.Outcome == "") {
					t.Errorf("%s -> closed: no closing time or outcome: %+v", from, moved)
				}
				if from == casework.StatusClosed && (moved.ClosedAt != nil || moved.Outcome != "") {
					t.Errorf("reopened case keeps its closing: %+v", moved)
				}
				entries, err := cs.CaseEntries(ctx, c.ID)
				must(t, err)
				last := entries[len(entries)-1]
				var d struct{ From, To casework.Status }
				must(t, json.Unmarshal(last.Detail, &d))
				if last.Type != casework.EntryStatusChanged || d.From != from || d.To != to || last.EventID == "" {
					t.Errorf("%s -> %s: last entry %+v %s", from, to, last, last.Detail)
				}
				continue
			}
			if err == nil {
				t.Errorf("%s -> %s allowed, want refused", from, to)
				continue
			}
			if from == to {
				// Not a move at all: refused as a change of nothing.
				wantCode(t, err, vigil.EINVALID)
			} else {
				wantCode(t, err, vigil.ECONFLICT)
			}
			after, err := cs.GetCase(ctx, c.ID)
			must(t, err)
			if after.Status != from || after.Version != c.Version {
				t.Errorf("refused %s -> %s changed the case: %+v", from, to, after)
			}
		}
	}
	// Closing needs an outcome; the close writes case.closed too.
	c := forceStatus(t, cs, newCase(t, cs, "outcome", false, "", "P1"), casework.StatusInvestigating)
	_, err := cs.UpdateCase(ctx, c.ID, c.Version, "amira", func(c *casework.Case) (*casework.Entry, error) {
		c.Status = casework.StatusClosed
		return &casework.Entry{Type: casework.EntryStatusChanged}, nil
	})
	wantCode(t, err, vigil.EINVALID)
	before := len(eventsOf(t, s, vigil.EventCaseClosed))
	_, err = moveTo(cs, c.ID, casework.StatusClosed, c.Version)
	must(t, err)
	if n := len(eventsOf(t, s, vigil.EventCaseClosed)); n != before+1 {
		t.Fatalf("%d case.closed events, want %d", n, before+1)
	}
	// The outcome of an open case cannot be set on the side.
	c = newCase(t, cs, "side outcome", false, "", "P1")
	_, err = cs.UpdateCase(ctx, c.ID, 0, "amira", func(c *casework.Case) (*casework.Entry, error) {
		c.Outcome = casework.OutcomeMitigated
		return &casework.Entry{Type: casework.EntryCommented}, nil
	})
	wantCode(t, err, vigil.EINVALID)
}

func testCaseStaleVersion(t *testing.T, s vigil.Store, cs casework.Store) {
	seed(t, s)
	c := newCase(t, cs, "two reviewers", false, "", "P1")
	assign := func(version int, who string) (*casework.Case, error) {
		return cs.UpdateCase(ctx, c.ID, version, who, func(c *casework.Case) (*casework.Entry, error) {
			c.Assignee = who
			return &casework.Entry{Type: casework.EntryAssigned}, nil
		})
	}
	first, err := assign(1, "amira")
	must(t, err)
	if first.Version != 2 {
		t.Fatalf("version after one change = %d", first.Version)
	}
	_, err = assign(1, "bruno") // read version 1, stale now
	wantCode(t, err, vigil.ECONFLICT)
	got, err := cs.GetCase(ctx, c.ID)
	must(t, err)
	if got.Assignee != "amira" || got.Version != 2 {
		t.Fatalf("a stale update changed the case: %+v", got)
	}
	entries, err := cs.CaseEntries(ctx, c.ID)
	must(t, err)
	if len(entries) != 2 {
		t.Fatalf("%d entries, want 2 (opened, assigned)", len(entries))
	}
	// An update without its entry is refused.
	_, err = cs.UpdateCase(ctx, c.ID, 0, "amira", func(c *casework.Case) (*casework.Entry, error) { return nil, nil })
	if err == nil {
		t.Fatal("an update without a history entry was stored")
	}
	_, err = cs.UpdateCase(ctx, "nope", 0, "amira", func(c *casework.Case) (*casework.Entry, error) { return &casework.Entry{}, nil })
	wantCode(t, err, vigil.ENOTFOUND)
}

func testCaseAutoOnce(t *testing.T, s vigil.Store, cs casework.Store) {
	seed(t, s)
	_, err := cs.OpenCaseFor(ctx, "A1~P2")
	wantCode(t, err, vigil.ENOTFOUND)
	c := newCase(t, cs, "auto", true, "A1~P2", "P2")
	got, err := cs.OpenCaseFor(ctx, "A1~P2")
	must(t, err)
	if got.ID != c.ID {
		t.Fatalf("OpenCaseFor = %s, want %s", got.ID, c.ID)
	}
	again := &casework.Case{Title: "auto again", Priority: "critical", Auto: true, AssessmentIDs: []string{"A1~P2"}}
	wantCode(t, cs.CreateCase(ctx, again, "system:casework"), vigil.ECONFLICT)
	if n := len(eventsOf(t, s, vigil.EventCaseOpened)); n != 1 {
		t.Fatalf("%d case.opened events, want 1", n)
	}
	// Once closed, a new automatic case may open; the old one cannot then
	// be reopened beside it.
	forceStatus(t, cs, c, casework.StatusClosed)
	_, err = cs.OpenCaseFor(ctx, "A1~P2")
	wantCode(t, err, vigil.ENOTFOUND)
	again.ID = ""
	must(t, cs.CreateCase(ctx, again, "system:casework"))
	closed, err := cs.GetCase(ctx, c.ID)
	must(t, err)
	_, err = moveTo(cs, c.ID, casework.StatusInvestigating, closed.Version)
	wantCode(t, err, vigil.ECONFLICT)
}

func testCaseAttachments(t *testing.T, s vigil.Store, cs casework.Store) {
	seed(t, s)
	c1 := newCase(t, cs, "one", false, "", "P1")
	c2 := newCase(t, cs, "two", false, "", "P2")
	content := []byte("%PDF-1.4 minutes of the meeting with the customer")
	sum := sha256.Sum256(content)
	digest := hex.EncodeToString(sum[:])
	a := &casework.Attachment{CaseID: c1.ID, Name: "minutes.pdf", MediaType: "application/pdf"}
	must(t, cs.PutAttachment(ctx, a, content, "amira"))
	if a.SHA256 != digest || a.Size != int64(len(content)) || a.AddedBy != "amira" {
		t.Fatalf("attachment = %+v", a)
	}
	got, body, err := cs.Attachment(ctx, c1.ID, digest)
	must(t, err)
	if string(body) != string(content) || got.Name != "minutes.pdf" || got.MediaType != "application/pdf" {
		t.Fatalf("stored attachment = %+v %q", got, body)
	}
	// The same bytes again: nothing changes, nothing is written.
	n := len(eventsOf(t, s, vigil.EventCaseAttached))
	must(t, cs.PutAttachment(ctx, &casework.Attachment{CaseID: c1.ID, Name: "copy.pdf", MediaType: "application/pdf"}, content, "bruno"))
	if m := len(eventsOf(t, s, vigil.EventCaseAttached)); m != n {
		t.Fatalf("attaching the same bytes again wrote %d events", m-n)
	}
	// The same bytes on another case: listed there, content shared.
	must(t, cs.PutAttachment(ctx, &casework.Attachment{CaseID: c2.ID, Name: "m.pdf", MediaType: "application/pdf", SHA256: digest}, content, "amira"))
	list, err := cs.Attachments(ctx, c1.ID)
	must(t, err)
	if len(list) != 1 || list[0].Name != "minutes.pdf" {
		t.Fatalf("attachments of case 1 = %+v", list)
	}
	// A wrong digest, an unknown case, an unknown file.
	wantCode(t, cs.PutAttachment(ctx, &casework.Attachment{CaseID: c1.ID, Name: "x", MediaType: "text/plain", SHA256: digest}, []byte("other"), "amira"), vigil.EINVALID)
	wantCode(t, cs.PutAttachment(ctx, &casework.Attachment{CaseID: "nope", Name: "x", MediaType: "text/plain"}, []byte("other"), "amira"), vigil.ENOTFOUND)
	_, _, err = cs.Attachment(ctx, c2.ID, hex.EncodeToString(make([]byte, 32)))
	wantCode(t, err, vigil.ENOTFOUND)
	evs := eventsOf(t, s, vigil.EventCaseAttached)
	var p struct {
		SHA256 string `json:"sha256"`
		Size   int64  `json:"size"`
	}
	must(t, json.Unmarshal(evs[0].Payload, &p))
	if p.SHA256 != digest || p.Size != int64(len(content)) {
		t.Fatalf("case.attached payload = %s", evs[0].Payload)
	}
}

func caseUsers(t *testing.T, s vigil.Store) {
	t.Helper()
	for id, role := range map[string]vigil.Role{"amira": vigil.RoleAnalyst, "bruno": vigil.RoleApprover, "carla": vigil.RoleApprover, "dora": vigil.RoleAuditor} {
		must(t, s.CreateUser(ctx, &vigil.User{ID: id, Name: id, Role: role}, "tester"))
	}
}

func suspension(caseID string) *casework.Decision {
	return &casework.Decision{CaseID: caseID, Type: casework.DecisionSuspend, Reasons: "use for surveillance of protesters",
		AssessmentID: "A1~P2", AssessmentVersion: 1, SubscriptionIDs: []string{"S1"}}
}

func testDecisionsFourEyes(t *testing.T, s vigil.Store, cs casework.Store) {
	seed(t, s)
	caseUsers(t, s)
	c := forceStatus(t, cs, newCase(t, cs, "suspend", false, "A1~P2", "P2"), casework.StatusInvestigating)

	// An auditor cannot propose.
	wantCode(t, cs.CreateDecision(ctx, suspension(c.ID), "dora"), vigil.EFORBIDDEN)
	// A suspension cannot be recorded as approved by its proposer.
	d := suspension(c.ID)
	d.Status = casework.DecisionApproved
	wantCode(t, cs.CreateDecision(ctx, d, "amira"), vigil.EFORBIDDEN)
	// No reasons, no decision; terminate without a plan is refused.
	wantCode(t, cs.CreateDecision(ctx, &casework.Decision{CaseID: c.ID, Type: casework.DecisionSuspend, SubscriptionIDs: []string{"S1"}}, "amira"), vigil.EINVALID)
	wantCode(t, cs.CreateDecision(ctx, &casework.Decision{CaseID: c.ID, Type: casework.DecisionTerminate, Reasons: "r", SubscriptionIDs: []string{"S1"}}, "amira"), vigil.EINVALID)

	d = suspension(c.ID)
	must(t, cs.CreateDecision(ctx, d, "amira"))
	got, err := cs.GetCase(ctx, c.ID)
	must(t, err)
	if got.Status != casework.StatusDecisionPending {
		t.Fatalf("case after a proposal is %s", got.Status)
	}
	// The proposer cannot approve; an analyst cannot approve; an auditor
	// cannot; an approver who proposed cannot approve their own.
	_, err = cs.DecideDecision(ctx, d.ID, casework.DecisionApproved, "amira", "", time.Time{})
	wantCode(t, err, vigil.EFORBIDDEN)
	_, err = cs.DecideDecision(ctx, d.ID, casework.DecisionApproved, "dora", "", time.Time{})
	wantCode(t, err, vigil.EFORBIDDEN)
	own := suspension(c.ID)
	must(t, cs.CreateDecision(ctx, own, "bruno"))
	_, err = cs.DecideDecision(ctx, own.ID, casework.DecisionApproved, "bruno", "", time.Time{})
	wantCode(t, err, vigil.EFORBIDDEN)
	_, err = cs.DecideDecision(ctx, own.ID, casework.DecisionWithdrawn, "bruno", "duplicate", time.Time{})
	must(t, err)

	unplanned, err := cs.ListDecisions(ctx, casework.DecisionQuery{Unplanned: true})
	must(t, err)
	if len(unplanned) != 0 {
		t.Fatalf("unplanned before approval = %d", len(unplanned))
	}
	approved, err := cs.DecideDecision(ctx, d.ID, casework.DecisionApproved, "bruno", "proportionate", time.Time{})
	must(t, err)
	if approved.Status != casework.DecisionApproved || approved.DecidedBy != "bruno" || approved.DecidedAt == nil || approved.ProposedBy != "amira" {
		t.Fatalf("approved decision = %+v", approved)
	}
	_, err = cs.DecideDecision(ctx, d.ID, casework.DecisionApproved, "carla", "", time.Time{})
	wantCode(t, err, vigil.ECONFLICT)
	got, err = cs.GetCase(ctx, c.ID)
	must(t, err)
	if got.Status != casework.StatusActionInForce {
		t.Fatalf("case after approval is %s", got.Status)
	}
	unplanned, err = cs.ListDecisions(ctx, casework.DecisionQuery{Unplanned: true})
	must(t, err)
	if len(unplanned) != 1 || unplanned[0].ID != d.ID || unplanned[0].EnforcementPlanned || !slices.Equal(unplanned[0].SubscriptionIDs, []string{"S1"}) {
		t.Fatalf("unplanned = %+v", unplanned)
	}
	stored, err := cs.GetDecision(ctx, d.ID)
	must(t, err)
	if stored.Reasons != d.Reasons || stored.AssessmentVersion != 1 || stored.DecisionNote != "proportionate" {
		t.Fatalf("stored decision = %+v", stored)
	}
	list, err := cs.ListDecisions(ctx, casework.DecisionQuery{CaseID: c.ID, Type: casework.DecisionSuspend, Status: casework.DecisionWithdrawn})
	must(t, err)
	if len(list) != 1 || list[0].ID != own.ID {
		t.Fatalf("withdrawn = %+v", list)
	}

	evs := eventsOf(t, s, vigil.DecisionEventType("suspend", "proposed"), vigil.DecisionEventType("suspend", "approved"), vigil.DecisionEventType("suspend", "withdrawn"))
	if len(evs) != 4 {
		t.Fatalf("%d suspend events, want 4 (2 proposed, withdrawn, approved)", len(evs))
	}
	var p struct {
		DecisionID string   `json:"decision_id"`
		CaseID     string   `json:"case_id"`
		Countries  []string `json:"countries"`
		Sectors    []string `json:"sectors"`
	}
	must(t, json.Unmarshal(evs[len(evs)-1].Payload, &p))
	if p.DecisionID != d.ID || p.CaseID != c.ID || !slices.Equal(p.Countries, []string{"NO-03"}) || !slices.Equal(p.Sectors, []string{"border", "police"}) {
		t.Fatalf("decision.suspend.approved payload = %s", evs[len(evs)-1].Payload)
	}
	entries, err := cs.CaseEntries(ctx, c.ID)
	must(t, err)
	var steps []string
	for _, e := range entries {
		if e.Type == casework.EntryDecision {
			var d struct{ Step string }
			must(t, json.Unmarshal(e.Detail, &d))
			steps = append(steps, d.Step)
		}
	}
	if !slices.Equal(steps, []string{"proposed", "proposed", "withdrawn", "approved"}) {
		t.Fatalf("decision entries = %v", steps)
	}
	// A closed case takes no decision.
	forceStatus(t, cs, got, casework.StatusClosed)
	wantCode(t, cs.CreateDecision(ctx, suspension(c.ID), "amira"), vigil.ECONFLICT)
}

func testDecisionsRecorded(t *testing.T, s vigil.Store, cs casework.Store) {
	seed(t, s)
	caseUsers(t, s)
	c := newCase(t, cs, "engage", false, "", "P1")
	d := &casework.Decision{CaseID: c.ID, Type: casework.DecisionEngage, Status: casework.DecisionApproved, Reasons: "ask about end use", Conditions: "end-use assurance"}
	must(t, cs.CreateDecision(ctx, d, "amira"))
	got, err := cs.GetDecision(ctx, d.ID)
	must(t, err)
	if got.Status != casework.DecisionApproved || got.DecidedBy != "amira" {
		t.Fatalf("recorded engage = %+v", got)
	}
	proposed := eventsOf(t, s, "decision.engage.proposed")
	approved := eventsOf(t, s, "decision.engage.approved")
	if len(proposed) != 1 || len(approved) != 1 {
		t.Fatalf("engage events: %d proposed, %d approved", len(proposed), len(approved))
	}
	cc, err := cs.GetCase(ctx, c.ID)
	must(t, err)
	if cc.Status != casework.StatusMonitoring {
		t.Fatalf("case after a recorded engagement is %s, want monitoring", cc.Status)
	}
	// Engage and condition are not for the approval queue.
	unplanned, err := cs.ListDecisions(ctx, casework.DecisionQuery{Unplanned: true})
	must(t, err)
	if len(unplanned) != 0 {
		t.Fatalf("unplanned = %d: an engagement has nothing to enforce", len(unplanned))
	}
}

func testDecisionsRejectWithdraw(t *testing.T, s vigil.Store, cs casework.Store) {
	seed(t, s)
	caseUsers(t, s)
	c := forceStatus(t, cs, newCase(t, cs, "reject", false, "", "P1"), casework.StatusInvestigating)
	d := suspension(c.ID)
	must(t, cs.CreateDecision(ctx, d, "amira"))
	_, err := cs.DecideDecision(ctx, d.ID, casework.DecisionRejected, "bruno", "", time.Time{})
	wantCode(t, err, vigil.EINVALID)
	_, err = cs.DecideDecision(ctx, d.ID, casework.DecisionWithdrawn, "bruno", "not mine", time.Time{})
	wantCode(t, err, vigil.EFORBIDDEN)
	_, err = cs.DecideDecision(ctx, d.ID, "maybe", "bruno", "", time.Time{})
	wantCode(t, err, vigil.EINVALID)
	r, err := cs.DecideDecision(ctx, d.ID, casework.DecisionRejected, "bruno", "not proportionate yet: engage first", time.Time{})
	must(t, err)
	if r.Status != casework.DecisionRejected {
		t.Fatalf("rejected = %+v", r)
	}
	got, err := cs.GetCase(ctx, c.ID)
	must(t, err)
	if got.Status != casework.StatusInvestigating {
		t.Fatalf("case after the only proposal was rejected is %s, want investigating", got.Status)
	}
	if n := len(eventsOf(t, s, "decision.suspend.rejected")); n != 1 {
		t.Fatalf("%d rejected events", n)
	}
	_, err = cs.DecideDecision(ctx, "nope", casework.DecisionApproved, "bruno", "", time.Time{})
	wantCode(t, err, vigil.ENOTFOUND)
}

// Concurrent writers: automatic runs racing on one relationship open one
// case; approvers racing on one decision approve it once; reviewers racing
// on one version change the case once.
func testCaseRaces(t *testing.T, s vigil.Store, cs casework.Store) {
	seed(t, s)
	caseUsers(t, s)
	must(t, s.CreateUser(ctx, &vigil.User{ID: "erik", Name: "erik", Role: vigil.RoleApprover}, "tester"))
	const n = 4
	race := func(fn func(i int) error) (ok, conflicts int) {
		t.Helper()
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = fn(i)
			}()
		}
		wg.Wait()
		for _, err := range errs {
			switch vigil.ErrorCode(err) {
			case "":
				ok++
			case vigil.ECONFLICT:
				conflicts++
			default:
				t.Fatalf("racing writer: %v", err)
			}
		}
		return ok, conflicts
	}
	ok, conflicts := race(func(i int) error {
		return cs.CreateCase(ctx, &casework.Case{Title: fmt.Sprintf("run %d", i), Priority: "critical", Auto: true, AssessmentIDs: []string{"A1~P2"}, PartyIDs: []string{"P2"}}, "system:casework")
	})
	if ok != 1 || conflicts != n-1 {
		t.Fatalf("racing automatic runs: %d opened, %d conflicts", ok, conflicts)
	}
	c, err := cs.OpenCaseFor(ctx, "A1~P2")
	must(t, err)
	ok, conflicts = race(func(i int) error {
		_, err := cs.UpdateCase(ctx, c.ID, c.Version, "amira", func(c *casework.Case) (*casework.Entry, error) {
			c.Assignee = fmt.Sprintf("reviewer-%d", i)
			return &casework.Entry{Type: casework.EntryAssigned}, nil
		})
		return err
	})
	if ok != 1 || conflicts != n-1 {
		t.Fatalf("racing updates of one version: %d applied, %d conflicts", ok, conflicts)
	}
	d := suspension(c.ID)
	must(t, cs.CreateDecision(ctx, d, "amira"))
	approvers := []string{"bruno", "carla", "erik", "bruno"}
	ok, conflicts = race(func(i int) error {
		_, err := cs.DecideDecision(ctx, d.ID, casework.DecisionApproved, approvers[i], "", time.Time{})
		return err
	})
	if ok != 1 || conflicts != n-1 {
		t.Fatalf("racing approvals: %d approved, %d conflicts", ok, conflicts)
	}
	if got := len(eventsOf(t, s, "decision.suspend.approved")); got != 1 {
		t.Fatalf("%d approval events, want 1", got)
	}
}

func testDecisionResponses(t *testing.T, s vigil.Store, cs casework.Store) {
	seed(t, s)
	caseUsers(t, s)
	c := newCase(t, cs, "condition", false, "A1~P2", "P1")
	d := &casework.Decision{CaseID: c.ID, Type: casework.DecisionCondition, Status: casework.DecisionApproved, Reasons: "ask for assurances",
		Conditions: "end-use assurance and audit clause", AssessmentID: "A1~P2", AssessmentVersion: 1}
	must(t, cs.CreateDecision(ctx, d, "amira"))
	at := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	got, err := cs.RecordResponse(ctx, d.ID, &casework.Response{Kind: casework.AssuranceEndUse, Answer: casework.AnswerRefused, Note: "legal said no"}, "amira", at)
	must(t, err)
	if len(got.Responses) != 1 || got.Responses[0].ID == "" || got.Responses[0].RecordedBy != "amira" || !got.Responses[0].RecordedAt.Equal(at) {
		t.Fatalf("recorded response = %+v", got.Responses)
	}
	_, err = cs.RecordResponse(ctx, d.ID, &casework.Response{Kind: casework.AssuranceAuditClause, Answer: casework.AnswerVague}, "amira", at.Add(time.Minute))
	must(t, err)
	stored, err := cs.GetDecision(ctx, d.ID)
	must(t, err)
	if len(stored.Responses) != 2 || stored.Responses[0].Answer != casework.AnswerRefused || stored.Responses[1].Kind != casework.AssuranceAuditClause ||
		stored.Status != casework.DecisionApproved {
		t.Fatalf("stored decision = %+v", stored)
	}
	evs := eventsOf(t, s, vigil.EventDecisionResponseRecorded)
	if len(evs) != 2 {
		t.Fatalf("%d response events, want 2", len(evs))
	}
	var p struct {
		DecisionID   string `json:"decision_id"`
		AssessmentID string `json:"assessment_id"`
		Kind         string `json:"kind"`
		Response     string `json:"response"`
		CaseID       string `json:"case_id"`
	}
	must(t, json.Unmarshal(evs[0].Payload, &p))
	if p.DecisionID != d.ID || p.AssessmentID != "A1~P2" || p.Kind != "end_use_assurance" || p.Response != "refused" || p.CaseID != c.ID {
		t.Fatalf("response payload = %s", evs[0].Payload)
	}
	entries, err := cs.CaseEntries(ctx, c.ID)
	must(t, err)
	n := 0
	for _, e := range entries {
		if e.Type == casework.EntryResponse {
			n++
			if e.EventID == "" {
				t.Fatalf("response entry without its event: %+v", e)
			}
		}
	}
	if n != 2 {
		t.Fatalf("%d response entries, want 2", n)
	}

	// The risk engine reads them by relationship.
	rs, ok := s.(risk.ResponseSource)
	if !ok {
		t.Fatalf("%T reads no decision responses", s)
	}
	for _, ids := range [][]string{nil, {"A1~P2", "A9~P9"}} {
		list, err := rs.DecisionResponses(ctx, ids)
		must(t, err)
		if len(list) != 2 || list[0].Relationship != "A1~P2" || list[0].DecisionID != d.ID || list[0].Answer != "refused" || list[1].Kind != "audit_clause" {
			t.Fatalf("responses of %v = %+v", ids, list)
		}
	}
	if list, err := rs.DecisionResponses(ctx, []string{"A9~P9"}); err != nil || len(list) != 0 {
		t.Fatalf("responses of another relationship = %+v, %v", list, err)
	}

	// Refused: a response to a decision that asks nothing, to one not in
	// force, by someone who does not work cases, or that says nothing.
	sus := suspension(c.ID)
	must(t, cs.CreateDecision(ctx, sus, "amira"))
	_, err = cs.RecordResponse(ctx, sus.ID, &casework.Response{Kind: casework.AssuranceEndUse, Answer: casework.AnswerRefused}, "amira", at)
	wantCode(t, err, vigil.ECONFLICT)
	eng := &casework.Decision{CaseID: c.ID, Type: casework.DecisionEngage, Reasons: "talk", AssessmentID: "A1~P2"}
	must(t, cs.CreateDecision(ctx, eng, "amira"))
	must(t, func() error {
		_, err := cs.DecideDecision(ctx, eng.ID, casework.DecisionWithdrawn, "amira", "", at)
		return err
	}())
	_, err = cs.RecordResponse(ctx, eng.ID, &casework.Response{Kind: casework.AssuranceEndUse, Answer: casework.AnswerRefused}, "amira", at)
	wantCode(t, err, vigil.ECONFLICT)
	_, err = cs.RecordResponse(ctx, d.ID, &casework.Response{Kind: casework.AssuranceEndUse, Answer: casework.AnswerRefused}, "dora", at)
	wantCode(t, err, vigil.EFORBIDDEN)
	_, err = cs.RecordResponse(ctx, d.ID, &casework.Response{Kind: "promise", Answer: casework.AnswerRefused}, "amira", at)
	wantCode(t, err, vigil.EINVALID)
	_, err = cs.RecordResponse(ctx, "nope", &casework.Response{Kind: casework.AssuranceEndUse, Answer: casework.AnswerRefused}, "amira", at)
	wantCode(t, err, vigil.ENOTFOUND)
	if evs := eventsOf(t, s, vigil.EventDecisionResponseRecorded); len(evs) != 2 {
		t.Fatalf("refused responses wrote events: %d, want 2", len(evs))
	}
}
