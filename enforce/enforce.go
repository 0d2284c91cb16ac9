// Package enforce carries an approved decision into the provider's control
// plane and checks that it worked.
//
// The approved decision row is the outbox: the Planner turns each approved
// restrict, suspend or terminate decision whose enforcement is not planned
// into one Action per subscription, in the same transaction that marks the
// decision planned, so a crash between approval and planning loses
// nothing and planning twice writes nothing new. The Dispatcher leases due
// actions (so several workers never send one at once), hands each to an
// Adapter (the signed Webhook, or any real control plane's client) and
// retries with exponential backoff and jitter kept in the action row. A
// subscription's status in Vigil changes only when the control plane
// confirms: the confirmation, the subscription update, their events, the
// case entry and the case's move to action_in_force are one transaction.
//
// The Verifier then reads the subscription's usage after the confirmation
// and a grace period: use of a withdrawn capability raises a
// use-after-suspension signal and reopens the case; silence, once
// telemetry shows it is still flowing, verifies the action and moves the
// case to monitoring, where monitoring tasks remind the owner to re-check
// (UNGP 20).
package enforce

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/casework"
	"github.com/vigil-hrdd/vigil/usage"
)

// Operation is what the control plane is asked to do to a subscription.
type Operation string

const (
	OpRestrict  Operation = "restrict"  // withdraw the listed capabilities
	OpSuspend   Operation = "suspend"   // stop the service, keep the data
	OpTerminate Operation = "terminate" // end the service
)

// Operations lists the operations an action can carry.
var Operations = []Operation{OpRestrict, OpSuspend, OpTerminate}

// OperationOf maps a decision type to the operation that enforces it; ok
// is false for decisions that do not act on the control plane.
func OperationOf(t casework.DecisionType) (Operation, bool) {
	switch t {
	case casework.DecisionRestrict:
		return OpRestrict, true
	case casework.DecisionSuspend:
		return OpSuspend, true
	case casework.DecisionTerminate:
		return OpTerminate, true
	}
	return "", false
}

// SubscriptionStatus is the status a confirmed operation gives a
// subscription.
func (o Operation) SubscriptionStatus() vigil.SubscriptionStatus {
	switch o {
	case OpRestrict:
		return vigil.SubscriptionRestricted
	case OpTerminate:
		return vigil.SubscriptionTerminated
	}
	return vigil.SubscriptionSuspended
}

// Status is where an action stands.
type Status string

const (
	// Queued: waiting to be sent (again, after a failed attempt, at
	// NextAttemptAt).
	StatusQueued Status = "queued"
	// Pending: the control plane accepted the action and will confirm it
	// by callback; the dispatcher asks again at NextAttemptAt.
	StatusPending   Status = "pending"
	StatusConfirmed Status = "confirmed"
	// Failed: refused by the control plane, or out of attempts. A person
	// may queue it again (Store.RetryAction).
	StatusFailed Status = "failed"
)

// Statuses lists the action statuses.
var Statuses = []Status{StatusQueued, StatusPending, StatusConfirmed, StatusFailed}

// Verification is what usage telemetry says about a confirmed action.
type Verification string

const (
	VerificationNone       Verification = ""           // not checked yet
	VerificationVerified   Verification = "verified"   // the capability stopped
	VerificationUnverified Verification = "unverified" // use went on past the grace period
)

// Action is one operation on one subscription, sent to the control plane
// until it is confirmed or fails.
type Action struct {
	ID string `json:"id"`
	// Key is the idempotency key the control plane sees: derived from the
	// decision, the subscription and the operation, so planning again, or
	// sending again, names the same change.
	Key            string    `json:"idempotency_key"`
	DecisionID     string    `json:"decision_id"`
	CaseID         string    `json:"case_id"`
	SubscriptionID string    `json:"subscription_id"`
	AccountID      string    `json:"account_id"`
	Operation      Operation `json:"operation"`
	// Capabilities a restrict action withdraws; empty otherwise.
	Capabilities []string `json:"capabilities"`
	Status       Status   `json:"status"`
	// Attempts counts the calls made to the control plane.
	Attempts      int       `json:"attempts"`
	NextAttemptAt time.Time `json:"next_attempt_at"`
	LastError     string    `json:"last_error,omitempty"`
	// LeaseOwner and LeaseUntil: the dispatcher sending it now, if any.
	LeaseOwner string     `json:"lease_owner,omitempty"`
	LeaseUntil *time.Time `json:"lease_until,omitempty"`
	// Reference is the control plane's own id of the change.
	Reference   string     `json:"reference,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	CreatedBy   string     `json:"created_by"`
	UpdatedAt   time.Time  `json:"updated_at"`
	ConfirmedAt *time.Time `json:"confirmed_at,omitempty"`
	// Verification and its note (with the numbers) once the verifier has
	// decided; SignalID names the enforcement-failure signal it raised.
	Verification     Verification `json:"verification,omitempty"`
	VerifiedAt       *time.Time   `json:"verified_at,omitempty"`
	VerificationNote string       `json:"verification_note,omitempty"`
	SignalID         string       `json:"signal_id,omitempty"`
}

// KeyOf is the idempotency key of an operation on a subscription under a
// decision.
func KeyOf(decisionID, subscriptionID string, op Operation) string {
	h := sha256.Sum256([]byte("vigil-enforcement-v1\x00" + decisionID + "\x00" + subscriptionID + "\x00" + string(op)))
	return hex.EncodeToString(h[:])
}

// ActionIDOf is the action's id, derived from its key.
func ActionIDOf(key string) string { return "ACT-" + strings.ToUpper(key[:20]) }

// ActionQuery selects actions. Empty fields match everything.
type ActionQuery struct {
	Status         Status
	CaseID         string
	DecisionID     string
	SubscriptionID string
	Key            string
	// ToVerify keeps confirmed actions the verifier has not decided.
	ToVerify bool
	Limit    int // default 100, at most 1000
}

// Plan is what the Planner stores for one decision.
type Plan struct {
	Decision *casework.Decision
	Actions  []*Action
}

// Release is how a dispatcher hands back an action it leased without
// settling it.
type Release struct {
	// Pending: the control plane accepted it and will confirm later.
	Pending   bool
	Reference string
	// NextAttemptAt: when to send (or, pending, to ask) again.
	NextAttemptAt time.Time
	// LastError: why the attempt did not settle it.
	LastError string
}

// Confirmation is the control plane's word that an action took effect.
type Confirmation struct {
	Reference string
	// At is when the control plane applied it (the start of the
	// verification grace period).
	At time.Time
}

// VerificationResult is the verifier's finding on one confirmed action.
type VerificationResult struct {
	ActionID string
	Outcome  Verification
	// Note explains the finding with its numbers.
	Note string
	// Signal is the enforcement-failure signal of an unverified action.
	Signal *usage.Signal
	// MonitorEvery is the re-check interval of the monitoring task a
	// verified action's case gets (UNGP 20).
	MonitorEvery time.Duration
	At           time.Time
}

// Effectiveness is a monitoring check's finding.
type Effectiveness string

const (
	EffectiveYes    Effectiveness = "yes"
	EffectivePartly Effectiveness = "partly"
	EffectiveNo     Effectiveness = "no"
)

// Effectivenesses lists the accepted findings.
var Effectivenesses = []Effectiveness{EffectiveYes, EffectivePartly, EffectiveNo}

// MonitoringTask reminds a case's owner to re-check a mitigation at a set
// interval.
type MonitoringTask struct {
	ID       string `json:"id"`
	CaseID   string `json:"case_id"`
	ActionID string `json:"action_id,omitempty"`
	// Subject says what to re-check.
	Subject   string    `json:"subject"`
	EveryDays int       `json:"every_days"`
	DueAt     time.Time `json:"due_at"`
	// DueNotified: the monitoring.due event of the current due date is
	// written.
	DueNotified bool             `json:"due_notified"`
	Checks      int              `json:"checks"`
	LastCheck   *MonitoringCheck `json:"last_check,omitempty"`
	CreatedAt   time.Time        `json:"created_at"`
	CreatedBy   string           `json:"created_by"`
}

// MonitoringCheck is one recorded re-check.
type MonitoringCheck struct {
	Effective Effectiveness `json:"effective"`
	Notes     string        `json:"notes"`
	CheckedBy string        `json:"checked_by,omitempty"`
	CheckedAt time.Time     `json:"checked_at"`
}

// Validate checks a monitoring check's fields.
func (c *MonitoringCheck) Validate() error {
	switch c.Effective {
	case EffectiveYes, EffectivePartly, EffectiveNo:
	default:
		return vigil.FieldError("effective", "unknown finding %q (want yes, partly or no)", c.Effective)
	}
	if strings.TrimSpace(c.Notes) == "" {
		return vigil.FieldError("notes", "say what was checked and what it showed")
	}
	return nil
}

// MonitoringQuery selects monitoring tasks.
type MonitoringQuery struct {
	CaseID string
	// DueBy keeps tasks due at or before it.
	DueBy time.Time
}

// Store keeps actions and monitoring tasks. The SQL stores implement it
// (internal/sqlstore/enforce.go) in the database that keeps cases,
// decisions, subscriptions and usage, so each step is one transaction;
// storetest.RunEnforce checks both.
type Store interface {
	// PlanActions stores the plan's actions, marks the decision's
	// enforcement planned, and writes an enforcement.<op>.queued event per
	// action and one case entry, in one transaction. A decision planned
	// already changes nothing (0 actions created).
	PlanActions(ctx context.Context, p Plan, actor string) (int, error)
	GetAction(ctx context.Context, id string) (*Action, error)
	ListActions(ctx context.Context, q ActionQuery) ([]*Action, error)
	// LeaseActions claims up to limit actions due at now (queued or
	// pending, next attempt reached, no live lease) for owner until
	// now+leaseFor, counting an attempt on each. Two callers never get
	// the same action while a lease lives. It writes no event: a lease is
	// a timer, not a step of the process.
	LeaseActions(ctx context.Context, owner string, now time.Time, leaseFor time.Duration, limit int) ([]*Action, error)
	// ReleaseAction hands a leased action back for a later attempt, or as
	// pending confirmation; ECONFLICT when owner no longer holds the
	// lease. It writes no event: the attempt is operational detail kept
	// in the row; the outcome (confirmed or failed) is the step.
	ReleaseAction(ctx context.Context, id, owner string, r Release) error
	// FailAction marks an action failed (refused, or out of attempts)
	// with an enforcement.<op>.failed event and a case entry. With an
	// owner, the owner must hold the lease.
	FailAction(ctx context.Context, id, owner, reason, actor string) (*Action, error)
	// ConfirmAction records the control plane's confirmation: the action
	// confirmed, the subscription's status changed (with its
	// subscription.updated event), an enforcement.<op>.confirmed event, a
	// case entry and the case moved to action_in_force, in one
	// transaction. Confirming a confirmed action changes nothing.
	ConfirmAction(ctx context.Context, id string, c Confirmation, actor string) (*Action, error)
	// RetryAction queues a failed action again (a person's decision),
	// with an enforcement.<op>.queued event and a case entry.
	RetryAction(ctx context.Context, id, actor string) (*Action, error)
	// SaveVerification stores the verifier's finding. Verified: the
	// enforcement.<op>.verified event, a case entry, a monitoring task and,
	// once every action of the case is verified, the case moved to
	// monitoring. Unverified: the signal (with its signal.raised event),
	// the enforcement.<op>.unverified event and the case reopened to
	// investigating. One transaction either way; an action decided
	// already changes nothing.
	SaveVerification(ctx context.Context, r VerificationResult, actor string) (*Action, error)
	// LatestUsageDay is the newest day with any usage total; ok is false
	// when none is stored.
	LatestUsageDay(ctx context.Context) (day usage.Day, ok bool, err error)

	ListMonitoringTasks(ctx context.Context, q MonitoringQuery) ([]*MonitoringTask, error)
	GetMonitoringTask(ctx context.Context, id string) (*MonitoringTask, error)
	// MarkMonitoringDue writes a monitoring.due event (and a case entry)
	// for each task due at now not yet announced, and returns how many.
	MarkMonitoringDue(ctx context.Context, now time.Time, actor string) (int, error)
	// RecordMonitoringCheck stores a re-check: monitoring.recorded event,
	// case entry, next due date one interval on. A check that finds the
	// mitigation not effective reopens the case.
	RecordMonitoringCheck(ctx context.Context, taskID string, c MonitoringCheck, actor string) (*MonitoringTask, error)
}

// StoreOf returns the enforcement store behind a vigil.Store.
func StoreOf(s vigil.Store) (Store, error) {
	if e, ok := s.(Store); ok {
		return e, nil
	}
	return nil, vigil.Errorf(vigil.EINTERNAL, "the store %T keeps no enforcement actions", s)
}
