package screening

import (
	"time"

	"github.com/vigil-hrdd/vigil"
)

// Outcome is what a finding did to the stored match of its pair.
type Outcome int

const (
	Unchanged Outcome = iota // nothing to store
	Found                    // a new pending match (or one found again after it was cleared or delisted)
	Reopened                 // a dismissal that no longer holds: pending again
	Updated                  // a pending match rescored
	Held                     // a dismissal that still holds
)

// Reconcile decides what a run's finding does to the stored match of the
// same party and entry (old is nil when there is none). It returns the
// match to store, or nil when nothing changes.
//
// A dismissal holds while the party's screened content and the entry's
// content are those the dismissal saw: the same pair found again is the
// question the analyst already answered. Once either side changes, the
// answer may not stand, so the match is pending again. A confirmation
// stands whatever changes: withdrawing it is an analyst's decision.
func Reconcile(old *Match, f Finding, runID string, at time.Time) (*Match, Outcome) {
	fresh := func(status string) *Match {
		m := &Match{ID: MatchID(f.PartyID, f.Entry.List, f.Entry.Entity.ID), PartyID: f.PartyID, PartyName: f.PartyName,
			List: f.Entry.List, ListKind: f.ListKind, ListVersion: f.Entry.Version, EntryID: f.Entry.Entity.ID,
			EntryName: EntityName(f.Entry.Entity), Entry: f.Entry.Entity, Score: f.Score, Decision: f.Decision,
			Status: status, Explanation: f.Explanation, PartyHash: f.PartyHash, EntryHash: f.Entry.Hash,
			RunID: runID, FoundAt: at, UpdatedAt: at}
		if old != nil {
			m.FoundAt = old.FoundAt
		}
		return m
	}
	if old == nil {
		return fresh(StatusPending), Found
	}
	same := old.PartyHash == f.PartyHash && old.EntryHash == f.Entry.Hash
	switch old.Status {
	case StatusPending:
		if same && old.Score == f.Score && old.PartyName == f.PartyName && old.ListKind == f.ListKind {
			return nil, Unchanged
		}
		return fresh(StatusPending), Updated
	case StatusConfirmed:
		return nil, Unchanged
	case StatusDismissed:
		if same {
			return nil, Held
		}
		return fresh(StatusPending), Reopened
	default: // cleared or delisted
		return fresh(StatusPending), Found
	}
}

// Decide applies an analyst's decision to a match.
func Decide(m *Match, d DecideRequest) (*Match, error) {
	if d.Status != StatusConfirmed && d.Status != StatusDismissed {
		return nil, vigil.FieldError("status", "want confirmed or dismissed, not %q", d.Status)
	}
	if len([]rune(d.Reason)) < 3 {
		return nil, vigil.FieldError("reason", "say why, in a few words")
	}
	if len(d.Reason) > 4000 {
		return nil, vigil.FieldError("reason", "at most 4000 bytes")
	}
	switch m.Status {
	case StatusPending, StatusConfirmed, StatusDismissed:
	default:
		return nil, vigil.Errorf(vigil.ECONFLICT, "match %s is %s: only pending or decided matches can be confirmed or dismissed", m.ID, m.Status)
	}
	if m.Status == d.Status {
		return nil, vigil.Errorf(vigil.ECONFLICT, "match %s is already %s", m.ID, m.Status)
	}
	next := *m
	next.Status, next.Reason, next.DecidedBy, next.DecidedAt, next.UpdatedAt = d.Status, d.Reason, d.Actor, d.At, d.At
	return &next, nil
}
