package casework_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/casework"
	"github.com/vigil-hrdd/vigil/risk"
	"github.com/vigil-hrdd/vigil/storetest"
)

var ctx = context.Background()

var now = time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := vigil.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

type fixture struct {
	store                           vigil.Store
	svc                             *casework.Service
	analyst, approver, auditor, adm *vigil.User
}

// setup opens a real SQLite store with a small portfolio, users of every
// casework role and two assessments: a critical and a medium one.
func setup(t *testing.T) *fixture {
	t.Helper()
	s := storetest.OpenSQLite(t)
	t.Cleanup(func() { s.Close() })
	f := &fixture{store: s}
	users := map[string]vigil.Role{"amira": vigil.RoleAnalyst, "bruno": vigil.RoleApprover, "dora": vigil.RoleAuditor, "root": vigil.RoleAdmin, "carla": vigil.RoleApprover}
	for id, role := range users {
		must(t, s.CreateUser(ctx, &vigil.User{ID: id, Name: id, Role: role}, "tester"))
	}
	f.analyst = &vigil.User{ID: "amira", Role: vigil.RoleAnalyst}
	f.approver = &vigil.User{ID: "bruno", Role: vigil.RoleApprover}
	f.auditor = &vigil.User{ID: "dora", Role: vigil.RoleAuditor}
	f.adm = &vigil.User{ID: "root", Role: vigil.RoleAdmin}
	recs := []vigil.Record{
		&vigil.Service{ID: "svc-stt", Name: "Speech to text", Capabilities: []string{"ai.speech_to_text"}},
		&vigil.Party{ID: "P1", Type: vigil.PartyGovernment, Name: "Interior Ministry", Country: "NO", Sectors: []string{"government"}},
		&vigil.Party{ID: "P2", Type: vigil.PartyGovernment, Name: "Border Police", Country: "NO-03", Sectors: []string{"police"}},
		&vigil.Party{ID: "P3", Type: vigil.PartyCompany, Name: "Integrator Ltd", Country: "BB"},
		&vigil.Account{ID: "A1", PartyID: "P3", Name: "Integrator main"},
		&vigil.Subscription{ID: "S1", AccountID: "A1", ServiceID: "svc-stt", Region: "eu-west-1", StartedOn: vigil.MustDate("2025-01-02"), Status: vigil.SubscriptionActive},
		&vigil.Subscription{ID: "S2", AccountID: "A1", ServiceID: "svc-stt", Region: "eu-west-1", StartedOn: vigil.MustDate("2025-01-02"), Status: vigil.SubscriptionActive},
		&vigil.Account{ID: "A2", PartyID: "P1", Name: "Ministry direct"},
		&vigil.Subscription{ID: "S3", AccountID: "A2", ServiceID: "svc-stt", Region: "eu-west-1", StartedOn: vigil.MustDate("2025-01-02"), Status: vigil.SubscriptionActive},
	}
	for _, r := range recs {
		must(t, s.Create(ctx, r, "tester"))
	}
	row := func(id, account, customer, endUser, tier string, rank, priority int, path ...string) risk.Row {
		doc, err := json.Marshal(risk.Assessment{ID: id, Version: 1, AccountID: account, CustomerID: customer, EndUserID: endUser, Path: path, Tier: tier, TierRank: rank})
		must(t, err)
		return risk.Row{ID: id, Version: 1, AccountID: account, CustomerID: customer, EndUserID: endUser, Tier: tier, TierRank: rank, Priority: priority,
			Action: "suspend", PolicyVersion: "p1", Digest: "d-" + id, AssessedAt: now, AssessedBy: "tester", Current: true, Doc: doc}
	}
	rs := s.(risk.AssessmentStore)
	must(t, rs.SaveAssessments(ctx, risk.SaveBatch{Rows: []risk.Row{
		row("A1~P2", "A1", "P3", "P2", "critical", 3, 120, "P3", "P1", "P2"),
		row("A2~P1", "A2", "P1", "P1", "medium", 1, 20, "P1"),
	}}))
	svc, err := casework.NewService(s, casework.Config{Now: func() time.Time { return now }, MaxAttachment: 1024, Logger: slog.New(slog.DiscardHandler)})
	must(t, err)
	f.svc = svc
	return f
}

func countEvents(t *testing.T, s vigil.Store, typ string) int {
	t.Helper()
	evs, err := s.ListEvents(ctx, 0, 10000)
	must(t, err)
	n := 0
	for _, e := range evs {
		if e.Type == typ {
			n++
		}
	}
	return n
}

func TestOpenByHand(t *testing.T) {
	f := setup(t)
	req := casework.OpenRequest{Title: "Grievance about border checks", Priority: "high", Links: casework.Links{PartyIDs: []string{"P2"}, SubscriptionIDs: []string{"S1"}}}
	_, err := f.svc.Open(ctx, f.auditor, req)
	wantCode(t, err, vigil.EFORBIDDEN)
	_, err = f.svc.Open(ctx, nil, req)
	wantCode(t, err, vigil.EUNAUTHORIZED)
	bad := req
	bad.Priority = "urgent"
	_, err = f.svc.Open(ctx, f.analyst, bad)
	wantCode(t, err, vigil.EINVALID)
	bad = req
	bad.Links = casework.Links{PartyIDs: []string{"P404"}}
	_, err = f.svc.Open(ctx, f.analyst, bad)
	wantCode(t, err, vigil.EINVALID)
	bad = req
	bad.Assignee = "dora" // an auditor works no cases
	_, err = f.svc.Open(ctx, f.analyst, bad)
	wantCode(t, err, vigil.EINVALID)
	c, err := f.svc.Open(ctx, f.analyst, req)
	must(t, err)
	if c.Status != casework.StatusOpen || c.Auto || c.OpenedBy != "amira" || !c.Due.Equal(now.AddDate(0, 0, 30)) {
		t.Fatalf("opened case = %+v", c)
	}
	if c.Overdue(now.AddDate(0, 0, 29)) || !c.Overdue(now.AddDate(0, 0, 31)) {
		t.Fatal("overdue flag wrong")
	}
}

func TestDueDatesFromTier(t *testing.T) {
	s := storetest.OpenSQLite(t)
	defer s.Close()
	_, err := casework.NewService(s, casework.Config{DueDays: map[string]int{"critical": 0}})
	wantCode(t, err, vigil.EINVALID)
	svc, err := casework.NewService(s, casework.Config{DueDays: map[string]int{"critical": 3, "high": 14}})
	must(t, err)
	due, err := svc.DueFor("critical", now)
	must(t, err)
	if !due.Equal(now.AddDate(0, 0, 3)) {
		t.Fatalf("due = %v", due)
	}
	_, err = svc.DueFor("medium", now)
	wantCode(t, err, vigil.EINVALID)
	if got := svc.Priorities(); !slices.Equal(got, []string{"critical", "high"}) {
		t.Fatalf("priorities = %v", got)
	}
	def, err := casework.NewService(s, casework.Config{})
	must(t, err)
	for tier, days := range map[string]int{"critical": 7, "high": 30, "medium": 90} {
		due, err := def.DueFor(tier, now)
		must(t, err)
		if !due.Equal(now.AddDate(0, 0, days)) {
			t.Errorf("default due of %s = %v", tier, due)
		}
	}
}

func TestAutoOpenIsIdempotent(t *testing.T) {
	f := setup(t)
	_, err := f.svc.OpenFromAssessments(ctx, 0, "")
	wantCode(t, err, vigil.EINVALID)
	sum, err := f.svc.OpenFromAssessments(ctx, 2, "")
	must(t, err)
	if sum.Considered != 1 || len(sum.Opened) != 1 || sum.AlreadyOpen != 0 {
		t.Fatalf("first run = %+v", sum)
	}
	c, err := f.svc.Store().GetCase(ctx, sum.Opened[0])
	must(t, err)
	if !c.Auto || c.Priority != "critical" || c.OpenedBy != casework.SystemActor || !c.Due.Equal(now.AddDate(0, 0, 7)) ||
		!slices.Equal(c.AssessmentIDs, []string{"A1~P2"}) || !slices.Equal(c.AccountIDs, []string{"A1"}) ||
		!slices.Equal(c.SubscriptionIDs, []string{"S1", "S2"}) || !slices.Equal(c.PartyIDs, []string{"P2", "P3", "P1"}) {
		t.Fatalf("automatic case = %+v", c)
	}
	if c.Title != "critical risk: Border Police through account A1" {
		t.Fatalf("title = %q", c.Title)
	}
	again, err := f.svc.OpenFromAssessments(ctx, 2, "")
	must(t, err)
	if len(again.Opened) != 0 || again.AlreadyOpen != 1 {
		t.Fatalf("second run = %+v", again)
	}
	if n := countEvents(t, f.store, vigil.EventCaseOpened); n != 1 {
		t.Fatalf("%d case.opened events after two runs, want 1", n)
	}
	// A lower tier brings in the medium relationship only.
	low, err := f.svc.OpenFromAssessments(ctx, 1, "amira")
	must(t, err)
	if low.Considered != 2 || len(low.Opened) != 1 || low.AlreadyOpen != 1 {
		t.Fatalf("run at medium = %+v", low)
	}
	// A case opened by hand about a relationship counts as its open case.
	f2 := setup(t)
	_, err = f2.svc.Open(ctx, f2.analyst, casework.OpenRequest{Title: "by hand", Priority: "critical", Links: casework.Links{AssessmentIDs: []string{"A1~P2"}}})
	must(t, err)
	sum, err = f2.svc.OpenFromAssessments(ctx, 2, "")
	must(t, err)
	if len(sum.Opened) != 0 || sum.AlreadyOpen != 1 {
		t.Fatalf("run beside a case opened by hand = %+v", sum)
	}
}

func openCase(t *testing.T, f *fixture) *casework.Case {
	t.Helper()
	sum, err := f.svc.OpenFromAssessments(ctx, 3, "")
	must(t, err)
	if len(sum.Opened) == 1 {
		c, err := f.svc.Store().GetCase(ctx, sum.Opened[0])
		must(t, err)
		return c
	}
	c, err := f.svc.Open(ctx, f.analyst, casework.OpenRequest{Title: "another", Priority: "critical",
		Links: casework.Links{PartyIDs: []string{"P2"}, SubscriptionIDs: []string{"S1"}, AssessmentIDs: []string{"A1~P2"}}})
	must(t, err)
	return c
}

// bringTo moves a case to a status by hand; action_in_force (and what lies
// past it) is reached the way it must be: by an approved suspension.
func bringTo(t *testing.T, f *fixture, c *casework.Case, to casework.Status) *casework.Case {
	t.Helper()
	if to == casework.StatusActionInForce && c.Status != to {
		c = bringTo(t, f, c, casework.StatusInvestigating)
		d, err := f.svc.Propose(ctx, f.analyst, casework.Proposal{CaseID: c.ID, Type: casework.DecisionSuspend, Reasons: "r", SubscriptionIDs: c.SubscriptionIDs[:1]})
		must(t, err)
		_, err = f.svc.Approve(ctx, f.approver, d.ID, "")
		must(t, err)
		c, err = f.svc.Store().GetCase(ctx, c.ID)
		must(t, err)
		return c
	}
	for _, next := range casework.PathTo(c.Status, to) {
		var outcome casework.Outcome
		if next == casework.StatusClosed {
			outcome = casework.OutcomeNoIssue
		}
		var err error
		c, err = f.svc.Move(ctx, f.analyst, c.ID, c.Version, next, outcome, "")
		must(t, err)
	}
	return c
}

// Every pair of statuses through the service: allowed moves succeed,
// forbidden ones are refused and leave the case as it was.
func TestEveryTransition(t *testing.T) {
	f := setup(t)
	allowed, refused := 0, 0
	for _, from := range casework.Statuses {
		for _, to := range casework.Statuses {
			c := openCase(t, f)
			if to == casework.StatusActionInForce && casework.CanMove(from, to) {
				// A hand move into action_in_force rests on an
				// approved suspension, here one whose case was then
				// taken back to a decision.
				c = bringTo(t, f, c, casework.StatusActionInForce)
			}
			c = bringTo(t, f, c, from)
			var outcome casework.Outcome
			if to == casework.StatusClosed {
				outcome = casework.OutcomeMitigated
			}
			moved, err := f.svc.Move(ctx, f.analyst, c.ID, c.Version, to, outcome, "new facts")
			if casework.CanMove(from, to) {
				allowed++
				if err != nil {
					t.Errorf("%s -> %s refused: %v", from, to, err)
				} else if moved.Status != to {
					t.Errorf("%s -> %s: status %s", from, to, moved.Status)
				}
				continue
			}
			refused++
			if err == nil {
				t.Errorf("%s -> %s allowed, want refused", from, to)
				continue
			}
			if code := vigil.ErrorCode(err); code != vigil.ECONFLICT && code != vigil.EINVALID {
				t.Errorf("%s -> %s: error %v", from, to, err)
			}
			got, err := f.svc.Store().GetCase(ctx, c.ID)
			must(t, err)
			if got.Status != from || got.Version != c.Version {
				t.Errorf("refused %s -> %s changed the case", from, to)
			}
			// Close the case so the next automatic run opens a fresh one.
			if from != casework.StatusClosed {
				bringTo(t, f, got, casework.StatusClosed)
			}
		}
	}
	if allowed != 14 || refused != 22 {
		t.Fatalf("%d allowed and %d refused moves, want 14 and 22", allowed, refused)
	}
}

func TestCloseAndReopen(t *testing.T) {
	f := setup(t)
	c := bringTo(t, f, openCase(t, f), casework.StatusInvestigating)
	_, err := f.svc.Move(ctx, f.analyst, c.ID, c.Version, casework.StatusClosed, "", "")
	wantCode(t, err, vigil.EINVALID)
	_, err = f.svc.Move(ctx, f.analyst, c.ID, c.Version, casework.StatusMonitoring, casework.OutcomeMitigated, "")
	wantCode(t, err, vigil.EINVALID)
	_, err = f.svc.Move(ctx, f.auditor, c.ID, c.Version, casework.StatusClosed, casework.OutcomeNoIssue, "")
	wantCode(t, err, vigil.EFORBIDDEN)
	closed, err := f.svc.Move(ctx, f.analyst, c.ID, c.Version, casework.StatusClosed, casework.OutcomeNotActionable, "no leverage")
	must(t, err)
	if closed.Outcome != casework.OutcomeNotActionable || closed.ClosedAt == nil {
		t.Fatalf("closed case = %+v", closed)
	}
	_, err = f.svc.Move(ctx, f.analyst, c.ID, closed.Version, casework.StatusInvestigating, "", " ")
	wantCode(t, err, vigil.EINVALID)
	reopened, err := f.svc.Move(ctx, f.analyst, c.ID, closed.Version, casework.StatusInvestigating, "", "a grievance names the same unit")
	must(t, err)
	if reopened.Outcome != "" || reopened.ClosedAt != nil {
		t.Fatalf("reopened case = %+v", reopened)
	}
	if countEvents(t, f.store, vigil.EventCaseReopened) != 1 || countEvents(t, f.store, vigil.EventCaseClosed) != 1 {
		t.Fatal("want one case.reopened and one case.closed event")
	}
	v, err := f.svc.Get(ctx, c.ID)
	must(t, err)
	last := v.Entries[len(v.Entries)-1]
	var d struct{ Reason string }
	must(t, json.Unmarshal(last.Detail, &d))
	if last.Type != casework.EntryReopened || d.Reason != "a grievance names the same unit" {
		t.Fatalf("last entry = %+v %s", last, last.Detail)
	}
}

func TestStaleVersionConflicts(t *testing.T) {
	f := setup(t)
	c := openCase(t, f)
	_, err := f.svc.Assign(ctx, f.analyst, c.ID, c.Version, "amira")
	must(t, err)
	_, err = f.svc.Move(ctx, f.adm, c.ID, c.Version, casework.StatusInvestigating, "", "")
	wantCode(t, err, vigil.ECONFLICT)
	_, err = f.svc.Assign(ctx, f.analyst, c.ID, c.Version+1, "dora")
	wantCode(t, err, vigil.EINVALID)
	_, err = f.svc.Assign(ctx, f.analyst, c.ID, c.Version+1, "amira")
	wantCode(t, err, vigil.ECONFLICT) // assigned already: nothing to record
	a, err := f.svc.Assign(ctx, f.analyst, c.ID, c.Version+1, "bruno")
	must(t, err)
	if a.Assignee != "bruno" || a.Version != c.Version+2 {
		t.Fatalf("assigned case = %+v", a)
	}
}

func TestCommentLinkAttach(t *testing.T) {
	f := setup(t)
	c := openCase(t, f)
	_, err := f.svc.Comment(ctx, f.analyst, c.ID, "  ")
	wantCode(t, err, vigil.EINVALID)
	_, err = f.svc.Comment(ctx, f.auditor, c.ID, "I only read")
	wantCode(t, err, vigil.EFORBIDDEN)
	_, err = f.svc.Comment(ctx, f.analyst, c.ID, "Called the account manager.")
	must(t, err)

	_, err = f.svc.Link(ctx, f.analyst, c.ID, 0, casework.Links{SubscriptionIDs: []string{"S404"}})
	wantCode(t, err, vigil.EINVALID)
	_, err = f.svc.Link(ctx, f.analyst, c.ID, 0, casework.Links{SubscriptionIDs: []string{"S1"}})
	wantCode(t, err, vigil.ECONFLICT) // linked already
	linked, err := f.svc.Link(ctx, f.analyst, c.ID, 0, casework.Links{SubscriptionIDs: []string{"S3"}, GrievanceIDs: []string{"G1"}, AssessmentIDs: []string{"A2~P1"}})
	must(t, err)
	if !slices.Contains(linked.SubscriptionIDs, "S3") || !slices.Equal(linked.GrievanceIDs, []string{"G1"}) || len(linked.AssessmentIDs) != 2 {
		t.Fatalf("linked case = %+v", linked)
	}

	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 40)...)
	a, err := f.svc.Attach(ctx, f.analyst, c.ID, "screenshot.png", png)
	must(t, err)
	sum := sha256.Sum256(png)
	if a.SHA256 != hex.EncodeToString(sum[:]) || a.MediaType != "image/png" || a.Size != int64(len(png)) {
		t.Fatalf("attachment = %+v", a)
	}
	_, body, err := f.svc.Store().Attachment(ctx, c.ID, a.SHA256)
	must(t, err)
	if string(body) != string(png) {
		t.Fatal("stored content differs")
	}
	_, err = f.svc.Attach(ctx, f.analyst, c.ID, "big.bin", make([]byte, 1025))
	wantCode(t, err, vigil.EINVALID)
	_, err = f.svc.Attach(ctx, f.analyst, c.ID, "../etc/passwd", []byte("x"))
	wantCode(t, err, vigil.EINVALID)
	_, err = f.svc.Attach(ctx, f.auditor, c.ID, "x.txt", []byte("x"))
	wantCode(t, err, vigil.EFORBIDDEN)

	v, err := f.svc.Get(ctx, c.ID)
	must(t, err)
	var types []casework.EntryType
	for _, e := range v.Entries {
		types = append(types, e.Type)
	}
	want := []casework.EntryType{casework.EntryOpened, casework.EntryCommented, casework.EntryLinked, casework.EntryAttached}
	if !slices.Equal(types, want) || len(v.Attachments) != 1 {
		t.Fatalf("history = %v, %d attachments", types, len(v.Attachments))
	}
}

func suspend(caseID string) casework.Proposal {
	return casework.Proposal{CaseID: caseID, Type: casework.DecisionSuspend, Reasons: "the unit uses speech to text on intercepted calls", SubscriptionIDs: []string{"S1"}}
}

func TestProposalsNeedWhatTheyRestOn(t *testing.T) {
	f := setup(t)
	c := bringTo(t, f, openCase(t, f), casework.StatusInvestigating)
	for name, tc := range map[string]struct {
		p    func(p *casework.Proposal)
		code string
	}{
		"no reasons":                  {func(p *casework.Proposal) { p.Reasons = " " }, vigil.EINVALID},
		"unknown type":                {func(p *casework.Proposal) { p.Type = "ban" }, vigil.EINVALID},
		"no such assessment version":  {func(p *casework.Proposal) { p.AssessmentVersion = 9 }, vigil.EINVALID},
		"assessment not of the case":  {func(p *casework.Proposal) { p.AssessmentID = "A2~P1" }, vigil.EINVALID},
		"no subscriptions":            {func(p *casework.Proposal) { p.SubscriptionIDs = nil }, vigil.EINVALID},
		"subscription not of case":    {func(p *casework.Proposal) { p.SubscriptionIDs = []string{"S3"} }, vigil.EINVALID},
		"restrict without capability": {func(p *casework.Proposal) { p.Type = casework.DecisionRestrict }, vigil.EINVALID},
		"terminate without a plan":    {func(p *casework.Proposal) { p.Type = casework.DecisionTerminate }, vigil.EINVALID},
		"terminate, incomplete plan": {func(p *casework.Proposal) {
			p.Type, p.Disengagement = casework.DecisionTerminate, &casework.DisengagementPlan{NoticeDays: 30, RightsHolderEffects: "none"}
		}, vigil.EINVALID},
		"condition without conditions": {func(p *casework.Proposal) { p.Type, p.SubscriptionIDs = casework.DecisionCondition, nil }, vigil.EINVALID},
		"engage naming subscriptions":  {func(p *casework.Proposal) { p.Type = casework.DecisionEngage }, vigil.EINVALID},
		"unknown case":                 {func(p *casework.Proposal) { p.CaseID = "nope" }, vigil.ENOTFOUND},
	} {
		p := suspend(c.ID)
		tc.p(&p)
		_, err := f.svc.Propose(ctx, f.analyst, p)
		if vigil.ErrorCode(err) != tc.code {
			t.Errorf("%s: error %v, want %s", name, err, tc.code)
		}
	}
	_, err := f.svc.Propose(ctx, f.auditor, suspend(c.ID))
	wantCode(t, err, vigil.EFORBIDDEN)
	if n := countEvents(t, f.store, "decision.suspend.proposed") + countEvents(t, f.store, "decision.terminate.proposed"); n != 0 {
		t.Fatalf("refused proposals wrote %d events", n)
	}
	term := suspend(c.ID)
	term.Type = casework.DecisionTerminate
	term.Disengagement = &casework.DisengagementPlan{NoticeDays: 90, RightsHolderEffects: "Travellers' visa processing continues through a manual fallback the ministry runs.",
		DataHandling: "Returned to the customer, then deleted; logs kept under legal hold."}
	d, err := f.svc.Propose(ctx, f.analyst, term)
	must(t, err)
	if d.Status != casework.DecisionProposed || d.AssessmentID != "A1~P2" || d.AssessmentVersion != 1 || d.Disengagement == nil {
		t.Fatalf("termination = %+v", d)
	}
}

func TestFourEyes(t *testing.T) {
	f := setup(t)
	c := bringTo(t, f, openCase(t, f), casework.StatusInvestigating)
	d, err := f.svc.Propose(ctx, f.analyst, suspend(c.ID))
	must(t, err)
	if d.Status != casework.DecisionProposed {
		t.Fatalf("a suspension is %s at once", d.Status)
	}
	// The proposer has no approval right; an auditor neither; an approver
	// cannot approve what they proposed.
	_, err = f.svc.Approve(ctx, f.analyst, d.ID, "")
	wantCode(t, err, vigil.EFORBIDDEN)
	_, err = f.svc.Approve(ctx, f.auditor, d.ID, "")
	wantCode(t, err, vigil.EFORBIDDEN)
	own, err := f.svc.Propose(ctx, f.approver, suspend(c.ID))
	must(t, err)
	_, err = f.svc.Approve(ctx, f.approver, own.ID, "")
	wantCode(t, err, vigil.EFORBIDDEN)
	if casework.MayDecide(f.approver, own) || casework.MayDecide(f.analyst, d) || !casework.MayDecide(f.approver, d) {
		t.Fatal("MayDecide disagrees with the four-eyes rule")
	}
	_, err = f.svc.Withdraw(ctx, f.analyst, own.ID, "")
	wantCode(t, err, vigil.EFORBIDDEN)
	_, err = f.svc.Withdraw(ctx, f.approver, own.ID, "duplicate of the analyst's proposal")
	must(t, err)
	_, err = f.svc.Reject(ctx, f.approver, d.ID, "")
	wantCode(t, err, vigil.EINVALID)

	ok, err := f.svc.Approve(ctx, f.approver, d.ID, "proportionate and verified")
	must(t, err)
	if ok.Status != casework.DecisionApproved || ok.DecidedBy != "bruno" || ok.ProposedBy != "amira" {
		t.Fatalf("approved = %+v", ok)
	}
	got, err := f.svc.Store().GetCase(ctx, c.ID)
	must(t, err)
	if got.Status != casework.StatusActionInForce {
		t.Fatalf("case after approval is %s", got.Status)
	}
	_, err = f.svc.Approve(ctx, &vigil.User{ID: "carla", Role: vigil.RoleApprover}, d.ID, "")
	wantCode(t, err, vigil.ECONFLICT)
	planned, err := f.svc.Store().ListDecisions(ctx, casework.DecisionQuery{Unplanned: true})
	must(t, err)
	if len(planned) != 1 || planned[0].ID != d.ID {
		t.Fatalf("decisions waiting for enforcement = %+v", planned)
	}
	// The approval event names the countries and sectors of the case's
	// parties, for the report's breakdowns.
	evs, err := f.store.ListEvents(ctx, 0, 10000)
	must(t, err)
	var payload struct {
		Countries []string `json:"countries"`
		Sectors   []string `json:"sectors"`
	}
	found := false
	for _, e := range evs {
		if e.Type == "decision.suspend.approved" {
			found = true
			must(t, json.Unmarshal(e.Payload, &payload))
		}
	}
	if !found || !slices.Equal(payload.Countries, []string{"BB", "NO", "NO-03"}) || !slices.Equal(payload.Sectors, []string{"government", "police"}) {
		t.Fatalf("approval event found %v, payload %+v", found, payload)
	}
}

func TestEngageAndConditionAreRecordedAtOnce(t *testing.T) {
	f := setup(t)
	c := openCase(t, f)
	d, err := f.svc.Propose(ctx, f.analyst, casework.Proposal{CaseID: c.ID, Type: casework.DecisionEngage, Reasons: "ask the integrator who uses the service", Conditions: "a written answer within 14 days"})
	must(t, err)
	if d.Status != casework.DecisionApproved || d.DecidedBy != "amira" {
		t.Fatalf("engagement = %+v", d)
	}
	if countEvents(t, f.store, "decision.engage.proposed") != 1 || countEvents(t, f.store, "decision.engage.approved") != 1 {
		t.Fatal("an engagement writes its proposed and approved events together")
	}
	got, err := f.svc.Store().GetCase(ctx, c.ID)
	must(t, err)
	if got.Status != casework.StatusMonitoring {
		t.Fatalf("case after a recorded engagement is %s", got.Status)
	}
	_, err = f.svc.Propose(ctx, f.analyst, casework.Proposal{CaseID: c.ID, Type: casework.DecisionCondition, Reasons: "end-use assurance", Conditions: "no use on intercepted communications"})
	must(t, err)
	if n := countEvents(t, f.store, "decision.condition.approved"); n != 1 {
		t.Fatalf("%d condition approvals", n)
	}
	// A suspension proposed from monitoring takes the case back through
	// investigating to decision pending.
	_, err = f.svc.Propose(ctx, f.analyst, suspend(c.ID))
	must(t, err)
	got, err = f.svc.Store().GetCase(ctx, c.ID)
	must(t, err)
	if got.Status != casework.StatusDecisionPending {
		t.Fatalf("case is %s", got.Status)
	}
}

func TestActionInForceNeedsAnApprovedDecision(t *testing.T) {
	f := setup(t)
	c := bringTo(t, f, openCase(t, f), casework.StatusInvestigating)
	d, err := f.svc.Propose(ctx, f.analyst, suspend(c.ID))
	must(t, err)
	c, err = f.svc.Store().GetCase(ctx, c.ID)
	must(t, err)
	// Waiting for the approver: the analyst cannot declare it in force.
	_, err = f.svc.Move(ctx, f.analyst, c.ID, c.Version, casework.StatusActionInForce, "", "")
	wantCode(t, err, vigil.ECONFLICT)
	// An engagement recorded meanwhile does not count either.
	_, err = f.svc.Propose(ctx, f.analyst, casework.Proposal{CaseID: c.ID, Type: casework.DecisionEngage, Reasons: "ask first"})
	must(t, err)
	c, err = f.svc.Store().GetCase(ctx, c.ID)
	must(t, err)
	_, err = f.svc.Move(ctx, f.analyst, c.ID, c.Version, casework.StatusActionInForce, "", "")
	wantCode(t, err, vigil.ECONFLICT)
	_, err = f.svc.Approve(ctx, f.approver, d.ID, "")
	must(t, err)
	if ok, err := f.svc.HasActionInForce(ctx, c.ID); err != nil || !ok {
		t.Fatalf("HasActionInForce after approval = %v, %v", ok, err)
	}
}
