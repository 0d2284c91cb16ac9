package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/vigil-hrdd/vigil"
)

// CreateUser stores a new user.
func (s *Store) CreateUser(ctx context.Context, u *vigil.User, actor string) error {
	if err := u.Validate(); err != nil {
		return err
	}
	u.CreatedAt, u.CreatedBy = s.now().UTC(), actor
	return s.inTx(ctx, func(tx *tx) error {
		_, err := tx.exec(ctx, "INSERT INTO users (id, name, email, role, disabled, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
			u.ID, u.Name, u.Email, string(u.Role), boolInt(u.Disabled), ts(u.CreatedAt), actor)
		if err != nil {
			if s.dialect.IsUniqueViolation(err) {
				return vigil.Errorf(vigil.ECONFLICT, "a user with id %q exists already", u.ID)
			}
			return fmt.Errorf("create user %s: %w", u.ID, err)
		}
		ev, err := vigil.NewEvent("user.created", "users/"+u.ID, actor, s.now(), map[string]any{"id": u.ID, "role": u.Role})
		if err != nil {
			return err
		}
		return tx.insertEvent(ctx, ev)
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

const userSelect = "SELECT id, name, email, role, disabled, created_at, created_by FROM users "

func scanUser(sc interface{ Scan(...any) error }) (*vigil.User, error) {
	var u vigil.User
	var role, created string
	var disabled int
	if err := sc.Scan(&u.ID, &u.Name, &u.Email, &role, &disabled, &created, &u.CreatedBy); err != nil {
		return nil, err
	}
	u.Role, u.Disabled, u.CreatedAt = vigil.Role(role), disabled != 0, parseTS(created)
	return &u, nil
}

// GetUser returns one user.
func (s *Store) GetUser(ctx context.Context, id string) (*vigil.User, error) {
	u, err := scanUser(s.db.QueryRowContext(ctx, s.q(userSelect+"WHERE id = ?"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "no user with id %q", id)
	}
	if err != nil {
		return nil, fmt.Errorf("get user %s: %w", id, err)
	}
	return u, nil
}

// ListUsers returns every user in id order.
func (s *Store) ListUsers(ctx context.Context) ([]*vigil.User, error) {
	rows, err := s.db.QueryContext(ctx, userSelect+"ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []*vigil.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// CreateToken stores a token's hash.
func (s *Store) CreateToken(ctx context.Context, t *vigil.Token, actor string) error {
	if t.ID == "" {
		t.ID = vigil.NewID(s.now())
	}
	if t.Hash == "" {
		return vigil.FieldError("hash", "a token needs the hash of its secret")
	}
	t.CreatedAt = s.now().UTC()
	var expires any
	if t.ExpiresAt != nil {
		expires = ts(*t.ExpiresAt)
	}
	return s.inTx(ctx, func(tx *tx) error {
		var n int
		rows, err := tx.query(ctx, "SELECT count(*) FROM users WHERE id = ?", t.UserID)
		if err != nil {
			return fmt.Errorf("create token: %w", err)
		}
		if rows.Next() {
			err = rows.Scan(&n)
		}
		rows.Close()
		if err != nil {
			return fmt.Errorf("create token: %w", err)
		}
		if n == 0 {
			return vigil.Errorf(vigil.ENOTFOUND, "no user with id %q", t.UserID)
		}
		if _, err := tx.exec(ctx, "INSERT INTO tokens (id, user_id, name, hash, created_at, expires_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
			t.ID, t.UserID, t.Name, t.Hash, ts(t.CreatedAt), expires, actor); err != nil {
			if s.dialect.IsUniqueViolation(err) {
				return vigil.Errorf(vigil.ECONFLICT, "token %q exists already", t.ID)
			}
			return fmt.Errorf("create token: %w", err)
		}
		ev, err := vigil.NewEvent("token.created", "tokens/"+t.ID, actor, s.now(), map[string]any{"id": t.ID, "user_id": t.UserID, "name": t.Name})
		if err != nil {
			return err
		}
		return tx.insertEvent(ctx, ev)
	})
}

// UserByTokenHash returns the holder of a valid token.
func (s *Store) UserByTokenHash(ctx context.Context, hash string, now time.Time) (*vigil.User, error) {
	var expires sql.NullString
	var revoked sql.NullString
	var userID string
	err := s.db.QueryRowContext(ctx, s.q("SELECT user_id, expires_at, revoked_at FROM tokens WHERE hash = ?"), hash).Scan(&userID, &expires, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, vigil.Errorf(vigil.EUNAUTHORIZED, "unknown token")
	}
	if err != nil {
		return nil, fmt.Errorf("look up token: %w", err)
	}
	if revoked.Valid {
		return nil, vigil.Errorf(vigil.EUNAUTHORIZED, "token revoked")
	}
	if expires.Valid && expires.String != "" && !now.Before(parseTS(expires.String)) {
		return nil, vigil.Errorf(vigil.EUNAUTHORIZED, "token expired")
	}
	u, err := s.GetUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	if u.Disabled {
		return nil, vigil.Errorf(vigil.EUNAUTHORIZED, "user disabled")
	}
	return u, nil
}

// RevokeToken revokes a token.
func (s *Store) RevokeToken(ctx context.Context, id, actor string) error {
	return s.inTx(ctx, func(tx *tx) error {
		res, err := tx.exec(ctx, "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", ts(s.now()), id)
		if err != nil {
			return fmt.Errorf("revoke token %s: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return vigil.Errorf(vigil.ENOTFOUND, "no active token with id %q", id)
		}
		ev, err := vigil.NewEvent("token.revoked", "tokens/"+id, actor, s.now(), map[string]any{"id": id})
		if err != nil {
			return err
		}
		return tx.insertEvent(ctx, ev)
	})
}

var _ vigil.Store = (*Store)(nil)
