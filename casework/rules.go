package casework

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/vigil-hrdd/vigil"
)

// PathTo returns the statuses a case passes through to go from one status
// to another along allowed transitions, shortest first, excluding from and
// including to; nil when to cannot be reached, or from equals to. A path
// never passes through closed: a decision never closes a case on its way.
func PathTo(from, to Status) []Status {
	if from == to {
		return nil
	}
	prev := map[Status]Status{from: from}
	queue := []Status{from}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, n := range transitions[s] {
			if _, seen := prev[n]; seen {
				continue
			}
			prev[n] = s
			if n == to {
				var path []Status
				for at := to; at != from; at = prev[at] {
					path = append(path, at)
				}
				slices.Reverse(path)
				return path
			}
			if n != StatusClosed {
				queue = append(queue, n)
			}
		}
	}
	return nil
}

// ValidStatus reports whether s is a known status.
func ValidStatus(s Status) bool { return slices.Contains(Statuses, s) }

// ValidOutcome reports whether o is a known outcome.
func ValidOutcome(o Outcome) bool { return slices.Contains(Outcomes, o) }

// DecisionTypes lists the decision types from the lightest to the heaviest.
var DecisionTypes = []DecisionType{DecisionEngage, DecisionCondition, DecisionRestrict, DecisionSuspend, DecisionTerminate}

// ValidDecisionType reports whether t is a known decision type.
func ValidDecisionType(t DecisionType) bool { return slices.Contains(DecisionTypes, t) }

// ActsOnSubscriptions reports whether a decision of this type acts on
// subscriptions in the control plane, and so must name them.
func (t DecisionType) ActsOnSubscriptions() bool { return t.NeedsFourEyes() }

// StatusAfterApproval is where an approved decision puts its case: action
// in force for one that acts on the control plane, monitoring for
// engagement and conditions, whose effect is watched rather than enforced.
func (t DecisionType) StatusAfterApproval() Status {
	if t.NeedsFourEyes() {
		return StatusActionInForce
	}
	return StatusMonitoring
}

// Complete reports what a disengagement plan lacks, as a field error, or
// nil when it says everything responsible disengagement asks.
func (p *DisengagementPlan) Complete() error {
	switch {
	case p == nil:
		return vigil.FieldError("disengagement", "terminate needs a responsible-disengagement plan: notice days, effects on rights-holders, data handling")
	case p.NoticeDays <= 0:
		return vigil.FieldError("disengagement.notice_days", "must give the customer notice: at least 1 day")
	case len(strings.TrimSpace(p.RightsHolderEffects)) < 10:
		return vigil.FieldError("disengagement.rights_holder_effects", "must say how ending the service affects rights-holders and how that is mitigated")
	case len(strings.TrimSpace(p.DataHandling)) < 5:
		return vigil.FieldError("disengagement.data_handling", "must say whether the customer's data is returned, deleted or preserved")
	}
	return nil
}

// EventTypeOf is the event type written with an entry: the entry's own
// Event when set, otherwise the case event of its type. Decision entries
// carry their type and step in the detail.
func EventTypeOf(e *Entry) string {
	if e.Event != "" {
		return e.Event
	}
	switch e.Type {
	case EntryOpened:
		return vigil.EventCaseOpened
	case EntryStatusChanged:
		return vigil.EventCaseStatusChanged
	case EntryReopened:
		return vigil.EventCaseReopened
	case EntryAssigned:
		return vigil.EventCaseAssigned
	case EntryCommented:
		return vigil.EventCaseCommented
	case EntryAttached:
		return vigil.EventCaseAttached
	case EntryLinked:
		return vigil.EventCaseLinked
	case EntryMonitoring:
		return vigil.EventMonitoringRecorded
	case EntryResponse:
		return vigil.EventDecisionResponseRecorded
	case EntryDecision:
		var d struct {
			Type string `json:"type"`
			Step string `json:"step"`
		}
		if json.Unmarshal(e.Detail, &d) == nil && d.Type != "" && d.Step != "" {
			return vigil.DecisionEventType(d.Type, d.Step)
		}
	}
	return ""
}
