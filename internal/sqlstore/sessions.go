package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vigil-hrdd/vigil"
)

// The web UI's storage: password credentials with lock-out, sessions, and
// the summaries of the dashboard. Every change that matters to an auditor
// (a password set, a failed sign-in, a lock-out, a session started or
// ended) writes its event in the same transaction. Moving a session's idle
// deadline does not: it is a timer, not a decision, and an event per click
// would fill the public log with noise.

// SetPassword stores a user's password hash and clears failures and locks.
func (s *Store) SetPassword(ctx context.Context, userID, hash, actor string) error {
	if hash == "" {
		return vigil.FieldError("hash", "a password hash is needed")
	}
	now := s.now().UTC()
	return s.inTx(ctx, func(tx *tx) error {
		if err := tx.webUserExists(ctx, userID); err != nil {
			return err
		}
		res, err := tx.exec(ctx, "UPDATE credentials SET hash = ?, failures = 0, locked_until = '', changed_at = ?, changed_by = ? WHERE user_id = ?",
			hash, ts(now), actor, userID)
		if err != nil {
			return fmt.Errorf("set password of %s: %w", userID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := tx.exec(ctx, "INSERT INTO credentials (user_id, hash, failures, locked_until, changed_at, changed_by) VALUES (?, ?, 0, '', ?, ?)",
				userID, hash, ts(now), actor); err != nil {
				return fmt.Errorf("set password of %s: %w", userID, err)
			}
		}
		// A new password ends every open session of the user (ASVS 7.4.3):
		// whoever knew the old one is signed out.
		ended, err := tx.exec(ctx, "UPDATE web_sessions SET ended_at = ?, end_reason = 'password_changed' WHERE user_id = ? AND ended_at IS NULL", ts(now), userID)
		if err != nil {
			return fmt.Errorf("end sessions of %s: %w", userID, err)
		}
		// The event says how many sessions the change ended, so the log
		// records the sign-outs it caused too.
		n, _ := ended.RowsAffected()
		return tx.webEvent(ctx, "user.password_set", "users/"+userID, actor, map[string]any{"user_id": userID, "sessions_ended": n})
	})
}

func (tx *tx) webUserExists(ctx context.Context, userID string) error {
	rows, err := tx.query(ctx, "SELECT 1 FROM users WHERE id = ?", userID)
	if err != nil {
		return fmt.Errorf("look up user %s: %w", userID, err)
	}
	found := rows.Next()
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("look up user %s: %w", userID, err)
	}
	if !found {
		return vigil.Errorf(vigil.ENOTFOUND, "no user with id %q", userID)
	}
	return nil
}

func (tx *tx) webEvent(ctx context.Context, typ, subject, actor string, payload any) error {
	ev, err := vigil.NewEvent(typ, subject, actor, tx.s.now(), payload)
	if err != nil {
		return err
	}
	return tx.insertEvent(ctx, ev)
}

const credentialSelect = "SELECT user_id, hash, failures, locked_until, changed_at FROM credentials WHERE user_id = ?"

func scanCredential(sc interface{ Scan(...any) error }) (*vigil.Credential, error) {
	var c vigil.Credential
	var locked, changed string
	if err := sc.Scan(&c.UserID, &c.Hash, &c.Failures, &locked, &changed); err != nil {
		return nil, err
	}
	c.LockedUntil, c.ChangedAt = parseTS(locked), parseTS(changed)
	return &c, nil
}

// Credential returns a user's sign-in state.
func (s *Store) Credential(ctx context.Context, userID string) (*vigil.Credential, error) {
	c, err := scanCredential(s.db.QueryRowContext(ctx, s.q(credentialSelect), userID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "user %q has no password", userID)
	}
	if err != nil {
		return nil, fmt.Errorf("credential of %s: %w", userID, err)
	}
	return c, nil
}

// RecordLoginFailure counts a failure and locks the user at the limit.
func (s *Store) RecordLoginFailure(ctx context.Context, userID string, now time.Time, maxFailures int, lockFor time.Duration) (*vigil.Credential, error) {
	if maxFailures < 1 {
		return nil, vigil.FieldError("max_failures", "must be at least 1")
	}
	var out *vigil.Credential
	err := s.inTx(ctx, func(tx *tx) error {
		rows, err := tx.query(ctx, credentialSelect, userID)
		if err != nil {
			return fmt.Errorf("login failure of %s: %w", userID, err)
		}
		var c *vigil.Credential
		if rows.Next() {
			c, err = scanCredential(rows)
		}
		rows.Close()
		if err != nil {
			return fmt.Errorf("login failure of %s: %w", userID, err)
		}
		if c == nil {
			return vigil.Errorf(vigil.ENOTFOUND, "user %q has no password", userID)
		}
		c.Failures++
		payload := map[string]any{"user_id": userID, "failures": c.Failures}
		if err := tx.webEvent(ctx, "user.login_failed", "users/"+userID, userID, payload); err != nil {
			return err
		}
		if c.Failures >= maxFailures {
			c.Failures = 0
			c.LockedUntil = now.UTC().Add(lockFor)
			if err := tx.webEvent(ctx, "user.locked_out", "users/"+userID, userID,
				map[string]any{"user_id": userID, "until": ts(c.LockedUntil), "after_failures": maxFailures}); err != nil {
				return err
			}
		}
		if _, err := tx.exec(ctx, "UPDATE credentials SET failures = ?, locked_until = ? WHERE user_id = ?", c.Failures, ts(c.LockedUntil), userID); err != nil {
			return fmt.Errorf("login failure of %s: %w", userID, err)
		}
		out = c
		return nil
	})
	return out, err
}

// CreateSession stores a session and clears the failure count.
func (s *Store) CreateSession(ctx context.Context, sess *vigil.Session) error {
	if sess.Hash == "" || sess.UserID == "" {
		return vigil.FieldError("hash", "a session needs a user and the hash of its secret")
	}
	if sess.ID == "" {
		sess.ID = vigil.NewID(s.now())
	}
	if sess.CreatedAt.IsZero() {
		sess.CreatedAt = s.now().UTC()
	}
	if sess.SeenAt.IsZero() {
		sess.SeenAt = sess.CreatedAt
	}
	if !sess.ExpiresAt.After(sess.CreatedAt) || !sess.IdleUntil.After(sess.CreatedAt) {
		return vigil.FieldError("expires_at", "a session needs deadlines after its start")
	}
	return s.inTx(ctx, func(tx *tx) error {
		if err := tx.webUserExists(ctx, sess.UserID); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, "INSERT INTO web_sessions (id, user_id, hash, created_at, seen_at, idle_until, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
			sess.ID, sess.UserID, sess.Hash, ts(sess.CreatedAt), ts(sess.SeenAt), ts(sess.IdleUntil), ts(sess.ExpiresAt)); err != nil {
			if s.dialect.IsUniqueViolation(err) {
				return vigil.Errorf(vigil.ECONFLICT, "session %q exists already", sess.ID)
			}
			return fmt.Errorf("create session: %w", err)
		}
		if _, err := tx.exec(ctx, "UPDATE credentials SET failures = 0 WHERE user_id = ?", sess.UserID); err != nil {
			return fmt.Errorf("create session: %w", err)
		}
		return tx.webEvent(ctx, "session.created", "users/"+sess.UserID, sess.UserID,
			map[string]any{"session_id": sess.ID, "user_id": sess.UserID, "expires_at": ts(sess.ExpiresAt)})
	})
}

// SessionByHash returns a live session.
func (s *Store) SessionByHash(ctx context.Context, hash string, now time.Time) (*vigil.Session, error) {
	var sess vigil.Session
	var created, seen, idle, expires string
	var ended sql.NullString
	err := s.db.QueryRowContext(ctx, s.q("SELECT id, user_id, hash, created_at, seen_at, idle_until, expires_at, ended_at FROM web_sessions WHERE hash = ?"), hash).
		Scan(&sess.ID, &sess.UserID, &sess.Hash, &created, &seen, &idle, &expires, &ended)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, vigil.Errorf(vigil.EUNAUTHORIZED, "unknown session")
	}
	if err != nil {
		return nil, fmt.Errorf("look up session: %w", err)
	}
	sess.CreatedAt, sess.SeenAt, sess.IdleUntil, sess.ExpiresAt = parseTS(created), parseTS(seen), parseTS(idle), parseTS(expires)
	switch {
	case ended.Valid:
		return nil, vigil.Errorf(vigil.EUNAUTHORIZED, "session ended")
	case !now.Before(sess.ExpiresAt):
		return nil, vigil.Errorf(vigil.EUNAUTHORIZED, "session expired")
	case !now.Before(sess.IdleUntil):
		return nil, vigil.Errorf(vigil.EUNAUTHORIZED, "session idle too long")
	}
	return &sess, nil
}

// TouchSession moves the idle deadline of a live session.
func (s *Store) TouchSession(ctx context.Context, id string, seen, idleUntil time.Time) error {
	res, err := s.db.ExecContext(ctx, s.q("UPDATE web_sessions SET seen_at = ?, idle_until = ? WHERE id = ? AND ended_at IS NULL"), ts(seen), ts(idleUntil), id)
	if err != nil {
		return fmt.Errorf("touch session %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return vigil.Errorf(vigil.ENOTFOUND, "no live session %q", id)
	}
	return nil
}

// EndSession ends a live session.
func (s *Store) EndSession(ctx context.Context, id, actor, reason string) error {
	if reason == "" {
		reason = "signed_out"
	}
	return s.inTx(ctx, func(tx *tx) error {
		rows, err := tx.query(ctx, "SELECT user_id FROM web_sessions WHERE id = ? AND ended_at IS NULL", id)
		if err != nil {
			return fmt.Errorf("end session %s: %w", id, err)
		}
		var userID string
		found := rows.Next()
		if found {
			err = rows.Scan(&userID)
		}
		rows.Close()
		if err != nil {
			return fmt.Errorf("end session %s: %w", id, err)
		}
		if !found {
			return vigil.Errorf(vigil.ENOTFOUND, "no live session %q", id)
		}
		if _, err := tx.exec(ctx, "UPDATE web_sessions SET ended_at = ?, end_reason = ? WHERE id = ?", ts(tx.s.now()), reason, id); err != nil {
			return fmt.Errorf("end session %s: %w", id, err)
		}
		return tx.webEvent(ctx, "session.ended", "users/"+userID, actor, map[string]any{"session_id": id, "user_id": userID, "reason": reason})
	})
}

// SubjectEvents returns a subject's newest events.
func (s *Store) SubjectEvents(ctx context.Context, subject string, limit int) ([]*vigil.Event, error) {
	if limit < 1 || limit > 1000 {
		limit = 100
	}
	return s.queryEvents(ctx, "WHERE subject = ? ORDER BY seq DESC LIMIT ?", subject, limit)
}

// PartyCounts counts parties by country and sector list in one grouped
// scan, so the dashboard does not page through the whole portfolio.
func (s *Store) PartyCounts(ctx context.Context) ([]vigil.PartyCount, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT country, sectors, count(*) FROM parties GROUP BY country, sectors ORDER BY country, sectors")
	if err != nil {
		return nil, fmt.Errorf("count parties: %w", err)
	}
	defer rows.Close()
	var out []vigil.PartyCount
	for rows.Next() {
		var c vigil.PartyCount
		var sectors string
		if err := rows.Scan(&c.Country, &sectors, &c.N); err != nil {
			return nil, fmt.Errorf("count parties: %w", err)
		}
		c.Sectors = webSplitList(sectors)
		out = append(out, c)
	}
	return out, rows.Err()
}

// RiskCells groups current, live assessments by the end user's country and
// the capability list of each subscribed service; the capability lists
// are split here, since both databases store them as ";a;b;".
func (s *Store) RiskCells(ctx context.Context) ([]vigil.RiskCell, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT p.country, sv.capabilities, r.tier, r.tier_rank, count(DISTINCT r.id)
FROM risk_assessments r
JOIN parties p ON p.id = r.end_user_id
JOIN subscriptions sb ON sb.account_id = r.account_id
JOIN services sv ON sv.id = sb.service_id
WHERE r.current = 1 AND r.retired = 0
GROUP BY p.country, sv.capabilities, r.tier, r.tier_rank`)
	if err != nil {
		return nil, fmt.Errorf("summarise assessments: %w", err)
	}
	defer rows.Close()
	type key struct{ country, capability string }
	cells := map[key]*vigil.RiskCell{}
	var order []key
	for rows.Next() {
		var country, caps, tier string
		var rank int
		var n int64
		if err := rows.Scan(&country, &caps, &tier, &rank, &n); err != nil {
			return nil, fmt.Errorf("summarise assessments: %w", err)
		}
		for _, c := range webSplitList(caps) {
			k := key{country, c}
			cell, ok := cells[k]
			if !ok {
				cell = &vigil.RiskCell{Country: country, Capability: c, Tier: tier, TierRank: rank}
				cells[k] = cell
				order = append(order, k)
			}
			// A relationship may count in two rows of one cell when two
			// of its services share a capability; the count is an upper
			// bound, the tier exact.
			cell.N += n
			if rank > cell.TierRank {
				cell.Tier, cell.TierRank = tier, rank
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("summarise assessments: %w", err)
	}
	out := make([]vigil.RiskCell, 0, len(order))
	for _, k := range order {
		out = append(out, *cells[k])
	}
	return out, nil
}

func webSplitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ";") {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

var _ vigil.WebStore = (*Store)(nil)
