package http

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/vigil-hrdd/vigil"
)

// TokenRequest asks for a new API token.
type TokenRequest struct {
	// UserID is the user the token is for; empty means the caller.
	UserID string `json:"user_id"`
	// Name says what the token is for ("ci", "laptop").
	Name      string     `json:"name"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// NewToken is the answer to a token request. Secret is shown only here: the
// store keeps its hash.
type NewToken struct {
	Token  *vigil.Token `json:"token"`
	Secret string       `json:"secret"`
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) error {
	s.writeJSON(w, r, http.StatusOK, userFrom(r.Context()))
	return nil
}

func (s *Server) handleListUsers(w http.ResponseWriter, r *http.Request) error {
	users, err := s.store.ListUsers(r.Context())
	if err != nil {
		return fmt.Errorf("list users: %w", err)
	}
	if users == nil {
		users = []*vigil.User{}
	}
	s.writeJSON(w, r, http.StatusOK, pageBody[*vigil.User]{Items: users})
	return nil
}

func (s *Server) handleCreateUser(w http.ResponseWriter, r *http.Request) error {
	var u vigil.User
	if err := decodeJSON(r, &u); err != nil {
		return err
	}
	if err := u.Validate(); err != nil {
		return err
	}
	if err := s.store.CreateUser(r.Context(), &u, actorFrom(r.Context())); err != nil {
		return fmt.Errorf("create user %s: %w", u.ID, err)
	}
	stored, err := s.store.GetUser(r.Context(), u.ID)
	if err != nil {
		return fmt.Errorf("read back user %s: %w", u.ID, err)
	}
	s.writeJSON(w, r, http.StatusCreated, stored)
	return nil
}

func (s *Server) handleCreateToken(w http.ResponseWriter, r *http.Request) error {
	var req TokenRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.UserID == "" {
		req.UserID = actorFrom(r.Context())
	}
	if err := authorizeTarget(r.Context(), req.UserID); err != nil {
		return err
	}
	if strings.TrimSpace(req.Name) == "" {
		return vigil.FieldError("name", "say what the token is for, e.g. \"ci\"")
	}
	now := s.now()
	if req.ExpiresAt != nil && !req.ExpiresAt.After(now) {
		return vigil.FieldError("expires_at", "must lie in the future")
	}
	owner, err := s.store.GetUser(r.Context(), req.UserID)
	if err != nil {
		if vigil.ErrorCode(err) == vigil.ENOTFOUND {
			return vigil.FieldError("user_id", "no user %q", req.UserID)
		}
		return fmt.Errorf("get user %s: %w", req.UserID, err)
	}
	if owner.Disabled {
		return vigil.FieldError("user_id", "user %s is disabled", owner.ID)
	}
	secret, hash := vigil.NewTokenSecret()
	t := &vigil.Token{
		ID:        vigil.NewID(now),
		UserID:    owner.ID,
		Name:      req.Name,
		Hash:      hash,
		CreatedAt: now.UTC(),
		ExpiresAt: req.ExpiresAt,
	}
	if err := s.store.CreateToken(r.Context(), t, actorFrom(r.Context())); err != nil {
		return fmt.Errorf("create token for %s: %w", owner.ID, err)
	}
	s.writeJSON(w, r, http.StatusCreated, NewToken{Token: t, Secret: secret})
	return nil
}

func (s *Server) handleRevokeToken(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := s.store.RevokeToken(r.Context(), id, actorFrom(r.Context())); err != nil {
		return fmt.Errorf("revoke token %s: %w", id, err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
