// Package casework turns a finding into action: cases with a fixed set of
// statuses and allowed transitions, a typed history of every step, and
// decisions (engage, condition, restrict, suspend, terminate) taken under
// four eyes, each resting on a named assessment version and its reasons.
//
// An approved decision that acts on subscriptions is the outbox of
// enforcement: package enforce reads approved decisions whose actions are
// not yet planned, so approval and enforcement never drift apart across a
// crash.
package casework

import (
	"context"
	"encoding/json"
	"time"

	"github.com/vigil-hrdd/vigil"
)

// Status is where a case stands.
type Status string

const (
	StatusOpen            Status = "open"
	StatusInvestigating   Status = "investigating"
	StatusDecisionPending Status = "decision_pending"
	StatusActionInForce   Status = "action_in_force"
	StatusMonitoring      Status = "monitoring"
	StatusClosed          Status = "closed"
)

// Statuses lists the statuses in the order a case usually moves through them.
var Statuses = []Status{StatusOpen, StatusInvestigating, StatusDecisionPending, StatusActionInForce, StatusMonitoring, StatusClosed}

// transitions lists, per status, where a case may go next. A closed case
// is reopened (to investigating) by a new fact, such as an enforcement
// failure or a grievance, never silently.
var transitions = map[Status][]Status{
	StatusOpen:            {StatusInvestigating, StatusClosed},
	StatusInvestigating:   {StatusDecisionPending, StatusClosed},
	StatusDecisionPending: {StatusInvestigating, StatusActionInForce, StatusMonitoring, StatusClosed},
	StatusActionInForce:   {StatusMonitoring, StatusInvestigating, StatusClosed},
	StatusMonitoring:      {StatusInvestigating, StatusClosed},
	StatusClosed:          {StatusInvestigating},
}

// CanMove reports whether a case may go from one status to another.
func CanMove(from, to Status) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Next lists the statuses a case in status s may move to.
func Next(s Status) []Status { return append([]Status(nil), transitions[s]...) }

// Outcome is why a case closed.
type Outcome string

const (
	OutcomeNoIssue       Outcome = "no_issue"       // the concern was not borne out
	OutcomeMitigated     Outcome = "mitigated"      // conditions or restrictions addressed it
	OutcomeSuspended     Outcome = "suspended"      // service suspended and verified
	OutcomeTerminated    Outcome = "terminated"     // relationship ended responsibly
	OutcomeNotActionable Outcome = "not_actionable" // no leverage or outside Vigil's scope, with reasons
	OutcomeDuplicate     Outcome = "duplicate"
)

// Outcomes lists the accepted outcomes.
var Outcomes = []Outcome{OutcomeNoIssue, OutcomeMitigated, OutcomeSuspended, OutcomeTerminated, OutcomeNotActionable, OutcomeDuplicate}

// Case is one concern under review: typically a relationship whose
// assessment reached the configured tier, a screening match, a signal or a
// grievance.
type Case struct {
	ID      string  `json:"id"`
	Title   string  `json:"title"`
	Summary string  `json:"summary,omitempty"`
	Status  Status  `json:"status"`
	Outcome Outcome `json:"outcome,omitempty"`
	// Priority is the risk tier that set the due date (e.g. "critical").
	Priority string `json:"priority"`
	Assignee string `json:"assignee,omitempty"`
	// What the case is about. AssessmentID is a relationship id
	// (ACCOUNT~END_USER) of package risk.
	PartyIDs        []string `json:"party_ids"`
	AccountIDs      []string `json:"account_ids"`
	SubscriptionIDs []string `json:"subscription_ids"`
	AssessmentIDs   []string `json:"assessment_ids"`
	SignalIDs       []string `json:"signal_ids"`
	GrievanceIDs    []string `json:"grievance_ids"`
	SourceIDs       []string `json:"source_ids"`
	// Auto is true for a case opened by the assessment trigger.
	Auto      bool       `json:"auto"`
	Due       time.Time  `json:"due"`
	OpenedBy  string     `json:"opened_by"`
	OpenedAt  time.Time  `json:"opened_at"`
	UpdatedAt time.Time  `json:"updated_at"`
	ClosedAt  *time.Time `json:"closed_at,omitempty"`
	// Version increases with every change; updates carry the version they
	// read, so two reviewers cannot overwrite each other (ECONFLICT).
	Version int `json:"version"`
}

// EntryType is the kind of a history entry.
type EntryType string

const (
	EntryOpened        EntryType = "opened"
	EntryStatusChanged EntryType = "status_changed"
	EntryReopened      EntryType = "reopened"
	EntryAssigned      EntryType = "assigned"
	EntryCommented     EntryType = "commented"
	EntryAttached      EntryType = "attached"
	EntryLinked        EntryType = "linked"
	EntryDecision      EntryType = "decision"    // a decision proposed, approved, rejected or withdrawn
	EntryEnforcement   EntryType = "enforcement" // an enforcement step (package enforce)
	EntryMonitoring    EntryType = "monitoring"  // a monitoring check recorded
	EntryResponse      EntryType = "response"    // the customer's response to a decision recorded
)

// Entry is one step of a case's typed history. Every entry is written in
// the same transaction as the change it describes, with its event.
type Entry struct {
	Seq    int64           `json:"seq"`
	CaseID string          `json:"case_id"`
	Type   EntryType       `json:"type"`
	Actor  string          `json:"actor"`
	Time   time.Time       `json:"time"`
	Detail json.RawMessage `json:"detail"`
	// EventID is the outbox event written with the entry.
	EventID string `json:"event_id"`
	// Event, when set, is the event type the store writes with the entry
	// (for example an enforcement or monitoring step); empty, the store
	// derives it from Type (see EventTypeOf).
	Event string `json:"-"`
}

// Attachment is a file kept with a case, stored by its SHA-256 so the same
// bytes are kept once and anyone can check them.
type Attachment struct {
	SHA256    string    `json:"sha256"`
	CaseID    string    `json:"case_id"`
	Name      string    `json:"name"`
	MediaType string    `json:"media_type"`
	Size      int64     `json:"size"`
	AddedBy   string    `json:"added_by"`
	AddedAt   time.Time `json:"added_at"`
}

// DecisionType is one of vigil.DecisionTypes.
type DecisionType string

const (
	DecisionEngage    DecisionType = "engage"
	DecisionCondition DecisionType = "condition"
	DecisionRestrict  DecisionType = "restrict"
	DecisionSuspend   DecisionType = "suspend"
	DecisionTerminate DecisionType = "terminate"
)

// NeedsFourEyes reports whether a decision of this type needs an approver
// other than its proposer: those that act on the control plane.
func (t DecisionType) NeedsFourEyes() bool {
	return t == DecisionRestrict || t == DecisionSuspend || t == DecisionTerminate
}

// DecisionStatus is where a decision stands.
type DecisionStatus string

const (
	DecisionProposed  DecisionStatus = "proposed"
	DecisionApproved  DecisionStatus = "approved"
	DecisionRejected  DecisionStatus = "rejected"
	DecisionWithdrawn DecisionStatus = "withdrawn"
)

// Decision is what a case decided, why, on which assessment, by whom.
type Decision struct {
	ID     string         `json:"id"`
	CaseID string         `json:"case_id"`
	Type   DecisionType   `json:"type"`
	Status DecisionStatus `json:"status"`
	// Reasons are required: a decision without reasons is refused.
	Reasons string `json:"reasons"`
	// The assessment version the decision rests on.
	AssessmentID      string `json:"assessment_id,omitempty"`
	AssessmentVersion int    `json:"assessment_version,omitempty"`
	// SubscriptionIDs are acted on by restrict, suspend and terminate.
	SubscriptionIDs []string `json:"subscription_ids,omitempty"`
	// Capabilities a restrict decision withdraws (e.g. ai.speech_to_text).
	Capabilities []string `json:"capabilities,omitempty"`
	// Conditions: contract conditions or end-use assurances asked of the
	// customer (condition), or what engagement seeks (engage).
	Conditions string `json:"conditions,omitempty"`
	// Disengagement is required for terminate.
	Disengagement *DisengagementPlan `json:"disengagement,omitempty"`
	// Public marks the decision as one the transparency report may name.
	Public     bool       `json:"public"`
	ProposedBy string     `json:"proposed_by"`
	ProposedAt time.Time  `json:"proposed_at"`
	DecidedBy  string     `json:"decided_by,omitempty"`
	DecidedAt  *time.Time `json:"decided_at,omitempty"`
	// DecisionNote is the approver's or rejecter's reason.
	DecisionNote string `json:"decision_note,omitempty"`
	// EnforcementPlanned is set by package enforce once it has turned an
	// approved decision into control-plane actions.
	EnforcementPlanned bool `json:"enforcement_planned"`
	// Responses are the customer's answers to an engage or condition
	// decision, in the order they were recorded.
	Responses []Response `json:"responses,omitempty"`
}

// DisengagementPlan is what responsible disengagement (UNGP 19, OECD
// guidance) asks before ending a relationship.
type DisengagementPlan struct {
	// NoticeDays is the notice given to the customer.
	NoticeDays int `json:"notice_days"`
	// RightsHolderEffects says how ending the service affects rights-holders
	// (for example civilians relying on a public service) and how that is
	// mitigated.
	RightsHolderEffects string `json:"rights_holder_effects"`
	// DataHandling says what happens to the customer's data: returned,
	// deleted, or preserved for accountability under legal hold.
	DataHandling string `json:"data_handling"`
}

// Store keeps cases, their history, attachments and decisions. The SQL
// stores implement it (internal/sqlstore); storetest.RunCasework checks
// both. Every method that changes state writes its history entry and its
// event (see the vigil.Event* types) in the same transaction.
type Store interface {
	CreateCase(ctx context.Context, c *Case, actor string) error
	GetCase(ctx context.Context, id string) (*Case, error)
	ListCases(ctx context.Context, q CaseQuery) (CasePage, error)
	// UpdateCase applies fn to the case read inside the transaction and
	// stores the result with the entry fn returns; ECONFLICT when
	// expectVersion is not 0 and differs from the stored one.
	UpdateCase(ctx context.Context, id string, expectVersion int, actor string, fn func(*Case) (*Entry, error)) (*Case, error)
	CaseEntries(ctx context.Context, caseID string) ([]*Entry, error)
	// OpenCaseFor returns the open (not closed) case about the assessment
	// id, or ENOTFOUND; the automatic trigger uses it to never open two.
	OpenCaseFor(ctx context.Context, assessmentID string) (*Case, error)

	PutAttachment(ctx context.Context, a *Attachment, content []byte, actor string) error
	Attachment(ctx context.Context, caseID, sha256 string) (*Attachment, []byte, error)
	// Attachments lists a case's files (without their content).
	Attachments(ctx context.Context, caseID string) ([]*Attachment, error)

	CreateDecision(ctx context.Context, d *Decision, actor string) error
	GetDecision(ctx context.Context, id string) (*Decision, error)
	ListDecisions(ctx context.Context, q DecisionQuery) ([]*Decision, error)
	// DecideDecision approves or rejects a proposed decision; the store
	// re-checks the four-eyes rule inside the transaction.
	DecideDecision(ctx context.Context, id string, status DecisionStatus, actor, note string, now time.Time) (*Decision, error)
	// RecordResponse adds the customer's response to an approved engage or
	// condition decision, with its case entry and event; the store gives
	// the response its id, author and time.
	RecordResponse(ctx context.Context, decisionID string, r *Response, actor string, now time.Time) (*Decision, error)
}

// CaseQuery selects cases. Empty fields match everything.
type CaseQuery struct {
	Status   Status
	Assignee string
	PartyID  string
	Priority string
	// Overdue keeps open cases past their due date at Now.
	Overdue bool
	Now     time.Time
	After   string
	Limit   int
}

// CasePage is one page of cases.
type CasePage struct {
	Items []*Case `json:"items"`
	Next  string  `json:"next,omitempty"`
}

// DecisionQuery selects decisions.
type DecisionQuery struct {
	CaseID string
	Status DecisionStatus
	Type   DecisionType
	// Unplanned keeps approved decisions that act on the control plane
	// (restrict, suspend, terminate) whose enforcement is not planned yet.
	Unplanned bool
}

// StoreOf returns the casework store behind a vigil.Store.
func StoreOf(s vigil.Store) (Store, error) {
	if c, ok := s.(Store); ok {
		return c, nil
	}
	return nil, vigil.Errorf(vigil.EINTERNAL, "the store %T keeps no cases", s)
}
