package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/casework"
	"github.com/vigil-hrdd/vigil/enforce"
	"github.com/vigil-hrdd/vigil/usage"
)

// Enforcement actions and monitoring tasks (tables enforcement_actions and
// monitoring_tasks, migration 00006). Each step that matters to the
// process writes, in its own transaction, the action's change, the case
// entry and its enforcement.<op>.<step> event (through the casework
// helpers), and whatever else the step changes: the subscription on
// confirmation, the signal and the case's status on verification.

var _ enforce.Store = (*Store)(nil)

// fixedLayout has a fixed width, so that stored times compare as text.
const fixedLayout = "2006-01-02T15:04:05.000000Z"

func fts(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(fixedLayout)
}

func fptr(s string) *time.Time {
	if s == "" {
		return nil
	}
	t := parseTS(s)
	return &t
}

const actionColumns = "id, idem_key, decision_id, case_id, subscription_id, account_id, operation, capabilities, status, attempts, next_attempt_at," +
	" lease_owner, lease_until, last_error, reference, created_at, created_by, updated_at, confirmed_at, verification, verified_at, verification_note, signal_id"

func scanAction(sc interface{ Scan(...any) error }) (*enforce.Action, error) {
	var a enforce.Action
	var caps, next, leaseUntil, created, updated, confirmed, verified string
	if err := sc.Scan(&a.ID, &a.Key, &a.DecisionID, &a.CaseID, &a.SubscriptionID, &a.AccountID, &a.Operation, &caps, &a.Status, &a.Attempts, &next,
		&a.LeaseOwner, &leaseUntil, &a.LastError, &a.Reference, &created, &a.CreatedBy, &updated, &confirmed, &a.Verification, &verified,
		&a.VerificationNote, &a.SignalID); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(caps), &a.Capabilities); err != nil {
		return nil, fmt.Errorf("action %s: capabilities: %w", a.ID, err)
	}
	if a.Capabilities == nil {
		a.Capabilities = []string{}
	}
	a.NextAttemptAt, a.CreatedAt, a.UpdatedAt = parseTS(next), parseTS(created), parseTS(updated)
	a.LeaseUntil, a.ConfirmedAt, a.VerifiedAt = fptr(leaseUntil), fptr(confirmed), fptr(verified)
	return &a, nil
}

func (tx *tx) loadAction(ctx context.Context, id string) (*enforce.Action, error) {
	rows, err := tx.query(ctx, "SELECT "+actionColumns+" FROM enforcement_actions WHERE id = ?", id)
	if err != nil {
		return nil, fmt.Errorf("load action %s: %w", id, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("load action %s: %w", id, err)
		}
		return nil, vigil.Errorf(vigil.ENOTFOUND, "no enforcement action with id %q", id)
	}
	a, err := scanAction(rows)
	if err != nil {
		return nil, fmt.Errorf("load action %s: %w", id, err)
	}
	return a, rows.Close()
}

// actionEntry writes a case entry of an enforcement step with its
// enforcement.<op>.<step> event.
func (tx *tx) actionEntry(ctx context.Context, a *enforce.Action, step, actor string, now time.Time, extra map[string]any) error {
	c, err := tx.loadCase(ctx, a.CaseID)
	if err != nil {
		return fmt.Errorf("case of action %s: %w", a.ID, err)
	}
	detail := map[string]any{
		"action_id": a.ID, "decision_id": a.DecisionID, "subscription_id": a.SubscriptionID, "account_id": a.AccountID,
		"operation": a.Operation, "capabilities": a.Capabilities, "step": step, "attempts": a.Attempts,
	}
	for k, v := range extra {
		detail[k] = v
	}
	e := &casework.Entry{Type: casework.EntryEnforcement, Event: vigil.EnforcementEventType(string(a.Operation), step), Actor: actor, Time: now}
	_, err = tx.writeCaseEntry(ctx, c, e, detail)
	return err
}

// PlanActions stores a decision's actions and marks it planned, with the
// queued events and entries, in one transaction.
func (s *Store) PlanActions(ctx context.Context, p enforce.Plan, actor string) (int, error) {
	if p.Decision == nil || len(p.Actions) == 0 {
		return 0, vigil.Errorf(vigil.EINVALID, "a plan needs a decision and at least one action")
	}
	created := 0
	err := s.inTx(ctx, func(tx *tx) error {
		created = 0
		if err := tx.markDecisionPlanned(ctx, p.Decision.ID); err != nil {
			if vigil.ErrorCode(err) == vigil.ECONFLICT {
				return errPlannedAlready
			}
			return err
		}
		now := s.now().UTC().Truncate(time.Microsecond)
		for _, a := range p.Actions {
			if a.DecisionID != p.Decision.ID || a.CaseID != p.Decision.CaseID {
				return vigil.Errorf(vigil.EINVALID, "action %s belongs to decision %s of case %s, not to decision %s", a.ID, a.DecisionID, a.CaseID, p.Decision.ID)
			}
			caps, err := json.Marshal(nonNil(a.Capabilities))
			if err != nil {
				return err
			}
			res, err := tx.exec(ctx, "INSERT INTO enforcement_actions (id, idem_key, decision_id, case_id, subscription_id, account_id, operation, capabilities,"+
				" status, attempts, next_attempt_at, created_at, created_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?) ON CONFLICT (idem_key) DO NOTHING",
				a.ID, a.Key, a.DecisionID, a.CaseID, a.SubscriptionID, a.AccountID, string(a.Operation), string(caps),
				string(enforce.StatusQueued), fts(a.NextAttemptAt), fts(now), actor, fts(now))
			if err != nil {
				return fmt.Errorf("plan action %s: %w", a.ID, err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				continue
			}
			created++
			a.Status, a.CreatedAt, a.CreatedBy, a.UpdatedAt = enforce.StatusQueued, now, actor, now
			if err := tx.actionEntry(ctx, a, vigil.EnforcementStepQueued, actor, now, nil); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, errPlannedAlready) {
		return 0, nil
	}
	return created, err
}

var errPlannedAlready = errors.New("planned already")

// GetAction returns one action.
func (s *Store) GetAction(ctx context.Context, id string) (*enforce.Action, error) {
	a, err := scanAction(s.db.QueryRowContext(ctx, s.q("SELECT "+actionColumns+" FROM enforcement_actions WHERE id = ?"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "no enforcement action with id %q", id)
	}
	if err != nil {
		return nil, fmt.Errorf("get action %s: %w", id, err)
	}
	return a, nil
}

// ListActions returns actions, oldest first.
func (s *Store) ListActions(ctx context.Context, q enforce.ActionQuery) ([]*enforce.Action, error) {
	limit := q.Limit
	if limit == 0 {
		limit = 100
	}
	if limit < 1 || limit > 1000 {
		return nil, vigil.FieldError("limit", "%d is outside 1..1000", limit)
	}
	var where []string
	var args []any
	for _, f := range []struct{ col, v string }{
		{"status", string(q.Status)}, {"case_id", q.CaseID}, {"decision_id", q.DecisionID}, {"subscription_id", q.SubscriptionID}, {"idem_key", q.Key},
	} {
		if f.v != "" {
			where, args = append(where, f.col+" = ?"), append(args, f.v)
		}
	}
	if q.ToVerify {
		where = append(where, "status = 'confirmed' AND verification = ''")
	}
	query := "SELECT " + actionColumns + " FROM enforcement_actions"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += fmt.Sprintf(" ORDER BY created_at, id LIMIT %d", limit)
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("list actions: %w", err)
	}
	defer rows.Close()
	out := []*enforce.Action{}
	for rows.Next() {
		a, err := scanAction(rows)
		if err != nil {
			return nil, fmt.Errorf("list actions: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// LeaseActions claims due actions. The UPDATE repeats the due condition:
// of two transactions that read the same candidates, the second finds the
// row leased (PostgreSQL re-reads it after the first commits; SQLite runs
// one writer at a time) and claims nothing.
func (s *Store) LeaseActions(ctx context.Context, owner string, now time.Time, leaseFor time.Duration, limit int) ([]*enforce.Action, error) {
	if owner == "" {
		return nil, vigil.FieldError("owner", "a lease needs an owner")
	}
	if limit <= 0 {
		limit = 20
	}
	var out []*enforce.Action
	err := s.inTx(ctx, func(tx *tx) error {
		out = nil
		n := fts(now)
		rows, err := tx.query(ctx, "SELECT id FROM enforcement_actions WHERE status IN ('queued', 'pending') AND next_attempt_at <= ? AND lease_until < ?"+
			fmt.Sprintf(" ORDER BY next_attempt_at, id LIMIT %d", limit), n, n)
		if err != nil {
			return fmt.Errorf("lease actions: %w", err)
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return fmt.Errorf("lease actions: %w", err)
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("lease actions: %w", err)
		}
		for _, id := range ids {
			res, err := tx.exec(ctx, "UPDATE enforcement_actions SET lease_owner = ?, lease_until = ?, attempts = attempts + 1, updated_at = ?"+
				" WHERE id = ? AND status IN ('queued', 'pending') AND next_attempt_at <= ? AND lease_until < ?",
				owner, fts(now.Add(leaseFor)), fts(s.now()), id, n, n)
			if err != nil {
				return fmt.Errorf("lease action %s: %w", id, err)
			}
			if k, _ := res.RowsAffected(); k != 1 {
				continue
			}
			a, err := tx.loadAction(ctx, id)
			if err != nil {
				return err
			}
			out = append(out, a)
		}
		return nil
	})
	return out, err
}

// leased loads an action and checks that owner holds its lease (any
// caller when owner is "").
func (tx *tx) leased(ctx context.Context, id, owner string) (*enforce.Action, error) {
	a, err := tx.loadAction(ctx, id)
	if err != nil {
		return nil, err
	}
	if owner != "" && a.LeaseOwner != owner {
		return nil, vigil.Errorf(vigil.ECONFLICT, "action %s is not leased by %s (lease held by %q)", id, owner, a.LeaseOwner)
	}
	return a, nil
}

// ReleaseAction hands a leased action back for a later attempt.
func (s *Store) ReleaseAction(ctx context.Context, id, owner string, r enforce.Release) error {
	return s.inTx(ctx, func(tx *tx) error {
		a, err := tx.leased(ctx, id, owner)
		if err != nil {
			return err
		}
		if a.Status != enforce.StatusQueued && a.Status != enforce.StatusPending {
			return vigil.Errorf(vigil.ECONFLICT, "action %s is %s already", id, a.Status)
		}
		status, ref := enforce.StatusQueued, a.Reference
		if r.Pending {
			status = enforce.StatusPending
			if r.Reference != "" {
				ref = r.Reference
			}
		}
		_, err = tx.exec(ctx, "UPDATE enforcement_actions SET status = ?, next_attempt_at = ?, last_error = ?, reference = ?, lease_owner = '', lease_until = '', updated_at = ? WHERE id = ?",
			string(status), fts(r.NextAttemptAt), r.LastError, ref, fts(s.now()), id)
		if err != nil {
			return fmt.Errorf("release action %s: %w", id, err)
		}
		return nil
	})
}

// FailAction marks an action failed with its event and case entry.
func (s *Store) FailAction(ctx context.Context, id, owner, reason, actor string) (*enforce.Action, error) {
	var out *enforce.Action
	err := s.inTx(ctx, func(tx *tx) error {
		a, err := tx.leased(ctx, id, owner)
		if err != nil {
			return err
		}
		if a.Status != enforce.StatusQueued && a.Status != enforce.StatusPending {
			return vigil.Errorf(vigil.ECONFLICT, "action %s is %s already", id, a.Status)
		}
		now := s.now().UTC().Truncate(time.Microsecond)
		if _, err := tx.exec(ctx, "UPDATE enforcement_actions SET status = 'failed', last_error = ?, lease_owner = '', lease_until = '', updated_at = ? WHERE id = ?",
			reason, fts(now), id); err != nil {
			return fmt.Errorf("fail action %s: %w", id, err)
		}
		if err := tx.actionEntry(ctx, a, vigil.EnforcementStepFailed, actor, now, map[string]any{"reason": reason}); err != nil {
			return err
		}
		out, err = tx.loadAction(ctx, id)
		return err
	})
	return out, err
}

// ConfirmAction records a confirmation and changes the subscription.
func (s *Store) ConfirmAction(ctx context.Context, id string, c enforce.Confirmation, actor string) (*enforce.Action, error) {
	var out *enforce.Action
	err := s.inTx(ctx, func(tx *tx) error {
		a, err := tx.loadAction(ctx, id)
		if err != nil {
			return err
		}
		switch a.Status {
		case enforce.StatusConfirmed:
			out = a
			return nil
		case enforce.StatusFailed:
			return vigil.Errorf(vigil.ECONFLICT, "action %s failed; queue it again before confirming it", id)
		}
		now := s.now().UTC().Truncate(time.Microsecond)
		at := c.At
		if at.IsZero() {
			at = now
		}
		ref := a.Reference
		if c.Reference != "" {
			ref = c.Reference
		}
		if _, err := tx.exec(ctx, "UPDATE enforcement_actions SET status = 'confirmed', confirmed_at = ?, reference = ?, last_error = '', lease_owner = '', lease_until = '', updated_at = ? WHERE id = ?",
			fts(at), ref, fts(now), id); err != nil {
			return fmt.Errorf("confirm action %s: %w", id, err)
		}
		if err := tx.setSubscriptionStatus(ctx, a.SubscriptionID, a.Operation.SubscriptionStatus(), actor); err != nil {
			return err
		}
		if err := tx.actionEntry(ctx, a, vigil.EnforcementStepConfirmed, actor, now, map[string]any{"reference": ref, "applied_at": fts(at)}); err != nil {
			return err
		}
		c, err := tx.loadCase(ctx, a.CaseID)
		if err != nil {
			return err
		}
		// A confirmation is a fact and is never refused for the case's
		// sake: a case that cannot go to action_in_force from where it
		// stands (monitoring, say) keeps its status and the entry above.
		if casework.CanMove(c.Status, casework.StatusActionInForce) {
			if _, err := tx.moveCase(ctx, a.CaseID, casework.StatusActionInForce, actor, &casework.Entry{
				Detail: mustJSON(map[string]any{"reason": "action " + a.ID + " confirmed by the control plane"}),
			}); err != nil {
				return err
			}
		}
		out, err = tx.loadAction(ctx, id)
		return err
	})
	return out, err
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only maps of strings reach here
	}
	return b
}

// setSubscriptionStatus changes a subscription's status the way Store.Update
// does (same row, same subscription.updated event), inside the caller's
// transaction. A subscription already in that status is left alone.
func (tx *tx) setSubscriptionStatus(ctx context.Context, id string, status vigil.SubscriptionStatus, actor string) error {
	t, err := tableFor(vigil.KindSubscription)
	if err != nil {
		return err
	}
	rows, err := tx.query(ctx, recordSelect+t.name+" WHERE id = ?", id)
	if err != nil {
		return fmt.Errorf("subscription %s: %w", id, err)
	}
	var rid, doc, ca, cb, ua, ub string
	found := rows.Next()
	if found {
		err = rows.Scan(&rid, &doc, &ca, &cb, &ua, &ub)
	}
	rows.Close()
	if err != nil {
		return fmt.Errorf("subscription %s: %w", id, err)
	}
	if !found {
		return vigil.Errorf(vigil.ENOTFOUND, "no subscription with id %q", id)
	}
	rec, err := decode(vigil.KindSubscription, doc, ca, cb, ua, ub)
	if err != nil {
		return err
	}
	sub := rec.(*vigil.Subscription)
	if sub.Status == status {
		return nil
	}
	sub.Status = status
	if err := sub.Validate(); err != nil {
		return err
	}
	newDoc, hash, err := document(sub)
	if err != nil {
		return err
	}
	sub.UpdatedAt, sub.UpdatedBy = tx.s.now().UTC(), actor
	if err := tx.updateRow(ctx, t, sub, newDoc, hash); err != nil {
		return err
	}
	return tx.recordChange(ctx, sub, "updated", actor)
}

// RetryAction queues a failed action again.
func (s *Store) RetryAction(ctx context.Context, id, actor string) (*enforce.Action, error) {
	var out *enforce.Action
	err := s.inTx(ctx, func(tx *tx) error {
		a, err := tx.loadAction(ctx, id)
		if err != nil {
			return err
		}
		if a.Status != enforce.StatusFailed {
			return vigil.Errorf(vigil.ECONFLICT, "action %s is %s; only a failed action can be queued again", id, a.Status)
		}
		now := s.now().UTC().Truncate(time.Microsecond)
		// next_attempt_at '' sorts first: a person's requeue is due at
		// once, whatever the dispatchers' clocks say.
		if _, err := tx.exec(ctx, "UPDATE enforcement_actions SET status = 'queued', attempts = 0, next_attempt_at = '', lease_owner = '', lease_until = '', updated_at = ? WHERE id = ?",
			fts(now), id); err != nil {
			return fmt.Errorf("retry action %s: %w", id, err)
		}
		if err := tx.actionEntry(ctx, a, vigil.EnforcementStepQueued, actor, now, map[string]any{"retry_of_failure": a.LastError}); err != nil {
			return err
		}
		out, err = tx.loadAction(ctx, id)
		return err
	})
	return out, err
}

// SaveVerification stores the verifier's finding with everything it
// changes.
func (s *Store) SaveVerification(ctx context.Context, r enforce.VerificationResult, actor string) (*enforce.Action, error) {
	if r.Outcome != enforce.VerificationVerified && r.Outcome != enforce.VerificationUnverified {
		return nil, vigil.FieldError("outcome", "unknown verification %q (want verified or unverified)", r.Outcome)
	}
	if r.Outcome == enforce.VerificationUnverified && r.Signal == nil {
		return nil, vigil.FieldError("signal", "an unverified action needs its enforcement-failure signal")
	}
	var out *enforce.Action
	err := s.inTx(ctx, func(tx *tx) error {
		a, err := tx.loadAction(ctx, r.ActionID)
		if err != nil {
			return err
		}
		if a.Status != enforce.StatusConfirmed {
			return vigil.Errorf(vigil.ECONFLICT, "action %s is %s; only a confirmed action is verified", a.ID, a.Status)
		}
		if a.Verification != enforce.VerificationNone {
			out = a
			return nil
		}
		now := s.now().UTC().Truncate(time.Microsecond)
		at := r.At
		if at.IsZero() {
			at = now
		}
		signalID := ""
		if r.Signal != nil {
			signalID = r.Signal.ID
		}
		if _, err := tx.exec(ctx, "UPDATE enforcement_actions SET verification = ?, verified_at = ?, verification_note = ?, signal_id = ?, updated_at = ? WHERE id = ?",
			string(r.Outcome), fts(at), r.Note, signalID, fts(now), a.ID); err != nil {
			return fmt.Errorf("verify action %s: %w", a.ID, err)
		}
		a.Verification = r.Outcome
		if r.Outcome == enforce.VerificationUnverified {
			if err := tx.insertSignal(ctx, r.Signal, actor, now); err != nil {
				return err
			}
			if err := tx.actionEntry(ctx, a, vigil.EnforcementStepUnverified, actor, now, map[string]any{"note": r.Note, "signal_id": signalID}); err != nil {
				return err
			}
			if _, err := tx.moveCase(ctx, a.CaseID, casework.StatusInvestigating, actor, &casework.Entry{Type: casework.EntryReopened,
				Detail: mustJSON(map[string]any{"reason": "enforcement failure: " + r.Note, "action_id": a.ID, "signal_id": signalID})}); err != nil {
				return err
			}
		} else {
			if err := tx.actionEntry(ctx, a, vigil.EnforcementStepVerified, actor, now, map[string]any{"note": r.Note}); err != nil {
				return err
			}
			if err := tx.afterVerified(ctx, a, r, actor, now); err != nil {
				return err
			}
		}
		out, err = tx.loadAction(ctx, a.ID)
		return err
	})
	return out, err
}

// afterVerified gives the case a monitoring task and, once no action of
// the case remains unverified, moves a case with its action in force to
// monitoring.
func (tx *tx) afterVerified(ctx context.Context, a *enforce.Action, r enforce.VerificationResult, actor string, now time.Time) error {
	var open int
	if err := tx.queryRow(ctx, "SELECT count(*) FROM enforcement_actions WHERE case_id = ? AND id <> ? AND verification <> 'verified' AND status <> 'failed'",
		[]any{a.CaseID, a.ID}, &open); err != nil {
		return fmt.Errorf("actions of case %s: %w", a.CaseID, err)
	}
	every := r.MonitorEvery
	if every <= 0 {
		every = 30 * 24 * time.Hour
	}
	days := max(1, int(every/(24*time.Hour)))
	taskID := "MON-" + strings.TrimPrefix(a.ID, "ACT-")
	subject := fmt.Sprintf("re-check that the %s of subscription %s (action %s) still holds and that it met its aim", a.Operation, a.SubscriptionID, a.ID)
	if _, err := tx.exec(ctx, "INSERT INTO monitoring_tasks (id, case_id, action_id, subject, every_days, due_at, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
		taskID, a.CaseID, a.ID, subject, days, fts(now.Add(time.Duration(days)*24*time.Hour)), fts(now), actor); err != nil {
		return fmt.Errorf("monitoring task of case %s: %w", a.CaseID, err)
	}
	if open > 0 {
		return nil
	}
	c, err := tx.loadCase(ctx, a.CaseID)
	if err != nil {
		return err
	}
	if c.Status != casework.StatusActionInForce {
		return nil
	}
	_, err = tx.moveCase(ctx, a.CaseID, casework.StatusMonitoring, actor, &casework.Entry{
		Detail: mustJSON(map[string]any{"reason": "every enforcement action of the case is verified by usage telemetry"})})
	return err
}

// insertSignal stores a usage signal with its signal.raised event inside
// the caller's transaction, as SaveSignals does; a signal stored already
// (same id) changes nothing.
func (tx *tx) insertSignal(ctx context.Context, sig *usage.Signal, actor string, now time.Time) error {
	sig.CreatedAt, sig.CreatedBy = now.Truncate(time.Microsecond), actor
	doc, err := json.Marshal(sig)
	if err != nil {
		return fmt.Errorf("store signal %s: %w", sig.ID, err)
	}
	res, err := tx.exec(ctx, "INSERT INTO usage_signals (id, rule, severity, account_id, subscription_id, meter, as_of, doc, created_at, created_by)"+
		" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
		sig.ID, sig.Rule, sig.Severity, sig.Account, sig.Subscription, sig.Meter, sig.AsOf.String(), string(doc), ts(now), actor)
	if err != nil {
		return fmt.Errorf("store signal %s: %w", sig.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	ev, err := vigil.NewEvent("signal.raised", "signals/"+sig.ID, actor, now, sig)
	if err != nil {
		return err
	}
	return tx.insertEvent(ctx, ev)
}

// LatestUsageDay is the newest day with a usage total.
func (s *Store) LatestUsageDay(ctx context.Context) (usage.Day, bool, error) {
	var day sql.NullString
	if err := s.db.QueryRowContext(ctx, "SELECT max(day) FROM usage_daily").Scan(&day); err != nil {
		return 0, false, fmt.Errorf("latest usage day: %w", err)
	}
	if !day.Valid || day.String == "" {
		return 0, false, nil
	}
	t, err := time.Parse(vigil.DateLayout, day.String)
	if err != nil {
		return 0, false, fmt.Errorf("latest usage day %q: %w", day.String, err)
	}
	return usage.DayOf(t), true, nil
}

const monitoringColumns = "id, case_id, action_id, subject, every_days, due_at, due_notified, checks, last_effective, last_notes, last_checked_by, last_checked_at, created_at, created_by"

func scanTask(sc interface{ Scan(...any) error }) (*enforce.MonitoringTask, error) {
	var m enforce.MonitoringTask
	var due, eff, notes, by, at, created string
	var notified int
	if err := sc.Scan(&m.ID, &m.CaseID, &m.ActionID, &m.Subject, &m.EveryDays, &due, &notified, &m.Checks, &eff, &notes, &by, &at, &created, &m.CreatedBy); err != nil {
		return nil, err
	}
	m.DueAt, m.CreatedAt, m.DueNotified = parseTS(due), parseTS(created), notified != 0
	if eff != "" {
		m.LastCheck = &enforce.MonitoringCheck{Effective: enforce.Effectiveness(eff), Notes: notes, CheckedBy: by, CheckedAt: parseTS(at)}
	}
	return &m, nil
}

// ListMonitoringTasks returns tasks, soonest due first.
func (s *Store) ListMonitoringTasks(ctx context.Context, q enforce.MonitoringQuery) ([]*enforce.MonitoringTask, error) {
	var where []string
	var args []any
	if q.CaseID != "" {
		where, args = append(where, "case_id = ?"), append(args, q.CaseID)
	}
	if !q.DueBy.IsZero() {
		where, args = append(where, "due_at <= ?"), append(args, fts(q.DueBy))
	}
	query := "SELECT " + monitoringColumns + " FROM monitoring_tasks"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.db.QueryContext(ctx, s.q(query+" ORDER BY due_at, id LIMIT 1000"), args...)
	if err != nil {
		return nil, fmt.Errorf("list monitoring tasks: %w", err)
	}
	defer rows.Close()
	out := []*enforce.MonitoringTask{}
	for rows.Next() {
		m, err := scanTask(rows)
		if err != nil {
			return nil, fmt.Errorf("list monitoring tasks: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// GetMonitoringTask returns one task.
func (s *Store) GetMonitoringTask(ctx context.Context, id string) (*enforce.MonitoringTask, error) {
	m, err := scanTask(s.db.QueryRowContext(ctx, s.q("SELECT "+monitoringColumns+" FROM monitoring_tasks WHERE id = ?"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "no monitoring task with id %q", id)
	}
	if err != nil {
		return nil, fmt.Errorf("get monitoring task %s: %w", id, err)
	}
	return m, nil
}

func (tx *tx) loadTask(ctx context.Context, id string) (*enforce.MonitoringTask, error) {
	rows, err := tx.query(ctx, "SELECT "+monitoringColumns+" FROM monitoring_tasks WHERE id = ?", id)
	if err != nil {
		return nil, fmt.Errorf("load monitoring task %s: %w", id, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return nil, vigil.Errorf(vigil.ENOTFOUND, "no monitoring task with id %q", id)
	}
	m, err := scanTask(rows)
	if err != nil {
		return nil, fmt.Errorf("load monitoring task %s: %w", id, err)
	}
	return m, rows.Close()
}

// MarkMonitoringDue announces the tasks that fell due.
func (s *Store) MarkMonitoringDue(ctx context.Context, now time.Time, actor string) (int, error) {
	n := 0
	err := s.inTx(ctx, func(tx *tx) error {
		n = 0
		rows, err := tx.query(ctx, "SELECT id FROM monitoring_tasks WHERE due_at <= ? AND due_notified = 0 ORDER BY due_at, id", fts(now))
		if err != nil {
			return fmt.Errorf("due monitoring tasks: %w", err)
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		at := s.now().UTC().Truncate(time.Microsecond)
		for _, id := range ids {
			m, err := tx.loadTask(ctx, id)
			if err != nil {
				return err
			}
			if _, err := tx.exec(ctx, "UPDATE monitoring_tasks SET due_notified = 1 WHERE id = ?", id); err != nil {
				return fmt.Errorf("monitoring task %s: %w", id, err)
			}
			c, err := tx.loadCase(ctx, m.CaseID)
			if err != nil {
				return err
			}
			e := &casework.Entry{Type: casework.EntryMonitoring, Event: vigil.EventMonitoringDue, Actor: actor, Time: at}
			if _, err := tx.writeCaseEntry(ctx, c, e, map[string]any{"task_id": m.ID, "subject": m.Subject, "due_at": fts(m.DueAt)}); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// RecordMonitoringCheck stores a re-check and sets the next due date.
func (s *Store) RecordMonitoringCheck(ctx context.Context, taskID string, chk enforce.MonitoringCheck, actor string) (*enforce.MonitoringTask, error) {
	if err := chk.Validate(); err != nil {
		return nil, err
	}
	var out *enforce.MonitoringTask
	err := s.inTx(ctx, func(tx *tx) error {
		m, err := tx.loadTask(ctx, taskID)
		if err != nil {
			return err
		}
		now := s.now().UTC().Truncate(time.Microsecond)
		if chk.CheckedAt.IsZero() {
			chk.CheckedAt = now
		}
		next := chk.CheckedAt.Add(time.Duration(m.EveryDays) * 24 * time.Hour)
		if _, err := tx.exec(ctx, "UPDATE monitoring_tasks SET checks = checks + 1, last_effective = ?, last_notes = ?, last_checked_by = ?, last_checked_at = ?,"+
			" due_at = ?, due_notified = 0 WHERE id = ?", string(chk.Effective), chk.Notes, actor, fts(chk.CheckedAt), fts(next), taskID); err != nil {
			return fmt.Errorf("record monitoring check of %s: %w", taskID, err)
		}
		c, err := tx.loadCase(ctx, m.CaseID)
		if err != nil {
			return err
		}
		e := &casework.Entry{Type: casework.EntryMonitoring, Event: vigil.EventMonitoringRecorded, Actor: actor, Time: now}
		if _, err := tx.writeCaseEntry(ctx, c, e, map[string]any{"task_id": m.ID, "effective": chk.Effective, "notes": chk.Notes,
			"checked_at": fts(chk.CheckedAt), "next_due_at": fts(next)}); err != nil {
			return err
		}
		if chk.Effective == enforce.EffectiveNo && c.Status != casework.StatusInvestigating {
			// A mitigation found not to work is a new fact: the case goes
			// back to investigation, never silently.
			if _, err := tx.moveCase(ctx, c.ID, casework.StatusInvestigating, actor, &casework.Entry{Type: casework.EntryReopened,
				Detail: mustJSON(map[string]any{"reason": "monitoring check found the mitigation not effective: " + chk.Notes, "task_id": m.ID})}); err != nil {
				return err
			}
		}
		out, err = tx.loadTask(ctx, taskID)
		return err
	})
	return out, err
}
