package http

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/casework"
	"github.com/vigil-hrdd/vigil/i18n"
)

// The case workspace: the list of cases with their tier, status, due date
// and overdue flag, and one case's page: its timeline, linked records,
// evidence, comment and attachment forms, the moves its status allows,
// decision proposals, and approval buttons shown only to an approver who
// did not propose. An auditor sees no forms; the routes refuse them anyway
// (uiGuard), and package casework refuses a proposer's approval whatever
// the page showed.

func (u *webUI) caseRoutes() []uiRoute {
	read := access{perm: vigil.PermRead}
	work := access{perm: vigil.PermWorkCases}
	approve := access{perm: vigil.PermApproveDecisions}
	return []uiRoute{
		{"GET", "/ui/cases", read, u.handleCases},
		{"POST", "/ui/cases/runs", work, u.handleCaseRun},
		{"GET", "/ui/cases/{id}", read, u.handleCase},
		{"POST", "/ui/cases/{id}/status", work, u.handleCaseMove},
		{"POST", "/ui/cases/{id}/assignee", work, u.handleCaseAssign},
		{"POST", "/ui/cases/{id}/comments", work, u.handleCaseComment},
		{"POST", "/ui/cases/{id}/attachments", work, u.handleCaseAttach},
		{"GET", "/ui/cases/{id}/attachments/{sha256}", read, u.handleCaseFile},
		{"POST", "/ui/cases/{id}/decisions", work, u.handleCasePropose},
		{"POST", "/ui/decisions/{id}/approve", approve, u.handleDecisionVerdict(casework.DecisionApproved)},
		{"POST", "/ui/decisions/{id}/reject", approve, u.handleDecisionVerdict(casework.DecisionRejected)},
		{"POST", "/ui/decisions/{id}/responses", work, u.handleDecisionResponse},
	}
}

// tierRanks ranks the default policy's tiers for the badges' colours.
var tierRanks = map[string]int{"critical": 3, "high": 2, "medium": 1, "low": 0}

type caseRow struct {
	*casework.Case
	Rank      int
	IsOverdue bool
}

// tierLoad is one row of the summary by tier and deadline: open cases of
// a priority, those overdue and those due within a week.
type tierLoad struct {
	Priority               string
	Rank                   int
	Open, Overdue, DueWeek int
}

type caseListView struct {
	Load     []tierLoad
	Items    []caseRow
	Statuses []casework.Status
	Status   string
	Overdue  bool
	CanWork  bool
	// Ran reports an automatic run just made: opened and already open.
	Ran             bool
	Opened, Already int
	NextURL         string
}

func (u *webUI) handleCases(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	ctx, cancel := uiTimeout(r.Context())
	defer cancel()
	cs, err := casework.StoreOf(u.s.store)
	if err != nil {
		return err
	}
	now := u.s.now()
	v := &caseListView{Statuses: casework.Statuses, CanWork: q.can(vigil.PermWorkCases)}
	query := r.URL.Query()
	cq := casework.CaseQuery{Now: now, Limit: 200, After: query.Get("after")}
	if st := query.Get("status"); st != "" {
		if !casework.ValidStatus(casework.Status(st)) {
			return vigil.FieldError("status", "unknown status %q", st)
		}
		cq.Status, v.Status = casework.Status(st), st
	}
	v.Overdue = query.Get("overdue") == "1"
	cq.Overdue = v.Overdue
	page, err := cs.ListCases(ctx, cq)
	if err != nil {
		return err
	}
	for _, c := range page.Items {
		v.Items = append(v.Items, caseRow{Case: c, Rank: tierRanks[c.Priority], IsOverdue: c.Overdue(now)})
	}
	// Most urgent first on the page: overdue, then by due date.
	slices.SortStableFunc(v.Items, func(a, b caseRow) int {
		if a.IsOverdue != b.IsOverdue {
			if a.IsOverdue {
				return -1
			}
			return 1
		}
		return a.Due.Compare(b.Due)
	})
	if v.Load, err = caseLoad(ctx, cs, now); err != nil {
		return err
	}
	if page.Next != "" {
		next := url.Values{"after": {page.Next}}
		if v.Status != "" {
			next.Set("status", v.Status)
		}
		if v.Overdue {
			next.Set("overdue", "1")
		}
		v.NextURL = "/ui/cases?" + next.Encode()
	}
	if n := query.Get("opened"); n != "" {
		v.Ran = true
		v.Opened, _ = strconv.Atoi(n)
		v.Already, _ = strconv.Atoi(query.Get("already"))
	}
	return u.render(w, r, q, http.StatusOK, "cases.html", "cases", q.L.T("case.list.title"), v)
}

func (u *webUI) caseService() (*casework.Service, error) {
	return casework.NewService(u.s.store, casework.Config{Now: u.s.now, Logger: u.logger, MaxAttachment: u.s.maxBody})
}

// handleCaseRun opens cases from the assessments at or above a tier, as
// POST /api/v1/case-runs does.
func (u *webUI) handleCaseRun(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	svc, err := u.caseService()
	if err != nil {
		return err
	}
	rank, ok := tierRanks[r.PostFormValue("min_tier")]
	if !ok || rank < 1 {
		return vigil.FieldError("min_tier", "choose critical, high or medium")
	}
	sum, err := svc.OpenFromAssessments(r.Context(), rank, q.user.ID)
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/ui/cases?opened=%d&already=%d", len(sum.Opened), sum.AlreadyOpen), http.StatusSeeOther)
	return nil
}

type entryRow struct {
	*casework.Entry
	Text string
}

type decisionRow struct {
	*casework.Decision
	MayDecide bool
	// MayRespond: the user may record the customer's response to this
	// approved engage or condition decision, choosing among Kinds and
	// Answers.
	MayRespond bool
	Kinds      []casework.AssuranceKind
	Answers    []casework.Answer
}

type caseView struct {
	*casework.View
	Rank       int
	IsOverdue  bool
	Names      map[string]partyName
	Timeline   []entryRow
	Decisions  []decisionRow
	Next       []casework.Status
	Outcomes   []casework.Outcome
	Types      []casework.DecisionType
	Priorities []string
	CanWork    bool
	Done       string
	MaxKB      int64
	// SubStatus is each linked subscription's status, so the case shows
	// what the control plane has confirmed.
	SubStatus map[string]vigil.SubscriptionStatus
}

func (u *webUI) handleCase(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	ctx, cancel := uiTimeout(r.Context())
	defer cancel()
	svc, err := u.caseService()
	if err != nil {
		return err
	}
	cv, err := svc.Get(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	c := cv.Case
	v := &caseView{View: cv, Rank: tierRanks[c.Priority], IsOverdue: c.Overdue(u.s.now()), Names: u.partyNames(ctx, c.PartyIDs),
		Outcomes: casework.Outcomes, Types: casework.DecisionTypes, Priorities: svc.Priorities(), CanWork: q.can(vigil.PermWorkCases),
		MaxKB: u.s.maxBody / 1024}
	v.SubStatus = map[string]vigil.SubscriptionStatus{}
	for _, id := range c.SubscriptionIDs {
		sub, err := vigil.GetAs[*vigil.Subscription](ctx, u.s.store, vigil.KindSubscription, id)
		switch vigil.ErrorCode(err) {
		case "":
			v.SubStatus[id] = sub.Status
		case vigil.ENOTFOUND: // deleted since it was linked: shown without a status
		default:
			return err
		}
	}
	if v.CanWork {
		inForce, err := svc.HasActionInForce(ctx, c.ID)
		if err != nil {
			return err
		}
		for _, st := range casework.Next(c.Status) {
			// Only an approved acting decision puts an action in force.
			if st != casework.StatusActionInForce || inForce {
				v.Next = append(v.Next, st)
			}
		}
	}
	switch done := r.URL.Query().Get("done"); done {
	case "moved", "assigned", "commented", "attached", "proposed", "approved", "rejected":
		v.Done = "case.done." + done
	case "responded":
		v.Done = "case.done.responded"
	}
	for i := len(cv.Entries) - 1; i >= 0; i-- { // newest first
		v.Timeline = append(v.Timeline, entryRow{Entry: cv.Entries[i], Text: entryText(q.L, cv.Entries[i])})
	}
	for _, d := range cv.Decisions {
		row := decisionRow{Decision: d, MayDecide: casework.MayDecide(q.user, d)}
		if v.CanWork && d.Type.TakesResponses() && d.Status == casework.DecisionApproved {
			// One list of answers: the service refuses one that does not fit the kind.
			row.MayRespond, row.Kinds, row.Answers = true, casework.AssuranceKinds, append(slices.Clone(casework.Answers), casework.FindingAnswers...)
		}
		v.Decisions = append(v.Decisions, row)
	}
	return u.render(w, r, q, http.StatusOK, "case.html", "cases", c.Title, v)
}

// entryText says in the reader's language what one history entry records.
func entryText(L *i18n.Localizer, e *casework.Entry) string {
	var d map[string]any
	_ = json.Unmarshal(e.Detail, &d)
	str := func(k string) string {
		if s, ok := d[k].(string); ok {
			return s
		}
		return ""
	}
	list := func(k string) string {
		vs, _ := d[k].([]any)
		var out []string
		for _, v := range vs {
			out = append(out, fmt.Sprint(v))
		}
		return strings.Join(out, ", ")
	}
	switch e.Type {
	case casework.EntryOpened:
		return L.T("case.entry.opened."+str("how"), L.Label("tier", str("priority")))
	case casework.EntryStatusChanged, casework.EntryReopened:
		s := L.T("case.entry.moved", L.Label("cst", str("from")), L.Label("cst", str("to")))
		if o := str("outcome"); o != "" {
			s += " — " + L.Label("cout", o)
		}
		if reason := str("reason"); reason != "" {
			s += " — " + reason
		}
		return s
	case casework.EntryAssigned:
		if a := str("assignee"); a != "" {
			return L.T("case.entry.assigned", a)
		}
		return L.T("case.entry.unassigned")
	case casework.EntryCommented:
		return str("text")
	case casework.EntryAttached:
		return L.T("case.entry.attached", str("name"), str("media_type"))
	case casework.EntryLinked:
		var parts []string
		for _, k := range []string{"party_ids", "account_ids", "subscription_ids", "assessment_ids", "signal_ids", "grievance_ids", "source_ids"} {
			if s := list(k); s != "" {
				parts = append(parts, s)
			}
		}
		return L.T("case.entry.linked", strings.Join(parts, ", "))
	case casework.EntryDecision:
		s := L.T("case.entry.decision", L.Label("dtype", str("type")), L.Label("dst", str("step")))
		if reasons := str("reasons"); reasons != "" {
			s += " — " + reasons
		}
		if note := str("note"); note != "" {
			s += " — " + note
		}
		return s
	case casework.EntryResponse:
		s := L.T("case.entry.response", L.Label("dtype", str("type")), L.Label("assure", str("kind")), L.Label("answer", str("response")))
		if note := str("note"); note != "" {
			s += " — " + note
		}
		return s
	case casework.EntryEnforcement:
		step := str("step")
		state := L.Label("enf.st", step)
		if step == vigil.EnforcementStepVerified || step == vigil.EnforcementStepUnverified {
			state = L.Label("enf.ver", step)
		}
		s := L.T("case.entry.enforcement", L.Label("enf.op", str("operation")), str("subscription_id"), state)
		if ref := str("reference"); ref != "" {
			s += " — " + L.T("case.entry.enforcement.ref", ref)
		}
		for _, k := range []string{"reason", "retry_of_failure", "note"} {
			if v := str(k); v != "" {
				s += " — " + v
			}
		}
		return s
	}
	// Monitoring entries (package enforce): their detail as written,
	// compact.
	return string(e.Detail)
}

func (u *webUI) caseDone(w http.ResponseWriter, r *http.Request, id, done string) error {
	http.Redirect(w, r, "/ui/cases/"+url.PathEscape(id)+"?done="+done, http.StatusSeeOther)
	return nil
}

func formVersion(r *http.Request) (int, error) {
	v := r.PostFormValue("version")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, vigil.FieldError("version", "%q is not a version", v)
	}
	return n, nil
}

func (u *webUI) handleCaseMove(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	svc, err := u.caseService()
	if err != nil {
		return err
	}
	version, err := formVersion(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if _, err := svc.Move(r.Context(), q.user, id, version, casework.Status(r.PostFormValue("status")),
		casework.Outcome(r.PostFormValue("outcome")), r.PostFormValue("reason")); err != nil {
		return err
	}
	return u.caseDone(w, r, id, "moved")
}

func (u *webUI) handleCaseAssign(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	svc, err := u.caseService()
	if err != nil {
		return err
	}
	version, err := formVersion(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if _, err := svc.Assign(r.Context(), q.user, id, version, strings.TrimSpace(r.PostFormValue("assignee"))); err != nil {
		return err
	}
	return u.caseDone(w, r, id, "assigned")
}

func (u *webUI) handleCaseComment(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	svc, err := u.caseService()
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if _, err := svc.Comment(r.Context(), q.user, id, r.PostFormValue("text")); err != nil {
		return err
	}
	return u.caseDone(w, r, id, "commented")
}

func (u *webUI) handleCaseAttach(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	svc, err := u.caseService()
	if err != nil {
		return err
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		return vigil.FieldError("file", "choose a file to attach (at most %d KB)", u.s.maxBody/1024)
	}
	defer f.Close()
	content, err := io.ReadAll(io.LimitReader(f, u.s.maxBody+1))
	if err != nil {
		return fmt.Errorf("read the attached file: %w", err)
	}
	id := r.PathValue("id")
	if _, err := svc.Attach(r.Context(), q.user, id, hdr.Filename, content); err != nil {
		return err
	}
	return u.caseDone(w, r, id, "attached")
}

func (u *webUI) handleCaseFile(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	cs, err := casework.StoreOf(u.s.store)
	if err != nil {
		return err
	}
	a, content, err := cs.Attachment(r.Context(), r.PathValue("id"), r.PathValue("sha256"))
	if err != nil {
		return err
	}
	writeAttachment(w, a, content)
	return nil
}

func (u *webUI) handleCasePropose(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	svc, err := u.caseService()
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	p := casework.Proposal{CaseID: id, Type: casework.DecisionType(r.PostFormValue("type")), Reasons: r.PostFormValue("reasons"),
		Conditions: r.PostFormValue("conditions"), Public: r.PostFormValue("public") == "1"}
	if r.PostForm == nil {
		return vigil.Errorf(vigil.EINVALID, "the form is empty")
	}
	p.SubscriptionIDs = r.PostForm["subscription_ids"]
	p.Capabilities = caseFields(r.PostFormValue("capabilities"))
	if p.Type == casework.DecisionTerminate {
		days, _ := strconv.Atoi(r.PostFormValue("notice_days"))
		p.Disengagement = &casework.DisengagementPlan{NoticeDays: days, RightsHolderEffects: r.PostFormValue("rights_holder_effects"),
			DataHandling: r.PostFormValue("data_handling")}
	}
	if !p.Type.ActsOnSubscriptions() {
		p.SubscriptionIDs = nil
	}
	if p.Type != casework.DecisionRestrict {
		p.Capabilities = nil
	}
	if _, err := svc.Propose(r.Context(), q.user, p); err != nil {
		return err
	}
	return u.caseDone(w, r, id, "proposed")
}

func caseFields(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' }) {
		out = append(out, strings.TrimSpace(f))
	}
	return out
}

func (u *webUI) handleDecisionVerdict(status casework.DecisionStatus) func(http.ResponseWriter, *http.Request, *uiRequest) error {
	return func(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
		svc, err := u.caseService()
		if err != nil {
			return err
		}
		var d *casework.Decision
		if status == casework.DecisionApproved {
			d, err = svc.Approve(r.Context(), q.user, r.PathValue("id"), r.PostFormValue("note"))
		} else {
			d, err = svc.Reject(r.Context(), q.user, r.PathValue("id"), r.PostFormValue("note"))
		}
		if err != nil {
			return err
		}
		return u.caseDone(w, r, d.CaseID, string(status))
	}
}

// handleDecisionResponse records the customer's response to an engage or
// condition decision.
func (u *webUI) handleDecisionResponse(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	svc, err := u.caseService()
	if err != nil {
		return err
	}
	d, err := svc.RecordResponse(r.Context(), q.user, r.PathValue("id"), casework.ResponseRequest{
		Kind: casework.AssuranceKind(r.PostFormValue("kind")), Answer: casework.Answer(r.PostFormValue("response")), Note: r.PostFormValue("note")})
	if err != nil {
		return err
	}
	return u.caseDone(w, r, d.CaseID, "responded")
}

// caseLoad counts the cases not closed by priority tier and deadline,
// highest tier first.
func caseLoad(ctx context.Context, cs casework.Store, now time.Time) ([]tierLoad, error) {
	by := map[string]*tierLoad{}
	for after := ""; ; {
		page, err := cs.ListCases(ctx, casework.CaseQuery{After: after, Limit: 1000})
		if err != nil {
			return nil, err
		}
		for _, c := range page.Items {
			if c.Status == casework.StatusClosed {
				continue
			}
			l := by[c.Priority]
			if l == nil {
				l = &tierLoad{Priority: c.Priority, Rank: tierRanks[c.Priority]}
				by[c.Priority] = l
			}
			l.Open++
			switch {
			case c.Overdue(now):
				l.Overdue++
			case c.Due.Sub(now) <= 7*24*time.Hour:
				l.DueWeek++
			}
		}
		if page.Next == "" {
			break
		}
		after = page.Next
	}
	out := make([]tierLoad, 0, len(by))
	for _, l := range by {
		out = append(out, *l)
	}
	slices.SortFunc(out, func(a, b tierLoad) int {
		if a.Rank != b.Rank {
			return b.Rank - a.Rank
		}
		return strings.Compare(a.Priority, b.Priority)
	})
	return out, nil
}
