package casework

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/risk"
	"github.com/vigil-hrdd/vigil/usage"
)

// Config holds the rules a deployment may tune.
type Config struct {
	// DueDays is the number of days a case of each priority tier has
	// before it is overdue. A case's priority must be one of its tiers.
	DueDays map[string]int
	// MaxAttachment is the largest file kept with a case, in bytes.
	MaxAttachment int64
	// Now is the clock (time.Now when nil).
	Now    func() time.Time
	Logger *slog.Logger
}

// DefaultDueDays follows the review periods of the default risk policy's
// tiers, shortened for the highest: a critical relationship is decided on
// within a week.
var DefaultDueDays = map[string]int{"critical": 7, "high": 30, "medium": 90, "low": 365}

// DefaultMaxAttachment is 10 MiB: minutes, letters, screenshots, reports.
const DefaultMaxAttachment = 10 << 20

// SystemActor is the actor of cases the assessment trigger opens by itself.
const SystemActor = "system:casework"

// Service applies the rules of casework: who may do what, what a case and
// a decision must say, where a case goes next. The store re-checks the
// rules that guard against races (transitions, versions, four eyes).
type Service struct {
	store     Store
	portfolio vigil.Store
	risk      risk.AssessmentStore
	usage     usage.Store
	cfg       Config
}

// NewService returns the casework service over a store that keeps cases,
// the portfolio and assessments (the SQL stores keep all three).
func NewService(s vigil.Store, cfg Config) (*Service, error) {
	cs, err := StoreOf(s)
	if err != nil {
		return nil, err
	}
	rs, ok := s.(risk.AssessmentStore)
	if !ok {
		return nil, vigil.Errorf(vigil.EINTERNAL, "the store %T keeps no assessments", s)
	}
	us, _ := usage.StoreOf(s) // optional: signals are checked when the store keeps them
	if cfg.DueDays == nil {
		cfg.DueDays = DefaultDueDays
	}
	for tier, days := range cfg.DueDays {
		if days <= 0 {
			return nil, vigil.FieldError("due_days."+tier, "must be at least 1 day, not %d", days)
		}
	}
	if cfg.MaxAttachment <= 0 {
		cfg.MaxAttachment = DefaultMaxAttachment
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Service{store: cs, portfolio: s, risk: rs, usage: us, cfg: cfg}, nil
}

// Store returns the casework store.
func (s *Service) Store() Store { return s.store }

// MaxAttachment is the largest file the service keeps.
func (s *Service) MaxAttachment() int64 { return s.cfg.MaxAttachment }

// Priorities lists the configured priority tiers, longest due time last.
func (s *Service) Priorities() []string {
	var out []string
	for tier := range s.cfg.DueDays {
		out = append(out, tier)
	}
	slices.SortFunc(out, func(a, b string) int {
		if d := s.cfg.DueDays[a] - s.cfg.DueDays[b]; d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	return out
}

// DueFor is the due date of a case of a priority opened at a time.
func (s *Service) DueFor(priority string, opened time.Time) (time.Time, error) {
	days, ok := s.cfg.DueDays[priority]
	if !ok {
		return time.Time{}, vigil.FieldError("priority", "unknown priority %q (want one of %s)", priority, strings.Join(s.Priorities(), ", "))
	}
	return opened.UTC().Truncate(time.Second).AddDate(0, 0, days), nil
}

func need(u *vigil.User, p vigil.Permission, what string) error {
	if u == nil {
		return vigil.Errorf(vigil.EUNAUTHORIZED, "sign in to %s", what)
	}
	if u.Disabled || !u.Role.Can(p) {
		return vigil.Errorf(vigil.EFORBIDDEN, "%s (%s) may not %s", u.ID, u.Role, what)
	}
	return nil
}

// Links are the records a case is about.
type Links struct {
	PartyIDs        []string `json:"party_ids,omitempty"`
	AccountIDs      []string `json:"account_ids,omitempty"`
	SubscriptionIDs []string `json:"subscription_ids,omitempty"`
	AssessmentIDs   []string `json:"assessment_ids,omitempty"`
	SignalIDs       []string `json:"signal_ids,omitempty"`
	GrievanceIDs    []string `json:"grievance_ids,omitempty"`
	SourceIDs       []string `json:"source_ids,omitempty"`
}

func (l Links) empty() bool {
	return len(l.PartyIDs)+len(l.AccountIDs)+len(l.SubscriptionIDs)+len(l.AssessmentIDs)+len(l.SignalIDs)+len(l.GrievanceIDs)+len(l.SourceIDs) == 0
}

// check verifies that every linked record exists. Grievances are taken as
// given: they live in package grievance, which links back to cases itself.
func (s *Service) check(ctx context.Context, l Links) error {
	kinds := []struct {
		field string
		kind  vigil.Kind
		ids   []string
	}{
		{"party_ids", vigil.KindParty, l.PartyIDs},
		{"account_ids", vigil.KindAccount, l.AccountIDs},
		{"subscription_ids", vigil.KindSubscription, l.SubscriptionIDs},
		{"source_ids", vigil.KindSource, l.SourceIDs},
	}
	for _, k := range kinds {
		for _, id := range k.ids {
			if _, err := s.portfolio.Get(ctx, k.kind, id); err != nil {
				if vigil.ErrorCode(err) == vigil.ENOTFOUND {
					return vigil.FieldError(k.field, "no %s with id %q", k.kind.Singular(), id)
				}
				return err
			}
		}
	}
	for _, id := range l.AssessmentIDs {
		if _, err := s.risk.GetAssessment(ctx, id, 0); err != nil {
			if vigil.ErrorCode(err) == vigil.ENOTFOUND {
				return vigil.FieldError("assessment_ids", "no assessment of relationship %q", id)
			}
			return err
		}
	}
	if s.usage != nil {
		for _, id := range l.SignalIDs {
			if _, err := s.usage.GetSignal(ctx, id); err != nil {
				if vigil.ErrorCode(err) == vigil.ENOTFOUND {
					return vigil.FieldError("signal_ids", "no signal with id %q", id)
				}
				return err
			}
		}
	}
	return nil
}

func merge(dst *[]string, add []string) []string {
	var added []string
	for _, id := range add {
		id = strings.TrimSpace(id)
		if id != "" && !slices.Contains(*dst, id) {
			*dst = append(*dst, id)
			added = append(added, id)
		}
	}
	return added
}

// OpenRequest is a case opened by hand.
type OpenRequest struct {
	Title    string `json:"title"`
	Summary  string `json:"summary,omitempty"`
	Priority string `json:"priority"`
	Assignee string `json:"assignee,omitempty"`
	Links
}

// Open opens a case by hand.
func (s *Service) Open(ctx context.Context, actor *vigil.User, req OpenRequest) (*Case, error) {
	if err := need(actor, vigil.PermWorkCases, "open cases"); err != nil {
		return nil, err
	}
	if strings.TrimSpace(req.Title) == "" {
		return nil, vigil.FieldError("title", "must not be empty")
	}
	if utf8.RuneCountInString(req.Title) > 200 {
		return nil, vigil.FieldError("title", "is longer than 200 characters")
	}
	due, err := s.DueFor(req.Priority, s.cfg.Now())
	if err != nil {
		return nil, err
	}
	if err := s.check(ctx, req.Links); err != nil {
		return nil, err
	}
	if req.Assignee != "" {
		if err := s.checkAssignee(ctx, req.Assignee); err != nil {
			return nil, err
		}
	}
	c := &Case{Title: strings.TrimSpace(req.Title), Summary: strings.TrimSpace(req.Summary), Priority: req.Priority, Assignee: req.Assignee, Due: due}
	l := req.Links
	merge(&c.PartyIDs, l.PartyIDs)
	merge(&c.AccountIDs, l.AccountIDs)
	merge(&c.SubscriptionIDs, l.SubscriptionIDs)
	merge(&c.AssessmentIDs, l.AssessmentIDs)
	merge(&c.SignalIDs, l.SignalIDs)
	merge(&c.GrievanceIDs, l.GrievanceIDs)
	merge(&c.SourceIDs, l.SourceIDs)
	if err := s.store.CreateCase(ctx, c, actor.ID); err != nil {
		return nil, err
	}
	return c, nil
}

// AutoSummary says what one automatic run did.
type AutoSummary struct {
	MinTierRank int      `json:"min_tier_rank"`
	Considered  int      `json:"considered"`
	Opened      []string `json:"opened"`
	AlreadyOpen int      `json:"already_open"`
}

// autoLimit bounds one run; a portfolio with more relationships at or
// above the tier than this needs the tier raised, not a longer run.
const autoLimit = 10000

// OpenFromAssessments opens one case per relationship whose current
// assessment is at or above the tier rank and that has no open case,
// linking its parties, account, subscriptions and assessment. Running it
// again opens nothing new. actor is who ran it (SystemActor when empty).
func (s *Service) OpenFromAssessments(ctx context.Context, minTierRank int, actor string) (AutoSummary, error) {
	if actor == "" {
		actor = SystemActor
	}
	if minTierRank < 1 {
		return AutoSummary{}, vigil.FieldError("min_tier_rank", "must be at least 1 (the lowest tier never opens cases by itself), not %d", minTierRank)
	}
	rows, err := s.risk.TopAssessments(ctx, risk.TopFilter{MinTierRank: minTierRank, Limit: autoLimit})
	if err != nil {
		return AutoSummary{}, fmt.Errorf("assessments at or above tier rank %d: %w", minTierRank, err)
	}
	if len(rows) == autoLimit {
		s.cfg.Logger.Warn("automatic case run stopped at its limit; raise the tier", "limit", autoLimit, "min_tier_rank", minTierRank)
	}
	sum := AutoSummary{MinTierRank: minTierRank, Considered: len(rows), Opened: []string{}}
	for _, row := range rows {
		if _, err := s.store.OpenCaseFor(ctx, row.ID); err == nil {
			sum.AlreadyOpen++
			continue
		} else if vigil.ErrorCode(err) != vigil.ENOTFOUND {
			return sum, err
		}
		c, err := s.caseFor(ctx, row)
		if err != nil {
			return sum, err
		}
		switch err := s.store.CreateCase(ctx, c, actor); vigil.ErrorCode(err) {
		case "":
			sum.Opened = append(sum.Opened, c.ID)
		case vigil.ECONFLICT: // another run opened it meanwhile
			sum.AlreadyOpen++
		default:
			return sum, err
		}
	}
	s.cfg.Logger.Info("automatic case run", "min_tier_rank", minTierRank, "considered", sum.Considered, "opened", len(sum.Opened), "already_open", sum.AlreadyOpen)
	return sum, nil
}

// caseFor builds the automatic case of an assessment.
func (s *Service) caseFor(ctx context.Context, row risk.Row) (*Case, error) {
	full, err := s.risk.GetAssessment(ctx, row.ID, row.Version)
	if err != nil {
		return nil, err
	}
	var a risk.Assessment
	if err := json.Unmarshal(full.Doc, &a); err != nil {
		return nil, fmt.Errorf("assessment %s version %d: %w", row.ID, row.Version, err)
	}
	priority := row.Tier
	if _, ok := s.cfg.DueDays[priority]; !ok {
		return nil, vigil.Errorf(vigil.EINVALID, "assessment %s has tier %q, for which no due time is configured", row.ID, row.Tier)
	}
	now := s.cfg.Now()
	due, err := s.DueFor(priority, now)
	if err != nil {
		return nil, err
	}
	c := &Case{Priority: priority, Auto: true, Due: due, AccountIDs: []string{row.AccountID}, AssessmentIDs: []string{row.ID}}
	merge(&c.PartyIDs, []string{row.EndUserID, row.CustomerID})
	merge(&c.PartyIDs, a.Path)
	for after := ""; ; {
		page, err := s.portfolio.List(ctx, vigil.KindSubscription, vigil.ListOptions{Filters: map[string]string{"account_id": row.AccountID}, After: after, Limit: 1000})
		if err != nil {
			return nil, fmt.Errorf("subscriptions of account %s: %w", row.AccountID, err)
		}
		for _, r := range page.Items {
			merge(&c.SubscriptionIDs, []string{r.RecordID()})
		}
		if page.Next == "" {
			break
		}
		after = page.Next
	}
	endUser := row.EndUserID
	if p, err := vigil.GetAs[*vigil.Party](ctx, s.portfolio, vigil.KindParty, row.EndUserID); err == nil {
		endUser = p.Name
	}
	c.Title = fmt.Sprintf("%s risk: %s through account %s", priority, endUser, row.AccountID)
	c.Summary = fmt.Sprintf("Opened by the assessment trigger: relationship %s, version %d, tier %s, priority %d, recommended action %s.",
		row.ID, row.Version, row.Tier, row.Priority, row.Action)
	return c, nil
}

// Move moves a case to another status. Closing needs an outcome; reopening
// a closed case needs a reason and writes case.reopened.
func (s *Service) Move(ctx context.Context, actor *vigil.User, id string, version int, to Status, outcome Outcome, reason string) (*Case, error) {
	if err := need(actor, vigil.PermWorkCases, "move cases"); err != nil {
		return nil, err
	}
	if !ValidStatus(to) {
		return nil, vigil.FieldError("status", "unknown status %q (want one of %v)", to, Statuses)
	}
	if to == StatusClosed && !ValidOutcome(outcome) {
		return nil, vigil.FieldError("outcome", "closing a case needs an outcome, one of %v", Outcomes)
	}
	if to != StatusClosed && outcome != "" {
		return nil, vigil.FieldError("outcome", "is given only when closing")
	}
	reason = strings.TrimSpace(reason)
	if to == StatusActionInForce {
		// Only an approved restriction, suspension or termination puts
		// an action in force: a hand move there must rest on one.
		c, err := s.store.GetCase(ctx, id)
		if err != nil {
			return nil, err
		}
		if !CanMove(c.Status, to) {
			return nil, vigil.Errorf(vigil.ECONFLICT, "case %s cannot move from %s to %s (allowed: %v)", c.ID, c.Status, to, Next(c.Status))
		}
		ok, err := s.HasActionInForce(ctx, id)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, vigil.Errorf(vigil.ECONFLICT, "case %s has no approved restriction, suspension or termination: an action is put in force by approving one", id)
		}
	}
	return s.store.UpdateCase(ctx, id, version, actor.ID, func(c *Case) (*Entry, error) {
		e := &Entry{Type: EntryStatusChanged}
		if c.Status == StatusClosed {
			if reason == "" {
				return nil, vigil.FieldError("reason", "reopening a closed case needs a reason")
			}
			e.Type = EntryReopened
		}
		if !CanMove(c.Status, to) {
			return nil, vigil.Errorf(vigil.ECONFLICT, "case %s cannot move from %s to %s (allowed: %v)", c.ID, c.Status, to, Next(c.Status))
		}
		c.Status = to
		if to == StatusClosed {
			c.Outcome = outcome
		}
		return entry(e, map[string]any{"reason": reason})
	})
}

// HasActionInForce reports whether a case has an approved decision that
// acts on the control plane, which a move to action_in_force needs.
func (s *Service) HasActionInForce(ctx context.Context, caseID string) (bool, error) {
	ds, err := s.store.ListDecisions(ctx, DecisionQuery{CaseID: caseID, Status: DecisionApproved})
	if err != nil {
		return false, err
	}
	for _, d := range ds {
		if d.Type.NeedsFourEyes() {
			return true, nil
		}
	}
	return false, nil
}

func entry(e *Entry, detail map[string]any) (*Entry, error) {
	raw, err := json.Marshal(detail)
	if err != nil {
		return nil, err
	}
	e.Detail = raw
	return e, nil
}

func (s *Service) checkAssignee(ctx context.Context, id string) error {
	u, err := s.portfolio.GetUser(ctx, id)
	if vigil.ErrorCode(err) == vigil.ENOTFOUND {
		return vigil.FieldError("assignee", "no user with id %q", id)
	}
	if err != nil {
		return err
	}
	if u.Disabled || !u.Role.Can(vigil.PermWorkCases) {
		return vigil.FieldError("assignee", "%s (%s) does not work cases", id, u.Role)
	}
	return nil
}

// Assign gives a case to a user who works cases ("" leaves it unassigned).
func (s *Service) Assign(ctx context.Context, actor *vigil.User, id string, version int, assignee string) (*Case, error) {
	if err := need(actor, vigil.PermWorkCases, "assign cases"); err != nil {
		return nil, err
	}
	if assignee != "" {
		if err := s.checkAssignee(ctx, assignee); err != nil {
			return nil, err
		}
	}
	return s.store.UpdateCase(ctx, id, version, actor.ID, func(c *Case) (*Entry, error) {
		if c.Assignee == assignee {
			return nil, vigil.Errorf(vigil.ECONFLICT, "case %s is assigned to %q already", c.ID, assignee)
		}
		from := c.Assignee
		c.Assignee = assignee
		return entry(&Entry{Type: EntryAssigned}, map[string]any{"from": from, "assignee": assignee})
	})
}

// maxComment bounds a comment; longer texts belong in an attachment.
const maxComment = 20000

// Comment adds a comment to a case's history.
func (s *Service) Comment(ctx context.Context, actor *vigil.User, id, text string) (*Case, error) {
	if err := need(actor, vigil.PermWorkCases, "comment on cases"); err != nil {
		return nil, err
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, vigil.FieldError("text", "must not be empty")
	}
	if utf8.RuneCountInString(text) > maxComment {
		return nil, vigil.FieldError("text", "is longer than %d characters: attach it as a file", maxComment)
	}
	return s.store.UpdateCase(ctx, id, 0, actor.ID, func(c *Case) (*Entry, error) {
		return entry(&Entry{Type: EntryCommented}, map[string]any{"text": text})
	})
}

// Link adds records to what a case is about.
func (s *Service) Link(ctx context.Context, actor *vigil.User, id string, version int, l Links) (*Case, error) {
	if err := need(actor, vigil.PermWorkCases, "link records to cases"); err != nil {
		return nil, err
	}
	if l.empty() {
		return nil, vigil.FieldError("links", "name at least one record to link")
	}
	if err := s.check(ctx, l); err != nil {
		return nil, err
	}
	return s.store.UpdateCase(ctx, id, version, actor.ID, func(c *Case) (*Entry, error) {
		added := Links{
			PartyIDs: merge(&c.PartyIDs, l.PartyIDs), AccountIDs: merge(&c.AccountIDs, l.AccountIDs),
			SubscriptionIDs: merge(&c.SubscriptionIDs, l.SubscriptionIDs), AssessmentIDs: merge(&c.AssessmentIDs, l.AssessmentIDs),
			SignalIDs: merge(&c.SignalIDs, l.SignalIDs), GrievanceIDs: merge(&c.GrievanceIDs, l.GrievanceIDs), SourceIDs: merge(&c.SourceIDs, l.SourceIDs),
		}
		if added.empty() {
			return nil, vigil.Errorf(vigil.ECONFLICT, "case %s is linked to all of these already", c.ID)
		}
		raw, err := json.Marshal(added)
		if err != nil {
			return nil, err
		}
		return &Entry{Type: EntryLinked, Detail: raw}, nil
	})
}

// Attach keeps a file with a case. Its media type is sniffed from the
// content, never taken from the sender.
func (s *Service) Attach(ctx context.Context, actor *vigil.User, id, name string, content []byte) (*Attachment, error) {
	if err := need(actor, vigil.PermWorkCases, "attach files to cases"); err != nil {
		return nil, err
	}
	name = strings.TrimSpace(name)
	if name == "" || strings.ContainsAny(name, "/\\\x00") || utf8.RuneCountInString(name) > 200 {
		return nil, vigil.FieldError("name", "a file name without slashes, 1 to 200 characters")
	}
	if len(content) == 0 {
		return nil, vigil.FieldError("content", "the file is empty")
	}
	if int64(len(content)) > s.cfg.MaxAttachment {
		return nil, vigil.FieldError("content", "the file has %d bytes, more than the limit of %d", len(content), s.cfg.MaxAttachment)
	}
	a := &Attachment{CaseID: id, Name: name, MediaType: http.DetectContentType(content)}
	if err := s.store.PutAttachment(ctx, a, content, actor.ID); err != nil {
		return nil, err
	}
	return a, nil
}

// View is a case with everything recorded about it.
type View struct {
	Case        *Case         `json:"case"`
	Entries     []*Entry      `json:"entries"`
	Decisions   []*Decision   `json:"decisions"`
	Attachments []*Attachment `json:"attachments"`
}

// Get returns a case with its history, decisions and attachments.
func (s *Service) Get(ctx context.Context, id string) (*View, error) {
	c, err := s.store.GetCase(ctx, id)
	if err != nil {
		return nil, err
	}
	v := &View{Case: c}
	if v.Entries, err = s.store.CaseEntries(ctx, id); err != nil {
		return nil, err
	}
	if v.Decisions, err = s.store.ListDecisions(ctx, DecisionQuery{CaseID: id}); err != nil {
		return nil, err
	}
	if v.Attachments, err = s.store.Attachments(ctx, id); err != nil {
		return nil, err
	}
	return v, nil
}

// Proposal is a decision put forward on a case.
type Proposal struct {
	CaseID  string       `json:"case_id"`
	Type    DecisionType `json:"type"`
	Reasons string       `json:"reasons"`
	// AssessmentID defaults to the case's only assessment; version 0
	// means its current version, which is then recorded.
	AssessmentID      string             `json:"assessment_id,omitempty"`
	AssessmentVersion int                `json:"assessment_version,omitempty"`
	SubscriptionIDs   []string           `json:"subscription_ids,omitempty"`
	Capabilities      []string           `json:"capabilities,omitempty"`
	Conditions        string             `json:"conditions,omitempty"`
	Disengagement     *DisengagementPlan `json:"disengagement,omitempty"`
	Public            bool               `json:"public,omitempty"`
}

// Propose puts a decision forward. Restrict, suspend and terminate wait
// for a second approver; engage and condition are recorded as approved at
// once. An auditor cannot propose.
func (s *Service) Propose(ctx context.Context, actor *vigil.User, p Proposal) (*Decision, error) {
	if err := need(actor, vigil.PermWorkCases, "propose decisions"); err != nil {
		return nil, err
	}
	if !ValidDecisionType(p.Type) {
		return nil, vigil.FieldError("type", "unknown decision type %q (want one of %v)", p.Type, DecisionTypes)
	}
	p.Reasons = strings.TrimSpace(p.Reasons)
	if p.Reasons == "" {
		return nil, vigil.FieldError("reasons", "a decision must give its reasons")
	}
	c, err := s.store.GetCase(ctx, p.CaseID)
	if err != nil {
		return nil, err
	}
	if c.Status == StatusClosed {
		return nil, vigil.Errorf(vigil.ECONFLICT, "case %s is closed: reopen it before deciding on it", c.ID)
	}
	if p.AssessmentID == "" {
		if len(c.AssessmentIDs) != 1 {
			return nil, vigil.FieldError("assessment_id", "name the assessment the decision rests on (case %s has %d)", c.ID, len(c.AssessmentIDs))
		}
		p.AssessmentID = c.AssessmentIDs[0]
	}
	if !slices.Contains(c.AssessmentIDs, p.AssessmentID) {
		return nil, vigil.FieldError("assessment_id", "%s is not linked to case %s: link it first", p.AssessmentID, c.ID)
	}
	a, err := s.risk.GetAssessment(ctx, p.AssessmentID, p.AssessmentVersion)
	if vigil.ErrorCode(err) == vigil.ENOTFOUND {
		return nil, vigil.FieldError("assessment_version", "%s", err.Error())
	}
	if err != nil {
		return nil, err
	}
	d := &Decision{CaseID: c.ID, Type: p.Type, Reasons: p.Reasons, AssessmentID: a.ID, AssessmentVersion: a.Version,
		Conditions: strings.TrimSpace(p.Conditions), Public: p.Public}
	if p.Type.ActsOnSubscriptions() {
		if len(p.SubscriptionIDs) == 0 {
			return nil, vigil.FieldError("subscription_ids", "a %s decision names the subscriptions it acts on", p.Type)
		}
		for _, id := range p.SubscriptionIDs {
			if !slices.Contains(c.SubscriptionIDs, id) {
				return nil, vigil.FieldError("subscription_ids", "subscription %q is not linked to case %s", id, c.ID)
			}
		}
		merge(&d.SubscriptionIDs, p.SubscriptionIDs)
	} else if len(p.SubscriptionIDs) > 0 {
		return nil, vigil.FieldError("subscription_ids", "a %s decision acts on no subscription", p.Type)
	}
	switch p.Type {
	case DecisionRestrict:
		if len(p.Capabilities) == 0 {
			return nil, vigil.FieldError("capabilities", "a restriction names the capabilities it withdraws")
		}
		merge(&d.Capabilities, p.Capabilities)
	case DecisionCondition:
		if d.Conditions == "" {
			return nil, vigil.FieldError("conditions", "say which contract conditions or end-use assurances are asked")
		}
	case DecisionTerminate:
		if err := p.Disengagement.Complete(); err != nil {
			return nil, err
		}
		d.Disengagement = p.Disengagement
	}
	if p.Type != DecisionRestrict && len(p.Capabilities) > 0 {
		return nil, vigil.FieldError("capabilities", "only a restriction withdraws capabilities")
	}
	if p.Type != DecisionTerminate && p.Disengagement != nil {
		return nil, vigil.FieldError("disengagement", "only a termination has a disengagement plan")
	}
	if !p.Type.NeedsFourEyes() {
		d.Status = DecisionApproved
	}
	if err := s.store.CreateDecision(ctx, d, actor.ID); err != nil {
		return nil, err
	}
	return d, nil
}

// MayDecide reports whether a user may approve or reject a decision: an
// approver other than its proposer, on a decision still proposed.
func MayDecide(u *vigil.User, d *Decision) bool {
	return u != nil && !u.Disabled && u.Role.Can(vigil.PermApproveDecisions) && u.ID != d.ProposedBy && d.Status == DecisionProposed
}

func (s *Service) decide(ctx context.Context, actor *vigil.User, id string, status DecisionStatus, note string) (*Decision, error) {
	if err := need(actor, vigil.PermApproveDecisions, "approve or reject decisions"); err != nil {
		return nil, err
	}
	d, err := s.store.GetDecision(ctx, id)
	if err != nil {
		return nil, err
	}
	if d.ProposedBy == actor.ID {
		return nil, vigil.Errorf(vigil.EFORBIDDEN, "four eyes: %s proposed decision %s and cannot also decide it", actor.ID, id)
	}
	note = strings.TrimSpace(note)
	if status == DecisionRejected && note == "" {
		return nil, vigil.FieldError("note", "a rejection must give its reasons")
	}
	return s.store.DecideDecision(ctx, id, status, actor.ID, note, s.cfg.Now())
}

// Approve approves a proposed decision (four eyes: not its proposer).
func (s *Service) Approve(ctx context.Context, actor *vigil.User, id, note string) (*Decision, error) {
	return s.decide(ctx, actor, id, DecisionApproved, note)
}

// Reject rejects a proposed decision, with reasons.
func (s *Service) Reject(ctx context.Context, actor *vigil.User, id, note string) (*Decision, error) {
	return s.decide(ctx, actor, id, DecisionRejected, note)
}

// Withdraw lets a proposer take back a decision not yet decided.
func (s *Service) Withdraw(ctx context.Context, actor *vigil.User, id, note string) (*Decision, error) {
	if err := need(actor, vigil.PermWorkCases, "withdraw decisions"); err != nil {
		return nil, err
	}
	return s.store.DecideDecision(ctx, id, DecisionWithdrawn, actor.ID, strings.TrimSpace(note), s.cfg.Now())
}

// Overdue reports whether a case is past its due date at a time.
func (c *Case) Overdue(now time.Time) bool {
	return c.Status != StatusClosed && !c.Due.IsZero() && now.After(c.Due)
}
