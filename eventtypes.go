package vigil

// Event types of the due-diligence process. The public proof log holds each
// event's type and time (and a commitment to the rest), so the transparency
// report's public figures are counts of these types over a period: anyone
// holding the log can re-derive them (vigil report verify). That is why a
// type carries what a public figure counts by, such as the kind of a
// decision or whether a deadline was met, and never anything confidential
// (a party, a country, a sector): those go in the payload, which only an
// auditor given the events and their salts can check.
//
// docs/events.md lists every type with its payload; a test keeps the two
// in step.
const (
	// Cases (package casework).
	EventCaseOpened        = "case.opened"         // payload: case id, priority, how it opened (auto or manual)
	EventCaseStatusChanged = "case.status_changed" // payload: from, to, outcome when closing
	EventCaseReopened      = "case.reopened"       // payload: reason (e.g. enforcement failure)
	EventCaseAssigned      = "case.assigned"
	EventCaseCommented     = "case.commented"
	EventCaseAttached      = "case.attached" // payload: file name, media type, SHA-256, size
	EventCaseLinked        = "case.linked"   // payload: what was linked (parties, subscriptions, signals, grievances...)
	EventCaseClosed        = "case.closed"   // payload: outcome

	// Monitoring of mitigations (UNGP 20).
	EventMonitoringDue      = "monitoring.due"
	EventMonitoringRecorded = "monitoring.recorded" // payload: effective yes/no/partly, notes
)

// Decision events are "decision.<type>.<step>": the type is one of
// DecisionTypes and the step one of proposed, approved, rejected or
// withdrawn, so the report counts decisions by type from the public log.
// Engage and condition need no second approver: recording one writes its
// proposed and approved events together.
const (
	DecisionStepProposed  = "proposed"
	DecisionStepApproved  = "approved"
	DecisionStepRejected  = "rejected"
	DecisionStepWithdrawn = "withdrawn"
)

// DecisionTypes are the decisions a case can reach, from the lightest to
// the heaviest. Restrict, suspend and terminate act on the control plane
// and need four eyes; terminate needs a responsible-disengagement plan.
var DecisionTypes = []string{"engage", "condition", "restrict", "suspend", "terminate"}

// DecisionEventType is the event type of a decision's step.
func DecisionEventType(decisionType, step string) string {
	return "decision." + decisionType + "." + step
}

// EventDecisionResponseRecorded: the customer's response (accepted, refused,
// vague) to an engage or condition decision was recorded. Payload: decision
// id, the relationship it rests on, what was asked and the response; the
// risk engine re-assesses that relationship.
const EventDecisionResponseRecorded = "decision.response_recorded"

// Enforcement events are "enforcement.<operation>.<step>": operation is
// restrict, suspend, terminate or reinstate; step is one of the following.
const (
	EnforcementStepQueued    = "queued"    // an action for the control plane is in the outbox
	EnforcementStepConfirmed = "confirmed" // the control plane confirmed; the subscription status changed
	EnforcementStepFailed    = "failed"    // the control plane refused, or retries ran out
	// Verified: usage telemetry shows the capability stopped after the grace
	// period. Unverified: use went on; an enforcement-failure signal is
	// raised and the case reopened.
	EnforcementStepVerified   = "verified"
	EnforcementStepUnverified = "unverified"
)

// EnforcementEventType is the event type of an enforcement step.
func EnforcementEventType(operation, step string) string {
	return "enforcement." + operation + "." + step
}

// Grievances (package grievance). Whether a deadline was met is in the
// type, so the report's "acknowledged in time" is a public count.
const (
	EventGrievanceReceived         = "grievance.received"          // payload: channel, anonymous or named (never the contact)
	EventGrievanceUpdated          = "grievance.updated"           // the submitter added information with the receipt code
	EventGrievanceTriaged          = "grievance.triaged"           // payload: linked parties, subscriptions, cases
	EventGrievanceAcknowledged     = "grievance.acknowledged"      // within the acknowledgement deadline
	EventGrievanceAcknowledgedLate = "grievance.acknowledged_late" // after it
	EventGrievanceAnswered         = "grievance.answered"          // within the answer deadline
	EventGrievanceAnsweredLate     = "grievance.answered_late"
	EventGrievanceClosed           = "grievance.closed" // payload: outcome; whether it led to action
	EventGrievanceContactOpened    = "grievance.contact_opened"
	// A sealed file the submitter sent was opened with the key's
	// passphrase; payload: its SHA-256 (never the bytes).
	EventGrievanceAttachmentOpened = "grievance.attachment_opened"

	// Stakeholder engagement.
	EventEngagementRecorded    = "engagement.recorded"     // a letter or meeting
	EventEngagementPromised    = "engagement.promised"     // a promise with a due date
	EventEngagementKept        = "engagement.promise_kept" // answered by the due date
	EventEngagementKeptLate    = "engagement.promise_kept_late"
	EventEngagementPromiseOpen = "engagement.promise_overdue" // the due date passed unanswered
)

// Screening (package screen).
const (
	EventListImported        = "screening.list_imported" // payload: list, version, added, changed, removed
	EventScreeningRun        = "screening.run"           // payload: parties screened, matches found
	EventScreeningMatch      = "screening.match_found"
	EventScreeningConfirmed  = "screening.match_confirmed"
	EventScreeningDismissed  = "screening.match_dismissed"
	EventReportPublished     = "report.published" // payload: period, checkpoint, digest of the figures
	EventAssessmentTierShift = "assessment.tier_changed"
)
